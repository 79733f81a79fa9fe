import DcmRules

/// Where a reporter writes: a file, standard output, or memory (tests).
public protocol ReportSink: AnyObject {
    func write(_ b: [UInt8])
    func close()
}

extension ReportOutput: ReportSink {}

/// A report kept in memory (tests, and the library).
public final class MemorySink: ReportSink {
    public var bytes: [UInt8] = []
    public init() {}
    public func write(_ b: [UInt8]) { bytes += b }
    public func close() {}
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// What a reporter may be asked besides the run: console grouping, a user's
/// HTML template.
public struct ReporterOptions: Sendable {
    public var grouping: CheckGrouping = .file
    /// The ids of the rules of the run (console column width).
    public var ruleIDs: [String] = []
    /// A mustache template replacing the built-in HTML one.
    public var htmlTemplate: String?
    /// JUnit: one test case per rule × series with findings (`--junit-per-series`).
    public var junitPerSeries = false
    public init() {}
}

/// One report format (DESIGN.md item 9). A reporter is made when the run
/// starts (it may write its head at once), is handed the findings batch by
/// batch as they are made (a streaming format writes them at once; the others
/// keep what they need), and writes the rest when the run ends.
public protocol Reporter: AnyObject {
    /// The name used by `--format` and `--report FORMAT:PATH`.
    static var format: String { get }
    /// One line for `--help` and the docs.
    static var summary: String { get }
    init(run: RunInfo, options: ReporterOptions, out: ReportSink) throws
    func add(_ batch: [Finding])
    /// `duration` in seconds, the same for every report of the run.
    func finish(_ report: CheckReport, duration: Double)
}

/// Every report format, in one list.
public enum ReportFormats {
    public static let all: [any Reporter.Type] = [
        TextReport.self, SummaryReport.self, GitHubReport.self, JSONReport.self, JSONLinesReport.self, JUnitReport.self,
        SARIFReport.self, CSVReport.self, MarkdownReport.self, HTMLReport.self,
        ComplianceCSVReport.self,   // protocol compliance tables (docs/protocols.md)
    ]
    public static var names: [String] { all.map { $0.format } }
    public static func named(_ s: String) -> (any Reporter.Type)? { all.first { $0.format == s } }
}

/// A `--report FORMAT:PATH` argument.
public struct ReportSpec: Sendable, Equatable {
    public var format: String
    public var path: String
    public init(format: String, path: String) { self.format = format; self.path = path }

    /// Parses `FORMAT:PATH`; the error text names the formats.
    public static func parse(_ s: String) -> Result<ReportSpec, ReportSpecError> {
        guard let i = s.firstIndex(of: ":") else {
            return .failure(ReportSpecError(message: "--report '\(s)': expected FORMAT:PATH, e.g. junit:report.xml (formats: \(ReportFormats.names.joined(separator: ", ")))"))
        }
        let f = String(s[..<i]), p = String(s[s.index(after: i)...])
        guard ReportFormats.named(f) != nil else {
            let near = ReportFormats.names.min { editDistance($0, f) < editDistance($1, f) }
            let hint = near.map { editDistance($0, f) <= 2 ? " (did you mean '\($0)'?)" : "" } ?? ""
            return .failure(ReportSpecError(message: "--report: unknown format '\(f)'\(hint): use one of \(ReportFormats.names.joined(separator: ", "))"))
        }
        guard !p.isEmpty else { return .failure(ReportSpecError(message: "--report '\(s)': the path is empty")) }
        return .success(ReportSpec(format: f, path: p))
    }
}

public struct ReportSpecError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var prev = Array(0...b.count), cur = prev
    for i in 1...a.count {
        cur[0] = i
        for j in 1...b.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&prev, &cur)
    }
    return prev[b.count]
}

extension CheckReport {
    /// The command line as reports show it: path components holding patient
    /// values redacted at the end of the run (unless --show-phi).
    func commandLine(_ run: RunInfo) -> [String] { commandLine ?? run.commandLine }
    func commandLineText(_ run: RunInfo) -> String { RunInfo.quoted(commandLine(run)) }
}

/// The notice every report carries when patient data is not redacted.
let phiShownNotice = "PATIENT DATA SHOWN: this report was made with --show-phi and may hold patient-identifying values."

// MARK: - escaping

extension ByteOutput {
    /// XML/HTML text or attribute value: `& < > " '` escaped, and the
    /// characters XML 1.0 forbids (§2.2: C0 controls but tab, LF, CR, and the
    /// noncharacters U+FFFE and U+FFFF, which a UTF-8 value decodes to as
    /// EF BF BE/BF) replaced by U+FFFD, as are DEL and the C1 controls,
    /// which it discourages (and which the console report replaces).
    public mutating func xml(_ s: String) {
        var s = s
        s.withUTF8 { u in
            var i = 0
            while i < u.count {
                let c = u[i]
                i += 1
                switch c {
                case 0xEF where i + 1 < u.count && u[i] == 0xBF && (u[i + 1] == 0xBE || u[i + 1] == 0xBF):
                    write("\u{FFFD}"); i += 2
                case 0xC2 where i < u.count && u[i] >= 0x80 && u[i] <= 0x9F:
                    write("\u{FFFD}"); i += 1   // C1 (U+0080-U+009F: XML 1.0 §2.2 discourages them; CSI is one)
                case 0x26: write("&amp;")
                case 0x3C: write("&lt;")
                case 0x3E: write("&gt;")
                case 0x22: write("&quot;")
                case 0x27: write("&#39;")
                case 0x09, 0x0A, 0x0D: byte(c)
                case 0..<0x20, 0x7F: write("\u{FFFD}")
                default: byte(c)
                }
            }
        }
    }

    /// A Markdown table cell: HTML specials escaped (GitHub renders inline
    /// HTML), `|` and line breaks neutralised, the other control characters
    /// (C0 but tab, DEL, C1) U+FFFD as in the console report.
    public mutating func markdownCell(_ s: String) {
        for c in s.unicodeScalars {
            if c != "\n" && c != "\r" && ByteOutput.isReportControl(c.value, keepingLineBreaks: false) { write("\u{FFFD}"); continue }
            switch c {
            case "&": write("&amp;")
            case "<": write("&lt;")
            case ">": write("&gt;")
            case "|": write("\\|")
            case "\n", "\r": write(" ")
            case "`": write("\\`")
            default: write(String(c))
            }
        }
    }
}

/// A rule of the run, for formats that describe rules (SARIF, HTML).
struct RuleInfo {
    var id: String
    var pack: String
    var title: String?
    var severity: Severity
    var level: RuleLevel
    var message: String?
    var check: String?
    var when: String?
    var reference: String?

    static func all(_ r: CheckReport) -> [RuleInfo] {
        var byID: [String: Rule] = [:]
        for p in r.packs { for x in p.rules where byID[x.id] == nil { byID[x.id] = x } }
        return r.rules.map { s in
            let x = byID[s.id]
            return RuleInfo(id: s.id, pack: s.packID, title: s.title, severity: s.severity, level: s.level,
                            message: x?.messageText, check: x?.checkText, when: x?.whenText, reference: x?.reference)
        }
    }

    /// A plain-text explanation: title, what it checks, when, reference.
    var help: String {
        var lines: [String] = []
        if let t = title { lines.append(t) }
        if let c = check { lines.append("check: " + c) } else if id == Unreadable.ruleID { lines.append("The file can be opened and parsed as DICOM.") }
        if let w = when { lines.append("when: " + w) }
        lines.append("level: \(level.rawValue), severity: \(severity.rawValue)")
        if let r = reference { lines.append("reference: " + r) }
        lines.append("More: dcmaudit rules explain \(id)")
        return lines.joined(separator: "\n")
    }
}

/// A finding as one line of text: `file: message [attribute] (observed …)`.
func findingLine(_ f: Finding) -> String {
    // (byte search, as the console report's: Foundation's `contains` went
    // through NSString three times a finding; an empty text is not "in" the
    // message, as there)
    func shown(_ t: String) -> Bool { !t.isEmpty && f.message.utf8Contains(t) }
    var s = (f.file ?? "(\(f.level.rawValue))") + ": " + f.message
    if let a = f.attribute, !a.isEmpty, !shown(a) { s += " [" + a + "]" }
    if let o = f.observed, !shown(o) { s += " observed: " + o }
    if let e = f.expected, !shown(e) { s += " expected: " + e }
    return s
}
