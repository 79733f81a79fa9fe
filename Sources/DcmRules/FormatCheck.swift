import DcmData
import DcmDictionary

/// `format`: is a value valid for its VR (PS3.5 §6.2, Table 6.2-1)? The
/// character repertoire, the syntax (dates, times, ages, numbers, UIDs) and
/// the maximum length. Works on the value's bytes, after the reader's
/// trimming of padding (a NUL in that padding is tested apart:
/// `Evaluator.holdsNUL`).
enum FormatCheck {
    static func valid(_ b: UnsafeRawBufferPointer, vr: VR) -> Bool {
        if let max = vr.maximumValueLength, vr != .PN, b.count > max { return false }
        switch vr {
        case .AE:
            return b.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != 0x5C } && b.contains { $0 != 0x20 }
        case .AS:
            guard b.count == 4 else { return false }
            return isDigit(b[0]) && isDigit(b[1]) && isDigit(b[2]) && [0x44, 0x57, 0x4D, 0x59].contains(b[3])
        case .CS:
            return b.allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) || isDigit($0) || $0 == 0x20 || $0 == 0x5F }
        case .DA:
            return parseDA(b) != nil
        case .TM:
            return validTM(b)
        case .DT:
            guard b.allSatisfy({ isDigit($0) || $0 == 0x2E || $0 == 0x2B || $0 == 0x2D }) else { return false }
            return DicomDateTime(parsing: text(b)) != nil
        case .DS:
            guard b.allSatisfy({ isDigit($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E || $0 == 0x45 || $0 == 0x65 }) else { return false }
            return parseNumber(b) != nil
        case .IS:
            var i = 0
            if b.count > 0 && (b[0] == 0x2B || b[0] == 0x2D) { i = 1 }
            guard b.count > i, b[i...].allSatisfy(isDigit), let v = parseNumber(b) else { return false }
            return v >= -2147483648 && v <= 2147483647
        case .UI:
            // components of digits separated by '.', no empty component, no leading zero;
            // at least two components: a UID is <org root>.<suffix> (PS3.5 §9, `oneComponentUID`)
            guard b.count > 0, b.count <= 64, b.first != 0x2E, b.last != 0x2E, b.contains(0x2E) else { return false }
            var compStart = true
            var leadingZero = false
            for c in b {
                if c == 0x2E {
                    if compStart { return false }
                    compStart = true; leadingZero = false
                } else if isDigit(c) {
                    if leadingZero { return false }
                    if compStart && c == 0x30 { leadingZero = true }
                    compStart = false
                } else { return false }
            }
            return true
        case .SH, .LO, .UC:
            return b.allSatisfy { $0 >= 0x20 || $0 == 0x1B } && !b.contains(0x5C)
        case .ST, .LT, .UT:
            return b.allSatisfy { $0 >= 0x20 || $0 == 0x1B || $0 == 0x0A || $0 == 0x0D || $0 == 0x0C || $0 == 0x09 }
        case .UR:
            return b.allSatisfy { $0 > 0x20 && $0 < 0x7F }
        default:
            return true
        }
    }

    /// A UI value of one component ("0", "1"…): valid PS3.5 §9.1 syntax, but
    /// not a UID — PS3.5 §9 defines a UID as `<org root>.<suffix>`, the org
    /// root "composed of a number of numeric components" that identify a
    /// registered organization and the suffix "unique within the scope of the
    /// <org root>", so it has at least two components (a single one is at
    /// most a root arc of ISO/IEC 8824's tree, 0 ITU-T, 1 ISO, 2 joint).
    /// `valid` rejects it; this names the reason for the finding's text.
    static func oneComponentUID(_ b: UnsafeRawBufferPointer) -> Bool {
        b.count > 0 && b.allSatisfy(isDigit)
    }

    /// PN: at most three component groups of at most five components, each
    /// group at most 64 characters (PS3.5 §6.2.1).
    static func personName(_ s: String) -> Bool {
        let groups = s.split(separator: "=", omittingEmptySubsequences: false)
        guard groups.count <= 3 else { return false }
        for g in groups {
            if g.count > 64 { return false }
            if g.split(separator: "^", omittingEmptySubsequences: false).count > 5 { return false }
            if g.unicodeScalars.contains(where: { $0.value < 0x20 && $0.value != 0x1B }) { return false }
        }
        return true
    }

    /// TM `HH[MM[SS[.F{1,6}]]]` (PS3.5 Table 6.2-1) on bytes, without building a
    /// String: the same values `DicomTime(parsing:)` accepts when the text has
    /// only digits and '.' (hours < 24, minutes < 60, seconds ≤ 60 for a leap second).
    static func validTM(_ b: UnsafeRawBufferPointer) -> Bool {
        var n = b.count
        if let dot = b.firstIndex(of: 0x2E) {
            let f = n - dot - 1
            guard f >= 1, f <= 6, dot == 6 else { return false }
            for i in (dot + 1)..<n where !isDigit(b[i]) { return false }
            n = dot
        }
        guard n == 2 || n == 4 || n == 6 else { return false }
        for i in 0..<n where !isDigit(b[i]) { return false }
        @inline(__always) func two(_ i: Int) -> Int { Int(b[i] &- 0x30) * 10 + Int(b[i + 1] &- 0x30) }
        return two(0) < 24 && (n < 4 || two(2) < 60) && (n < 6 || two(4) <= 60)
    }

    /// PN on the bytes of a plain ASCII value (one character per byte): the
    /// same limits as `personName`, without splitting Strings.
    static func personNameASCII(_ b: UnsafeRawBufferPointer) -> Bool {
        var groups = 1, carets = 0, groupLength = 0
        for c in b {
            if c == 0x3D {   // '='
                groups += 1; carets = 0; groupLength = 0
                if groups > 3 { return false }
                continue
            }
            groupLength += 1
            if groupLength > 64 { return false }
            if c == 0x5E { carets += 1; if carets > 4 { return false } }
            if c < 0x20 && c != 0x1B { return false }
        }
        return true
    }

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    /// `YYYYMMDD` as (year, month, day), checked against the calendar; no allocation.
    @inline(__always) static func parseDA(_ b: UnsafeRawBufferPointer) -> (Int, Int, Int)? {
        guard b.count == 8 else { return nil }
        var y = 0, m = 0, d = 0
        for i in 0..<8 {
            let c = b[i]
            guard isDigit(c) else { return nil }
            let x = Int(c &- 0x30)
            if i < 4 { y = y * 10 + x } else if i < 6 { m = m * 10 + x } else { d = d * 10 + x }
        }
        guard m >= 1, m <= 12, d >= 1, d <= DicomDate.daysIn(month: m, year: y) else { return nil }
        return (y, m, d)
    }
    static func text(_ b: UnsafeRawBufferPointer) -> String { String(decoding: b, as: UTF8.self) }
}
