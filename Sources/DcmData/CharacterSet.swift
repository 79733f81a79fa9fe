#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DcmDictionary

/// Specific Character Set (0008,0005) and the decoding of text values it
/// governs (PS3.3 §C.12.1.1.2, PS3.5 §6.1).
///
/// Single-byte sets, ISO_IR 192 (UTF-8), GB18030 and GBK decode the whole
/// value with the system's iconv. ISO 2022 code extensions are decoded by a
/// small state machine that follows the escape sequences of PS3.3 Tables
/// C.12-3/C.12-4 and hands each run of bytes to iconv in the matching
/// encoding; the designations reset to the initial ones at each value and
/// each PN component delimiter (PS3.5 §6.1.2.5.3). Pure ASCII values, by far
/// the most common, never reach iconv.
public struct SpecificCharacterSet: Sendable, Equatable {
    /// Everything decoded from the terms, behind one reference so that copying
    /// a data set (which holds its character set) costs one retain.
    final class Info: @unchecked Sendable {
        let terms: [String]
        let unknownTerms: [String]
        let usesCodeExtensions: Bool
        let primary: String
        let initialG1: G1
        init(terms t: [String]) {
            terms = t
            unknownTerms = t.filter { !$0.isEmpty && SpecificCharacterSet.encoding(forTerm: $0) == nil }
            usesCodeExtensions = t.contains { $0.hasPrefix("ISO 2022") } || t.count > 1
            let first = t.first ?? ""
            primary = SpecificCharacterSet.encoding(forTerm: first) ?? "ISO-8859-1"
            initialG1 = SpecificCharacterSet.g1(forTerm: first)
        }
    }
    let info: Info

    /// The defined terms as written, e.g. `["", "ISO 2022 IR 87"]`.
    public var terms: [String] { info.terms }
    /// Terms this reader does not know (decoded as ISO-8859-1).
    public var unknownTerms: [String] { info.unknownTerms }
    var usesCodeExtensions: Bool { info.usesCodeExtensions }
    /// iconv encoding for a value without escape sequences.
    var primary: String { info.primary }
    /// Initial G1 set for ISO 2022 decoding.
    var initialG1: G1 { info.initialG1 }

    public static let `default` = SpecificCharacterSet(terms: [])

    public init(terms: [String]) {
        info = terms.isEmpty && Self.defaultInfo != nil ? Self.defaultInfo! : Info(terms: terms)
    }
    nonisolated(unsafe) private static var defaultInfo: Info? = Info(terms: [])

    public static func == (a: Self, b: Self) -> Bool { a.info === b.info || a.terms == b.terms }

    /// iconv name for a defined term of PS3.3 Table C.12-2/C.12-3/C.12-4/C.12-5.
    public static func encoding(forTerm term: String) -> String? {
        switch term.trimmingTrailing() {
        case "", "ISO_IR 6", "ISO 2022 IR 6": return "ISO-8859-1"
        case "ISO_IR 100", "ISO 2022 IR 100": return "ISO-8859-1"
        case "ISO_IR 101", "ISO 2022 IR 101": return "ISO-8859-2"
        case "ISO_IR 109", "ISO 2022 IR 109": return "ISO-8859-3"
        case "ISO_IR 110", "ISO 2022 IR 110": return "ISO-8859-4"
        case "ISO_IR 144", "ISO 2022 IR 144": return "ISO-8859-5"
        case "ISO_IR 127", "ISO 2022 IR 127": return "ISO-8859-6"
        case "ISO_IR 126", "ISO 2022 IR 126": return "ISO-8859-7"
        case "ISO_IR 138", "ISO 2022 IR 138": return "ISO-8859-8"
        case "ISO_IR 148", "ISO 2022 IR 148": return "ISO-8859-9"
        case "ISO_IR 203", "ISO 2022 IR 203": return "ISO-8859-15"
        case "ISO_IR 166", "ISO 2022 IR 166": return "TIS-620"
        case "ISO_IR 13", "ISO 2022 IR 13": return "SHIFT_JIS"
        case "ISO 2022 IR 87": return "EUC-JP"
        case "ISO 2022 IR 159": return "EUC-JP"
        case "ISO 2022 IR 149": return "EUC-KR"
        case "ISO 2022 IR 58": return "GB2312"
        case "ISO_IR 192": return "UTF-8"
        case "GB18030": return "GB18030"
        case "GBK": return "GBK"
        default: return nil
        }
    }

    enum G1: Equatable, Sendable { case none, iso8859(String), katakana, ksx1001, gb2312 }
    enum G0: Equatable { case ascii, jisRoman, jisX0208, jisX0212 }

    static func g1(forTerm term: String) -> G1 {
        switch term.trimmingTrailing() {
        case "ISO 2022 IR 13", "ISO_IR 13": return .katakana
        case "ISO 2022 IR 149": return .ksx1001
        case "ISO 2022 IR 58": return .gb2312
        case "", "ISO_IR 6", "ISO 2022 IR 6", "ISO 2022 IR 87", "ISO 2022 IR 159": return .none
        default:
            if let e = encoding(forTerm: term), e.hasPrefix("ISO-8859") || e == "TIS-620" { return .iso8859(e) }
            return .none
        }
    }

    /// Decodes a text value of a VR that uses the Specific Character Set
    /// (SH, LO, ST, LT, UT, PN, UC); other VRs are plain ASCII/Latin-1.
    public func decode(_ bytes: UnsafeRawBufferPointer, vr: VR) -> String {
        if isASCII(bytes) || !vr.usesSpecificCharacterSet {
            if isASCII(bytes) { return String(decoding: bytes, as: UTF8.self) }
            return IconvPool.decode(bytes, from: "ISO-8859-1")
        }
        if !usesCodeExtensions || !bytes.contains(0x1B) && !primary.hasPrefix("ISO-8859") && initialG1 == .none {
            return IconvPool.decode(bytes, from: primary)
        }
        if !bytes.contains(0x1B) {
            switch initialG1 {
            case .iso8859(let e): return IconvPool.decode(bytes, from: e)
            case .katakana: return IconvPool.decode(bytes, from: "SHIFT_JIS")
            case .ksx1001: return IconvPool.decode(bytes, from: "EUC-KR")
            case .gb2312: return IconvPool.decode(bytes, from: "GB2312")
            case .none: return IconvPool.decode(bytes, from: primary)
            }
        }
        return decodeISO2022(bytes, delimiters: vr == .PN ? [0x5C, 0x3D, 0x5E] : [0x5C, 0x0D, 0x0A, 0x09, 0x0C])
    }

    /// Whether a multi-valued text must be decoded before it is split at `\`:
    /// true where byte 0x5C can stand inside a character — GBK and GB18030
    /// second bytes, and ISO 2022 two-byte sets after an escape sequence
    /// (whose decoder splits only in single-byte state). Elsewhere 0x5C is
    /// the delimiter (PS3.5 §6.4) even where a code table maps it to another
    /// glyph (JIS X 0201's yen sign), so the bytes are split first.
    public func decodesBeforeSplitting(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if primary == "GBK" || primary == "GB18030" { return true }
        return usesCodeExtensions && bytes.contains(0x1B)
    }

    /// ISO 2022 with escape sequences (PS3.5 §6.1.2.5, PS3.3 Table C.12-3/4).
    func decodeISO2022(_ bytes: UnsafeRawBufferPointer, delimiters: [UInt8]) -> String {
        var out = ""
        var g0 = G0.ascii
        var g1 = initialG1
        var run: [UInt8] = []
        func flush() {
            guard !run.isEmpty else { return }
            switch g0 {
            case .jisX0208:
                out += run.withUnsafeBytes { IconvPool.decode($0, from: "EUC-JP") }
            case .jisX0212:
                out += run.withUnsafeBytes { IconvPool.decode($0, from: "EUC-JP") }
            case .ascii, .jisRoman:
                let enc: String
                switch g1 {
                case .none: enc = "ISO-8859-1"
                case .iso8859(let e): enc = e
                case .katakana: enc = "SHIFT_JIS"
                case .ksx1001: enc = "EUC-KR"
                case .gb2312: enc = "GB2312"
                }
                out += run.withUnsafeBytes { IconvPool.decode($0, from: enc) }
            }
            run.removeAll(keepingCapacity: true)
        }
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b == 0x1B {
                flush()
                // escape sequence: ESC I... F (intermediates 0x20-0x2F, final 0x30-0x7E)
                var j = i + 1
                while j < n, bytes[j] >= 0x20, bytes[j] <= 0x2F { j += 1 }
                guard j < n else { i = n; break }
                let seq = Array(bytes[(i + 1)...j])
                i = j + 1
                switch seq {
                case [0x28, 0x42]: g0 = .ascii                 // ESC ( B
                case [0x28, 0x4A]: g0 = .jisRoman              // ESC ( J
                case [0x24, 0x42], [0x24, 0x40]: g0 = .jisX0208 // ESC $ B, ESC $ @
                case [0x24, 0x28, 0x44]: g0 = .jisX0212        // ESC $ ( D
                case [0x29, 0x49]: g1 = .katakana              // ESC ) I
                case [0x24, 0x29, 0x43]: g1 = .ksx1001         // ESC $ ) C
                case [0x24, 0x29, 0x41]: g1 = .gb2312          // ESC $ ) A
                case [0x2D, 0x41]: g1 = .iso8859("ISO-8859-1")
                case [0x2D, 0x42]: g1 = .iso8859("ISO-8859-2")
                case [0x2D, 0x43]: g1 = .iso8859("ISO-8859-3")
                case [0x2D, 0x44]: g1 = .iso8859("ISO-8859-4")
                case [0x2D, 0x4C]: g1 = .iso8859("ISO-8859-5")
                case [0x2D, 0x47]: g1 = .iso8859("ISO-8859-6")
                case [0x2D, 0x46]: g1 = .iso8859("ISO-8859-7")
                case [0x2D, 0x48]: g1 = .iso8859("ISO-8859-8")
                case [0x2D, 0x4D]: g1 = .iso8859("ISO-8859-9")
                case [0x2D, 0x54]: g1 = .iso8859("TIS-620")
                case [0x2D, 0x62]: g1 = .iso8859("ISO-8859-15")
                default: break
                }
                continue
            }
            switch g0 {
            case .jisX0208:
                if b < 0x80 && b >= 0x21 && i + 1 < n {
                    run.append(b | 0x80); run.append(bytes[i + 1] | 0x80); i += 2; continue
                }
            case .jisX0212:
                if b < 0x80 && b >= 0x21 && i + 1 < n {
                    run.append(0x8F); run.append(b | 0x80); run.append(bytes[i + 1] | 0x80); i += 2; continue
                }
            default: break
            }
            if (g0 == .ascii || g0 == .jisRoman || b < 0x21) && delimiters.contains(b) {
                // a delimiter: designations return to their initial state; the
                // delimiter itself is ASCII whatever G1 is
                flush()
                out.unicodeScalars.append(Unicode.Scalar(b))
                g0 = .ascii
                g1 = initialG1
                i += 1
                continue
            }
            run.append(b)
            i += 1
        }
        flush()
        return out
    }
}

@inline(__always) func isASCII(_ b: UnsafeRawBufferPointer) -> Bool {
    for x in b where x >= 0x80 || x == 0x1B { return false }
    return true
}

/// iconv converters to UTF-8, pooled per encoding (an `iconv_t` may be used
/// by one thread at a time).
enum IconvPool {
    nonisolated(unsafe) static var pool: [String: [iconv_t]] = [:]
    static let lock = Lock()

    static func take(_ enc: String) -> iconv_t? {
        let pooled: iconv_t? = lock.with {
            guard var list = pool[enc], let c = list.popLast() else { return nil }
            pool[enc] = list
            return c
        }
        if let pooled { return pooled }
        let c = iconv_open("UTF-8", enc)
        if c == iconv_t(bitPattern: -1) { return nil }
        return c
    }

    static func give(_ enc: String, _ c: iconv_t) {
        lock.with { pool[enc, default: []].append(c) }
    }

    /// Decodes with iconv; invalid sequences become U+FFFD and decoding goes on.
    static func decode(_ bytes: UnsafeRawBufferPointer, from enc: String) -> String {
        if enc == "UTF-8" { return String(decoding: bytes, as: UTF8.self) }
        if enc == "ISO-8859-1" { return String(bytes.map { Character(Unicode.Scalar($0)) }) }
        guard let cd = take(enc) else { return String(bytes.map { Character(Unicode.Scalar($0)) }) }
        defer { give(enc, cd) }
        _ = iconv(cd, nil, nil, nil, nil)  // reset shift state
        var out = [UInt8](repeating: 0, count: bytes.count * 4 + 16)
        var result: [UInt8] = []
        var inPtr = UnsafeMutablePointer<CChar>(mutating: bytes.baseAddress?.assumingMemoryBound(to: CChar.self))
        var inLeft = bytes.count
        while inLeft > 0 {
            let produced: Int = out.withUnsafeMutableBytes { o in
                var outPtr: UnsafeMutablePointer<CChar>? = o.baseAddress!.assumingMemoryBound(to: CChar.self)
                var outLeft = o.count
                let r = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                let n = o.count - outLeft
                if r == -1 && (errno == EILSEQ || errno == EINVAL) {
                    // skip one bad byte, emit U+FFFD
                    inPtr = inPtr.map { $0 + 1 }
                    inLeft -= 1
                    return -n - 1
                }
                return n
            }
            if produced < 0 {
                result.append(contentsOf: out[0..<(-produced - 1)])
                result.append(contentsOf: [0xEF, 0xBF, 0xBD])
            } else {
                result.append(contentsOf: out[0..<produced])
                if produced == 0 && inLeft > 0 { break }
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}
