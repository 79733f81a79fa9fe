import XCTest
@testable import DcmRules
import DcmData
import DcmDictionary

/// `top:` and `parent:` (docs/rule-language.md): inside `items`, a predicate
/// on the top-level data set or on the data set holding the sequence — PS3.3
/// conditions on an attribute outside the item ("Required if Scan Mode
/// (300A,0308) is MODULATED" for a control point's attributes).
final class ScopeTests: XCTestCase {
    /// The outcome with the program evaluator and with the tree evaluator (both must agree).
    func expect(_ check: String, _ data: String, _ want: Outcome, conditions: String = "", line: UInt = #line) {
        do {
            let set = try pack("""
            pack: t.scope
            version: 1
            \(conditions.isEmpty ? "" : "conditions: " + conditions)
            rules:
              - id: t.rule
                check: \(check)
            """)
            let f = try file(data)
            let tree = Evaluator()
            tree.usesPrograms = false
            XCTAssertEqual(Evaluator().outcome(of: set.rules[0], f), want, "program: \(check) on \(data)", line: line)
            XCTAssertEqual(tree.outcome(of: set.rules[0], f), want, "tree: \(check) on \(data)", line: line)
        } catch { XCTFail("\(error)", line: line) }
    }

    // an RT control point's attribute, required by the beam's Scan Mode (PS3.3 C.8.8.14)
    let controlPoint = "{BeamSequence: {items: {ControlPointSequence: {items: {NominalBeamEnergy: {type: 1C, if: {parent: {ScanMode: MODULATED}}}}}}}}"

    func testParentIsTheEnclosingItem() {
        let c = controlPoint
        expect(c, "{BeamSequence: [{ScanMode: MODULATED, ControlPointSequence: [{ControlPointIndex: 0}]}]}", .fail)
        expect(c, "{BeamSequence: [{ScanMode: MODULATED, ControlPointSequence: [{NominalBeamEnergy: 6}]}]}", .pass)
        expect(c, "{BeamSequence: [{ScanMode: NONE, ControlPointSequence: [{ControlPointIndex: 0}]}]}", .pass)
        expect(c, "{BeamSequence: [{ControlPointSequence: [{ControlPointIndex: 0}]}]}", .pass)
        // each beam's own Scan Mode, not the first's nor the top level's
        expect(c, "{ScanMode: NONE, BeamSequence: [{ScanMode: NONE, ControlPointSequence: [{ControlPointIndex: 0}]}, {ScanMode: MODULATED, ControlPointSequence: [{ControlPointIndex: 0}]}]}", .fail)
        expect(c, "{ScanMode: MODULATED, BeamSequence: [{ScanMode: NONE, ControlPointSequence: [{ControlPointIndex: 0}]}]}", .pass)
        // the item itself is not the parent
        expect(c, "{BeamSequence: [{ControlPointSequence: [{ScanMode: MODULATED}]}]}", .pass)
    }

    func testTopIsTheTopLevelDataSet() {
        let c = "{ReferencedImageSequence: {items: {ReferencedFrameNumber: {type: 1C, if: {top: {PresentationIntentType: FOR PROCESSING}}}}}}"
        expect(c, "{PresentationIntentType: FOR PROCESSING, ReferencedImageSequence: [{ReferencedSOPClassUID: '1.2'}]}", .fail)
        expect(c, "{PresentationIntentType: FOR PROCESSING, ReferencedImageSequence: [{ReferencedFrameNumber: 1}]}", .pass)
        expect(c, "{PresentationIntentType: FOR PRESENTATION, ReferencedImageSequence: [{ReferencedSOPClassUID: '1.2'}]}", .pass)
        expect(c, "{ReferencedImageSequence: [{PresentationIntentType: FOR PROCESSING}]}", .pass)
        // two levels down: still the top level; parent of parent is the same data set
        let deep = "{BeamSequence: {items: {ControlPointSequence: {items: {NominalBeamEnergy: {type: 1C, if: SCOPE}}}}}}"
        for scope in ["{top: {Modality: RTPLAN}}", "{parent: {parent: {Modality: RTPLAN}}}"] {
            let check = deep.replacingOccurrences(of: "SCOPE", with: scope)
            expect(check, "{Modality: RTPLAN, BeamSequence: [{Modality: CT, ControlPointSequence: [{Modality: CT}]}]}", .fail)
            expect(check, "{Modality: CT, BeamSequence: [{Modality: RTPLAN, ControlPointSequence: [{Modality: RTPLAN}]}]}", .pass)
        }
        // at the top level, `top` is the data set itself
        expect("{top: {Modality: CT}}", "{Modality: CT}", .pass)
        expect("{top: {Modality: CT}}", "{Modality: MR}", .fail)
        // `items` inside `top` / `parent` enter the scope's sequences, and their `parent` is that scope
        expect("{ReferencedImageSequence: {items: {top: {BeamSequence: {items: {parent: {Modality: RTPLAN}}}}}}}",
               "{Modality: RTPLAN, ReferencedImageSequence: [{Modality: CT}], BeamSequence: [{Modality: CT}]}", .pass)
        expect("{ReferencedImageSequence: {items: {top: {BeamSequence: {items: {parent: {Modality: RTPLAN}}}}}}}",
               "{Modality: CT, ReferencedImageSequence: [{Modality: RTPLAN}], BeamSequence: [{Modality: RTPLAN}]}", .fail)
    }

    /// `top:` in the items of a sequence that is itself in an item, reached
    /// by a path (`Seq[*].Inner`, `Seq[0].Inner`): the file's top-level data
    /// set still, not the item holding the sequence (that is `parent:`).
    func testTopFromASequenceInAnItem() {
        let top = "{top: {Modality: RTPLAN}}"
        for path in ["BeamSequence[*].ControlPointSequence", "BeamSequence[0].ControlPointSequence"] {
            let c = "{'\(path)': {items: {NominalBeamEnergy: {type: 1C, if: \(top)}}}}"
            expect(c, "{Modality: RTPLAN, BeamSequence: [{Modality: CT, ControlPointSequence: [{ControlPointIndex: 0}]}]}", .fail)
            expect(c, "{Modality: CT, BeamSequence: [{Modality: RTPLAN, ControlPointSequence: [{ControlPointIndex: 0}]}]}", .pass)
            let p = "{'\(path)': {items: {NominalBeamEnergy: {type: 1C, if: {parent: {ScanMode: MODULATED}}}}}}"
            expect(p, "{ScanMode: NONE, BeamSequence: [{ScanMode: MODULATED, ControlPointSequence: [{ControlPointIndex: 0}]}]}", .fail)
            expect(p, "{ScanMode: MODULATED, BeamSequence: [{ScanMode: NONE, ControlPointSequence: [{ControlPointIndex: 0}]}]}", .pass)
        }
    }

    /// `items` under `each_element` tests the items of the sequences it
    /// selects (a sequence has no value: the walk skipped it and the rule
    /// passed without reading an item), at the top level and inside items,
    /// with `top:` reading the file's top level there.
    func testEachElementTestsTheItemsOfSequences() {
        let c = "{each_element: {only: [ReferencedImageSequence], items: {ReferencedSOPInstanceUID: present}}}"
        expect(c, "{ReferencedImageSequence: [{ReferencedSOPClassUID: '1.2'}]}", .fail)
        expect(c, "{ReferencedImageSequence: [{ReferencedSOPInstanceUID: '1.2.3'}]}", .pass)
        expect(c, "{SourceImageSequence: [{ReferencedImageSequence: [{ReferencedSOPClassUID: '1.2'}]}]}", .fail)
        expect(c, "{ReferencedImageSequence: []}", .pass)
        let w = "{each_element: {only: [ControlPointSequence], items: {NominalBeamEnergy: {type: 1C, if: {top: {Modality: RTPLAN}}}}}}"
        expect(w, "{Modality: RTPLAN, BeamSequence: [{Modality: CT, ControlPointSequence: [{ControlPointIndex: 0}]}]}", .fail)
        expect(w, "{Modality: CT, BeamSequence: [{Modality: RTPLAN, ControlPointSequence: [{ControlPointIndex: 0}]}]}", .pass)
        expect(w, "{Modality: RTPLAN, ControlPointSequence: [{ControlPointIndex: 0}]}", .fail)
    }

    func testCombinationsAndNotEvaluated() {
        // in a named condition, used inside items; with all / not
        let conds = "{modulated: {parent: {ScanMode: MODULATED}}}"
        let c = "{BeamSequence: {items: {ControlPointSequence: {items: {NominalBeamEnergy: {type: 1C, if: {all: [modulated, {not: {ControlPointIndex: 0}}]}}}}}}}"
        expect(c, "{BeamSequence: [{ScanMode: MODULATED, ControlPointSequence: [{ControlPointIndex: 0}, {ControlPointIndex: 1}]}]}", .fail, conditions: conds)
        expect(c, "{BeamSequence: [{ScanMode: MODULATED, ControlPointSequence: [{ControlPointIndex: 0}]}]}", .pass, conditions: conds)
        // unknown stays unknown through the scope
        let u = "{ReferencedImageSequence: {items: {ReferencedFrameNumber: {type: 1C, if: {top: {not_evaluated: \"x\"}}}}}}"
        expect(u, "{ReferencedImageSequence: [{ReferencedSOPClassUID: '1.2'}]}", .notEvaluated)
        expect(u, "{ReferencedImageSequence: [{ReferencedFrameNumber: 1}]}", .pass)
        // a value that cannot be decided in the enclosing data set: not evaluated
        let n = "{BeamSequence: {items: {ControlPointSequence: {items: {NominalBeamEnergy: {type: 1C, if: {parent: {FinalCumulativeMetersetWeight: {gt: 1}}}}}}}}}"
        expect(n, "{BeamSequence: [{FinalCumulativeMetersetWeight: abc, ControlPointSequence: [{ControlPointIndex: 0}]}]}", .notEvaluated)
        expect(n, "{BeamSequence: [{FinalCumulativeMetersetWeight: 2, ControlPointSequence: [{ControlPointIndex: 0}]}]}", .fail)
    }

    /// `parent` where no data set encloses the one evaluated is unknown
    /// (the compiler refuses it where it can tell: below).
    func testParentAtTheTopLevelIsUnknown() throws {
        let f = try file("{Modality: CT}")
        let p = Predicate.scoped(.parent, .attribute(.tag(Tag(0x0008, 0x0060), text: "Modality"), .present))
        XCTAssertEqual(Evaluator().evaluate(p, f, selector: true), .unknown)
        XCTAssertEqual(Evaluator().evaluate(FlatProgram(p), f, selector: true), .unknown)
        XCTAssertEqual(Evaluator().evaluate(.scoped(.top, .attribute(.tag(Tag(0x0008, 0x0060), text: "Modality"), .present)), f, selector: true), .yes)
    }

    func testErrors() {
        // a `parent` outside items, in a check and in `when`
        XCTAssertEqual(diagnostics("""
        pack: t.bad
        version: 1
        rules:
          - id: t.r
            check: {parent: {Modality: CT}}
        """), ["bad.yaml:5:13: error: 'parent' reads the data set enclosing a sequence item, but here the data set is the top level (use it inside 'items')"])
        XCTAssertEqual(diagnostics("""
        pack: t.bad
        version: 1
        rules:
          - id: t.r
            when: [{Modality: CT}, {parent: {Modality: CT}}]
            check: {Modality: present}
        """).count, 1)
        // inside `top`, the data set is the top level again
        XCTAssertEqual(diagnostics("""
        pack: t.bad
        version: 1
        rules:
          - id: t.r
            check: {BeamSequence: {items: {top: {parent: {Modality: CT}}}}}
        """), ["bad.yaml:5:42: error: 'parent' reads the data set enclosing a sequence item, but here the data set is the top level (use it inside 'items')"])
        // two levels up from one item
        XCTAssertEqual(diagnostics("""
        pack: t.bad
        version: 1
        rules:
          - id: t.r
            check: {BeamSequence: {items: {parent: {parent: {Modality: CT}}}}}
        """).count, 1)
        // one up from two items is fine, and so is `top` anywhere
        XCTAssertEqual(diagnostics("""
        pack: t.ok
        version: 1
        rules:
          - id: t.r
            check: {BeamSequence: {items: {ControlPointSequence: {items: {parent: {parent: {Modality: CT}}}}}}}
          - id: t.s
            check: {top: {Modality: CT}, BeamSequence: {items: {top: {Modality: CT}}}}
        """), [])
        // a named condition that reads `parent`: an error where it is used outside items, not where it is defined
        XCTAssertEqual(diagnostics("""
        pack: t.bad
        version: 1
        conditions:
          modulated: {parent: {ScanMode: MODULATED}}
          twice: {all: [{Modality: CT}, modulated]}
        rules:
          - id: t.ok
            check: {BeamSequence: {items: {ControlPointSequence: {items: {NominalBeamEnergy: {type: 1C, if: twice}}}}}}
          - id: t.r
            when: [twice]
            check: {Modality: present}
        """), ["bad.yaml:10:12: error: condition 'twice' reads the data set enclosing a sequence item ('parent'), but here the data set is the top level"])
        // a typo of the keyword
        XCTAssertTrue(diagnostics("""
        pack: t.bad
        version: 1
        rules:
          - id: t.r
            check: {BeamSequence: {items: {parnet: {Modality: CT}}}}
        """).first?.contains("did you mean 'parent'?") ?? false)
    }

    func testTextExplanationAndCoverage() throws {
        let set = try pack("""
        pack: t.scope
        version: 1
        rules:
          - id: t.r
            check: {ReferencedImageSequence: {items: {all: [{ReferencedFrameNumber: {type: 1C, if: {top: {PresentationIntentType: FOR PROCESSING}}}}, {top: {Modality: CT}}]}}}
        """)
        let f = try file("{Modality: MR, PresentationIntentType: FOR PROCESSING, ReferencedImageSequence: [{ReferencedSOPClassUID: '1.2'}]}")
        let r = Evaluator().run(set, on: f, path: "f.dcm", showPHI: false)
        XCTAssertEqual(r.outcomes, [.fail])
        XCTAssertEqual(r.findings.map { $0.attribute ?? "" }.sorted(),
                       ["ReferencedImageSequence[0].ReferencedFrameNumber", "ReferencedImageSequence[0].top.Modality"])
        let because = r.findings.first { $0.attribute == "ReferencedImageSequence[0].ReferencedFrameNumber" }?.message ?? ""
        XCTAssertTrue(because.contains("although top: PresentationIntentType"), because)
        // a scoped condition counts as encoded; a not_evaluated one inside as not evaluated
        let cov = ConditionCoverage(set.rules)
        XCTAssertEqual(cov.total.attributeEncoded, 1)
        let ne = try pack("""
        pack: t.scope
        version: 1
        rules:
          - id: t.r
            check: {ReferencedImageSequence: {items: {ReferencedFrameNumber: {type: 1C, if: {top: {not_evaluated: "text"}}}}}}
        """)
        XCTAssertEqual(ConditionCoverage(ne.rules).total.attributeNotEvaluated, 1)
        // undecided: named by the item's path
        let u = Evaluator().undecided(ne.rules[0], try file("{ReferencedImageSequence: [{ReferencedSOPClassUID: '1.2'}]}"))
        XCTAssertEqual(u.map(\.attribute), ["ReferencedImageSequence[0].ReferencedFrameNumber"])
        XCTAssertEqual(u.first?.conditions, ["text"])
    }

    /// The shape memo: two files of one structure that differ only in the
    /// top-level (or enclosing item's) value an item condition reads get
    /// their own outcomes — the rule declares that tag among its reads.
    func testShapeMemoSeesTheScopedReads() throws {
        let set = try pack("""
        pack: t.memo
        version: 1
        rules:
          - id: t.top
            check: {ReferencedImageSequence: {items: {ReferencedFrameNumber: {type: 1C, if: {top: {PresentationIntentType: FOR PROCESSING}}}}}}
          - id: t.parent
            check: {BeamSequence: {items: {ControlPointSequence: {items: {NominalBeamEnergy: {type: 1C, if: {parent: {ScanMode: MODULATED}}}}}}}}
        """)
        var reads = KeyedReads()
        XCTAssertTrue(reads.check(set.rules[0]))
        XCTAssertEqual(reads.sortedReads, [0x0008_0068])
        reads = KeyedReads()
        XCTAssertTrue(reads.check(set.rules[1]))
        XCTAssertEqual(reads.sortedReads, [0x300A_0308])
        let files = try [("FOR PROCESSING", "MODULATED"), ("FOR PRESENTATION", "NONE"), ("FOR PROCESSING", "MODULATED"),
                         ("FOR PROCESSING", "NONE"), ("FOR PRESENTATION", "MODULATED")].enumerated().map { k, v in try file("""
            {Modality: RTPLAN, SOPInstanceUID: '1.2.\(k)', PresentationIntentType: \(v.0),
             ReferencedImageSequence: [{ReferencedSOPClassUID: '1.2.3', ReferencedSOPInstanceUID: '1.2.\(k)'}],
             BeamSequence: [{ScanMode: \(v.1), ControlPointSequence: [{ControlPointIndex: 0}]}]}
            """) }
        let memo = Evaluator()
        memo.usesShapeMemo = true
        var got: [[Outcome?]] = []
        for (k, f) in files.enumerated() {
            let a = memo.run(set, on: f, path: "f\(k).dcm", showPHI: false)
            let plain = Evaluator()
            plain.usesShapeMemo = false
            let b = plain.run(set, on: f, path: "f\(k).dcm", showPHI: false)
            XCTAssertEqual(a.outcomes, b.outcomes, "file \(k)")
            XCTAssertEqual(a.findings.map(\.message), b.findings.map(\.message), "file \(k)")
            got.append(a.outcomes)
        }
        XCTAssertEqual(got, [[.fail, .fail], [.pass, .pass], [.fail, .fail], [.fail, .pass], [.pass, .fail]])
        let m = try XCTUnwrap(memo.shapeMemo)
        XCTAssertEqual(m.misses, 1, "one structure")
        XCTAssertEqual(m.hits + m.partial, 4)
    }
    /// The same with the generated dicom.iod: RT Dose files of one structure
    /// that differ only in the top-level Dose Summation Type its referenced
    /// beams' items read (`top:`), and RT Ion Plans that differ only in the
    /// beam's Scan Mode its control points read (`parent:`): a memo replaying
    /// the first file's outcome would miss the second's findings.
    func testShapeMemoOnTheGeneratedPack() throws {
        let set = try PackLoader(libraries: [repoRoot + "/Rules"]).load(files: [repoRoot + "/Rules/dicom.iod.yaml"])
        let dose = { (k: Int, type: String) in try file("""
            {SOPClassUID: "1.2.840.10008.5.1.4.1.1.481.2", SOPInstanceUID: "1.2.\(k)", Modality: RTDOSE, DoseSummationType: \(type),
             ReferencedRTPlanSequence: [{ReferencedSOPClassUID: "1.2.840.10008.5.1.4.1.1.481.5", ReferencedSOPInstanceUID: "1.2.3",
               ReferencedFractionGroupSequence: [{ReferencedFractionGroupNumber: "1", ReferencedBeamSequence: [{ReferencedBeamNumber: "1"}]}]}]}
            """) }
        let ion = { (k: Int, mode: String) in try file("""
            {SOPClassUID: "1.2.840.10008.5.1.4.1.1.481.8", SOPInstanceUID: "1.2.\(k)", Modality: RTPLAN,
             IonBeamSequence: [{BeamNumber: "1", ScanMode: \(mode), IonControlPointSequence: [{ControlPointIndex: "0"}]}]}
            """) }
        for (files, attribute) in [(try [dose(1, "BEAM"), dose(2, "CONTROL_POINT"), dose(3, "BEAM"), dose(4, "CONTROL_POINT")], "ReferencedControlPointSequence"),
                                   (try [ion(1, "NONE"), ion(2, "MODULATED"), ion(3, "NONE"), ion(4, "MODULATED")], "NumberOfScanSpotPositions")] {
            let memo = Evaluator()
            memo.usesShapeMemo = true
            var flagged: [Bool] = []
            for (k, f) in files.enumerated() {
                let a = memo.run(set, on: f, path: "f\(k).dcm", showPHI: false)
                let plain = Evaluator()
                plain.usesShapeMemo = false
                let b = plain.run(set, on: f, path: "f\(k).dcm", showPHI: false)
                XCTAssertEqual(a.outcomes, b.outcomes, "\(attribute) file \(k)")
                XCTAssertEqual(a.findings.map { "\($0.ruleID) \($0.attribute ?? "") \($0.message)" },
                               b.findings.map { "\($0.ruleID) \($0.attribute ?? "") \($0.message)" }, "\(attribute) file \(k)")
                flagged.append(a.findings.contains { ($0.attribute ?? "").hasSuffix(attribute) })
            }
            XCTAssertEqual(flagged, [false, true, false, true], attribute)
            let m = try XCTUnwrap(memo.shapeMemo)
            XCTAssertEqual(m.misses, 1, "\(attribute): one structure")
        }
    }
}
