/// A DICOM data element tag: a (group, element) pair of 16-bit numbers (PS3.5 §7.1).
///
/// Stored as one `UInt32` (`group << 16 | element`) so that tags compare and hash
/// as integers and sort in the order the standard requires for a data set.
public struct Tag: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let raw: UInt32

    @inlinable public init(raw: UInt32) { self.raw = raw }
    @inlinable public init(_ group: UInt16, _ element: UInt16) {
        self.raw = UInt32(group) << 16 | UInt32(element)
    }

    @inlinable public var group: UInt16 { UInt16(truncatingIfNeeded: raw >> 16) }
    @inlinable public var element: UInt16 { UInt16(truncatingIfNeeded: raw) }

    /// Private data elements have an odd group number (PS3.5 §7.8), except the
    /// reserved groups 0001, 0003, 0005, 0007 and FFFF.
    @inlinable public var isPrivate: Bool {
        let g = group
        return g & 1 == 1 && g > 0x0007 && g != 0xFFFF
    }

    /// A Private Creator Data Element `(gggg,0010-00FF)` (PS3.5 §7.8.1).
    @inlinable public var isPrivateCreator: Bool {
        isPrivate && element >= 0x0010 && element <= 0x00FF
    }

    /// For a private element `(gggg,xxee)` with `xx` in 10…FF, the tag of the
    /// creator element `(gggg,00xx)` that reserves its block.
    @inlinable public var privateCreatorTag: Tag? {
        guard isPrivate else { return nil }
        let block = element >> 8
        guard block >= 0x10 else { return nil }
        return Tag(group, block)
    }

    /// Group length elements `(gggg,0000)`.
    @inlinable public var isGroupLength: Bool { element == 0 }

    public static func < (a: Tag, b: Tag) -> Bool { a.raw < b.raw }

    /// `(0010,0010)` — the form dcmdump and the standard use.
    public var description: String {
        "(" + hex4(group) + "," + hex4(element) + ")"
    }

    /// `00100010` — the form of the DICOM JSON model (PS3.18 §F.2.1.1).
    public var jsonKey: String { hex4(group) + hex4(element) }

    /// Parses `(gggg,eeee)`, `gggg,eeee` or `ggggeeee` (hexadecimal, either case).
    public init?(parsing text: Substring) {
        var t = text.trimmingWhitespace()
        if t.hasPrefix("(") && t.hasSuffix(")") { t = t.dropFirst().dropLast() }
        let digits: Substring
        if let comma = t.firstIndex(of: ",") {
            let g = t[..<comma].trimmingWhitespace(), e = t[t.index(after: comma)...].trimmingWhitespace()
            guard g.count == 4, e.count == 4 else { return nil }
            digits = Substring(String(g) + String(e))
        } else {
            digits = t
        }
        guard digits.count == 8, let v = UInt32(digits, radix: 16) else { return nil }
        self.raw = v
    }

    public init?(parsing text: String) { self.init(parsing: Substring(text)) }

    // Well-known tags used throughout the reader.
    public static let itemTag = Tag(0xFFFE, 0xE000)
    public static let itemDelimitation = Tag(0xFFFE, 0xE00D)
    public static let sequenceDelimitation = Tag(0xFFFE, 0xE0DD)
    public static let fileMetaGroupLength = Tag(0x0002, 0x0000)
    public static let mediaStorageSOPClassUID = Tag(0x0002, 0x0002)
    public static let mediaStorageSOPInstanceUID = Tag(0x0002, 0x0003)
    public static let transferSyntaxUID = Tag(0x0002, 0x0010)
    public static let specificCharacterSet = Tag(0x0008, 0x0005)
    public static let sopClassUID = Tag(0x0008, 0x0016)
    public static let sopInstanceUID = Tag(0x0008, 0x0018)
    public static let pixelData = Tag(0x7FE0, 0x0010)
    public static let floatPixelData = Tag(0x7FE0, 0x0008)
    public static let doubleFloatPixelData = Tag(0x7FE0, 0x0009)
}

@usableFromInline let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

/// Four upper-case hexadecimal digits.
@inlinable public func hex4(_ v: UInt16) -> String {
    String(unsafeUninitializedCapacity: 4) { buf in
        buf[0] = hexDigits[Int(v >> 12)]
        buf[1] = hexDigits[Int(v >> 8 & 0xF)]
        buf[2] = hexDigits[Int(v >> 4 & 0xF)]
        buf[3] = hexDigits[Int(v & 0xF)]
        return 4
    }
}

extension Substring {
    @usableFromInline func trimmingWhitespace() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
