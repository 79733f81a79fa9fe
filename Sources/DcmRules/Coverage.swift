import DcmDictionary

/// How many of a pack's conditions are encoded as rule conditions and how
/// many are `not_evaluated` (text the pack cannot decide), per group of rules
/// that share a SOP Class selector (per IOD in `dicom.iod`; SOP Class UID, or
/// Media Storage SOP Class UID for the DICOMDIR's IOD) and overall —
/// `dcmaudit rules coverage`.
///
/// Counted:
/// - **attribute conditions**: the `if:` of every Type 1C/2C test (PS3.3 §5.4:
///   required under a condition), encoded or `not_evaluated`;
/// - **rule conditions**: every `when` entry after the SOP Class selector (a
///   C module's or C functional group macro's condition, PS3.3 §C.1 usage C),
///   except entries made of `present` tests only (how a User-optional module
///   is detected: not a condition of the standard).
/// A named condition used several times in a group (a macro's item tests) is
/// counted once per group; the overall figures sum the groups.
///
/// A not-evaluated condition is *partly decided* when it is more than its
/// `not_evaluated` text: decided where the file has what it reads, not
/// evaluated otherwise (PS3.3's "X … and <prose>" decided one way; the
/// frame's Frame Type, read from a Functional Groups item that may lack the
/// frame type macro; Laterality's paired body part, from a Body Part Examined
/// that may be absent). Counted with the not evaluated, and apart.
public struct ConditionCoverage: Sendable {
    public struct Counts: Sendable, Equatable {
        public var rules = 0
        public var attributeEncoded = 0, attributeNotEvaluated = 0
        public var ruleEncoded = 0, ruleNotEvaluated = 0
        /// Of the not evaluated, those partly decided (`isPartlyDecided`).
        public var attributePartly = 0, rulePartly = 0
        public init() {}
        public var attributeTotal: Int { attributeEncoded + attributeNotEvaluated }
        public var ruleTotal: Int { ruleEncoded + ruleNotEvaluated }
        mutating func add(_ o: Counts) {
            rules += o.rules; attributeEncoded += o.attributeEncoded; attributeNotEvaluated += o.attributeNotEvaluated
            ruleEncoded += o.ruleEncoded; ruleNotEvaluated += o.ruleNotEvaluated
            attributePartly += o.attributePartly; rulePartly += o.rulePartly
        }
    }
    /// (group name, counts), in the order first met; the group is the SOP Class
    /// condition's name (`iod.ct-image`) or `(every file)`.
    public var groups: [(name: String, counts: Counts)]
    public var total: Counts
    /// The distinct texts of `not_evaluated` conditions, with how many groups use each.
    public var notEvaluatedTexts: [(text: String, groups: Int)]

    public init(_ rules: [Rule]) {
        var order: [String] = []
        var counts: [String: Counts] = [:]
        var visited: [String: Set<String>] = [:]
        var texts: [String: Set<String>] = [:]
        for r in rules {
            var group = "(every file)"
            var rest = r.when[...]
            if case .named(let n, let p)? = r.when.first, case .attribute(.tag(let t, _), .inSet) = p.resolved,
               t == RuleSet.sopClassUID || t == Self.mediaStorageSOPClassUID {
                group = n; rest = r.when.dropFirst()
            }
            if counts[group] == nil { order.append(group); counts[group] = Counts() }
            var c = counts[group]!
            var seen = visited[group] ?? []
            var groupTexts: Set<String> = []
            c.rules += 1
            for w in rest where !Self.isPresenceOnly(w) {
                let ne = Self.notEvaluated(in: w)
                if ne.isEmpty { c.ruleEncoded += 1 } else {
                    c.ruleNotEvaluated += 1; groupTexts.formUnion(ne)
                    if Self.isPartlyDecided(w) { c.rulePartly += 1 }
                }
            }
            if case .instance(let p) = r.check { Self.walk(p, &c, &seen, &groupTexts) }
            counts[group] = c
            visited[group] = seen
            for t in groupTexts { texts[t, default: []].insert(group) }
        }
        groups = order.map { ($0, counts[$0]!) }
        var t = Counts()
        for g in groups { t.add(g.counts) }
        total = t
        notEvaluatedTexts = texts.map { ($0.key, $0.value.count) }.sorted { $0.groups != $1.groups ? $0.groups > $1.groups : $0.text < $1.text }
    }

    /// (0002,0002) Media Storage SOP Class UID: the selector of `dicom.iod`'s
    /// Basic Directory IOD (a DICOMDIR has no SOP Class UID, PS3.10 7.1).
    static let mediaStorageSOPClassUID = Tag(0x0002, 0x0002)

    /// A `when` entry made of `present` tests only (`{any: [{X: present}, …]}`):
    /// how a User-optional module is detected, not a condition of the standard.
    static func isPresenceOnly(_ p: Predicate) -> Bool {
        switch p {
        case .attribute(_, .present): return true
        case .any(let ps), .all(let ps): return !ps.isEmpty && ps.allSatisfy(isPresenceOnly)
        case .planned(let plan): return plan.parts.allSatisfy(isPresenceOnly)
        case .named(_, let q), .described(_, let q): return isPresenceOnly(q)
        case .deferred(let d): return isPresenceOnly(d.predicate)
        default: return false
        }
    }

    /// Whether a condition holding a `not_evaluated` part has parts that
    /// decide it on some files: anything but a bare `not_evaluated` (named,
    /// described, negated, or scoped to an enclosing data set).
    static func isPartlyDecided(_ p: Predicate) -> Bool {
        switch p {
        case .notEvaluated: return false
        case .named(_, let q), .described(_, let q), .scoped(_, let q), .not(let q): return isPartlyDecided(q)
        case .deferred(let d): return isPartlyDecided(d.predicate)
        default: return true
        }
    }

    /// The `not_evaluated` texts in a predicate.
    static func notEvaluated(in p: Predicate) -> [String] {
        switch p {
        case .notEvaluated(let t): return [t]
        case .named(_, let q), .described(_, let q), .not(let q), .scoped(_, let q): return notEvaluated(in: q)
        case .deferred(let d): return notEvaluated(in: d.predicate)
        case .all(let ps), .any(let ps): return ps.flatMap { notEvaluated(in: $0) }
        case .planned(let plan): return plan.parts.flatMap { notEvaluated(in: $0) }
        case .attribute(_, let t): return notEvaluated(in: t)
        case .always, .eachElement: return []
        }
    }
    static func notEvaluated(in t: ValueTest) -> [String] {
        switch t {
        case .type(_, let c?): return notEvaluated(in: c)
        case .items(let p): return notEvaluated(in: p)
        case .each(let x), .not(let x): return notEvaluated(in: x)
        case .all(let ts), .any(let ts): return ts.flatMap { notEvaluated(in: $0) }
        default: return []
        }
    }

    static func walk(_ p: Predicate, _ c: inout Counts, _ seen: inout Set<String>, _ texts: inout Set<String>) {
        switch p {
        case .named(let n, let q):
            guard seen.insert(n).inserted else { return }
            walk(q, &c, &seen, &texts)
        case .not(let q), .scoped(_, let q), .described(_, let q): walk(q, &c, &seen, &texts)
        case .deferred(let d): walk(d.predicate, &c, &seen, &texts)
        case .all(let ps), .any(let ps): for q in ps { walk(q, &c, &seen, &texts) }
        case .planned(let plan): for q in plan.parts { walk(q, &c, &seen, &texts) }
        case .attribute(_, let t): walk(t, &c, &seen, &texts)
        case .always, .eachElement, .notEvaluated: break
        }
    }
    static func walk(_ t: ValueTest, _ c: inout Counts, _ seen: inout Set<String>, _ texts: inout Set<String>) {
        switch t {
        case .type(let rt, let cond) where rt == .t1C || rt == .t2C:
            let ne = cond.map { notEvaluated(in: $0) } ?? []
            if ne.isEmpty { c.attributeEncoded += 1 } else {
                c.attributeNotEvaluated += 1; texts.formUnion(ne)
                if let cond, isPartlyDecided(cond) { c.attributePartly += 1 }
            }
        case .items(let p): walk(p, &c, &seen, &texts)
        case .each(let x), .not(let x): walk(x, &c, &seen, &texts)
        case .all(let ts), .any(let ts): for x in ts { walk(x, &c, &seen, &texts) }
        default: break
        }
    }

    /// A plain-text table: per group and overall, with percentages.
    public func text(showTexts: Int = 0) -> String {
        func pct(_ a: Int, _ n: Int) -> String { n == 0 ? "-" : String(Int((Double(a) * 100 / Double(n)).rounded())) + "%" }
        let w = max(24, (groups.map(\.name.count).max() ?? 0) + 2)
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(1, n - s.count)) }
        func lpad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(1, n - s.count)) + s }
        var out = pad("group", w) + lpad("rules", 7) + lpad("1C/2C encoded", 15) + lpad("not eval.", 11) + lpad("(partly)", 10) + lpad("%", 6)
            + lpad("rule cond. encoded", 20) + lpad("not eval.", 11) + lpad("(partly)", 10) + lpad("%", 6) + "\n"
        func row(_ name: String, _ c: Counts) -> String {
            pad(name, w) + lpad("\(c.rules)", 7) + lpad("\(c.attributeEncoded)", 15) + lpad("\(c.attributeNotEvaluated)", 11)
                + lpad("(\(c.attributePartly))", 10)
                + lpad(pct(c.attributeEncoded, c.attributeTotal), 6) + lpad("\(c.ruleEncoded)", 20) + lpad("\(c.ruleNotEvaluated)", 11)
                + lpad("(\(c.rulePartly))", 10) + lpad(pct(c.ruleEncoded, c.ruleTotal), 6) + "\n"
        }
        for g in groups { out += row(g.name, g.counts) }
        out += row("overall (\(groups.count) group\(groups.count == 1 ? "" : "s"))", total)
        out += "(partly): of the not evaluated, those decided on the files where their decidable part settles them, not evaluated on the others\n"
        if showTexts > 0 {
            out += "\nconditions not evaluated (groups using each), the \(min(showTexts, notEvaluatedTexts.count)) most used of \(notEvaluatedTexts.count):\n"
            for t in notEvaluatedTexts.prefix(showTexts) { out += lpad("\(t.groups)", 5) + "  " + t.text + "\n" }
        }
        return out
    }
}
