import DcmData
import DcmDictionary

/// `Evaluator.run` on a file of a structure its shape memo has seen
/// (`ShapeMemo`, docs/architecture.md): the replay of an entry, and the
/// fused element walk split into the part the key holds and the part each
/// file has of its own.
extension Evaluator {
    /// `run` on a file of a structure seen before (`ShapeMemo.lookup`), whose
    /// values differ from the entry's in the tags `changed` (ascending): the
    /// keyed rules that read none of them take the entry's outcomes, the
    /// others are evaluated on the file — the result `evaluateRules` gives.
    /// The findings of every failed rule are built for the file (from the
    /// entry's explanation when its rule was replayed and nothing the
    /// explanation shows changed). With values changed, also the entry for
    /// this file (it replaces the earlier one: the next file of its series
    /// then has the same values).
    func replay(_ entry: ShapeEntry, changed: [UInt32], _ set: RuleSet, _ file: DicomFile, path: String?, showPHI: Bool,
                memo: ShapeMemo) -> (result: InstanceResult, next: ShapeEntry?) {
        let dispatch = set.tagIndex
        let table = set.table
        let n = entry.visited.count
        let fused = dispatch.walkRules.count > 1
        var outcomes = entry.outcomes
        // the positions evaluated on this file: the entry's `redo`, and the
        // keyed rules that read a changed value
        var evaluated = [Bool](repeating: false, count: n)
        for k in entry.redo { evaluated[Int(k)] = true }
        if !changed.isEmpty {
            for k in 0..<n where !evaluated[k] && !memo.unaffected(Int(entry.visited[k]), outcome: outcomes[k], changed: changed) {
                evaluated[k] = true
            }
        }
        // split checks not evaluated whole: the kept verdict with the
        // instance-varying tags tested on this file
        for (k, kept) in entry.splitKept where !evaluated[Int(k)] {
            guard let sc = memo.splitChecks[Int(entry.visited[Int(k)])] else { evaluated[Int(k)] = true; continue }
            let v = Self.combine([kept], [evaluate(sc.varying, file, selector: false)])[0]
            let o: Outcome = v == .yes ? .pass : v == .no ? .fail : .notEvaluated
            if outcomes[Int(k)] != o { outcomes[Int(k)] = o }
        }
        var needWalk = false, needGated = false
        for k in 0..<n where evaluated[k] {
            let i = Int(entry.visited[k])
            if fused && dispatch.walkSlot[i] >= 0 { needWalk = true } else if dispatch.gated[i] { needGated = true }
        }
        var walked: [Truth] = []
        var walkKeyed: [Truth]? = nil
        if needWalk {
            if changed.isEmpty, let k = entry.walkKeyed {
                walked = Self.combine(k, fusedWalkSplit(dispatch, file, varyingOnly: true).varying)
                walkKeyed = k
            } else if memo.walkSplits(dispatch) {
                let (k, v) = fusedWalkSplit(dispatch, file, varyingOnly: false)
                walked = Self.combine(k, v); walkKeyed = k
            } else {
                walked = fusedWalk(dispatch, file)
            }
        }
        let gatedTruth = needGated ? fusedGated(dispatch, file) : [:]
        for k in 0..<n where evaluated[k] {
            // (written only when it differs: the result then shares the
            // entry's array — no copy per file, nor its free on the thread
            // that reports the file)
            let o = visitOutcome(set, Int(entry.visited[k]), file, walked: walked, gatedTruth: gatedTruth)
            if outcomes[k] != o { outcomes[k] = o }
        }
        var samples: [GroupSample?] = []
        for r in entry.groupRules { sampleGroupRule(set, Int(r), file, into: &samples) }
        var findings: [Finding] = []
        var explanations: [Int32: KeptExplanation] = [:]
        var uids: UIDs? = nil
        for (k, o) in outcomes.enumerated() where o == .fail {
            if uids == nil { uids = UIDs(file, path: path) }
            let i = Int(entry.visited[k])
            Unmanaged<Rule>.fromOpaque(table.rules[i])._withUnsafeGuaranteedRef { rule in
                redactingValues = rule.redactsValues
                defer { redactingValues = false }
                // the entry's explanation, when the rule was replayed and
                // nothing it shows changed; a located detail's `observed` read
                // from this file (nil: explained again)
                var kept = !evaluated[k] && entry.detailsShowPHI == showPHI ? entry.explanations[Int32(k)] : nil
                if let e = kept, !changed.isEmpty, e.details.contains(where: { d in d.tag.map { Evaluator.sortedContains(changed, $0.raw) } ?? false }) {
                    kept = nil
                }
                // (a reused explanation: the entry's findings copied, not made
                // again, and the explanation kept as it is for the next entry —
                // its located details are read again on every file)
                if let e = kept, reuseFindings(e, rule, file, showPHI: showPHI, uids: uids!, into: &findings) {
                    if !changed.isEmpty, memo.isKeyed(i, rule, outcome: o) { explanations[Int32(k)] = e }
                    return
                }
                let reused = kept.flatMap { refreshed($0.details, file, showPHI: showPHI) }
                let d = reused ?? failureDetails(rule, file, showPHI: showPHI)
                let start = findings.count
                self.findings(rule, d, file, showPHI: showPHI, uids: uids!, into: &findings)
                if !changed.isEmpty, memo.isKeyed(i, rule, outcome: o), reused != nil || ShapeEntry.reusable(d) {
                    explanations[Int32(k)] = KeptExplanation(details: d, findings: Array(findings[start...]))
                }
            }
        }
        let result = InstanceResult(visited: entry.visited, visitedOutcomes: outcomes, guardTruths: entry.guardTruths, layout: set.layout,
                                    findings: findings, samples: samples)
        if changed.isEmpty { return (result, nil) }
        // this file's entry: which rules are keyed can follow from their
        // outcomes (a rule keyed by its `when` alone, applicable now)
        let (redo, walkRedo, gatedRedo, split) = memo.redo(entry.visited, outcomes, set, file, self)
        return (result, ShapeEntry(visited: entry.visited, outcomes: outcomes, redo: redo, groupRules: entry.groupRules,
                                   guardTruths: entry.guardTruths, walkRedo: walkRedo, walkKeyed: walkKeyed, gatedRedo: gatedRedo,
                                   explanations: explanations, detailsShowPHI: showPHI,
                                   splitKept: splitKept(split, entry.visited, memo, file)))
    }

    /// `fusedWalk` in two parts — the verdicts over the elements whose values
    /// the shape key holds, with the structural tests (`ValueTest.isStructural`)
    /// of the others (`keyed`), and the other tests of the instance-varying
    /// ones (`varying`, `InstanceVarying`) — that `combine` to its verdicts (a
    /// rule's verdict does not depend on the order its elements are tested
    /// in: a failure decides, else an unknown, else a pass). With
    /// `varyingOnly`, `keyed` is left all `.yes` and only the varying
    /// elements are tested: on a file of a shape seen before, `keyed` is the
    /// earlier file's (`ShapeEntry.walkKeyed`). No early stop: every element
    /// of the part is visited.
    func fusedWalkSplit(_ dispatch: TagDispatch, _ file: DicomFile, varyingOnly: Bool) -> (keyed: [Truth], varying: [Truth]) {
        let n = dispatch.walkRules.count
        var keyed = [Truth](repeating: .yes, count: n)
        var varying = keyed
        func walk(_ ds: DataSet) {
            for e in ds.elements {
                let isVarying = self.varyingTags.contains(e.tag)
                if isVarying || !varyingOnly {
                    let hasValue = !e.isSequence && e.valueLength > 0 && !e.flags.contains(.notLoaded)
                    let tag = e.tag
                    for k in 0..<n {
                        // (a structural test of a varying element goes with the
                        // key's part: the structure decides it, `ValueTest.isStructural`)
                        let toVarying = isVarying && !dispatch.walkStructural[k]
                        if varyingOnly && !toVarying { continue }
                        guard (toVarying ? varying[k] : keyed[k]) != .no && (hasValue || dispatch.walkAboutElement[k])
                                && dispatch.walkFilters[k].selects(tag) else { continue }
                        let v = self.elementTest(dispatch.walkTests[k], ds, e) ?? self.test(dispatch.walkTests[k], .element(ds, e, index: nil), file)
                        if v != .yes { if toVarying { varying[k] = v } else { keyed[k] = v } }
                    }
                }
                if let items = e.items { for item in items { walk(item) } }
            }
        }
        walk(file.dataSet)
        return (keyed, varying)
    }

    /// Two parts' verdicts combined: a failure decides, else an unknown, else a pass.
    static func combine(_ a: [Truth], _ b: [Truth]) -> [Truth] {
        zip(a, b).map { x, y in x == .no || y == .no ? .no : x == .unknown || y == .unknown ? .unknown : .yes }
    }
}
