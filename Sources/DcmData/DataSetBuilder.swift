#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DcmDictionary

/// Why a value could not be set from text or a keyword.
public enum DataSetBuildError: Error, Sendable, CustomStringConvertible, Equatable {
    case unknownKeyword(String)
    case noVR(Tag)
    case invalidValue(tag: Tag, vr: VR, text: String)

    public var description: String {
        switch self {
        case .unknownKeyword(let k): return "unknown keyword '\(k)'"
        case .noVR(let t): return "no VR known for \(t); give one"
        case let .invalidValue(t, vr, s): return "'\(s)' is not a valid \(vr) value for \(t)"
        }
    }
}

/// Building data sets in memory: used by tests, the fixture generator and
/// rule examples.
///
/// Values are encoded as PS3.5 §6.2 and §7.1 require: text padded to an even
/// length with a space (UI and OB with NUL), multiple values joined by `\`,
/// binary numbers in the data set's byte order (little endian for a new data
/// set). Elements stay in ascending tag order; setting a tag that is present
/// replaces it.
///
/// Storage: values are appended to the data set's own `ByteStorage`. When that
/// storage is shared (a data set read from a file shares one storage with all
/// its items, and copies of a `DataSet` share it too), the first mutation
/// copies this data set's values into a fresh storage, so the shared one is
/// never changed (copy on write). Items built for `setSequence` should be
/// new `DataSet()`s, each with its own storage.
extension DataSet {
    // MARK: Storage

    /// Makes `storage` exclusively this data set's, copying only this data
    /// set's own values when it is shared.
    mutating func makeStorageUnique() {
        // (on the box's stored field: `storage` is computed, and an inout
        // access to it would go through a temporary that is never unique)
        makeUnique()
        if isKnownUniquelyReferenced(&box.storage) { return }
        let fresh = ByteStorage(capacity: elements.reduce(16) { $0 + $1.valueLength })
        let old = storage
        for i in elements.indices {
            let e = elements[i]
            if e.valueLength > 0 {
                let start = old.withBytes(e.valueStart, e.valueLength) { buf in fresh.appendBuffer(buf) }
                elements[i].valueStart = start
            } else {
                elements[i].valueStart = fresh.count
            }
        }
        storage = fresh
    }

    /// Inserts (or replaces) an element, keeping ascending tag order.
    mutating func insertSorted(_ e: Element) {
        if !isSorted {
            elements = elements.enumerated().sorted { ($0.element.tag.raw, $0.offset) < ($1.element.tag.raw, $1.offset) }.map(\.element)
            isSorted = true
        }
        var lo = 0, hi = elements.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if elements[mid].tag.raw < e.tag.raw { lo = mid + 1 } else { hi = mid }
        }
        if lo < elements.count && elements[lo].tag == e.tag { elements[lo] = e } else { elements.insert(e, at: lo) }
    }

    /// Sets `tag` to an already encoded value (bytes in this data set's byte
    /// order). Odd lengths are padded with the VR's padding byte unless `pad` is false.
    public mutating func setRaw(_ tag: Tag, _ vr: VR, _ bytes: [UInt8], pad: Bool = true, flags: Element.Flags = []) {
        makeStorageUnique()
        var b = bytes
        if pad && b.count & 1 == 1 { b.append(vr.paddingByte) }
        let start = storage.append(b)
        insertSorted(Element(tag: tag, vr: vr, flags: flags, declaredLength: flags.contains(.undefinedLength) ? 0xFFFFFFFF : UInt32(truncatingIfNeeded: b.count),
                             fileOffset: -1, valueStart: start, valueLength: b.count))
        if tag == .specificCharacterSet && vr == .CS {
            characterSet = SpecificCharacterSet(terms: String(decoding: b, as: UTF8.self)
                .split(separator: "\\", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: " \0") })
        }
    }

    /// Sets `tag` as the reader gives an element that a file writes with the
    /// explicit VR UN and whose VR the dictionary knows (PS3.5 §6.2.2 Note 2):
    /// the value as `vr` (the dictionary's), the element flagged `explicitUN`.
    public mutating func setWrittenAsUN(_ tag: Tag, _ vr: VR, _ value: String) throws {
        try setParsing(tag, vr, value)
        if let i = index(of: tag) { elements[i].flags.insert(.explicitUN) }
    }

    /// Removes every element with `tag`; returns whether one was there.
    @discardableResult
    public mutating func remove(_ tag: Tag) -> Bool {
        let n = elements.count
        elements.removeAll { $0.tag == tag }
        return elements.count != n
    }

    // MARK: Text

    /// Sets a text value (several values joined with `\`). For binary VRs
    /// (US, FL, AT, …) the text is parsed as numbers (or `gggg,eeee` tags);
    /// invalid text is a programming error here — use `setParsing` for input
    /// that may be wrong.
    public mutating func set(_ tag: Tag, _ vr: VR, _ value: String) {
        do { try setParsing(tag, vr, value) } catch { preconditionFailure("\(error)") }
    }

    public mutating func set(_ tag: Tag, _ vr: VR, _ values: [String]) {
        set(tag, vr, values.joined(separator: "\\"))
    }

    /// Sets an element by its dictionary keyword, the VR from PS3.6.
    public mutating func set(keyword: String, _ value: String) {
        do { try setParsing(keyword: keyword, value) } catch { preconditionFailure("\(error)") }
    }

    public mutating func set(keyword: String, _ values: [String]) {
        set(keyword: keyword, values.joined(separator: "\\"))
    }

    /// As `set(_:_:_:)` but throws when the text is not a valid value of a binary VR.
    public mutating func setParsing(_ tag: Tag, _ vr: VR, _ value: String) throws {
        if vr.isString {
            setRaw(tag, vr, encodeText(value, vr: vr))
            return
        }
        let parts = value.isEmpty ? [] : value.split(separator: "\\", omittingEmptySubsequences: false).map { Substring($0).trimmingCharacters(in: " ") }
        switch vr {
        case .AT:
            var tags: [Tag] = []
            for p in parts { guard let t = Tag(parsing: p) else { throw DataSetBuildError.invalidValue(tag: tag, vr: vr, text: value) }; tags.append(t) }
            setTags(tag, tags)
        case .FL, .FD, .OF, .OD:
            var ds: [Double] = []
            for p in parts { guard let d = Double(p) else { throw DataSetBuildError.invalidValue(tag: tag, vr: vr, text: value) }; ds.append(d) }
            set(tag, vr, ds)
        case .US, .SS, .UL, .SL, .SV, .UV, .OW, .OL, .OV:
            var us: [UInt64] = []
            for p in parts {
                if let i = Int64(p) { us.append(UInt64(bitPattern: i)) }
                else if let u = UInt64(p) { us.append(u) }
                else { throw DataSetBuildError.invalidValue(tag: tag, vr: vr, text: value) }
            }
            set(tag, vr, bitPatterns: us)
        case .OB, .UN:
            // hexadecimal bytes, optionally separated by `\`
            var bytes: [UInt8] = []
            for p in parts {
                var s = Substring(p)
                while !s.isEmpty {
                    let h = s.prefix(2); s = s.dropFirst(2)
                    guard let b = UInt8(h, radix: 16) else { throw DataSetBuildError.invalidValue(tag: tag, vr: vr, text: value) }
                    bytes.append(b)
                }
            }
            setRaw(tag, vr, bytes)
        case .SQ:
            throw DataSetBuildError.invalidValue(tag: tag, vr: vr, text: value)
        default:
            setRaw(tag, vr, encodeText(value, vr: vr))
        }
    }

    /// As `set(keyword:_:)` but throws on an unknown keyword or invalid value.
    public mutating func setParsing(keyword: String, _ value: String) throws {
        let (tag, vr) = try Self.resolve(keyword: keyword)
        try setParsing(tag, vr, value)
    }

    /// The tag and VR of a keyword (multi-VR entries: the first listed, OW for OB/OW).
    public static func resolve(keyword: String) throws -> (Tag, VR) {
        guard let entry = DataDictionary.entry(forKeyword: keyword) else { throw DataSetBuildError.unknownKeyword(keyword) }
        guard let vr = defaultVR(entry.vrs) else { throw DataSetBuildError.noVR(entry.tag) }
        return (entry.tag, vr)
    }

    /// The VR a reader of implicit VR data would assume for a multi-VR entry
    /// (OW for `OB or OW`, US for `US or SS` and `US or OW`), else the first
    /// listed — as the reader resolves them (pixel representation 0).
    public static func defaultVR(_ vrs: [VR]) -> VR? {
        if vrs.contains(.OB) && vrs.contains(.OW) { return .OW }
        if vrs.contains(.US) && (vrs.contains(.SS) || vrs.contains(.OW)) { return .US }
        return vrs.first
    }

    /// The VR of a tag from the dictionary (see `defaultVR`).
    public static func dictionaryVR(_ tag: Tag) -> VR? {
        if tag.element == 0 { return .UL }
        if tag.isPrivateCreator { return .LO }
        guard let e = DataDictionary.entry(for: tag) else { return nil }
        return defaultVR(e.vrs)
    }

    /// Text bytes of `value` in this data set's character set: UTF-8 for
    /// ISO_IR 192 and GB18030-free defaults; ISO 8859 (and other single-byte
    /// sets) through iconv. ISO 2022 escape sequences are not produced: give
    /// such values as bytes with `setRaw`. Pure ASCII is used as is.
    func encodeText(_ value: String, vr: VR) -> [UInt8] {
        let utf8 = Array(value.utf8)
        if utf8.allSatisfy({ $0 < 0x80 }) || !vr.usesSpecificCharacterSet { return utf8 }
        let term = characterSet.terms.first?.trimmingTrailing() ?? ""
        if term == "ISO_IR 192" { return utf8 }
        let enc = term.isEmpty ? "ISO-8859-1" : (SpecificCharacterSet.encoding(forTerm: term) ?? "UTF-8")
        if enc == "UTF-8" { return utf8 }
        return iconvEncode(utf8, to: enc) ?? utf8
    }

    // MARK: Numbers

    /// Sets numbers: binary VRs (US, SS, UL, SL, SV, UV, FL, FD, OW, OL, OV,
    /// OF, OD) encoded in the data set's byte order; DS and IS as text.
    public mutating func set(_ tag: Tag, _ vr: VR, _ values: [Int]) {
        switch vr {
        case .FL, .FD, .OF, .OD, .DS: set(tag, vr, values.map(Double.init))
        case .IS: set(tag, vr, values.map(String.init).joined(separator: "\\"))
        default: set(tag, vr, bitPatterns: values.map { UInt64(bitPattern: Int64($0)) })
        }
    }

    public mutating func set(_ tag: Tag, _ vr: VR, _ value: Int) { set(tag, vr, [value]) }

    public mutating func set(_ tag: Tag, _ vr: VR, _ values: [Double]) {
        switch vr {
        case .FL, .OF: setRaw(tag, vr, packed(values.map { Float($0).bitPattern }))
        case .FD, .OD: setRaw(tag, vr, packed(values.map { $0.bitPattern }))
        case .DS: set(tag, vr, values.map(formatDS).joined(separator: "\\"))
        case .IS: set(tag, vr, values.map { String(Int64($0)) }.joined(separator: "\\"))
        default: set(tag, vr, values.map { Int($0) })
        }
    }

    public mutating func set(_ tag: Tag, _ vr: VR, _ value: Double) { set(tag, vr, [value]) }

    public mutating func set(keyword: String, _ values: [Int]) {
        guard let (t, vr) = try? Self.resolve(keyword: keyword) else { preconditionFailure("unknown keyword \(keyword)") }
        set(t, vr, values)
    }
    public mutating func set(keyword: String, _ value: Int) { set(keyword: keyword, [value]) }
    public mutating func set(keyword: String, _ values: [Double]) {
        guard let (t, vr) = try? Self.resolve(keyword: keyword) else { preconditionFailure("unknown keyword \(keyword)") }
        set(t, vr, values)
    }
    public mutating func set(keyword: String, _ value: Double) { set(keyword: keyword, [value]) }

    /// Sets integer VRs from their bit patterns, truncated to the VR's size
    /// (US/SS/OW 2 bytes, UL/SL/OL 4, SV/UV/OV 8).
    public mutating func set(_ tag: Tag, _ vr: VR, bitPatterns values: [UInt64]) {
        switch vr.binaryValueSize {
        case 2: setRaw(tag, vr, packed(values.map { UInt16(truncatingIfNeeded: $0) }))
        case 4: setRaw(tag, vr, packed(values.map { UInt32(truncatingIfNeeded: $0) }))
        case 8: setRaw(tag, vr, packed(values))
        default: setRaw(tag, vr, packed(values.map { UInt8(truncatingIfNeeded: $0) }))
        }
    }

    /// Sets AT values (PS3.5 §6.2: group then element, each 16-bit).
    public mutating func setTags(_ tag: Tag, _ tags: [Tag]) {
        setRaw(tag, .AT, packed(tags.flatMap { [$0.group, $0.element] }))
    }

    /// Binary values in this data set's byte order.
    func packed<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(values.count * MemoryLayout<T>.size)
        for v in values {
            let x = isBigEndian ? v.bigEndian : v.littleEndian
            withUnsafeBytes(of: x) { out.append(contentsOf: $0) }
        }
        return out
    }

    // MARK: Sequences, private blocks, pixel data

    /// Sets a sequence. `undefinedLength` records how it was "read"; the
    /// writer's option decides how it is written.
    public mutating func setSequence(_ tag: Tag, items: [DataSet], vr: VR = .SQ) {
        makeStorageUnique()
        var e = Element(tag: tag, vr: vr, flags: [.undefinedLength], declaredLength: 0xFFFFFFFF, fileOffset: -1, valueStart: storage.count, valueLength: 0, items: items)
        if vr == .UN { e.flags.insert(.unAsSequence) }
        insertSorted(e)
    }

    public mutating func setSequence(keyword: String, items: [DataSet]) {
        guard let t = DataDictionary.tag(forKeyword: keyword) else { preconditionFailure("unknown keyword \(keyword)") }
        setSequence(t, items: items)
    }

    /// Reserves (or finds) the private block of `creator` in `group` (PS3.5
    /// §7.8.1) and returns its block number (0x10…0xFF).
    @discardableResult
    public mutating func privateBlock(group: UInt16, creator: String) -> UInt16 {
        var free: UInt16? = nil
        for block in UInt16(0x10)...0xFF {
            if let ce = self[Tag(group, block)] {
                if creatorString(ce) == creator { return block }
            } else if free == nil { free = block }
        }
        let b = free ?? 0xFF
        set(Tag(group, b), .LO, creator)
        return b
    }

    /// The tag of `(group, "creator", elementByte)`, reserving the block if needed.
    public mutating func privateTag(group: UInt16, creator: String, elementByte: UInt8) -> Tag {
        let b = privateBlock(group: group, creator: creator)
        return Tag(group, b << 8 | UInt16(elementByte))
    }

    /// Encapsulated Pixel Data (PS3.5 §A.4): a Basic Offset Table item (empty
    /// when `offsets` is empty), one item per fragment, and a Sequence
    /// Delimitation Item; always little endian. Written as is by the writer.
    public mutating func setEncapsulatedPixelData(fragments: [[UInt8]], offsets: [UInt32] = [], vr: VR = .OB) {
        var b: [UInt8] = []
        func u16(_ v: UInt16) { b.append(UInt8(v & 0xFF)); b.append(UInt8(v >> 8)) }
        func u32(_ v: UInt32) { for s in stride(from: 0, to: 32, by: 8) { b.append(UInt8(truncatingIfNeeded: v >> UInt32(s))) } }
        u16(0xFFFE); u16(0xE000); u32(UInt32(offsets.count * 4))
        for o in offsets { u32(o) }
        for f in fragments {
            var f = f
            if f.count & 1 == 1 { f.append(0) }
            u16(0xFFFE); u16(0xE000); u32(UInt32(f.count)); b += f
        }
        u16(0xFFFE); u16(0xE0DD); u32(0)
        setRaw(.pixelData, vr, b, pad: false, flags: [.undefinedLength])
    }
}

extension ByteStorage {
    /// Appends the bytes of a buffer and returns the index of the first one.
    @discardableResult
    func appendBuffer(_ buf: UnsafeRawBufferPointer) -> Int {
        let start = count
        reserve(count + buf.count)
        if let s = buf.baseAddress, buf.count > 0 { (base + count).copyMemory(from: s, byteCount: buf.count) }
        count += buf.count
        return start
    }
}

/// A DS value (PS3.5 Table 6.2-1: at most 16 characters).
func formatDS(_ d: Double) -> String {
    if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
    var s = "\(d)"
    if s.utf8.count <= 16 { return s }
    for p in stride(from: 14, through: 1, by: -1) {
        s = String(format: d, precision: p)
        if s.utf8.count <= 16 { return s }
    }
    return s
}

extension String {
    /// `%.{p}g` without Foundation.
    init(format d: Double, precision p: Int) {
        var buf = [CChar](repeating: 0, count: 64)
        _ = withVaList([d]) { vsnprintf(&buf, 64, "%.\(p)g", $0) }
        self = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// UTF-8 to another encoding with iconv; nil when a character has no mapping.
func iconvEncode(_ utf8: [UInt8], to enc: String) -> [UInt8]? {
    let cd = iconv_open(enc, "UTF-8")
    if cd == iconv_t(bitPattern: -1) { return nil }
    defer { iconv_close(cd) }
    var input = utf8.map { CChar(bitPattern: $0) }
    var output = [CChar](repeating: 0, count: utf8.count * 4 + 16)
    let outCount = output.count
    let produced: Int? = input.withUnsafeMutableBufferPointer { inp in
        output.withUnsafeMutableBufferPointer { outp in
            var ip: UnsafeMutablePointer<CChar>? = inp.baseAddress
            var op: UnsafeMutablePointer<CChar>? = outp.baseAddress
            var il = inp.count, ol = outCount
            let r = iconv(cd, &ip, &il, &op, &ol)
            return r == -1 ? nil : outCount - ol
        }
    }
    guard let n = produced else { return nil }
    return output[0..<n].map { UInt8(bitPattern: $0) }
}
