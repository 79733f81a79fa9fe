import Foundation
import Synchronization
import DcmData
import DcmDictionary

public enum Severity: String, Sendable, CaseIterable, Comparable {
    case info, warning, error
    var rank: Int { self == .info ? 0 : self == .warning ? 1 : 2 }
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}

/// What a rule is evaluated on: one instance (file), or the instances of a
/// series, study, patient, or the whole run.
public enum RuleLevel: String, Sendable, CaseIterable {
    case instance, series, study, patient, dataset
}

/// The four outcomes of a rule on one instance (or one group of instances).
public enum Outcome: String, Sendable, CaseIterable {
    case pass
    case fail
    /// The rule's `when` does not hold: never counted as a pass.
    case notApplicable = "not-applicable"
    /// The rule could not be decided, e.g. a value that cannot be decoded.
    case notEvaluated = "not-evaluated"
}

/// Three-valued truth used inside predicates: `unknown` is "cannot be decided".
public enum Truth: Sendable, Equatable {
    case yes, no, unknown
    @inline(__always) static func from(_ b: Bool) -> Truth { b ? .yes : .no }
    @inline(__always) var negated: Truth { self == .yes ? .no : self == .no ? .yes : .unknown }
}

/// A reference to an attribute, compiled once: a plain top-level tag (the
/// fast path: one binary search, no allocation), a full attribute path, or the
/// `file.anomalies` and `file.text_repertoire` pseudo-attributes.
public enum AttributeRef: Sendable, CustomStringConvertible {
    case tag(Tag, text: String)
    case path(AttributePath)
    /// The kinds of the reader's anomalies for the file (`Anomaly.Kind` raw values).
    case anomalies
    /// `file.text_repertoire`: `other` when a text value of the file leaves
    /// the default repertoire (`DicomFile.textOutsideDefaultRepertoire`,
    /// PS3.5 §6.1.2.3), else `default`.
    case textRepertoire
    /// A value parsed from the file: `csa.image.NAME`, `siemens.NAME` (DerivedAttributes.swift).
    case derived(DerivedAttribute)

    public var description: String {
        switch self {
        case .tag(_, let t): return t
        case .path(let p): return p.text
        case .anomalies: return "file.anomalies"
        case .textRepertoire: return Self.textRepertoireName
        case .derived(let d): return d.text
        }
    }
    /// The keyword's VR in the dictionary, when the reference is to a standard attribute.
    var dictionaryVR: VR? {
        switch self {
        case .tag(let t, _): return DataDictionary.entry(for: t)?.vr
        case .path(let p):
            guard let last = p.steps.last, case .tag(let t) = last.reference else { return nil }
            return DataDictionary.entry(for: t)?.vr
        case .anomalies, .textRepertoire: return .CS
        case .derived(let d): return d.vr
        }
    }
    /// The name of `.textRepertoire`, and its two values.
    static let textRepertoireName = "file.text_repertoire"
    static let textRepertoireValues = ["default", "other"]
    /// A fact about the whole file (`file.…`), not an attribute.
    var isFileFact: Bool {
        switch self {
        case .anomalies, .textRepertoire: return true
        default: return false
        }
    }
    var hasWildcard: Bool {
        guard case .path(let p) = self else { return false }
        return p.steps.dropLast().contains { $0.index == .all || $0.index == .none }
    }
}

/// A value a rule compares with, typed at compile time from the attribute's VR.
public enum Operand: Sendable, CustomStringConvertible {
    case number(Double, text: String)
    case date(DicomDate, text: String)
    case time(DicomTime, text: String)
    case dateTime(DicomDateTime, text: String)
    case string([UInt8], text: String)
    /// The (first) value of another attribute of the same data set.
    case attribute(AttributeRef)

    public var description: String {
        switch self {
        case .number(_, let t), .date(_, let t), .time(_, let t), .dateTime(_, let t): return t
        case .string(_, let t): return t
        case .attribute(let a): return a.description
        }
    }
}

public enum Comparison: String, Sendable {
    case gt, ge, lt, le
    var symbol: String { switch self { case .gt: return ">"; case .ge: return ">="; case .lt: return "<"; case .le: return "<=" } }
}

/// An integer range (`vm`, `length`, `count`); `max == nil` is unbounded.
public struct CountRange: Sendable, CustomStringConvertible {
    public var min: Int
    public var max: Int?
    /// For VM "2-2n": the count must be a multiple of this.
    public var step: Int = 1
    public func contains(_ n: Int) -> Bool { n >= min && (max.map { n <= $0 } ?? true) && (step <= 1 || n % step == 0) }
    public var description: String {
        if let m = max, m == min { return "\(min)" }
        if step > 1 { return "\(min)-\(step)n" }
        return "\(min)-\(max.map(String.init) ?? "n")"
    }
}

/// The kind of a DICOM requirement type (PS3.5 §7.4).
public enum RequirementType: String, Sendable { case t1 = "1", t1C = "1C", t2 = "2", t2C = "2C", t3 = "3" }

/// A compiled test on the values of one attribute (DESIGN.md item 7: an
/// inspectable tree, so a finding can say why it failed).
public indirect enum ValueTest: Sendable {
    case present, absent, empty, notEmpty
    case type(RequirementType, condition: Predicate?)
    case equals(Operand, tolerance: Double?)
    case equalsList([Operand])
    case inSet([Operand])
    case notInSet([Operand])
    case matches(RegexBox)
    case range(Operand, Operand)
    case compare(Comparison, Operand)
    case vm(CountRange)
    case vr([VR])
    case length(CountRange)
    case format
    /// `vm: dictionary`: the value count allowed by the element's PS3.6 entry.
    case vmDictionary
    /// `vr: dictionary`: the VR as encoded is one of the element's PS3.6 VRs
    /// (always true for implicit VR, where the reader took it from the dictionary).
    case vrDictionary
    /// `retired: false`: the element is not retired in PS3.6 (`retired: true` is its negation).
    case notRetired
    /// `in_dictionary: true`: the element has an entry in PS3.6 (even groups; group
    /// lengths count as known) or, for a private element, in the vendor's private
    /// dictionary under its block's creator (`in_dictionary: false` is its negation).
    case inDictionary
    /// `duplicate_creator: false`: no other Private Creator element of the same
    /// group of the same data set has the same value (PS3.5 §7.8.1: a creator
    /// reserves one block of a group).
    case uniqueCreator
    /// `registered: TYPE`: every value is a UID of the registry (PS3.6 Table
    /// A-1), of that type (`Transfer Syntax`, `SOP Class`…) unless `any`.
    case registered(String?)
    /// `private_tag: true`: every value (VR AT) is the tag of a private data
    /// element — an odd group other than 0001, 0003, 0005, 0007 and FFFF
    /// (PS3.5 §7.8). PS3.3's "Required if … value is the Data Element Tag of a
    /// Private Attribute" (Selector Attribute, C.23.4; Dimension Index
    /// Pointer, C.7.6.17). A value that is not AT is *not evaluated*.
    case privateTag
    case each(ValueTest)
    /// `items: {…}`: every item of the sequence satisfies the predicate, which
    /// is evaluated with the item as the data set (paths and the conditions of
    /// 1C/2C attributes inside it are relative to the item, as in PS3.3's
    /// tables). An absent sequence or one without items holds vacuously
    /// (whether it must be there is its own `type`).
    case items(Predicate)
    case all([ValueTest])
    case any([ValueTest])
    case not(ValueTest)

    /// `Predicate.enclosingLevels` of the predicates in the test (an
    /// `items` predicate's, less the level its items are).
    var enclosingLevels: Int {
        switch self {
        case .type(_, let c?): return c.enclosingLevels
        case .items(let p): return max(0, p.enclosingLevels - 1)
        case .each(let t), .not(let t): return t.enclosingLevels
        case .all(let ts), .any(let ts): return ts.map(\.enclosingLevels).max() ?? 0
        default: return 0
        }
    }

    /// Tests that are about presence: a missing attribute does not simply fail them.
    var isAboutPresence: Bool {
        switch self {
        case .present, .absent, .type, .items: return true
        case .not(let t): return t.isAboutPresence
        case .all(let ts), .any(let ts): return ts.contains { $0.isAboutPresence }
        default: return false
        }
    }

    /// Tests about the element itself rather than its values: `each_element`
    /// applies them to empty elements and sequences too.
    var isAboutElement: Bool {
        switch self {
        // (`items`: a sequence has no value of its own — skipped as valueless,
        // `{each_element: {…, items: …}}` passed without looking at any item)
        case .notRetired, .vrDictionary, .vr, .present, .absent, .empty, .notEmpty, .inDictionary, .uniqueCreator, .items: return true
        case .not(let t): return t.isAboutElement
        case .all(let ts), .any(let ts): return ts.allSatisfy { $0.isAboutElement }
        default: return false
        }
    }

    /// Tests whose verdict on an element follows from what a shape key's
    /// structure holds (`ShapeKey.dataSet`): the element's tag, VR and reader
    /// flags, and the private creators' values — not its own value. On an
    /// instance-varying element, `Evaluator.fusedWalkSplit` tests them with
    /// the key's part (a private element's VR against the vendor dictionary,
    /// found through its creator, was ~5% of a run on identified data when
    /// tested again on every file). All are `isAboutElement`.
    var isStructural: Bool {
        switch self {
        case .notRetired, .vrDictionary, .vr, .present, .absent, .inDictionary, .uniqueCreator: return true
        case .not(let t): return t.isStructural
        case .all(let ts), .any(let ts): return ts.allSatisfy { $0.isStructural }
        default: return false
        }
    }

    /// Tests decided by an element's presence (and, for type 1, whether it
    /// has a value) alone: `Evaluator.presence`.
    var isPresenceOnly: Bool {
        switch self {
        case .present, .absent, .type(.t1, _), .type(.t2, _), .type(.t3, _): return true
        default: return false
        }
    }
}

/// A compiled predicate over a data set (in `when` and in `check`).
public indirect enum Predicate: Sendable {
    case attribute(AttributeRef, ValueTest)
    case all([Predicate])
    /// An `all` with its evaluation plan (`AllPlan`): what the compiler
    /// makes of a long conjunction on top-level attributes. Means `.all(parts)`.
    case planned(AllPlan)
    case any([Predicate])
    case not(Predicate)
    /// A named condition of the pack (kept for explanations).
    case named(String, Predicate)
    /// `{text: "…", …}`: the selector of the other entries, shown in
    /// explanations ("because …", "although …") as the text instead of its
    /// own rendering — a long condition said as PS3.3 says it.
    case described(String, Predicate)
    case always
    /// `each_element`: the test holds for every standard element of the data
    /// set at any depth (items of sequences included; private
    /// elements are skipped), or only for the elements `only` selects.
    case eachElement(only: ElementFilter, ValueTest)
    /// `not_evaluated: "<text>"`: a condition the pack cannot decide from the
    /// data set (a PS3.3 condition such as "Required if contrast media was
    /// used"), always *unknown*: a 1C/2C attribute under it is not evaluated
    /// when absent and passes when present — never silently optional.
    case notEvaluated(String)
    /// A named condition compiled on first use (packs read from the validated
    /// syntax cache: most of a large pack's conditions are for IODs the files
    /// at hand are not). See `DeferredPredicate`.
    case deferred(DeferredPredicate)
    /// `top: {…}` / `parent: {…}`: the predicate evaluated with the file's
    /// top-level data set, or the data set that holds the sequence of the
    /// item being tested, as the data set — inside `items`, a condition on an
    /// attribute outside the item (PS3.3: "Required if Scan Mode (300A,0308)
    /// is MODULATED" for a control point's attributes, Scan Mode being the
    /// beam's). Outside `items`, `top` is the data set itself and `parent`
    /// is *unknown* (the compiler refuses it where it can tell).
    case scoped(Scope, Predicate)

    /// Where a `scoped` predicate is evaluated.
    public enum Scope: String, Sendable { case top, parent }

    /// How many data sets enclosing the one it is evaluated on the predicate
    /// reads through `parent:` (beyond those its own `items` enter): 0 when
    /// it reads none. Deferred conditions are not looked into (they compiled
    /// cleanly before).
    var enclosingLevels: Int {
        switch self {
        case .scoped(.top, _): return 0
        case .scoped(.parent, let q): return 1 + q.enclosingLevels
        case .named(_, let q), .described(_, let q), .not(let q): return q.enclosingLevels
        case .all(let ps), .any(let ps): return ps.map(\.enclosingLevels).max() ?? 0
        case .planned(let plan): return plan.parts.map(\.enclosingLevels).max() ?? 0
        case .attribute(_, let t): return t.enclosingLevels
        case .always, .notEvaluated, .eachElement, .deferred: return 0
        }
    }

    /// The predicate with a deferred condition compiled, and without the
    /// words of a `text:` (what it tests, as the SOP Class guards are found).
    public var resolved: Predicate {
        if case .deferred(let d) = self { return d.predicate.resolved }
        if case .described(_, let p) = self { return p.resolved }
        return self
    }
}

/// A condition's syntax, compiled when first evaluated (thread-safe: worker
/// threads share the rules). Only used for packs that compiled without error
/// before (`SyntaxCache`), so no diagnostic can be lost by compiling late; a
/// diagnostic would still be printed on standard error.
public final class DeferredPredicate: @unchecked Sendable {
    /// The condition's syntax: in hand, or still in the syntax cache entry
    /// (decoded when compiled: a run decodes only what it compiles).
    private var node: SyntaxRef?
    private var compiler: PackCompiler?
    private var compiled: Predicate?
    /// Set (releasing) once `compiled` is written: later reads need no lock
    /// (a mutex per evaluation was contended by the worker threads on item
    /// conditions evaluated thousands of times per file).
    private let ready = Atomic<Bool>(false)
    private let lock = Lock()
    /// The compiled predicate as a `FlatProgram` (built with it), and the
    /// program unretained: evaluations read it without writing its count.
    private var program: FlatProgram?
    private var programPointer: UnsafeMutableRawPointer?
    init(_ node: SyntaxRef, compiler: PackCompiler) { self.node = node; self.compiler = compiler }

    /// `body` on the program of the predicate (compiled on first use).
    func withProgram<R>(_ body: (FlatProgram) -> R) -> R {
        if !ready.load(ordering: .acquiring) { _ = predicate }
        if ready.load(ordering: .acquiring), let raw = programPointer {
            return Unmanaged<FlatProgram>.fromOpaque(raw)._withUnsafeGuaranteedRef(body)
        }
        return body(FlatProgram(predicate))   // (no compiler: `predicate` is `.always`)
    }
    var predicate: Predicate {
        if ready.load(ordering: .acquiring), let p = compiled { return p }
        return lock.with {
            if let p = compiled { return p }
            guard let c = compiler, let n = node else { return .always }
            // one compile at a time per compiler (worker threads may reach two
            // deferred conditions of the same pack at once; the compiler's
            // diagnostics are shared)
            let p: Predicate = c.deferredLock.with {
                let before = c.diagnostics.count
                let p = c.compilePredicate(n.node, group: false)
                for d in c.diagnostics.dropFirst(before) { FileHandleStderr.write("dcmaudit: \(d)\n") }
                return p
            }
            compiled = p; node = nil; compiler = nil
            let prog = FlatProgram(p)
            program = prog
            programPointer = Unmanaged.passUnretained(prog).toOpaque()
            ready.store(true, ordering: .releasing)
            return p
        }
    }
}

enum FileHandleStderr {
    static func write(_ s: String) { FileHandle.standardError.write(s.data(using: .utf8) ?? Data()) }
}

/// The elements `each_element` visits.
public enum ElementFilter: Sendable, Equatable {
    /// Every standard element (private elements skipped; group lengths
    /// included: they are retired outside groups 0000 and 0002, PS3.5 7.2),
    /// and the group lengths (gggg,0000) of private groups: the standard, not
    /// a vendor, defines (gggg,0000) in every group (PS3.5-2007 7.2: "for all
    /// Data Element groups"), and retired it (PS3.5 7.2 since 2008).
    case standard
    /// The elements with these tags, at any depth. `tags` is the pack's order
    /// (the order of the findings); `sorted` their raw values ascending, and
    /// `order` the position in `tags` of each (for merges with a data set's
    /// elements; both empty when a tag is listed twice).
    case tags([Tag], sorted: [UInt32], order: [Int32])

    /// `.tags` with its lookup tables.
    static func tagList(_ tags: [Tag]) -> ElementFilter {
        let pairs = tags.enumerated().map { (raw: $0.element.raw, at: Int32($0.offset)) }.sorted { $0.raw < $1.raw }
        let repeated = zip(pairs, pairs.dropFirst()).contains { $0.raw == $1.raw }
        return .tags(tags, sorted: repeated ? [] : pairs.map(\.raw), order: repeated ? [] : pairs.map(\.at))
    }
    /// `include: private`: the standard elements and every element of the
    /// private groups (creators and data elements), at any depth. For tests a
    /// private element's own VR answers (`format`: its explicit VR, the claim
    /// its value must satisfy, or the one its vendor's private dictionary
    /// gives; an element of unknown VR is UN, whose value any bytes satisfy).
    case standardAndPrivate
    /// Private data elements (not their Private Creator elements), at any depth.
    case privateElements
    /// Private Creator elements `(gggg,0010-00FF)` of odd groups, at any depth.
    case privateCreators
    /// Elements of the groups PS3.5 §7.8.1 reserves (0001, 0003, 0005, 0007,
    /// FFFF): neither standard nor private elements may use them.
    case reservedGroups
    /// `except: [tags]`: the standard elements whose tag is not in the sorted
    /// list (e.g. the attributes of no module of an IOD), group lengths
    /// (gggg,0000) left out; with `topLevel`, only the elements of the
    /// top-level data set.
    case except([UInt32], topLevel: Bool)

    @inline(__always) func selects(_ tag: Tag) -> Bool {
        switch self {
        case .standard: return tag.group & 1 == 0 || (tag.element == 0 && tag.isPrivate)
        case .standardAndPrivate: return tag.group & 1 == 0 || tag.isPrivate
        case .tags(let ts, let sorted, _): return sorted.isEmpty ? ts.contains(tag) : Evaluator.sortedContains(sorted, tag.raw)
        case .privateElements: return tag.group & 1 == 1 && tag.element >= 0x1000
        case .privateCreators: return tag.isPrivateCreator
        case .reservedGroups: let g = tag.group; return g & 1 == 1 && (g <= 0x0007 || g == 0xFFFF)
        // (group lengths are in no module: values.retired reports them, PS3.5 7.2)
        case .except(let ts, _): return tag.group & 1 == 0 && tag.element != 0 && !Evaluator.sortedContains(ts, tag.raw)
        }
    }
}

/// A compiled regular expression with its source text. Matching searches
/// (`(?i)siemens` matches "SIEMENS Healthineers"); anchor with `^…$`.
public final class RegexBox: @unchecked Sendable {
    public let pattern: String
    let regex: Regex<AnyRegexOutput>
    /// The byte matcher of a pattern that is only literal text (`LiteralRegex`).
    let literal: LiteralRegex?
    /// The byte test of a pattern that is one ASCII class over the whole
    /// value (`ByteClassRegex`), which says when a value surely matches.
    let byteClass: ByteClassRegex?
    init(_ pattern: String) throws {
        self.pattern = pattern
        self.regex = try Regex(pattern)
        self.literal = LiteralRegex(pattern)
        self.byteClass = ByteClassRegex(pattern)
    }
    func matches(_ s: String) -> Bool { (try? regex.firstMatch(in: s)) != nil }
    /// Whether a value (its bytes, UTF-8) matches: by `literal` when it can tell.
    func matches(bytes b: UnsafeRawBufferPointer) -> Bool {
        if let l = literal, let r = l.matches(b) { return r }
        if let c = byteClass, let r = c.surelyMatches(b) { return r }
        return matches(String(decoding: b, as: UTF8.self))
    }
}

/// What a series/study/patient/dataset rule checks.
public enum GroupCheck: Sendable {
    /// These attributes have one value across the group's instances.
    case consistent([AttributeRef])
    /// No two instances of the group share a value of this attribute.
    case unique(AttributeRef)
    /// Instances per series (level series), series per study (study),
    /// studies per patient (patient), or patients in the run (dataset).
    case count(CountRange)
}

public enum RuleCheck: Sendable {
    case instance(Predicate)
    case group(GroupCheck)
    /// A rule carrying the findings of a pack's `protocol:` section
    /// (evaluated by `ProtocolAudit`, not per instance).
    case protocolFinding(ProtocolFindingKind)
}

/// One segment of a message template.
public enum TemplatePart: Sendable {
    case text(String)
    case value, expected, attribute
    case keyword(AttributeRef)
}

/// A rule's example data set, as written in the pack.
public struct RuleExample: Sendable {
    public var expectPass: Bool
    public var location: SourceLocation
    public var file: DicomFile
    /// The YAML text of the example, for `rules explain`.
    public var summary: String
}

/// A compiled rule. A class, so that the check loop hands rules around
/// without copying (and retaining) each of their fields.
public final class Rule: @unchecked Sendable {
    public let id: String
    public let title: String?
    public let severity: Severity
    public let level: RuleLevel
    public let when: [Predicate]
    public let check: RuleCheck
    public let message: [TemplatePart]?
    public let messageText: String?
    public let reference: String?
    public let examples: [RuleExample]
    public let packID: String
    public let location: SourceLocation
    /// The rule's `check` as written (for `rules explain`), rendered on first
    /// use: a large pack's thousands of rules are not rendered back to text at
    /// every load.
    public var checkText: String { texts.check }
    public var whenText: String? { texts.when }
    /// The selectors rendered ("Modality == MR and …"), for findings' `because`.
    public var whenDescription: String { texts.whenDescription }
    /// The texts its findings share (`Finding.RuleTexts`: id, pack, reference, `whenDescription`).
    public var findingTexts: Finding.RuleTexts { texts.findingTexts(self) }
    /// What the rule checks and why it matters, in prose (`rules explain`).
    public let description: String?
    /// `redact_values: true`: its findings' values (`observed`, `{value}`,
    /// the values in `because`) are `<redacted:…>` unless `--show-phi`,
    /// whatever the attribute — for rules about attributes that may identify
    /// the patient beyond `Redaction`'s list (`dicom.deid-basic`: the rows of
    /// PS3.15 Table E.1-1, a patient's age, sex, dates, descriptions and
    /// comments, which its findings printed as read).
    public internal(set) var redactsValues = false

    /// The texts, from the syntax nodes (or given), computed once.
    final class Texts: @unchecked Sendable {
        let checkNode: SyntaxRef?, whenNodes: [SyntaxNode], defaultWhen: String?
        let predicates: [Predicate]
        let lock = Lock()
        private var _check: String?, _when: String??, _description: String?
        init(check: String?, checkNode: SyntaxRef?, when: String?, whenNodes: [SyntaxNode], defaultWhen: String?, predicates: [Predicate]) {
            _check = check; self.checkNode = checkNode; self.whenNodes = whenNodes; self.defaultWhen = defaultWhen
            self.predicates = predicates
            if when != nil || (whenNodes.isEmpty && checkNode == nil) { _when = .some(when) }
        }
        var check: String { lock.with { if let c = _check { return c }; let c = checkNode?.node.flowText ?? ""; _check = c; return c } }
        var when: String? {
            lock.with {
                if let w = _when { return w }
                var w = defaultWhen
                if let n = whenNodes.first { w = [w, n.flowText].compactMap { $0 }.joined(separator: " + ") }
                _when = .some(w)
                return w
            }
        }
        var whenDescription: String {
            lock.with { if let d = _description { return d }; let d = predicates.map { predicates.count > 1 ? $0.parenthesised : $0.text }.joined(separator: " and "); _description = d; return d }
        }
        private var _findingTexts: Finding.RuleTexts?
        /// The texts the rule's findings share, made once.
        func findingTexts(_ rule: Rule) -> Finding.RuleTexts {
            if let t = lock.with({ _findingTexts }) { return t }
            let t = Finding.RuleTexts(ruleID: rule.id, packID: rule.packID, reference: rule.reference, when: whenDescription)
            return lock.with { if let u = _findingTexts { return u }; _findingTexts = t; return t }
        }
    }
    let texts: Texts
    /// The instance check as a `FlatProgram`, when it is compiled already
    /// (a deferred check gets its program when compiled), and that program
    /// unretained: `Evaluator.outcome` runs it without writing its count.
    let checkProgram: FlatProgram?
    let checkProgramPointer: UnsafeMutableRawPointer?
    static func program(_ check: RuleCheck) -> FlatProgram? {
        guard case .instance(let p) = check else { return nil }
        switch p {
        case .deferred, .eachElement, .always, .notEvaluated: return nil   // (nothing a program saves)
        default: return FlatProgram(p)
        }
    }

    public init(id: String, title: String?, severity: Severity, level: RuleLevel, when: [Predicate], check: RuleCheck,
                message: [TemplatePart]?, messageText: String?, reference: String?, examples: [RuleExample], packID: String,
                location: SourceLocation, checkText: String, whenText: String?, description: String? = nil) {
        self.id = id; self.title = title; self.severity = severity; self.level = level; self.when = when; self.check = check
        self.message = message; self.messageText = messageText; self.reference = reference; self.examples = examples
        self.packID = packID; self.location = location; self.description = description
        self.texts = Texts(check: checkText, checkNode: nil, when: whenText, whenNodes: [], defaultWhen: nil, predicates: when)
        checkProgram = Self.program(check)
        checkProgramPointer = checkProgram.map { Unmanaged.passUnretained($0).toOpaque() }
    }

    /// A rule whose texts are rendered from its syntax on first use.
    init(id: String, title: String?, severity: Severity, level: RuleLevel, when: [Predicate], check: RuleCheck,
         message: [TemplatePart]?, messageText: String?, reference: String?, examples: [RuleExample], packID: String,
         location: SourceLocation, checkNode: SyntaxRef, whenNode: SyntaxNode?, defaultWhenText: String?, description: String? = nil) {
        self.id = id; self.title = title; self.severity = severity; self.level = level; self.when = when; self.check = check
        self.message = message; self.messageText = messageText; self.reference = reference; self.examples = examples
        self.packID = packID; self.location = location; self.description = description
        self.texts = Texts(check: nil, checkNode: checkNode, when: whenNode == nil ? defaultWhenText : nil,
                           whenNodes: whenNode.map { [$0] } ?? [], defaultWhen: defaultWhenText, predicates: when)
        checkProgram = Self.program(check)
        checkProgramPointer = checkProgram.map { Unmanaged.passUnretained($0).toOpaque() }
    }
}

public struct RulePack: Sendable {
    public var id: String
    public var version: String
    public var title: String?
    public var description: String?
    public var path: String
    public var extends: [String]
    public var rules: [Rule]
    /// The pack's `protocol:` section (docs/protocols.md), when it has one.
    public var protocolSpec: ProtocolSpec? = nil
    /// Where each of the pack's own named conditions is defined, in file
    /// order (`rules explain` of a condition, or of a rule whose check is one).
    public var conditionLocations: [(name: String, at: SourceLocation)] = []

    public init(id: String, version: String, title: String? = nil, description: String? = nil, path: String, extends: [String],
                rules: [Rule], protocolSpec: ProtocolSpec? = nil) {
        self.id = id; self.version = version; self.title = title; self.description = description; self.path = path
        self.extends = extends; self.rules = rules; self.protocolSpec = protocolSpec
    }
}
