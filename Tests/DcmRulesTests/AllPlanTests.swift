import XCTest
@testable import DcmRules
import DcmData
import DcmDictionary

/// `AllPlan` decides the parts of a conjunction from the data set's tags
/// without evaluating them: its verdicts must be those of the plain `all`
/// on every combination of present, empty and absent attributes, inside
/// sequence items too, and `ValueTest.absentVerdict` must be what `test`
/// answers on a missing attribute.
final class AllPlanTests: XCTestCase {
    func testAbsentVerdictMirrorsTest() throws {
        let f = try file("{Modality: CT}")
        let ev = Evaluator()
        let tests: [ValueTest] = [
            .present, .absent, .empty, .notEmpty,
            .type(.t1, condition: nil), .type(.t2, condition: nil), .type(.t3, condition: nil),
            .type(.t1C, condition: nil), .type(.t2C, condition: nil),
            .type(.t1C, condition: .always), .type(.t2C, condition: .notEvaluated("x")),
            .items(.always), .items(.notEvaluated("x")),
            .not(.present), .not(.items(.always)), .not(.type(.t1C, condition: .always)),
            .all([.absent, .type(.t3, condition: nil)]), .all([.present, .type(.t1C, condition: .always)]),
            .all([.absent, .type(.t1C, condition: .always)]),
            .any([.absent, .vm(CountRange(min: 1, max: 1))]), .any([.empty, .type(.t1C, condition: .always)]),
            .any([.notEmpty, .vm(CountRange(min: 1, max: 1))]),
            .vm(CountRange(min: 1, max: 2)), .format, .each(.format), .inSet([.string(Array("CT".utf8), text: "CT")]),
            .notInSet([.string(Array("CT".utf8), text: "CT")]),
        ]
        var decided = 0
        for t in tests {
            let truth = ev.test(t, nil, f)
            if let v = t.absentVerdict { XCTAssertEqual(v, truth, "\(t)"); decided += 1 }
            else { XCTAssertTrue(Self.dependsOnCondition(t), "\(t) has a fixed verdict on a missing attribute") }
        }
        XCTAssertEqual(decided, tests.count - 5)
    }

    /// A 1C/2C with a condition somewhere in the test.
    static func dependsOnCondition(_ t: ValueTest) -> Bool {
        switch t {
        case .type(.t1C, let c?), .type(.t2C, let c?): _ = c; return true
        case .not(let x), .each(let x): return dependsOnCondition(x)
        case .all(let ts), .any(let ts): return ts.contains(where: dependsOnCondition)
        default: return false
        }
    }

    func testPlannedAsPlainOnEveryCombination() throws {
        // one part of each step kind, and parts the plan leaves to `evaluate`
        // (a path, a meta element, not_evaluated, a nested any)
        let set = try pack("""
        pack: t.p
        version: 1
        rules:
          - id: t.module
            check:
              Modality: {type: "1"}
              PatientName: {type: "2"}
              StudyDescription: {type: "3"}
              SeriesDescription: present
              ImageComments: absent
              BodyPartExamined: {any: [absent, empty, {in: [HEAD, CHEST]}]}
              PatientWeight: {type: 1C, if: {Modality: CT}}
              ContrastBolusAgent: {type: 2C, if: {not_evaluated: "if contrast was used"}}
              ReferencedImageSequence: {items: {ReferencedSOPClassUID: {type: "1"}, ReferencedSOPInstanceUID: {type: "1"}}}
              TransferSyntaxUID: {type: "3"}
              'ReferencedImageSequence[*].ReferencedSOPClassUID': {format: true}
              any:
                - {Manufacturer: present}
                - {not_evaluated: "a condition"}
        """)
        guard case .instance(let p) = set.rules[0].check, case .planned(let plan) = p else {
            return XCTFail("a conjunction of twelve parts is planned")
        }
        XCTAssertEqual(plan.steps.count, 9, "the parts on top-level attributes outside group 0002")
        guard case .attribute(_, .items(let item)) = plan.parts[8], case .planned = item.resolved else {
            return XCTFail("the item's conjunction is planned too")
        }
        // every subset of these attributes, each with a value, empty, or absent
        let values: [(String, String, String)] = [
            ("Modality", "CT", "''"), ("PatientName", "A^B", "''"), ("SeriesDescription", "S", "''"),
            ("ImageComments", "C", "''"), ("BodyPartExamined", "LEG", "HEAD"), ("PatientWeight", "70", "''"),
            ("ContrastBolusAgent", "X", "''"),
            ("ReferencedImageSequence", "[{ReferencedSOPClassUID: '1.2', ReferencedSOPInstanceUID: '1.3'}]",
             "[{ReferencedSOPClassUID: '1.2'}]"),
            ("Manufacturer", "M", "''"),
        ]
        var verdicts: [Truth: Int] = [:]
        var n = 0
        for mask in 0..<19683 where mask % 7 == 0 {   // 3^9 combinations, a seventh of them
            var m = mask
            var entries: [String] = []
            for (k, a, b) in values {
                switch m % 3 {
                case 1: entries.append("\(k): \(a)")
                case 2: entries.append("\(k): \(b)")
                default: break
                }
                m /= 3
            }
            let f = try file("{" + entries.joined(separator: ", ") + "}")
            let ev = Evaluator()
            let planned = ev.evaluate(p, f, selector: false)
            XCTAssertEqual(planned, ev.evaluate(.all(plan.parts), f, selector: false), entries.joined(separator: ", "))
            verdicts[planned, default: 0] += 1
            n += 1
        }
        XCTAssertEqual(n, 2812)
        XCTAssertEqual(Set(verdicts.keys), [.yes, .no, .unknown], "\(verdicts)")
    }

    /// A data set out of tag order (as a malformed file gives) is evaluated part by part.
    func testUnsortedDataSet() throws {
        let set = try pack("""
        pack: t.p
        version: 1
        rules:
          - {id: t.m, check: {Modality: {type: "1"}, PatientName: {type: "2"}, StudyDescription: absent}}
        """)
        guard case .instance(let p) = set.rules[0].check, case .planned(let plan) = p else { return XCTFail("planned") }
        var f = try file("{Modality: CT, PatientName: A, StudyDescription: S}")
        f.dataSet.elements.reverse()
        f.dataSet.isSorted = false
        let ev = Evaluator()
        XCTAssertEqual(ev.evaluate(p, f, selector: false), .no)
        XCTAssertEqual(ev.evaluate(.all(plan.parts), f, selector: false), .no)
        f.dataSet.elements.removeAll { $0.tag == Tag(0x0008, 0x1030) }   // StudyDescription
        XCTAssertEqual(ev.evaluate(p, f, selector: false), .yes)
    }
}
