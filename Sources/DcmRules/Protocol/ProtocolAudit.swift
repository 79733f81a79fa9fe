import DcmData
import DcmDictionary

/// How one session stands against one acquisition (a cell of the sessions ×
/// acquisitions matrix).
public enum CellStatus: String, Sendable {
    /// Every series of the acquisition has the expected parameters.
    case compliant
    /// At least one series deviates on a parameter.
    case deviating
    /// Required and absent.
    case missing
    /// Not required and absent.
    case absent
    /// A series matched it and another acquisition.
    case ambiguous
    /// Some parameter could not be decided (e.g. not a number), none deviates.
    case notEvaluated = "not-evaluated"
}

/// Compliance tables of one protocol (docs/protocols.md, "Reports").
public struct ProtocolCompliance: Sendable {
    public struct Cell: Sendable {
        public var status: CellStatus
        public var series: Int
        public var deviations: [String]   // parameter names
        public init(status: CellStatus, series: Int, deviations: [String]) { self.status = status; self.series = series; self.deviations = deviations }
    }
    public struct Session: Sendable {
        /// The session key as shown (redacted when it is patient-identifying).
        public var session: String
        public var scanner: String
        public var cells: [Cell]          // indexed like `acquisitions`
        public var unexpected: Int
        public var excluded: Int
        public var compliant: Bool
        public init(session: String, scanner: String, cells: [Cell], unexpected: Int, excluded: Int, compliant: Bool) {
            self.session = session; self.scanner = scanner; self.cells = cells; self.unexpected = unexpected; self.excluded = excluded; self.compliant = compliant
        }
    }
    public struct Count: Sendable {
        public var key: [String]
        public var checked = 0
        public var compliant = 0
        public var deviating = 0
        public var missing = 0
        public var notEvaluated = 0
        public init(key: [String]) { self.key = key }
    }
    public var pack: String
    public var acquisitions: [String]
    public var sessions: [Session] = []
    /// Per acquisition: series checked/compliant/deviating; sessions missing it.
    public var byAcquisition: [Count] = []
    /// Per scanner (Manufacturer, ManufacturerModelName, StationName, SoftwareVersions): series.
    public var byScanner: [Count] = []
    /// Per acquisition × parameter: series checked/deviating.
    public var byParameter: [Count] = []
    public var tooFewSessions: Bool = false
    public init(pack: String, acquisitions: [String]) { self.pack = pack; self.acquisitions = acquisitions }
}

/// The result of a protocol audit: findings, outcome counts per synthetic
/// rule, and the compliance tables.
public struct ProtocolOutcome: Sendable {
    public var findings: [Finding] = []
    public var counts: [String: OutcomeCounts] = [:]
    public var compliance: ProtocolCompliance
    public init(compliance: ProtocolCompliance) { self.compliance = compliance }
}

/// Judges the series of a run against a protocol.
public enum ProtocolAudit {
    /// The parameters that apply to a series of acquisition `a` given the
    /// overrides whose selectors held (later overrides win; `ignore` drops one).
    public static func effectiveParameters(_ a: Acquisition, overrides: [Int]) -> [(ProtocolParameter, String?)] {
        var list: [(ProtocolParameter, String?)] = a.parameters.map { ($0, nil) }
        for k in overrides {
            let o = a.overrides[k]
            for p in o.parameters {
                if let i = list.firstIndex(where: { $0.0.name == p.name }) { list[i] = (p, o.whenText) } else { list.append((p, o.whenText)) }
            }
        }
        return list.filter { $0.0.test != nil }
    }

    static let placeholderFile = DicomFile(meta: DataSet(), dataSet: DataSet(), transferSyntax: .explicitVRLittleEndian)

    /// Whether a stored value (the `\`-joined text, `nil` when absent) passes a test.
    public static func test(_ t: ValueTest, value: String?, vr: VR, evaluator: Evaluator) -> Truth {
        guard let v = value else { return evaluator.test(t, nil, placeholderFile) }
        let parts = v.split(separator: "\\", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
        return evaluator.test(t, .values(parts, vr: vr), placeholderFile)
    }

    /// `rules` gives each synthetic rule's severity (a config may regrade it);
    /// a rule missing from it (disabled) gives no findings.
    public static func finish(_ c: ProtocolCollector, packID: String, rules: RuleSet, showPHI: Bool) -> ProtocolOutcome {
        let spec = c.spec
        let ev = Evaluator()
        let ids = spec.ruleIDs
        let rParam = rules.rule(ids.parameter), rMissing = rules.rule(ids.missing), rAmb = rules.rule(ids.ambiguous)
        let rUnexp = ids.unexpected.flatMap { rules.rule($0) }
        var out = ProtocolOutcome(compliance: ProtocolCompliance(pack: packID, acquisitions: spec.acquisitions.map(\.name)))
        var counts: [String: OutcomeCounts] = [:]
        let sessionTags = spec.session.map(\.tag)
        let sessionIsPHI = sessionTags.contains { Redaction.isPatientIdentifying($0) }
        let sessionIsStudy = spec.session.count == 1 && sessionTags[0] == Evaluator.studyUID
        func showSession(_ k: String) -> String { sessionIsPHI && !showPHI ? Redaction.redact(k) : k }
        var accCount = spec.acquisitions.map { ProtocolCompliance.Count(key: [$0.name]) }
        var paramCount: [String: ProtocolCompliance.Count] = [:]
        var paramOrder: [String] = []
        var scannerCount: [String: ProtocolCompliance.Count] = [:]
        var scannerOrder: [String] = []

        for (session, series) in c.sessions {
            var cells = spec.acquisitions.map { _ in ProtocolCompliance.Cell(status: .absent, series: 0, deviations: []) }
            var unexpected = 0, excluded = 0
            for r in series {
                if r.excludedBy != nil { excluded += 1; continue }
                let scannerKey = [r.info("Manufacturer") ?? "", r.info("ManufacturerModelName") ?? "",
                                  r.info("StationName").map { showPHI ? $0 : Redaction.redact($0) } ?? "", r.info("SoftwareVersions") ?? ""]
                let sk = scannerKey.joined(separator: "\u{0}")
                if scannerCount[sk] == nil { scannerCount[sk] = .init(key: scannerKey); scannerOrder.append(sk) }
                scannerCount[sk]!.checked += 1
                func finding(_ rule: Rule, _ msg: String, attr: String? = nil, observed: String? = nil, expected: String? = nil,
                             because: String? = nil, severity: Severity? = nil) -> Finding {
                    Finding(ruleID: rule.id, packID: rule.packID, severity: severity ?? rule.severity, level: .series, message: msg, because: because,
                            file: r.firstFile, attribute: attr, observed: observed, expected: expected,
                            seriesInstanceUID: r.series, studyInstanceUID: sessionIsStudy ? session : nil, modality: r.info("Modality"))
                }
                if r.matches.isEmpty {
                    unexpected += 1
                    if let u = rUnexp {
                        counts[u.id, default: .init()].add(.fail)
                        out.findings.append(finding(u, "\(r.label) on \(r.scanner(showPHI: showPHI)) matches no acquisition of the protocol",
                                                    observed: r.info("SeriesDescription") ?? r.info("ProtocolName"), expected: "one of: " + spec.acquisitions.map(\.name).joined(separator: ", ")))
                    }
                    scannerCount[sk]!.deviating += 1
                    continue
                }
                if let u = rUnexp { counts[u.id, default: .init()].add(.pass) }
                if r.matches.count > 1 {
                    let names = r.matches.map { spec.acquisitions[$0].name }
                    for m in r.matches { cells[m].status = .ambiguous; cells[m].series += 1 }
                    if let a = rAmb {
                        counts[a.id, default: .init()].add(.fail)
                        out.findings.append(finding(a, "\(r.label) on \(r.scanner(showPHI: showPHI)) matches \(names.count) acquisitions: \(names.joined(separator: ", "))",
                                                    observed: names.joined(separator: ", "), expected: "one acquisition"))
                    }
                    scannerCount[sk]!.deviating += 1
                    continue
                }
                if let a = rAmb { counts[a.id, default: .init()].add(.pass) }
                let ai = r.matches[0]
                let acq = spec.acquisitions[ai]
                cells[ai].series += 1
                var deviating: [String] = [], undecided = false
                for (p, overrideText) in effectiveParameters(acq, overrides: r.overrides) {
                    let pk = acq.name + "\u{0}" + p.name
                    if paramCount[pk] == nil { paramCount[pk] = .init(key: [acq.name, p.name]); paramOrder.append(pk) }
                    paramCount[pk]!.checked += 1
                    let observedValues: [(value: String?, files: Int)]
                    var overflow = false
                    if let ref = p.ref { observedValues = r.values[ref].values; overflow = r.values[ref].overflow }
                    else { observedValues = [(String(r.instances), r.instances)] }
                    var failing: [(value: String?, files: Int)] = []
                    var unknown = false
                    for v in observedValues {
                        switch test(p.test!, value: v.value, vr: p.vr, evaluator: ev) {
                        case .no: failing.append(v)
                        case .unknown: unknown = true
                        case .yes: break
                        }
                    }
                    guard let rule = rParam else { continue }
                    if failing.isEmpty {
                        if unknown { counts[rule.id, default: .init()].add(.notEvaluated); undecided = true; paramCount[pk]!.notEvaluated += 1 }
                        else { counts[rule.id, default: .init()].add(.pass) }
                        continue
                    }
                    counts[rule.id, default: .init()].add(.fail)
                    paramCount[pk]!.deviating += 1
                    deviating.append(p.name)
                    let phi = !showPHI && p.ref.map { Redaction.isPatientIdentifying(spec.refs[$0].tag) } == true
                    func show(_ v: String?) -> String { v.map { phi ? Redaction.redact($0) : ($0.isEmpty ? "(empty)" : $0) } ?? "(absent)" }
                    let several = observedValues.count > 1
                    let observed = failing.map { several ? "\(show($0.value)) (\($0.files) file\($0.files == 1 ? "" : "s"))" : show($0.value) }.joined(separator: "; ")
                        + (overflow ? "; …" : "")
                    let expected = p.expectedText + (overrideText.map { " (override for \($0))" } ?? "")
                    out.findings.append(finding(rule, "\(r.label) (acquisition \(acq.name)) on \(r.scanner(showPHI: showPHI)): \(p.name) is \(observed), expected \(expected)",
                                                attr: p.name, observed: observed, expected: expected,
                                                because: "the series matched acquisition \(acq.name) by \(acq.matchText)", severity: acq.severity))
                }
                if !deviating.isEmpty {
                    cells[ai].status = .deviating; cells[ai].deviations += deviating
                    scannerCount[sk]!.deviating += 1
                } else {
                    if cells[ai].status == .absent { cells[ai].status = undecided ? .notEvaluated : .compliant }
                    if !undecided { scannerCount[sk]!.compliant += 1 } else { scannerCount[sk]!.notEvaluated += 1 }
                }
            }
            // required acquisitions missing from the session
            for (i, a) in spec.acquisitions.enumerated() {
                if cells[i].series > 0 {
                    accCount[i].checked += cells[i].series
                    if cells[i].status == .deviating || cells[i].status == .ambiguous { accCount[i].deviating += 1 }
                    else if cells[i].status == .compliant { accCount[i].compliant += 1 }
                    else { accCount[i].notEvaluated += 1 }
                    if let m = rMissing, a.required { counts[m.id, default: .init()].add(.pass) }
                    continue
                }
                guard a.required else { continue }
                cells[i].status = .missing
                accCount[i].missing += 1
                guard let m = rMissing else { continue }
                counts[m.id, default: .init()].add(.fail)
                let first = series[0]
                let scanners = Set(series.map { $0.scanner(showPHI: showPHI) }).sorted().joined(separator: "; ")
                out.findings.append(Finding(ruleID: m.id, packID: m.packID, severity: a.severity ?? m.severity, level: .study,
                                            message: "session \(showSession(session)) on \(scanners) has no series of required acquisition \(a.name)",
                                            because: "no series (excluded ones aside) matches \(a.matchText)",
                                            file: first.firstFile, attribute: nil, observed: "\(series.count) series, none matching", expected: a.name,
                                            studyInstanceUID: sessionIsStudy ? session : nil, modality: nil))
            }
            let scanners = Set(series.map { $0.scanner(showPHI: showPHI) }).sorted().joined(separator: "; ")
            let ok = !cells.contains { $0.status == .deviating || $0.status == .missing || $0.status == .ambiguous } && unexpected == 0
            out.compliance.sessions.append(.init(session: showSession(session), scanner: scanners, cells: cells, unexpected: unexpected, excluded: excluded, compliant: ok))
        }
        out.counts = counts
        out.compliance.byAcquisition = accCount
        out.compliance.byScanner = scannerOrder.map { scannerCount[$0]! }
        out.compliance.byParameter = paramOrder.map { paramCount[$0]! }
        return out
    }
}
