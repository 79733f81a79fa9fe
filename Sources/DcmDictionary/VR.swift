/// A Value Representation (PS3.5 §6.2, Table 6.2-1): the data type and encoding
/// of a data element's value.
///
/// The raw value is the two ASCII characters packed big-endian, so that
/// `VR(rawValue: UInt16(b0) << 8 | UInt16(b1))` reads a VR straight from the bytes
/// of an explicit-VR element header.
public enum VR: UInt16, CaseIterable, Sendable, CustomStringConvertible {
    case AE = 0x4145, AS = 0x4153, AT = 0x4154, CS = 0x4353, DA = 0x4441, DS = 0x4453
    case DT = 0x4454, FD = 0x4644, FL = 0x464C, IS = 0x4953, LO = 0x4C4F, LT = 0x4C54
    case OB = 0x4F42, OD = 0x4F44, OF = 0x4F46, OL = 0x4F4C, OV = 0x4F56, OW = 0x4F57
    case PN = 0x504E, SH = 0x5348, SL = 0x534C, SQ = 0x5351, SS = 0x5353, ST = 0x5354
    case SV = 0x5356, TM = 0x544D, UC = 0x5543, UI = 0x5549, UL = 0x554C, UN = 0x554E
    case UR = 0x5552, US = 0x5553, UT = 0x5554, UV = 0x5556

    /// Reads a VR from its two ASCII bytes; `nil` when they name no VR.
    /// A 26×26 table lookup: this runs for every element of every file.
    @inlinable public init?(_ b0: UInt8, _ b1: UInt8) {
        let i = Int(b0) &- 0x41, j = Int(b1) &- 0x41
        guard i >= 0, i < 26, j >= 0, j < 26, let v = vrLetterTable[i * 26 + j] else { return nil }
        self = v
    }

    /// Parses `"PN"`; `nil` for anything else.
    public init?(string: String) {
        let u = Array(string.utf8)
        guard u.count == 2 else { return nil }
        self.init(u[0], u[1])
    }

    public var description: String {
        String(decoding: [UInt8(rawValue >> 8), UInt8(rawValue & 0xFF)], as: UTF8.self)
    }

    /// In explicit VR encodings these VRs have two reserved bytes and a 32-bit
    /// length; all others a 16-bit length (PS3.5 §7.1.2, Table 7.1-1).
    @inlinable public var hasLongExplicitLength: Bool {
        switch self {
        case .OB, .OD, .OF, .OL, .OV, .OW, .SQ, .SV, .UC, .UN, .UR, .UT, .UV: return true
        default: return false
        }
    }

    /// Character-string VRs: values are text, possibly multi-valued with `\`.
    @inlinable public var isString: Bool {
        switch self {
        case .AE, .AS, .CS, .DA, .DS, .DT, .IS, .LO, .LT, .PN, .SH, .ST, .TM, .UC, .UI, .UR, .UT:
            return true
        default: return false
        }
    }

    /// Text VRs whose value is one value even if it contains a backslash
    /// (PS3.5 §6.2: LT, ST, UT and UR have VM 1 by definition).
    @inlinable public var isSingleValuedText: Bool {
        switch self {
        case .LT, .ST, .UT, .UR: return true
        default: return false
        }
    }

    /// VRs whose text is affected by Specific Character Set (0008,0005)
    /// (PS3.5 §6.1.2.3); the rest are restricted to the default repertoire.
    @inlinable public var usesSpecificCharacterSet: Bool {
        switch self {
        case .SH, .LO, .ST, .LT, .UT, .PN, .UC: return true
        default: return false
        }
    }

    /// Whether leading spaces are insignificant and trimmed when decoding
    /// (PS3.5 Table 6.2-1). Trailing padding is trimmed for every string VR.
    @inlinable public var trimsLeadingSpaces: Bool {
        switch self {
        case .AE, .CS, .DS, .IS, .LO, .SH: return true
        default: return false
        }
    }

    /// Byte size of one binary value, used for byte swapping and VM; 1 for
    /// OB/UN (bytes), 0 for strings and SQ.
    @inlinable public var binaryValueSize: Int {
        switch self {
        case .OB, .UN: return 1
        case .OW, .SS, .US: return 2
        case .AT: return 2          // swapped as two 16-bit numbers
        case .FL, .OF, .OL, .SL, .UL: return 4
        case .FD, .OD, .OV, .SV, .UV: return 8
        default: return 0
        }
    }

    /// Binary VRs that carry numbers (VM counted per value).
    @inlinable public var isBinaryNumber: Bool {
        switch self {
        case .FL, .FD, .SL, .SS, .SV, .UL, .US, .UV: return true
        default: return false
        }
    }

    /// Byte-stream VRs (`O*` and UN): values are blobs, VM 1.
    @inlinable public var isBulk: Bool {
        switch self {
        case .OB, .OD, .OF, .OL, .OV, .OW, .UN: return true
        default: return false
        }
    }

    /// Padding byte for odd-length values: NUL for UI and OB, space for other text.
    @inlinable public var paddingByte: UInt8 {
        switch self {
        case .UI, .OB, .UN: return 0
        default: return isString ? 0x20 : 0
        }
    }

    /// Maximum length in bytes of one value (PS3.5 Table 6.2-1); `nil` where
    /// the standard sets none beyond the 32-bit length. For PN it is per
    /// component group.
    public var maximumValueLength: Int? {
        switch self {
        case .AE: return 16
        case .AS: return 4
        case .CS: return 16
        case .DA: return 8
        case .DS: return 16
        case .DT: return 26
        case .IS: return 12
        case .LO: return 64
        case .LT: return 10240
        case .PN: return 64
        case .SH: return 16
        case .ST: return 1024
        case .TM: return 14
        case .UI: return 64
        default: return nil
        }
    }
}

/// VRs indexed by `(first letter − 'A') × 26 + (second letter − 'A')`.
@usableFromInline let vrLetterTable: [VR?] = {
    var t = [VR?](repeating: nil, count: 26 * 26)
    for v in VR.allCases {
        let i = Int(v.rawValue >> 8) - 0x41, j = Int(v.rawValue & 0xFF) - 0x41
        t[i * 26 + j] = v
    }
    return t
}()
