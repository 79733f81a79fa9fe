import Foundation
import DcmData
import DcmDictionary

/// Keys the schema knows, for "unknown key" errors and their suggestions.
enum Keys {
    static let pack = ["pack", "version", "title", "description", "extends", "conditions", "defaults", "rules", "protocol"]
    static let defaults = ["severity", "when"]
    static let rule = ["id", "title", "description", "severity", "level", "when", "check", "message", "reference", "redact_values", "examples"]
    static let examples = ["pass", "fail"]
    static let valueOps = ["present", "absent", "empty", "not_empty", "type", "if", "equals", "tolerance", "in", "not_in",
                           "matches", "range", "gt", "ge", "lt", "le", "vm", "vr", "length", "format", "each", "all", "any", "not",
                           "retired", "registered", "in_dictionary", "duplicate_creator", "items", "private_tag"]
    static let bareOps = ["present", "absent", "empty", "not_empty", "format"]
    static let groupOps = ["consistent", "unique", "count"]
    static let combinators = ["all", "any", "not", "each_element", "not_evaluated", "top", "parent", "text"]
}

/// Typing of values by VR: numbers for DS/IS/binary, dates, times and date-times
/// compared as such, strings for the rest.
enum ValueKind { case number, date, time, dateTime, string, unknown
    static func of(_ vr: VR?) -> ValueKind {
        guard let vr else { return .unknown }
        switch vr {
        case .DS, .IS, .FL, .FD, .SL, .SS, .SV, .UL, .US, .UV, .OF, .OD, .OL, .OV, .OW: return .number
        case .DA: return .date
        case .TM: return .time
        case .DT: return .dateTime
        case .UN, .OB: return .unknown
        default: return .string
        }
    }
}

/// Compiles the syntax tree of one pack file into rules, collecting every
/// error of the file rather than stopping at the first.
final class PackCompiler {
    var diagnostics: [PackDiagnostic] = []
    let file: String
    var conditions: [String: Predicate] = [:]
    var conditionNames: [String] = []
    /// The nesting depth of each named condition's selector, counting the
    /// levels of the conditions it names (`selectorDepth`).
    var conditionDepths: [String: Int] = [:]
    /// The deepest selector a named condition may be. A condition that names
    /// another one nests it, and YAML's nesting limit does not see that: a
    /// chain of 20,000 conditions, each naming the one before, overflowed the
    /// stack when the rules were compiled or evaluated (a crash instead of an
    /// error). Real packs' conditions are a few levels deep (dicom.iod's: 12).
    static let maxConditionDepth = 1000
    var packID = ""
    var defaultSeverity: Severity = .error
    var defaultWhen: [Predicate] = []
    var defaultWhenText: String?
    var buildExamples = true
    /// Named conditions compiled on first use (a pack that compiled cleanly before).
    var deferConditions = false
    /// Serialises the compiles of deferred conditions (`DeferredPredicate`).
    let deferredLock = Lock()
    /// Threads a large pack's rules may be compiled on (`compileRules`).
    var threads = 1
    /// How many `items` the predicate being compiled is inside, as far as
    /// the compiler can tell: 0 in a rule's `when` and `check`, one more in
    /// each `items`, one fewer in `parent:`, 0 in `top:`; nil in a named
    /// condition (its uses decide: `enclosingLevels`). A `parent:` where
    /// it is 0 is an error.
    var itemDepth: Int? = nil
    /// Per named condition: how many enclosing data sets it reads
    /// (`Predicate.enclosingLevels`), computed on first use.
    var conditionLevels: [String: Int] = [:]
    /// The subtrees a cached tree came without (`SyntaxCache.parse(…, elide:
    /// true)`): the named conditions' values and the rules' `check`, read
    /// from here — decoded only when compiled or rendered — and never from
    /// the empty scalars that stand for them in the tree.
    var elided: ElidedSyntax?

    init(file: String) { self.file = file }

    /// A compiler for more of this pack's rules: the same file, conditions
    /// and defaults, its own diagnostics.
    func sibling() -> PackCompiler {
        let c = PackCompiler(file: file)
        c.conditions = conditions; c.conditionNames = conditionNames; c.packID = packID
        c.defaultSeverity = defaultSeverity; c.defaultWhen = defaultWhen; c.defaultWhenText = defaultWhenText
        c.buildExamples = buildExamples; c.deferConditions = deferConditions
        c.elided = elided
        return c
    }

    /// The rules of `items`, in order. A large pack (dicom.iod: ~3,000
    /// rules) is compiled in `threads` consecutive parts side by side, each
    /// by a `sibling` (rules do not read one another), the parts' rules and
    /// diagnostics then joined in order — what one compiler gives.
    func compileRules(_ items: [SyntaxNode]) -> [Rule] {
        let parts = items.count >= Self.parallelRules ? min(threads, 8) : 1
        guard parts > 1 else { return items.indices.compactMap { compileRule(items[$0], index: $0) } }
        let chunk = (items.count + parts - 1) / parts
        let compilers = [self] + (1..<parts).map { _ in sibling() }
        final class Parts: @unchecked Sendable {
            let lock = Lock()
            var rules: [[Rule]]
            init(_ n: Int) { rules = Array(repeating: [], count: n) }
        }
        let out = Parts(parts)
        WorkerThread.forEach(count: parts, threads: parts) { k in
            let part = (min(items.count, k * chunk)..<min(items.count, (k + 1) * chunk)).compactMap { compilers[k].compileRule(items[$0], index: $0) }
            out.lock.with { out.rules[k] = part }
        }
        for c in compilers.dropFirst() { diagnostics += c.diagnostics }
        return out.rules.flatMap { $0 }
    }
    /// Packs with fewer rules are compiled on one thread.
    static let parallelRules = 1024

    func error(_ loc: SourceLocation, _ msg: String, suggestion: String? = nil) {
        diagnostics.append(PackDiagnostic(loc, msg, suggestion: suggestion))
    }

    func unknownKey(_ key: String, _ loc: SourceLocation, among keys: [String], what: String) {
        error(loc, "unknown key '\(key)' in \(what)", suggestion: suggest(key, among: keys))
    }

    // MARK: pack header

    struct Header {
        var id: String
        var idLocation: SourceLocation
        var extends: [(String, SourceLocation)]
    }

    /// Reads `pack` and `extends` only (for the pack index and `extends` order).
    static func header(of root: SyntaxNode, file: String) -> Header? {
        guard let entries = root.entries else { return nil }
        var h = Header(id: "", idLocation: root.location, extends: [])
        for (k, kl, v) in entries {
            if k == "pack", let s = v.scalar { h.id = s; h.idLocation = kl }
            if k == "extends" {
                if let items = v.items { h.extends = items.compactMap { i in i.scalar.map { ($0, i.location) } } }
                else if let s = v.scalar, !v.isNull { h.extends = [(s, v.location)] }
            }
        }
        return h
    }

    func compilePack(_ root: SyntaxNode, inherited: [String: Predicate]) -> RulePack? {
        guard let entries = root.entries else {
            error(root.location, "a pack must be a mapping with 'pack', 'version' and 'rules'")
            return nil
        }
        conditions = inherited
        var pack = RulePack(id: "", version: "1", title: nil, description: nil, path: file, extends: [], rules: [])
        var rulesNode: SyntaxNode?
        var protocolNode: SyntaxNode?
        var sawPack = false, sawVersion = false
        // first pass: everything rules depend on
        for (k, kl, v) in entries {
            switch k {
            case "pack":
                sawPack = true
                if let s = identifier(v, "pack") {
                    if !isValidID(s) { error(v.location, "pack id '\(s)' must be dotted words of letters, digits, '-' and '_' (e.g. 'site.mr-brain')") }
                    pack.id = s; packID = s
                }
            case "version":
                sawVersion = true
                if let s = scalar(v, "version") {
                    if s != "1" { error(v.location, "unsupported language version '\(s)': this dcmaudit reads version 1") }
                    pack.version = s
                }
            case "title": pack.title = text(v, "title")
            case "description": pack.description = text(v, "description")
            case "extends":
                if let items = v.items { pack.extends = items.compactMap { scalar($0, "extends entry") } }
                else if let s = scalar(v, "extends") { pack.extends = [s] }
            case "conditions": break
            case "defaults": break
            case "rules": rulesNode = v
            case "protocol": protocolNode = v
            default: unknownKey(k, kl, among: Keys.pack, what: "a pack")
            }
        }
        if !sawPack { error(root.location, "missing key 'pack' (the pack's id)") }
        if !sawVersion { error(root.location, "missing key 'version' (the language version: 1)") }
        for (k, _, v) in entries where k == "conditions" {
            guard let ce = v.entries else { error(v.location, "'conditions' must be a mapping of name → selector"); continue }
            for (ci, (name, nl, sel)) in ce.enumerated() {
                if conditions[name] != nil && conditionNames.contains(name) { error(nl, "condition '\(name)' is defined twice") }
                conditionNames.append(name)
                pack.conditionLocations.append((name, nl))
                if elided == nil {
                    let depth = selectorDepth(sel)
                    conditionDepths[name] = depth
                    if depth > Self.maxConditionDepth {
                        error(nl, "condition '\(name)' nests \(depth) levels deep, with the conditions it names; at most \(Self.maxConditionDepth)")
                        conditions[name] = .always
                        conditionDepths[name] = 0   // one error, not one for every condition above it
                        continue
                    }
                }
                let ref = elided?.condition(ci) ?? .node(sel)
                conditions[name] = .named(name, deferConditions ? .deferred(DeferredPredicate(ref, compiler: self)) : compilePredicate(ref.node, group: false))
            }
        }
        for (k, _, v) in entries where k == "defaults" {
            guard let de = v.entries else { error(v.location, "'defaults' must be a mapping"); continue }
            for (dk, dkl, dv) in de {
                switch dk {
                case "severity": if let s = severity(dv) { defaultSeverity = s }
                case "when":
                    itemDepth = 0
                    defaultWhen = compileWhen(dv); defaultWhenText = dv.flowText
                    itemDepth = nil
                default: unknownKey(dk, dkl, among: Keys.defaults, what: "'defaults'")
                }
            }
        }
        if let rn = rulesNode {
            if let items = rn.items {
                pack.rules = compileRules(items)
            } else if !rn.isNull {
                error(rn.location, "'rules' must be a list of rules")
            }
        } else if protocolNode == nil {
            error(root.location, "missing key 'rules'")
        }
        if let pn = protocolNode, let (spec, rules) = compileProtocol(pn) {
            pack.protocolSpec = spec
            pack.rules += rules
        }
        return pack
    }

    func isValidID(_ s: String) -> Bool {
        // (one pass over the bytes, no copy: this runs for each of the ~4,600 rules of the built-in packs)
        var previous: UInt8 = 0x2E   // (a leading '.' is refused as a '..' would be)
        var any = false
        for b in s.utf8 {
            let ok = (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F || b == 0x2E
            if !ok || (b == 0x2E && previous == 0x2E) { return false }
            previous = b; any = true
        }
        return any && previous != 0x2E
    }

    func scalar(_ n: SyntaxNode, _ what: String) -> String? {
        guard let s = n.scalar else { error(n.location, "'\(what)' must be a scalar, not \(n.kindName)"); return nil }
        return s
    }

    /// A text of a pack or rule (title, description, message, reference):
    /// a YAML null (`~`, `null`, nothing) is no text, as if the key were
    /// not there — it was the text "~" (findings saying "~").
    func text(_ n: SyntaxNode, _ what: String) -> String? {
        n.isNull ? nil : scalar(n, what)
    }

    /// A pack or rule id: a YAML null is an error that says so (it was the
    /// id "~", "must be dotted words…").
    func identifier(_ n: SyntaxNode, _ what: String) -> String? {
        if n.isNull { error(n.location, "'\(what)' must be an id, not null (~)"); return nil }
        return scalar(n, what)
    }

    /// Whether `n` is not a YAML null (`~`, `null`, nothing); a null is an
    /// error naming the key and what it takes, at the value's position —
    /// as for ids and the config's lists (it was read as the text "~":
    /// "unexpected '~' (did you mean 'if'?)" for `session: ~`).
    func notNull(_ n: SyntaxNode, _ what: String, takes: String) -> Bool {
        guard n.isNull else { return true }
        error(n.location, "'\(what)' takes \(takes), not null (~)")
        return false
    }

    func severity(_ n: SyntaxNode, _ what: String = "severity") -> Severity? {
        guard notNull(n, what, takes: "error, warning or info") else { return nil }
        guard let s = scalar(n, "severity") else { return nil }
        guard let v = Severity(rawValue: s) else {
            error(n.location, "unknown severity '\(s)': use error, warning or info", suggestion: suggest(s, among: Severity.allCases.map(\.rawValue)))
            return nil
        }
        return v
    }

    // MARK: rules

    /// One rule; `index`: its place in the pack's `rules` (for its `check`
    /// in `elided`).
    func compileRule(_ node: SyntaxNode, index: Int? = nil) -> Rule? {
        guard let entries = node.entries else { error(node.location, "a rule must be a mapping with 'id' and 'check'"); return nil }
        var id: String?
        var title: String?, reference: String?, description: String?
        var sev = defaultSeverity
        var level = RuleLevel.instance
        var levelOK = true
        var whenNode: SyntaxNode?, checkNode: SyntaxRef?, messageNode: SyntaxNode?, examplesNode: SyntaxNode?
        var redactValues = false
        for (k, kl, v) in entries {
            switch k {
            case "id":
                if let s = identifier(v, "id") {
                    if !isValidID(s) || !s.utf8.contains(0x2E) { error(v.location, "rule id '\(s)' must be dotted words of letters, digits, '-' and '_' (e.g. 'mr.tr-range')") }
                    id = s
                }
            case "title": title = text(v, "title")
            case "description": description = text(v, "description")
            case "severity": if let s = severity(v) { sev = s }
            case "level":
                if !notNull(v, "level", takes: "instance, series, study, patient or dataset") { levelOK = false }
                else if let s = scalar(v, "level") {
                    if let l = RuleLevel(rawValue: s) { level = l }
                    else { levelOK = false; error(v.location, "unknown level '\(s)': use instance, series, study, patient or dataset", suggestion: suggest(s, among: RuleLevel.allCases.map(\.rawValue))) }
                }
            case "when": whenNode = v
            case "check": checkNode = index.flatMap { elided?.ruleCheck($0) } ?? .node(v)
            case "message": messageNode = v
            case "reference": reference = text(v, "reference")
            case "redact_values": redactValues = bool(v, "redact_values") ?? false
            case "examples": examplesNode = v
            default: unknownKey(k, kl, among: Keys.rule, what: "a rule")
            }
        }
        guard let id else { error(node.location, "a rule needs an 'id'"); return nil }
        // a pack from the cache (it compiled cleanly before): an instance rule's
        // `check` and its `when` after the first entry (the SOP Class selector of
        // dicom.iod) compile on first use — a file needs the rules of its IOD only.
        // A rule without `when` applies to every file: compiled now, so that
        // `TagDispatch` sees its check (a deferred dicom.values made every one
        // of its 580 rules be evaluated on every file: 3× the time).
        let lazy = deferConditions && level == .instance && (whenNode != nil || !defaultWhen.isEmpty)
        var when = defaultWhen
        itemDepth = 0
        defer { itemDepth = nil }
        if let w = whenNode { when += compileWhen(w, deferringAfterFirst: lazy) }
        guard let checkNode else { error(node.location, "rule '\(id)' needs a 'check'"); return nil }
        guard levelOK else { return nil }
        let check: RuleCheck
        if lazy {
            check = .instance(.deferred(DeferredPredicate(checkNode, compiler: self)))
        } else if level == .instance {
            check = .instance(compilePredicate(checkNode.node, group: false))
        } else {
            check = .group(compileGroupCheck(checkNode.node, level: level))
        }
        var message: [TemplatePart]?
        var messageText: String?
        if let m = messageNode, let s = text(m, "message") { messageText = s; message = compileTemplate(s, m.location) }
        var examples: [RuleExample] = []
        if let en = examplesNode, buildExamples {
            if let ee = en.entries {
                for (k, kl, v) in ee {
                    guard k == "pass" || k == "fail" else { unknownKey(k, kl, among: Keys.examples, what: "'examples'"); continue }
                    let list = v.items ?? [v]
                    for item in list {
                        if let f = ExampleBuilder.build(item, compiler: self) {
                            examples.append(RuleExample(expectPass: k == "pass", location: item.location, file: f, summary: item.flowText))
                        }
                    }
                }
            } else { error(en.location, "'examples' must be a mapping with 'pass' and/or 'fail' lists") }
        }
        if redactValues && level != .instance {
            error(node.location, "rule '\(id)': 'redact_values' applies to instance rules (a \(level.rawValue) rule's values are redacted as their attributes are)")
        }
        let rule = Rule(id: id, title: title, severity: sev, level: level, when: when, check: check, message: message, messageText: messageText,
                        reference: reference, examples: examples, packID: packID, location: node.location,
                        checkNode: checkNode, whenNode: whenNode, defaultWhenText: defaultWhenText, description: description)
        rule.redactsValues = redactValues
        return rule
    }

    /// How deep a selector nests: its YAML levels plus, for each condition
    /// it names, that condition's depth (any scalar naming a condition is
    /// counted, so a value spelt like a condition's name can only overcount).
    /// The recursion follows the YAML nesting, which the YAML parser bounds.
    func selectorDepth(_ n: SyntaxNode) -> Int {
        switch n {
        case .scalar(let s, _, _): return 1 + (conditionDepths[s] ?? 0)
        case .sequence(let items, _): return 1 + (items.lazy.map(selectorDepth).max() ?? 0)
        case .mapping(let entries, _): return 1 + (entries.lazy.map { self.selectorDepth($0.value) }.max() ?? 0)
        }
    }

    func compileWhen(_ n: SyntaxNode, deferringAfterFirst: Bool = false) -> [Predicate] {
        if let items = n.items {
            return items.enumerated().map { i, item in
                deferringAfterFirst && i > 0 ? .deferred(DeferredPredicate(.node(item), compiler: self)) : compilePredicate(item, group: false)
            }
        }
        if n.isNull { return [] }
        return [compilePredicate(n, group: false)]
    }

    // MARK: predicates

    func compilePredicate(_ n: SyntaxNode, group: Bool) -> Predicate {
        switch n {
        case .scalar(let name, let loc, _):
            if let c = conditions[name] {
                if let d = itemDepth {
                    let levels = conditionLevels[name] ?? c.enclosingLevels
                    conditionLevels[name] = levels
                    if levels > d {
                        error(loc, "condition '\(name)' reads \(levels == 1 ? "the data set" : "\(levels) data sets") enclosing a sequence item ('parent'), but here \(d == 0 ? "the data set is the top level" : "it is inside \(d) 'items'")")
                    }
                }
                return c
            }
            error(loc, "unknown condition '\(name)'", suggestion: suggest(name, among: Array(conditions.keys)))
            return .always
        case .sequence(let items, _):
            return .conjunction(items.map { compilePredicate($0, group: group) })
        case .mapping(let entries, _):
            var parts: [Predicate] = []
            var described: String? = nil
            for (k, kl, v) in entries {
                switch k {
                case "text":
                    guard let text = scalar(v, "text") else { continue }   // (scalar said why)
                    guard !text.isEmpty else {
                        error(v.location, "'text' takes the words explanations show for the selector's other entries"); continue
                    }
                    if entries.count == 1 { error(kl, "'text' describes the other entries of its selector, and this one has none") }
                    described = text
                case "all", "any":
                    guard let items = v.items else { error(v.location, "'\(k)' takes a list"); continue }
                    let ps = items.map { compilePredicate($0, group: group) }
                    parts.append(k == "all" ? .conjunction(ps) : .any(ps))
                case "not":
                    parts.append(.not(compilePredicate(v, group: group)))
                case "each_element":
                    if let p = compileEachElement(v) { parts.append(p) }
                case "not_evaluated":
                    guard let text = scalar(v, "not_evaluated") else { continue }   // (scalar said why)
                    guard !text.isEmpty else {
                        error(v.location, "'not_evaluated' takes the text of the condition that cannot be evaluated"); continue
                    }
                    parts.append(.notEvaluated(text))
                case "top", "parent":
                    let scope: Predicate.Scope = k == "top" ? .top : .parent
                    let saved = itemDepth
                    if scope == .parent, let d = itemDepth {
                        if d == 0 {
                            error(kl, "'parent' reads the data set enclosing a sequence item, but here the data set is the top level (use it inside 'items')")
                        }
                        itemDepth = max(0, d - 1)
                    } else if scope == .top {
                        itemDepth = 0
                    }
                    let q = compilePredicate(v, group: group)
                    itemDepth = saved
                    parts.append(.scoped(scope, q))
                default:
                    guard let ref = attributeRef(k, kl) else { continue }
                    parts.append(.attribute(ref, compileValueTest(v, ref: ref)))
                }
            }
            let p: Predicate = parts.count == 1 ? parts[0] : .conjunction(parts)
            return described.map { .described($0, p) } ?? p
        }
    }

    /// `each_element: {only: [Keyword…], <value test>}`: the test on every
    /// standard element at any depth (or on those tags only).
    func compileEachElement(_ v: SyntaxNode) -> Predicate? {
        guard case .mapping(let entries, let loc) = v else {
            error(v.location, "'each_element' takes a mapping of operators, e.g. {format: true} or {only: [Modality], in: [CT, MR]}")
            return nil
        }
        var only = ElementFilter.standard
        var first: Tag? = nil
        var rest = entries
        if let i = entries.firstIndex(where: { $0.key == "except" }) {
            if entries.contains(where: { $0.key == "only" }) { error(entries[i].keyLocation, "'except' and 'only' cannot go together") }
            let node = entries[i].value
            var tags: [UInt32] = []
            for n in node.items ?? [node] {
                guard let s = scalar(n, "except") else { continue }
                guard let r = attributeRef(s, n.location) else { continue }
                guard case .tag(let t, _) = r else { error(n.location, "'except' takes keywords or tags, not a path ('\(s)')"); continue }
                tags.append(t.raw)
            }
            var topLevel = false
            if let j = entries.firstIndex(where: { $0.key == "top_level" }) { topLevel = bool(entries[j].value, "top_level") ?? false }
            only = .except(Array(Set(tags)).sorted(), topLevel: topLevel)
            rest.removeAll { $0.key == "except" || $0.key == "top_level" }
        } else if let j = entries.firstIndex(where: { $0.key == "top_level" }) {
            error(entries[j].keyLocation, "'top_level' goes with 'except'")
            rest.removeAll { $0.key == "top_level" }
        }
        if let i = rest.firstIndex(where: { $0.key == "only" }), !entries.contains(where: { $0.key == "except" }) {
            let node = rest[i].value
            if node.scalar == "private" {
                only = .privateElements
            } else if node.scalar == "private_creators" {
                only = .privateCreators
            } else if node.scalar == "reserved_groups" {
                only = .reservedGroups
            } else {
                let names = node.items ?? [node]
                var tags: [Tag] = []
                for n in names {
                    guard let s = scalar(n, "only") else { continue }
                    guard let r = attributeRef(s, n.location) else { continue }
                    guard case .tag(let t, _) = r else { error(n.location, "'only' takes keywords or tags (or 'private', 'private_creators', 'reserved_groups'), not a path ('\(s)')"); continue }
                    tags.append(t)
                }
                only = .tagList(tags)
                first = tags.first
            }
            rest.remove(at: i)
        }
        if let i = rest.firstIndex(where: { $0.key == "include" }) {
            // `include: private`: the private groups' elements as well as the standard ones
            if rest[i].value.scalar != "private" {
                error(rest[i].value.location, "'include' takes 'private' (the private elements as well as the standard ones)")
            } else if only != .standard {
                error(rest[i].keyLocation, "'include' goes with neither 'only' nor 'except'")
            } else {
                only = .standardAndPrivate
            }
            rest.remove(at: i)
        }
        if rest.isEmpty { error(loc, "'each_element' needs an operator besides 'only' / 'except' / 'include'"); return nil }
        // values are typed by the first selected attribute's VR (strings for any element:
        // a tag of no dictionary entry)
        let ref: AttributeRef = first.map { .tag($0, text: DataDictionary.entry(for: $0)?.keyword ?? $0.description) }
            ?? .tag(Tag(0xFFFF, 0xFFFF), text: "each element")
        let test = compileValueTest(.mapping(rest, loc), ref: ref)
        return .eachElement(only: only, test)
    }

    /// `file.anomalies`, `file.text_repertoire`, or an attribute path parsed by the one path parser.
    func attributeRef(_ text: String, _ loc: SourceLocation) -> AttributeRef? {
        // fast path (a large generated pack names ~100,000 attributes): a plain
        // keyword, or a tag as 8 hex digits; anything else goes to the path parser
        if let t = Self.plainTag(text) { return .tag(t, text: text) }
        if text == "file.anomalies" { return .anomalies }
        if text == AttributeRef.textRepertoireName { return .textRepertoire }
        if let d = DerivedAttribute.parse(text) {   // csa.image.NAME, siemens.NAME (DerivedAttributes.swift)
            switch d {
            case .success(let a): return .derived(a)
            case .failure(let e): error(loc, e.message, suggestion: e.suggestion); return nil
            }
        }
        if text.hasPrefix("file.") {
            error(loc, "unknown pseudo-attribute '\(text)'", suggestion: suggest(text, among: ["file.anomalies", AttributeRef.textRepertoireName]))
            return nil
        }
        if Keys.groupOps.contains(text) {
            error(loc, "'\(text)' is a series/study/patient/dataset check: give the rule a 'level'")
            return nil
        }
        do {
            let p = try AttributePath(parsing: text)
            if let t = p.simpleTag { return .tag(t, text: text) }
            return .path(p)
        } catch let e as AttributePath.ParseError {
            var msg = e.message, sug: String? = nil
            // lift the path parser's "(did you mean 'X'?)" into the diagnostic's suggestion
            if let r = msg.range(of: " (did you mean '") {
                sug = String(msg[r.upperBound...].dropLast(3))
                msg = String(msg[..<r.lowerBound])
            } else if !text.contains("(") && !text.contains("."), let op = suggest(text, among: Keys.valueOps + Keys.combinators), editDistance(op, text) <= 2 {
                sug = op
            }
            error(SourceLocation(file: loc.file, line: loc.line, column: loc.column + e.column - 1), msg, suggestion: sug)
            return nil
        } catch { return nil }
    }

    /// `Modality` (a dictionary keyword) or `00080060` (8 hex digits); nil otherwise.
    static func plainTag(_ text: String) -> Tag? {
        let u = text.utf8
        guard let f = u.first, u.count <= 64 else { return nil }
        if u.count == 8, u.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x46) || ($0 >= 0x61 && $0 <= 0x66) }),
           let v = UInt32(text, radix: 16) {
            return Tag(UInt16(v >> 16), UInt16(v & 0xFFFF))
        }
        guard (f >= 0x41 && f <= 0x5A), u.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) }) else { return nil }
        return DataDictionary.tag(forKeyword: text)
    }

    /// An operand of an AT attribute (PS3.5 §6.2: a value is a Data Element
    /// Tag): `(0018,1063)`, `0018,1063`, `00181063` or the keyword `FrameTime`
    /// (Frame Increment Pointer, C.7.6.6, "points to" one of them).
    static func atOperand(_ text: String) -> Tag? {
        Tag(parsing: text) ?? plainTag(text.trimmingCharacters(in: .whitespaces))
    }

    func compileValueTest(_ n: SyntaxNode, ref: AttributeRef) -> ValueTest {
        let vr = ref.dictionaryVR
        switch n {
        case .scalar(let s, let loc, let quoted):
            if !quoted, Keys.bareOps.contains(s) { return bareOp(s) }
            guard valueOperand(vr, ref, loc, "equals") else { return .present }
            return .equals(operand(n, ref: ref, vr: vr, for: "equals") ?? .string([], text: ""), tolerance: nil).checked(self, loc, ref)
        case .sequence(let items, let loc):
            guard valueOperand(vr, ref, loc, "in") else { return .present }
            return .inSet(items.compactMap { operand($0, ref: ref, vr: vr, for: "in") })
        case .mapping(let entries, let loc):
            var tests: [ValueTest] = []
            let keys = Set(entries.map(\.key))
            var tolerance: Double?
            for (k, _, v) in entries where k == "tolerance" {
                if let s = scalar(v, "tolerance") {
                    if let d = Double(s), d >= 0 { tolerance = d } else { error(v.location, "'tolerance' must be a non-negative number, not '\(s)'") }
                }
                if !keys.contains("equals") { error(v.location, "'tolerance' goes with 'equals'") }
                if ValueKind.of(vr) != .number && ValueKind.of(vr) != .unknown { error(v.location, "'tolerance' needs a numeric attribute; \(ref) is \(vr.map { "\($0)" } ?? "?")") }
            }
            for (k, kl, v) in entries {
                switch k {
                case "present", "absent", "empty", "not_empty", "format":
                    guard let b = bool(v, k) else { continue }
                    tests.append(b ? bareOp(k) : .not(bareOp(k)))
                case "type":
                    guard let s = scalar(v, "type"), let t = RequirementType(rawValue: s.uppercased()) else {
                        error(v.location, "'type' must be \"1\", \"1C\", \"2\", \"2C\" or \"3\""); continue
                    }
                    var cond: Predicate?
                    if let ifNode = entries.first(where: { $0.key == "if" }) { cond = compilePredicate(ifNode.value, group: false) }
                    if (t == .t1C || t == .t2C) && cond == nil { error(v.location, "type \(t.rawValue) needs its condition: add 'if:' with a selector") }
                    if (t != .t1C && t != .t2C), let i = entries.first(where: { $0.key == "if" }) { error(i.keyLocation, "'if' only goes with type 1C or 2C") }
                    tests.append(.type(t, condition: cond))
                case "if":
                    if !keys.contains("type") { error(kl, "'if' goes with 'type: 1C' or 'type: 2C'") }
                case "tolerance": break
                case "equals":
                    guard valueOperand(vr, ref, kl, k) else { continue }
                    if let items = v.items {
                        tests.append(.equalsList(items.compactMap { operand($0, ref: ref, vr: vr, for: "equals") }))
                    } else if let o = operand(v, ref: ref, vr: vr, for: "equals") {
                        tests.append(.equals(o, tolerance: tolerance))
                    }
                case "in", "not_in":
                    guard let items = v.items else { error(v.location, "'\(k)' takes a list of values"); continue }
                    guard valueOperand(vr, ref, kl, k) else { continue }
                    let ops = items.compactMap { operand($0, ref: ref, vr: vr, for: k) }
                    if case .anomalies = ref {
                        for i in items { if let s = i.scalar, Anomaly.Kind(rawValue: s) == nil {
                            error(i.location, "unknown anomaly kind '\(s)'", suggestion: suggest(s, among: Anomaly.Kind.allCases.map(\.rawValue)))
                        } }
                    }
                    tests.append(k == "in" ? .inSet(ops) : .notInSet(ops))
                case "matches":
                    guard let s = scalar(v, "matches"), valueOperand(vr, ref, kl, k) else { continue }
                    do { tests.append(.matches(try RegexBox(s))) }
                    catch { self.error(v.location, "bad regular expression '\(s)': \(error)") }
                case "range":
                    guard let items = v.items, items.count == 2 else { error(v.location, "'range' takes two bounds: [min, max]"); continue }
                    guard orderedKind(vr, ref, kl, "range") else { continue }
                    if let lo = operand(items[0], ref: ref, vr: vr, for: "range"), let hi = operand(items[1], ref: ref, vr: vr, for: "range") {
                        tests.append(.range(lo, hi))
                    }
                case "gt", "ge", "lt", "le":
                    guard orderedKind(vr, ref, kl, k) else { continue }
                    if let o = operand(v, ref: ref, vr: vr, for: k) { tests.append(.compare(Comparison(rawValue: k)!, o)) }
                case "vm":
                    if v.scalar == "dictionary" { tests.append(.vmDictionary) }
                    else if let r = countRange(v, "vm") { tests.append(.vm(r)) }
                case "retired":
                    guard let b = bool(v, k) else { continue }
                    tests.append(b ? .not(.notRetired) : .notRetired)
                case "in_dictionary":
                    guard let b = bool(v, k) else { continue }
                    tests.append(b ? .inDictionary : .not(.inDictionary))
                case "duplicate_creator":
                    guard let b = bool(v, k) else { continue }
                    tests.append(b ? .not(.uniqueCreator) : .uniqueCreator)
                case "private_tag":
                    guard let b = bool(v, k) else { continue }
                    if let d = vr, d != .AT { error(kl, "'private_tag' tests tags: \(ref) is \(d), not AT") }
                    tests.append(b ? .privateTag : .not(.privateTag))
                case "registered":
                    guard let s = scalar(v, "registered") else { continue }
                    if s == "any" { tests.append(.registered(nil)); continue }
                    let types = Array(Set(UIDRegistry.allEntries.map(\.type))).sorted()
                    if !types.contains(where: { $0.caseInsensitiveCompare(s) == .orderedSame }) {
                        error(v.location, "unknown UID type '\(s)': use any or one of \(types.joined(separator: ", "))", suggestion: suggest(s, among: types))
                        continue
                    }
                    tests.append(.registered(s))
                case "length":
                    guard valueOperand(vr, ref, kl, k) else { continue }
                    if let r = countRange(v, "length") { tests.append(.length(r)) }
                case "vr" where v.scalar == "dictionary":
                    tests.append(.vrDictionary)
                case "vr":
                    let names = v.items?.compactMap(\.scalar) ?? v.scalar.map { [$0] } ?? []
                    var vrs: [VR] = []
                    for (i, name) in names.enumerated() {
                        if let x = VR(string: name) { vrs.append(x) }
                        else { error((v.items?[i] ?? v).location, "unknown VR '\(name)'", suggestion: suggest(name, among: VR.allCases.map(\.description))) }
                    }
                    tests.append(.vr(vrs))
                case "each":
                    tests.append(.each(compileValueTest(v, ref: ref)))
                case "items":
                    if let vr, vr != .SQ, vr != .UN {
                        error(kl, "'items' needs a sequence, but \(ref) has VR \(vr)"); continue
                    }
                    let saved = itemDepth
                    itemDepth = saved.map { $0 + 1 }
                    tests.append(.items(compilePredicate(v, group: false)))
                    itemDepth = saved
                case "all", "any":
                    guard let items = v.items else { error(v.location, "'\(k)' takes a list"); continue }
                    let ts = items.map { compileValueTest($0, ref: ref) }
                    tests.append(k == "all" ? .all(ts) : .any(ts))
                case "not":
                    tests.append(.not(compileValueTest(v, ref: ref)))
                default:
                    error(kl, "unknown operator '\(k)'", suggestion: suggest(k, among: Keys.valueOps))
                }
            }
            if tests.isEmpty && entries.isEmpty { error(loc, "an empty check: give an operator such as present or equals") }
            return tests.count == 1 ? tests[0] : .all(tests)
        }
    }

    func bareOp(_ s: String) -> ValueTest {
        switch s {
        case "present": return .present
        case "absent": return .absent
        case "empty": return .empty
        case "not_empty": return .notEmpty
        default: return .format
        }
    }

    func bool(_ n: SyntaxNode, _ what: String) -> Bool? {
        guard notNull(n, what, takes: "true or false") else { return nil }
        guard let s = scalar(n, what) else { return nil }
        switch s.lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default: error(n.location, "'\(what)' takes true or false, not '\(s)'"); return nil
        }
    }

    /// A sequence has items, not values (PS3.5 §7.5): `equals`, `in`,
    /// `not_in`, `matches` and `length` on one tested nothing and passed
    /// (`{ReferencedImageSequence: {equals: x}}` held for any sequence with
    /// items). They are errors, as `range` on a sequence already was.
    func valueOperand(_ vr: VR?, _ ref: AttributeRef, _ loc: SourceLocation, _ op: String) -> Bool {
        guard vr == .SQ else { return true }
        error(loc, "'\(op)' tests values, but \(ref) is a sequence (VR SQ), which has items: test an attribute of its items ('\(ref)[*].X') or use present, absent, empty, not_empty, vm or items")
        return false
    }

    func orderedKind(_ vr: VR?, _ ref: AttributeRef, _ loc: SourceLocation, _ op: String) -> Bool {
        if ValueKind.of(vr) == .string {
            error(loc, "'\(op)' needs a numeric, date or time attribute, but \(ref) has VR \(vr!)")
            return false
        }
        return true
    }

    /// `2`, `"1-3"`, `"1-n"`, `"2-2n"`, or `[min, max]`.
    func countRange(_ n: SyntaxNode, _ what: String) -> CountRange? {
        if let items = n.items, items.count == 2, let a = items[0].scalar.flatMap({ Int($0) }) {
            let b = items[1].scalar
            if b == "n" { return CountRange(min: a, max: nil) }
            if let bi = b.flatMap({ Int($0) }), bi >= a { return CountRange(min: a, max: bi) }
        }
        if let s = n.scalar {
            if let v = Int(s), v >= 0 { return CountRange(min: v, max: v) }
            let parts = s.split(separator: "-", maxSplits: 1).map(String.init)
            if parts.count == 2, let a = Int(parts[0]) {
                if parts[1] == "n" { return CountRange(min: a, max: nil) }
                if parts[1].hasSuffix("n"), let k = Int(parts[1].dropLast()), k == a { return CountRange(min: a, max: nil, step: a) }
                if let b = Int(parts[1]), b >= a { return CountRange(min: a, max: b) }
            }
        }
        error(n.location, "'\(what)' takes a count like 2, \"1-3\", \"1-n\", \"2-2n\" or [min, max]")
        return nil
    }

    /// A value to compare with, typed by the attribute's VR.
    func operand(_ n: SyntaxNode, ref: AttributeRef, vr: VR?, for op: String) -> Operand? {
        if let e = n.entries {
            guard e.count == 1, e[0].key == "attr" else {
                error(n.location, "an operand is a value or {attr: Keyword}", suggestion: e.first.flatMap { suggest($0.key, among: ["attr"]) })
                return nil
            }
            guard let s = scalar(e[0].value, "attr"), let r = attributeRef(s, e[0].value.location) else { return nil }
            return .attribute(r)
        }
        guard let s = scalar(n, op) else { return nil }
        if case .textRepertoire = ref, !AttributeRef.textRepertoireValues.contains(s) {
            error(n.location, "\(ref) is one of \(AttributeRef.textRepertoireValues.joined(separator: ", ")), not '\(s)'",
                  suggestion: suggest(s, among: AttributeRef.textRepertoireValues))
            return nil
        }
        if vr == .AT {
            // a tag, compared with the value's text "(GGGG,EEEE)" (Values.forEachText)
            guard let t = Self.atOperand(s) else {
                error(n.location, "'\(s)' is not a tag — (gggg,eeee), ggggeeee or a keyword — and \(ref) has VR AT"); return nil
            }
            return .string(Array(t.description.utf8), text: s)
        }
        let kind = ValueKind.of(vr)
        let ordered = ["range", "gt", "ge", "lt", "le"].contains(op)
        switch kind {
        case .number:
            guard let d = Double(s.trimmingCharacters(in: .whitespaces)) else {
                error(n.location, "'\(s)' is not a number, and \(ref) has VR \(vr!)"); return nil
            }
            return .number(d, text: s)
        case .date:
            guard let d = DicomDate(parsing: s) else { error(n.location, "'\(s)' is not a date (YYYYMMDD), and \(ref) has VR DA"); return nil }
            return .date(d, text: s)
        case .time:
            guard let t = DicomTime(parsing: s) else { error(n.location, "'\(s)' is not a time (HHMMSS.FFFFFF), and \(ref) has VR TM"); return nil }
            return .time(t, text: s)
        case .dateTime:
            guard let t = DicomDateTime(parsing: s) else { error(n.location, "'\(s)' is not a date-time (YYYYMMDDHHMMSS), and \(ref) has VR DT"); return nil }
            return .dateTime(t, text: s)
        case .unknown where ordered:
            guard let d = Double(s) else { error(n.location, "'\(op)' on \(ref) needs a number, not '\(s)'"); return nil }
            return .number(d, text: s)
        default:
            return .string(Array(s.utf8), text: s)
        }
    }

    // MARK: group checks

    func compileGroupCheck(_ n: SyntaxNode, level: RuleLevel) -> GroupCheck {
        guard let e = n.entries, e.count == 1 else {
            error(n.location, "a \(level.rawValue) rule checks one of: consistent, unique, count")
            return .count(CountRange(min: 0, max: nil))
        }
        let (k, kl, v) = e[0]
        switch k {
        case "consistent":
            let names = v.items ?? [v]
            return .consistent(names.compactMap { i in scalar(i, "consistent").flatMap { attributeRef($0, i.location) } })
        case "unique":
            guard let s = scalar(v, "unique"), let r = attributeRef(s, v.location) else { return .count(CountRange(min: 0, max: nil)) }
            return .unique(r)
        case "count":
            if let m = v.entries {
                var lo = 0; var hi: Int? = nil
                for (mk, mkl, mv) in m {
                    guard mk == "min" || mk == "max" else { unknownKey(mk, mkl, among: ["min", "max"], what: "'count'"); continue }
                    guard let s = mv.scalar, let x = Int(s), x >= 0 else { error(mv.location, "'\(mk)' takes a whole number"); continue }
                    if mk == "min" { lo = x } else { hi = x }
                }
                return .count(CountRange(min: lo, max: hi))
            }
            return .count(countRange(v, "count") ?? CountRange(min: 0, max: nil))
        default:
            let known = Keys.groupOps
            if Keys.valueOps.contains(k) || (try? AttributePath(parsing: k)) != nil {
                error(kl, "a \(level.rawValue) rule checks consistent, unique or count; '\(k)' is an instance check (drop 'level' or use level: instance)")
            } else {
                error(kl, "unknown \(level.rawValue) check '\(k)'", suggestion: suggest(k, among: known))
            }
            return .count(CountRange(min: 0, max: nil))
        }
    }

    // MARK: templates

    func compileTemplate(_ s: String, _ loc: SourceLocation) -> [TemplatePart] {
        // (on the UTF-8 bytes: '{' and '}' are ASCII, so every index found is a
        // character boundary; walking Characters was ~5% of a one-file check).
        // Not ASCII: by Characters, as a '{' or '}' extended by a combining
        // mark or joiner (or after a prepended mark) is no brace.
        if s.utf8.contains(where: { $0 >= 0x80 }) { return compileTemplateByCharacters(s, loc) }
        var parts: [TemplatePart] = []
        let u = s.utf8
        var textStart = u.startIndex
        var i = u.startIndex
        while let open = u[i...].firstIndex(of: 0x7B), let close = u[open...].firstIndex(of: 0x7D) {   // { … }
            let name = String(s[u.index(after: open)..<close])
            if textStart < open { parts.append(.text(String(s[textStart..<open]))) }
            if let p = placeholder(name, loc) { parts.append(p) }
            i = u.index(after: close)
            textStart = i
        }
        if textStart < u.endIndex { parts.append(.text(String(s[textStart...]))) }
        return parts
    }

    /// `{name}` of a message template: `value`, `expected`, `attribute`, or an
    /// attribute's keyword (nil, with a diagnostic, when it is none).
    func placeholder(_ name: String, _ loc: SourceLocation) -> TemplatePart? {
        switch name {
        case "value": return .value
        case "expected": return .expected
        case "attribute": return .attribute
        default: return attributeRef(name, loc).map { .keyword($0) }
        }
    }

    func compileTemplateByCharacters(_ s: String, _ loc: SourceLocation) -> [TemplatePart] {
        var parts: [TemplatePart] = []
        var text = ""
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == "{", let close = s[i...].firstIndex(of: "}") {
                let name = String(s[s.index(after: i)..<close])
                if !text.isEmpty { parts.append(.text(text)); text = "" }
                if let p = placeholder(name, loc) { parts.append(p) }
                i = s.index(after: close)
            } else {
                text.append(s[i]); i = s.index(after: i)
            }
        }
        if !text.isEmpty { parts.append(.text(text)) }
        return parts
    }
}

extension ValueTest {
    /// A scalar shorthand `{Modality: MR}`; nothing to check beyond the operand.
    func checked(_ c: PackCompiler, _ loc: SourceLocation, _ ref: AttributeRef) -> ValueTest { self }
}

extension SyntaxNode {
    static let flowSpecial: [Bool] = (0..<256).map { b in ":{}[],#&*!|>'\"%@`".utf8.contains(UInt8(b)) }
    static let keySpecial: [Bool] = (0..<256).map { b in ":{}[],#\"".utf8.contains(UInt8(b)) }

    /// The node as one line of YAML flow style, for `rules explain` and reports.
    public var flowText: String {
        switch self {
        case .scalar(let s, _, let quoted):
            // (bytes, not Characters: this runs for every scalar of every rule at load time)
            if quoted || s.isEmpty || s.utf8.contains(where: { SyntaxNode.flowSpecial[Int($0)] }) || s.utf8.first == 0x20 {
                // (escape only when needed: Foundation's replacingOccurrences goes through NSString)
                guard s.utf8.contains(where: { $0 == 0x5C || $0 == 0x22 }) else { return "\"" + s + "\"" }
                return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
            }
            return s
        case .sequence(let items, _): return "[" + items.map(\.flowText).joined(separator: ", ") + "]"
        case .mapping(let e, _):
            return "{" + e.map { (k, _, v) in
                let key = k.utf8.contains(where: { SyntaxNode.keySpecial[Int($0)] }) ? "'" + k + "'" : k
                return key + ": " + v.flowText
            }.joined(separator: ", ") + "}"
        }
    }
}

