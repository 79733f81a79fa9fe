import DcmData

/// Per-rule outcome counts.
public struct OutcomeCounts: Sendable, Equatable {
    public var pass = 0, fail = 0, notApplicable = 0, notEvaluated = 0
    public init() {}
    public mutating func add(_ o: Outcome, _ n: Int = 1) {
        switch o {
        case .pass: pass += n
        case .fail: fail += n
        case .notApplicable: notApplicable += n
        case .notEvaluated: notEvaluated += n
        }
    }
    public mutating func add(_ o: OutcomeCounts) {
        pass += o.pass; fail += o.fail; notApplicable += o.notApplicable; notEvaluated += o.notEvaluated
    }
    public var total: Int { pass + fail + notApplicable + notEvaluated }
}

/// How the outcomes of a rule set's instance rules on a file follow from the
/// few rules `Evaluator.run` actually visits. With every built-in pack a file
/// has ~3,900 rules, of which ~150 apply to it: the IOD rules of other SOP
/// Classes are not applicable by their SOP Class guard (decided once per
/// guard), and the tag-gated rules of `dicom.values` pass when none of their
/// tags is in the file (`TagDispatch`). A file's result lists the visited
/// rules and the guards' truths; the rest is implied, so neither `run` nor
/// the counting of a run's outcomes touches each rule of each file.
public final class OutcomeLayout: Sendable {
    public let count: Int
    /// Per rule: the index of its SOP Class guard in `RuleSet.guards`, or -1.
    let guardOf: [Int32]
    /// Per rule: gated by its tags (passes on a file without them).
    let gated: [Bool]
    /// Per rule: an instance rule (others have no per-file outcome).
    let isInstance: [Bool]
    /// Per guard: its rules, ascending.
    let rulesOfGuard: [[Int32]]
    /// The rules without a guard that are not gated, ascending: visited on every file.
    let plain: [Int32]

    /// Per rule, per `when` entry: the number of its named condition (a
    /// pack's condition name, numbered across the set), or -1 for an inline
    /// selector — the key of `Evaluator.namedMemo`.
    let whenKeys: [[Int32]]
    let namedCount: Int

    init(count: Int, guardOf: [Int32], gated: [Bool], isInstance: [Bool], guardCount: Int, when: [(pack: String, when: [Predicate])]) {
        self.count = count; self.guardOf = guardOf; self.gated = gated; self.isInstance = isInstance
        var numbers: [String: [String: Int32]] = [:]
        var n: Int32 = 0
        whenKeys = when.map { pack, ws in
            ws.map { w in
                guard case .named(let name, _) = w else { return -1 }
                if let k = numbers[pack]?[name] { return k }
                numbers[pack, default: [:]][name] = n
                n += 1
                return n - 1
            }
        }
        namedCount = Int(n)
        var byGuard = [[Int32]](repeating: [], count: guardCount)
        var plain: [Int32] = []
        for i in 0..<count {
            if guardOf[i] >= 0 { byGuard[Int(guardOf[i])].append(Int32(i)) } else if !gated[i] { plain.append(Int32(i)) }
        }
        rulesOfGuard = byGuard
        self.plain = plain
    }

    /// The outcome of rule `i` on a file whose guards are `guards` and whose
    /// visited rules gave `visited` (ascending indices) — `nil` for rules
    /// that are not instance rules.
    func outcome(_ i: Int, guards: [Truth], visited: [Int32], outcomes: [Outcome]) -> Outcome? {
        guard isInstance[i] else { return nil }
        let g = Int(guardOf[i])
        if g >= 0, guards[g] != .yes { return guards[g] == .no ? .notApplicable : .notEvaluated }
        if let k = Evaluator.sortedIndex(visited, Int32(i)) { return outcomes[k] }
        return gated[i] ? .pass : nil
    }
}

extension InstanceResult {
    /// Every rule's outcome on the file (indexed like `RuleSet.rules`; `nil`
    /// for group and protocol rules) — for tools and tests; a run counts
    /// with `OutcomeTally` instead.
    public var outcomes: [Outcome?] {
        (0..<layout.count).map { layout.outcome($0, guards: guardTruths, visited: visited, outcomes: visitedOutcomes) }
    }

    /// The indices of the rules not evaluated on the file, ascending.
    public var notEvaluatedRules: [Int32] {
        var r: [Int32] = []
        for (k, o) in visitedOutcomes.enumerated() where o == .notEvaluated { r.append(visited[k]) }
        for (g, t) in guardTruths.enumerated() where t == .unknown { r += layout.rulesOfGuard[g] }
        if guardTruths.contains(.unknown) { r.sort() }
        return r
    }
}

/// The outcome counts of a run, added file by file at the cost of the rules
/// each file visited (`OutcomeLayout`), and expanded to one `OutcomeCounts`
/// per rule at the end.
public struct OutcomeTally: Sendable {
    let layout: OutcomeLayout
    var visited: [OutcomeCounts]
    var guardNo: [Int], guardUnknown: [Int]
    var files = 0

    public init(_ set: RuleSet) {
        layout = set.layout
        visited = Array(repeating: OutcomeCounts(), count: layout.count)
        guardNo = Array(repeating: 0, count: layout.rulesOfGuard.count)
        guardUnknown = guardNo
    }

    public mutating func add(_ r: InstanceResult) {
        precondition(r.layout === layout, "a result of another rule set")
        files += 1
        for (k, i) in r.visited.enumerated() { visited[Int(i)].add(r.visitedOutcomes[k]) }
        for (g, t) in r.guardTruths.enumerated() {
            if t == .no { guardNo[g] += 1 } else if t == .unknown { guardUnknown[g] += 1 }
        }
    }

    /// Per rule (indexed like `RuleSet.rules`): the counts of the files added.
    public var counts: [OutcomeCounts] {
        var c = visited
        for i in 0..<layout.count where layout.isInstance[i] {
            let g = Int(layout.guardOf[i])
            if g >= 0 {
                c[i].notApplicable += guardNo[g]
                c[i].notEvaluated += guardUnknown[g]
            } else if layout.gated[i] {
                c[i].pass += files - c[i].total
            }
        }
        return c
    }
}
