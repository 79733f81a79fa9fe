import XCTest
import Foundation
@testable import DcmAudit
import DcmRules
import DcmData
import DcmDictionary

let repoRoot: String = {
    var p = #filePath
    for _ in 0..<3 { p = String(p[..<p.lastIndex(of: "/")!]) }
    return p
}()

/// Compares `actual` with `Tests/DcmAuditTests/Golden/NAME`; with
/// DCMAUDIT_RECORD=1 (or DCMAUDIT_RECORD_GOLDENS=1) writes it instead, for
/// the diff to be reviewed in git.
func assertGolden(_ name: String, _ actual: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let path = repoRoot + "/Tests/DcmAuditTests/Golden/" + name
    let env = ProcessInfo.processInfo.environment
    if env["DCMAUDIT_RECORD"] == "1" || env["DCMAUDIT_RECORD_GOLDENS"] == "1" {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try actual.write(toFile: path, atomically: true, encoding: .utf8)
        return
    }
    let expected = try String(contentsOfFile: path, encoding: .utf8)
    if expected != actual {
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false), a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let i = Array(zip(e, a)).firstIndex { $0.0 != $0.1 } ?? min(e.count, a.count)
        XCTFail("\(name) differs at line \(i + 1):\n  expected: \(i < e.count ? e[i] : "<end>")\n  actual:   \(i < a.count ? a[i] : "<end>")\n(DCMAUDIT_RECORD_GOLDENS=1 re-records)", file: file, line: line)
    }
}

/// `dcmaudit check` end to end on the demo fixtures: the golden JSON report
/// (re-record with DCMAUDIT_RECORD=1 and review the diff), the JSON schema,
/// exit codes, pack errors, unreadable files.
final class CheckTests: XCTestCase {
    let demo = ["DEMO001", "DEMO002", "DEMO003"].map { repoRoot + "/Fixtures/demo/" + $0 }

    /// A new directory under the temporary directory, named after `name` and the process.
    func scratchDirectory(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "dcmaudit-\(name)-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func request(_ paths: [String], rules: [String] = [], packs: [String] = []) -> CheckRequest {
        var r = CheckRequest(paths: paths)
        r.ruleFiles = rules
        r.packIDs = packs
        r.builtinRules = repoRoot + "/Rules"
        r.jobs = 2
        return r
    }

    func json(_ report: CheckReport) -> String {
        var o = ByteOutput()
        JSONReporter.write(report, into: &o)
        return String(decoding: o.bytes, as: UTF8.self)
    }

    /// Paths and the version as placeholders (DESIGN.md item 9).
    func normalised(_ s: String) -> String {
        s.replacingOccurrences(of: repoRoot + "/", with: "<repo>/")
            .replacingOccurrences(of: "\"version\": \"\(dcmauditVersion)\"", with: "\"version\": \"<version>\"")
    }

    func golden(_ name: String, _ actual: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try assertGolden(name, actual, file: file, line: line)
    }

    func testExamplePackOnDemoGolden() throws {
        let req = request(demo, rules: [repoRoot + "/Rules/examples/example.ct-mr.yaml"])
        let report = CheckRunner.evaluate(req, rules: try CheckRunner.loadRules(req))
        // the planted defects of Fixtures/demo/README.md
        let ids = Set(report.findings.map(\.ruleID))
        XCTAssertEqual(ids, ["core.patient-id", "mr.tr-range", "geometry.pixel-spacing", "series.geometry", "dataset.unique-sop"])
        XCTAssertTrue(report.findings.contains { $0.ruleID == "mr.tr-range" && $0.observed == "35000" })
        XCTAssertEqual(report.exitCode, 1)
        let text = json(report)
        try golden("example.ct-mr.demo.json", normalised(text))
        try SchemaValidator.validate(text, schemaPath: repoRoot + "/docs/schema/check-report.schema.json")
    }

    func testDefaultPacksOnDemo() throws {
        let req = request(demo)
        let report = CheckRunner.evaluate(req, rules: try CheckRunner.loadRules(req))
        XCTAssertEqual(report.packs.map(\.id), ["dicom.core", "dicom.encoding"])
        XCTAssertEqual(report.findings.map(\.ruleID), ["dicom.patient-id", "dicom.dates"])
        // the patient's folder (DEMO001 is the PatientID) is redacted (docs/reports.md, patient data in paths)
        XCTAssertEqual(report.findings.first?.file, repoRoot + "/Fixtures/demo/" + Redaction.redact("DEMO001") + "/CT_CHEST_20240305/S001_TOPOGRAM/IM0001.dcm")
        var o = ByteOutput()
        TextReporter(grouping: .file, report: report).write(report, into: &o)
        try golden("default.demo.txt", normalised(String(decoding: o.bytes, as: UTF8.self)))
        try SchemaValidator.validate(json(report), schemaPath: repoRoot + "/docs/schema/check-report.schema.json")
    }

    /// The console table lists the rules that applied to some file; the
    /// thousands of `dicom.iod` rules of other IODs are only counted.
    func testTextTableLeavesOutRulesThatAppliedToNoFile() throws {
        let req = request([repoRoot + "/Fixtures/iod/CT.dcm"], packs: ["dicom.iod"])
        let report = CheckRunner.evaluate(req, rules: try CheckRunner.loadRules(req))
        var o = ByteOutput()
        TextReporter(grouping: .file, report: report).write(report, into: &o)
        let text = String(decoding: o.bytes, as: UTF8.self)
        let listed = report.rules.filter { $0.counts.pass + $0.counts.fail + $0.counts.notEvaluated > 0 }
        XCTAssertGreaterThan(listed.count, 5)
        XCTAssertLessThan(listed.count, report.rules.count / 10)
        XCTAssertTrue(text.contains("\n" + listed[0].id + " "), "a rule that applied is listed")
        XCTAssertFalse(text.contains("iod.enhanced-mr-image."), "a rule of another IOD is not listed")
        XCTAssertTrue(text.contains("(\(report.rules.count - listed.count) rules applied to no file: not listed)"))
    }

    /// `--format summary`: the per-rule table alone — rules with findings
    /// first, by count, then the ones not evaluated — with no finding line.
    func testSummaryFormatListsRulesWithFindingsFirstAndNoFindingLine() throws {
        let mr = repoRoot + "/Fixtures/demo/DEMO001/MR_BRAIN_20240410/S002_T1_MPRAGE/IM0004.dcm"
        let req = request([repoRoot + "/Fixtures/demo", mr], packs: ["dicom.core", "dicom.iod", "dicom.deid-basic"])
        let report = CheckRunner.evaluate(req, rules: try CheckRunner.loadRules(req))
        let sink = MemorySink()
        let r = SummaryReport(run: RunInfo(commandLine: ["dcmaudit"], startEpoch: 0, packs: [], showPHI: false), options: ReporterOptions(), out: sink)
        r.add(report.findings)
        r.finish(report, duration: 0)
        let lines = sink.text.split(separator: "\n").map(String.init)
        XCTAssertFalse(report.findings.isEmpty)
        for f in report.findings.prefix(50) { XCTAssertFalse(lines.contains { $0.hasPrefix("  ") && $0.contains(f.message) }, f.message) }
        // the table: the rules with findings, most first, then those only not evaluated
        let header = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("rule ") })
        XCTAssertTrue(lines[header].contains("findings"))
        let rows = lines[(header + 1)...].prefix { !$0.hasPrefix("(") && !$0.isEmpty }.map { $0.split(separator: " ").map(String.init) }
        let withFindings = report.rules.filter { $0.findings > 0 }
        XCTAssertEqual(rows.prefix(withFindings.count).map { $0[0] }.sorted(), withFindings.map(\.id).sorted())
        let counts = rows.prefix(withFindings.count).map { Int($0[2])! }
        XCTAssertEqual(counts, counts.sorted(by: >))
        XCTAssertEqual(counts.reduce(0, +), report.findings.count)
        XCTAssertTrue(rows.dropFirst(withFindings.count).allSatisfy { $0[2] == "0" && $0.last != "0" }, "\(rows)")
        let quiet = report.rules.filter { r in r.findings == 0 && r.counts.notEvaluated == 0 && r.counts.pass + r.counts.fail + r.counts.notEvaluated > 0 }
        XCTAssertTrue(sink.text.contains("(\(quiet.count) rules with no finding and nothing not evaluated: not listed)"), sink.text)
        XCTAssertTrue(lines.last?.contains("files (") ?? false, sink.text)
        XCTAssertEqual(CheckFormat(rawValue: "summary"), .summary)
    }

    /// Every report's help of a rule ends "More: dcmaudit rules explain ID";
    /// for the built-in file.unreadable and file.not-dicom that said "no
    /// rule 'file.not-dicom' (did you mean 'dicom.modality'?)", exit 2.
    func testExplainBuiltInRules() throws {
        let b = repoRoot + "/Rules"
        for id in ["file.unreadable", "file.not-dicom"] {
            let ex = RulesTool.explain(id, builtin: b)
            XCTAssertEqual(ex.exitCode, 0, ex.errors)
            XCTAssertTrue(ex.output.hasPrefix(id + " — The file "), ex.output)
            XCTAssertTrue(ex.output.contains("pack:      dcmaudit (built in"), ex.output)
        }
        XCTAssertTrue(RulesTool.explain("file.unreadable", builtin: b).output.contains("severity:  error"))
        XCTAssertTrue(RulesTool.explain("file.not-dicom", builtin: b).output.contains("severity:  info"))
        XCTAssertEqual(RulesTool.explain("file.not-dicm", builtin: b).errors, "error: no rule 'file.not-dicm' (did you mean 'file.not-dicom'?)\n")
        // no suggestion that is not close (it was the closest of all, however far)
        XCTAssertEqual(RulesTool.explain("site.qq", builtin: b).errors, "error: no rule 'site.qq'\n")
        // --rules looks besides the built-in packs (a built-in rule was "no rule")
        let both = RulesTool.explain("dicom.patient-id", files: [b + "/examples/example.ct-mr.yaml"], builtin: b)
        XCTAssertEqual(both.exitCode, 0, both.errors)
        XCTAssertTrue(both.output.hasPrefix("dicom.patient-id — "), both.output)
    }

    /// A path given that does not exist is unreadable (error), and
    /// file.not-dicom does not apply to it: it was counted "not evaluated",
    /// which the text table showed (`not-eval 1`) and no report explained
    /// (JUnit even said "not applicable to any file").
    func testMissingPathIsNotApplicableToNotDicom() throws {
        let missing = "/nonexistent-\(getpid())/file.dcm"
        let req = request([missing, repoRoot + "/Fixtures/iod/CT.dcm"])
        let report = CheckRunner.evaluate(req, rules: try CheckRunner.loadRules(req))
        XCTAssertEqual(report.findings.filter { $0.ruleID == "file.unreadable" }.map(\.file), [missing])
        let c = try XCTUnwrap(report.rules.first { $0.id == "file.not-dicom" }).counts
        XCTAssertEqual([c.pass, c.fail, c.notApplicable, c.notEvaluated], [1, 0, 1, 0])
        XCTAssertEqual(report.rules.map(\.counts.notEvaluated).reduce(0, +), 0, "no rule is not evaluated")
    }

    /// A link to a missing file found in a folder (a DataLad / git-annex
    /// dataset whose content is not fetched) is unreadable, as such a link
    /// given on the command line is: it was skipped, and a folder of them
    /// was "no file to check: none found", exit 2, naming no file.
    func testBrokenLinkInAFolderIsUnreadable() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-annex-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: repoRoot + "/Fixtures/iod/CT.dcm", toPath: dir + "/sub/a.dcm")
        try FileManager.default.createSymbolicLink(atPath: dir + "/sub/b.dcm", withDestinationPath: "../.git/annex/objects/XX/b")
        let report = CheckRunner.evaluate(request([dir], packs: ["dicom.core"]), rules: try CheckRunner.loadRules(request([dir], packs: ["dicom.core"])))
        XCTAssertEqual(report.files, 2)
        XCTAssertEqual(report.unreadable, 1)
        XCTAssertEqual(report.findings.filter { $0.ruleID == "file.unreadable" }.map(\.file), [dir + "/sub/b.dcm"])
        // excluded like any file
        var req = request([dir], packs: ["dicom.core"]); req.exclude = ["b.dcm"]
        XCTAssertEqual(CheckRunner.evaluate(req, rules: try CheckRunner.loadRules(req)).unreadable, 0)
    }

    func testFailOnAndUnreadable() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-check-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "not dicom at all".write(toFile: dir + "/junk.dcm", atomically: true, encoding: .utf8)
        let mr = repoRoot + "/Fixtures/demo/DEMO001/MR_BRAIN_20240410/S002_T1_MPRAGE/IM0004.dcm"
        var req = request([dir, mr, dir + "/missing.dcm"], rules: [repoRoot + "/Rules/examples/example.ct-mr.yaml"])
        let rules = try CheckRunner.loadRules(req)
        let report = CheckRunner.evaluate(req, rules: rules)
        // a text file is not DICOM (info); a missing file is unreadable (error)
        let unreadable = report.findings.filter { $0.ruleID == "file.unreadable" }
        XCTAssertEqual(unreadable.map(\.file), [dir + "/missing.dcm"])
        let notDicom = report.findings.filter { $0.ruleID == "file.not-dicom" }
        XCTAssertEqual(notDicom.count, 1)
        XCTAssertTrue(notDicom.contains { $0.file == dir + "/junk.dcm" && $0.offset == 0 && $0.severity == .info && $0.message.contains("not a DICOM file") })
        XCTAssertEqual(report.unreadable, 1)
        XCTAssertEqual(report.notDicom, 1)
        XCTAssertEqual(report.rules.first { $0.id == "file.not-dicom" }?.counts.fail, 1)
        // only a warning (mr.tr-range) besides the unreadable files: re-grade by fail-on
        req.paths = [mr]
        let one = CheckRunner.evaluate(req, rules: rules)
        XCTAssertEqual(one.findings.map(\.severity), [.warning])
        for (f, code) in [(FailOn.error, Int32(0)), (.warning, 1), (.info, 1), (.never, 0)] {
            var r = one; r.failOn = f
            XCTAssertEqual(r.exitCode, code, "\(f)")
        }
    }

    /// A value's control characters do not reach the console: ESC would start
    /// a terminal escape sequence, CR/LF forge report lines.
    func testTextReportNeutralisesControlCharacters() throws {
        let dir = try scratchDirectory("ctl")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var ds = DataSet(keywords: ["SOPClassUID": "1.2.840.10008.5.1.4.1.1.4", "SOPInstanceUID": "1.2.3.4", "Modality": "MR"])
        ds.set(keyword: "ContentDate", "20\u{1B}[2J\r\nX")
        try DicomWriter.save(try DicomWriter.write(dataSet: ds), to: dir + "/ctl\n\u{1B}.dcm")
        for grouping in [CheckGrouping.file, .rule] {
            var req = request([dir]); req.grouping = grouping
            let report = CheckRunner.evaluate(req, rules: try CheckRunner.loadRules(req))
            XCTAssertTrue(report.findings.contains { $0.ruleID == "dicom.dates" && $0.message.contains("\u{1B}") })
            var o = ByteOutput()
            TextReporter(grouping: grouping, report: report).write(report, into: &o)
            let text = String(decoding: o.bytes, as: UTF8.self)
            XCTAssertFalse(o.bytes.contains(0x1B) || o.bytes.contains(0x0D), text)
            XCTAssertTrue(text.split(separator: "\n").contains { $0.contains("ContentDate 20\u{FFFD}[2J\u{FFFD}\u{FFFD}X") }, text)
        }
        var c1 = ByteOutput()
        c1.terminalText("a\u{9B}31m\u{7F}\tb\u{E9}\u{FFFD}")
        XCTAssertEqual(String(decoding: c1.bytes, as: UTF8.self), "a\u{FFFD}31m\u{FFFD}\tb\u{E9}\u{FFFD}")
        // the eight-bytes-at-a-time scan against the byte-by-byte rule, a
        // control byte at every position of strings of every length to 40
        func slow(_ u: [UInt8]) -> Bool { !u.contains { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F || $0 == 0xC2 } }
        var rng = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [0x00, 0x09, 0x0A, 0x1B, 0x1F, 0x20, 0x41, 0x7E, 0x7F, 0x80, 0xC2, 0xC3, 0xE9, 0xFF]
        for n in 0...40 {
            for _ in 0..<60 {
                var u = (0..<n).map { _ in UInt8.random(in: 0x20...0x7E, using: &rng) }
                if n > 0 && Bool.random(using: &rng) { u[Int.random(in: 0..<n, using: &rng)] = alphabet.randomElement(using: &rng)! }
                XCTAssertEqual(u.withUnsafeBufferPointer { ByteOutput.isTerminalClean($0) }, slow(u), "\(u)")
            }
        }
    }

    /// Two outputs naming one file (`--report junit:r.xml --report csv:r.xml`)
    /// are a usage error: the second overwrote the first, which was lost.
    func testTwoOutputsToOneFileAreAnError() throws {
        let dir = try scratchDirectory("samefile")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let demoFile = repoRoot + "/Fixtures/iod/CT.dcm"
        var req = request([demoFile])
        req.reports = [ReportSpec(format: "junit", path: dir + "/r.xml"), ReportSpec(format: "csv", path: dir + "/./r.xml")]
        XCTAssertEqual(CheckRunner.run(req), 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/r.xml"))
        req.reports = []; req.output = dir + "/r.json"; req.format = .json; req.writeBaseline = dir + "/../" + (dir as NSString).lastPathComponent + "/r.json"
        XCTAssertEqual(CheckRunner.sameFileOutputs([("json", dir + "/r.json")], baseline: req.writeBaseline),
                       "--write-baseline \(req.writeBaseline!) names the same file as --output \(dir)/r.json: give each output its own path")
        XCTAssertEqual(CheckRunner.run(req), 2)
        // devices may be named twice; distinct files are fine
        req.writeBaseline = nil; req.output = "/dev/null"
        req.reports = [ReportSpec(format: "junit", path: "/dev/null"), ReportSpec(format: "csv", path: dir + "/r.csv")]
        XCTAssertNotEqual(CheckRunner.run(req), 2)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/r.csv"))
    }

    /// Stray bytes before the first data element: damaged DICOM, not "not DICOM".
    func testStrayLeadingBytesStayUnreadable() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-stray-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var ds = DataSet()
        ds.set(keyword: "SOPClassUID", "1.2.840.10008.5.1.4.1.1.4")
        ds.set(keyword: "Modality", "MR")
        try DicomWriter.save([0x00] + (try DicomWriter.writeRaw(ds)), to: dir + "/stray.dcm")
        let report = CheckRunner.evaluate(request([dir + "/stray.dcm"]), rules: try CheckRunner.loadRules(request([dir])))
        XCTAssertEqual(report.findings.first?.ruleID, "file.unreadable", "\(report.findings.map(\.message))")
        XCTAssertEqual(report.notDicom, 0)
    }

    /// A report file the run creates under a checked directory is not one of
    /// its files, with any number of jobs (it was found, with every job
    /// count alike, and read: just emptied, an unreadable file).
    func testReportFileCreatedUnderCheckedPathIsNotAnInputWithAnyJobs() throws {
        for jobs in [1, 2, 0] {
            let dir = NSTemporaryDirectory() + "dcmaudit-outdir-\(getpid())-\(jobs)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try "not dicom".write(toFile: dir + "/a.txt", atomically: true, encoding: .utf8)
            var req = request([dir], packs: ["dicom.values"])
            req.jobs = jobs
            req.format = .json
            req.output = dir + "/report.json"
            _ = CheckRunner.run(req)
            let out = try String(contentsOfFile: dir + "/report.json", encoding: .utf8)
            XCTAssertTrue(out.contains("\"files\": 1,"), "jobs \(jobs): \(out.suffix(300))")
        }
    }

    func testPackErrorsExitWith2() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-bad-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "pack: t.bad\nversion: 1\nrules:\n  - id: a.b\n    check: {PatientNme: present}\n".write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        var req = request([repoRoot + "/Fixtures/demo/DEMO003"], rules: [dir + "/bad.yaml"])
        req.output = dir + "/report.txt"
        XCTAssertEqual(CheckRunner.run(req), 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/report.txt"))
        let v = RulesTool.validate([dir + "/bad.yaml", repoRoot + "/Rules"], builtin: repoRoot + "/Rules")
        XCTAssertEqual(v.exitCode, 2)
        XCTAssertEqual(v.errors, "\(dir)/bad.yaml:5:13: error: unknown keyword 'PatientNme' (did you mean 'PatientName'?)\n1 error\n")
        req.ruleFiles = []; req.packIDs = ["dicom.cor"]
        XCTAssertEqual(CheckRunner.run(req), 2)
    }

    func testRulesListExplainTest() throws {
        let b = repoRoot + "/Rules"
        let list = RulesTool.list(packIDs: ["dicom.core"], builtin: b)
        XCTAssertEqual(list.exitCode, 0)
        XCTAssertTrue(list.output.hasPrefix("dicom.sop-class-uid"), list.output)
        let ex = RulesTool.explain("mr.tr-range", files: [b + "/examples/example.ct-mr.yaml"], builtin: b)
        XCTAssertEqual(ex.output, """
        mr.tr-range
          pack:      example.ct-mr (\(b)/examples/example.ct-mr.yaml:16:5)
          severity:  warning
          level:     instance
          when:      [mr]
                    (Modality == MR)
          check:     {RepetitionTime: {range: [300, 12000]}}
          message:   RepetitionTime {value} outside {expected}
          examples:
            pass: {Modality: MR, RepetitionTime: "2300"}
            fail: {Modality: MR, RepetitionTime: "13000"}
            fail: {Modality: MR}

        """)
        XCTAssertEqual(RulesTool.explain("mr.tr-rang", files: [b + "/examples/example.ct-mr.yaml"], builtin: b).errors, "error: no rule 'mr.tr-rang' (did you mean 'mr.tr-range'?)\n")
        XCTAssertEqual(RulesTool.test([b], builtin: b).exitCode, 0)
        // a wrong example fails with its line
        let dir = NSTemporaryDirectory() + "dcmaudit-ex-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "pack: t.ex\nversion: 1\nrules:\n  - id: a.b\n    check: {Rows: {gt: 10}}\n    examples:\n      pass:\n        - {Rows: \"5\"}\n".write(toFile: dir + "/ex.yaml", atomically: true, encoding: .utf8)
        let t = RulesTool.test([dir + "/ex.yaml"], builtin: b)
        XCTAssertEqual(t.exitCode, 1)
        XCTAssertEqual(t.errors, "\(dir)/ex.yaml:8:11: error: example of 'a.b' should pass but was fail: Rows 5 <= 10\n")
    }

    /// `run` streams findings (none kept in memory); its output is the same
    /// as the report written from kept findings.
    func testStreamedOutputMatchesKeptReport() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-stream-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (format, grouping) in [(CheckFormat.json, CheckGrouping.file), (.text, .file), (.text, .rule)] {
            var req = request(demo, rules: [repoRoot + "/Rules/examples/example.ct-mr.yaml"])
            req.format = format; req.grouping = grouping
            req.output = dir + "/out"
            let rules = try CheckRunner.loadRules(req)
            var info = RunInfo(commandLine: ["dcmaudit", "check"], startEpoch: 0, packs: [], showPHI: false)
            info.fixedDuration = 0.25
            XCTAssertEqual(CheckRunner.run(req, rules: rules, info: info), 1)
            let streamed = try String(contentsOfFile: dir + "/out", encoding: .utf8)
            let report = CheckRunner.evaluate(req, rules: rules)
            var o = ByteOutput()
            if format == .json { JSONReporter.write(report, run: info, into: &o) } else { TextReporter(grouping: grouping, report: report).write(report, into: &o) }
            XCTAssertEqual(streamed, String(decoding: o.bytes, as: UTF8.self), "\(format) \(grouping)")
        }
    }

    func testRulesLocatorLooksInParentsAndEnvironment() {
        let c = RulesLocator.candidates()
        XCTAssertTrue(c.contains(repoRoot + "/Rules"), "the test binary lives under \(repoRoot)/.build*/…")
        XCTAssertNotNil(RulesLocator.builtinRulesDirectory())
    }

    /// Files and series with errors vs clean, per scanner (JSON `compliance`,
    /// the HTML compliance section), counted on the reported findings.
    func testComplianceOnDemo() throws {
        var req = request(demo)
        req.ruleFiles = [repoRoot + "/Rules/examples/example.ct-mr.yaml"]
        let report = CheckRunner.evaluate(req, rules: try CheckRunner.loadRules(req))
        let c = report.compliance
        XCTAssertEqual([c.files.errors, c.files.warnings, c.files.clean], [11, 4, 29], "44 DICOM files; README.md is not counted")
        XCTAssertEqual([c.series.errors, c.series.warnings, c.series.clean], [5, 2, 3])
        XCTAssertEqual(c.scanners.count, 10)
        let ge = c.scanners.filter { $0.manufacturer == "GE MEDICAL SYSTEMS" }
        XCTAssertEqual(ge.map(\.model), ["SIGNA Premier"])
        XCTAssertEqual(ge.first?.softwareVersions, "30\\LX\\MR Software release:RX29.1")
        XCTAssertEqual(ge.first?.files, { var x = ComplianceCounts(); x.clean = 6; return x }())
        XCTAssertEqual(ge.first?.station, Redaction.redact("SCANNER2"), "StationName is redacted (PS3.15 Annex E)")
        // the CT series whose only finding is series-level: its files are clean, the series is not
        let ct = c.seriesList.first { $0.uid.hasSuffix(".1.1.3") && $0.modality == "CT" }
        XCTAssertEqual(ct?.worst, .error)
        XCTAssertEqual(ct?.files.clean, 5)
    }
}

/// The files of a `check` found on their own thread while the packs load.
final class BackgroundDiscoveryTests: XCTestCase {
    func testSameFilesAndProblemsAsTheWalkOnTheCallersThread() throws {
        let dir = NSTemporaryDirectory() + "bgdisc-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for sub in ["b", "a/c", "a"] { try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true) }
        for f in ["b/2", "a/c/1", "a/3", "top"] { try Data([1]).write(to: URL(fileURLWithPath: dir + "/" + f)) }
        let paths = [dir, dir + "/missing", dir + "/top"]
        let plain = FileDiscovery.expand(paths)
        XCTAssertEqual(plain.files.count, 4, "dir/top once (FileDiscoveryOnceTests)")
        XCTAssertEqual(plain.problems.map(\.path), [dir + "/missing"])
        for threaded in [true, false] {
            let d = BackgroundDiscovery(paths: paths, threaded: threaded)
            let r = d.result()
            XCTAssertEqual(r.files, plain.files, "threaded: \(threaded)")
            XCTAssertEqual(r.problems.map(\.path), plain.problems.map(\.path))
            XCTAssertEqual(r.problems.map(\.message), plain.problems.map(\.message))
            XCTAssertEqual(d.result().files, plain.files)   // (found once, asked again)
        }
        // dropped unasked (a pack error ends the command): waits for its thread
        for _ in 0..<20 { _ = BackgroundDiscovery(paths: paths, threaded: true) }
    }
}

/// A file reached twice — given twice, in a directory given and given
/// itself, through `./`, or by a link beside it — is listed once: it was read
/// twice, and `dataset.unique-sop` reported it "not unique: also in" itself.
final class FileDiscoveryOnceTests: XCTestCase {
    func testEachFileOnce() throws {
        let dir = NSTemporaryDirectory() + "disc-once-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for f in ["a", "sub/b"] { try Data([1]).write(to: URL(fileURLWithPath: dir + "/" + f)) }
        try FileManager.default.createSymbolicLink(atPath: dir + "/sub/link-to-a", withDestinationPath: "../a")
        let found = FileDiscovery.expand([dir + "/a", dir, dir + "/", dir + "/sub/b", dir + "/./sub", dir + "/a"])
        XCTAssertEqual(found.files, [dir + "/a", dir + "/sub/b"])
        XCTAssertEqual(found.problems.count, 0)
        // hard-linked names are one file too; different files with equal bytes are two
        try Data([1]).write(to: URL(fileURLWithPath: dir + "/sub/copy"))
        XCTAssertEqual(link(dir + "/a", dir + "/sub/hard"), 0)
        XCTAssertEqual(FileDiscovery.expand([dir]).files, [dir + "/a", dir + "/sub/b", dir + "/sub/copy"])
    }

    /// The run's own outputs under a folder it checks are not inputs of it:
    /// `check DIR --report junit:DIR/r.xml` read its report, just emptied,
    /// as an unreadable file (exit 1), and the baseline of the last run as
    /// a file that is not DICOM — with one job and with two (the walk on its
    /// own thread), on the first run and the next; `learn -o REF/p.yaml` too.
    func testOwnOutputsUnderACheckedFolderAreNotInputs() throws {
        let dir = NSTemporaryDirectory() + "disc-outputs-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/out", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let series = repoRoot + "/Fixtures/protocol/siteA-sub01/S02_T1w_MPRAGE"
        for f in try FileManager.default.contentsOfDirectory(atPath: series) { try FileManager.default.copyItem(atPath: series + "/" + f, toPath: dir + "/" + f) }
        let dicomFiles = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0 != "out" }.count
        for jobs in [1, 2, 1] {
            var req = CheckRequest(paths: [dir])
            req.ruleFiles = [repoRoot + "/Rules/examples/example.ct-mr.yaml"]
            req.builtinRules = repoRoot + "/Rules"
            req.jobs = jobs
            req.output = dir + "/out/console.txt"
            req.reports = [ReportSpec(format: "json", path: dir + "/r.json"), ReportSpec(format: "csv", path: dir + "/out/r.csv")]
            req.writeBaseline = dir + "/baseline.txt"
            let code = CheckRunner.run(req)
            XCTAssertEqual(code, 0, (try? String(contentsOfFile: dir + "/out/console.txt", encoding: .utf8)) ?? "")
            let run = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/r.json"))) as? [String: Any])?["run"] as? [String: Any])
            XCTAssertEqual(run["files"] as? Int, dicomFiles, "jobs \(jobs)")
            XCTAssertEqual(run["unreadable"] as? Int, 0)
            XCTAssertEqual(run["notDicom"] as? Int, 0)
        }
        XCTAssertEqual(FileDiscovery.expand([dir], excluding: [dir + "/r.json", dir + "/out/./r.csv", "-", dir + "/none"]).files.filter { !$0.hasSuffix(".dcm") }.sorted(),
                       [dir + "/baseline.txt", dir + "/out/console.txt"])
        var lreq = LearnRequest(paths: [dir])
        lreq.output = dir + "/out/p.yaml"
        try "".write(toFile: dir + "/out/p.yaml", atomically: true, encoding: .utf8)
        let learned = try ProtocolLearner.learn(lreq)
        XCTAssertEqual(learned.unreadable, 4, "r.json, r.csv, baseline.txt, console.txt (not learn's outputs); not p.yaml")
    }

    /// `check` of one series given twice: no duplicate SOP Instance UID.
    func testSeriesGivenTwiceIsNotItsOwnDuplicate() throws {
        let series = repoRoot + "/Fixtures/demo/DEMO002/MR_KNEE_20240522/S001_SAG_PD"
        func uniqueSOP(_ paths: [String]) throws -> (findings: [String], files: Int) {
            var req = CheckRequest(paths: paths)
            req.ruleFiles = [repoRoot + "/Rules/examples/example.ct-mr.yaml"]
            req.builtinRules = repoRoot + "/Rules"
            let report = CheckRunner.evaluate(req, rules: try CheckRunner.loadRules(req))
            return (report.findings.filter { $0.ruleID == "dataset.unique-sop" }.map(\.message), report.files)
        }
        let once = try uniqueSOP([series])
        XCTAssertEqual(once.findings.count, 1, "the demo's planted duplicate")
        let twice = try uniqueSOP([series, series, series + "/IM0001.dcm"])
        XCTAssertEqual(twice.findings, once.findings)
        XCTAssertEqual(twice.files, once.files)
    }
}

/// File names are bytes: one that is not UTF-8 (`M\xFCller/im\xFF.dcm`, a
/// Latin-1 name copied from an old share) was found by the walk and then
/// reported as "cannot open: No such file or directory", its U+FFFD path
/// naming no file. `OSPath` keeps such names round-tripping.
final class NonUTF8FileNameTests: XCTestCase {
    func testFilesWithNamesThatAreNotUTF8AreRead() throws {
        let dir = NSTemporaryDirectory() + "nonutf8-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var ds = DataSet()
        ds.set(keyword: "SOPClassUID", "1.2.840.10008.5.1.4.1.1.4")
        ds.set(keyword: "SOPInstanceUID", "1.2.3.77")
        ds.set(keyword: "Modality", "MR")
        let bytes = try DicomWriter.write(dataSet: ds)
        let sub = Array(dir.utf8) + Array("/M".utf8) + [0xFC] + Array("ller".utf8)
        XCTAssertEqual(mkdir(sub.map { CChar(bitPattern: $0) } + [0], 0o755), 0)
        for name in [[0x69, 0x6D, 0xFF] + Array(".dcm".utf8), Array("\u{00FC}ok.dcm".utf8), [0xE2, 0x82] + Array(".dcm".utf8)] as [[UInt8]] {
            let fd = open((sub + [0x2F] + name).map { CChar(bitPattern: $0) } + [0], O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            XCTAssertGreaterThanOrEqual(fd, 0)
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        let found = FileDiscovery.expand([dir])
        XCTAssertEqual(found.problems.map(\.message), [])
        XCTAssertEqual(found.files.count, 3)
        XCTAssertTrue(found.files.contains(dir + "/M\u{10FFFC}ller/\u{00FC}ok.dcm"), "\(found.files)")   // valid UTF-8 as it is
        for path in found.files {
            XCTAssertEqual(try DicomReader.read(path: path).dataSet.string(Tag(0x0008, 0x0018)), "1.2.3.77", path)
        }
        XCTAssertEqual(OSPath.decode(Array("a\u{00FC}b".utf8) + [0xFF, 0xC3]), "a\u{00FC}b\u{10FFFF}\u{10FFC3}")
    }
}

extension DataSet {
    /// A data set of the given keywords and values.
    init(keywords: [String: String]) {
        self.init()
        for (k, v) in keywords.sorted(by: { $0.key < $1.key }) { set(keyword: k, v) }
    }
}
