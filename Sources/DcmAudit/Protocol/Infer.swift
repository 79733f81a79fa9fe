import DcmData
import DcmDictionary
import DcmRules

/// `dcmaudit check --infer-protocol`: a horizontal audit without a reference
/// (docs/protocols.md, "Inferring the protocol"). Series are grouped into
/// acquisitions as `learn` groups them (and by scanner model with
/// `byModel`); for each acquisition seen in enough sessions, each parameter's
/// series are clustered into variants (values equal within the parameter's
/// tolerance) and every series outside the variant most sessions share is a
/// finding, with how many sessions share each variant — the way CuBIDS names
/// dominant and variant parameter groups.
public enum InferredProtocol {
    public static let packID = "dcmaudit.inferred"
    public static let parameterRule = "inferred.parameter"
    public static let missingRule = "inferred.missing"
    public static let rareRule = "inferred.rare"
    public static let tooFewRule = "inferred.too-few-sessions"
    /// Fewer sessions than this and there is no majority worth the name.
    public static let minimumSessions = 3

    /// The synthetic pack carrying the findings (added to the run's rules).
    public static func pack() -> RulePack {
        let loc = SourceLocation(file: "--infer-protocol", line: 1, column: 1)
        func rule(_ id: String, _ title: String, _ s: Severity, _ level: RuleLevel, _ kind: ProtocolFindingKind) -> Rule {
            Rule(id: id, title: title, severity: s, level: level, when: [], check: .protocolFinding(kind), message: nil, messageText: nil,
                 reference: "docs/protocols.md", examples: [], packID: packID, location: loc, checkText: "inferred protocol", whenText: nil)
        }
        return RulePack(id: packID, version: "1", title: "Protocol inferred from the data (--infer-protocol)", description: nil, path: "--infer-protocol",
                        extends: [], rules: [
                            rule(parameterRule, "Each series has the parameter values most sessions share for its acquisition", .warning, .series, .parameter),
                            rule(missingRule, "Each session holds the acquisitions most sessions hold", .warning, .study, .missing),
                            rule(rareRule, "Each acquisition is held by most sessions", .info, .series, .unexpected),
                            rule(tooFewRule, "Enough sessions to infer a protocol from", .info, .dataset, .ambiguous),
                        ])
    }

    /// What `check` collects for the inference: every learned parameter.
    public static func spec() -> ProtocolSpec {
        // the names are the documented constants of LearnParameters: they compile
        try! ProtocolSpec.collecting(attributes: LearnParameters.all.map(\.name).filter { $0 != seriesInstancesParameter })
    }

    struct Key: Hashable { var acq: ProtocolLearner.AcqKey; var model: String? }

    public static func audit(_ c: ProtocolCollector, byModel: Bool, rules: RuleSet, showPHI: Bool) -> ProtocolOutcome {
        let spec = c.spec
        let sessions = c.sessions
        var out = ProtocolOutcome(compliance: ProtocolCompliance(pack: packID, acquisitions: []))
        var counts: [String: OutcomeCounts] = [:]
        let rParam = rules.rule(parameterRule), rMissing = rules.rule(missingRule), rRare = rules.rule(rareRule), rFew = rules.rule(tooFewRule)
        // group into acquisitions (per model when asked)
        var order: [Key] = []
        var groups: [Key: [SeriesRecord]] = [:]
        for r in c.records where r.excludedBy == nil {
            guard let d = r.info("SeriesDescription") ?? r.info("ProtocolName") else { continue }
            let model = byModel ? ProtocolLearner.scannerName(r) : nil
            let k = Key(acq: .init(modality: r.info("Modality") ?? "", description: d, imageType: r.info("ImageType") ?? ""), model: model)
            if groups[k] == nil { order.append(k) }
            groups[k, default: []].append(r)
        }
        // sessions per model (all sessions when not by model)
        var sessionsOf: [String?: [String]] = [:]
        for (key, series) in sessions {
            if byModel { for m in ProtocolLearner.uniq(series.map { ProtocolLearner.scannerName($0) }) { sessionsOf[m, default: []].append(key) } }
            else { sessionsOf[nil, default: []].append(key) }
        }
        var names: [Key: String] = [:]
        var used = Set<String>()
        for k in order {
            var base = ProtocolLearner.slug(k.acq.description)
            if order.contains(where: { $0 != k && $0.acq.description == k.acq.description && $0.model == k.model }),
               let v = k.acq.imageType.split(separator: "\\").dropFirst(2).first { base += "-" + ProtocolLearner.slug(String(v)) }
            var name = base, n = 2
            if byModel, let m = k.model { name = base + "@" + ProtocolLearner.slug(m); base = name }
            while !used.insert(name).inserted { name = "\(base)-\(n)"; n += 1 }
            names[k] = name
        }
        out.compliance.acquisitions = order.map { names[$0]! }
        var cells: [String: [ProtocolCompliance.Cell]] = [:]
        for (key, _) in sessions { cells[key] = order.map { _ in ProtocolCompliance.Cell(status: .absent, series: 0, deviations: []) } }
        var tooFew: [String] = []
        var rare: [String: Int] = [:]
        for (ai, k) in order.enumerated() {
            let series = groups[k]!
            let pool = sessionsOf[k.model] ?? []
            let present = Set(series.map(\.session))
            for r in series { cells[r.session]![ai].series += 1; cells[r.session]![ai].status = .compliant }
            let name = names[k]!
            let scope = k.model.map { " on \($0)" } ?? ""
            if pool.count < minimumSessions {
                tooFew.append("\(k.model ?? "all scanners"): \(pool.count) session\(pool.count == 1 ? "" : "s")")
                for r in series { cells[r.session]![ai].status = .notEvaluated }
                continue
            }
            // an acquisition most sessions lack is rare (its parameters still compared when it is
            // in enough sessions); one most sessions hold is missing from the others
            let isRare = present.count * 2 <= pool.count
            if isRare {
                if let rr = rRare {
                    for r in series {
                        rare[r.session, default: 0] += 1
                        counts[rr.id, default: .init()].add(.fail)
                        out.findings.append(Finding(ruleID: rr.id, packID: packID, severity: rr.severity, level: .series,
                                                    message: "\(r.label) (acquisition \(name)) on \(r.scanner(showPHI: showPHI)) is in \(present.count) of \(pool.count) sessions\(scope)",
                                                    file: r.firstFile, observed: "\(present.count) of \(pool.count) sessions", expected: "in most sessions",
                                                    seriesInstanceUID: r.series, studyInstanceUID: r.session, modality: r.info("Modality")))
                    }
                }
            } else if let rr = rRare { counts[rr.id, default: .init()].add(.pass, series.count) }
            if !isRare, let m = rMissing {
                for s in pool {
                    if present.contains(s) { counts[m.id, default: .init()].add(.pass); continue }
                    counts[m.id, default: .init()].add(.fail)
                    cells[s]![ai].status = .missing
                    let first = sessions.first { $0.key == s }!.series[0]
                    out.findings.append(Finding(ruleID: m.id, packID: packID, severity: m.severity, level: .study,
                                                message: "session \(s) has no series of acquisition \(name) (\(k.acq.description)), which \(present.count) of \(pool.count) sessions\(scope) have",
                                                file: first.firstFile, observed: "absent", expected: "\(k.acq.description) (in \(present.count) of \(pool.count) sessions)",
                                                studyInstanceUID: s))
                }
            }
            guard present.count >= minimumSessions else { continue }
            var params = LearnParameters.list(for: k.acq.modality)
            if byModel { params += LearnParameters.perScanner }
            for p in params {
                // values that vary within series (a modulated tube current) have no dominant value
                if series.contains(where: { ProtocolLearner.values(p, $0, spec: spec).count > 1 }) { continue }
                var variants: [(values: [String?], series: [SeriesRecord])] = []
                for r in series {
                    let v = ProtocolLearner.values(p, r, spec: spec)
                    if let i = variants.firstIndex(where: { ProtocolLearner.equivalent($0.values, v, p, reference: $0.values) }) { variants[i].series.append(r) }
                    else { variants.append((v, [r])) }
                }
                func sessionCount(_ s: [SeriesRecord]) -> Int { Set(s.map(\.session)).count }
                guard let dominant = variants.max(by: { sessionCount($0.series) < sessionCount($1.series) }) else { continue }
                if dominant.values.allSatisfy({ $0 == nil }) && variants.count == 1 { continue }
                let nd = sessionCount(dominant.series)
                for v in variants where v.series.first !== dominant.series.first {
                    let nv = sessionCount(v.series)
                    for r in v.series {
                        guard let rp = rParam else { break }
                        counts[rp.id, default: .init()].add(.fail)
                        cells[r.session]![ai].status = .deviating
                        cells[r.session]![ai].deviations.append(p.name)
                        let shown = ProtocolLearner.show(v.values), dom = ProtocolLearner.show(dominant.values)
                        out.findings.append(Finding(ruleID: rp.id, packID: packID, severity: rp.severity, level: .series,
                                                    message: "\(r.label) (acquisition \(name)) on \(r.scanner(showPHI: showPHI)): \(p.name) is \(shown) (variant of \(nv) of \(present.count) sessions); most sessions (\(nd) of \(present.count)) have \(dom)",
                                                    because: "variants of \(p.name) in acquisition \(name)\(scope): " + variants.sorted { sessionCount($0.series) > sessionCount($1.series) }.map { "\(ProtocolLearner.show($0.values)) (\(sessionCount($0.series)) session\(sessionCount($0.series) == 1 ? "" : "s"))" }.joined(separator: ", "),
                                                    file: r.firstFile, attribute: p.name, observed: "\(shown) (\(nv) of \(present.count) sessions)", expected: "\(dom) (\(nd) of \(present.count) sessions)",
                                                    seriesInstanceUID: r.series, studyInstanceUID: r.session, modality: r.info("Modality")))
                    }
                }
                if let rp = rParam { counts[rp.id, default: .init()].add(.pass, dominant.series.count) }
            }
        }
        if let f = rFew, !tooFew.isEmpty {
            counts[f.id, default: .init()].add(.fail)
            let groupsText = ProtocolLearner.uniq(tooFew).joined(separator: "; ")
            out.findings.append(Finding(ruleID: f.id, packID: packID, severity: f.severity, level: .dataset,
                                        message: "too few sessions to infer a protocol from (at least \(minimumSessions) are needed): \(groupsText); their acquisitions were not compared",
                                        file: nil, observed: groupsText, expected: "at least \(minimumSessions) sessions"))
        } else if let f = rFew { counts[f.id, default: .init()].add(.pass) }
        out.compliance.tooFewSessions = !tooFew.isEmpty
        for (key, series) in sessions {
            let cs = cells[key]!
            let ok = !cs.contains { $0.status == .deviating || $0.status == .missing } && rare[key, default: 0] == 0
            out.compliance.sessions.append(.init(session: key, scanner: ProtocolLearner.uniq(series.map { $0.scanner(showPHI: showPHI) }).joined(separator: "; "),
                                                 cells: cs, unexpected: rare[key, default: 0], excluded: series.filter { $0.excludedBy != nil }.count, compliant: ok))
        }
        out.counts = counts
        return out
    }
}
