/// The "ASCCONV" block of a Siemens protocol: the text
/// `### ASCCONV BEGIN … ###` … `### ASCCONV END ###` that Siemens MR scanners
/// keep in the CSA series header's `MrPhoenixProtocol` (older software:
/// `MrProtocol`) value (docs/siemens-csa.md, "ASCCONV"). It is the scanner's
/// protocol as `key = value` lines: `sPat.lAccelFactPE = 2`,
/// `sSliceArray.asSlice[0].dThickness = 2.5`, `tProtocolName = ""t1_mprage""`.
///
/// Siemens does not publish the format; the grammar below is the one
/// nibabel's parser accepts (`nibabel/nicom/ascconv.py`, which hands the lines
/// to Python's own parser after turning `""` into a string delimiter), and
/// dcm2niix (`nii_dicom.cpp`, `siemensCsaAscii`) and GDCM read the same keys:
///
///     block   = begin-line *( line ) end-line
///     begin   = "### ASCCONV BEGIN" *( SP name "=" value ) " ###" LF
///     end     = "### ASCCONV END ###"          (at the start of a line)
///     line    = [ key *SP "=" *SP value ] [ *SP "#" comment ] LF   (blank lines allowed)
///     key     = ident *( "." ident / "[" digits "]" )
///     ident   = (ALPHA / "_") *( ALPHA / DIGIT / "_" )
///     value   = [ "-" ] number / string
///     number  = decimal integer / "0x" hex integer / decimal with "." and/or exponent
///     string  = DQ DQ text DQ DQ     (as in CSA: ""t1_mprage"")  or  DQ text DQ
///
/// The text before `### ASCCONV BEGIN` (the `<XProtocol>` part) is skipped.
/// Values: integers (hex or decimal) are given in decimal (`0x1` → `1`),
/// other numbers as written, strings without their quotes.
///
/// Nothing is trusted: the block is at most ``maxBytes`` and ``maxLines``
/// lines, a key at most 256 characters, an index at most ``maxIndex``; a
/// line that is not `key = value`, a missing end line, a key assigned both a
/// value and members (`a = 1` then `a.b = 2`) are an ``Error`` naming the line,
/// never a crash. A key assigned twice keeps the last value (as nibabel).
public struct SiemensASCCONV: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case integer(Int64)
        case real(Double, text: String)
        case string(String)

        /// The value as rules see it (integers in decimal).
        public var text: String {
            switch self {
            case .integer(let i): return String(i)
            case .real(_, let t): return t
            case .string(let s): return s
            }
        }
        public var isNumber: Bool { if case .string = self { return false }; return true }
        public var number: Double? {
            switch self {
            case .integer(let i): return Double(i)
            case .real(let d, _): return d
            case .string: return nil
            }
        }
    }

    public struct Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        /// 1-based line number in the block (1: the BEGIN line); 0 when not about a line.
        public var line: Int
        public var description: String { line > 0 ? "ASCCONV line \(line): \(message)" : "ASCCONV: \(message)" }
    }

    public static let maxBytes = 4 << 20
    public static let maxLines = 100_000
    public static let maxIndex = 65_535
    static let maxKeyLength = 256

    /// `name=value` attributes of the BEGIN line (XA: `object=MrProtDataImpl@MrProtocolData version=…`).
    public var attributes: [(String, String)]
    /// Keys in first-assigned order with their (last) value.
    public var entries: [(key: String, value: Value)]
    var index: [String: Int]

    public subscript(key: String) -> Value? { index[key].map { entries[$0].value } }

    public static func == (a: SiemensASCCONV, b: SiemensASCCONV) -> Bool {
        a.attributes.elementsEqual(b.attributes, by: ==) && a.entries.elementsEqual(b.entries, by: { $0.key == $1.key && $0.value == $1.value })
    }

    /// The values of the keys matching `pattern`, where `[*]` stands for any
    /// index (`sRXSPEC.alDwellTime[*]`, `sSliceArray.asSlice[*].dThickness`), in
    /// block order.
    public func values(matching pattern: String) -> [Value] {
        guard pattern.contains("[*]") else { return self[pattern].map { [$0] } ?? [] }
        let parts = pattern.split(separator: "[*]", omittingEmptySubsequences: false).map(String.init)
        return entries.filter { Self.matches($0.key, parts) }.map(\.value)
    }

    static func matches(_ key: String, _ parts: [String]) -> Bool {
        var rest = Substring(key)
        for (i, p) in parts.enumerated() {
            guard rest.hasPrefix(p) else { return false }
            rest = rest.dropFirst(p.count)
            if i == parts.count - 1 { return rest.isEmpty }
            guard rest.first == "[", let close = rest.firstIndex(of: "]") else { return false }
            let digits = rest[rest.index(after: rest.startIndex)..<close]
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return false }
            rest = rest[rest.index(after: close)...]
        }
        return rest.isEmpty
    }

    /// Finds and parses the ASCCONV block of `text` (an `MrPhoenixProtocol` value).
    public init(parsing text: String) throws(Error) {
        let bytes = Array(text.utf8)
        let begin = Array("### ASCCONV BEGIN".utf8)
        guard let start = Self.find(begin, in: bytes, from: 0) else { throw Error(message: "no '### ASCCONV BEGIN' line", line: 0) }
        guard bytes.count - start <= Self.maxBytes else { throw Error(message: "block longer than \(Self.maxBytes) bytes", line: 0) }
        attributes = []; entries = []; index = [:]
        var kinds: [String: UInt8] = [:]   // key prefix → 0 value, 1 members (.x), 2 items ([k])
        var p = start, lineNo = 0, ended = false
        while p < bytes.count {
            var e = p
            while e < bytes.count, bytes[e] != 0x0A { e += 1 }
            var line = Array(bytes[p..<e])
            if line.last == 0x0D { line.removeLast() }
            p = e + 1
            lineNo += 1
            guard lineNo <= Self.maxLines else { throw Error(message: "more than \(Self.maxLines) lines", line: lineNo) }
            if lineNo == 1 {
                try parseBegin(line)
                continue
            }
            if line.starts(with: Array("### ASCCONV END ###".utf8)) { ended = true; break }
            try parseLine(line, lineNo, &kinds)
        }
        guard ended else { throw Error(message: "no '### ASCCONV END ###' line (truncated?)", line: lineNo) }
    }

    static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard hay.count >= needle.count else { return nil }
        var i = from
        while i <= hay.count - needle.count {
            if hay[i] == needle[0], hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    mutating func parseBegin(_ line: [UInt8]) throws(Error) {
        var s = String(decoding: line, as: UTF8.self)
        s.removeFirst("### ASCCONV BEGIN".count)
        guard s.hasSuffix("###") else { throw Error(message: "BEGIN line does not end with '###'", line: 1) }
        s.removeLast(3)
        for word in s.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            let kv = word.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard kv.count == 2, !kv[0].isEmpty, !kv[1].isEmpty, !kv[1].contains("=") else {
                throw Error(message: "BEGIN line attribute '\(word.prefix(40))' is not name=value", line: 1)
            }
            attributes.append((String(kv[0]), String(kv[1])))
        }
    }

    mutating func parseLine(_ line: [UInt8], _ lineNo: Int, _ kinds: inout [String: UInt8]) throws(Error) {
        var i = 0
        func skipSpace() { while i < line.count, line[i] == 0x20 || line[i] == 0x09 { i += 1 } }
        func isAlpha(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F }
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        func fail(_ m: String) -> Error { Error(message: m, line: lineNo) }
        skipSpace()
        if i == line.count || line[i] == 0x23 { return }   // blank or comment
        // key
        var key: [UInt8] = []
        var prefixes: [(String, UInt8)] = []
        var expectIdent = true
        while i < line.count {
            let c = line[i]
            if expectIdent {
                guard isAlpha(c) else { throw fail("expected a name at column \(i + 1)") }
                while i < line.count, isAlpha(line[i]) || isDigit(line[i]) { key.append(line[i]); i += 1 }
                expectIdent = false
            } else if c == 0x2E {   // .
                prefixes.append((String(decoding: key, as: UTF8.self), 1))
                key.append(c); i += 1; expectIdent = true
            } else if c == 0x5B {   // [
                prefixes.append((String(decoding: key, as: UTF8.self), 2))
                key.append(c); i += 1
                let d0 = i
                while i < line.count, isDigit(line[i]) { i += 1 }
                guard i > d0, i < line.count, line[i] == 0x5D, i - d0 <= 6,
                      let k = Int(String(decoding: line[d0..<i], as: UTF8.self)), k <= Self.maxIndex else {
                    throw fail("bad index at column \(d0 + 1): want [0…\(Self.maxIndex)]")
                }
                key += Array(String(k).utf8); key.append(0x5D); i += 1
            } else { break }
            guard key.count <= Self.maxKeyLength else { throw fail("key longer than \(Self.maxKeyLength) characters") }
        }
        guard !expectIdent else { throw fail("key ends with '.'") }
        skipSpace()
        guard i < line.count, line[i] == 0x3D else { throw fail("expected '=' at column \(i + 1)") }
        i += 1
        skipSpace()
        guard i < line.count else { throw fail("no value after '='") }
        let value: Value
        if line[i] == 0x22 {   // string: ""text"" or "text"
            let q = i + 1 < line.count && line[i + 1] == 0x22 ? 2 : 1
            // `""""` (an empty CSA string) is two doubled quotes
            var j = i + q
            var end: Int? = nil
            while j < line.count {
                if line[j] == 0x22 && (q == 1 || (j + 1 < line.count && line[j + 1] == 0x22)) { end = j; break }
                j += 1
            }
            guard let end else { throw fail("unterminated string") }
            value = .string(String(decoding: line[(i + q)..<end], as: UTF8.self))
            i = end + q
        } else {
            let v0 = i
            while i < line.count, line[i] != 0x20, line[i] != 0x09, line[i] != 0x23 { i += 1 }
            let tok = String(decoding: line[v0..<i], as: UTF8.self)
            guard let v = Self.number(tok) else { throw fail("value '\(tok.prefix(40))' is not a number or a string") }
            value = v
        }
        skipSpace()
        guard i == line.count || line[i] == 0x23 else { throw fail("unexpected text after the value at column \(i + 1)") }
        let k = String(decoding: key, as: UTF8.self)
        // a name is a value, a structure (.member) or an array ([k]), never two of these
        for (pre, kind) in prefixes {
            if let old = kinds[pre], old != kind { throw fail("'\(pre)' used as both \(Self.kindName(old)) and \(Self.kindName(kind))") }
            kinds[pre] = kind
        }
        if let old = kinds[k], old != 0 { throw fail("'\(k)' used as both \(Self.kindName(old)) and a value") }
        kinds[k] = 0
        if let at = index[k] { entries[at].value = value } else { index[k] = entries.count; entries.append((k, value)) }
    }

    static func kindName(_ k: UInt8) -> String { k == 0 ? "a value" : k == 1 ? "a structure" : "an array" }

    /// `-12`, `0x1f`, `2.5`, `1e-3` (Python literals nibabel reads).
    public static func number(_ tok: String) -> Value? {
        var t = Substring(tok)
        let negative = t.hasPrefix("-")
        if negative { t = t.dropFirst() }
        guard let c = t.first, c.isASCII, c.isNumber || c == "." else { return nil }
        if t.hasPrefix("0x") || t.hasPrefix("0X") {
            guard let u = UInt64(t.dropFirst(2), radix: 16), u <= UInt64(Int64.max) else { return nil }
            return .integer(negative ? -Int64(u) : Int64(u))
        }
        if t.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let v = Int64(t) else { return nil }
            return .integer(negative ? -v : v)
        }
        guard t.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "+" || $0 == "-") }),
              let d = Double(t), d.isFinite else { return nil }
        return .real(negative ? -d : d, text: tok)
    }
}

extension SiemensCSAHeader {
    /// The ASCCONV block of this (series) header's `MrPhoenixProtocol` (or
    /// `MrProtocol`) value: `nil` when it has neither.
    public var ascconv: Result<SiemensASCCONV, SiemensASCCONV.Error>? {
        guard let text = (self["MrPhoenixProtocol"] ?? self["MrProtocol"])?.values.first else { return nil }
        do throws(SiemensASCCONV.Error) { return .success(try SiemensASCCONV(parsing: text)) }
        catch { return .failure(error) }
    }
}
