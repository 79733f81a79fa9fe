#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DcmRules
import Mustache

/// `html`: one self-contained page (no network, no external asset): summary
/// cards, a findings-per-rule chart (inline SVG), the rules with their
/// outcome counts and explanations, and the findings — filtered by severity,
/// pack, rule and modality, searched, sorted, grouped by rule / series / file,
/// 100 rows a page — rendered by the page's script from an embedded JSON blob,
/// so 100,000 findings stay usable. Rendered with swift-mustache from the
/// built-in template or `--html-template FILE`.
public final class HTMLReport: Reporter {
    public static let format = "html"
    public static let summary = "one self-contained HTML page: summary, chart, rules, filterable findings"
    public static let chartBars = 25
    /// Waived findings listed per waiver in the page (all of them are in the JSON report).
    public static let waivedListed = 500

    let out: ReportSink
    let run: RunInfo
    let template: MustacheTemplate
    let wantsFindingList: Bool
    /// Whether the template puts the data once, as it is (`finish` writes it in pieces there).
    let streamsData: Bool
    // the findings, compactly: strings interned
    var files: [String] = [], fileIndex: [String: Int] = [:]
    var series: [String] = [], seriesIndex: [String: Int] = [:]
    var kept: [Finding] = []

    public struct TemplateError: Error, CustomStringConvertible {
        public var description: String
    }

    public init(run: RunInfo, options: ReporterOptions, out: ReportSink) throws {
        self.out = out; self.run = run
        var text = HTMLTemplate.builtin.replacingOccurrences(of: ProtocolTables.htmlMarker, with: ProtocolTables.htmlSection)
        if let path = options.htmlTemplate {
            let t: String
            switch HTMLReport.readFile(path) {
            case .success(let s): t = s
            case .failure(let e): throw TemplateError(description: "\(path): error: cannot read the HTML template: \(String(cString: strerror(e.code)))")
            }
            text = t
        }
        do { template = try MustacheTemplate(string: text) }
        catch let e as MustacheTemplate.ParserError {
            throw TemplateError(description: "\(options.htmlTemplate ?? "built-in HTML template"):\(e.context.lineNumber):\(e.context.columnNumber): error: invalid mustache template: \(e.error)")
        } catch {
            throw TemplateError(description: "\(options.htmlTemplate ?? "built-in HTML template"): error: invalid mustache template: \(error)")
        }
        wantsFindingList = options.htmlTemplate != nil && text.contains("findings")
        // the data written in pieces only where the template puts it once, as
        // it is (`{{{data}}}`): `{{data}}` escapes it, a section iterates it
        let references = text.ranges(of: try! Regex(#"\{\{[{&#^/]?\s*data\s*\}?\}\}"#)).count
        streamsData = references == 1 && text.ranges(of: "{{{data}}}").count == 1
    }

    struct ReadError: Error { var code: Int32 }

    /// The file's text, or the errno. A read that fails part-way (a
    /// directory opens, then reads fail with EISDIR) is a failure: it was
    /// an empty template, and an empty report with exit 0.
    static func readFile(_ path: String) -> Result<String, ReadError> {
        guard let f = fopen(path, "rb") else { return .failure(ReadError(code: errno)) }
        defer { fclose(f) }
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true { let n = fread(&buf, 1, buf.count, f); if n <= 0 { break }; data += buf[0..<n] }
        if ferror(f) != 0 { return .failure(ReadError(code: errno)) }
        return .success(String(decoding: data, as: UTF8.self))
    }

    /// The embedded findings as they come, not the findings (344,000 of them
    /// held 417 MiB): each row's bytes after its rule's index (`rowBytes`),
    /// script-safe (`scriptSafe`), where each row ends, and its rule as an
    /// index of `localRules` — the blob's rule list is the run's, known at the end.
    /// The rows past 4 MiB wait in an unlinked temporary file (`SpillBuffer`,
    /// as the CSV report's): held in memory they were 95 MB of a 266 MiB
    /// peak with every pack on 10,000 identified files (now 153 MiB).
    var rows = SpillBuffer()
    var rowEnds: [Int] = []
    var rowRules: [Int32] = []
    var localRules: [String] = [], localRuleIndex: [String: Int32] = [:]
    var scratch = ByteOutput(capacity: 1024)

    public func add(_ batch: [Finding]) {
        if wantsFindingList { kept += batch }
        for f in batch {
            let li: Int32
            if let i = localRuleIndex[f.ruleID] { li = i } else {
                li = Int32(localRules.count); localRules.append(f.ruleID); localRuleIndex[f.ruleID] = li
            }
            rowRules.append(li)
            scratch.bytes.removeAll(keepingCapacity: true)
            rowBytes(f, into: &scratch)
            HTMLReport.scriptSafe(scratch.bytes, into: &rows.out)
            rowEnds.append(rows.count)
        }
        rows.spillIfFull()
    }

    func intern(_ s: String?, _ list: inout [String], _ index: inout [String: Int]) -> Int {
        guard let s else { return -1 }
        if let i = index[s] { return i }
        list.append(s); index[s] = list.count - 1
        return list.count - 1
    }

    /// A finding's row of the blob after its rule's index:
    /// `,severity,file,attribute,message,observed,expected,because,series,modality]`.
    func rowBytes(_ f: Finding, into o: inout ByteOutput) {
        o.write(",\(f.severity == .error ? 0 : f.severity == .warning ? 1 : 2),\(intern(f.file, &files, &fileIndex)),")
        func s(_ v: String?) { if let v { o.jsonString(v) } else { o.write("null") } }
        s(f.attribute); o.write(","); s(f.message); o.write(","); s(f.observed); o.write(","); s(f.expected); o.write(",")
        s(f.because == f.message ? nil : f.because); o.write(",\(intern(f.seriesInstanceUID, &series, &seriesIndex)),"); s(f.modality)
        o.write("]")
    }

    /// JSON bytes made safe inside `<script>`: nothing in the blob may close
    /// the script element (`<`, `>`, `&` as `\u` escapes).
    static func scriptSafe(_ b: [UInt8], into o: inout ByteOutput) {
        var start = 0
        for i in 0..<b.count {
            let c = b[i]
            guard c == 0x3C || c == 0x3E || c == 0x26 else { continue }
            o.bytes.append(contentsOf: b[start..<i])
            o.write(c == 0x3C ? "\\u003c" : c == 0x3E ? "\\u003e" : "\\u0026")
            start = i + 1
        }
        o.bytes.append(contentsOf: b[start...])
    }

    /// The embedded data, JSON safe inside `<script>`, in pieces of about
    /// 1 MiB given to `emit` in order (a large run's blob is never one string).
    func dataBlob(_ rules: [RuleInfo], _ emit: ([UInt8]) -> Void) {
        var ruleIndex: [String: Int] = [:]
        for (i, x) in rules.enumerated() where ruleIndex[x.id] == nil { ruleIndex[x.id] = i }
        var o = ByteOutput(capacity: 1 << 20 + 4096)
        var plain = ByteOutput(capacity: 4096)
        func flush() { emit(o.bytes); o.bytes.removeAll(keepingCapacity: true) }
        func safe() { HTMLReport.scriptSafe(plain.bytes, into: &o); plain.bytes.removeAll(keepingCapacity: true) }
        plain.write("{\"rules\": [")
        for (i, x) in rules.enumerated() {
            if i > 0 { plain.write(",") }
            plain.write("{\"id\":"); plain.jsonString(x.id); plain.write(",\"pack\":"); plain.jsonString(x.pack); plain.write("}")
        }
        plain.write("],\n\"findings\": [")
        safe()
        let final = localRules.map { Int32(ruleIndex[$0] ?? 0) }
        // the rows as the buffer gives them back, in pieces: a row cut by a
        // piece's end waits in `carry` for the rest
        var k = 0, base = 0
        var carry: [UInt8] = []
        rows.drain({ piece in
            let end = base + piece.count
            var from = 0
            while k < rowEnds.count && rowEnds[k] <= end {
                let to = rowEnds[k] - base
                o.write(k == 0 ? "\n[" : ",\n[")
                o.write(String(final[Int(rowRules[k])]))
                if !carry.isEmpty { o.bytes += carry; carry.removeAll(keepingCapacity: true) }
                o.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: piece[from..<to]))
                from = to; k += 1
                if o.bytes.count >= 1 << 20 { flush() }
            }
            carry.append(contentsOf: UnsafeBufferPointer(rebasing: piece[from...]))
            base = end
        }, readFailed: {
            // (the blob stays valid JSON, with the rows read; said on stderr:
            // the page has no place for it)
            fputs("dcmaudit: the HTML report's findings could not be read back from its temporary file: the page lists the first \(k) of \(rowEnds.count)\n", stderr)
            rowEnds.removeSubrange(k...)
        })
        plain.write("],\n\"files\": [")
        for (i, x) in files.enumerated() { if i > 0 { plain.write(",\n") }; plain.jsonString(x) }
        plain.write("],\n\"series\": [")
        for (i, x) in series.enumerated() { if i > 0 { plain.write(",\n") }; plain.jsonString(x) }
        plain.write("]}")
        safe()
        flush()
    }

    /// The template's context (documented in docs/reports.md).
    func context(_ r: CheckReport, duration: Double) -> [String: Any] {
        let rules = RuleInfo.all(r)
        let c = r.severityCounts
        var ctx: [String: Any] = [
            "toolVersion": run.toolVersion, "startTime": run.startTime,
            "duration": RunInfo.seconds(run.duration(measured: duration)), "commandLine": r.commandLineText(run),
            "phiShown": run.showPHI, "phiNotice": phiShownNotice,
            "incomplete": r.incomplete, "incompleteNotice": incompleteNotice(r),
            "verdict": r.exitCode == 0 ? "passed" : "failed", "verdictClass": r.exitCode == 0 ? "info" : "error",
            "failOn": r.failOn.rawValue, "files": r.files, "series": r.series, "studies": r.studies, "unreadable": r.unreadable, "notDicom": r.notDicom,
            "findingCount": r.findingCount, "errors": c[.error] ?? 0, "warnings": c[.warning] ?? 0, "infos": c[.info] ?? 0,
            "exitCode": Int(r.exitCode),
        ]
        var perPack: [String: OutcomeCounts] = [:], findingsPerPack: [String: Int] = [:]
        for s in r.rules { perPack[s.packID, default: OutcomeCounts()].add(s.counts); findingsPerPack[s.packID, default: 0] += s.findings }
        ctx["packs"] = run.packs.map { p -> [String: Any] in
            let c = perPack[p.id] ?? OutcomeCounts()
            return ["id": p.id, "version": p.version, "path": p.path, "sha256": p.sha256, "pass": c.pass, "fail": c.fail,
                    "notApplicable": c.notApplicable, "notEvaluated": c.notEvaluated, "findings": findingsPerPack[p.id] ?? 0]
        }
        let summaries = Dictionary(r.rules.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        ctx["rules"] = rules.map { x -> [String: Any] in
            let s = summaries[x.id]
            let counts = s?.counts ?? OutcomeCounts()
            return ["id": x.id, "pack": x.pack, "title": x.title ?? "", "severity": x.severity.rawValue, "level": x.level.rawValue,
                    "pass": counts.pass, "fail": counts.fail, "notApplicable": counts.notApplicable, "notEvaluated": counts.notEvaluated,
                    "findings": s?.findings ?? 0, "hasFindings": (s?.findings ?? 0) > 0, "help": x.help]
        }
        ctx["modalities"] = r.modalities.keys.sorted().map { ["name": $0, "count": r.modalities[$0]!] as [String: Any] }
        // the chart: the rules with most findings
        let top = r.rules.filter { $0.findings > 0 }.sorted { $0.findings != $1.findings ? $0.findings > $1.findings : $0.id < $1.id }.prefix(HTMLReport.chartBars)
        if let most = top.first?.findings {
            let labelWidth = 260, barMax = 420
            var bars: [[String: Any]] = []
            for (i, s) in top.enumerated() {
                let y = 4 + i * 20
                let w = max(1, s.findings * barMax / most)
                bars.append(["label": s.id, "count": s.findings, "severity": s.severity.rawValue, "x": labelWidth, "y": y,
                             "barWidth": w, "countX": labelWidth + w + 6, "textY": y + 12])
            }
            ctx["chart"] = ["width": labelWidth + barMax + 80, "height": 8 + top.count * 20, "bars": bars] as [String: Any]
        }
        ctx["compliance"] = HTMLReport.complianceContext(r.compliance)
        ctx["waivedCount"] = r.waivedCount
        ctx["hasWaivers"] = !r.waived.isEmpty
        ctx["waivers"] = r.waived.map { w -> [String: Any] in
            var scope: [String] = []
            if !w.paths.isEmpty { scope.append("paths " + w.paths.joined(separator: ", ")) }
            if let s = w.when { scope.append("when " + s) }
            return ["rule": w.rule, "reason": w.reason, "expires": w.expires ?? "", "scope": scope.isEmpty ? "every file" : scope.joined(separator: "; "),
                    "count": w.count, "hasFindings": w.count > 0, "more": max(0, w.count - HTMLReport.waivedListed), "hasMore": w.count > HTMLReport.waivedListed,
                    "findings": w.findings.prefix(HTMLReport.waivedListed).map { f -> [String: Any] in
                        ["severity": f.severity.rawValue, "file": f.file ?? "(\(f.level.rawValue))", "message": f.message, "attribute": f.attribute ?? ""]
                    }]
        }
        ctx["notEvaluated"] = r.notEvaluated.htmlContext   // rules not evaluated (NotEvaluatedReports.swift)
        ctx["hasNotEvaluated"] = !r.notEvaluated.isEmpty
        ctx["protocols"] = ProtocolTables.htmlContext(r.protocols)   // protocol compliance section (ProtocolReport.swift)
        ctx["data"] = dataMarker
        if wantsFindingList {
            ctx["findings"] = kept.map { f -> [String: Any] in
                ["rule": f.ruleID, "pack": f.packID, "severity": f.severity.rawValue, "level": f.level.rawValue, "message": f.message,
                 "file": f.file ?? "", "attribute": f.attribute ?? "", "observed": f.observed ?? "", "expected": f.expected ?? "",
                 "because": f.because ?? "", "modality": f.modality ?? "", "seriesInstanceUID": f.seriesInstanceUID ?? ""]
            }
        }
        return ctx
    }

    /// Series listed in the compliance section (the worst first); every
    /// series is counted in its bar, and the findings can be grouped by series.
    public static let complianceSeriesListed = 200

    /// A stacked bar's parts: counts and widths in percent.
    static func bar(_ c: ComplianceCounts) -> [String: Any] {
        func pct(_ n: Int) -> String {
            guard c.total > 0 else { return "0" }
            let tenths = (n * 1000 + c.total / 2) / c.total
            return "\(tenths / 10).\(tenths % 10)"
        }
        return ["errors": c.errors, "warnings": c.warnings, "clean": c.clean, "total": c.total,
                "errorsPct": pct(c.errors), "warningsPct": pct(c.warnings), "cleanPct": pct(c.clean)]
    }

    /// The compliance section's context: over all, per scanner, and the
    /// series with errors or warnings (documented in docs/reports.md).
    static func complianceContext(_ c: Compliance) -> [String: Any] {
        let order: (SeriesCompliance) -> Int = { $0.worst == .error ? 0 : $0.worst == .warning ? 1 : 2 }
        let bad = c.seriesList.enumerated().filter { $0.element.worst == .error || $0.element.worst == .warning }
            .sorted { a, b in
                let (x, y) = (a.element, b.element)
                if order(x) != order(y) { return order(x) < order(y) }
                if x.files.errors != y.files.errors { return x.files.errors > y.files.errors }
                if x.files.warnings != y.files.warnings { return x.files.warnings > y.files.warnings }
                return a.offset < b.offset
            }
        let listed = bad.prefix(complianceSeriesListed).map { _, s -> [String: Any] in
            ["uid": s.uid, "modality": s.modality, "scanner": c.scanners[s.scanner].label, "worst": s.worst?.rawValue ?? "clean",
             "files": bar(s.files)]
        }
        return ["files": bar(c.files), "series": bar(c.series), "hasFiles": c.files.total > 0,
                "scanners": c.scanners.map { s -> [String: Any] in
                    ["label": s.label, "manufacturer": s.manufacturer, "model": s.model, "station": s.station,
                     "softwareVersions": s.softwareVersions, "files": bar(s.files), "series": bar(s.series)]
                },
                "problemSeries": listed, "problemSeriesCount": bad.count,
                "moreSeries": max(0, bad.count - listed.count), "hasMoreSeries": bad.count > listed.count]
    }

    /// Where the template puts the data (`{{{data}}}`): a word no value can
    /// hold by chance, the blob written there in pieces (`dataBlob`).
    let dataMarker = "dcmaudit-data-" + (0..<4).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16) }.joined()

    public func finish(_ r: CheckReport, duration: Double) {
        var html = Array(template.render(context(r, duration: duration)).utf8)
        // the template's values are HTML-escaped; their control characters
        // (a file name's or the command line's ESC) are U+FFFD, as in JUnit
        html = ByteOutput.controlsReplaced(utf8: html) ?? html
        let marker = Array(dataMarker.utf8)
        let at = HTMLReport.occurrences(of: marker, in: html)
        let rules = RuleInfo.all(r)
        if streamsData && at.count == 1 {
            out.write(Array(html[..<at[0]]))
            dataBlob(rules) { out.write(ByteOutput.controlsReplaced(utf8: $0) ?? $0) }
            out.write(Array(html[(at[0] + marker.count)...]))
        } else {
            // (a template with the data in several places, escaped or in a
            // section, or none: the blob made whole, as the template asks)
            var blob: [UInt8] = []
            dataBlob(rules) { blob += $0 }
            var ctx = context(r, duration: duration)
            ctx["data"] = String(decoding: blob, as: UTF8.self)
            let page = Array(template.render(ctx).utf8)
            out.write(ByteOutput.controlsReplaced(utf8: page) ?? page)
        }
    }

    /// The offsets of `needle` in `h`.
    static func occurrences(of needle: [UInt8], in h: [UInt8]) -> [Int] {
        var out: [Int] = []
        var i = 0
        while i + needle.count <= h.count {
            if h[i] == needle[0] && h[i..<(i + needle.count)].elementsEqual(needle) { out.append(i); i += needle.count } else { i += 1 }
        }
        return out
    }
}
