import DcmData
import DcmRules

/// How `check` reports the rules it could not evaluate on a file
/// (`--not-evaluated`, docs/reports.md *Not evaluated*).
///
/// A rule is *not evaluated* on a file when its outcome cannot be decided from
/// the data set: a Type 1C/2C attribute is absent and its condition is one of
/// the standard's texts the pack cannot decide (PS3.3 §5.4; `not_evaluated:`
/// in the pack), a C module's condition cannot be decided (PS3.3 §C.1, usage
/// C), or a vendor-derived value cannot be decoded. Issue #5: such rules are
/// reported per file with the condition's text, never silently treated as
/// optional.
public enum NotEvaluatedMode: String, CaseIterable, Sendable {
    /// Grouped by rule and reason, with file counts and a few example files (default).
    case summary
    /// Also every file × rule with its reasons.
    case list
    /// Not recorded at all (only the per-rule counts remain).
    case none
}

/// The not-evaluated rules of one file, as the worker found them: rule
/// indices (into `RuleSet.rules`) and the undecided details of each — the
/// same `Evaluator.undecided` that `rules coverage --file` prints.
struct FileNotEvaluated: Sendable {
    var rules: [Int32] = []
    var details: [[UndecidedDetail]] = []

    /// Scans a file's outcomes: nothing is allocated when no rule is not evaluated.
    init(_ result: InstanceResult, _ set: RuleSet, _ file: DicomFile, _ ev: Evaluator) {
        for (k, o) in result.outcomes.enumerated() where o == .notEvaluated {
            rules.append(Int32(k))
            let d = ev.undecided(set.rules[k], file)
            // (the outcome and the explanation come from the same evaluator;
            // should they ever disagree, the rule is still listed)
            details.append(d.isEmpty ? [UndecidedDetail(attribute: "", conditions: ["the rule's check could not be decided on this file"], kind: .undecided)] : d)
        }
    }
    init() {}
    var isEmpty: Bool { rules.isEmpty }
}

/// Collects the run's not-evaluated rules file by file (in the serial emit
/// step): each (rule, detail line) is interned once as a *reason*; each file
/// adds (file index, reason index) pairs — 8 bytes a reason, paths and texts
/// resolved when the report is made.
final class NotEvaluatedCollector {
    struct Key: Hashable { var rule: Int32; var line: String }
    private var index: [Key: Int32] = [:]
    private var reasons: [(rule: Int32, detail: UndecidedDetail)] = []
    /// (file, reason) in input order; a file's reasons grouped by rule, in rule order.
    private var pairs: [(file: Int32, reason: Int32)] = []

    func add(file: Int, _ ne: FileNotEvaluated) {
        for (r, ds) in zip(ne.rules, ne.details) {
            for d in ds {
                let key = Key(rule: r, line: d.line)
                let id: Int32
                if let x = index[key] { id = x } else {
                    id = Int32(reasons.count)
                    reasons.append((r, d))
                    index[key] = id
                }
                pairs.append((Int32(file), id))
            }
        }
    }

    /// The report's section: paths resolved through `path` (the run's file
    /// list, redacted unless --show-phi).
    func finish(_ set: RuleSet, mode: NotEvaluatedMode, path: (Int) -> String) -> NotEvaluatedReport {
        var out = NotEvaluatedReport(mode: mode)
        guard !pairs.isEmpty else { return out }
        // files per reason, and distinct files per rule (pairs come file by file)
        var filesOf = [[Int32]](repeating: [], count: reasons.count)
        var ruleFiles: [Int32: [Int32]] = [:]
        var lastFileOfRule: [Int32: Int32] = [:]
        var distinct = 0, lastFile: Int32 = -1, fileRulePairs = 0
        for (f, r) in pairs {
            if f != lastFile { distinct += 1; lastFile = f }
            let lastRuleFile = filesOf[Int(r)].last
            if lastRuleFile != f { filesOf[Int(r)].append(f) }
            let rule = reasons[Int(r)].rule
            if lastFileOfRule[rule] != f { lastFileOfRule[rule] = f; ruleFiles[rule, default: []].append(f); fileRulePairs += 1 }
        }
        out.fileCount = distinct
        out.pairCount = fileRulePairs
        var resolved: [Int32: String] = [:]
        func p(_ f: Int32) -> String {
            if let s = resolved[f] { return s }
            let s = path(Int(f)); resolved[f] = s; return s
        }
        let examples = NotEvaluatedReport.examples
        var reasonsOf: [Int32: [Int]] = [:]
        for (k, x) in reasons.enumerated() { reasonsOf[x.rule, default: []].append(k) }
        for rule in ruleFiles.keys.sorted() {
            let r = set.rules[Int(rule)]
            let files = ruleFiles[rule]!
            var entry = NotEvaluatedReport.Rule(id: r.id, pack: r.packID, title: r.title, fileCount: files.count,
                                                examples: files.prefix(examples).map(p))
            if mode == .list { entry.files = files.map(p) }
            for k in reasonsOf[rule]! {
                let fs = filesOf[k]
                var reason = NotEvaluatedReport.Reason(detail: reasons[k].detail, fileCount: fs.count, examples: fs.prefix(examples).map(p))
                if mode == .list { reason.files = fs.map(p) }
                entry.reasons.append(reason)
            }
            out.rules.append(entry)
        }
        if mode == .list {
            var i = 0
            while i < pairs.count {
                let f = pairs[i].file
                var entry = NotEvaluatedReport.FileEntry(file: p(f))
                while i < pairs.count, pairs[i].file == f {
                    let x = reasons[Int(pairs[i].reason)]
                    let r = set.rules[Int(x.rule)]
                    if entry.rules.last?.id != r.id { entry.rules.append((r.id, r.packID, [])) }
                    entry.rules[entry.rules.count - 1].details.append(x.detail)
                    i += 1
                }
                out.byFile.append(entry)
            }
        }
        return out
    }
}

/// The rules not evaluated in a run, for the reporters: grouped by rule, then
/// by reason (one undecided attribute and its condition's text), with file
/// counts and example files; with `--not-evaluated list`, every file too.
public struct NotEvaluatedReport: Sendable {
    /// Example files kept per rule and per reason.
    public static let examples = 3
    public struct Reason: Sendable {
        public var detail: UndecidedDetail
        public var fileCount: Int
        public var examples: [String]
        /// Every file (list mode only).
        public var files: [String]? = nil
        /// `Attr absent: "condition"`, as `rules coverage --file` prints it.
        public var text: String { detail.line }
    }
    public struct Rule: Sendable {
        public var id: String
        public var pack: String
        public var title: String?
        /// Files on which the rule was not evaluated.
        public var fileCount: Int
        public var examples: [String]
        public var files: [String]? = nil
        public var reasons: [Reason] = []
    }
    public struct FileEntry: Sendable {
        public var file: String
        public var rules: [(id: String, pack: String, details: [UndecidedDetail])] = []
    }
    public var mode: NotEvaluatedMode
    public var rules: [Rule] = []
    /// Files with at least one rule not evaluated, and (file, rule) pairs.
    public var fileCount = 0
    public var pairCount = 0
    /// Per file, in input order (list mode only).
    public var byFile: [FileEntry] = []
    public init(mode: NotEvaluatedMode) { self.mode = mode }
    public var isEmpty: Bool { rules.isEmpty }
}
