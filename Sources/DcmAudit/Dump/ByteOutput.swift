/// An append-only UTF-8 byte buffer for building output without String copies.
public struct ByteOutput {
    public var bytes: [UInt8] = []
    public init(capacity: Int = 4096) { bytes.reserveCapacity(capacity) }
    @inline(__always) public mutating func write(_ s: String) {
        // (borrowed in place; a bridged string, which this program does not make, is copied)
        if s.utf8.withContiguousStorageIfAvailable({ bytes.append(contentsOf: $0) }) == nil { bytes.append(contentsOf: s.utf8) }
    }
    @inline(__always) public mutating func write(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }
    @inline(__always) public mutating func byte(_ b: UInt8) { bytes.append(b) }

    /// A JSON string literal with the escapes of RFC 8259 §7.
    public mutating func jsonString(_ s: String) {
        byte(0x22)
        escapedPart(s)
        byte(0x22)
    }

    /// The JSON string literal of `a + b + c`, without joining them (a
    /// finding's `because`: its rule's selectors, " and ", the reason).
    public mutating func jsonString(_ a: String, _ b: StaticString, _ c: String) {
        byte(0x22)
        escapedPart(a)
        b.withUTF8Buffer { jsonEscaped($0) }
        escapedPart(c)
        byte(0x22)
    }

    /// `s` escaped, without quotes (borrowed in place; a bridged string is copied).
    private mutating func escapedPart(_ s: String) {
        if s.utf8.withContiguousStorageIfAvailable({ jsonEscaped($0) }) == nil {
            Array(s.utf8).withUnsafeBufferPointer { jsonEscaped($0) }
        }
    }

    /// `u` escaped for a JSON string (RFC 8259 §7): the runs between the
    /// bytes that need an escape are copied whole (reports escape the quotes
    /// of every private tag, `(0019,"SIEMENS CT VA0  COAD",10)`, in three
    /// fields of each finding; byte by byte, that was a tenth of a JSON report).
    mutating func jsonEscaped(_ u: UnsafeBufferPointer<UInt8>) {
        var start = 0, i = 0
        let n = u.count
        let raw = UnsafeRawPointer(u.baseAddress)
        while i < n {
            // eight bytes at a time while none needs an escape (SWAR: a byte
            // below 0x20, a quote or a backslash; exact as a yes/no)
            if let raw {
                while i + 8 <= n {
                    let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    let q = w ^ 0x2222_2222_2222_2222, b = w ^ 0x5C5C_5C5C_5C5C_5C5C
                    let special = ((w &- 0x2020_2020_2020_2020) & ~w) | ((q &- 0x0101_0101_0101_0101) & ~q)
                        | ((b &- 0x0101_0101_0101_0101) & ~b)
                    if special & 0x8080_8080_8080_8080 != 0 { break }
                    i += 8
                }
                if i >= n { break }
            }
            let c = u[i]
            if c >= 0x20 && c != 0x22 && c != 0x5C { i += 1; continue }
            if i > start { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[start..<i])) }
            switch c {
            case 0x22: byte(0x5C); byte(0x22)
            case 0x5C: byte(0x5C); byte(0x5C)
            case 0x0A: byte(0x5C); byte(0x6E)
            case 0x0D: byte(0x5C); byte(0x72)
            case 0x09: byte(0x5C); byte(0x74)
            default:
                write("\\u00")
                byte(hexDigit(c >> 4)); byte(hexDigit(c & 0xF))
            }
            i += 1
            start = i
        }
        if n > start { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[start..<n])) }
    }

    /// A CSV field (RFC 4180): quoted when it holds a comma, quote or line
    /// break; a cell a spreadsheet would run as a formula
    /// (`csvCellIsFormula`) is quoted with a `'` before it, which
    /// spreadsheets show as text (OWASP "CSV Injection"): a DICOM value or a
    /// file name is data the user does not control.
    ///
    /// Control characters but tab, CR and LF (C0, DEL, C1: ESC starts a
    /// terminal escape sequence when the file is shown with `cat`, BEL rings)
    /// are U+FFFD, as in the console report; CR and LF stay, quoted, which
    /// RFC 4180 allows (JUnit and HTML keep them too).
    public mutating func csvField(_ s: String) {
        // (through the string's bytes in place, copied in runs: ~5 million
        // fields in a CSV report of every pack on 10,000 identified files)
        var s = s
        if s.utf8.withContiguousStorageIfAvailable({ _ in true }) == nil { s.makeContiguousUTF8() }
        if !csvCell(s, stopAtControls: true) { csvCell(Self.controlsReplaced(s, keepingLineBreaks: true), stopAtControls: false) }
    }

    /// `csvField` of a contiguous string; false (nothing written) with
    /// `stopAtControls` when it may hold a control character (a byte of C0
    /// but tab, CR and LF, DEL, or 0xC2, the lead byte of C1).
    @discardableResult
    private mutating func csvCell(_ s: String, stopAtControls: Bool) -> Bool {
        s.utf8.withContiguousStorageIfAvailable { b -> Bool in
            var needs = false, quotes = false
            for c in b {
                if c == 0x2C || c == 0x0A || c == 0x0D { needs = true }
                else if c == 0x22 { needs = true; quotes = true }
                else if stopAtControls && ((c < 0x20 && c != 0x09) || c == 0x7F || c == 0xC2) { return false }
            }
            let formula = Self.csvCellIsFormula(s)
            if !needs && !formula { bytes.append(contentsOf: b); return true }
            bytes.append(0x22)
            if formula { bytes.append(0x27) }
            var start = 0
            if quotes {
                for i in 0..<b.count where b[i] == 0x22 {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: b[start...i]))
                    bytes.append(0x22)
                    start = i + 1
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: b[start...]))
            bytes.append(0x22)
            return true
        } ?? false
    }

    /// Whether a Unicode scalar is a control character that no report but
    /// JSON writes as it is: C0 but tab (and, with `keepingLineBreaks`, CR
    /// and LF), DEL, C1.
    @inline(__always) static func isReportControl(_ v: UInt32, keepingLineBreaks: Bool) -> Bool {
        switch v {
        case 0x09: return false
        case 0x0A, 0x0D: return !keepingLineBreaks
        case 0..<0x20, 0x7F...0x9F: return true
        default: return false
        }
    }

    /// `s` with its control characters (`isReportControl`) replaced by
    /// U+FFFD — the console report's replacement (`terminalText`).
    static func controlsReplaced(_ s: String, keepingLineBreaks: Bool) -> String {
        guard s.unicodeScalars.contains(where: { isReportControl($0.value, keepingLineBreaks: keepingLineBreaks) }) else { return s }
        var o = String.UnicodeScalarView()
        for c in s.unicodeScalars {
            if isReportControl(c.value, keepingLineBreaks: keepingLineBreaks) { o.append("\u{FFFD}") } else { o.append(c) }
        }
        return String(o)
    }

    /// `s` on one line, for a report's header or command line: CR and LF a
    /// space, the other control characters U+FFFD (`controlsReplaced`).
    static func oneLine(_ s: String) -> String {
        controlsReplaced(s.replacingAll("\n", with: " ").replacingAll("\r", with: " "), keepingLineBreaks: false)
    }

    /// UTF-8 text with its control characters but tab, LF and CR (C0, DEL,
    /// C1) replaced by U+FFFD; nil when it has none (a rendered HTML page,
    /// whose template values are HTML-escaped but not cleaned of them).
    static func controlsReplaced(utf8 u: [UInt8]) -> [UInt8]? {
        let n = u.count
        @inline(__always) func control(_ i: Int) -> Int {   // bytes of a control character at i, 0 if none
            let b = u[i]
            if (b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D) || b == 0x7F { return 1 }
            if b == 0xC2 && i + 1 < n && u[i + 1] >= 0x80 && u[i + 1] <= 0x9F { return 2 }
            return 0
        }
        var i = 0
        while i < n && control(i) == 0 { i += 1 }
        guard i < n else { return nil }
        var o = Array(u[0..<i])
        o.reserveCapacity(n + 64)
        while i < n {
            let k = control(i)
            if k == 0 { o.append(u[i]); i += 1 } else { o += [0xEF, 0xBF, 0xBD]; i += k }
        }
        return o
    }

    /// Whether a spreadsheet would read the cell as a formula: it starts with
    /// `=`, `@`, a tab or a carriage return, or with `+` or `-` and is not a
    /// number or a list of numbers (DICOM's `-12.5\3E-2`: digits, `.`,
    /// `e`/`E`, signs, spaces and backslashes only — no name, so no function
    /// call; DS and IS values stay numbers for pandas).
    static func csvCellIsFormula(_ s: String) -> Bool {
        guard let first = s.utf8.first else { return false }
        switch first {
        case 0x3D, 0x40, 0x09, 0x0D: return true
        case 0x2B, 0x2D:
            return !s.utf8.allSatisfy { c in
                (0x30...0x39).contains(c) || c == 0x2E || c == 0x45 || c == 0x65 || c == 0x2B || c == 0x2D || c == 0x20 || c == 0x5C
            }
        default: return false
        }
    }

    public mutating func base64(_ data: [UInt8]) {
        let table: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var i = 0
        bytes.reserveCapacity(bytes.count + (data.count + 2) / 3 * 4)
        while i + 3 <= data.count {
            let n = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2])
            byte(table[Int(n >> 18)]); byte(table[Int(n >> 12 & 63)]); byte(table[Int(n >> 6 & 63)]); byte(table[Int(n & 63)])
            i += 3
        }
        let rest = data.count - i
        if rest == 1 {
            let n = UInt32(data[i]) << 16
            byte(table[Int(n >> 18)]); byte(table[Int(n >> 12 & 63)]); byte(0x3D); byte(0x3D)
        } else if rest == 2 {
            let n = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8
            byte(table[Int(n >> 18)]); byte(table[Int(n >> 12 & 63)]); byte(table[Int(n >> 6 & 63)]); byte(0x3D)
        }
    }
}

@inline(__always) func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x41 + v - 10 }
