import DcmData
import DcmDictionary

extension Keys {
    static let protocolSection = ["session", "exclude", "acquisitions", "severity", "unexpected"]
    static let acquisition = ["name", "match", "required", "severity", "parameters", "overrides"]
    static let override = ["when", "parameters"]
    static let exclusion = ["name", "when"]
}

/// Compiles a pack's `protocol:` section (docs/protocols.md) into a
/// ``ProtocolSpec`` and the four rules that carry its findings.
extension PackCompiler {
    func compileProtocol(_ node: SyntaxNode) -> (ProtocolSpec, [Rule])? {
        guard let entries = node.entries else {
            error(node.location, "'protocol' must be a mapping with 'acquisitions' (and optionally session, exclude, severity, unexpected)")
            return nil
        }
        var refs: [AttributeRef] = []
        var refIndex: [String: Int] = [:]
        func intern(_ r: AttributeRef) -> Int {
            if let i = refIndex[r.description] { return i }
            refs.append(r); refIndex[r.description] = refs.count - 1
            return refs.count - 1
        }
        var session: [AttributeRef] = [.tag(Tag(0x0020, 0x000D), text: "StudyInstanceUID")]
        var exclusions: [Exclusion] = []
        var acquisitions: [Acquisition] = []
        var sev = defaultSeverity
        var unexpected: Severity? = .warning
        var sawAcquisitions = false
        for (k, kl, v) in entries {
            switch k {
            case "session":
                // (a null is an error, not the default: leave the key out for StudyInstanceUID)
                guard notNull(v, "session", takes: "an attribute or a list of attributes (without it: StudyInstanceUID)") else { continue }
                let names = v.items ?? [v]
                let rs = names.compactMap { n in notNull(n, "session", takes: "an attribute") ? scalar(n, "session").flatMap { attributeRef($0, n.location) } : nil }
                if names.isEmpty { error(v.location, "'session' takes an attribute or a list of attributes, e.g. StudyInstanceUID") }
                if !rs.isEmpty { session = rs }
            case "exclude":
                guard notNull(v, "exclude", takes: "a list of exclusions (without it: none)") else { continue }
                guard let items = v.items else { error(v.location, "'exclude' takes a list: built-in names (\(BuiltinExclusions.all.map(\.name).joined(separator: ", "))) or {name: N, when: selector}"); continue }
                for item in items { if let e = compileExclusion(item) { exclusions.append(e) } }
            case "acquisitions":
                sawAcquisitions = true
                guard notNull(v, "acquisitions", takes: "a list of acquisitions") else { continue }
                guard let items = v.items else { error(v.location, "'acquisitions' must be a list of acquisitions"); continue }
                var names: [String: SourceLocation] = [:]
                for item in items {
                    guard let a = compileAcquisition(item, intern: intern) else { continue }
                    if let first = names[a.name] { error(a.location, "acquisition '\(a.name)' is defined twice (first at \(first))") }
                    names[a.name] = a.location
                    acquisitions.append(a)
                }
            case "severity": if let s = severity(v) { sev = s }
            case "unexpected":
                if !notNull(v, "unexpected", takes: "a severity or ignore") {}
                else if v.scalar == "ignore" { unexpected = nil } else if let s = severity(v) { unexpected = s }
            default: unknownKey(k, kl, among: Keys.protocolSection, what: "'protocol'")
            }
        }
        if !sawAcquisitions { error(node.location, "'protocol' needs 'acquisitions': the series a session is expected to hold") }
        let ids = ProtocolRuleIDs(parameter: packID + ".parameter", missing: packID + ".missing",
                                  unexpected: unexpected == nil ? nil : packID + ".unexpected", ambiguous: packID + ".ambiguous")
        let spec = ProtocolSpec(session: session, exclusions: exclusions, acquisitions: acquisitions, refs: refs, ruleIDs: ids, location: node.location)
        func rule(_ id: String, _ kind: ProtocolFindingKind, _ title: String, _ s: Severity, _ level: RuleLevel) -> Rule {
            Rule(id: id, title: title, severity: s, level: level, when: [], check: .protocolFinding(kind), message: nil, messageText: nil,
                 reference: nil, examples: [], packID: packID, location: node.location, checkText: "protocol: \(kind.rawValue)", whenText: nil)
        }
        var rules = [
            rule(ids.parameter, .parameter, "Each series has its acquisition's expected parameters", sev, .series),
            rule(ids.missing, .missing, "Each session holds every required acquisition", sev, .study),
            rule(ids.ambiguous, .ambiguous, "Each series matches at most one acquisition", sev, .series),
        ]
        if let u = unexpected, let id = ids.unexpected {
            rules.append(rule(id, .unexpected, "Each series (not excluded) matches an acquisition of the protocol", u, .series))
        }
        return (spec, rules)
    }

    func compileExclusion(_ n: SyntaxNode) -> Exclusion? {
        guard notNull(n, "exclude", takes: "built-in names or {name: N, when: selector}") else { return nil }
        if let s = n.scalar {
            guard let b = BuiltinExclusions.all.first(where: { $0.name == s }) else {
                error(n.location, "unknown exclusion '\(s)': use \(BuiltinExclusions.all.map(\.name).joined(separator: ", ")) or {name: N, when: selector}",
                      suggestion: suggest(s, among: BuiltinExclusions.all.map(\.name)))
                return nil
            }
            return Exclusion(name: s, when: Self.builtinPredicate(b.yaml, name: s))
        }
        guard let e = n.entries else { error(n.location, "an exclusion is a built-in name or {name: N, when: selector}"); return nil }
        var name: String?, when: Predicate?
        for (k, kl, v) in e {
            switch k {
            case "name": name = scalar(v, "name")
            case "when": when = .all(compileWhen(v))
            default: unknownKey(k, kl, among: Keys.exclusion, what: "an exclusion")
            }
        }
        guard let name else { error(n.location, "an exclusion needs a 'name'"); return nil }
        guard let when else { error(n.location, "exclusion '\(name)' needs 'when' (a selector)"); return nil }
        return Exclusion(name: name, when: when)
    }

    /// A built-in selector, compiled from its YAML (it is tested to compile).
    static func builtinPredicate(_ yaml: String, name: String) -> Predicate {
        compileBuiltin(yaml, name: name).0
    }

    /// A built-in selector and the errors compiling it gave (none: a test says so).
    static func compileBuiltin(_ yaml: String, name: String) -> (Predicate, [PackDiagnostic]) {
        let c = PackCompiler(file: "<built-in exclusion \(name)>")
        do {
            let root = try SyntaxNode.parse(yaml, file: c.file)
            let p = c.compilePredicate(root, group: false)
            return (c.diagnostics.isEmpty ? p : .not(.always), c.diagnostics)
        } catch let e as PackErrors { return (.not(.always), e.diagnostics) }
        catch { return (.not(.always), [PackDiagnostic(SourceLocation(file: c.file, line: 1, column: 1), "\(error)")]) }
    }

    func compileAcquisition(_ n: SyntaxNode, intern: (AttributeRef) -> Int) -> Acquisition? {
        guard let e = n.entries else { error(n.location, "an acquisition is a mapping with 'name', 'match' and 'parameters'"); return nil }
        var name: String?
        var match: [Predicate] = []
        var matchText = ""
        var sawMatch = false
        var required = true
        var sev: Severity?
        var params: [ProtocolParameter] = []
        var overrides: [ParameterOverride] = []
        for (k, kl, v) in e {
            switch k {
            case "name":
                if let s = scalar(v, "name") {
                    if !isValidID(s) { error(v.location, "acquisition name '\(s)' must be letters, digits, '-', '_' and '.' (e.g. 't1w-mprage')") }
                    name = s
                }
            case "match": sawMatch = true; match = compileWhen(v); matchText = v.flowText
            case "required": if let b = bool(v, "required") { required = b }
            case "severity": sev = severity(v)
            case "parameters": if notNull(v, "parameters", takes: "a mapping of attribute → expected value") { params = compileParameters(v, intern: intern, allowIgnore: false) }
            case "overrides":
                guard notNull(v, "overrides", takes: "a list of {when: selector, parameters: {…}}") else { continue }
                guard let items = v.items else { error(v.location, "'overrides' takes a list of {when: selector, parameters: {…}}"); continue }
                for item in items {
                    guard let oe = item.entries else { error(item.location, "an override is {when: selector, parameters: {…}}"); continue }
                    var when: [Predicate]? = nil, whenText = "", ps: [ProtocolParameter]? = nil
                    for (ok, okl, ov) in oe {
                        switch ok {
                        case "when": when = compileWhen(ov); whenText = ov.flowText
                        case "parameters": if notNull(ov, "parameters", takes: "a mapping of attribute → expected value or ignore") { ps = compileParameters(ov, intern: intern, allowIgnore: true) } else { ps = [] }
                        default: unknownKey(ok, okl, among: Keys.override, what: "an override")
                        }
                    }
                    guard let when, !when.isEmpty else { error(item.location, "an override needs 'when' (e.g. {Manufacturer: {matches: \"(?i)^GE\"}})"); continue }
                    guard let ps else { error(item.location, "an override needs 'parameters'"); continue }
                    overrides.append(ParameterOverride(when: when, whenText: whenText, parameters: ps))
                }
            default: unknownKey(k, kl, among: Keys.acquisition, what: "an acquisition")
            }
        }
        guard let name else { error(n.location, "an acquisition needs a 'name'"); return nil }
        if !sawMatch || match.isEmpty { error(n.location, "acquisition '\(name)' needs 'match': a selector that recognises its series (e.g. {SeriesDescription: {matches: \"^t1_mprage\"}})"); return nil }
        return Acquisition(name: name, match: match, matchText: matchText, required: required, severity: sev, parameters: params,
                           overrides: overrides, location: n.location)
    }

    func compileParameters(_ n: SyntaxNode, intern: (AttributeRef) -> Int, allowIgnore: Bool) -> [ProtocolParameter] {
        guard let e = n.entries else { error(n.location, "'parameters' must be a mapping of attribute → expected value"); return [] }
        var out: [ProtocolParameter] = []
        for (k, kl, v) in e {
            let typing: AttributeRef
            var index: Int? = nil
            if k == seriesInstancesParameter {
                typing = .tag(Tag(0x0020, 0x0013), text: seriesInstancesParameter)   // typed as IS (InstanceNumber)
            } else {
                guard let r = attributeRef(k, kl) else { continue }
                if r.isFileFact { error(kl, "'\(r)' is not an acquisition parameter"); continue }
                typing = r
                index = intern(r)
            }
            let vr: VR = k == seriesInstancesParameter ? .IS : (typing.dictionaryVR ?? .UN)
            if v.scalar == "ignore" && !v.isQuotedScalar {
                if !allowIgnore { error(v.location, "'ignore' only goes in an override (leave the parameter out instead)") }
                out.append(ProtocolParameter(name: k, ref: index, test: nil, expectedText: "ignore", vr: vr))
                continue
            }
            if v.flowText.contains("attr:") { error(v.location, "protocol parameters compare with values, not other attributes ({attr: …})"); continue }
            let before = diagnostics.count
            let t = compileValueTest(v, ref: typing)
            if diagnostics.count == before {
                out.append(ProtocolParameter(name: k, ref: index, test: t, expectedText: v.flowText, vr: vr))
            }
        }
        return out
    }
}

extension SyntaxNode {
    var isQuotedScalar: Bool { if case .scalar(_, _, let q) = self { return q }; return false }
}

extension ProtocolSpec {
    /// A protocol with no acquisitions that keeps the values of `attributes`
    /// for every series, with the built-in exclusions: what `dcmaudit learn`
    /// and `check --infer-protocol` collect. Throws on a bad attribute name.
    public static func collecting(attributes: [String], exclusions: [String] = BuiltinExclusions.all.map(\.name),
                                  session: String = "StudyInstanceUID") throws -> ProtocolSpec {
        let c = PackCompiler(file: "<collect>")
        let loc = SourceLocation(file: "<collect>", line: 1, column: 1)
        let refs = attributes.compactMap { c.attributeRef($0, loc) }
        let ex = exclusions.compactMap { c.compileExclusion(.scalar($0, loc, quoted: false)) }
        let s = c.attributeRef(session, loc)
        if !c.diagnostics.isEmpty { throw PackErrors(c.diagnostics) }
        return ProtocolSpec(session: [s!], exclusions: ex, acquisitions: [], refs: refs,
                            ruleIDs: ProtocolRuleIDs(parameter: "", missing: "", unexpected: nil, ambiguous: ""), location: loc)
    }

    /// The index in `refs` of the attribute written `name`.
    public func refIndex(_ name: String) -> Int? { refs.firstIndex { $0.description == name } }
}
