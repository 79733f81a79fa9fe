import DcmData

/// Why a rule is *not evaluated* on a file: each attribute whose test could
/// not be decided, with the text of the condition that could not be (the
/// `not_evaluated` text of a PS3.3 1C/2C condition), or a `when` condition.
public struct UndecidedDetail: Sendable, Hashable {
    /// The attribute's full path (`ReferencedImageSequence[0].ReferencedFrameNumber`), or "" for a `when` condition.
    public var attribute: String
    /// The conditions' texts (`not_evaluated`), or the predicate rendered.
    public var conditions: [String]
    /// Why the attribute could not be decided: absent under an undecidable
    /// 1C/2C condition (the usual case), or its value could not be decoded
    /// or tested (a vendor-derived value, `Resolved.undecodable`).
    public var kind: Kind = .absent
    public enum Kind: Sendable, Hashable { case absent, undecodable, undecided }

    public init(attribute: String, conditions: [String], kind: Kind = .absent) {
        self.attribute = attribute; self.conditions = conditions; self.kind = kind
    }

    /// The detail as one line, the same in `rules coverage --file` and in
    /// `check`'s not-evaluated reports: `Attr absent: "condition"`,
    /// `when: "condition"` (a C module's condition), or `Attr: "reason"`.
    public var line: String {
        let what = attribute.isEmpty ? "when" : kind == .absent ? attribute + " absent" : attribute
        return what + ": " + conditions.map { "\"" + $0 + "\"" }.joined(separator: "; ")
    }
}

extension Evaluator {
    /// The undecided parts of a rule on a file (empty unless its outcome is
    /// not evaluated): `dcmaudit rules coverage --file`, and `check`'s
    /// not-evaluated reports. `known`: the caller already has the outcome
    /// *not evaluated* (`Evaluator.run`), so the check is not evaluated once
    /// more just to learn that.
    public func undecided(_ rule: Rule, _ file: DicomFile, known: Bool = false) -> [UndecidedDetail] {
        for w in rule.when {
            switch evaluate(w, file, selector: true) {
            case .yes: continue
            case .no: return []
            case .unknown:
                let t = ConditionCoverage.notEvaluated(in: w)
                return [UndecidedDetail(attribute: "", conditions: t.isEmpty ? [w.text] : t)]
            }
        }
        guard case .instance(let p) = rule.check, known || evaluate(p, file, selector: false) == .unknown else { return [] }
        return undecided(p, file, prefix: "")
    }

    func undecided(_ p: Predicate, _ file: DicomFile, prefix: String) -> [UndecidedDetail] {
        switch p {
        case .always, .eachElement: return []
        case .notEvaluated(let t): return [UndecidedDetail(attribute: prefix, conditions: [t])]
        case .named(_, let q), .described(_, let q), .not(let q): return undecided(q, file, prefix: prefix)
        case .scoped(let s, let q):
            var out: [UndecidedDetail] = []
            _ = inScope(s, file) { sub in out = undecided(q, sub, prefix: prefix + s.rawValue + "."); return .yes }
            return out
        case .deferred(let d): return undecided(d.predicate, file, prefix: prefix)
        case .planned(let plan): return undecided(.all(plan.parts), file, prefix: prefix)
        case .all(let ps), .any(let ps):
            return ps.filter { evaluate($0, file, selector: false) == .unknown }.flatMap { undecided($0, file, prefix: prefix) }
        case .attribute(let ref, let t):
            let targets: [Target?]
            switch ref.resolve(in: file) {
            case .undecodable:
                return [UndecidedDetail(attribute: prefix + ref.description, conditions: ["\(ref.description) cannot be decoded from the file's private header"], kind: .undecodable)]
            case .missing: targets = [nil]
            case .one(let x): targets = [x]
            case .many(let xs): targets = xs
            }
            return targets.filter { test(t, $0, file) == .unknown }.flatMap { undecided(ref, t, $0, file, prefix: prefix) }
        }
    }

    func undecided(_ ref: AttributeRef, _ t: ValueTest, _ x: Target?, _ file: DicomFile, prefix: String) -> [UndecidedDetail] {
        let name = prefix + ref.description
        switch t {
        case .type(_, let c?):
            let texts = ConditionCoverage.notEvaluated(in: c)
            return [UndecidedDetail(attribute: name, conditions: texts.isEmpty ? [c.text] : texts)]
        case .items(let p):
            guard case let .element(ds, e, _)? = x, let items = e.items else { return [] }
            var out: [UndecidedDetail] = []
            var sub = file
            inItems(of: ds, in: file) {
                for (i, item) in items.enumerated() {
                    sub.dataSet = item
                    guard evaluate(p, sub, selector: false) == .unknown else { continue }
                    out += undecided(p, sub, prefix: name + "[\(i)].")
                }
            }
            return out
        case .all(let ts), .any(let ts):
            return ts.filter { test($0, x, file) == .unknown }.flatMap { undecided(ref, $0, x, file, prefix: prefix) }
        default:
            return [UndecidedDetail(attribute: name, conditions: ["\(name) \(t.relationText) cannot be decided"], kind: .undecided)]
        }
    }
}
