/// DA, TM and DT values (PS3.5 Table 6.2-1), parsed strictly so that rules
/// can compare dates as dates and `format` checks can tell a bad value.
public struct DicomDate: Sendable, Equatable, Comparable, CustomStringConvertible {
    public var year: Int, month: Int, day: Int

    /// `YYYYMMDD` (PS3.5); also the ACR-NEMA `YYYY.MM.DD` form, which the
    /// standard retired but old files carry.
    public init?(parsing s: String) {
        var t = Substring(s)
        if t.count == 10, t.dropFirst(4).first == ".", t.dropFirst(7).first == "." {
            t = Substring(t.replacingDots())
        }
        guard t.count == 8, t.allSatisfy({ $0.isASCII && $0.isNumber }),
              let y = Int(t.prefix(4)), let m = Int(t.dropFirst(4).prefix(2)), let d = Int(t.suffix(2)) else { return nil }
        guard (1...12).contains(m), (1...DicomDate.daysIn(month: m, year: y)).contains(d) else { return nil }
        year = y; month = m; day = d
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func < (a: Self, b: Self) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }
    public var description: String { zeroPadded(year, 4) + zeroPadded(month, 2) + zeroPadded(day, 2) }
}

/// `HHMMSS.FFFFFF` with every part after the hours optional (PS3.5).
public struct DicomTime: Sendable, Equatable, Comparable {
    public var hour: Int, minute: Int, second: Int, microsecond: Int

    public init?(parsing s: String) {
        var t = Substring(s)
        if t.contains(":") { t = Substring(t.filter { $0 != ":" }) }  // ACR-NEMA HH:MM:SS
        var frac = 0
        if let dot = t.firstIndex(of: ".") {
            let f = t[t.index(after: dot)...]
            guard (1...6).contains(f.count), f.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            frac = (Int(f) ?? 0) * Int(pow10(6 - f.count))
            t = t[..<dot]
            guard t.count == 6 else { return nil }
        }
        guard [2, 4, 6].contains(t.count), t.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let h = Int(t.prefix(2))!, m = t.count >= 4 ? Int(t.dropFirst(2).prefix(2))! : 0, sec = t.count == 6 ? Int(t.suffix(2))! : 0
        guard h < 24, m < 60, sec <= 60 else { return nil }
        hour = h; minute = m; second = sec; microsecond = frac
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.hour, a.minute, a.second, a.microsecond) < (b.hour, b.minute, b.second, b.microsecond)
    }
}

/// `YYYYMMDDHHMMSS.FFFFFF&ZZXX` with every part after the year optional (PS3.5).
public struct DicomDateTime: Sendable, Equatable {
    public var year: Int, month: Int, day: Int
    public var time: DicomTime?
    /// Offset from UTC in minutes, when given.
    public var utcOffsetMinutes: Int?

    public init?(parsing s: String) {
        var t = Substring(s)
        var offset: Int? = nil
        if let signIdx = t.lastIndex(where: { $0 == "+" || $0 == "-" }), t.distance(from: signIdx, to: t.endIndex) == 5 {
            let z = t[t.index(after: signIdx)...]
            guard z.allSatisfy({ $0.isASCII && $0.isNumber }), let hh = Int(z.prefix(2)), let mm = Int(z.suffix(2)), mm < 60 else { return nil }
            let minutes = (hh * 60 + mm) * (t[signIdx] == "-" ? -1 : 1)
            guard (-12 * 60)...(14 * 60) ~= minutes else { return nil }   // PS3.5 Table 6.2-1: -1200 to +1400
            offset = minutes
            t = t[..<signIdx]
        }
        let datePart = t.prefix(while: { $0 != "." }).prefix(8)
        guard [4, 6, 8].contains(datePart.count), datePart.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let y = Int(datePart.prefix(4))!
        let mo = datePart.count >= 6 ? Int(datePart.dropFirst(4).prefix(2))! : 1
        let d = datePart.count == 8 ? Int(datePart.suffix(2))! : 1
        guard (1...12).contains(mo), (1...DicomDate.daysIn(month: mo, year: y)).contains(d) else { return nil }
        year = y; month = mo; day = d
        let rest = t.dropFirst(datePart.count)
        if rest.isEmpty { time = nil } else {
            guard datePart.count == 8, let tm = DicomTime(parsing: String(rest)) else { return nil }
            time = tm
        }
        utcOffsetMinutes = offset
    }
}

private func pow10(_ n: Int) -> Int { (0..<n).reduce(1) { r, _ in r * 10 } }

func zeroPadded(_ v: Int, _ width: Int) -> String {
    let s = String(v)
    return String(repeating: "0", count: max(0, width - s.count)) + s
}
extension Substring {
    func replacingDots() -> String { String(filter { $0 != "." }) }
}
