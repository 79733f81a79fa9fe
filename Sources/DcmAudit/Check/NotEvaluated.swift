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

/// The not-evaluated rules of one file, as the worker found them: their
/// indices in `RuleSet.rules` and, with `--not-evaluated list` only, the
/// undecided details of each — the same `Evaluator.undecided` that `rules
/// coverage --file` prints. (Details cost about one more evaluation of each
/// such rule: with dicom.iod, nine rules on most files; the default summary
/// takes them from a few example files at the end instead.)
struct FileNotEvaluated: Sendable {
    var rules: [Int32] = []
    var details: [[UndecidedDetail]] = []

    /// Scans a file's outcomes: nothing is allocated when no rule is not evaluated.
    init(_ result: InstanceResult, _ set: RuleSet, _ file: DicomFile, _ ev: Evaluator, details wanted: Bool) {
        rules = result.notEvaluatedRules
        if wanted { details = rules.map { FileNotEvaluated.details(ev, set.rules[Int($0)], file, known: true) } }
    }
    init() {}
    var isEmpty: Bool { rules.isEmpty }

    /// A rule's undecided details on a file (the outcome and the explanation
    /// come from the same evaluator; should they ever disagree, the rule is
    /// still listed, with that said).
    static func details(_ ev: Evaluator, _ rule: Rule, _ file: DicomFile, known: Bool) -> [UndecidedDetail] {
        let d = ev.undecided(rule, file, known: known)
        return d.isEmpty ? [UndecidedDetail(attribute: "", conditions: ["the rule's check could not be decided on this file"], kind: .undecided)] : d
    }
}

/// Collects the run's not-evaluated rules file by file, in the serial emit
/// step, so it stays cheap: a file's list of not-evaluated rules is interned
/// (files of one IOD share it), leaving 8 bytes per file. With details (list
/// mode), a rule's list of undecided details on a file is its *signature*,
/// interned per rule by comparison with the signatures seen before (the
/// condition texts share the pack's storage, so equal lists compare at
/// once), leaving 8 bytes per file × rule. Reasons, paths and texts are made
/// when the report is.
final class NotEvaluatedCollector {
    private var ruleLists: [[Int32]] = []
    private var ruleListIndex: [[Int32]: Int32] = [:]
    /// (file, rule list) in input order.
    private var files: [(file: Int32, list: Int32)] = []
    private var signatures: [(rule: Int32, details: [UndecidedDetail])] = []
    /// Per rule, its signatures (scanned when few, then hashed).
    private var byRule: [Int32: [Int32]] = [:]
    struct Key: Hashable { var rule: Int32; var details: [UndecidedDetail] }
    private var index: [Key: Int32] = [:]
    static let scanLimit = 8
    /// Per file × rule (list mode): the signature, in the order of `files` and of each file's rules.
    private var signatureOf: [Int32] = []

    func add(file: Int, _ ne: FileNotEvaluated) {
        let list: Int32
        if let x = ruleListIndex[ne.rules] { list = x } else {
            list = Int32(ruleLists.count)
            ruleLists.append(ne.rules)
            ruleListIndex[ne.rules] = list
        }
        files.append((Int32(file), list))
        for (r, ds) in zip(ne.rules, ne.details) {
            var id: Int32 = -1
            let known = byRule[r] ?? []
            if known.count <= NotEvaluatedCollector.scanLimit {
                for s in known where signatures[Int(s)].details == ds { id = s; break }
            } else {
                id = index[Key(rule: r, details: ds)] ?? -1
            }
            if id < 0 {
                id = Int32(signatures.count)
                signatures.append((r, ds))
                byRule[r, default: []].append(id)
                index[Key(rule: r, details: ds)] = id
            }
            signatureOf.append(id)
        }
    }

    /// The report's section. `path`: a file's path as reported (redacted
    /// unless --show-phi); `reasons`: the details of a rule on a file, read
    /// again (summary mode: the example files only).
    func finish(_ set: RuleSet, mode: NotEvaluatedMode, path: (Int) -> String,
                reasons: (_ file: Int, _ rules: [Int32]) -> [[UndecidedDetail]]) -> NotEvaluatedReport {
        var out = NotEvaluatedReport(mode: mode)
        guard !files.isEmpty else { return out }
        let listed = !signatureOf.isEmpty
        out.listed = listed
        out.fileCount = files.count
        // the files of each rule, in input order; and where each file × rule's signature is
        var filesOfRule: [Int32: [Int32]] = [:]
        var sigOfPair: [Int32: [Int32]] = [:]   // rule → signature per file of filesOfRule
        var k = 0
        for (f, l) in files {
            for r in ruleLists[Int(l)] {
                filesOfRule[r, default: []].append(f)
                if listed { sigOfPair[r, default: []].append(signatureOf[k]) }
                k += 1
            }
        }
        out.pairCount = k
        var resolved: [Int32: String] = [:]
        func p(_ f: Int32) -> String {
            if let s = resolved[f] { return s }
            let s = path(Int(f)); resolved[f] = s; return s
        }
        let n = NotEvaluatedReport.examples
        // summary: the example files' reasons, read again once per file
        var exampleDetails: [Int32: [Int32: [UndecidedDetail]]] = [:]   // file → rule → details
        if !listed {
            var wanted: [Int32: [Int32]] = [:]
            for (r, fs) in filesOfRule { for f in fs.prefix(n) { wanted[f, default: []].append(r) } }
            for f in wanted.keys.sorted() {
                let rs = wanted[f]!.sorted()
                for (r, d) in zip(rs, reasons(Int(f), rs)) { exampleDetails[f, default: [:]][r] = d }
            }
        }
        for rule in filesOfRule.keys.sorted() {
            let r = set.rules[Int(rule)]
            let fs = filesOfRule[rule]!
            var entry = NotEvaluatedReport.Rule(id: r.id, pack: r.packID, title: r.title, fileCount: fs.count, examples: fs.prefix(n).map(p))
            if mode == .list { entry.files = fs.map(p) }
            // reasons: each distinct detail line in the order first met, with its files
            var order: [String] = [], detailOf: [String: UndecidedDetail] = [:], filesOfReason: [String: [Int32]] = [:]
            func add(_ details: [UndecidedDetail], _ files: [Int32]) {
                var seen = Set<String>()
                for d in details {
                    let line = d.line
                    guard seen.insert(line).inserted else { continue }
                    if detailOf[line] == nil { order.append(line); detailOf[line] = d }
                    filesOfReason[line, default: []] += files
                }
            }
            if listed {
                // files of each signature, then each signature's details once
                var filesOfSig: [Int32: [Int32]] = [:], sigOrder: [Int32] = []
                for (f, s) in zip(fs, sigOfPair[rule]!) {
                    if filesOfSig[s] == nil { sigOrder.append(s) }
                    filesOfSig[s, default: []].append(f)
                }
                for s in sigOrder { add(signatures[Int(s)].details, filesOfSig[s]!) }
            } else {
                for f in fs.prefix(n) { add(exampleDetails[f]?[rule] ?? [], [f]) }
            }
            for line in order {
                let rf = filesOfReason[line]!.sorted()
                var reason = NotEvaluatedReport.Reason(detail: detailOf[line]!, fileCount: listed ? rf.count : nil, examples: rf.prefix(n).map(p))
                if mode == .list { reason.files = rf.map(p) }
                entry.reasons.append(reason)
            }
            out.rules.append(entry)
        }
        if listed {
            var k = 0
            for (f, l) in files {
                var entry = NotEvaluatedReport.FileEntry(file: p(f))
                for r in ruleLists[Int(l)] {
                    let x = set.rules[Int(r)]
                    entry.rules.append((x.id, x.packID, signatures[Int(signatureOf[k])].details))
                    k += 1
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
        /// Files with this reason (list mode; the summary reads the reasons
        /// of the example files only, so it does not count them).
        public var fileCount: Int?
        /// The first files with this reason (summary: among the rule's examples).
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
    /// Whether every file's reasons were recorded (list mode), or only the
    /// example files' (summary).
    public var listed = false
    public var rules: [Rule] = []
    /// Files with at least one rule not evaluated, and (file, rule) pairs.
    public var fileCount = 0
    public var pairCount = 0
    /// Per file, in input order (list mode only).
    public var byFile: [FileEntry] = []
    public init(mode: NotEvaluatedMode) { self.mode = mode }
    public var isEmpty: Bool { rules.isEmpty }
}

extension NotEvaluatedReport {
    /// The undecided details of `rules` on the file at `path`, read again at
    /// the end of the run (the summary's example files). A file that cannot
    /// be read again (moved, changed) gives that as its reason.
    static func reread(_ path: String, _ rules: [Int32], _ set: RuleSet, _ options: ReadOptions) -> [[UndecidedDetail]] {
        guard let file = try? DicomReader.read(path: path, options: options) else {
            return rules.map { _ in [UndecidedDetail(attribute: "", conditions: ["the file could not be read again for the reasons"], kind: .undecided)] }
        }
        let ev = Evaluator()
        return rules.map { FileNotEvaluated.details(ev, set.rules[Int($0)], file, known: false) }
    }
}
