import XCTest
import Foundation
@testable import DcmAudit
import DcmRules

/// `check` reports each rule not evaluated on a file with the reason — the
/// condition's text from the pack, as `rules coverage --file` prints it
/// (issue #5: never silently treated as optional). On Fixtures/iod/CT.dcm,
/// dicom.iod cannot decide eight CT Image rules (the Patient module's animal
/// conditions, PS3.3 §C.7.1.1; Contrast/Bolus, a C module; …).
final class NotEvaluatedTests: XCTestCase {
    var dir = ""
    /// Fixtures/iod/CT.dcm and MR.dcm, copied where no folder is named after
    /// their patient (`Conformant^Iod`: the `iod` folder is redacted in reports).
    var ct: String { dir + "/in/ct/CT.dcm" }
    var mr: String { dir + "/in/mr/MR.dcm" }

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "dcmaudit-noteval-\(getpid())-\(name.filter { $0.isLetter })"
        try? FileManager.default.removeItem(atPath: dir)
        for (f, sub) in [("CT.dcm", "ct"), ("MR.dcm", "mr")] {
            try FileManager.default.createDirectory(atPath: dir + "/in/" + sub, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: repoRoot + "/Fixtures/iod/" + f, toPath: dir + "/in/" + sub + "/" + f)
        }
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// Runs `check` with every report format written to `dir/r.FORMAT`
    /// (the console in text); returns the outputs by format.
    func run(_ paths: [String], packs: [String] = ["dicom.iod"], mode: NotEvaluatedMode, showPHI: Bool = false) throws -> [String: String] {
        var req = CheckRequest(paths: paths)
        req.packIDs = packs
        req.builtinRules = repoRoot + "/Rules"
        req.jobs = 2
        req.notEvaluated = mode
        req.showPHI = showPHI
        req.output = dir + "/console"
        req.reports = ReportFormats.names.map { ReportSpec(format: $0, path: dir + "/r." + $0) }
        let rules = try CheckRunner.loadRules(req)
        var info = RunInfo(commandLine: ["dcmaudit", "check"] + paths, startEpoch: 0, packs: [], showPHI: showPHI)
        info.fixedDuration = 0.25
        let code = CheckRunner.run(req, rules: rules, info: info)
        XCTAssertTrue(code == 0 || code == 1)
        var out: [String: String] = ["console": try String(contentsOfFile: dir + "/console", encoding: .utf8)]
        for f in ReportFormats.names { out[f] = try String(contentsOfFile: dir + "/r." + f, encoding: .utf8) }
        return out
    }

    func object(_ s: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(s.utf8)) as! [String: Any]
    }

    /// The reason lines of `rules coverage --file` (indented two spaces there).
    func coverageLines(_ file: String) -> [String] {
        let r = RulesTool.coverage(["dicom.iod"], file: file, builtin: repoRoot + "/Rules")
        XCTAssertEqual(r.exitCode, 0, r.errors)
        return r.output.split(separator: "\n").filter { $0.hasPrefix("  ") }.map { String($0.dropFirst(2)) }
    }

    func testSummaryInTextGroupsByRuleAndReason() throws {
        let out = try run([ct], mode: .summary)
        let text = out["console"]!
        // (7: General Equipment's Pixel Padding Value, "… Pixel Padding Range Limit is present and
        // either Pixel Data or Pixel Data Provider URL is present", is decided since branch cond3;
        // 6: CT Image's Energy Weighting Factor, "one Derivation Code Sequence Item value is
        // (113097, DCM, …)", since branch cond2 of the fifteenth session)
        XCTAssertTrue(text.contains("Not evaluated: 6 rules on 1 file (6 file × rule pairs)"), text)
        XCTAssertTrue(text.contains("  iod.ct-image.patient  (1 file: " + ct + ")\n"), text)
        XCTAssertTrue(text.contains("  iod.ct-image.contrast-bolus  (1 file: "), text)
        // every reason `rules coverage --file` gives (the summary reads the
        // example files again: no count per reason), and nothing per file
        // (20 reasons since Image Pixel's Palette Color LUT Data are decided)
        let lines = coverageLines(ct)
        XCTAssertGreaterThan(lines.count, 15)
        for l in lines { XCTAssertTrue(text.contains("\n    " + l + "\n"), l) }
        XCTAssertTrue(text.contains("\n    when: \"Required if contrast media was used in this image\"\n"))
        XCTAssertFalse(text.contains("Not evaluated, by file"))
        // list: the same lines, each with its file count
        let listed = try run([ct], mode: .list)["console"]!
        for l in lines { XCTAssertTrue(listed.contains("\n    1  " + l + "\n"), l) }
        // the section comes before the per-rule table, whose counts agree
        let section = try XCTUnwrap(text.range(of: "Not evaluated:")), table = try XCTUnwrap(text.range(of: "\nrule "))
        XCTAssertLessThan(section.lowerBound, table.lowerBound)
    }

    func testListShowsEveryFileAsCoverageDoes() throws {
        let text = try run([ct, mr], mode: .list)["console"]!
        XCTAssertTrue(text.contains("Not evaluated: 13 rules on 2 files (13 file × rule pairs)"), text)
        let byFile = try XCTUnwrap(text.range(of: "Not evaluated, by file:\n"))
        let rest = String(text[byFile.upperBound...])
        // per file: the same rules and lines as `rules coverage --file`, indented once more
        for f in [ct, mr] {
            let cov = RulesTool.coverage(["dicom.iod"], file: f, builtin: repoRoot + "/Rules").output
            let block = cov.split(separator: "\n").dropLast().map { "  " + $0 + "\n" }.joined()
            XCTAssertTrue(rest.contains(f + "\n" + block), "\(f):\n\(block)")
        }
    }

    func testNoneRecordsNothing() throws {
        let out = try run([ct], mode: .none)
        XCTAssertFalse(out["console"]!.contains("Not evaluated"))
        XCTAssertNil(try object(out["json"]!)["notEvaluated"])
        // the per-rule counts still say it
        let rules = try object(out["json"]!)["rules"] as! [[String: Any]]
        let patient = try XCTUnwrap(rules.first { $0["id"] as? String == "iod.ct-image.patient" })
        XCTAssertEqual((patient["counts"] as! [String: Any])["notEvaluated"] as? Int, 1)
    }

    func testJSONIsSchemaValidInBothModes() throws {
        let schema = repoRoot + "/docs/schema/check-report.schema.json"
        for mode in [NotEvaluatedMode.summary, .list] {
            let out = try run([ct], mode: mode)
            try SchemaValidator.validate(out["json"]!, schemaPath: schema)
            let ne = try XCTUnwrap(try object(out["json"]!)["notEvaluated"] as? [String: Any])
            XCTAssertEqual(ne["mode"] as? String, mode.rawValue)
            XCTAssertEqual(ne["files"] as? Int, 1)
            XCTAssertEqual(ne["pairs"] as? Int, 6)
            let rules = ne["rules"] as! [[String: Any]]
            XCTAssertEqual(rules.count, 6)
            let patient = try XCTUnwrap(rules.first { $0["rule"] as? String == "iod.ct-image.patient" })
            XCTAssertEqual(patient["pack"] as? String, "dicom.iod")
            XCTAssertEqual(patient["examples"] as? [String], [ct])
            let reasons = patient["reasons"] as! [[String: Any]]
            let species = try XCTUnwrap(reasons.first { $0["attribute"] as? String == "PatientSpeciesDescription" })
            XCTAssertEqual(species["kind"] as? String, "absent")
            XCTAssertEqual(species["conditions"] as? [String], ["Required if the Patient is an animal and if Patient Species Code Sequence (0010,2202) is not present"])
            XCTAssertEqual(species["files"] as? Int, mode == .list ? 1 : nil)
            XCTAssertEqual(species["examples"] as? [String], [ct])
            let bolus = try XCTUnwrap(rules.first { $0["rule"] as? String == "iod.ct-image.contrast-bolus" })
            XCTAssertEqual((bolus["reasons"] as! [[String: Any]]).first?["kind"] as? String, "when")
            if mode == .list {
                XCTAssertEqual(species["paths"] as? [String], [ct])
                let byFile = ne["byFile"] as! [[String: Any]]
                XCTAssertEqual(byFile.map { $0["file"] as? String }, [ct])
                XCTAssertEqual((byFile[0]["rules"] as! [Any]).count, 6)
                // JSON Lines: one record per file × rule
                let records = out["jsonl"]!.split(separator: "\n").map { try! object(String($0)) }.filter { $0["type"] as? String == "notEvaluated" }
                XCTAssertEqual(records.count, 6)
                XCTAssertEqual(Set(records.map { $0["file"] as! String }), [ct])
                // SARIF 2.1.0: results of kind open, level none (§3.27.9, §3.27.10)
                let results = (try object(out["sarif"]!)["runs"] as! [[String: Any]])[0]["results"] as! [[String: Any]]
                let open = results.filter { $0["kind"] as? String == "open" }
                XCTAssertEqual(open.count, 6)
                XCTAssertTrue(open.allSatisfy { $0["level"] as? String == "none" })
            } else {
                XCTAssertNil(species["paths"]); XCTAssertNil(ne["byFile"])
                let records = out["jsonl"]!.split(separator: "\n").map { try! object(String($0)) }
                XCTAssertEqual(records.filter { $0["type"] as? String == "notEvaluated" }.count, 0)
                XCTAssertEqual(records.filter { $0["type"] as? String == "notEvaluatedReason" }.count, coverageLines(ct).count)
                let runs = try object(out["sarif"]!)["runs"] as! [[String: Any]]
                XCTAssertFalse(out["sarif"]!.contains("\"kind\": \"open\""))
                XCTAssertNotNil((runs[0]["properties"] as? [String: Any])?["notEvaluated"])
            }
            XCTAssertTrue(out["html"]!.contains("<h2 id=\"not-evaluated\">Not evaluated</h2>"))
            XCTAssertTrue(out["html"]!.contains("PatientSpeciesDescription absent: &quot;Required if the Patient is an animal"))
            XCTAssertTrue(out["markdown"]!.contains("Not evaluated: 6 rules on 1 file"))
            XCTAssertTrue(out["junit"]!.contains("<skipped message=\"not evaluated on 1 file, not applicable to the others\">"))
            XCTAssertTrue(out["csv"]!.split(separator: "\n")[0].contains("not evaluated: 6 rules on 1 file"))
            XCTAssertTrue(out["github"]!.contains("::notice title=dcmaudit not evaluated::6 rules on 1 file"))
        }
    }

    /// A file on which every rule is decided: no section, no key, no record.
    func testNothingShownWhenEveryRuleIsDecided() throws {
        let demo = repoRoot + "/Fixtures/demo/DEMO001"
        var req = CheckRequest(paths: [demo]); req.packIDs = ["dicom.core"]; req.builtinRules = repoRoot + "/Rules"
        let report = CheckRunner.evaluate(req, rules: try CheckRunner.loadRules(req))
        XCTAssertEqual(report.rules.reduce(0) { $0 + $1.counts.notEvaluated }, 0, "the premise: nothing is not evaluated")
        let out = try run([demo], packs: ["dicom.core"], mode: .list)
        XCTAssertFalse(out["console"]!.contains("Not evaluated"))
        XCTAssertFalse(out["json"]!.contains("notEvaluated\": {"))
        XCTAssertFalse(out["jsonl"]!.contains("\"type\": \"notEvaluated"))
        XCTAssertFalse(out["sarif"]!.contains("\"open\""))
        XCTAssertFalse(out["html"]!.contains("id=\"not-evaluated\""))
        XCTAssertFalse(out["markdown"]!.contains("Not evaluated"))
    }

    /// Files under a folder named after the patient: the folder is redacted in
    /// every path of the section (as in findings), and no patient value is printed.
    func testPathsUnderAPatientFolderAreRedacted() throws {
        // Fixtures/iod/CT.dcm: PatientName Conformant^Iod, PatientID IOD001, born 19700101
        let folder = "Conformant_Iod_19700101"
        try FileManager.default.createDirectory(atPath: dir + "/data/" + folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: ct, toPath: dir + "/data/" + folder + "/CT.dcm")
        let out = try run([dir + "/data"], mode: .list)
        for (format, text) in out {
            XCTAssertFalse(text.contains(folder), "\(format) shows the patient's folder")
            XCTAssertFalse(text.contains("Conformant"), "\(format) shows the patient's name")
            XCTAssertFalse(text.contains("IOD001"), "\(format) shows the patient's ID")
        }
        let redacted = dir + "/data/" + Redaction.redact(folder) + "/CT.dcm"
        XCTAssertTrue(out["console"]!.contains("iod.ct-image.patient  (1 file: " + redacted + ")"), out["console"]!)
        XCTAssertTrue(out["console"]!.contains("\n" + redacted + "\n  iod.ct-image.patient\n"))
        let ne = try object(out["json"]!)["notEvaluated"] as! [String: Any]
        XCTAssertEqual((ne["byFile"] as! [[String: Any]]).map { $0["file"] as? String }, [redacted])
        // --show-phi: the real path
        let shown = try run([dir + "/data"], mode: .summary, showPHI: true)
        XCTAssertTrue(shown["console"]!.contains("(1 file: " + dir + "/data/" + folder + "/CT.dcm)"))
    }

    /// The reason line is the one `rules coverage --file` prints, per kind.
    func testReasonLines() {
        XCTAssertEqual(UndecidedDetail(attribute: "X", conditions: ["Required if a", "b"]).line, "X absent: \"Required if a\"; \"b\"")
        XCTAssertEqual(UndecidedDetail(attribute: "", conditions: ["Required if c"]).line, "when: \"Required if c\"")
        XCTAssertEqual(UndecidedDetail(attribute: "CSA.X", conditions: ["CSA.X cannot be decoded from the file's private header"], kind: .undecodable).line,
                       "CSA.X: \"CSA.X cannot be decoded from the file's private header\"")
    }
}
