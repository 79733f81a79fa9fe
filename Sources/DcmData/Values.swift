import DcmDictionary

/// Decoding of element values on demand (PS3.5 §6.2): text split into
/// values and trimmed per VR, text numbers (DS, IS), binary numbers in the
/// data set's byte order, AT, and PN.
extension DataSet {
    /// The raw bytes of `e`'s value, handed to `body` without copying.
    @inlinable public func withValue<R>(_ e: Element, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withBytes(e.valueStart, e.valueLength, body)
    }

    /// The whole text value, decoded with the character set and trimmed of
    /// padding (trailing spaces and NULs; leading spaces where the VR says
    /// they are insignificant). `nil` for non-text VRs or values not loaded.
    public func string(_ e: Element) -> String? {
        guard e.vr.isString, !e.flags.contains(.notLoaded) else { return nil }
        return withValue(e) { buf in
            let t = trimmed(buf, vr: e.vr, leading: e.vr.trimsLeadingSpaces)
            return characterSet.decode(t, vr: e.vr)
        }
    }

    /// The values of a text element: split at `\` (except LT, ST, UT, UR,
    /// which hold one value), each trimmed per its VR. Empty value → `[]`.
    public func strings(_ e: Element) -> [String] {
        guard e.vr.isString, !e.flags.contains(.notLoaded), e.valueLength > 0 else { return [] }
        return withValue(e) { buf in
            let vr = e.vr
            if vr.isSingleValuedText {
                return [characterSet.decode(trimmed(buf, vr: vr, leading: false), vr: vr)]
            }
            if vr.usesSpecificCharacterSet && !isASCII(buf) && characterSet.decodesBeforeSplitting(buf) {
                // decode first: a multi-byte character may contain 0x5C
                let whole = characterSet.decode(buf, vr: vr)
                return whole.split(separator: "\\", omittingEmptySubsequences: false).map { trimString($0, vr: vr) }
            }
            var result: [String] = []
            var start = 0
            let n = buf.count
            var i = 0
            while i <= n {
                if i == n || buf[i] == 0x5C {
                    let part = UnsafeRawBufferPointer(rebasing: buf[start..<i])
                    let t = trimmed(part, vr: vr, leading: vr.trimsLeadingSpaces)
                    result.append(characterSet.decode(t, vr: vr))
                    start = i + 1
                }
                i += 1
            }
            return result
        }
    }

    /// `valueMultiplicity(e) > 0` without counting the values of text (the
    /// rules engine asks it of every Type 1 attribute).
    public func hasValues(_ e: Element) -> Bool {
        if e.isSequence { return true }
        if e.valueLength == 0 { return false }
        let vr = e.vr
        if vr.isString {
            if vr.isSingleValuedText || !vr.usesSpecificCharacterSet { return true }
            return withValue(e) { buf in isASCII(buf) } || !strings(e).isEmpty
        }
        return valueMultiplicity(e) > 0
    }

    /// Value Multiplicity of the element as encoded (PS3.5 §6.4).
    public func valueMultiplicity(_ e: Element) -> Int {
        if e.isSequence { return 1 }
        if e.valueLength == 0 { return 0 }
        let vr = e.vr
        if vr.isString {
            if vr.isSingleValuedText { return 1 }
            return withValue(e) { buf in
                if vr.usesSpecificCharacterSet && !isASCII(buf) { return strings(e).count }
                return buf.reduce(1) { $1 == 0x5C ? $0 + 1 : $0 }
            }
        }
        if vr.isBulk { return 1 }
        if vr == .AT { return e.valueLength / 4 }
        let size = vr.binaryValueSize
        return size > 0 ? e.valueLength / size : 1
    }

    /// Numbers: DS and IS parsed from text; FL, FD, OF, OD, US, SS, UL, SL,
    /// UV, SV, OW, OL, OV read in the data set's byte order. A text value that
    /// is not a number makes the whole result `nil`.
    public func doubles(_ e: Element) -> [Double]? {
        guard !e.flags.contains(.notLoaded) else { return nil }
        switch e.vr {
        case .DS, .IS:
            var out: [Double] = []
            for s in strings(e) {
                let t = Substring(s).trimmingCharacters(in: " ")
                if t.isEmpty { continue }
                guard let d = parseDecimal(t) else { return nil }
                out.append(d)
            }
            return out
        case .FL, .OF:
            return binary(e, Float.self).map { $0.map { Double(Float(bitPattern: $0)) } }
        case .FD, .OD:
            return binary(e, Double.self).map { $0.map { Double(bitPattern: $0) } }
        case .UV, .OV:
            return unsigned64(e)?.map { Double($0) }
        default:
            return integers(e)?.map { Double($0) }
        }
    }

    /// Integers: IS from text; US, SS, UL, SL, SV, UV (as bit pattern), OW, OL, OV.
    public func integers(_ e: Element) -> [Int64]? {
        guard !e.flags.contains(.notLoaded) else { return nil }
        switch e.vr {
        case .IS:
            var out: [Int64] = []
            for s in strings(e) {
                let t = Substring(s).trimmingCharacters(in: " ")
                if t.isEmpty { continue }
                let unsigned = t.hasPrefix("+") && t.dropFirst().first?.isNumber == true ? String(t.dropFirst()) : t
                if let v = Int64(unsigned) { out.append(v) }
                else if let d = parseDecimal(t), d == d.rounded(), abs(d) < 9.2e18 { out.append(Int64(d)) }
                else { return nil }
            }
            return out
        case .US, .OW: return binary(e, UInt16.self).map { $0.map { Int64($0) } }
        case .SS: return binary(e, UInt16.self).map { $0.map { Int64(Int16(bitPattern: $0)) } }
        case .UL, .OL: return binary(e, UInt32.self).map { $0.map { Int64($0) } }
        case .SL: return binary(e, UInt32.self).map { $0.map { Int64(Int32(bitPattern: $0)) } }
        case .SV: return binary(e, UInt64.self).map { $0.map { Int64(bitPattern: $0) } }
        case .UV, .OV: return binary(e, UInt64.self).map { $0.map { Int64(bitPattern: $0) } }
        default: return nil
        }
    }

    /// FL/OF values as 32-bit floats (kept as Float, so they print without
    /// the noise a Double conversion adds).
    public func floats(_ e: Element) -> [Float]? {
        guard e.vr == .FL || e.vr == .OF, !e.flags.contains(.notLoaded) else { return nil }
        return binary(e, UInt32.self)?.map { Float(bitPattern: $0) }
    }

    /// The value bytes in little-endian order: binary VRs of a big-endian data
    /// set byte-swapped per value (the DICOM JSON model's InlineBinary, and
    /// comparisons across byte orders).
    public func littleEndianBytes(_ e: Element) -> [UInt8] {
        var b = valueBytes(e)
        let size = e.vr.binaryValueSize
        if isBigEndian && size > 1 {
            var i = 0
            while i + size <= b.count { b[i..<(i + size)].reverse(); i += size }
        }
        return b
    }

    /// UV values as unsigned 64-bit numbers.
    public func unsigned64(_ e: Element) -> [UInt64]? {
        guard e.vr == .UV || e.vr == .OV else { return integers(e)?.map { UInt64(bitPattern: $0) } }
        return binary(e, UInt64.self)
    }

    /// Fixed-size binary values as their unsigned bit patterns, in host order.
    func binary<T: FixedWidthInteger>(_ e: Element, _: T.Type) -> [T]? {
        let size = MemoryLayout<T>.size
        let n = e.valueLength / size
        let big = isBigEndian
        return withValue(e) { buf in
            (0..<n).map { i in
                let v = buf.loadUnaligned(fromByteOffset: i * size, as: T.self)
                return big ? T(bigEndian: v) : T(littleEndian: v)
            }
        }
    }
    func binary(_ e: Element, _: Float.Type) -> [UInt32]? { binary(e, UInt32.self) }
    func binary(_ e: Element, _: Double.Type) -> [UInt64]? { binary(e, UInt64.self) }

    /// AT values (PS3.5 §6.2: a pair of 16-bit numbers, group then element).
    public func tags(_ e: Element) -> [Tag] {
        guard e.vr == .AT else { return [] }
        let raw = binary(e, UInt16.self) ?? []
        return stride(from: 0, to: raw.count - 1, by: 2).map { Tag(raw[$0], raw[$0 + 1]) }
    }

    /// PN values with their component groups (PS3.5 §6.2.1).
    public func personNames(_ e: Element) -> [PersonName] {
        guard e.vr == .PN else { return [] }
        return strings(e).map(PersonName.init(parsing:))
    }

    // Convenience by tag.
    public func string(_ tag: Tag) -> String? { self[tag].flatMap { string($0) } }
    public func strings(_ tag: Tag) -> [String]? { self[tag].map { strings($0) } }
    public func doubles(_ tag: Tag) -> [Double]? { self[tag].flatMap { doubles($0) } }
    public func integers(_ tag: Tag) -> [Int64]? { self[tag].flatMap { integers($0) } }

    func trimmed(_ buf: UnsafeRawBufferPointer, vr: VR, leading: Bool) -> UnsafeRawBufferPointer {
        var lo = 0, hi = buf.count
        if vr.isSingleValuedText && vr != .UR {
            while hi > lo, buf[hi - 1] == 0x20 || buf[hi - 1] == 0 { hi -= 1 }
        } else {
            while hi > lo, buf[hi - 1] == 0x20 || buf[hi - 1] == 0 { hi -= 1 }
            if leading { while lo < hi, buf[lo] == 0x20 { lo += 1 } }
        }
        return UnsafeRawBufferPointer(rebasing: buf[lo..<hi])
    }

    func trimString(_ s: Substring, vr: VR) -> String {
        var t = s
        while let l = t.last, l == " " || l == "\0" { t = t.dropLast() }
        if vr.trimsLeadingSpaces { while let f = t.first, f == " " { t = t.dropFirst() } }
        return String(t)
    }
}

/// Parses a DS/IS text number (PS3.5 Table 6.2-1): optional sign, digits,
/// optional fraction and exponent. Leading/trailing spaces must be removed first.
public func parseDecimal(_ s: String) -> Double? {
    guard !s.isEmpty else { return nil }
    for c in s.utf8 where !(c >= 0x30 && c <= 0x39) && c != 0x2B && c != 0x2D && c != 0x2E && c != 0x45 && c != 0x65 {
        return nil
    }
    return Double(s)
}

/// A Person Name value (PS3.5 §6.2.1.1): up to three component groups
/// (alphabetic, ideographic, phonetic) separated by `=`, each of up to five
/// components (family, given, middle, prefix, suffix) separated by `^`.
public struct PersonName: Sendable, Equatable {
    public var alphabetic: String
    public var ideographic: String
    public var phonetic: String

    public init(alphabetic: String = "", ideographic: String = "", phonetic: String = "") {
        self.alphabetic = alphabetic; self.ideographic = ideographic; self.phonetic = phonetic
    }

    public init(parsing value: String) {
        let groups = value.split(separator: "=", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        alphabetic = groups.count > 0 ? groups[0] : ""
        ideographic = groups.count > 1 ? groups[1] : ""
        phonetic = groups.count > 2 ? groups[2] : ""
    }

    /// The five components of a group (missing ones empty).
    public static func components(_ group: String) -> [String] {
        var c = group.split(separator: "^", omittingEmptySubsequences: false).map(String.init)
        while c.count < 5 { c.append("") }
        return c
    }

    public var familyName: String { Self.components(alphabetic)[0] }
    public var givenName: String { Self.components(alphabetic)[1] }
}
