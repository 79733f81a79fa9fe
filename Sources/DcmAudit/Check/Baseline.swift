#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DcmRules

/// A baseline: the findings of an earlier run, so that a legacy archive can
/// adopt dcmaudit and fail only on new findings (`--write-baseline FILE`,
/// `--baseline FILE`). A finding is known when the baseline holds one with
/// the same rule, the same place — its SOP Instance UID, else its series or
/// study UID (group rules), else its file path — and the same attribute path.
/// Observed values are not compared (and not stored: a baseline holds no
/// patient data). Matching counts: two known findings absorb two, not three.
///
/// The file is text, one finding a line, sorted, so that its diff reads well:
/// `rule<TAB>place<TAB>attribute`, with `\t`, `\n` and `\\` escaped, after a
/// `#` header line.
public struct Baseline: Sendable {
    public static let header = "# dcmaudit baseline 1: rule, place (sop:/series:/study:/file:/dataset), attribute; one finding a line"
    var counts: [String: Int] = [:]
    public var total: Int { counts.values.reduce(0, +) }

    public init() {}

    public static func key(_ f: Finding) -> String {
        let place: String
        if let s = f.sopInstanceUID, !s.isEmpty { place = "sop:" + s }
        else if let s = f.seriesInstanceUID, !s.isEmpty { place = "series:" + s }
        else if let s = f.studyInstanceUID, !s.isEmpty { place = "study:" + s }
        else if let p = f.file { place = "file:" + p }
        else { place = "dataset" }
        return escape(f.ruleID) + "\t" + escape(place) + "\t" + escape(f.attribute ?? "")
    }

    static func escape(_ s: String) -> String {
        var o = ""
        for c in s.unicodeScalars {
            switch c {
            case "\\": o += "\\\\"
            case "\t": o += "\\t"
            case "\n": o += "\\n"
            case "\r": o += "\\r"
            default: o.unicodeScalars.append(c)
            }
        }
        return o
    }

    public mutating func add(_ f: Finding) { counts[Baseline.key(f), default: 0] += 1 }

    /// Removes the findings the baseline knows (consuming them); returns the new ones.
    public mutating func filter(_ batch: [Finding]) -> (new: [Finding], known: Int) {
        var out: [Finding] = []
        var known = 0
        for f in batch {
            let k = Baseline.key(f)
            if let n = counts[k], n > 0 { counts[k] = n - 1; known += 1 } else { out.append(f) }
        }
        return (out, known)
    }

    public var text: String {
        var lines: [String] = []
        for (k, n) in counts { for _ in 0..<n { lines.append(k) } }
        lines.sort()
        return Baseline.header + "\n" + lines.map { $0 + "\n" }.joined()
    }

    public struct LoadError: Error, CustomStringConvertible { public var description: String }

    public static func load(_ path: String) throws -> Baseline {
        guard let f = fopen(path, "rb") else { throw LoadError(description: "\(path): error: cannot read the baseline: \(String(cString: strerror(errno)))") }
        defer { fclose(f) }
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true { let n = fread(&buf, 1, buf.count, f); if n <= 0 { break }; data += buf[0..<n] }
        // a read that fails (a directory opens, then reads fail with EISDIR)
        // was an empty file: "not a dcmaudit baseline"
        if ferror(f) != 0 { throw LoadError(description: "\(path): error: cannot read the baseline: \(String(cString: strerror(errno)))") }
        var b = Baseline()
        // (split on the byte LF: a String would keep CR LF as one character;
        // a line end of CR LF — a baseline checked out on Windows — is one line end)
        for (i, bytes) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let line = String(decoding: bytes.last == 0x0D ? bytes.dropLast() : bytes, as: UTF8.self)
            if i == 0 {
                guard line.hasPrefix("# dcmaudit baseline 1") else {
                    throw LoadError(description: "\(path):1:1: error: not a dcmaudit baseline (it starts with '# dcmaudit baseline 1'; write one with --write-baseline)")
                }
                continue
            }
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard line.split(separator: "\t", omittingEmptySubsequences: false).count == 3 else {
                throw LoadError(description: "\(path):\(i + 1):1: error: expected rule, place and attribute separated by tabs")
            }
            if let column = badEscape(line) {
                throw LoadError(description: "\(path):\(i + 1):\(column): error: unknown escape (a baseline escapes only \\\\, \\t, \\n and \\r): no finding would match this line")
            }
            b.counts[String(line), default: 0] += 1
        }
        return b
    }

    /// The column (1-based, in characters) of the first backslash that does
    /// not start one of `escape`'s sequences; nil when there is none. Keys are
    /// compared escaped: a line with another escape could never match.
    static func badEscape(_ line: String) -> Int? {
        var column = 0, afterBackslash = false
        for c in line.unicodeScalars {
            column += 1
            if afterBackslash {
                guard c == "\\" || c == "t" || c == "n" || c == "r" else { return column - 1 }
                afterBackslash = false
            } else if c == "\\" {
                afterBackslash = true
            }
        }
        return afterBackslash ? column : nil
    }

    /// Whether a baseline could be written at `path`, tried before any
    /// file is read (as the reports are): nil, or the errno. A file made by
    /// the try is removed; an existing one is left as it is.
    public static func writableError(_ path: String) -> Int32? {
        // (not a FIFO: opening it would wait for a reader; a device or pipe is left to the write)
        var st = stat()
        if stat(path, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG && (st.st_mode & S_IFMT) != S_IFDIR { return nil }
        let existed = access(path, F_OK) == 0
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o666)
        guard fd >= 0 else { return errno }
        close(fd)
        if !existed { unlink(path) }
        return nil
    }

    public func write(to path: String) -> Bool {
        guard let f = fopen(path, "wb") else { return false }
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        return fclose(f) == 0 && n == bytes.count
    }
}
