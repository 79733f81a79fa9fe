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
        let outcomes = r.outcomes   // (computed: once)
        for (i, rule) in set.rules.enumerated() where set.tagIndex.gated[i] || set.tagIndex.walkSlot[i] >= 0 {
            guard case .instance = rule.check else { continue }
            let alone = Evaluator().outcome(of: rule, file)
            XCTAssertEqual(outcomes[i], alone, "\(rule.id) on \(what)")
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

    /// A file's result lists only the rules `run` visited (OutcomeLayout): the
    /// others' outcomes — IOD rules of other SOP Classes, gated rules whose
    /// tags are absent — are implied, and must be what each rule gives alone;
    /// a run's `OutcomeTally` must count what the files' outcomes say.
    func testImpliedOutcomesAndTally() throws {
        let set = try pack("""
        pack: t.g
        version: 1
        conditions:
          iod.ct: {SOPClassUID: {in: ["1.2.840.10008.5.1.4.1.1.2"]}}
          iod.mr: {SOPClassUID: {in: ["1.2.840.10008.5.1.4.1.1.4", "1.2.840.10008.5.1.4.1.1.4.1"]}}
          iod.mr2: {SOPClassUID: {in: ["1.2.840.10008.5.1.4.1.1.4"]}}
        rules:
          - {id: t.ct1, when: [iod.ct], check: {Modality: {type: "1"}}}
          - {id: t.gated, check: {each_element: {only: [PatientSex], in: [M, F, O]}}}
          - {id: t.mr1, when: [iod.mr], check: {EchoTime: {type: "2"}}}
          - {id: t.mr2, when: [iod.mr2, {Modality: MR}], check: {RepetitionTime: {type: "1"}}}
          - {id: t.plain, check: {Modality: {in: [CT, MR]}}}
          - {id: t.ct2, when: [iod.ct], check: {KVP: {type: "2"}}}
          - {id: t.series, level: series, check: {consistent: [Modality]}}
        """)
        XCTAssertEqual(set.layout.plain, [4, 6])
        let files = [
            try file("{SOPClassUID: \"1.2.840.10008.5.1.4.1.1.2\", Modality: CT, PatientSex: X}"),
            try file("{SOPClassUID: \"1.2.840.10008.5.1.4.1.1.4\", Modality: MR, EchoTime: \"2\"}"),
            try file("{SOPClassUID: \"1.2.840.10008.5.1.4.1.1.4.1\", Modality: MR, PatientSex: F}"),
            try file("{SOPClassUID: \"1.2.840.10008.5.1.4.1.1.4\\\\1.2.840.10008.5.1.4.1.1.2\", Modality: OT}"),
            try file("{Modality: CT}"),
            // a gated tag only inside an item, failing there (fusedGated walks the items)
            try file("{Modality: MR, ReferencedPatientSequence: [{PatientSex: M}, {PatientSex: X}]}"),
        ]
        var tally = OutcomeTally(set)
        var want = [OutcomeCounts](repeating: OutcomeCounts(), count: set.rules.count)
        for (k, f) in files.enumerated() {
            let r = Evaluator().run(set, on: f, path: nil, showPHI: false)
            XCTAssertLessThan(r.visited.count, set.rules.count, "file \(k) visits only its rules")
            let outcomes = r.outcomes
            for (i, rule) in set.rules.enumerated() {
                guard case .instance = rule.check else { XCTAssertNil(outcomes[i]); continue }
                let alone = Evaluator().outcome(of: rule, f)
                XCTAssertEqual(outcomes[i], alone, "\(rule.id) on file \(k)")
                want[i].add(alone)
            }
            XCTAssertEqual(r.notEvaluatedRules, r.outcomes.enumerated().filter { $0.element == .notEvaluated }.map { Int32($0.offset) })
            tally.add(r)
        }
        XCTAssertEqual(tally.counts, want)
        XCTAssertEqual(want[0].notApplicable, 5, "t.ct1: not applicable on the MR files, the two-valued SOP Class and the files without one")
        XCTAssertEqual(want[1].pass, 4, "t.gated passes where PatientSex is absent (3 files) or F")
        XCTAssertEqual(want[1].fail, 2, "and fails on X, at the top or in an item")
    }
}
