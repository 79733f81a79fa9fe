#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DcmData
import DcmDictionary

/// One element reached by an attribute reference, with the value it selects
/// (`index`, for `ImageType[0]`), or the file's anomaly list.
enum Target {
    case element(DataSet, Element, index: Int?)
    case anomalies([Anomaly])
    /// Values parsed from the file (a derived attribute: `csa.image.NAME`), typed by `vr`.
    case values([String], vr: VR)
}

/// What an attribute reference resolved to in one data set.
enum Resolved {
    /// A path without wildcard that reaches no element.
    case missing
    /// A derived value that is there but cannot be decoded (a malformed
    /// header, an ASCCONV block that does not parse, an unknown code): every
    /// test on it is unknown, so the rule is not evaluated.
    case undecodable
    case one(Target)
    /// A wildcard path: one entry per item reached (`nil` where the item lacks
    /// the attribute). Empty when the sequence is absent or has no items.
    case many([Target?])
}

@inline(__always) func isPlainASCII(_ b: UnsafeRawBufferPointer) -> Bool {
    for c in b where c >= 0x80 || (c < 0x20 && c != 0) { return false }
    return true
}

@inline(__always) func trim(_ b: UnsafeRawBufferPointer, leading: Bool) -> UnsafeRawBufferPointer {
    var lo = 0, hi = b.count
    while hi > lo, b[hi - 1] == 0x20 || b[hi - 1] == 0 { hi -= 1 }
    if leading { while lo < hi, b[lo] == 0x20 { lo += 1 } }
    return UnsafeRawBufferPointer(rebasing: b[lo..<hi])
}

extension Target {
    /// Number of values (VM), or 1 for a selected value.
    var count: Int {
        switch self {
        case .anomalies(let a): return a.count
        case .values(let v, _): return v.count
        case let .element(ds, e, index):
            if index != nil { return 1 }
            return ds.valueMultiplicity(e)
        }
    }

    /// Whether the attribute has a value: for a sequence, at least one item
    /// (PS3.5 §7.4: an empty type 2 sequence has no items).
    var hasValue: Bool {
        if case let .element(ds, e, nil) = self { return Self.hasValue(ds, e) }
        if case .values(let v, _) = self { return v.contains { !$0.isEmpty } }   // CSA items "" are no value
        return count > 0
    }

    /// `hasValue` of a whole element (no value index), without building a target.
    static func hasValue(_ ds: DataSet, _ e: Element) -> Bool {
        if let items = e.items { return !items.isEmpty }
        // a value the reader did not load (Pixel Data) has one if its length field says so
        if e.flags.contains(.notLoaded) { return e.declaredLength != 0 }
        return ds.hasValues(e)
    }

    /// The VR the value is read with (for an element written as UN, the
    /// dictionary's: `Element.explicitUN`).
    var vr: VR? {
        if case .element(_, let e, _) = self { return e.vr }
        if case .values(_, let vr) = self { return vr }
        return .CS
    }

    /// The VR as the file writes it (`vr` tests): UN for an element written as UN.
    var fileVR: VR? {
        if case .element(_, let e, _) = self { return e.fileVR }
        return vr
    }

    /// Calls `body` with each value's bytes (text trimmed per VR; the anomaly
    /// kinds' raw values), stopping at the first `false`. Returns whether every
    /// call returned `true`. ASCII text is handed over without copying.
    func forEachText(_ body: (UnsafeRawBufferPointer) -> Bool) -> Bool {
        switch self {
        case .anomalies(let list):
            for a in list {
                var s = a.kind.rawValue
                if !s.withUTF8({ body(UnsafeRawBufferPointer($0)) }) { return false }
            }
            return true
        case .values(let list, _):
            for var s in list where !s.withUTF8({ body(UnsafeRawBufferPointer($0)) }) { return false }
            return true
        case let .element(ds, e, index):
            return Target.forEachText(ds, e, index, body)
        }
    }

    /// `forEachText` of one element, on the data set and element as they are
    /// (no `Target` built: the evaluator's walks over every element call it).
    static func forEachText(_ ds: DataSet, _ e: Element, _ index: Int?, _ body: (UnsafeRawBufferPointer) -> Bool) -> Bool {
        do {
            let vr = e.vr
            if e.isSequence { return true }
            if !vr.isString {
                if vr.isBulk {
                    // private or unknown values: their bytes as text
                    return ds.withValue(e) { buf in
                        let t = trim(buf, leading: true)
                        return index.map { $0 == 0 ? body(t) : true } ?? body(t)
                    }
                }
                // binary numbers and AT: their decimal text (slow path)
                var texts: [String]
                if vr == .AT { texts = ds.tags(e).map(\.description) }
                else if vr == .FL || vr == .FD { texts = (ds.doubles(e) ?? []).map { String($0) } }
                else { texts = (ds.integers(e) ?? []).map { String($0) } }
                if let i = index { texts = i < texts.count ? [texts[i]] : [] }
                for var t in texts where !t.withUTF8({ body(UnsafeRawBufferPointer($0)) }) { return false }
                return true
            }
            return ds.withValue(e) { buf in
                if !isPlainASCII(buf) && vr.usesSpecificCharacterSet {
                    var all = ds.strings(e)
                    if let i = index { all = i < all.count ? [all[i]] : [] }
                    for var s in all where !s.withUTF8({ body(UnsafeRawBufferPointer($0)) }) { return false }
                    return true
                }
                if vr.isSingleValuedText { return index.map { $0 == 0 } ?? true ? body(trim(buf, leading: false)) : true }
                let lead = vr.trimsLeadingSpaces
                var start = 0, n = 0
                let count = buf.count
                var i = 0
                while i <= count {
                    if i == count || buf[i] == 0x5C {
                        if index == nil || index == n {
                            if !body(trim(UnsafeRawBufferPointer(rebasing: buf[start..<i]), leading: lead)) { return false }
                        }
                        n += 1
                        start = i + 1
                    }
                    i += 1
                }
                return true
            }
        }
    }

    /// Calls `body` with each value as a number: DS/IS parsed from text, binary
    /// values read in the data set's byte order. `.unknown` when a value is not
    /// a number; otherwise `.no` at the first `false`.
    func forEachNumber(_ body: (Double) -> Bool) -> Truth {
        if case .values(let list, _) = self {
            for var s in list {
                guard let d = s.withUTF8({ parseNumber(UnsafeRawBufferPointer($0)) }) else { return .unknown }
                if !body(d) { return .no }
            }
            return .yes
        }
        guard case let .element(ds, e, index) = self else { return .unknown }
        let vr = e.vr
        if vr.isString || vr == .UN || vr == .OB {
            var bad = false
            let ok = forEachText { t in
                if t.isEmpty { return true }
                guard let d = parseNumber(t) else { bad = true; return false }
                return body(d)
            }
            return bad ? .unknown : Truth.from(ok)
        }
        let size = vr.binaryValueSize
        guard size > 0, vr != .AT else { return .unknown }
        let big = ds.isBigEndian
        return ds.withValue(e) { buf in
            let n = buf.count / size
            let range = index.map { $0 < n ? $0..<($0 + 1) : 0..<0 } ?? 0..<n
            for i in range {
                let off = i * size
                let d: Double
                switch vr {
                case .US, .OW: let v = buf.loadUnaligned(fromByteOffset: off, as: UInt16.self); d = Double(big ? UInt16(bigEndian: v) : UInt16(littleEndian: v))
                case .SS: let v = buf.loadUnaligned(fromByteOffset: off, as: UInt16.self); d = Double(Int16(bitPattern: big ? UInt16(bigEndian: v) : UInt16(littleEndian: v)))
                case .UL, .OL: let v = buf.loadUnaligned(fromByteOffset: off, as: UInt32.self); d = Double(big ? UInt32(bigEndian: v) : UInt32(littleEndian: v))
                case .SL: let v = buf.loadUnaligned(fromByteOffset: off, as: UInt32.self); d = Double(Int32(bitPattern: big ? UInt32(bigEndian: v) : UInt32(littleEndian: v)))
                case .FL, .OF: let v = buf.loadUnaligned(fromByteOffset: off, as: UInt32.self); d = Double(Float(bitPattern: big ? UInt32(bigEndian: v) : UInt32(littleEndian: v)))
                case .FD, .OD: let v = buf.loadUnaligned(fromByteOffset: off, as: UInt64.self); d = Double(bitPattern: big ? UInt64(bigEndian: v) : UInt64(littleEndian: v))
                case .SV: let v = buf.loadUnaligned(fromByteOffset: off, as: UInt64.self); d = Double(Int64(bitPattern: big ? UInt64(bigEndian: v) : UInt64(littleEndian: v)))
                case .UV, .OV: let v = buf.loadUnaligned(fromByteOffset: off, as: UInt64.self); d = Double(big ? UInt64(bigEndian: v) : UInt64(littleEndian: v))
                default: return .unknown
                }
                if !body(d) { return .no }
            }
            return .yes
        }
    }

    /// The values as text, for messages and reports (allocates; failure path only).
    var displayValues: [String] {
        var out: [String] = []
        _ = forEachText { b in out.append(String(decoding: b, as: UTF8.self)); return out.count < 64 }
        return out
    }

    /// The tag of the element (for redaction decisions).
    var tag: Tag? { if case .element(_, let e, _) = self { return e.tag }; return nil }
}

/// Parses a DS/IS value (optional sign, digits, fraction, exponent) without
/// allocating; `nil` when it is not a number.
func parseNumber(_ b: UnsafeRawBufferPointer) -> Double? {
    let n = b.count
    guard n > 0, n < 64 else { return nil }
    // fast path: an optional sign and digits only
    var i = 0
    var neg = false
    if b[0] == 0x2D || b[0] == 0x2B { neg = b[0] == 0x2D; i = 1 }
    if i < n {
        var v: Int64 = 0
        var j = i
        while j < n, b[j] >= 0x30, b[j] <= 0x39, j - i < 18 { v = v &* 10 &+ Int64(b[j] &- 0x30); j += 1 }
        if j == n { return Double(neg ? -v : v) }
    }
    for c in b where !((c >= 0x30 && c <= 0x39) || c == 0x2B || c == 0x2D || c == 0x2E || c == 0x45 || c == 0x65) { return nil }
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { tmp -> Double? in
        for k in 0..<n { tmp[k] = CChar(bitPattern: b[k]) }
        tmp[n] = 0
        var end: UnsafeMutablePointer<CChar>? = nil
        let d = strtod(tmp.baseAddress!, &end)
        guard let end, end - tmp.baseAddress! == n else { return nil }
        return d
    }
}

@inline(__always) func bytesEqual(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    if a.count == 0 { return true }
    return b.withUnsafeBytes { memcmp(a.baseAddress!, $0.baseAddress!, a.count) == 0 }
}

/// Resolution of attribute references in a file.
extension AttributeRef {
    func resolve(in file: DicomFile) -> Resolved {
        switch self {
        case .anomalies:
            return .one(.anomalies(file.anomalies))
        case .textRepertoire:
            return .one(.values([AttributeRef.textRepertoireValues[file.textOutsideDefaultRepertoire ? 1 : 0]], vr: .CS))
        case .derived(let d):
            return d.resolve(in: file)
        case .tag(let t, _):
            let ds = t.group == 0x0002 ? file.meta : file.dataSet
            guard let i = ds.index(of: t) else { return .missing }
            return .one(.element(ds, ds.elements[i], index: nil))
        case .path(let p):
            let out = Self.reach(p, in: file, named: false)
            if hasWildcard { return .many(out.map(\.target)) }
            guard let first = out.first, let t = first.target else { return .missing }
            return .one(t)
        }
    }

    /// For a path with a wildcard: what `resolve` reaches (the same targets,
    /// in the same order), each with the path that reaches it, items numbered
    /// as `each_element` findings name them (`Seq[2].CodeValue`,
    /// `Evaluator.elementPath`); nil for other references.
    func resolveNamed(in file: DicomFile) -> [(path: String, target: Target?)]? {
        guard case .path(let p) = self, hasWildcard else { return nil }
        return Self.reach(p, in: file, named: true)
    }

    /// What path `p` reaches in `file`: an entry per data set its last step
    /// is looked up in (nil where that data set lacks the attribute, or the
    /// indexed value), none when an earlier step reaches no item; with
    /// `named`, each with its path (`""` otherwise: no strings built while
    /// rules are evaluated).
    static func reach(_ p: AttributePath, in file: DicomFile, named: Bool) -> [(path: String, target: Target?)] {
        let top = p.steps.first.flatMap { s -> Bool? in if case .tag(let t) = s.reference { return t.group == 2 }; return nil } ?? false
        var current: [(DataSet, String)] = [(top ? file.meta : file.dataSet, "")]
        for (n, step) in p.steps.enumerated() {
            if n == p.steps.count - 1 {
                return current.map { d, prefix in
                    guard let e = find(step.reference, in: d) else {
                        return (named ? joined(prefix, name(step.reference)) : "", nil)
                    }
                    let path = named ? Evaluator.elementPath(d, e, prefix) : ""
                    if case .at(let k) = step.index, e.items == nil {
                        return (named ? path + "[\(k)]" : "", k < d.valueMultiplicity(e) ? .element(d, e, index: k) : nil)
                    }
                    return (path, .element(d, e, index: nil))
                }
            }
            var next: [(DataSet, String)] = []
            for (d, prefix) in current {
                guard let e = find(step.reference, in: d), let items = e.items else { continue }
                let base = named ? Evaluator.elementPath(d, e, prefix) : ""
                switch step.index {
                case .at(let k): if k < items.count { next.append((items[k], named ? base + "[\(k)]" : "")) }
                case .all, .none:
                    for (i, item) in items.enumerated() { next.append((item, named ? base + "[\(i)]" : "")) }
                }
            }
            current = next
            if current.isEmpty { return [] }
        }
        return []
    }

    /// A path step's attribute as findings write it (keyword, or the private
    /// tag with its creator).
    static func name(_ ref: AttributePath.Reference) -> String {
        switch ref {
        case .tag(let t): return DataDictionary.entry(for: t).map { $0.keyword.isEmpty ? t.description : $0.keyword } ?? t.description
        case let .privateTag(g, c, b):
            let hex = { (v: Int, n: Int) -> String in let s = String(v, radix: 16, uppercase: true); return String(repeating: "0", count: max(0, n - s.count)) + s }
            return "(\(hex(Int(g), 4)),\"\(c)\",\(hex(Int(b), 2)))"
        }
    }
    static func joined(_ prefix: String, _ name: String) -> String { prefix.isEmpty ? name : prefix + "." + name }

    static func find(_ ref: AttributePath.Reference, in ds: DataSet) -> Element? {
        switch ref {
        case .tag(let t): return ds[t]
        case let .privateTag(g, c, b): return ds.privateElement(group: g, creator: c, elementByte: b)
        }
    }
}
