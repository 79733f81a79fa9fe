import XCTest
import Foundation
@testable import DcmAudit
import DcmRules

/// `dcmaudit rules list|test|validate|explain|coverage` on what a user may
/// give them: pack files beside built-in ids, a directory with a bad pack,
/// a built-in id where a file is expected, a binary without its `Rules/`.
final class RulesToolTests: XCTestCase {
    var builtin: String { repoRoot + "/Rules" }
    var dir = ""

    override func setUpWithError() throws {
        dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("dcmaudit-rulestool-\(getpid())-\(name.hashValue)")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let ok = """
        pack: t.ok
        version: 1
        rules:
          - id: ok.kvp
            check: {KVP: {range: [70, 140]}}
            examples: {pass: [{KVP: 100}], fail: [{KVP: 20}]}

        """
        let bad = "pack: t.bad\nversion: 1\nrules:\n  - id: bad.kvp\n    check: {KVP: {rnage: [70, 140]}}\n"
        XCTAssertTrue(FileManager.default.createFile(atPath: dir + "/a-bad.yaml", contents: Data(bad.utf8)))
        XCTAssertTrue(FileManager.default.createFile(atPath: dir + "/b-ok.yaml", contents: Data(ok.utf8)))
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// `rules list --rules F --pack ID`: both packs' rules (F's were left out).
    func testListWithRulesAndPack() {
        let r = RulesTool.list(packIDs: ["dicom.meta"], files: [dir + "/b-ok.yaml"], builtin: builtin)
        XCTAssertEqual(r.exitCode, 0, r.errors)
        XCTAssertTrue(r.output.contains("ok.kvp "), r.output)
        XCTAssertTrue(r.output.contains("meta.version "), r.output)
        XCTAssertFalse(r.output.contains("dicom.modality "), r.output)
    }

    /// `rules test DIR`: a bad pack file is reported and the others are still
    /// tested (the run stopped at the first bad file); exit 2.
    func testTestGoesOnAfterABadPackFile() {
        let r = RulesTool.test([dir], builtin: builtin)
        XCTAssertEqual(r.exitCode, 2)
        XCTAssertTrue(r.errors.contains("\(dir)/a-bad.yaml:5:19: error: unknown operator 'rnage' (did you mean 'range'?)"), r.errors)
        XCTAssertTrue(r.output.contains("\(dir)/a-bad.yaml: not tested (pack errors)\n"), r.output)
        XCTAssertTrue(r.output.contains("\(dir)/b-ok.yaml: 2 of 2 examples as expected\n"), r.output)
    }

    /// `rules test dicom.core`, `rules validate dicom.core`: a built-in pack
    /// by id (it was "cannot read pack file 'dicom.core'"); a missing file
    /// says so.
    func testTestAndValidateTakeABuiltinID() {
        let t = RulesTool.test(["dicom.core"], builtin: builtin)
        XCTAssertEqual(t.exitCode, 0, t.errors)
        XCTAssertTrue(t.output.hasPrefix(builtin + "/dicom.core.yaml: "), t.output)
        let v = RulesTool.validate(["dicom.meta"], builtin: builtin)
        XCTAssertEqual(v.exitCode, 0, v.errors)
        XCTAssertEqual(v.output, "1 pack file valid\n")
        let missing = RulesTool.test([dir + "/nope.yaml"], builtin: builtin)
        XCTAssertEqual(missing.exitCode, 2)
        XCTAssertTrue(missing.errors.hasPrefix("\(dir)/nope.yaml:1:1: error: cannot read pack file '\(dir)/nope.yaml': no such file"), missing.errors)
        // a built-in id given to check --rules: where it goes
        XCTAssertThrowsError(try PackLoader(libraries: [builtin]).load(files: ["dicom.iod"])) { e in
            XCTAssertEqual("\(e)", "dicom.iod:1:1: error: cannot read pack file 'dicom.iod': no such file; 'dicom.iod' is a built-in pack: name it with --pack dicom.iod (the config's 'packs')")
        }
    }

    /// `rules explain` of a generated dicom.iod rule, whose check is one
    /// named condition (`check: m.general-series`, and nothing said what
    /// that is), and of a condition's name (it was "no rule").
    func testExplainNamesWhereAConditionIs() {
        let r = RulesTool.explain("iod.ct-image.general-series", builtin: builtin)
        XCTAssertEqual(r.exitCode, 0, r.errors)
        XCTAssertTrue(r.output.contains("  check:     m.general-series\n            (condition m.general-series: \(builtin)/dicom.iod.yaml:"), r.output)
        let c = RulesTool.explain("iod.ct-image", builtin: builtin)
        XCTAssertEqual(c.exitCode, 2)
        XCTAssertTrue(c.errors.hasPrefix("error: no rule 'iod.ct-image': 'iod.ct-image' is a condition of \(builtin)/dicom.iod.yaml:"), c.errors)
        XCTAssertTrue(c.errors.contains(", not a rule; its rules: iod.ct-image.patient, "), c.errors)
        // a hand-written rule's check is shown as written, with no such line
        let m = RulesTool.explain("meta.version", builtin: builtin)
        XCTAssertFalse(m.output.contains("(condition "), m.output)
        XCTAssertFalse(m.output.contains("  values:    "), m.output)
        // a `redact_values` rule says so
        let d = RulesTool.explain("deid.dummy", builtin: builtin)
        XCTAssertTrue(d.output.contains("  values:    redacted in its findings unless --show-phi (redact_values)\n"), d.output)
    }

    /// `rules coverage DIR`: each pack of the directory on its own (Rules/
    /// was "duplicate rule id" between an example pack and vendor.siemens,
    /// and a directory named without a `/` was taken for a pack id).
    func testCoverageOfADirectory() throws {
        let r = RulesTool.coverage([builtin], builtin: builtin)
        XCTAssertEqual(r.exitCode, 0, r.errors)
        XCTAssertTrue(r.output.contains("dicom.iod (\(builtin)/dicom.iod.yaml)\n"), String(r.output.prefix(300)))
        XCTAssertTrue(r.output.contains("vendor.private: no 1C/2C or conditional-module conditions"), String(r.output.suffix(600)))
        XCTAssertTrue(r.output.contains("vendor.siemens (\(builtin)/vendor.siemens.yaml)\n"), String(r.output.suffix(600)))
        let sub = dir + "/packs"
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: dir + "/b-ok.yaml", toPath: sub + "/ok.yaml")
        let cwd = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(dir))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(cwd) }
        let named = RulesTool.coverage(["packs"], builtin: builtin)
        XCTAssertEqual(named.exitCode, 0, named.errors)
        XCTAssertEqual(named.output, "t.ok: no 1C/2C or conditional-module conditions\n\n")
    }

    /// `rules list --rules DIR`, `rules explain ID --rules DIR`: each pack of
    /// the directory on its own (Rules/ was "duplicate rule id").
    func testListAndExplainWithADirectory() {
        let list = RulesTool.list(packIDs: [], files: [builtin], builtin: builtin)
        XCTAssertEqual(list.exitCode, 0, list.errors)
        XCTAssertTrue(list.output.contains("siemens.csa-image "), list.output)
        XCTAssertTrue(list.output.contains("mr.siemens-csa-header "), list.output)
        let ex = RulesTool.explain("meta.version", files: [builtin], builtin: builtin)
        XCTAssertEqual(ex.exitCode, 0, ex.errors)
        XCTAssertTrue(ex.output.hasPrefix("meta.version — "), ex.output)
        // a directory without packs is still an error
        XCTAssertNoThrow(try FileManager.default.createDirectory(atPath: dir + "/empty", withIntermediateDirectories: true))
        let none = RulesTool.list(packIDs: [], files: [dir + "/empty"], builtin: builtin)
        XCTAssertEqual(none.exitCode, 2)
        XCTAssertTrue(none.errors.contains("no pack file (*.yaml, *.yml) in the directory"), none.errors)
    }

    /// `rules explain siemens.csa-image` with a site's pack among the
    /// built-in ones that reuses the vendor rule's id (the example pack did,
    /// until its rule became `mr.siemens-csa-header`): each is explained,
    /// the packs named — one alone was shown; a vendor rule shows its description.
    func testExplainAnIDOfSeveralPacks() throws {
        let b = dir + "/builtin"
        try FileManager.default.createDirectory(atPath: b + "/examples", withIntermediateDirectories: true)
        for f in ["dicom.core.yaml", "vendor.siemens.yaml"] { try FileManager.default.copyItem(atPath: builtin + "/" + f, toPath: b + "/" + f) }
        try "pack: site.mr\nversion: 1\nrules:\n  - id: siemens.csa-image\n    severity: info\n    check: {Modality: present}\n"
            .write(toFile: b + "/examples/site.mr.yaml", atomically: true, encoding: .utf8)
        let r = RulesTool.explain("siemens.csa-image", builtin: b)
        XCTAssertEqual(r.exitCode, 0, r.errors)
        XCTAssertTrue(r.output.hasPrefix("'siemens.csa-image' is a rule of 2 packs: site.mr, vendor.siemens\n\nsiemens.csa-image\n"), r.output)
        XCTAssertTrue(r.output.contains("\n\nsiemens.csa-image — Original V-series MR images carry a CSA image header\n  Siemens V-series"), r.output)
        // the shipped packs share no rule id
        let one = RulesTool.explain("siemens.csa-image", builtin: builtin)
        XCTAssertTrue(one.output.hasPrefix("siemens.csa-image — Original V-series MR images"), one.output)
        let p = RulesTool.explain("private.vr", builtin: builtin)
        XCTAssertTrue(p.output.hasPrefix("private.vr — Known private elements have their vendor dictionary's VR\n  A private element written with another VR"), p.output)
    }

    /// The packs of Rules/examples were listed and covered among the
    /// built-in packs by default, and named beside them when an id was
    /// unknown: a user read `mr.tr-range` as one of the standard's checks.
    /// They still load by id.
    func testExamplePacksAreApart() throws {
        let l = PackLoader(libraries: [builtin])
        XCTAssertEqual(l.exampleIDs, ["example.ct-mr", "siemens.mr-protocol", "study.brain-protocol"])
        XCTAssertTrue(l.standardIDs.contains("dicom.core") && l.standardIDs.contains("vendor.siemens"), "\(l.standardIDs)")
        XCTAssertTrue(l.exampleIDs.isDisjoint(with: l.standardIDs))
        let all = RulesTool.list(packIDs: [], builtin: builtin)
        XCTAssertEqual(all.exitCode, 0, all.errors)
        XCTAssertTrue(all.output.contains(" dicom.core "), all.output)
        XCTAssertFalse(all.output.contains("example.ct-mr"), "the examples are not listed by default")
        let one = RulesTool.list(packIDs: ["example.ct-mr"], builtin: builtin)
        XCTAssertTrue(one.output.contains("mr.tr-range"), one.output)
        let cov = RulesTool.coverage([], builtin: builtin)
        XCTAssertFalse(cov.output.contains("example.ct-mr"), cov.output)
        XCTAssertTrue(cov.output.contains("dicom.iod"), cov.output)
        do { _ = try l.load(files: [], ids: ["dicom.cor"]); XCTFail("an unknown id loaded") }
        catch let e as PackErrors {
            XCTAssertTrue(e.description.contains("vendor.siemens; examples: example.ct-mr, siemens.mr-protocol, study.brain-protocol"), e.description)
        }
        XCTAssertNoThrow(try l.load(files: [], ids: ["example.ct-mr"]))
    }

    /// `rules coverage --file` printed the file's path as given: a folder
    /// named after the patient (PatientID IOD001) is redacted as `check`
    /// redacts it, unless --show-phi.
    func testCoverageOfAFileRedactsPatientFolders() throws {
        let folder = dir + "/IOD001"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: repoRoot + "/Fixtures/iod/CT.dcm", toPath: folder + "/CT.dcm")
        let r = RulesTool.coverage(["dicom.iod"], file: folder + "/CT.dcm", builtin: builtin)
        XCTAssertEqual(r.exitCode, 0, r.errors)
        XCTAssertFalse(r.output.contains("IOD001"), r.output)
        XCTAssertTrue(r.output.contains("/<redacted:"), r.output)
        let shown = RulesTool.coverage(["dicom.iod"], file: folder + "/CT.dcm", showPHI: true, builtin: builtin)
        XCTAssertTrue(shown.output.contains(folder + "/CT.dcm: "), shown.output)
    }

    /// `rules test` of a pack without examples said "0 of 0 examples as
    /// expected"; it says there is nothing to run, and why.
    func testTestOfAPackWithoutExamples() throws {
        let none = dir + "/none.yaml"
        XCTAssertTrue(FileManager.default.createFile(atPath: none, contents: Data("pack: t.none\nversion: 1\nrules:\n  - {id: n.a, check: {Rows: present}}\n".utf8)))
        let r = RulesTool.test([none, builtin + "/examples/study.brain-protocol.yaml"], builtin: builtin)
        XCTAssertEqual(r.exitCode, 0, r.errors)
        XCTAssertEqual(r.output, "\(none): no examples to run — give its rules examples: {pass: [...], fail: [...]} (docs/rule-language.md)\n"
            + "\(builtin)/examples/study.brain-protocol.yaml: no examples to run — a protocol pack: its rules are checked on sessions (docs/protocols.md)\n")
    }

    /// A binary without its `Rules/`: `rules list` and `rules coverage`
    /// printed nothing and exited 0, `rules explain` said "no rule".
    func testNoBuiltinPacksIsSaid() {
        let none = dir + "/no-rules-here"
        let list = RulesTool.list(packIDs: [], builtin: none)
        XCTAssertEqual(list.exitCode, 2)
        XCTAssertEqual(list.errors, "error: \(PackLoader.noBuiltinPacks)\n")
        let cov = RulesTool.coverage([], builtin: none)
        XCTAssertEqual(cov.exitCode, 2)
        XCTAssertEqual(cov.errors, "error: \(PackLoader.noBuiltinPacks)\n")
        let ex = RulesTool.explain("dicom.modality", builtin: none)
        XCTAssertEqual(ex.exitCode, 2)
        XCTAssertEqual(ex.errors, "error: no rule 'dicom.modality'; \(PackLoader.noBuiltinPacks)\n")
        let byID = RulesTool.list(packIDs: ["dicom.core"], builtin: none)
        XCTAssertEqual(byID.exitCode, 2)
        XCTAssertTrue(byID.errors.hasPrefix("error: no pack with id 'dicom.core'; \(PackLoader.noBuiltinPacks)"), byID.errors)
    }
}
