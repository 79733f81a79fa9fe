import DcmData
import DcmDictionary

/// An `all` of many parts on top-level attributes — dicom.iod's module
/// checks and item conditions (PS3.3 module tables: 10–60 attributes each,
/// most of them absent from any one file) — with a plan that decides most
/// parts from the data set's sorted tags alone, without evaluating them:
///
/// - a part `{X: test}` on an absent X whose verdict on a missing attribute
///   does not depend on the file (`ValueTest.absentVerdict`: Type 1/2/3,
///   `present`, `absent`, `items`, value tests — but not a 1C/2C, whose
///   condition must be evaluated) takes that verdict;
/// - a presence test (`present`, `absent`, Type 1/2/3) on a present X is
///   decided from the element;
/// - everything else is evaluated as in a plain `all`.
///
/// The verdict is the plain `all`'s: `.no` if a part is `.no`, else
/// `.unknown` if one is, else `.yes` (parts have no side effects, so the
/// order they are decided in does not matter). Measured: evaluating the
/// parts one by one (an enum payload copied, reference counts written, a
/// binary search and a test per part) was most of dicom.iod's time — 98% of
/// its `items` tests and 78% of its 1C/2C tests were on absent attributes.
/// The plan's steps are plain values read through a buffer pointer: no
/// reference counting per step.
public final class AllPlan: Sendable {
    /// The parts, as compiled (explanations, coverage and rendering use them).
    public let parts: [Predicate]
    /// The parts on a top-level attribute of the data set (not group 0002),
    /// ascending by tag (repeated tags kept: each part is decided).
    let steps: [Step]
    /// The indexes of the other parts (evaluated as in a plain `all`).
    let others: [Int32]

    struct Step {
        var tag: UInt32
        var part: Int32
        /// `Kind` raw value.
        var kind: UInt8
        /// The verdict when absent (`Truth` as 0 no, 1 yes, 2 unknown) for
        /// `.absentStatic`, and for `.presence` tests.
        var absent: UInt8
    }
    enum Kind: UInt8 {
        /// A presence test: present → `presentTest` decides; absent → `absent`.
        case presenceType1, presenceYes, presenceNo
        /// Absent → `absent`; present → the part is evaluated.
        case absentStatic
        /// The part is evaluated either way (a 1C/2C: its condition decides).
        case evaluate
    }

    /// The plan of `parts`, or nil when too few parts are on top-level tags
    /// for a plan to pay.
    static func make(_ parts: [Predicate]) -> AllPlan? {
        guard parts.count >= 2 else { return nil }
        var steps: [Step] = []
        var others: [Int32] = []
        for (k, p) in parts.enumerated() {
            guard case .attribute(.tag(let t, _), let test) = p, t.group != 0x0002 else { others.append(Int32(k)); continue }
            let kind: Kind
            var absent = Truth.no
            switch test {
            case .present: kind = .presenceYes; absent = .no
            case .absent: kind = .presenceNo; absent = .yes
            case .type(.t1, _): kind = .presenceType1; absent = .no
            case .type(.t2, _): kind = .presenceYes; absent = .no
            case .type(.t3, _): kind = .presenceYes; absent = .yes
            default:
                if let v = test.absentVerdict { kind = .absentStatic; absent = v } else { kind = .evaluate }
            }
            steps.append(Step(tag: t.raw, part: Int32(k), kind: kind.rawValue, absent: Self.code(absent)))
        }
        guard steps.count >= 2 else { return nil }
        steps.sort { $0.tag != $1.tag ? $0.tag < $1.tag : $0.part < $1.part }
        return AllPlan(parts: parts, steps: steps, others: others)
    }

    private init(parts: [Predicate], steps: [Step], others: [Int32]) {
        self.parts = parts; self.steps = steps; self.others = others
    }

    @inline(__always) static func code(_ t: Truth) -> UInt8 { t == .no ? 0 : t == .yes ? 1 : 2 }
    @inline(__always) static func truth(_ c: UInt8) -> Truth { c == 0 ? .no : c == 1 ? .yes : .unknown }
}

extension Predicate {
    /// The conjunction of `parts`: planned (`AllPlan`) when that pays.
    static func conjunction(_ parts: [Predicate]) -> Predicate {
        if let plan = AllPlan.make(parts) { return .planned(plan) }
        return .all(parts)
    }
}

extension ValueTest {
    /// The verdict `Evaluator.test` gives this test on a missing attribute,
    /// when it does not depend on the file; nil when it does (a 1C/2C with a
    /// condition). Mirrors `test(_:nil:_:)`: `absent` and Type 3 hold,
    /// `items` holds vacuously, `present`, Type 1/2 and every test of values
    /// fail on a missing attribute.
    var absentVerdict: Truth? {
        switch self {
        case .present: return .no
        case .absent: return .yes
        case .type(let rt, let cond):
            switch rt {
            case .t3: return .yes
            case .t1, .t2: return .no
            case .t1C, .t2C: return cond == nil ? .no : nil
            }
        case .items: return .yes
        case .not(let t): return t.absentVerdict?.negated
        case .all(let ts):
            var r = Truth.yes
            var open = false
            for t in ts {
                guard let v = t.absentVerdict else { open = true; continue }
                if v == .no { return .no }
                if v == .unknown { r = .unknown }
            }
            return open ? nil : r
        case .any(let ts):
            var r = Truth.no
            var open = false
            for t in ts {
                guard let v = t.absentVerdict else { open = true; continue }
                if v == .yes { return .yes }
                if v == .unknown { r = .unknown }
            }
            return open ? nil : r
        default: return .no
        }
    }
}

extension AllPlan {
    /// Each part's verdict on `file` (for explanations: every part, not the
    /// first that fails), the parts on absent attributes with a fixed verdict
    /// taken from the plan without evaluating them.
    func verdicts(_ file: DicomFile, _ ev: Evaluator) -> [Truth] {
        var out = [Truth?](repeating: nil, count: parts.count)
        let ds = file.dataSet
        if ds.isSorted {
            for s in steps where s.kind == Kind.absentStatic.rawValue || s.kind == Kind.presenceYes.rawValue
                || s.kind == Kind.presenceNo.rawValue || s.kind == Kind.presenceType1.rawValue {
                if ds.index(of: Tag(raw: s.tag)) == nil { out[Int(s.part)] = AllPlan.truth(s.absent) }
            }
        }
        return out.enumerated().map { k, v in v ?? ev.evaluate(parts[k], file, selector: false) }
    }
}

extension Evaluator {
    /// `plan`'s conjunction on `file` (the verdict of `.all(plan.parts)`).
    func evaluate(_ plan: AllPlan, _ file: DicomFile, selector: Bool) -> Truth {
        let ds = file.dataSet
        guard ds.isSorted else { return evaluateAll(plan.parts, file, selector: selector) }
        var r = Truth.yes
        for k in plan.others {
            let t = evaluate(plan.parts[Int(k)], file, selector: selector)
            if t == .no { return .no }
            if t == .unknown { r = .unknown }
        }
        let verdict: Truth = ds.elements.withUnsafeBufferPointer { els in
            plan.steps.withUnsafeBufferPointer { steps in
                var r = Truth.yes
                var i = 0
                let n = els.count
                for s in steps {
                    while i < n && els[i].tag.raw < s.tag { i += 1 }
                    let present = i < n && els[i].tag.raw == s.tag
                    let t: Truth
                    switch AllPlan.Kind(rawValue: s.kind)! {
                    case .presenceYes: t = present ? .yes : AllPlan.truth(s.absent)
                    case .presenceNo: t = present ? .no : .yes
                    case .presenceType1: t = present ? Truth.from(Target.hasValue(ds, els[i])) : .no
                    case .absentStatic: t = present ? evaluate(plan.parts[Int(s.part)], file, selector: selector) : AllPlan.truth(s.absent)
                    case .evaluate: t = evaluate(plan.parts[Int(s.part)], file, selector: selector)
                    }
                    if t == .no { return .no }
                    if t == .unknown { r = .unknown }
                }
                return r
            }
        }
        if verdict == .no { return .no }
        return verdict == .unknown ? .unknown : r
    }

    /// A plain `all`: the first `.no` decides, else an `.unknown`, else `.yes`.
    func evaluateAll(_ ps: [Predicate], _ file: DicomFile, selector: Bool) -> Truth {
        var r = Truth.yes
        for q in ps {
            let t = evaluate(q, file, selector: selector)
            if t == .no { return .no }
            if t == .unknown { r = .unknown }
        }
        return r
    }
}
