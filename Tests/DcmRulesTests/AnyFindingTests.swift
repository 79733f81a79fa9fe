import XCTest
@testable import DcmRules
import DcmData

/// One defect, one finding: a check `any` that fails is one defect — none of
/// its alternatives holds — and gives the findings of one part (the first
/// that tests an attribute the file has, else the first), not one set per
/// failing part. Before, `{any: [A, B]}`
/// with neither gave two findings naming A and B (the same message twice on
/// vendor.canon's, vendor.siemens's and vendor.philips's rules of that form,
/// as on dicom.deid-basic's deid.method before 52de9ca). An `all` still gives
/// one finding per failing part (one per missing attribute of a module).
final class AnyFindingTests: XCTestCase {
    func findings(_ set: RuleSet, _ data: String, rule: String) throws -> [Finding] {
        Evaluator().run(set, on: try file(data), path: "x.dcm", showPHI: false).findings.filter { $0.ruleID == rule }
    }

    func testFailingAnyIsOneFinding() throws {
        let set = try pack("""
        pack: t.any
        version: 1
        rules:
          - id: t.either
            check: {any: [{EchoTime: present}, {RepetitionTime: {range: [1, 10]}}]}
          - id: t.two-anys
            check: {all: [{any: [{EchoTime: present}, {RepetitionTime: present}]}, {any: [{KVP: present}, {ExposureTime: present}]}]}
          - id: t.guarded
            check: {any: [{not: {Modality: MR}}, {EchoTime: present}, {RepetitionTime: present}]}
          - id: t.functional-group
            check: {any: [{'SharedFunctionalGroupsSequence[0].PixelMeasuresSequence': present}, {PerFrameFunctionalGroupsSequence: {not_empty: true, items: {PixelMeasuresSequence: {type: "1", items: {SliceThickness: present}}}}}]}
          - id: t.items
            check: {ReferencedImageSequence: {items: {any: [{ReferencedSOPClassUID: present}, {ReferencedSOPInstanceUID: present}]}}}
        """)
        // neither there: the first part
        let either = try findings(set, "{Modality: MR}", rule: "t.either")
        XCTAssertEqual(either.map(\.attribute), ["EchoTime"])
        XCTAssertEqual(either.first?.message, "EchoTime is absent")
        // the alternative the file took, and got wrong — not the absence of the other
        XCTAssertEqual(try findings(set, "{Modality: MR, RepetitionTime: \"20\"}", rule: "t.either").map(\.message), ["RepetitionTime 20 > 10"])
        XCTAssertEqual(try findings(set, "{Modality: MR, RepetitionTime: \"5\"}", rule: "t.either").count, 0)
        // two alternatives failing: two defects, one finding each
        XCTAssertEqual(try findings(set, "{Modality: MR}", rule: "t.two-anys").map(\.attribute), ["EchoTime", "KVP"])
        // a guard is still not reported while another part explains the failure
        XCTAssertEqual(try findings(set, "{Modality: MR}", rule: "t.guarded").map(\.attribute), ["EchoTime"])
        // dicom.iod's functional groups: the macro per frame, one frame's item
        // bad — that item's finding, not "the Shared item has none" besides
        let fg = try findings(set, "{PerFrameFunctionalGroupsSequence: [{PixelMeasuresSequence: [{SliceThickness: \"1\"}]}, {PixelMeasuresSequence: [{PixelSpacing: [\"1\", \"1\"]}]}]}", rule: "t.functional-group")
        XCTAssertEqual(fg.map(\.attribute), ["PerFrameFunctionalGroupsSequence[1].PixelMeasuresSequence[0].SliceThickness"])
        // the macro in neither place: one finding (not one per frame as well)
        XCTAssertEqual(try findings(set, "{Modality: MR}", rule: "t.functional-group").map(\.attribute), ["SharedFunctionalGroupsSequence[0].PixelMeasuresSequence"])
        XCTAssertEqual(try findings(set, "{PerFrameFunctionalGroupsSequence: [{FrameContentSequence: [{FrameAcquisitionNumber: \"1\"}]}, {FrameContentSequence: [{FrameAcquisitionNumber: \"2\"}]}]}",
                                    rule: "t.functional-group").map(\.attribute), ["SharedFunctionalGroupsSequence[0].PixelMeasuresSequence"])
        // inside items: one finding per failing item, not per part
        let items = try findings(set, "{ReferencedImageSequence: [{ReferencedFrameNumber: \"1\"}, {ReferencedSOPClassUID: \"1.2\"}, {ReferencedFrameNumber: \"2\"}]}", rule: "t.items")
        XCTAssertEqual(items.map(\.attribute), ["ReferencedImageSequence[0].ReferencedSOPClassUID", "ReferencedImageSequence[2].ReferencedSOPClassUID"])
    }

    /// The built-in rules whose check is an `any` of two attributes under one
    /// message, and siemens.csa-parseable's `any: [{csa.image: absent},
    /// {csa.image: {in: [CSA1, CSA2]}}]`: one finding on each of their fail
    /// examples (two before), the latter's the value's, not "is present".
    func testVendorAnyRulesGiveOneFindingPerFile() throws {
        var l = PackLoader(libraries: [repoRoot + "/Rules"])
        l.buildExamples = true
        let set = try l.load(files: [], ids: ["vendor.canon", "vendor.siemens", "vendor.philips"])
        for id in ["canon.dwi-direction", "siemens.mosaic-count", "philips.pet-suv-factor", "siemens.csa-parseable"] {
            let rule = try XCTUnwrap(set.rules.first { $0.id == id }, id)
            let fails = rule.examples.filter { !$0.expectPass }
            XCTAssertFalse(fails.isEmpty, id)
            for ex in fails {
                let fs = Evaluator().run(set, on: ex.file, path: "x.dcm", showPHI: false).findings.filter { $0.ruleID == id }
                XCTAssertEqual(fs.count, 1, "\(id) at \(ex.location): \(fs.map { "\($0.attribute ?? "-"): \($0.message)" })")
                if id == "siemens.csa-parseable" {
                    // the part that says what is wrong, not "csa.image is present"
                    XCTAssertEqual(fs.first?.expected, "one of [CSA1, CSA2]", "\(ex.location): \(fs.map(\.message))")
                }
            }
        }
    }
}
