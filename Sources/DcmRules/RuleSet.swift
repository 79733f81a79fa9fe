import Foundation
import DcmData
import DcmDictionary

/// The rules of one run, from one or more packs, compiled and ready.
public struct RuleSet: Sendable {
    public var packs: [RulePack]
    public var rules: [Rule] { didSet { tagIndex = TagDispatch(rules); indexGuards() } }
    /// Which rules can only fail on files holding given tags (rebuilt when
    /// `rules` changes, e.g. by a configuration's disable/re-grade).
    private(set) var tagIndex: TagDispatch
    /// The distinct SOP Class selectors that start rules' `when` (the
    /// `iod.<ciod>` conditions of `dicom.iod`): evaluated once per file, so a
    /// file's ~2,000 IOD rules cost one check per IOD, not one `when` each.
    private(set) var guards: [Predicate] = []
    /// SOP Class UID (its bytes) → the guards that hold for it, when every
    /// guard is `SOPClassUID in [literal UIDs]` (`nil` otherwise): a file's
    /// guards then cost one lookup, not ~140 evaluations (`guardTruths`).
    private(set) var guardsByUID: [[UInt8]: [Int32]]? = nil
    /// Which rules `run` visits on a file and how the others' outcomes follow
    /// (rebuilt with the guards and the tag dispatch).
    public private(set) var layout = OutcomeLayout(count: 0, guardOf: [], gated: [], isInstance: [], guardCount: 0, when: [])
    /// What `run` reads of each visited rule, without reference counting.
    private(set) var table = RuleTable(rules: [], guardOf: [], whenKeys: [])

    public init(packs: [RulePack]) {
        self.packs = packs
        let rules = packs.flatMap(\.rules)
        self.rules = rules
        self.tagIndex = TagDispatch(rules)
        indexGuards()
    }
    static let sopClassUID = Tag(0x0008, 0x0016)

    /// Rules whose first `when` is a named condition `{SOPClassUID: {in: […]}}`,
    /// their lookup by UID, and the layout of outcomes that follows (after
    /// `tagIndex` is current).
    private mutating func indexGuards() {
        var byName: [String: Int32] = [:]
        var guards: [Predicate] = []
        let guardOf: [Int32] = rules.map { r in
            guard case .instance = r.check, case .named(let name, let q)? = r.when.first else { return -1 }
            let p = q.resolved
            guard case .attribute(.tag(let t, _), .inSet) = p, t == Self.sopClassUID else { return -1 }
            if let i = byName[name] { return i }
            byName[name] = Int32(guards.count)
            guards.append(p)
            return Int32(guards.count - 1)
        }
        self.guards = guards
        guardsByUID = Self.uidLookup(guards)
        layout = OutcomeLayout(count: rules.count, guardOf: guardOf, gated: tagIndex.gated,
                               isInstance: rules.map { if case .instance = $0.check { return true }; return false },
                               guardCount: guards.count, when: rules.map { ($0.packID, $0.when) })
        table = RuleTable(rules: rules, guardOf: guardOf, whenKeys: layout.whenKeys)
    }

    /// UID bytes → the guards listing it, when every guard's operands are literal strings.
    private static func uidLookup(_ guards: [Predicate]) -> [[UInt8]: [Int32]]? {
        var byUID: [[UInt8]: [Int32]] = [:]
        for (g, p) in guards.enumerated() {
            guard case .attribute(_, .inSet(let ops)) = p else { return nil }
            for op in ops {
                guard case .string(let b, _) = op else { return nil }
                if byUID[b]?.last != Int32(g) { byUID[b, default: []].append(Int32(g)) }
            }
        }
        return byUID
    }

    public func rule(_ id: String) -> Rule? { rules.first { $0.id == id } }
    /// The packs' `protocol:` sections.
    public var protocols: [ProtocolSpec] { packs.compactMap(\.protocolSpec) }
}

/// Per-tag dispatch of the rules `{each_element: {only: [tags…], …}}` without
/// `when` (the ~580 enumerated-value and defined-term rules of `dicom.values`):
/// such a rule holds at once on a file that has none of its tags at any depth,
/// so `run` evaluates it only when one of its tags is in the file, and counts
/// a pass otherwise — the outcome its evaluation would give, without visiting
/// the rule (the evaluation's predicate walk and reference counting were most
/// of the time of a `check` with the big packs).
struct TagDispatch: Sendable {
    /// For each rule: whether it is gated by its tags.
    var gated: [Bool]
    /// Tag → the gated rules that name it.
    var rulesByTag: [UInt32: [Int32]]
    var gatedCount: Int
    /// The rules `{each_element: {test}}` over every standard element (or the
    /// private elements, creators, reserved groups), without `when` (format, VM
    /// and retired of `dicom.values`, most of `vendor.private`): `run`
    /// evaluates them in one walk of the data set instead of one walk each.
    var walkRules: [Int] = []
    var walkTests: [ValueTest] = []
    var walkAboutElement: [Bool] = []
    /// `ValueTest.isStructural` of each walk test.
    var walkStructural: [Bool] = []
    var walkFilters: [ElementFilter] = []
    /// The filters whose walk is "every element at any depth, those it selects
    /// tested" (a filter that stops descending, or looks tags up, is not fused).
    static func fusable(_ f: ElementFilter) -> Bool {
        switch f {
        case .standard, .standardAndPrivate, .privateElements, .privateCreators, .reservedGroups: return true
        default: return false
        }
    }
    /// For each rule: its index in `walkRules`, or -1.
    var walkSlot: [Int32]
    /// For each rule: its `each_element` test when gated, and whether the test
    /// is about the element itself (`fusedGated` visits what `walkElements` would).
    var gatedTests: [(test: ValueTest, aboutElement: Bool)?]

    init(_ rules: [Rule]) {
        gated = Array(repeating: false, count: rules.count)
        walkSlot = Array(repeating: -1, count: rules.count)
        gatedTests = Array(repeating: nil, count: rules.count)
        rulesByTag = [:]
        gatedCount = 0
        for (i, r) in rules.enumerated() {
            if r.when.isEmpty, case .instance(.eachElement(let only, let t)) = r.check, Self.fusable(only) {
                walkSlot[i] = Int32(walkRules.count)
                walkRules.append(i); walkTests.append(t); walkAboutElement.append(t.isAboutElement); walkFilters.append(only)
                walkStructural.append(t.isStructural)
            }
            guard r.when.isEmpty, case .instance(.eachElement(only: .tags(let ts, _, _), let test)) = r.check, !ts.isEmpty else { continue }
            gated[i] = true
            gatedCount += 1
            gatedTests[i] = (test, test.isAboutElement)
            for t in Set(ts.map(\.raw)) { rulesByTag[t, default: []].append(Int32(i)) }
        }
    }
}

/// What a series/study/patient/dataset rule keeps of one instance: its group
/// key and a few values, never the data set.
public struct GroupSample: Sendable {
    public var applies: Truth
    public var key: String?
    /// The key of the level below, for `count` (series UID in a study …).
    public var member: String?
    public var values: [String?]
    /// For `unique`: a 64-bit FNV-1a hash of the value.
    public var hash: UInt64? = nil
}

/// The result of evaluating a rule set on one file.
public struct InstanceResult: Sendable {
    /// The rules `run` visited, ascending, and their outcomes; the other
    /// instance rules' outcomes follow from `layout` (`outcomes`, `OutcomeTally`).
    public var visited: [Int32]
    public var visitedOutcomes: [Outcome]
    /// The truth of each SOP Class guard of the rule set on the file.
    public var guardTruths: [Truth]
    public let layout: OutcomeLayout
    public var findings: [Finding]
    /// Samples for the group rules (indexed like `RuleSet.rules`; empty when
    /// the set has no group rule).
    public var samples: [GroupSample?]
}

extension Evaluator {
    static let seriesUID = Tag(0x0020, 0x000E), studyUID = Tag(0x0020, 0x000D), patientID = Tag(0x0010, 0x0020)
    static let modalityTag = Tag(0x0008, 0x0060)

    /// Evaluates every rule of `set` on `file`: instance rules give outcomes
    /// and findings, group rules a small sample for the aggregator. On a file
    /// whose shape this evaluator has seen (`ShapeMemo`), the keyed rules'
    /// outcomes are those of the earlier file and the rest is evaluated.
    public func run(_ set: RuleSet, on file: DicomFile, path: String?, showPHI: Bool) -> InstanceResult {
        let layout = set.layout
        fileTagsWanted = true; fileTagsSource = file.dataSet; fileTags = nil
        if namedMemo.count < layout.namedCount { namedMemo = Array(repeating: nil, count: layout.namedCount) }
        defer {
            fileTagsWanted = false; fileTagsSource = nil; fileTags = nil
            for k in namedTouched { namedMemo[Int(k)] = nil }
            namedTouched.removeAll(keepingCapacity: true)
        }
        guard usesShapeMemo else { return evaluateRules(set, file, path: path, showPHI: showPHI, memo: nil).result }
        let memo: ShapeMemo
        if let m = shapeMemo, m.table == ObjectIdentifier(set.table) { memo = m } else {
            memo = ShapeMemo(table: set.table, ruleCount: set.rules.count)
            shapeMemo = memo
        }
        if let (entry, changed) = memo.lookup(file) {
            if changed.isEmpty { memo.hits += 1 } else { memo.partial += 1 }
            let (result, next) = replay(entry, changed: changed, set, file, path: path, showPHI: showPHI, memo: memo)
            if let next { memo.store(next) }
            return result
        }
        memo.misses += 1
        let (result, entry) = evaluateRules(set, file, path: path, showPHI: showPHI, memo: memo)
        if let entry { memo.store(entry) }
        return result
    }

    /// Every rule of `set` on `file` (`run` without a memo hit); with `memo`,
    /// also the entry that replays the result on a file of the same shape.
    func evaluateRules(_ set: RuleSet, _ file: DicomFile, path: String?, showPHI: Bool,
                       memo: ShapeMemo?) -> (result: InstanceResult, entry: ShapeEntry?) {
        let layout = set.layout
        var samples: [GroupSample?] = []   // allocated at the first group rule
        var findings: [Finding] = []
        var uids: UIDs? = nil
        // The rules to visit (OutcomeLayout), in rule order: the plain ones,
        // the tag-gated rules one of whose tags is in the file, and the rules
        // of the SOP Class guards that hold (decided once per file; a rule
        // whose guard does not hold is not applicable, as its `when` would say).
        let dispatch = set.tagIndex
        var todo = layout.plain
        if dispatch.gatedCount > 0, let tags = tagsOfFile() {
            var last: UInt32? = nil
            for t in tags where t != last {
                last = t
                if let rs = dispatch.rulesByTag[t] { todo += rs }
            }
        }
        let gatedPresent = todo.count > layout.plain.count
        let guardTruth = guardTruths(set, file)
        for (g, t) in guardTruth.enumerated() where t == .yes { todo += layout.rulesOfGuard[g] }
        if todo.count > layout.plain.count { todo.sort() }
        // Rules over every standard element: one walk for all of them; the
        // gated rules whose tags the file has: one more.
        var walked: [Truth] = [], walkKeyed: [Truth]? = nil
        if dispatch.walkRules.count > 1 {
            if let memo, memo.walkSplits(dispatch) {
                let (k, v) = fusedWalkSplit(dispatch, file, varyingOnly: false)
                walked = Self.combine(k, v); walkKeyed = k
            } else {
                walked = fusedWalk(dispatch, file)
            }
        }
        let gatedTruth = gatedPresent ? fusedGated(dispatch, file) : [:]
        var visited: [Int32] = []
        var visitedOutcomes: [Outcome] = []
        var groupRules: [Int32] = []
        var explanations: [Int32: KeptExplanation] = [:]
        visited.reserveCapacity(todo.count); visitedOutcomes.reserveCapacity(todo.count)
        var last: Int32 = -1
        let table = set.table
        for r in todo where r != last {
            last = r
            let i = Int(r)
            // (the rule itself is read only for its findings and group
            // samples: `table` has what the outcome needs)
            guard table.entries[i].isInstance else {
                if memo != nil { groupRules.append(r) }
                sampleGroupRule(set, i, file, into: &samples)
                continue
            }
            let o = visitOutcome(set, i, file, walked: walked, gatedTruth: gatedTruth)
            visited.append(r); visitedOutcomes.append(o)
            if o == .fail {
                if uids == nil { uids = UIDs(file, path: path) }
                Unmanaged<Rule>.fromOpaque(table.rules[i])._withUnsafeGuaranteedRef { rule in
                    redactingValues = rule.redactsValues
                    defer { redactingValues = false }
                    let d = failureDetails(rule, file, showPHI: showPHI)
                    let start = findings.count
                    self.findings(rule, d, file, showPHI: showPHI, uids: uids!, into: &findings)
                    if let memo, memo.isKeyed(i, rule, outcome: o), ShapeEntry.reusable(d) {   // (failed: its check is keyed)
                        explanations[Int32(visited.count - 1)] = KeptExplanation(details: d, findings: Array(findings[start...]))
                    }
                }
            }
        }
        let result = InstanceResult(visited: visited, visitedOutcomes: visitedOutcomes, guardTruths: guardTruth, layout: layout,
                                    findings: findings, samples: samples)
        guard let memo else { return (result, nil) }
        let (redo, walkRedo, gatedRedo, split) = memo.redo(visited, visitedOutcomes, set, file, self)
        return (result, ShapeEntry(visited: visited, outcomes: visitedOutcomes, redo: redo, groupRules: groupRules,
                                   guardTruths: guardTruth, walkRedo: walkRedo, walkKeyed: walkKeyed, gatedRedo: gatedRedo,
                                   explanations: explanations, detailsShowPHI: showPHI,
                                   splitKept: splitKept(split, visited, memo, file)))
    }

    /// The kept parts' verdicts of the split checks at positions `split` of `visited`.
    func splitKept(_ split: [Int32], _ visited: [Int32], _ memo: ShapeMemo, _ file: DicomFile) -> [Int32: Truth] {
        var kept: [Int32: Truth] = [:]
        for k in split {
            guard let sc = memo.splitChecks[Int(visited[Int(k)])] else { continue }
            kept[k] = evaluate(sc.kept, file, selector: false)
        }
        return kept
    }

    /// The outcome of visited instance rule `i`: from the fused walk, the
    /// gated walk, or its own evaluation.
    @inline(__always) func visitOutcome(_ set: RuleSet, _ i: Int, _ file: DicomFile, walked: [Truth], gatedTruth: [Int32: Truth]) -> Outcome {
        let dispatch = set.tagIndex
        if !walked.isEmpty, case let k = Int(dispatch.walkSlot[i]), k >= 0 {
            return walked[k] == .yes ? .pass : walked[k] == .no ? .fail : .notEvaluated
        } else if dispatch.gated[i] {
            let t = gatedTruth[Int32(i)] ?? .yes   // (no element of its tags with a value: nothing to test)
            return t == .yes ? .pass : t == .no ? .fail : .notEvaluated
        }
        return outcome(set.table, i, file)
    }

    /// The sample of group rule `i` on `file` (protocol rules: none here —
    /// ProtocolAudit samples the file once per protocol).
    func sampleGroupRule(_ set: RuleSet, _ i: Int, _ file: DicomFile, into samples: inout [GroupSample?]) {
        Unmanaged<Rule>.fromOpaque(set.table.rules[i])._withUnsafeGuaranteedRef { rule in
            if case .group(let g) = rule.check {
                if samples.isEmpty { samples = Array(repeating: nil, count: set.rules.count) }
                samples[i] = sample(rule, g, file)
            }
        }
    }

    /// The truth of each SOP Class guard of `set` on `file`: by one lookup of
    /// the file's SOP Class UID when it is a single plain value (the verdicts
    /// `evaluate` gives: a guard holds when the UID is one of its literals),
    /// else by evaluating each guard.
    func guardTruths(_ set: RuleSet, _ file: DicomFile) -> [Truth] {
        if set.guards.isEmpty { return [] }
        if let byUID = set.guardsByUID, let e = file.dataSet[RuleSet.sopClassUID], e.vr == .UI, !e.isSequence,
           !e.flags.contains(.notLoaded) {
            let key: [UInt8]? = file.dataSet.withValue(e) { buf in
                let t = trim(buf, leading: false)
                if t.isEmpty || t.first == 0x20 || t.contains(0x5C) || !isPlainASCII(t) { return nil }
                return Array(t)
            }
            if let key {
                var truths = [Truth](repeating: .no, count: set.guards.count)
                for g in byUID[key] ?? [] { truths[Int(g)] = .yes }
                return truths
            }
        }
        return set.guards.map { evaluate($0, file, selector: true) }
    }

    /// The truth of each of `dispatch.walkRules` on `file`, from one walk: the
    /// same visits and verdicts as evaluating each rule's `each_element` on its
    /// own (a rule stops being tested at its first failing element; unknown
    /// sticks unless a failure follows).
    func fusedWalk(_ dispatch: TagDispatch, _ file: DicomFile) -> [Truth] {
        let n = dispatch.walkRules.count
        var truths = [Truth](repeating: .yes, count: n)
        var open = n
        // (the walk of walkElements: every element, items of every sequence)
        func walk(_ ds: DataSet) -> Bool {
            for e in ds.elements {
                if !visit(ds, e) { return false }
                if let items = e.items { for item in items where !walk(item) { return false } }
            }
            return true
        }
        func visit(_ ds: DataSet, _ e: Element) -> Bool {
            let hasValue = !e.isSequence && e.valueLength > 0 && !e.flags.contains(.notLoaded)
            let tag = e.tag
            for k in 0..<n where truths[k] != .no && (hasValue || dispatch.walkAboutElement[k]) && dispatch.walkFilters[k].selects(tag) {
                let v = self.elementTest(dispatch.walkTests[k], ds, e) ?? self.test(dispatch.walkTests[k], .element(ds, e, index: nil), file)
                if v == .no { truths[k] = .no; open -= 1 } else if v == .unknown { truths[k] = .unknown }
            }
            return open > 0
        }
        _ = walk(file.dataSet)
        return truths
    }

    /// The truth of each gated rule with a tag in `file` (absent: nothing of
    /// its tags was tested, `.yes`), from one walk: the elements
    /// `walkElements` visits for `{each_element: {only: [tags]}}` — those of
    /// the rule's tags at any depth with a value (any, for tests about the
    /// element), the first of a tag repeated in one data set — each tested
    /// once per rule naming its tag. The verdicts are those of evaluating each
    /// rule alone: a failure decides, else an unknown, else a pass.
    func fusedGated(_ dispatch: TagDispatch, _ file: DicomFile) -> [Int32: Truth] {
        var truths: [Int32: Truth] = [:]
        func walk(_ ds: DataSet) {
            var last: UInt32? = nil
            for (k, e) in ds.elements.enumerated() {
                let raw = e.tag.raw
                let first = ds.isSorted ? raw != last : ds.index(of: e.tag) == k
                last = raw
                if first, let rs = dispatch.rulesByTag[raw] {
                    let hasValue = !e.isSequence && e.valueLength > 0 && !e.flags.contains(.notLoaded)
                    for r in rs {
                        guard let (t, about) = dispatch.gatedTests[Int(r)], hasValue || about, truths[r] != .no else { continue }
                        let v = test(t, .element(ds, e, index: nil), file)
                        if v == .no { truths[r] = .no } else if v == .unknown { truths[r] = .unknown } else if truths[r] == nil { truths[r] = .yes }
                    }
                }
                if let items = e.items { for item in items { walk(item) } }
            }
        }
        walk(file.dataSet)
        return truths
    }

    func sample(_ rule: Rule, _ g: GroupCheck, _ file: DicomFile) -> GroupSample {
        let a = applies(rule, file)
        guard a == .yes else { return GroupSample(applies: a, key: nil, member: nil, values: []) }
        let ds = file.dataSet
        func str(_ t: Tag) -> String? { ds.string(t).flatMap { $0.isEmpty ? nil : $0 } }
        var key: String?, member: String?
        switch rule.level {
        case .series: key = str(Self.seriesUID); member = nil
        case .study: key = str(Self.studyUID); member = str(Self.seriesUID)
        case .patient: key = str(Self.patientID); member = str(Self.studyUID)
        case .dataset, .instance: key = ""; member = str(Self.patientID)
        }
        var values: [String?] = []
        var hash: UInt64? = nil
        switch g {
        case .consistent(let refs): values = refs.map { valueText($0, file) }
        case .unique(let r):
            values = [valueText(r, file)]
            if let v = values[0] {
                var h: UInt64 = 0xcbf29ce484222325
                for b in v.utf8 { h ^= UInt64(b); h = h &* 0x100000001b3 }
                hash = h
            }
        case .count: break
        }
        return GroupSample(applies: a, key: key, member: member, values: values, hash: hash)
    }

    /// The whole value of an attribute as one string (`nil` when absent).
    func valueText(_ ref: AttributeRef, _ file: DicomFile) -> String? {
        guard case .one(let t) = ref.resolve(in: file) else { return nil }
        var bytes: [UInt8] = []
        var first = true
        _ = t.forEachText { b in
            if !first { bytes.append(0x5C) }
            first = false
            bytes.append(contentsOf: b)
            return true
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The SOP, series and study UIDs and the Modality of a file, read once
    /// for its findings, with its path: the `Finding.FileTexts` they share.
    struct UIDs {
        var texts: Finding.FileTexts
        init(_ file: DicomFile, path: String?) {
            let ds = file.dataSet
            texts = Finding.FileTexts(file: path, sopInstanceUID: ds.string(Tag.sopInstanceUID), seriesInstanceUID: ds.string(Evaluator.seriesUID),
                                      studyInstanceUID: ds.string(Evaluator.studyUID), modality: ds.string(Evaluator.modalityTag))
        }

        /// Gives `f` the fields that belong to its file: path, UIDs, Modality
        /// — those `findings` passes to a new finding — when `reuseFindings`
        /// copies an earlier file's finding (`ShapeMemoTests` compares every
        /// field of both ways with a plain evaluation).
        func stamp(_ f: inout Finding) { f.fileTexts = texts }
    }

    /// Why a failed rule failed: its check explained (`explain`), or the
    /// check's text when nothing explains it.
    func failureDetails(_ rule: Rule, _ file: DicomFile, showPHI: Bool) -> [FailureDetail] {
        guard case .instance(let p) = rule.check else { return [] }
        let details = explain(p, file, showPHI: showPHI)
        if !details.isEmpty { return details }
        return [FailureDetail(attribute: p.firstAttribute ?? "", observed: nil, expected: rule.checkText, reason: "check \(rule.checkText) does not hold")]
    }

    /// The findings of a failed rule from its `details`, appended to `out`
    /// (built in place: no copy of each finding's strings into the file's list).
    func findings(_ rule: Rule, _ details: [FailureDetail], _ file: DicomFile, showPHI: Bool, uids: UIDs, into out: inout [Finding]) {
        let texts = rule.findingTexts
        let hasWhen = !texts.when.isEmpty
        for d in details {
            let message = rule.message.map { render($0, d, file, showPHI: showPHI) } ?? d.reason
            out.append(Finding(ruleTexts: texts, fileTexts: uids.texts, severity: rule.severity, level: rule.level, message: message,
                               becauseReason: d.reason, becauseHasWhen: hasWhen,
                               attribute: d.attribute.isEmpty ? nil : d.attribute, observed: d.observedText, expected: d.expected,
                               offset: d.offset))
        }
    }

    /// The findings of a replayed rule from the entry's explanation `kept`
    /// (`KeptExplanation.findings`, one per detail): copies with this file's
    /// path, UIDs and Modality, and for a located detail
    /// (`FailureDetail.location`) its observed value read from this file and
    /// a message showing it made again — the findings `findings` makes from
    /// the details `refreshed` gives, without copying the details. False
    /// (nothing appended) when the message reads the file itself
    /// (`{Keyword}`) or a located element is not where it was.
    func reuseFindings(_ kept: KeptExplanation, _ rule: Rule, _ file: DicomFile, showPHI: Bool, uids: UIDs,
                       into out: inout [Finding]) -> Bool {
        let details = kept.details, stored = kept.findings
        guard stored.count == details.count else { return false }
        var showsValue = false
        for p in rule.message ?? [] {
            switch p {
            case .keyword: return false
            case .value: showsValue = true
            default: break
            }
        }
        let start = out.count
        for k in details.indices {
            var f = stored[k]
            uids.stamp(&f)
            if let loc = details[k].location {
                guard let (ds, e) = Self.element(at: loc, in: file.dataSet), e.tag == details[k].tag else {
                    out.removeSubrange(start...)
                    return false
                }
                let observed = observedValues(.element(ds, e, index: nil), showPHI: showPHI)
                f.observed = FailureDetail.text(ofObserved: observed)
                if showsValue, let parts = rule.message {
                    var d = details[k]
                    d.observed = observed
                    f.message = render(parts, d, file, showPHI: showPHI)
                }
            }
            out.append(f)
        }
        return true
    }

    func render(_ parts: [TemplatePart], _ d: FailureDetail, _ file: DicomFile, showPHI: Bool) -> String {
        var s = ""
        for p in parts {
            switch p {
            case .text(let t): s += t
            case .value: s += d.observed.map { $0.isEmpty ? "(empty)" : $0.joined(separator: "\\") } ?? "(absent)"
            case .expected: s += d.expected
            case .attribute: s += d.attribute
            case .keyword(let r):
                func shown(_ t: Target) -> String {
                    let v = t.displayValues.joined(separator: "\\")
                    return hides(t.tag, showPHI: showPHI) ? Redaction.redact(v) : v
                }
                switch r.resolve(in: file) {
                case .one(let t): s += shown(t)
                // a path with `[*]` (docs/rule-language.md: "any attribute path
                // in braces"): each item's values, `\`-separated; it was "(absent)"
                case .many(let ts) where ts.contains(where: { $0 != nil }):
                    s += ts.compactMap { $0.map(shown) }.joined(separator: "\\")
                default: s += "(absent)"
                }
            }
        }
        return s
    }
}

/// Aggregates the samples of series/study/patient/dataset rules. Memory grows
/// with the number of groups (series, studies…), not files — except `unique`,
/// which keeps one 8-byte hash per distinct value.
public final class GroupAggregator {
    struct ValueStat { var count: Int; var firstFile: String }
    final class GroupState {
        init(firstFile: String) { self.firstFile = firstFile }
        var instances = 0
        var firstFile: String
        var members: Set<String> = []
        /// Per consistent attribute: distinct values seen (a few kept).
        var distinct: [[String: ValueStat]] = []
        var overflow: [Bool] = []
        var seen: [UInt64: String] = [:]
        var duplicates: [(String, String, String)] = []
    }
    let set: RuleSet
    var groups: [[String: GroupState]]
    var order: [[String]]
    var counts: [OutcomeCounts]
    let showPHI: Bool
    public static let keptDistinctValues = 8

    public init(_ set: RuleSet, showPHI: Bool) {
        self.set = set
        self.showPHI = showPHI
        groups = Array(repeating: [:], count: set.rules.count)
        order = Array(repeating: [], count: set.rules.count)
        counts = Array(repeating: OutcomeCounts(), count: set.rules.count)
    }

    public func add(_ samples: [GroupSample?], path: String) {
        for (i, s) in samples.enumerated() {
            guard let s, case .group(let g) = set.rules[i].check else { continue }
            if s.applies == .no { counts[i].add(.notApplicable); continue }
            guard s.applies == .yes, let key = s.key else { counts[i].add(.notEvaluated); continue }
            let st: GroupState
            if let existing = groups[i][key] { st = existing } else {
                st = GroupState(firstFile: path)
                if case .consistent(let refs) = g { st.distinct = Array(repeating: [:], count: refs.count); st.overflow = Array(repeating: false, count: refs.count) }
                groups[i][key] = st
                order[i].append(key)
            }
            st.instances += 1
            switch g {
            case .count:
                if set.rules[i].level != .series, let m = s.member { st.members.insert(m) }
            case .consistent:
                for (k, v) in s.values.enumerated() {
                    let text = v ?? "(absent)"
                    if st.distinct[k][text] != nil { st.distinct[k][text]!.count += 1 }
                    else if st.distinct[k].count < Self.keptDistinctValues { st.distinct[k][text] = ValueStat(count: 1, firstFile: path) }
                    else { st.overflow[k] = true }
                }
            case .unique:
                guard let h = s.hash, let v = s.values.first ?? nil else { continue }
                if let other = st.seen[h] {
                    if st.duplicates.count < 100 { st.duplicates.append((v, other, path)) }
                } else { st.seen[h] = path }
            }
        }
    }

    /// Outcome counts (of groups) and findings of every group rule.
    public func finish() -> (counts: [OutcomeCounts], findings: [Finding]) {
        var findings: [Finding] = []
        for (i, rule) in set.rules.enumerated() {
            guard case .group(let g) = rule.check else { continue }
            for key in order[i] {
                guard let st = groups[i][key] else { continue }
                var failed: [Finding] = []
                let groupName: String = rule.level == .dataset ? "the data set" : "\(rule.level.rawValue) \(display(key, rule.level))"
                func make(_ msg: String, attr: String?, observed: String?, expected: String?, file: String, related: [String]) -> Finding {
                    Finding(ruleID: rule.id, packID: rule.packID, severity: rule.severity, level: rule.level,
                            message: rule.messageText.map { customMessage($0, attr: attr, observed: observed, expected: expected) } ?? msg,
                            because: nil, file: file, relatedFiles: related, attribute: attr, observed: observed, expected: expected,
                            reference: rule.reference,
                            seriesInstanceUID: rule.level == .series ? key : nil, studyInstanceUID: rule.level == .study ? key : nil)
                }
                switch g {
                case .consistent(let refs):
                    for (k, ref) in refs.enumerated() where st.distinct[k].count > 1 {
                        let phi = !showPHI && Redaction.isPatientIdentifying(ref.tag)
                        let vals = st.distinct[k].sorted { $0.value.count > $1.value.count || ($0.value.count == $1.value.count && $0.key < $1.key) }
                        let obs = vals.map { "\(phi ? Redaction.redact($0.key) : $0.key) (\($0.value.count) file\($0.value.count == 1 ? "" : "s"))" }.joined(separator: "; ")
                            + (st.overflow[k] ? "; …" : "")
                        failed.append(make("\(ref) differs across \(groupName): \(vals.count)\(st.overflow[k] ? "+" : "") values", attr: ref.description,
                                           observed: obs, expected: "one value in the \(rule.level.rawValue)", file: vals[1].value.firstFile, related: vals.map(\.value.firstFile)))
                    }
                case .unique(let ref):
                    let phi = !showPHI && Redaction.isPatientIdentifying(ref.tag)
                    for (v, a, b) in st.duplicates {
                        failed.append(make("\(ref) \(phi ? Redaction.redact(v) : v) is not unique in \(groupName): also in \(a)", attr: ref.description,
                                           observed: phi ? Redaction.redact(v) : v, expected: "unique", file: b, related: [a, b]))
                    }
                case .count(let r):
                    let n = rule.level == .series ? st.instances : st.members.count
                    if !r.contains(n) {
                        let what = rule.level == .series ? "instances" : rule.level == .study ? "series" : rule.level == .patient ? "studies" : "patients"
                        failed.append(make("\(groupName) has \(n) \(what), expected \(r)", attr: nil, observed: String(n), expected: r.description, file: st.firstFile, related: []))
                    }
                }
                counts[i].add(failed.isEmpty ? .pass : .fail)
                findings += failed
            }
        }
        return (counts, findings)
    }

    func display(_ key: String, _ level: RuleLevel) -> String {
        level == .patient && !showPHI ? Redaction.redact(key) : key
    }

    func customMessage(_ t: String, attr: String?, observed: String?, expected: String?) -> String {
        t.replacingOccurrences(of: "{value}", with: observed ?? "")
            .replacingOccurrences(of: "{expected}", with: expected ?? "")
            .replacingOccurrences(of: "{attribute}", with: attr ?? "")
    }
}

extension AttributeRef {
    var tag: Tag? {
        switch self {
        case .tag(let t, _): return t
        case .path(let p): if let l = p.steps.last, case .tag(let t) = l.reference { return t }; return nil
        case .anomalies, .textRepertoire, .derived: return nil
        }
    }
}
