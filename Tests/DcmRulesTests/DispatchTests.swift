import XCTest
@testable import DcmRules
import DcmData

/// `Evaluator.run` decides the tag-gated rules and the generic element walks
/// without evaluating each rule (TagDispatch, fusedWalk): its outcomes must be
/// the ones each rule gives on its own, on every example of every shipped pack
/// and on the fixture files.
final class DispatchTests: XCTestCase {
    /// Compares the rules `run` decides by dispatch (tag-gated or walked
    /// together); the others go through `outcome(of:)` there as well.
    func check(_ set: RuleSet, _ file: DicomFile, _ what: String) {
        let ev = Evaluator()
        let r = ev.run(set, on: file, path: nil, showPHI: false)
        for (i, rule) in set.rules.enumerated() where set.tagIndex.gated[i] || set.tagIndex.walkSlot[i] >= 0 {
            guard case .instance = rule.check else { continue }
            let alone = Evaluator().outcome(of: rule, file)
            XCTAssertEqual(r.outcomes[i], alone, "\(rule.id) on \(what)")
        }
    }

    func testShippedPacksTogetherAsAlone() throws {
        // (dicom.iod's rules all have a SOP Class `when`: none is dispatched here, and
        // its size would make every run of the set slow)
        let files = PackLoader.packFiles(in: repoRoot + "/Rules").filter { !$0.contains("/examples/") && !$0.hasSuffix("/dicom.iod.yaml") }
        let set = try PackLoader(libraries: [repoRoot + "/Rules"]).load(files: files)
        XCTAssertGreaterThan(set.tagIndex.gatedCount, 500, "dicom.values' enumerated values are tag-gated")
        XCTAssertGreaterThanOrEqual(set.tagIndex.walkRules.count, 3, "format, vm and retired share one walk")
        XCTAssertTrue(set.tagIndex.walkFilters.contains(.privateCreators), "and vendor.private's creator rules")
        // every example of the walked rules, and a spread of the others (each
        // check runs the whole set: keep the test fast as packs grow)
        let all = set.rules.flatMap { r in r.examples.map { (r, $0) } }
        let walked = Set(set.rules.indices.filter { set.tagIndex.walkSlot[$0] >= 0 }.map { set.rules[$0].id })
        let step = max(1, all.count / 500)
        var n = 0
        for (k, (rule, ex)) in all.enumerated() where walked.contains(rule.id) || k % step == 0 {
            check(set, ex.file, "an example of \(rule.id)"); n += 1
        }
        XCTAssertGreaterThan(n, 300)
        for path in ["pydicom/MR_small_bigendian.dcm", "pydicom/image_dfl.dcm"] {
            let f = repoRoot + "/Fixtures/" + path
            guard FileManager.default.fileExists(atPath: f) else { continue }
            check(set, try DicomReader.read(path: f), path)
        }
    }

    /// Disabling or re-grading rules rebuilds the index (it is per rule position).
    func testIndexFollowsRules() throws {
        var set = try pack("""
        pack: t.d
        version: 1
        rules:
          - {id: t.a, check: {each_element: {only: [Modality], in: [CT]}}}
          - {id: t.b, check: {each_element: {format: true}}}
          - {id: t.c, check: {each_element: {vm: dictionary}}}
          - {id: t.d, when: [{Modality: MR}], check: {each_element: {only: [Modality], in: [CT]}}}
        """)
        XCTAssertEqual(set.tagIndex.gatedCount, 1)
        XCTAssertEqual(set.tagIndex.walkRules, [1, 2])
        set.rules.removeFirst()
        XCTAssertEqual(set.tagIndex.gatedCount, 0)
        XCTAssertEqual(set.tagIndex.walkRules, [0, 1])
        let f = try file("{Modality: MR, StudyDate: \"2024-01-01\", PixelSpacing: \"1\"}")
        let r = Evaluator().run(set, on: f, path: nil, showPHI: false)
        XCTAssertEqual(r.outcomes, [.fail, .fail, .fail])
        XCTAssertEqual(r.findings.filter { $0.ruleID == "t.b" }.first?.attribute, "StudyDate")
    }
}
