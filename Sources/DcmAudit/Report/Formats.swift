import DcmRules
import DcmData

// MARK: - console text

/// `--format text` (the default console report): findings by file as they
/// come, or by rule at the end, then the per-rule counts.
public final class TextReport: Reporter {
    public static let format = "text"
    public static let summary = "the console report: findings by file (streamed) or by rule, then per-rule counts"
    let out: ReportSink
    let t: TextReporter
    var kept: [Finding] = []
    /// The last file's finding lines, for the next file's (`TextReporter.LineReuse`).
    var reuse: TextReporter.LineReuse? = TextReporter.LineReuse()
    public init(run: RunInfo, options: ReporterOptions, out: ReportSink) {
        self.out = out
        t = TextReporter(grouping: options.grouping, ruleIDs: options.ruleIDs)
        if run.showPHI { out.write(Array(("NOTE: " + phiShownNotice + "\n\n").utf8)) }
    }
    public func add(_ batch: [Finding]) {
        guard t.grouping == .file else { kept += batch; return }
        // (~300 bytes a finding with its "because" line: one allocation, not a doubling per KiB)
        var o = ByteOutput(capacity: 1024 + 320 * batch.count)
        t.writeBatch(batch, into: &o, reuse: &reuse)
        out.write(o.bytes)
    }
    public func finish(_ report: CheckReport, duration: Double) {
        var r = report
        if t.grouping == .rule { r.findings = kept }
        var o = ByteOutput(capacity: 1 << 14)
        if r.incomplete { o.write("\nINCOMPLETE: \(incompleteNotice(r))\n") }
        t.writeEnd(r, into: &o)
        out.write(o.bytes)
    }
}

// MARK: - Summary

/// `--format summary`: the end of the text report alone — the rules with
/// findings or not evaluated (most findings first, with pass / fail / n/a /
/// not-evaluated counts), the not-evaluated summary and the totals; no
/// finding line. For the console and CI logs of large runs, whose findings
/// (hundreds of thousands with every pack on an archive that is not
/// de-identified) go to `--report` files.
public final class SummaryReport: Reporter {
    public static let format = "summary"
    public static let summary = "the text report's per-rule counts (rules with findings first) and totals, no finding lines — for large runs, with --report files"
    let out: ReportSink
    let t: TextReporter
    public init(run: RunInfo, options: ReporterOptions, out: ReportSink) {
        self.out = out
        t = TextReporter(grouping: .file, ruleIDs: options.ruleIDs)
        if run.showPHI { out.write(Array(("NOTE: " + phiShownNotice + "\n\n").utf8)) }
    }
    public func add(_ batch: [Finding]) {}
    public func finish(_ report: CheckReport, duration: Double) {
        var o = ByteOutput(capacity: 1 << 14)
        if report.incomplete { o.write("INCOMPLETE: \(incompleteNotice(report))\n\n") }
        t.writeEnd(report, summary: true, into: &o)
        out.write(o.bytes)
    }
}

// MARK: - GitHub Actions annotations

/// `--format github`: one workflow command per finding
/// (`::error file=…,title=…::message`), shown as annotations on the run.
public final class GitHubReport: Reporter {
    public static let format = "github"
    public static let summary = "GitHub Actions annotations: ::error/::warning/::notice file=…,title=…::message"
    let out: ReportSink
    let run: RunInfo
    public init(run: RunInfo, options: ReporterOptions, out: ReportSink) {
        self.out = out; self.run = run
        if run.showPHI { out.write(Array(("::warning title=dcmaudit::" + GitHubReport.data(phiShownNotice) + "\n").utf8)) }
    }
    /// Escapes of a workflow command's message (GitHub's: `%`, CR, LF); the
    /// other control characters (C0 but tab, DEL, C1: ESC would colour or
    /// rewrite the log, which GitHub renders with ANSI escapes) U+FFFD, as
    /// in the console report.
    static func data(_ s: String) -> String {
        // (most texts have nothing to escape: returned as they are — built
        // scalar by scalar, 344,000 findings took 7 s)
        if s.utf8.allSatisfy({ c in c != 0x25 && (c >= 0x20 || c == 0x09) && c != 0x7F && c != 0xC2 }) { return s }
        var o = ""
        for c in s.unicodeScalars {
            switch c {
            case "%": o += "%25"
            case "\r": o += "%0D"
            case "\n": o += "%0A"
            case _ where ByteOutput.isReportControl(c.value, keepingLineBreaks: false): o += "\u{FFFD}"
            default: o.unicodeScalars.append(c)
            }
        }
        return o
    }
    /// Escapes of a property value (also `:` and `,`).
    static func property(_ s: String) -> String {
        let d = data(s)
        guard d.utf8.contains(where: { $0 == 0x3A || $0 == 0x2C }) else { return d }
        return d.replacingAll(":", with: "%3A").replacingAll(",", with: "%2C")
    }
    /// The last file's `file=` property (a file's findings come together).
    var lastFile: (path: String, property: String)? = nil
    public func add(_ batch: [Finding]) {
        var o = ByteOutput(capacity: 256 * batch.count)
        for f in batch {
            let cmd = f.severity == .error ? "error" : f.severity == .warning ? "warning" : "notice"
            o.write("::" + cmd + " ")
            if let file = f.file {
                if lastFile?.path != file { lastFile = (file, GitHubReport.property(file)) }
                o.write("file="); o.write(lastFile!.property); o.write(",")
            }
            o.write("title="); o.write(GitHubReport.property(f.ruleID)); o.write("::")
            o.write(GitHubReport.data(f.message))
            if let a = f.attribute, !a.isEmpty, !f.message.utf8Contains(a) { o.write(" ["); o.write(GitHubReport.data(a)); o.write("]") }
            if let b = f.because, b != f.message { o.write("%0Abecause "); o.write(GitHubReport.data(b)) }
            o.write("\n")
        }
        out.write(o.bytes)
    }
    public func finish(_ report: CheckReport, duration: Double) {
        let line = "dcmaudit \(run.toolVersion): " + report.countsLine
            + " (packs: " + run.packs.map { "\($0.id)@\($0.version)" }.joined(separator: ", ") + "; " + RunInfo.seconds(run.duration(measured: duration)) + " s)\n"
        out.write(Array(line.utf8))
        for w in report.waived {
            out.write(Array(("::notice title=dcmaudit waiver::" + GitHubReport.data(waiverLine(w)) + "\n").utf8))
        }
        if !report.notEvaluated.isEmpty {
            out.write(Array(("::notice title=dcmaudit not evaluated::" + GitHubReport.data(report.notEvaluated.headline + " (see the text or JSON report)") + "\n").utf8))
        }
        if report.incomplete { out.write(Array(("::warning title=dcmaudit::INCOMPLETE: " + GitHubReport.data(incompleteNotice(report)) + "\n").utf8)) }
    }
}

// MARK: - JSON

/// `json`: the report of docs/schema/check-report.schema.json, findings streamed.
public final class JSONReport: Reporter {
    public static let format = "json"
    public static let summary = "one JSON document (docs/schema/check-report.schema.json), findings streamed"
    let stream: JSONReporter.Stream
    public init(run: RunInfo, options: ReporterOptions, out: ReportSink) {
        stream = JSONReporter.Stream(out, run: run)
    }
    public func add(_ batch: [Finding]) { stream.add(batch) }
    public func finish(_ report: CheckReport, duration: Double) { stream.finish(report, duration: duration) }
}

/// `jsonl`: JSON Lines — a `run` record, one `finding` record per finding
/// written as it is made, then a `summary` record.
public final class JSONLinesReport: Reporter {
    public static let format = "jsonl"
    public static let summary = "JSON Lines: a run record, one finding per line (streamed), a summary record"
    let out: ReportSink
    let run: RunInfo
    public init(run: RunInfo, options: ReporterOptions, out: ReportSink) {
        self.out = out; self.run = run
        var o = ByteOutput(capacity: 1024)
        o.write("{\"type\": \"run\", \"schemaVersion\": \(JSONReporter.schemaVersion), \"tool\": {\"name\": \"dcmaudit\", \"version\": ")
        o.jsonString(run.toolVersion)
        o.write("}, \"startTime\": "); o.jsonString(run.startTime)
        o.write(", \"phiShown\": \(run.showPHI)")
        if run.showPHI { o.write(", \"notice\": "); o.jsonString(phiShownNotice) }
        o.write(", \"packs\": [")
        for (i, p) in run.packs.enumerated() {
            if i > 0 { o.write(", ") }
            o.write("{\"id\": "); o.jsonString(p.id); o.write(", \"version\": "); o.jsonString(p.version)
            o.write(", \"path\": "); o.jsonString(p.path); o.write(", \"sha256\": "); o.jsonString(p.sha256); o.write("}")
        }
        o.write("]}\n")
        out.write(o.bytes)
    }
    public func add(_ batch: [Finding]) {
        var o = ByteOutput(capacity: 512 * batch.count)
        for f in batch {
            o.write("{\"type\": \"finding\", ")
            JSONReporter.findingFields(f, &o)
            o.write("}\n")
        }
        out.write(o.bytes)
    }
    public func finish(_ r: CheckReport, duration: Double) {
        var o = ByteOutput(capacity: 4096)
        let c = r.severityCounts
        for w in r.waived {
            for f in w.findings {
                o.write("{\"type\": \"waived\", \"reason\": "); o.jsonString(w.reason); o.write(", ")
                JSONReporter.findingFields(f, &o)
                o.write("}\n")
            }
        }
        r.notEvaluated.writeJSONLines(&o)
        o.write("{\"type\": \"summary\", \"files\": \(r.files), \"unreadable\": \(r.unreadable), \"notDicom\": \(r.notDicom), \"findings\": \(r.findingCount), \"waived\": \(r.waivedCount)")
        if r.incomplete { o.write(", \"incomplete\": true, \"filesChecked\": \(r.filesChecked)") }
        if !r.notEvaluated.isEmpty { o.write(", \"notEvaluated\": {\"files\": \(r.notEvaluated.fileCount), \"pairs\": \(r.notEvaluated.pairCount)}") }
        o.write(", \"error\": \(c[.error] ?? 0), \"warning\": \(c[.warning] ?? 0), \"info\": \(c[.info] ?? 0)")
        o.write(", \"failOn\": \"\(r.failOn.rawValue)\", \"exitCode\": \(r.exitCode), \"durationSeconds\": " + RunInfo.seconds(run.duration(measured: duration)))
        o.write(", \"commandLine\": ["); JSONReporter.list(r.commandLine(run), &o); o.write("]")
        o.write(", \"rules\": [")
        for (i, s) in r.rules.enumerated() {
            if i > 0 { o.write(", ") }
            o.write("{\"id\": "); o.jsonString(s.id); o.write(", \"pack\": "); o.jsonString(s.packID)
            o.write(", \"counts\": "); JSONReporter.counts(s.counts, &o); o.write(", \"findings\": \(s.findings)}")
        }
        o.write("]}\n")
        out.write(o.bytes)
    }
}

// MARK: - JUnit XML

/// `junit`: one `<testsuite>` per pack, one `<testcase>` per rule. A rule
/// whose findings are at or above --fail-on has a `<failure>` listing them;
/// findings below it are listed in the case's `<system-out>`; a rule that
/// applied to nothing is `<skipped>`. Run facts are `<properties>`.
public final class JUnitReport: Reporter {
    public static let format = "junit"
    public static let summary = "JUnit XML: a test suite per pack, a test case per rule, findings in failures"
    let out: ReportSink
    let run: RunInfo
    let perSeries: Bool
    /// A test case's findings as its failure's lines (`findingLine`, XML-escaped)
    /// and their count — kept as they come instead of the findings: with
    /// every pack on 10,000 identified files (344,000 findings) the report
    /// held 265 MiB of findings, the lines are the report's 61 MB.
    struct Lines {
        var count = 0
        var bytes = ByteOutput(capacity: 256)
        mutating func add(_ f: Finding) { count += 1; bytes.xml(findingLine(f) + "\n") }
    }
    /// Per rule; with `--junit-per-series`, per rule and series, the series in order of first finding.
    var byRule: [String: Lines] = [:]
    var bySeries: [String: (order: [String], lines: [String: Lines])] = [:]
    public init(run: RunInfo, options: ReporterOptions, out: ReportSink) { self.out = out; self.run = run; perSeries = options.junitPerSeries }
    public func add(_ batch: [Finding]) {
        for f in batch {
            if perSeries {
                let k = f.seriesInstanceUID ?? "(no series)"
                bySeries[f.ruleID, default: ([], [:])].lines[k, default: Lines()].add(f)
                if bySeries[f.ruleID]!.lines[k]!.count == 1 { bySeries[f.ruleID]!.order.append(k) }
            } else {
                byRule[f.ruleID, default: Lines()].add(f)
            }
        }
    }

    /// One test case: a rule, or a rule × series (`--junit-per-series`).
    struct Case {
        var name: String
        var rule: RuleSummary
        var findings: Lines
    }

    func cases(_ rules: [RuleSummary]) -> [Case] {
        rules.flatMap { s -> [Case] in
            guard perSeries, let g = bySeries[s.id] else { return [Case(name: s.id, rule: s, findings: byRule[s.id] ?? Lines())] }
            return g.order.map { Case(name: s.id + " [series " + $0 + "]", rule: s, findings: g.lines[$0]!) }
        }
    }

    public func finish(_ r: CheckReport, duration: Double) {
        var o = ByteOutput(capacity: 1 << 16)
        let d = RunInfo.seconds(run.duration(measured: duration))
        // packs in order of first appearance among the rules
        var packOrder: [String] = []
        for s in r.rules where !packOrder.contains(s.packID) { packOrder.append(s.packID) }
        func failing(_ c: Case) -> Bool { c.findings.count > 0 && r.failOn.trips(c.rule.severity) }
        func skipped(_ c: Case) -> Bool { c.findings.count == 0 && c.rule.counts.pass == 0 && c.rule.counts.fail == 0 }
        /// The rule's not-evaluated files and reasons (NotEvaluatedReports.swift).
        func notEvaluated(_ c: Case) -> String? { c.findings.count == 0 || !perSeries ? r.notEvaluated.junitText(c.rule.id) : nil }
        let all = cases(r.rules)
        // waivers: one skipped case each, in the suite of the rule's pack
        let packOf = Dictionary(r.rules.map { ($0.id, $0.packID) }, uniquingKeysWith: { a, _ in a })
        var waiverCases: [(pack: String, name: String, w: WaivedFindings)] = []
        var perRule: [String: Int] = [:]
        for w in r.waived {
            perRule[w.rule, default: 0] += 1
            let n = perRule[w.rule]!
            waiverCases.append((packOf[w.rule] ?? "dcmaudit", w.rule + " (waived" + (n > 1 ? " #\(n)" : "") + ")", w))
        }
        for w in waiverCases where !packOrder.contains(w.pack) { packOrder.append(w.pack) }
        o.write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        o.write("<testsuites name=\"dcmaudit\" tests=\"\(all.count + waiverCases.count)\" failures=\"\(all.filter(failing).count)\" errors=\"0\" skipped=\"\(all.filter(skipped).count + waiverCases.count)\" time=\"\(d)\" timestamp=\"")
        o.xml(run.startTime); o.write("\">\n")
        for pid in packOrder {
            let cs = all.filter { $0.rule.packID == pid }
            let ws = waiverCases.filter { $0.pack == pid }
            let pack = run.packs.first { $0.id == pid }
            o.write("  <testsuite name=\""); o.xml(pid)
            o.write("\" tests=\"\(cs.count + ws.count)\" failures=\"\(cs.filter(failing).count)\" errors=\"0\" skipped=\"\(cs.filter(skipped).count + ws.count)\" time=\"\(d)\" timestamp=\"")
            o.xml(run.startTime); o.write("\">\n    <properties>\n")
            func prop(_ n: String, _ v: String) {
                o.write("      <property name=\""); o.xml(n); o.write("\" value=\""); o.xml(v); o.write("\"/>\n")
            }
            prop("dcmaudit.version", run.toolVersion)
            prop("dcmaudit.commandLine", r.commandLineText(run))
            prop("dcmaudit.startTime", run.startTime)
            prop("dcmaudit.phiShown", run.showPHI ? "true" : "false")
            if run.showPHI { prop("dcmaudit.notice", phiShownNotice) }
            if let pack { prop("pack.version", pack.version); prop("pack.path", pack.path); prop("pack.sha256", pack.sha256) }
            prop("files", "\(r.files)")
            if r.incomplete { prop("dcmaudit.incomplete", incompleteNotice(r)) }
            if !r.waived.isEmpty { prop("dcmaudit.waived", "\(r.waivedCount)") }
            o.write("    </properties>\n")
            for cs in cs {
                let s = cs.rule, fs = cs.findings
                o.write("    <testcase name=\""); o.xml(cs.name); o.write("\" classname=\""); o.xml(pid); o.write("\"")
                let c = s.counts
                let countsText = "pass \(c.pass), fail \(c.fail), not applicable \(c.notApplicable), not evaluated \(c.notEvaluated)"
                if failing(cs) {
                    o.write(">\n      <failure message=\"")
                    o.xml("\(fs.count) \(s.severity.rawValue) finding\(fs.count == 1 ? "" : "s")" + (s.title.map { ": " + $0 } ?? ""))
                    o.write("\" type=\""); o.xml(s.severity.rawValue); o.write("\">")
                    out.write(o.bytes); o.bytes.removeAll(keepingCapacity: true); out.write(fs.bytes.bytes)   // (not copied into one buffer)
                    o.xml(countsText)
                    if let ne = notEvaluated(cs) { o.xml("\n" + ne) }
                    o.write("</failure>\n    </testcase>\n")
                } else if skipped(cs) {
                    if let ne = notEvaluated(cs) {
                        // neither passed nor failed anywhere: skipped, saying on which files and why
                        o.write(">\n      <skipped message=\""); o.xml("not evaluated on \(c.notEvaluated) file\(c.notEvaluated == 1 ? "" : "s"), not applicable to the others")
                        o.write("\">"); o.xml(ne); o.write("</skipped>\n    </testcase>\n")
                    } else {
                        o.write(">\n      <skipped message=\"not applicable to any file\"/>\n    </testcase>\n")
                    }
                } else if fs.count > 0 {
                    o.write(">\n      <system-out>")
                    o.xml("\(fs.count) \(s.severity.rawValue) finding\(fs.count == 1 ? "" : "s") (below --fail-on \(r.failOn.rawValue))\n")
                    out.write(o.bytes); o.bytes.removeAll(keepingCapacity: true); out.write(fs.bytes.bytes)   // (not copied into one buffer)
                    o.xml(countsText)
                    if let ne = notEvaluated(cs) { o.xml("\n" + ne) }
                    o.write("</system-out>\n    </testcase>\n")
                } else if let ne = notEvaluated(cs) {
                    o.write(">\n      <system-out>"); o.xml(ne + countsText); o.write("</system-out>\n    </testcase>\n")
                } else {
                    o.write("/>\n")
                }
            }
            for (_, name, w) in ws {
                o.write("    <testcase name=\""); o.xml(name); o.write("\" classname=\""); o.xml(pid); o.write("\">\n      <skipped message=\"")
                o.xml(waiverLine(w)); o.write("\">")
                for f in w.findings { o.xml(findingLine(f) + "\n") }
                o.write("</skipped>\n    </testcase>\n")
            }
            o.write("  </testsuite>\n")
        }
        o.write("</testsuites>\n")
        out.write(o.bytes)
    }
}

// MARK: - SARIF 2.1.0

/// `sarif`: SARIF 2.1.0 (OASIS). Rules with descriptions and help; results
/// with the file as artifact location and the attribute path as logical
/// location; packs as tool extensions with their hashes; the invocation with
/// command line, start and end times. Results are streamed.
public final class SARIFReport: Reporter {
    public static let format = "sarif"
    public static let summary = "SARIF 2.1.0 for code-scanning tools (GitHub, Azure DevOps, VS Code)"
    let out: ReportSink
    let run: RunInfo
    var count = 0
    public init(run: RunInfo, options: ReporterOptions, out: ReportSink) {
        self.out = out; self.run = run
        out.write(Array("{\n  \"$schema\": \"https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json\",\n  \"version\": \"2.1.0\",\n  \"runs\": [{\n    \"results\": [".utf8))
    }

    static func level(_ s: Severity) -> String { s == .error ? "error" : s == .warning ? "warning" : "note" }

    /// A URI reference for a path: percent-encoded; absolute paths as `file://` URIs.
    /// The bytes encoded are the file name's as the system has them
    /// (`OSPath`: a name that is not UTF-8, `M\xFCller`, is `M%FCller`).
    static func uri(_ path: String) -> String {
        // (bytes, then one string: appending scalar by scalar was a third of
        // a SARIF report's time with every pack on identified data)
        var o: [UInt8] = path.hasPrefix("/") ? Array("file://".utf8) : []
        OSPath.withCString(path) { p in
            var q = p
            while q.pointee != 0 {
                let b = UInt8(bitPattern: q.pointee)
                q += 1
                let unreserved = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                    || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E || b == 0x2F   // - . _ ~ /
                if unreserved { o.append(b) }
                else { o.append(0x25); o.append(hexDigit(b >> 4)); o.append(hexDigit(b & 0xF)) }
            }
        }
        return String(decoding: o, as: UTF8.self)
    }

    /// The last path's URI: a file's findings come together (~35 a file with
    /// every pack on identified data), and share their path's string.
    var lastURI: (path: String, uri: String)? = nil
    func uriOfFile(_ path: String) -> String {
        if let l = lastURI, l.path == path { return l.uri }
        let u = SARIFReport.uri(path)
        lastURI = (path, u)
        return u
    }

    public func add(_ batch: [Finding]) {
        var o = ByteOutput(capacity: 600 * batch.count)
        for f in batch { result(f, waiver: nil, &o) }
        out.write(o.bytes)
    }

    /// One result; a waived finding carries an external, accepted
    /// suppression whose justification is the waiver's reason (SARIF 2.1.0 §3.35).
    func result(_ f: Finding, waiver w: WaivedFindings?, _ o: inout ByteOutput) {
        do {
            o.write(count == 0 ? "\n      " : ",\n      ")
            count += 1
            o.write("{\"ruleId\": "); o.jsonString(f.ruleID)
            o.write(", \"level\": \"" + SARIFReport.level(f.severity) + "\"")
            o.write(", \"message\": {\"text\": "); o.jsonString(f.message); o.write("}")
            if f.file != nil || (f.attribute.map { !$0.isEmpty } ?? false) {
                o.write(", \"locations\": [{")
                if let file = f.file {
                    o.write("\"physicalLocation\": {\"artifactLocation\": {\"uri\": "); o.jsonString(uriOfFile(file)); o.write("}")
                    if let off = f.offset { o.write(", \"region\": {\"byteOffset\": \(off)}") }
                    o.write("}")
                }
                if let a = f.attribute, !a.isEmpty {
                    if f.file != nil { o.write(", ") }
                    o.write("\"logicalLocations\": [{\"fullyQualifiedName\": "); o.jsonString(a); o.write(", \"kind\": \"member\"}]")
                }
                o.write("}]")
            }
            if !f.relatedFiles.isEmpty {
                o.write(", \"relatedLocations\": [")
                for (i, r) in f.relatedFiles.enumerated() {
                    if i > 0 { o.write(", ") }
                    o.write("{\"id\": \(i), \"physicalLocation\": {\"artifactLocation\": {\"uri\": "); o.jsonString(SARIFReport.uri(r)); o.write("}}}")
                }
                o.write("]")
            }
            o.write(", \"properties\": {\"pack\": "); o.jsonString(f.packID)
            o.write(", \"level\": \"\(f.level.rawValue)\"")
            func opt(_ k: String, _ v: String?) { if let v { o.write(", \"" + k + "\": "); o.jsonString(v) } }
            opt("because", f.because); opt("observed", f.observed); opt("expected", f.expected); opt("reference", f.reference)
            opt("sopInstanceUID", f.sopInstanceUID); opt("seriesInstanceUID", f.seriesInstanceUID); opt("studyInstanceUID", f.studyInstanceUID)
            o.write("}")
            if let w {
                o.write(", \"suppressions\": [{\"kind\": \"external\", \"status\": \"accepted\", \"justification\": "); o.jsonString(w.reason)
                var props: [String] = []
                if let e = w.expires { props.append("\"expires\": " + jsonText(e)) }
                if !w.paths.isEmpty { props.append("\"paths\": [" + w.paths.map(jsonText).joined(separator: ", ") + "]") }
                if let s = w.when { props.append("\"when\": " + jsonText(s)) }
                if !props.isEmpty { o.write(", \"properties\": {" + props.joined(separator: ", ") + "}") }
                o.write("}]")
            }
            o.write("}")
        }
    }

    public func finish(_ r: CheckReport, duration: Double) {
        var o = ByteOutput(capacity: 1 << 15)
        let d = run.duration(measured: duration)
        for w in r.waived { for f in w.findings { result(f, waiver: w, &o) } }
        // rules not evaluated on a file (--not-evaluated list): kind "open", level "none"
        r.notEvaluated.sarifResults { rule, pack, file, text in
            o.write(count == 0 ? "\n      " : ",\n      ")
            count += 1
            o.write("{\"ruleId\": "); o.jsonString(rule); o.write(", \"kind\": \"open\", \"level\": \"none\", \"message\": {\"text\": "); o.jsonString(text)
            o.write("}, \"locations\": [{\"physicalLocation\": {\"artifactLocation\": {\"uri\": "); o.jsonString(SARIFReport.uri(file))
            o.write("}}}], \"properties\": {\"pack\": "); o.jsonString(pack); o.write("}}")
        }
        o.write(count == 0 ? "],\n" : "\n    ],\n")
        o.write("    \"tool\": {\n      \"driver\": {\"name\": \"dcmaudit\", \"version\": "); o.jsonString(run.toolVersion)
        o.write(", \"informationUri\": \"https://dcmaudit.invalid/docs/reports\", \"rules\": [")
        for (i, x) in RuleInfo.all(r).enumerated() {
            o.write(i == 0 ? "\n        " : ",\n        ")
            o.write("{\"id\": "); o.jsonString(x.id)
            o.write(", \"shortDescription\": {\"text\": "); o.jsonString(x.title ?? x.id); o.write("}")
            if let m = x.message { o.write(", \"fullDescription\": {\"text\": "); o.jsonString(m); o.write("}") }
            o.write(", \"help\": {\"text\": "); o.jsonString(x.help); o.write("}")
            o.write(", \"defaultConfiguration\": {\"level\": \"" + SARIFReport.level(x.severity) + "\"}")
            o.write(", \"properties\": {\"pack\": "); o.jsonString(x.pack); o.write(", \"level\": \"\(x.level.rawValue)\"}}")
        }
        o.write("\n      ]},\n      \"extensions\": [")
        for (i, p) in run.packs.enumerated() {
            o.write(i == 0 ? "\n        " : ",\n        ")
            o.write("{\"name\": "); o.jsonString(p.id); o.write(", \"version\": "); o.jsonString(p.version)
            o.write(", \"properties\": {\"path\": "); o.jsonString(p.path); o.write(", \"sha256\": "); o.jsonString(p.sha256); o.write("}}")
        }
        o.write(run.packs.isEmpty ? "]\n    },\n" : "\n      ]\n    },\n")
        o.write("    \"invocations\": [{\"executionSuccessful\": true, \"exitCode\": \(r.exitCode), \"commandLine\": "); o.jsonString(r.commandLineText(run))
        o.write(", \"arguments\": ["); JSONReporter.list(Array(r.commandLine(run).dropFirst()), &o)
        o.write("], \"startTimeUtc\": "); o.jsonString(run.startTime)
        o.write(", \"endTimeUtc\": "); o.jsonString(run.endTime(duration: d))
        if run.showPHI {
            o.write(", \"toolExecutionNotifications\": [{\"level\": \"warning\", \"message\": {\"text\": "); o.jsonString(phiShownNotice); o.write("}}]")
        }
        o.write(", \"properties\": {\"durationSeconds\": " + RunInfo.seconds(d) + ", \"phiShown\": \(run.showPHI), \"files\": \(r.files), \"unreadable\": \(r.unreadable), \"notDicom\": \(r.notDicom), \"failOn\": \"\(r.failOn.rawValue)\"" + (r.incomplete ? ", \"incomplete\": true, \"filesChecked\": \(r.filesChecked)" : "") + "}}]")
        if !r.notEvaluated.isEmpty { o.write(",\n    \"properties\": {\"notEvaluated\": "); r.notEvaluated.writeSARIFProperties(&o); o.write("}") }
        o.write("\n  }]\n}\n")
        out.write(o.bytes)
    }
}

// MARK: - CSV

/// `csv`: one row per finding, stable columns (RFC 4180). The first line is a
/// `#` comment with the run facts; read it with `pandas.read_csv(p, skiprows=1)`.
public final class CSVReport: Reporter {
    public static let format = "csv"
    public static let summary = "one row per finding, stable columns; line 1 is a # comment with the run facts"
    public static let columns = ["rule", "pack", "severity", "level", "file", "attribute", "message", "observed", "expected",
                                 "because", "reference", "offset", "sop_instance_uid", "series_instance_uid", "study_instance_uid", "waiver"]
    let out: ReportSink
    let run: RunInfo
    /// The rows, written after the `#` line (which holds the run's totals): `SpillBuffer`.
    var rows = SpillBuffer()
    public init(run: RunInfo, options: ReporterOptions, out: ReportSink) { self.out = out; self.run = run }
    public func add(_ batch: [Finding]) {
        for f in batch { row(f, waiver: nil) }
        rows.spillIfFull()
    }
    /// One row; `waiver` is the reason of the waiver that left the finding
    /// out (those rows come last), empty for a finding of the run.
    func row(_ f: Finding, waiver: String?) {
        let fields: [String?] = [f.ruleID, f.packID, f.severity.rawValue, f.level.rawValue, f.file, f.attribute, f.message, f.observed,
                                 f.expected, f.because, f.reference, f.offset.map { "\($0)" }, f.sopInstanceUID, f.seriesInstanceUID, f.studyInstanceUID, waiver]
        for (i, v) in fields.enumerated() {
            if i > 0 { rows.out.byte(0x2C) }
            rows.out.csvField(v ?? "")
        }
        rows.out.write("\r\n")
    }
    public func finish(_ r: CheckReport, duration: Double) {
        var o = ByteOutput(capacity: 2048)
        var head = "# dcmaudit \(run.toolVersion); started \(run.startTime); duration \(RunInfo.seconds(run.duration(measured: duration))) s; packs: "
            + run.packs.map { "\($0.id)@\($0.version) sha256:\($0.sha256)" }.joined(separator: ", ")
            + "; patient data " + (run.showPHI ? "PATIENT DATA SHOWN (--show-phi)" : "redacted") + "; command: " + r.commandLineText(run)
            + (r.incomplete ? "; INCOMPLETE: " + incompleteNotice(r) : "")
            + (r.waived.isEmpty ? "" : "; waived: \(r.waivedCount) (the rows with a waiver)")
            + (r.notEvaluated.isEmpty ? "" : "; not evaluated: " + r.notEvaluated.headline + " (not rows: see the text, JSON or JSON Lines report)")
        for w in r.waived { for f in w.findings { row(f, waiver: w.reason) } }
        head = ByteOutput.oneLine(head)
        o.write(head + "\r\n")
        o.write(CSVReport.columns.joined(separator: ",") + "\r\n")
        out.write(o.bytes)
        rows.drain(into: out)
    }
}

// MARK: - Markdown

/// `markdown`: a short summary for a pull-request comment or a CI job
/// summary: totals, rules with findings, the first findings, run facts.
public final class MarkdownReport: Reporter {
    public static let format = "markdown"
    public static let summary = "a short summary for a pull-request comment or $GITHUB_STEP_SUMMARY"
    public static let maxFindings = 20
    let out: ReportSink
    let run: RunInfo
    var first: [Finding] = []
    public init(run: RunInfo, options: ReporterOptions, out: ReportSink) { self.out = out; self.run = run }
    public func add(_ batch: [Finding]) {
        for f in batch where first.count < MarkdownReport.maxFindings { first.append(f) }
    }
    public func finish(_ r: CheckReport, duration: Double) {
        var o = ByteOutput(capacity: 1 << 14)
        if run.showPHI { o.write("> **Warning**\n> " + phiShownNotice + "\n\n") }
        if r.incomplete { o.write("> **Incomplete**\n> " + incompleteNotice(r) + "\n\n") }
        o.write("## dcmaudit: " + (r.exitCode == 0 ? "passed" : "failed") + " — " + r.severityText + "\n\n")
        // (the rules of the packs, as the console's closing line counts them: the
        // two built-in file rules apart)
        let packs = r.packs.map(\.id).joined(separator: ", ")
        o.write(r.filesText + ", \(r.rules.count - 2) rule\(r.rules.count - 2 == 1 ? "" : "s") from \(packs.isEmpty ? "no pack" : packs), fail on: \(r.failOn.rawValue)\n\n")
        let withFindings = r.rules.filter { $0.findings > 0 || $0.counts.notEvaluated > 0 }
        if !withFindings.isEmpty {
            o.write("| rule | pack | severity | findings | pass | fail | n/a | not evaluated |\n|---|---|---|---:|---:|---:|---:|---:|\n")
            for s in withFindings {
                o.write("| `"); o.write(s.id.replacingAll("`", with: "")); o.write("` | "); o.markdownCell(s.packID)
                o.write(" | \(s.severity.rawValue) | \(s.findings) | \(s.counts.pass) | \(s.counts.fail) | \(s.counts.notApplicable) | \(s.counts.notEvaluated) |\n")
            }
            o.write("\n")
        }
        if !first.isEmpty {
            o.write(r.findingCount > first.count ? "First \(first.count) of \(r.findingCount) findings:\n\n" : "Findings:\n\n")
            o.write("| severity | rule | file | message |\n|---|---|---|---|\n")
            for f in first {
                o.write("| \(f.severity.rawValue) | "); o.markdownCell(f.ruleID); o.write(" | "); o.markdownCell(f.file ?? "(\(f.level.rawValue))")
                o.write(" | "); o.markdownCell(f.message); o.write(" |\n")
            }
            o.write("\n")
        }
        if !r.waived.isEmpty {
            o.write("Waived: \(r.waivedCount) finding\(r.waivedCount == 1 ? "" : "s"), not counted above.\n\n| rule | findings | reason | expires |\n|---|---:|---|---|\n")
            for w in r.waived {
                o.write("| "); o.markdownCell(w.rule); o.write(" | \(w.count) | "); o.markdownCell(w.reason); o.write(" | "); o.markdownCell(w.expires ?? ""); o.write(" |\n")
            }
            o.write("\n")
        }
        r.notEvaluated.writeMarkdown(&o)
        o.write("<details><summary>Run</summary>\n\n")
        o.write("- dcmaudit "); o.markdownCell(run.toolVersion); o.write("\n")
        o.write("- started "); o.markdownCell(run.startTime); o.write(", took " + RunInfo.seconds(run.duration(measured: duration)) + " s\n")
        o.write("- command: `"); o.write(ByteOutput.oneLine(r.commandLineText(run).replacingAll("`", with: "'"))); o.write("`\n")
        for p in run.packs {
            o.write("- pack "); o.markdownCell(p.id); o.write(" "); o.markdownCell(p.version); o.write(" sha256:" + p.sha256 + "\n")
        }
        o.write("- patient data: " + (run.showPHI ? "**shown** (--show-phi)" : "redacted") + "\n\n</details>\n")
        out.write(o.bytes)
    }
}

/// A waiver in one line: `waived: 3 findings of RULE — REASON (until …; when …)`.
func waiverLine(_ w: WaivedFindings) -> String {
    var extra: [String] = []
    if let e = w.expires { extra.append("until " + e) }
    if !w.paths.isEmpty { extra.append("paths " + w.paths.joined(separator: ", ")) }
    if let s = w.when { extra.append("when " + s) }
    return "waived: \(w.count) finding\(w.count == 1 ? "" : "s") of \(w.rule) — \(w.reason)" + (extra.isEmpty ? "" : " (" + extra.joined(separator: "; ") + ")")
}

/// A JSON string literal.
func jsonText(_ s: String) -> String {
    var o = ByteOutput(capacity: s.utf8.count + 2)
    o.jsonString(s)
    return String(decoding: o.bytes, as: UTF8.self)
}

/// The words every report uses for an interrupted run.
func incompleteNotice(_ r: CheckReport) -> String {
    "interrupted (Ctrl-C): this report covers \(r.filesChecked) of \(r.files) files"
}
