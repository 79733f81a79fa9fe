import DcmData

/// One example whose outcome was not the one written in the pack.
public struct ExampleFailure: Sendable, CustomStringConvertible {
    public var ruleID: String
    public var location: SourceLocation
    public var expected: String
    public var actual: Outcome
    public var detail: String
    public var description: String {
        "\(location): error: example of '\(ruleID)' should \(expected) but was \(actual.rawValue)\(detail.isEmpty ? "" : ": " + detail)"
    }
}

extension RuleSet {
    /// Runs every rule's examples: a `pass` example must pass; a `fail`
    /// example must fail. For a series/study/dataset rule, the `pass`
    /// examples form one group that must pass and each `fail` example is
    /// added to them to form a group that must fail.
    public func runExamples(only packIDs: Set<String>? = nil) -> (run: Int, failures: [ExampleFailure]) {
        let ev = Evaluator()
        var failures: [ExampleFailure] = []
        var run = 0
        for rule in rules where packIDs.map({ $0.contains(rule.packID) }) ?? true {
            switch rule.check {
            case .instance:
                for ex in rule.examples {
                    run += 1
                    let o = ev.outcome(of: rule, ex.file)
                    let want: Outcome = ex.expectPass ? .pass : .fail
                    if o != want {
                        var detail = ""
                        if o == .fail, case .instance(let p) = rule.check {
                            detail = ev.explain(p, ex.file, showPHI: true).map(\.reason).joined(separator: "; ")
                        }
                        failures.append(ExampleFailure(ruleID: rule.id, location: ex.location, expected: want.rawValue, actual: o, detail: detail))
                    }
                }
            case .group:
                let single = RuleSet(packs: [RulePack(id: rule.packID, version: "1", path: "", extends: [], rules: [rule])])
                let passes = rule.examples.filter(\.expectPass)
                func outcome(_ files: [RuleExample]) -> Outcome {
                    let agg = GroupAggregator(single, showPHI: true)
                    for (k, f) in files.enumerated() { agg.add(ev.run(single, on: f.file, path: "example\(k)", showPHI: true).samples, path: "example\(k)") }
                    let c = agg.finish().counts[0]
                    return c.fail > 0 ? .fail : c.pass > 0 ? .pass : c.notEvaluated > 0 ? .notEvaluated : .notApplicable
                }
                if !passes.isEmpty {
                    run += 1
                    let o = outcome(passes)
                    if o != .pass { failures.append(ExampleFailure(ruleID: rule.id, location: passes[0].location, expected: "pass", actual: o, detail: "the pass examples taken as one group")) }
                }
                for ex in rule.examples where !ex.expectPass {
                    run += 1
                    let o = outcome(passes + [ex])
                    if o != .fail { failures.append(ExampleFailure(ruleID: rule.id, location: ex.location, expected: "fail", actual: o, detail: "with the pass examples, as one group")) }
                }
            case .protocolFinding:
                continue   // protocols have no examples (docs/protocols.md is tested on fixtures)
            }
        }
        return (run, failures)
    }
}

extension RulePack {
    init(id: String, version: String, path: String, extends: [String], rules: [Rule]) {
        self.init(id: id, version: version, title: nil, description: nil, path: path, extends: extends, rules: rules)
    }
}

extension PackLoader {
    /// Compiles pack text held in memory (tests, tools); no `extends` by id
    /// unless the loader's library knows it.
    public func compile(text: String, file: String = "<memory>") throws -> RuleSet {
        let root = try SyntaxNode.parse(text, file: file)
        var inherited: [String: Predicate] = [:]
        var state = LoadState()
        var diags: [PackDiagnostic] = []
        if let h = PackCompiler.header(of: root, file: file) {
            for (ext, loc) in h.extends {
                if let t = resolveExtends(ext, relativeTo: file), let c = loadFile(t, from: loc, state: &state, diags: &diags) { inherited.merge(c) { a, _ in a } }
                else { diags.append(PackDiagnostic(loc, "unknown pack '\(ext)' in extends", suggestion: suggest(ext, among: index.keys.sorted()))) }
            }
        }
        let c = PackCompiler(file: file)
        let pack = c.compilePack(root, inherited: inherited)
        diags += c.diagnostics
        diags += Self.duplicateRuleIDs(pack?.rules ?? [])
        if !diags.isEmpty { throw PackErrors(diags) }
        return RuleSet(packs: state.ordered + [pack!])
    }
}
