import DcmData
import DcmDictionary

/// `format`: is a value valid for its VR (PS3.5 §6.2, Table 6.2-1)? The
/// character repertoire, the syntax (dates, times, ages, numbers, UIDs) and
/// the maximum length. Works on the value's bytes, after the reader's
/// trimming of padding.
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
            guard b.allSatisfy({ isDigit($0) || $0 == 0x2E }) else { return false }
            return DicomTime(parsing: text(b)) != nil
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
            // components of digits separated by '.', no empty component, no leading zero
            guard b.count > 0, b.count <= 64, b.first != 0x2E, b.last != 0x2E else { return false }
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
