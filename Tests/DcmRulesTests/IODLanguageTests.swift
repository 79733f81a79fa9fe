import XCTest
@testable import DcmRules
import DcmData

/// The rule-language pieces the generated `dicom.iod` pack needs:
/// `not_evaluated`, `items:` (item-relative predicates) and
/// `each_element: {except: […], top_level: true}`.
final class IODLanguageTests: XCTestCase {
    func expect(_ check: String, _ data: String, _ want: Outcome, conditions: String = "", line: UInt = #line) {
        do {
            let got = try outcome(check, on: data, conditions: conditions)
            XCTAssertEqual(got, want, "\(check) on \(data)", line: line)
        } catch { XCTFail("\(error)", line: line) }
    }

    func testNotEvaluatedIsNeverSilentlyOptional() {
        let c = "{ContrastBolusAgent: {type: 1C, if: {not_evaluated: \"Required if contrast media was used\"}}}"
        expect(c, "{ContrastBolusAgent: \"Iodine\"}", .pass)          // present: passes
        expect(c, "{Modality: CT}", .notEvaluated)                     // absent: not evaluated
        expect(c, "{ContrastBolusAgent: \"\"}", .pass)                 // present (the condition is unknown, so a value is not demanded)
        let c2 = "{ContrastBolusAgent: {type: 2C, if: {not_evaluated: \"Required if contrast media was used\"}}}"
        expect(c2, "{Modality: CT}", .notEvaluated)
        // a failing sibling still fails the rule
        expect("{all: [\(c), {Modality: {type: \"1\"}}]}", "{PatientID: \"1\"}", .fail)
        // in `when`: the rule is not evaluated
        XCTAssertEqual(try outcome("{Modality: present}", when: "[{not_evaluated: \"x\"}]", on: "{Modality: CT}"), .notEvaluated)
    }

    /// `{text: "…", …}`: the other entries' selector, explained by the text.
    func testTextDescribesASelector() throws {
        let conds = "{adult: {text: \"the patient is an adult\", PatientAge: {in: [\"040Y\", \"050Y\"]}, PatientSex: present}}"
        let c = "{PatientWeight: {type: 1C, if: adult}}"
        expect(c, "{PatientAge: \"040Y\", PatientSex: F, PatientWeight: \"60\"}", .pass, conditions: conds)
        expect(c, "{PatientAge: \"040Y\", PatientSex: F}", .fail, conditions: conds)
        expect(c, "{PatientAge: \"004Y\", PatientSex: F}", .pass, conditions: conds)   // (the condition does not hold: optional)
        expect(c, "{PatientAge: \"040Y\"}", .pass, conditions: conds)
        let set = try pack("""
        pack: t.x
        version: 1
        conditions: \(conds)
        rules:
          - id: t.r
            when: [adult]
            check: \(c)
        """)
        let f = try file("{PatientAge: \"040Y\", PatientSex: F}")
        let r = Evaluator().run(set, on: f, path: nil, showPHI: false)
        XCTAssertEqual(r.findings.map(\.message), ["PatientWeight is absent, although the patient is an adult"])
        XCTAssertEqual(r.findings.first?.because, "the patient is an adult and PatientWeight is absent, although the patient is an adult")
        // alone, or empty: pack errors naming the place
        for bad in ["{text: \"words\"}", "{text: \"\", Modality: CT}", "{text: [a, b], Modality: CT}"] {
            XCTAssertThrowsError(try pack("pack: t.x\nversion: 1\nrules:\n  - id: t.r\n    check: \(bad)\n"), bad) { e in
                XCTAssertTrue("\(e)".contains("'text'"), "\(e)")
                XCTAssertEqual((e as? PackErrors)?.diagnostics.count, 1, "one error, not two: \(e)")
            }
        }
    }

    func testNotEvaluatedText() throws {
        let set = try pack("""
        pack: t.x
        version: 1
        rules:
          - id: t.r
            check: {ContrastBolusAgent: {type: 1C, if: {not_evaluated: "Required if contrast media was used"}}}
        """)
        guard case .instance(let p) = set.rules[0].check, case .attribute(_, .type(.t1C, let cond?)) = p, case .notEvaluated(let t) = cond else {
            return XCTFail("not compiled as a 1C with a not_evaluated condition")
        }
        XCTAssertEqual(t, "Required if contrast media was used")
        XCTAssertTrue(diagnostics("""
        pack: t.x
        version: 1
        rules:
          - id: t.r
            check: {ContrastBolusAgent: {type: 1C, if: {not_evaluated: ""}}}
        """).first?.contains("'not_evaluated' takes the text") ?? false)
    }

    /// The shapes of `dicom.iod`'s defined-term tests (gen_iod.py `_terms`): every
    /// value of a multi-valued attribute, one value position, an empty position,
    /// padding, case, and the narrowed form that leaves dicom.values' list to it.
    func testDefinedTermShapes() {
        let every = "{ScanOptions: {any: [absent, empty, {in: [\"FS\", \"PER\"]}]}}"
        expect(every, "{Modality: MR}", .pass)
        expect(every, "{ScanOptions: [PER, FS]}", .pass)
        expect(every, "{ScanOptions: \"FS \"}", .pass)                 // CS padding is not part of the value
        expect(every, "{ScanOptions: \"\"}", .pass)
        expect(every, "{ScanOptions: [PER, SAT2]}", .fail)               // every value, not one
        expect(every, "{ScanOptions: fs}", .fail)                        // terms are compared exactly
        let third = "{'ImageType[2]': {any: [absent, empty, {length: [0, 0]}, {in: [\"MPR\"]}]}}"
        expect(third, "{ImageType: [ORIGINAL, PRIMARY]}", .pass)         // no Value 3
        expect(third, "{ImageType: [DERIVED, SECONDARY, MPR, ANYTHING]}", .pass)
        expect(third, "{ImageType: [ORIGINAL, PRIMARY, \"\", OTHER]}", .pass)   // an empty Value 3 is no value
        expect(third, "{ImageType: [ORIGINAL, PRIMARY, AXIAL]}", .fail)
        expect(third, "{ImageType: [MPR, MPR, mpr]}", .fail)
        let narrowed = "{ExposureModulationType: {any: [absent, empty, {each: {any: [{in: [\"NONE\"]}, {not_in: [\"ANGULAR\", \"NONE\"]}]}}]}}"
        expect(narrowed, "{ExposureModulationType: NONE}", .pass)
        expect(narrowed, "{ExposureModulationType: [NONE, VENDOR_X]}", .pass)   // not in dicom.values' list: its finding, not ours
        expect(narrowed, "{ExposureModulationType: [NONE, ANGULAR]}", .fail)    // a term elsewhere, not here
    }

    /// The shape of `dicom.iod`'s nested "not in the IOD" test (gen_iod.py
    /// `_item_set`): inside `items:`, `top_level` means the item's own elements.
    func testNotInItemDefinition() {
        let code = "{each_element: {top_level: true, absent: true, except: [00080100, 00080102, 00080104, 00080121]}}"
        let c = "{ProcedureCodeSequence: {items: {all: [\(code), {EquivalentCodeSequence: {items: \(code)}}]}}}"
        expect(c, "{Modality: CT}", .pass)
        expect(c, "{ProcedureCodeSequence: [{CodeValue: \"1\", CodingSchemeDesignator: DCM, CodeMeaning: x}]}", .pass)
        expect(c, "{ProcedureCodeSequence: [{CodeValue: \"1\", PatientName: x}]}", .fail)
        expect(c, "{ProcedureCodeSequence: [{CodeValue: \"1\", EquivalentCodeSequence: [{CodeValue: \"2\", Modality: CT}]}]}", .fail)
    }

    func testItemsAreEvaluatedRelativeToEachItem() {
        let item = "{ReferencedImageSequence: {items: {ReferencedSOPClassUID: {type: \"1\"}, ReferencedFrameNumber: {type: 1C, if: {ReferencedSegmentNumber: absent}}}}}"
        expect(item, "{Modality: CT}", .pass)                                     // absent sequence: vacuous
        expect(item, "{ReferencedImageSequence: []}", .pass)                      // no items: vacuous
        expect(item, "{ReferencedImageSequence: [{ReferencedSOPClassUID: \"1.2\", ReferencedFrameNumber: \"1\"}]}", .pass)
        expect(item, "{ReferencedImageSequence: [{ReferencedSOPClassUID: \"1.2\", ReferencedFrameNumber: \"1\"}, {ReferencedFrameNumber: \"1\"}]}", .fail)
        // the 1C condition is read in the item, not at the top level
        expect(item, "{ReferencedImageSequence: [{ReferencedSOPClassUID: \"1.2\", ReferencedSegmentNumber: \"1\"}]}", .pass)
        expect(item, "{ReferencedSegmentNumber: \"1\", ReferencedImageSequence: [{ReferencedSOPClassUID: \"1.2\"}]}", .fail)
        // nested items
        let nested = "{ReferencedSeriesSequence: {items: {ReferencedInstanceSequence: {type: \"1\", items: {ReferencedSOPInstanceUID: {type: \"1\"}}}}}}"
        expect(nested, "{ReferencedSeriesSequence: [{ReferencedInstanceSequence: [{ReferencedSOPInstanceUID: \"1.2\"}]}]}", .pass)
        expect(nested, "{ReferencedSeriesSequence: [{ReferencedInstanceSequence: [{ReferencedSOPClassUID: \"1.2\"}]}]}", .fail)
        expect(nested, "{ReferencedSeriesSequence: [{ReferencedInstanceSequence: []}]}", .fail)
        // a named condition as the items' predicate
        expect("{ReferencedImageSequence: {items: ref}}", "{ReferencedImageSequence: [{ReferencedSOPInstanceUID: \"1\"}]}", .fail,
               conditions: "{ref: {ReferencedSOPClassUID: {type: \"1\"}}}")
        XCTAssertTrue(diagnostics("""
        pack: t.x
        version: 1
        rules:
          - id: t.r
            check: {Modality: {items: {CodeValue: present}}}
        """).first?.contains("'items' needs a sequence") ?? false)
    }

    func testItemFindingsNameTheFullPath() throws {
        let set = try pack("""
        pack: t.x
        version: 1
        rules:
          - id: t.r
            check:
              all:
                - {Modality: {type: "1"}}
                - {ReferencedSeriesSequence: {items: {ReferencedInstanceSequence: {type: "1", items: {ReferencedSOPInstanceUID: {type: "1"}}}}}}
        """)
        let f = try file("{ReferencedSeriesSequence: [{ReferencedInstanceSequence: [{ReferencedSOPInstanceUID: \"1\"}, {ReferencedSOPClassUID: \"1\"}]}]}")
        let r = Evaluator().run(set, on: f, path: "x.dcm", showPHI: false)
        let attrs = r.findings.map { $0.attribute ?? "" }.sorted()
        // every failing part of `all` is a finding
        XCTAssertEqual(attrs, ["Modality", "ReferencedSeriesSequence[0].ReferencedInstanceSequence[1].ReferencedSOPInstanceUID"])
    }

    func testEachElementExcept() {
        let c = "{each_element: {except: [Modality, 00100020, ReferencedImageSequence], top_level: true, absent: true}}"
        expect(c, "{Modality: CT, PatientID: \"1\"}", .pass)
        expect(c, "{Modality: CT, PatientName: \"X\"}", .fail)
        // top level only: a nested element is not reported
        expect(c, "{ReferencedImageSequence: [{ReferencedSOPClassUID: \"1.2\"}]}", .pass)
        // without top_level, every depth
        expect("{each_element: {except: [ReferencedImageSequence], absent: true}}", "{ReferencedImageSequence: [{ReferencedSOPClassUID: \"1.2\"}]}", .fail)
        XCTAssertTrue(diagnostics("""
        pack: t.x
        version: 1
        rules:
          - id: t.r
            check: {each_element: {only: [Modality], except: [Modality], absent: true}}
        """).contains { $0.contains("'except' and 'only' cannot go together") })
        XCTAssertTrue(diagnostics("""
        pack: t.x
        version: 1
        rules:
          - id: t.r
            check: {each_element: {top_level: true, absent: true}}
        """).contains { $0.contains("'top_level' goes with 'except'") })
    }

    /// `Evaluator.undecided`: which attributes made a rule not evaluated, with the conditions' texts.
    func testUndecidedDetails() throws {
        let set = try pack("""
        pack: t.x
        version: 1
        rules:
          - id: t.r
            check:
              all:
                - {ContrastBolusAgent: {type: 2C, if: {not_evaluated: "Required if contrast media was used"}}}
                - {ReferencedImageSequence: {items: {ReferencedFrameNumber: {type: 1C, if: {not_evaluated: "Required if multi-frame"}}}}}
                - {Modality: {type: "1"}}
          - id: t.w
            when: [{not_evaluated: "Required if the Patient is an animal"}]
            check: {Modality: present}
        """)
        let f = try file("{Modality: CT, ReferencedImageSequence: [{ReferencedFrameNumber: \"1\"}, {ReferencedSOPClassUID: \"1.2\"}]}")
        let e = Evaluator()
        XCTAssertEqual(e.outcome(of: set.rules[0], f), .notEvaluated)
        XCTAssertEqual(e.undecided(set.rules[0], f), [
            UndecidedDetail(attribute: "ContrastBolusAgent", conditions: ["Required if contrast media was used"]),
            UndecidedDetail(attribute: "ReferencedImageSequence[1].ReferencedFrameNumber", conditions: ["Required if multi-frame"]),
        ])
        XCTAssertEqual(e.undecided(set.rules[1], f), [UndecidedDetail(attribute: "", conditions: ["Required if the Patient is an animal"])])
        // a rule that passes or fails has nothing undecided
        XCTAssertEqual(e.undecided(set.rules[0], try file("{Modality: CT, ContrastBolusAgent: \"\"}")), [])
    }

    /// A module's Enumerated Values with the attribute's Type: a missing
    /// attribute is reported by its Type, a wrong value by the list.
    func testTypeWithEnumeratedValues() throws {
        let set = try pack("""
        pack: t.x
        version: 1
        rules:
          - id: t.r
            check: {PhotometricInterpretation: {type: "1", any: [absent, empty, {in: ["MONOCHROME2"]}]}, PatientSex: {type: "2", any: [absent, empty, {in: [M, F, O]}]}}
        """)
        let e = Evaluator()
        let missing = e.run(set, on: try file("{Modality: CT}"), path: nil, showPHI: false).findings
        XCTAssertEqual(missing.map(\.expected), ["type 1 (present, with a value)", "type 2 (present)"])
        let wrong = e.run(set, on: try file("{PhotometricInterpretation: RGB, PatientSex: \"\"}"), path: nil, showPHI: false).findings
        XCTAssertEqual(wrong.map(\.expected), ["one of [MONOCHROME2]"])
        XCTAssertEqual(e.outcome(of: set.rules[0], try file("{PhotometricInterpretation: MONOCHROME2, PatientSex: \"\"}")), .pass)
    }
}
