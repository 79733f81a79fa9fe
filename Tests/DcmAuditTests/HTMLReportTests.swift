import XCTest
import Foundation
@testable import DcmAudit
import DcmData
import DcmDictionary
import DcmRules

/// The HTML report: values that look like markup stay text; a user's
/// template; and, when Chromium is installed, the page loads headless with no
/// console error, renders rows, filters, and opens 100,000 findings.
final class HTMLReportTests: XCTestCase {
    static let payloads = ["<script>alert('dcmaudit-xss-1')</script>", "\"><img src=x onerror=alert('dcmaudit-xss-2')>"]

    /// Three files whose non-patient attributes hold markup; a pack whose
    /// rule title and messages quote them.
    func hostileRun(template: String? = nil) throws -> (html: String, dir: String) {
        let dir = NSTemporaryDirectory() + "dcmaudit-html-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        for (i, p) in HTMLReportTests.payloads.enumerated() {
            var ds = DataSet()
            ds.set(keyword: "SOPClassUID", "1.2.840.10008.5.1.4.1.1.4")
            ds.set(keyword: "SOPInstanceUID", "1.2.826.0.1.3680043.10.1561.88.\(i + 1)")
            ds.set(keyword: "SeriesInstanceUID", "1.2.826.0.1.3680043.10.1561.88.0")
            ds.set(keyword: "Modality", "MR")
            ds.set(keyword: "SeriesDescription", p)
            ds.set(keyword: "Manufacturer", p)
            try DicomWriter.save(try DicomWriter.write(dataSet: ds), to: dir + "/data/x\"><img src=x onerror=alert(\(i))>.dcm")
        }
        try """
        pack: test.html
        version: 1
        rules:
          - id: html.series-description
            title: "<script>alert('dcmaudit-xss-title')</script>"
            check: {SeriesDescription: {equals: safe}}
            message: "description {value} ({Manufacturer}) is not safe"
            reference: "<img src=x onerror=alert('dcmaudit-xss-ref')>"
        """.write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
        var req = CheckRequest(paths: [dir + "/data"])
        req.ruleFiles = [dir + "/p.yaml"]
        req.builtinRules = repoRoot + "/Rules"
        req.output = dir + "/console"
        req.reports = [ReportSpec(format: "html", path: dir + "/r.html")]
        if let template {
            try template.write(toFile: dir + "/t.mustache", atomically: true, encoding: .utf8)
            req.htmlTemplate = dir + "/t.mustache"
        }
        _ = CheckRunner.run(req)
        return (try String(contentsOfFile: dir + "/r.html", encoding: .utf8), dir)
    }

    func testMarkupInValuesIsEscaped() throws {
        let (html, dir) = try hostileRun()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertFalse(html.contains("<script>alert"), "a script payload appears unescaped")
        XCTAssertFalse(html.contains("<img"), "an <img> element")
        XCTAssertFalse(html.contains("\"><img") || html.contains("x\">"), "an attribute breaks out")
        XCTAssertTrue(html.contains("&lt;img src=x onerror=alert(&#39;dcmaudit-xss-ref&#39;)&gt;"), "the reference shown as text")
        // exactly the page's two script elements: the data and the code
        XCTAssertEqual(html.components(separatedBy: "<script").count - 1, 2)
        XCTAssertTrue(html.contains("&lt;script&gt;alert(&#39;dcmaudit-xss-title&#39;)&lt;/script&gt;"), "the title shown as text")
        XCTAssertTrue(html.contains("\\u003cscript\\u003ealert('dcmaudit-xss-1')\\u003c/script\\u003e"), "the value in the data, script-safe")
        // and the data still parses back to the original values
        let start = html.range(of: "<script type=\"application/json\" id=\"dcmaudit-data\">")!.upperBound
        let end = html.range(of: "</script>", range: start..<html.endIndex)!.lowerBound
        let data = try JSONSerialization.jsonObject(with: Data(html[start..<end].utf8)) as! [String: Any]
        let messages = (data["findings"] as! [[Any]]).map { $0[4] as! String }
        XCTAssertEqual(messages.count, 2)
        XCTAssertTrue(messages.contains { $0.contains(HTMLReportTests.payloads[1]) }, "\(messages)")
    }

    func testUserTemplate() throws {
        let (html, dir) = try hostileRun(template: "<h1>{{verdict}} {{files}} files</h1><ul>{{#findings}}<li>{{rule}}: {{message}} in {{file}}</li>{{/findings}}</ul>{{#packs}}{{id}}@{{version}}{{/packs}}")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertTrue(html.hasPrefix("<h1>failed 2 files</h1><ul><li>html.series-description: description &lt;script&gt;"), html)
        XCTAssertFalse(html.contains("<img") || html.contains("<script"), html)
        XCTAssertTrue(html.hasSuffix("test.html@1"), html)
    }

    /// The data blob is written in pieces where the template puts it once,
    /// and made whole where it is in several places: the same data either
    /// way, and a value that holds the text of a placeholder stays a value.
    func testDataOnceOrTwice() throws {
        func blobs(_ html: String) throws -> [[String: Any]] {
            try html.components(separatedBy: "<data>").dropFirst().map { part in
                let json = part.components(separatedBy: "</data>")[0]
                return try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
            }
        }
        let (once, d1) = try hostileRun(template: "<data>{{{data}}}</data>{{files}}")
        defer { try? FileManager.default.removeItem(atPath: d1) }
        let (twice, d2) = try hostileRun(template: "<data>{{{data}}}</data><data>{{{data}}}</data>")
        defer { try? FileManager.default.removeItem(atPath: d2) }
        let a = try blobs(once), b = try blobs(twice)
        XCTAssertEqual(a.count, 1); XCTAssertEqual(b.count, 2)
        XCTAssertTrue(once.hasSuffix("</data>2"), once)
        for x in [a[0], b[0], b[1]] {
            XCTAssertEqual((x["findings"] as! [[Any]]).count, 2)
            XCTAssertEqual((x["files"] as! [String]).count, 2)
        }
        XCTAssertEqual(String(decoding: try JSONSerialization.data(withJSONObject: a[0]["findings"]!), as: UTF8.self),
                       String(decoding: try JSONSerialization.data(withJSONObject: b[1]["findings"]!), as: UTF8.self))
        XCTAssertFalse(once.contains("dcmaudit-data-"), "the placeholder left in the page")
        // `{{data}}` asks for it escaped (an attribute's value): never the raw blob there
        let (escaped, d3) = try hostileRun(template: "<div title=\"{{data}}\"></div>")
        defer { try? FileManager.default.removeItem(atPath: d3) }
        XCTAssertEqual(escaped.filter { $0 == "\"" }.count, 2, escaped)
        XCTAssertTrue(escaped.contains("&quot;findings&quot;"), escaped)
    }

    func testBadTemplateExits2() throws {
        var req = CheckRequest(paths: [repoRoot + "/Fixtures/demo/DEMO003"])
        req.builtinRules = repoRoot + "/Rules"
        let dir = NSTemporaryDirectory() + "dcmaudit-badtpl-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "{{#open}} never closed".write(toFile: dir + "/t.mustache", atomically: true, encoding: .utf8)
        req.htmlTemplate = dir + "/t.mustache"
        req.output = dir + "/console"
        req.reports = [ReportSpec(format: "html", path: dir + "/r.html")]
        XCTAssertEqual(CheckRunner.run(req), 2)
        req.htmlTemplate = dir + "/missing.mustache"
        XCTAssertEqual(CheckRunner.run(req), 2)
        // a directory given as the template (it was read as an empty
        // template: an empty r.html, exit 0), said with the reason
        req.htmlTemplate = dir
        XCTAssertEqual(CheckRunner.run(req), 2)
        guard case .failure(let e) = HTMLReport.readFile(dir) else { return XCTFail("a directory read as a template") }
        XCTAssertEqual(String(cString: strerror(e.code)), "Is a directory")
    }

    // MARK: headless Chromium

    static var chromium: String? {
        for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"] where FileManager.default.isExecutableFile(atPath: p) { return p }
        return nil
    }

    /// Loads a page headless; returns the DOM after scripts ran, the console
    /// lines, and the time taken.
    func browse(_ path: String, hash: String = "") throws -> (dom: String, console: [String], seconds: Double) {
        guard let chromium = HTMLReportTests.chromium else { throw XCTSkip("Chromium not installed (Scripts/install-deps.sh installs it)") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chromium)
        let profile = NSTemporaryDirectory() + "dcmaudit-chromium-\(getpid())"
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=" + profile,
                       "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--dump-dom", "file://" + path + hash]
        let o = Pipe()
        let errPath = profile + ".stderr"
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        p.standardOutput = o; p.standardError = FileHandle(forWritingAtPath: errPath)
        let t0 = Date()
        try p.run()
        let out = o.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let errBytes = FileManager.default.contents(atPath: errPath) ?? Data()
        let secs = Date().timeIntervalSince(t0)
        try? FileManager.default.removeItem(atPath: profile)
        let console = String(decoding: errBytes, as: UTF8.self).split(separator: "\n").map(String.init).filter { $0.contains("CONSOLE") || $0.contains("Uncaught") }
        return (String(decoding: out, as: UTF8.self), console, secs)
    }

    func testOpensInHeadlessChromiumWithoutErrors() throws {
        guard HTMLReportTests.chromium != nil else { throw XCTSkip("Chromium not installed") }
        let (_, o, dir) = try ReportTests.runAll(CheckRequest.demoRequest(), formats: ["html"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertFalse(o["html"]!.isEmpty)
        let page = dir + "/report.html"
        let all = try browse(page)
        XCTAssertEqual(all.console, [], "console messages")
        XCTAssertEqual(all.dom.components(separatedBy: "<tr class=\"group\">").count - 1, 6, "one group row per rule with findings")
        XCTAssertTrue(all.dom.contains("1–18 of 18 findings"), String(all.dom.suffix(3000)))
        // compliance: per scanner (10 on the demo) and the 7 series with errors or warnings, as CSS bars
        func rows(_ id: String) -> Int {
            guard let r = all.dom.range(of: "<table id=\"\(id)\">"), let end = all.dom[r.upperBound...].range(of: "</table>") else { return -1 }
            return all.dom[r.upperBound..<end.lowerBound].components(separatedBy: "<tr>").count - 2   // minus the head row
        }
        XCTAssertEqual(rows("compliance-scanners"), 10)
        XCTAssertEqual(rows("compliance-series"), 7)
        XCTAssertTrue(all.dom.contains("<td>GE MEDICAL SYSTEMS</td><td>SIGNA Premier</td>"))
        XCTAssertTrue(all.dom.contains("<span class=\"b-error\" style=\"width:25.0%\"></span><span class=\"b-warning\" style=\"width:9.1%\"></span><span class=\"b-clean\" style=\"width:65.9%\"></span>"), "files 11 / 4 / 29")
        // filtering: by severity, by rule, by search text
        XCTAssertTrue(try browse(page, hash: "#severity=warning").dom.contains("1–4 of 4 findings"))
        XCTAssertTrue(try browse(page, hash: "#rule=geometry.pixel-spacing&group=series").dom.contains("1–10 of 10 findings"))
        XCTAssertTrue(try browse(page, hash: "#q=35000").dom.contains("1–1 of 1 findings"))
        // hostile values: shown as text, never run
        let (html, hdir) = try hostileRun()
        defer { try? FileManager.default.removeItem(atPath: hdir) }
        _ = html
        let hostile = try browse(hdir + "/r.html")
        XCTAssertEqual(hostile.console, [], "console messages (an alert() or an error)")
        XCTAssertFalse(hostile.dom.contains("<img"), "an <img> element was created")
        XCTAssertTrue(hostile.dom.contains("&lt;script&gt;alert('dcmaudit-xss-1')&lt;/script&gt;"), "the value shown as text")
    }

    /// The rows past the buffer's limit wait in a temporary file and come
    /// back in 1 MiB pieces, rows cut across them: the page is the one made
    /// with every row in memory, and with the rows' file unreadable it is still
    /// a page (valid JSON, the rows read).
    func testRowsSpilledToAFileMakeTheSamePage() throws {
        let report = HTMLReportTests.syntheticReport(12_000)
        let info = ReportTests.fixedInfo(RuleSet(packs: report.packs), commandLine: ["dcmaudit", "check"])
        let dir = NSTemporaryDirectory() + "dcmaudit-htmlspill-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func page(limit: Int?) throws -> Data {
            let out = ReportOutput(path: dir + "/p.html")!
            let r = try HTMLReport(run: info, options: ReporterOptions(), out: out)
            if let limit { r.rows = SpillBuffer(limit: limit) }
            var i = 0
            while i < report.findings.count { r.add(Array(report.findings[i..<min(i + 7, report.findings.count)])); i += 7 }
            r.finish(report, duration: 0)
            out.close()
            return try Data(contentsOf: URL(fileURLWithPath: dir + "/p.html"))
        }
        let whole = try page(limit: nil), spilled = try page(limit: 1000)
        XCTAssertGreaterThan(whole.count, 2 << 20, "rows over two read-back pieces")
        XCTAssertEqual(whole, spilled)
    }

    /// 100,000 findings: the page renders its first page quickly (measured
    /// figures in docs/reports.md).
    func testHundredThousandFindings() throws {
        guard HTMLReportTests.chromium != nil else { throw XCTSkip("Chromium not installed") }
        guard ProcessInfo.processInfo.environment["DCMAUDIT_HEAVY"] == "1" else { throw XCTSkip("set DCMAUDIT_HEAVY=1 (Scripts/test-heavy.sh) for the 100,000-finding page") }
        let dir = NSTemporaryDirectory() + "dcmaudit-html100k-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (report, t0) = (HTMLReportTests.syntheticReport(100_000), Date())
        let out = ReportOutput(path: dir + "/big.html")!
        let info = ReportTests.fixedInfo(RuleSet(packs: report.packs), commandLine: ["dcmaudit", "check"])
        let r = try HTMLReport(run: info, options: ReporterOptions(), out: out)
        r.add(report.findings)
        r.finish(report, duration: 0)
        out.close()
        let writeSeconds = Date().timeIntervalSince(t0)
        let size = (try FileManager.default.attributesOfItem(atPath: dir + "/big.html")[.size] as? Int) ?? 0
        if let keep = ProcessInfo.processInfo.environment["DCMAUDIT_KEEP_HTML"] { try? FileManager.default.copyItem(atPath: dir + "/big.html", toPath: keep) }
        let b = try browse(dir + "/big.html")
        let ready = b.dom.range(of: "data-ready-ms=\"").map { r in Int(b.dom[r.upperBound...].prefix { $0.isNumber }) ?? -1 } ?? -1
        print("html 100k: written in \(String(format: "%.2f", writeSeconds)) s, \(size / 1_000_000) MB; first page of findings \(ready) ms after navigation; headless Chromium run in all \(String(format: "%.2f", b.seconds)) s")
        XCTAssertEqual(b.console, [])
        XCTAssertTrue(b.dom.contains("1–100 of 100000 findings"))
        XCTAssertGreaterThan(ready, 0)
        XCTAssertLessThan(ready, 10_000)
    }

    static func syntheticReport(_ n: Int) -> CheckReport {
        var findings: [Finding] = []
        findings.reserveCapacity(n)
        let rules = (0..<20).map { "synthetic.rule-\($0)" }
        for i in 0..<n {
            let sev: Severity = i % 7 == 0 ? .error : i % 3 == 0 ? .warning : .info
            findings.append(Finding(ruleID: rules[i % 20], packID: "synthetic", severity: sev, level: .instance,
                                    message: "RepetitionTime \(i) outside [300, 12000]", because: "Modality == MR and RepetitionTime \(i) > 12000",
                                    file: "/data/study\(i / 1000)/series\(i / 100)/IM\(i).dcm", attribute: "RepetitionTime", observed: "\(i)",
                                    expected: "[300, 12000]", sopInstanceUID: "1.2.3.\(i)", seriesInstanceUID: "1.2.3.\(i / 100)",
                                    studyInstanceUID: "1.2.\(i / 1000)", modality: i % 2 == 0 ? "MR" : "CT"))
        }
        var sev: [Severity: Int] = [:]
        for f in findings { sev[f.severity, default: 0] += 1 }
        let summaries = rules.map { RuleSummary(id: $0, packID: "synthetic", title: nil, severity: .error, level: .instance,
                                                counts: OutcomeCounts(), findings: n / 20) }
        var r = CheckReport(paths: ["/data"], files: n, unreadable: 0, packs: [], rules: summaries, findings: findings,
                            severityCounts: sev, failOn: .error)
        r.series = n / 100; r.studies = n / 1000; r.modalities = ["MR": n / 2, "CT": n / 2]
        // compliance: one file per finding, 1,000 series, 40 scanners
        let tally = ComplianceTally(showPHI: false)
        for f in findings {
            let i = Int(f.observed!)!
            tally.add(scanner: ["Vendor \(i % 4)", "Model \(i % 10)", "STATION\(i % 40)", "VE\(i % 3)"], series: f.seriesInstanceUID,
                      modality: f.modality, worst: f.severity)
        }
        r.compliance = tally.finish()
        return r
    }
}

extension CheckRequest {
    static func demoRequest() -> CheckRequest {
        var r = CheckRequest(paths: [repoRoot + "/Fixtures/demo"])
        r.ruleFiles = [repoRoot + "/Rules/examples/example.ct-mr.yaml"]
        r.builtinRules = repoRoot + "/Rules"
        r.jobs = 2
        return r
    }
}
