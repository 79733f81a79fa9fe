#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DcmData
import DcmDictionary
import DcmRules

/// Output formats of `dcmaudit check`.
/// Output formats of `dcmaudit check` on the console (`--format`); every
/// format of `ReportFormats` can also be written to a file with `--report`.
public enum CheckFormat: String, CaseIterable, Sendable { case text, summary, json, github, jsonl, junit, sarif, csv, markdown }

/// How the console report groups findings.
public enum CheckGrouping: String, CaseIterable, Sendable { case file, rule }

/// The lowest severity that makes `check` exit with 1 (`never`: always 0).
public enum FailOn: String, CaseIterable, Sendable {
    case error, warning, info, never
    func trips(_ s: Severity) -> Bool {
        switch self {
        case .never: return false
        case .info: return true
        case .warning: return s >= .warning
        case .error: return s == .error
        }
    }
}

/// What `dcmaudit check` was asked to do.
public struct CheckRequest: Sendable {
    public var paths: [String]
    /// Pack files or directories of packs.
    public var ruleFiles: [String] = []
    /// Built-in packs by id.
    public var packIDs: [String] = []
    /// Where a pack id or pack file was named, when a config file named it
    /// (`AuditConfig.origins`): errors about it point there.
    public var packOrigins: [String: SourceLocation] = [:]
    public var format: CheckFormat = .text
    public var grouping: CheckGrouping = .file
    public var output: String?
    public var failOn: FailOn = .error
    public var jobs: Int = 0
    public var showPHI = false
    /// A progress line on standard error (`ProgressLine`); the CLI sets it
    /// when standard error is a terminal and `--quiet` is not given.
    public var progress = false
    /// Directory of built-in packs; found by `RulesLocator` when nil.
    public var builtinRules: String?
    public var readOptions = ReadOptions()
    /// Reports written beside the console output (`--report FORMAT:PATH`).
    public var reports: [ReportSpec] = []
    /// The command line, stamped in every report.
    public var commandLine: [String] = ["dcmaudit", "check"]
    /// A mustache template for the HTML report instead of the built-in one.
    public var htmlTemplate: String?
    /// Findings known to this baseline are left out of every report and of
    /// the exit code (`--baseline FILE`, loaded by `run`).
    public var baseline: Baseline?
    public var baselinePath: String?
    /// Where to write this run's findings as a baseline (`--write-baseline`).
    public var writeBaseline: String?
    /// The files this run writes (console output, reports, baseline): never
    /// inputs of it, even under a folder it checks (`FileDiscovery.expand`).
    public var outputPaths: [String] { [output, writeBaseline].compactMap { $0 } + reports.map(\.path) }
    /// JUnit: one test case per rule × series (`--junit-per-series`).
    public var junitPerSeries = false
    /// A config file (`--config`, or `dcmaudit.yml` in the current directory).
    public var configPath: String?
    /// Whether `failOn` was given on the command line (else the config's applies).
    public var failOnGiven = false
    /// Globs on discovered file paths (`*` also matches `/`): only files
    /// matching one of `include` (when any), and none of `exclude`, are read.
    public var include: [String] = []
    public var exclude: [String] = []
    /// `--allow-no-files`: a run with no file to check (empty folders,
    /// `include`/`exclude` leaving none, or no DICOM file among them) exits 0
    /// instead of 2 — by default a CI gate that checked nothing must not pass.
    public var allowNoFiles = false
    /// Active waivers: matching findings are left out and counted per waiver.
    public var waivers: [AuditConfig.Waiver] = []
    /// Severity overrides under a selector (the config's `severity` entries
    /// with `when`): a finding whose file the selector holds for takes the
    /// severity of the first that holds.
    public var severityOverrides: [AuditConfig.SeverityOverride] = []
    /// Today, `YYYY-MM-DD` (UTC), for waivers' expiry; now when nil.
    public var today: String?
    /// `--infer-protocol`: a horizontal audit without a reference (docs/protocols.md);
    /// `inferByModel`: acquisitions compared per scanner model.
    public var inferProtocol = false
    public var inferByModel = false
    /// `--not-evaluated`: how rules not evaluated on a file are reported (NotEvaluated.swift).
    public var notEvaluated: NotEvaluatedMode = .summary
    public init(paths: [String]) { self.paths = paths }

    /// Packs used when neither `--rules` nor `--pack` is given.
    public static let defaultPacks = ["dicom.core", "dicom.encoding"]
}

/// One rule's line in a report: its outcome counts and number of findings.
public struct RuleSummary: Sendable {
    public var id: String
    public var packID: String
    public var title: String?
    public var severity: Severity
    public var level: RuleLevel
    public var counts: OutcomeCounts
    public var findings: Int
}

/// The result of a run, ready for the reporters.
public struct CheckReport: Sendable {
    public var paths: [String]
    /// The command line as the reports show it (path components holding
    /// patient values redacted); nil: the run's own.
    public var commandLine: [String]? = nil
    public var files: Int
    /// Files found under the paths that `include`/`exclude` left out.
    public var filteredOut: Int = 0
    public var unreadable: Int
    /// The run was interrupted (Ctrl-C): the report covers the files checked
    /// until then (`filesChecked` of `files`), and every format says so.
    public var incomplete = false
    public var filesChecked: Int = 0
    /// Findings left out because the baseline knows them.
    public var baselined: Int = 0
    /// Findings left out by waivers, per waiver, with the findings themselves
    /// (listed separately by the text and JSON reports).
    public var waived: [WaivedFindings] = []
    public var waivedCount: Int { waived.reduce(0) { $0 + $1.count } }
    /// This run's findings as a baseline (all of them, known or new), when asked.
    public var newBaseline: Baseline?
    /// Files that are not DICOM at all (`file.not-dicom`, info).
    public var notDicom: Int = 0
    public var packs: [RulePack]
    public var rules: [RuleSummary]
    /// Every finding, when the run kept them (`evaluate(…, keepFindings: true)`).
    public var findings: [Finding]
    /// Number of findings per severity (kept or streamed).
    public var severityCounts: [Severity: Int]
    public var failOn: FailOn
    /// Distinct series and studies among the files read, and files per Modality.
    public var series: Int = 0
    public var studies: Int = 0
    public var modalities: [String: Int] = [:]
    /// Files and series with errors vs clean, per scanner and per series.
    public var compliance = Compliance()
    /// Compliance tables of each protocol of the run's packs (docs/protocols.md).
    public var protocols: [ProtocolCompliance] = []
    /// The rules not evaluated, per rule and reason (and per file with `--not-evaluated list`).
    public var notEvaluated = NotEvaluatedReport(mode: .summary)
    public var findingCount: Int { severityCounts.values.reduce(0, +) }
    /// The run's closing counts, in the words every format uses (text,
    /// summary, github, markdown): `45 files (0 unreadable, 1 not DICOM)` —
    /// unreadable and not-DICOM files whatever waivers and the baseline do
    /// with their findings — and the findings reported, per severity, `13
    /// errors, 4 warnings, 1 info` (the same as JSON's `totals`, JSON Lines'
    /// and SARIF's counts; waived and baselined findings are counted apart).
    public var filesText: String {
        "\(files) file\(files == 1 ? "" : "s") (\(unreadable) unreadable" + (notDicom > 0 ? ", \(notDicom) not DICOM" : "") + ")"
    }
    public var severityText: String {
        let e = severityCounts[.error] ?? 0, w = severityCounts[.warning] ?? 0, i = severityCounts[.info] ?? 0
        return "\(e) error\(e == 1 ? "" : "s"), \(w) warning\(w == 1 ? "" : "s"), \(i) info"
    }
    public var countsLine: String { filesText + ", " + severityText }
    public var exitCode: Int32 {
        severityCounts.contains { $0.value > 0 && failOn.trips($0.key) } ? 1 : 0
    }
}

/// The findings one waiver left out.
public struct WaivedFindings: Sendable {
    public var rule: String
    public var reason: String
    public var expires: String?
    /// The waiver's path globs (empty: every file) and selector, as written.
    public var paths: [String] = []
    public var when: String?
    public var findings: [Finding]
    public var count: Int { findings.count }
}

/// The built-in rule `file.unreadable`: a file that cannot be read at all
/// (missing, unopenable, empty, I/O error, or DICOM-like but damaged).
public enum Unreadable {
    public static let ruleID = "file.unreadable"
    public static let packID = "dcmaudit"
}

/// The built-in rule `file.not-dicom` (info): a file that is not DICOM at all
/// (a README, a spreadsheet in a dataset folder). A file whose data elements
/// start a few bytes in (stray leading bytes) is damaged DICOM: unreadable.
public enum NotDicom {
    public static let ruleID = "file.not-dicom"
    public static let packID = "dcmaudit"

    static func applies(_ e: ReadError) -> Bool {
        if case .notDicom(let reason, _) = e { return !reason.contains("stray leading bytes") }
        return false
    }
}

/// Runs `check`: loads the packs, discovers files, reads and evaluates them in
/// parallel (instance rules per file; series/study/patient/dataset rules fed
/// from per-file samples), and writes the report.
public enum CheckRunner {
    /// Findings that may wait for the rest of their folder (path redaction).
    public static let pendingLimit = 100_000
    /// Consecutive files a thread takes at a time (`orderedParallelMap`):
    /// the files of a series stay on one thread, whose shape memo replays
    /// them from one another.
    static let batch = 64

    /// Loads the packs a request names (exit code 2 on pack errors).
    public static func loadRules(_ req: CheckRequest) throws -> RuleSet {
        let lib = req.builtinRules ?? RulesLocator.builtinRulesDirectory()
        var loader = PackLoader(libraries: lib.map { [$0] } ?? [])
        loader.buildExamples = false   // check never runs examples (rules test does)
        // the packs load side by side on the run's threads — but not under an
        // address-space limit (`ulimit -v`), where every thread's stack and
        // arena counts: there `--jobs 2` must run wherever `--jobs 1` does
        // (MallocArenas; Scripts/robustness/address_space.py)
        loader.threads = MallocArenas.limitedForAddressSpace ? 1 : min(req.jobs > 0 ? req.jobs : systemCoreCount(), systemCoreCount())
        var ids = req.packIDs
        if req.inferProtocol {
            // the inference alone unless packs are named too
            let named = ids.isEmpty && req.ruleFiles.isEmpty ? RuleSet(packs: []) : try loader.load(files: req.ruleFiles, ids: ids, origins: req.packOrigins)
            return RuleSet(packs: named.packs + [InferredProtocol.pack()])
        }
        if ids.isEmpty && req.ruleFiles.isEmpty {
            guard lib != nil else {
                // (no file and position: it was said at "dcmaudit:1:1")
                throw PackErrors([PackDiagnostic(PackDiagnostic.commandLine, PackLoader.noBuiltinPacks)])
            }
            ids = CheckRequest.defaultPacks
        }
        return try loader.load(files: req.ruleFiles, ids: ids, origins: req.packOrigins)
    }

    /// Evaluates the request's files. Findings go to `sink` as they are made
    /// (one batch per file, in input order, then one batch of series, study,
    /// patient and data-set findings), and are kept in the report only when
    /// `keepFindings` — so a streaming reporter holds no finding in memory.
    /// `discovery`: the request's files, found while the packs loaded (`run`); nil: found here.
    public static func evaluate(_ req: CheckRequest, rules: RuleSet, keepFindings: Bool = true, commandLine: [String]? = nil,
                                discovery: BackgroundDiscovery? = nil,
                                sink: (([Finding]) -> Void)? = nil) -> CheckReport {
        let (allFiles, problems) = discovery?.result() ?? FileDiscovery.expand(req.paths, excluding: req.outputPaths)
        var selected = allFiles
        if !req.include.isEmpty || !req.exclude.isEmpty {
            selected = allFiles.filter { f in
                (req.include.isEmpty || req.include.contains { globMatch($0, f) }) && !req.exclude.contains { globMatch($0, f) }
            }
        }
        let jobs = req.jobs > 0 ? req.jobs : systemCoreCount()
        var findings: [Finding] = []
        var severityCounts: [Severity: Int] = [:]
        var perRule: [String: Int] = [:]
        var baseline = req.baseline
        var baselined = 0
        var newBaseline: Baseline? = req.writeBaseline != nil ? Baseline() : nil
        var waivedPer = [[Finding]](repeating: [], count: req.waivers.count)
        // Config selectors (severity overrides first, then waivers'), evaluated
        // once per file in the workers; which held, per file, kept for the
        // group findings that name the file.
        var selectors: [AuditConfig.Selector] = []
        func index(_ s: AuditConfig.Selector?) -> Int? {
            guard let s else { return nil }
            selectors.append(s)
            return selectors.count - 1
        }
        let overrideSelector = req.severityOverrides.map { index($0.when) }
        let waiverSelector = req.waivers.map { index($0.when) }
        var selectorHits: [String: [Bool]] = [:]
        // Patient values in paths (PathRedactor): learnt file by file; the
        // findings of files without values (unreadable, not DICOM) wait
        // until every value is known.
        let redactor: PathRedactor? = req.showPHI ? nil : PathRedactor()
        var deferred: [Finding] = []
        // The findings of the files under one folder of an input root (a
        // patient's folder, in most archives) wait until the walk leaves the
        // folder, so that a file without patient values, or read before the
        // file holding the folder's name, is redacted with the values of the
        // files beside it (at most `pendingLimit` findings wait). Without
        // redaction: delivered at once.
        var pendingKey: Substring? = nil
        var pending: [(file: String, keys: FileKeys, findings: [Finding])] = []
        var pendingCount = 0
        let roots = req.paths.map { Array(($0.hasSuffix("/") ? $0 : $0 + "/").utf8) }
        func folderKey(_ p: String) -> Substring {
            let u = p.utf8
            for r in roots where u.count > r.count && u.starts(with: r) {
                let rest = u.index(u.startIndex, offsetBy: r.count)
                guard let slash = u[rest...].firstIndex(of: 0x2F) else { return p[..<rest] }
                return p[..<slash]
            }
            return p.lastIndex(of: "/").map { p[..<$0] } ?? ""
        }
        func holds(_ k: Int, _ f: Finding) -> Bool {
            guard let file = f.file, let h = selectorHits[file] else { return false }
            return h[k]
        }
        /// Applies severities, waivers, redaction and the baseline; returns
        /// the findings reported.
        @discardableResult
        // (batches are consumed: a shared array would be copied, finding by
        // finding, at the first re-grade or redaction)
        // (`namingPath`: of a file's findings, those whose texts name its path; nil: unknown)
        func deliver(_ batch: consuming [Finding], namingPath: [Int]? = nil) -> [Finding] {
            var batch = consume batch
            guard !batch.isEmpty else { return [] }
            if !req.severityOverrides.isEmpty {
                for i in batch.indices {
                    let f = batch[i]
                    if let k = req.severityOverrides.indices.first(where: { k in
                        req.severityOverrides[k].rule.value == f.ruleID && (overrideSelector[k].map { holds($0, f) } ?? true)
                    }) {
                        batch[i].severity = req.severityOverrides[k].severity
                    }
                }
            }
            if !req.waivers.isEmpty {
                batch = batch.filter { f in
                    guard let w = req.waivers.indices.first(where: { j in
                        let w = req.waivers[j]
                        return w.rule.value == f.ruleID && (w.paths.isEmpty || w.paths.contains { globMatch($0, f.file ?? "") })
                            && (waiverSelector[j].map { holds($0, f) } ?? true)
                    }) else { return true }
                    waivedPer[w].append(redactor?.redact(f) ?? f)
                    return false
                }
                guard !batch.isEmpty else { return [] }
            }
            if let redactor {
                // (a waiver's filter moved the findings: then every text is searched)
                if let named = namingPath, req.waivers.isEmpty {
                    redactor.redact(&batch, naming: named)
                } else {
                    for k in batch.indices { redactor.redact(&batch[k]) }
                }
            }
            if newBaseline != nil { for f in batch { newBaseline!.add(f) } }
            if baseline != nil {
                let (new, known) = baseline!.filter(batch)
                baselined += known
                batch = new
                guard !batch.isEmpty else { return [] }
            }
            // (a file's findings of one rule come together: counted per run of equal ids)
            var runID = "", runLength = 0
            var bySeverity = (error: 0, warning: 0, info: 0)
            for k in batch.indices {   // (by index: no copy of each finding)
                switch batch[k].severity {
                case .error: bySeverity.error += 1
                case .warning: bySeverity.warning += 1
                case .info: bySeverity.info += 1
                }
                if runLength > 0 && batch[k].ruleTexts.ruleID == runID { runLength += 1; continue }
                if runLength > 0 { perRule[runID, default: 0] += runLength }
                runID = batch[k].ruleTexts.ruleID; runLength = 1
            }
            if runLength > 0 { perRule[runID, default: 0] += runLength }
            for (sev, n) in [(Severity.error, bySeverity.error), (.warning, bySeverity.warning), (.info, bySeverity.info)] where n > 0 {
                severityCounts[sev, default: 0] += n
            }
            if keepFindings { findings += batch }
            sink?(batch)
            return batch
        }
        let compliance = ComplianceTally(showPHI: req.showPHI)
        /// A readable file's findings, delivered; the file counted for compliance.
        func deliverFile(_ file: String, _ keys: FileKeys, _ fs: consuming [Finding]) {
            let kept = deliver(consume fs, namingPath: keys.findingsNamingPath)
            var worst: Severity? = nil
            for k in kept.indices where kept[k].level == .instance { worst = ComplianceTally.worse(worst, kept[k].severity) }
            compliance.add(scanner: keys.scanner, series: keys.series, modality: keys.modality, worst: worst)
        }
        var tally = OutcomeTally(rules)
        var unreadableCount = 0, notDicomCount = 0
        for p in problems {
            unreadableCount += 1
            deferred.append(unreadableFinding(p.path, reason: p.message, offset: nil))
        }
        let aggregator = GroupAggregator(rules, showPHI: req.showPHI)
        let hasGroupRules = rules.rules.contains { if case .group = $0.check { return true }; return false }
        let protocolPacks = rules.packs.filter { $0.protocolSpec != nil }
        let protocolSpecs = protocolPacks.map { $0.protocolSpec! }
        let collectors = protocolSpecs.map { ProtocolCollector($0) }
        let inferSpec: ProtocolSpec? = req.inferProtocol ? InferredProtocol.spec() : nil
        let inferCollector = inferSpec.map { ProtocolCollector($0) }
        let notEvaluatedMode = req.notEvaluated, notEvaluated = NotEvaluatedCollector()   // --- not evaluated ---
        let pool = EvaluatorPool()
        let phiCaches = PerThreadPool { PHIValueCache() }
        let options = req.readOptions
        let showPHI = req.showPHI
        let files = selected
        let runSelectors = selectors
        var seriesSet = Set<String>(), studySet = Set<String>()
        var modalities: [String: Int] = [:]
        let progress = req.progress ? ProgressLine(total: files.count) : nil
        defer { progress?.finish() }
        var checked = 0
        func flushPending() {
            for k in pending.indices {
                var fs: [Finding] = []
                swap(&fs, &pending[k].findings)   // (taken out: the array stays unique)
                deliverFile(pending[k].file, pending[k].keys, consume fs)
                if !hasGroupRules { selectorHits[pending[k].file] = nil }
            }
            pending.removeAll(keepingCapacity: true)
            pendingCount = 0
        }
        orderedParallelMap(count: files.count, jobs: jobs, batch: CheckRunner.batch, shouldStop: { Interrupt.requested }, work: { i -> Result<(InstanceResult, FileKeys, [ProtocolSample]), ReadError> in
            let path = files[i]
            do {
                let file = try DicomReader.read(path: path, options: options)
                let ev = pool.take()
                defer { pool.give(ev) }
                let ds = file.dataSet
                var keys = FileKeys(series: ds.string(Tag(0x0020, 0x000E)), study: ds.string(Tag(0x0020, 0x000D)), modality: ds.string(Tag(0x0008, 0x0060)))
                let result = ev.run(rules, on: file, path: path, showPHI: showPHI)
                if !showPHI {
                    let cache = phiCaches.take()
                    keys.phiValues = cache.values(of: ds)
                    phiCaches.give(cache)
                    keys.findingsNamingPath = PathRedactor.findingsNaming(path, result.findings)
                }
                keys.scanner = ComplianceTally.scanner(of: ds)
                if notEvaluatedMode != .none { keys.notEvaluated = FileNotEvaluated(result, rules, file, ev, details: notEvaluatedMode == .list) }   // --- not evaluated ---
                if !runSelectors.isEmpty {
                    keys.selectorHits = runSelectors.map { s in s.predicates.allSatisfy { ev.evaluate($0, file, selector: true) == .yes } }
                }
                var ps = protocolSpecs.enumerated().map { ev.protocolSample($1, file, order: i, slot: $0) }
                if let s = inferSpec { ps.append(ev.protocolSample(s, file, order: i, slot: protocolSpecs.count)) }
                return .success((result, keys, ps))
            } catch let e as ReadError {
                return .failure(e)
            } catch {
                return .failure(.ioError(reason: "\(error)", offset: 0))
            }
        }, emit: { i, r in
            checked += 1
            defer { progress?.tick(findings: severityCounts.values.reduce(0, +)) }
            switch r {
            case .success(let (res, keys, protocolSamples)):
                if let s = keys.series, !s.isEmpty { seriesSet.insert(s) }
                if let s = keys.study, !s.isEmpty { studySet.insert(s) }
                modalities[keys.modality.flatMap { $0.isEmpty ? nil : $0 } ?? "(none)", default: 0] += 1
                tally.add(res)
                if !keys.notEvaluated.isEmpty { notEvaluated.add(file: i, keys.notEvaluated) }   // --- not evaluated ---
                if keys.selectorHits.contains(true) { selectorHits[files[i]] = keys.selectorHits }
                if let redactor {
                    let key = folderKey(files[i])
                    if key != pendingKey || pendingCount > CheckRunner.pendingLimit { flushPending(); pendingKey = key }
                    redactor.learn(keys.phiValues)
                    pending.append((files[i], keys, res.findings))
                    pendingCount += res.findings.count
                } else {
                    deliverFile(files[i], keys, res.findings)
                    if !hasGroupRules { selectorHits[files[i]] = nil }
                }
                if hasGroupRules { aggregator.add(res.samples, path: files[i]) }
                for (k, ps) in protocolSamples.enumerated() { (k < collectors.count ? collectors[k] : inferCollector!).add(ps, path: files[i]) }
            case .failure(let e) where NotDicom.applies(e):
                notDicomCount += 1
                deferred.append(Finding(ruleID: NotDicom.ruleID, packID: NotDicom.packID, severity: .info, level: .instance,
                                 message: "\(e)", file: files[i], offset: e.offset))
            case .failure(let e):
                unreadableCount += 1
                deferred.append(unreadableFinding(files[i], reason: "\(e)", offset: e.offset))
            }
        })
        if ShapeMemoStats.requested { ShapeMemoStats.print(pool.memoCounts()) }
        flushPending()
        // one batch per file, in input order, as for readable files
        var k = 0
        while k < deferred.count {
            var j = k + 1
            while j < deferred.count, deferred[j].file == deferred[k].file { j += 1 }
            deliver(Array(deferred[k..<j]))
            k = j
        }
        let (groupCounts, groupFindings) = aggregator.finish()
        for f in deliver(groupFindings) where f.level == .series {
            if let uid = f.seriesInstanceUID { compliance.markSeries(uid, f.severity) }
        }
        // protocol audits (docs/protocols.md): their series findings count for compliance too
        var protocolCounts: [String: OutcomeCounts] = [:]
        var protocolTables: [ProtocolCompliance] = []
        var protocolOutcomes: [ProtocolOutcome] = []
        for (k, c) in collectors.enumerated() {
            protocolOutcomes.append(ProtocolAudit.finish(c, packID: protocolPacks[k].id, rules: rules, showPHI: showPHI))
        }
        if let c = inferCollector { protocolOutcomes.append(InferredProtocol.audit(c, byModel: req.inferByModel, rules: rules, showPHI: showPHI)) }
        for o in protocolOutcomes {
            for f in deliver(o.findings) where f.level == .series {
                if let uid = f.seriesInstanceUID { compliance.markSeries(uid, f.severity) }
            }
            protocolCounts.merge(o.counts) { a, b in var x = a; x.add(b); return x }
            protocolTables.append(o.compliance)
        }
        var summaries: [RuleSummary] = []
        // (the built-in rules' findings are those reported, as every rule's:
        // waived and baselined ones are counted apart — the unreadable files
        // were the rule's findings, so its count disagreed with the totals)
        var unreadableCounts = OutcomeCounts()
        unreadableCounts.pass = files.count + problems.count - unreadableCount - notDicomCount
        unreadableCounts.fail = unreadableCount
        unreadableCounts.notApplicable = notDicomCount
        summaries.append(RuleSummary(id: Unreadable.ruleID, packID: Unreadable.packID, title: "The file can be read as DICOM",
                                     severity: .error, level: .instance, counts: unreadableCounts, findings: perRule[Unreadable.ruleID] ?? 0))
        var notDicomCounts = OutcomeCounts()
        notDicomCounts.pass = files.count + problems.count - notDicomCount - problems.count
        notDicomCounts.fail = notDicomCount
        // a path that cannot be opened (missing, a broken link) failed
        // file.unreadable: file.not-dicom does not apply to it, as
        // file.unreadable does not to a non-DICOM file (it was "not
        // evaluated", which the report then explained nowhere)
        notDicomCounts.notApplicable = problems.count
        summaries.append(RuleSummary(id: NotDicom.ruleID, packID: NotDicom.packID, title: "The file is DICOM",
                                     severity: .info, level: .instance, counts: notDicomCounts, findings: perRule[NotDicom.ruleID] ?? 0))
        let counts = tally.counts
        for (k, r) in rules.rules.enumerated() {
            var c = counts[k]
            if case .group = r.check { c.add(groupCounts[k]) }
            if case .protocolFinding = r.check, let pc = protocolCounts[r.id] { c.add(pc) }
            summaries.append(RuleSummary(id: r.id, packID: r.packID, title: r.title, severity: r.severity, level: r.level, counts: c, findings: perRule[r.id] ?? 0))
        }
        var report = CheckReport(paths: req.paths, files: files.count + problems.count, unreadable: unreadableCount, packs: rules.packs,
                                 rules: summaries, findings: findings, severityCounts: severityCounts, failOn: req.failOn)
        report.notDicom = notDicomCount
        report.filteredOut = allFiles.count - selected.count
        report.filesChecked = checked + problems.count
        report.incomplete = checked < files.count
        report.baselined = baselined
        report.waived = req.waivers.enumerated().map {
            WaivedFindings(rule: $1.rule.value, reason: $1.reason, expires: $1.expires, paths: $1.paths, when: $1.when?.text, findings: waivedPer[$0])
        }
        report.newBaseline = newBaseline
        report.compliance = compliance.finish()
        if let redactor {
            report.paths = req.paths.map(redactor.redact)
            report.commandLine = commandLine.map(redactor.redactCommandLine)
        }
        report.series = seriesSet.count
        report.studies = studySet.count
        report.modalities = modalities
        report.protocols = protocolTables
        // --- not evaluated: paths redacted now, with every patient value of the run ---
        report.notEvaluated = notEvaluated.finish(rules, mode: notEvaluatedMode, path: { redactor?.redact(files[$0]) ?? files[$0] },
                                                  reasons: { NotEvaluatedReport.reread(files[$0], $1, rules, options) })
        return report
    }

    /// Errors of the packs or the config on standard error: one a line, then
    /// their count, as `rules validate` ends (`3 errors`) — wherever they are
    /// found (config syntax, config reports, packs, the config's rule ids).
    static func diagnosticsText(_ lines: [String]) -> String {
        lines.joined(separator: "\n") + "\n\(lines.count) error\(lines.count == 1 ? "" : "s")\n"
    }

    static func unreadableFinding(_ path: String, reason: String, offset: Int?) -> Finding {
        Finding(ruleID: Unreadable.ruleID, packID: Unreadable.packID, severity: .error, level: .instance,
                message: "cannot be read: \(reason)", file: path, offset: offset)
    }

    /// Runs the whole command; returns the exit code (0, 1, or 2 for pack
    /// and output errors).
    public static func run(_ req: CheckRequest) -> Int32 {
        var req = req
        var config: AuditConfig?
        if let p = req.configPath {
            do { config = try AuditConfig.load(path: p) }
            catch let e as PackErrors { writeError(diagnosticsText(e.diagnostics.map(\.description))); return 2 }
            catch { writeError("\(p): error: \(error)\n"); return 2 }
        }
        if let c = config {
            if req.packIDs.isEmpty && req.ruleFiles.isEmpty { req.packIDs = c.packs; req.ruleFiles = c.rules; req.packOrigins = c.origins }
            if req.reports.isEmpty {
                // every bad entry at once, as for the rest of the config (it stopped at the first)
                var bad: [String] = []
                for r in c.reports {
                    switch ReportSpec.parse(r.value) {
                    case .success(let spec): req.reports.append(spec)
                    case .failure(let e): bad.append("\(r.location): error: \(e.message)")
                    }
                }
                if !bad.isEmpty { writeError(diagnosticsText(bad)); return 2 }
            }
            if !req.failOnGiven, let f = c.failOn { req.failOn = FailOn(rawValue: f.value)! }
            req.include += c.include
            req.exclude += c.exclude
        }
        // an option of a report the run does not write (it was dropped without a word)
        if req.htmlTemplate != nil && !req.reports.contains(where: { $0.format == "html" }) {
            writeError("error: --html-template applies to an HTML report: add --report html:PATH\n"); return 2
        }
        if req.junitPerSeries && req.format.rawValue != "junit" && !req.reports.contains(where: { $0.format == "junit" }) {
            writeError("error: --junit-per-series applies to a JUnit report: add --report junit:PATH or --format junit\n"); return 2
        }
        // the files are found on a thread of their own while the packs load
        // (the loader leaves a core idle once the small packs are done)
        // (not while a report file is still to be created: `run` creates it
        // before the walk, which finds it when it is under a checked path)
        let outputsExist = ([req.output].compactMap { $0 } + req.reports.map(\.path)).allSatisfy { p in var st = stat(); return p == "-" || stat(p, &st) == 0 }
        let discovery = BackgroundDiscovery(paths: req.paths, excluding: req.outputPaths, threaded: req.jobs != 1 && systemCoreCount() > 1 && !MallocArenas.limitedForAddressSpace
                                            && outputsExist)
        var rules: RuleSet
        do { rules = try loadRules(req) }
        catch let e as PackErrors { writeError(diagnosticsText(e.diagnostics.map(\.description))); return 2 }
        catch { writeError("error: \(error)\n"); return 2 }
        if let c = config {
            let d = c.checkRuleIDs(rules.rules.map(\.id), builtin: [Unreadable.ruleID, NotDicom.ruleID])
            if !d.isEmpty { writeError(diagnosticsText(d.map(\.description))); return 2 }
            rules = c.apply(to: rules)
            req.severityOverrides = c.selectorOverrides
            let today = req.today ?? String(RunInfo.iso8601(RunInfo.now()).prefix(10))
            for w in c.waivers {
                if let e = w.expires, e < today {
                    writeError("\(w.location): warning: the waiver of '\(w.rule.value)' expired on \(e) and no longer applies (reason: \(w.reason))\n")
                } else {
                    req.waivers.append(w)
                }
            }
        }
        if let p = req.baselinePath, req.baseline == nil {
            do { req.baseline = try Baseline.load(p) }
            catch { writeError("\(error)\n"); return 2 }
        }
        let code = run(req, rules: rules, info: RunInfo.starting(commandLine: req.commandLine, packs: rules.packs, showPHI: req.showPHI),
                       discovery: discovery)
        // (the command line's process ends after `check`: releasing the
        // ~4,000 compiled rules and their trees one object at a time was 6% of
        // a one-file check)
        KeptUntilExit.keep(rules)
        return code
    }

    /// Two outputs of the run naming one file (`--report json:r --report
    /// sarif:r`, `--output r --report …:r`, `--write-baseline r`): each would
    /// truncate and overwrite the other's bytes. Returns the message, or nil.
    /// Devices and pipes (`/dev/null`, `/dev/stdout`) may be named twice.
    static func sameFileOutputs(_ targets: [(String, String?)], baseline: String?) -> String? {
        var seen: [String: String] = [:]
        // (the first target is the console report: --format, --output)
        let named = targets.enumerated().compactMap { i, t in t.1.map { (i == 0 ? "--output \($0)" : "--report \(t.0):\($0)", $0) } }
        for (what, path) in named + (baseline.map { [("--write-baseline \($0)", $0)] } ?? []) {
            let key: String
            var st = stat()
            if stat(path, &st) == 0 {
                let type = st.st_mode & S_IFMT
                if type == S_IFCHR || type == S_IFIFO || type == S_IFSOCK { continue }
                key = "\(st.st_dev):\(st.st_ino)"
            } else {
                // not there yet: its folder's real path and its name
                let cut = path.lastIndex(of: "/")
                let dir = cut.map { path[..<$0].isEmpty ? "/" : String(path[..<$0]) } ?? "."
                let name = cut.map { String(path[path.index(after: $0)...]) } ?? path
                guard let real = realpath(dir, nil) else { continue }   // (cannot be created: said when it is opened)
                key = String(cString: real) + "/" + name
                free(real)
            }
            if let first = seen[key] { return "\(what) names the same file as \(first): give each output its own path" }
            seen[key] = what
        }
        return nil
    }

    /// Runs with loaded rules and a given run description (tests fix its
    /// time and duration). Every output is opened before any file is read: an
    /// unwritable report path exits 2 and writes nothing.
    public static func run(_ req: CheckRequest, rules: RuleSet, info: RunInfo, discovery: BackgroundDiscovery? = nil) -> Int32 {
        var options = ReporterOptions()
        options.grouping = req.grouping
        options.ruleIDs = rules.rules.map(\.id)
        options.htmlTemplate = req.htmlTemplate
        options.junitPerSeries = req.junitPerSeries
        var targets: [(String, String?)] = [(req.format.rawValue, req.output)]
        targets += req.reports.map { ($0.format, $0.path) }
        if let clash = sameFileOutputs(targets, baseline: req.writeBaseline) { writeError("error: \(clash)\n"); return 2 }
        for path in targets.compactMap(\.1) + [req.writeBaseline].compactMap({ $0 }) where ReportOutput.isDicomFile(path) {
            writeError("\(path): error: a DICOM file, which the report would overwrite (give the output another path)\n"); return 2
        }
        if let m = OutputGuard.overwrittenInput(outputs: targets.compactMap(\.1), writeBaseline: req.writeBaseline, req) { writeError(m + "\n"); return 2 }
        // (an unwritable --write-baseline was said after the whole run)
        if let path = req.writeBaseline, let e = Baseline.writableError(path) {
            writeError("\(path): error: cannot write the baseline: \(String(cString: strerror(e)))\n"); return 2
        }
        var outputs: [ReportOutput] = []
        var reporters: [any Reporter] = []
        func abandon() { for o in outputs { o.close() } }
        for (format, path) in targets {
            guard let type = ReportFormats.named(format) else {
                abandon(); writeError("error: unknown report format '\(format)'\n"); return 2
            }
            let out: ReportOutput
            if let path {
                guard let o = ReportOutput(path: path) else {
                    abandon(); writeError("\(path): error: cannot write the report: \(String(cString: strerror(errno)))\n"); return 2
                }
                out = o
            } else {
                out = ReportOutput(file: stdout)
            }
            outputs.append(out)
            do { reporters.append(try type.init(run: info, options: options, out: out)) }
            catch let e as HTMLReport.TemplateError { abandon(); writeError(e.description + "\n"); return 2 }
            catch { abandon(); writeError("\(path ?? "-"): error: \(error)\n"); return 2 }
        }
        let report = evaluate(req, rules: rules, keepFindings: false, commandLine: info.commandLine, discovery: discovery) { batch in
            for r in reporters { r.add(batch) }
        }
        let duration = info.elapsed
        for r in reporters { r.finish(report, duration: duration) }
        var cut = false
        for (o, (_, path)) in zip(outputs, targets) {
            if let e = o.closeReportingFailure() {
                writeError("\(path ?? "standard output"): error: cannot write the report: \(String(cString: strerror(e)))\n")
                cut = true
            }
        }
        if let path = req.writeBaseline, let b = report.newBaseline {
            guard b.write(to: path) else { writeError("\(path): error: cannot write the baseline: \(String(cString: strerror(errno)))\n"); return 2 }
        }
        if report.files == report.notDicom && !req.allowNoFiles && !report.incomplete {
            writeError(noFilesMessage(req, report) + "\n")
            return 2
        }
        return cut ? 2 : report.exitCode
    }

    /// Why a run checked nothing: no file under the paths, the
    /// include/exclude patterns (command line and config) left none, or
    /// none of the files is DICOM (a wrong folder, an archive not unpacked).
    static func noFilesMessage(_ req: CheckRequest, _ report: CheckReport) -> String {
        let paths = (report.paths.isEmpty ? req.paths : report.paths).joined(separator: " ")
        var m = "error: no file to check: "
        if report.notDicom > 0 {
            m += report.notDicom == 1 ? "the one file found under \(paths) is not DICOM" : "none of the \(report.notDicom) files found under \(paths) is DICOM"
        } else if report.filteredOut > 0 {
            var patterns: [String] = []
            if !req.include.isEmpty { patterns.append("include " + req.include.joined(separator: ", ")) }
            if !req.exclude.isEmpty { patterns.append("exclude " + req.exclude.joined(separator: ", ")) }
            m += "the patterns (\(patterns.joined(separator: "; "))) left none of the \(report.filteredOut) file\(report.filteredOut == 1 ? "" : "s") found under \(paths)"
        } else {
            m += "none found under \(paths)"
        }
        return m + " (--allow-no-files: exit 0)"
    }
}

/// A path glob (fnmatch; `*` also matches `/`, so `legacy/*` is every file
/// under legacy/). A glob without `/` also matches the file name alone.
func globMatch(_ pattern: String, _ path: String) -> Bool {
    if fnmatch(pattern, path, 0) == 0 { return true }
    if !pattern.contains("/"), let i = path.lastIndex(of: "/") { return fnmatch(pattern, String(path[path.index(after: i)...]), 0) == 0 }
    if pattern.hasPrefix("**/") { return globMatch(String(pattern.dropFirst(3)), path) }
    return false
}

/// What the report counts of a file besides its findings.
struct FileKeys: Sendable {
    var series: String?, study: String?, modality: String?
    /// Which of the run's config selectors hold for the file.
    var selectorHits: [Bool] = []
    /// The file's patient values to look for in paths (`PathRedactor`), unless --show-phi.
    var phiValues: [[UInt8]] = []
    /// Manufacturer, model, station name, software versions (`ComplianceTally`).
    var scanner: [String] = ["", "", "", ""]
    /// The rules not evaluated on the file, with their reasons (`--not-evaluated`).
    var notEvaluated = FileNotEvaluated()
    /// The findings whose texts name the file's path (`PathRedactor.findingsNaming`), unless --show-phi.
    var findingsNamingPath: [Int] = []
}

/// Where a report goes: standard output or a file, in 64 KiB writes.
/// A write that fails (a full disk, an I/O error) is remembered, with its
/// errno: `close` returns it, and the run exits 2 naming the report — the
/// failures used to be dropped and the run exited 0 with a cut report.
public final class ReportOutput {
    let file: UnsafeMutablePointer<FILE>
    let owned: Bool
    var buffer: [UInt8] = []
    /// The errno of the first write that failed.
    public private(set) var failure: Int32? = nil
    public init(file: UnsafeMutablePointer<FILE>) { self.file = file; owned = false; buffer.reserveCapacity(1 << 16) }
    /// Whether `path` is a DICOM Part 10 file ("DICM" at byte 128), which a
    /// report written there would destroy: `check --output scan.dcm DIR`
    /// (a path meant as an input) truncated the file, then read it as
    /// empty. Callers refuse such a path before anything is opened.
    public static func isDicomFile(_ path: String) -> Bool {
        // regular files only: reading a pipe (`--output /dev/stdout | cat`)
        // or a FIFO waits for bytes that never come
        var st = stat()
        guard OSPath.withCString(path, { stat($0, &st) }) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return false }
        guard let f = OSPath.withCString(path, { fopen($0, "rb") }) else { return false }
        defer { fclose(f) }
        var head = [UInt8](repeating: 0, count: 132)
        return fread(&head, 1, 132, f) == 132 && head[128...] == [0x44, 0x49, 0x43, 0x4D]
    }

    public init?(path: String) {
        guard let f = OSPath.withCString(path, { fopen($0, "wb") }) else { return nil }
        file = f; owned = true; buffer.reserveCapacity(1 << 16)
    }
    public func write(_ b: [UInt8]) {
        buffer.append(contentsOf: b)
        if buffer.count >= 1 << 16 { flush() }
    }
    /// Writes what is buffered; on standard output also through stdio's
    /// buffer, so that what follows on standard error (`dump`'s warnings)
    /// comes after it.
    func flush() {
        if failure == nil && !buffer.isEmpty {
            let n = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
            if n != buffer.count || (!owned && fflush(file) != 0) { failure = errno }
        }
        buffer.removeAll(keepingCapacity: true)
    }
    public func close() { _ = closeReportingFailure() }
    /// Writes what is left and closes; the errno of the first failed write, if any.
    public func closeReportingFailure() -> Int32? {
        flush()
        let r = owned ? fclose(file) : fflush(file)
        if r != 0 && failure == nil { failure = errno }
        return failure
    }
}

/// Per-thread state handed to worker threads: a thread gets back the
/// object it gave last, so what it remembers is about the files that thread
/// is on (`orderedParallelMap` hands a thread consecutive files: the series
/// of its shape memo, the patient of its `PHIValueCache`), not another
/// thread's.
final class PerThreadPool<T: AnyObject>: @unchecked Sendable {
    private var byThread: [UInt: T] = [:]
    private let mutex = Lock()
    private let make: () -> T
    init(_ make: @escaping () -> T) { self.make = make }
    func take() -> T {
        let me = Self.thread()
        return mutex.with { byThread.removeValue(forKey: me) } ?? make()
    }
    func give(_ e: T) {
        let me = Self.thread()
        mutex.with { byThread[me] = e }
    }
    private static func thread() -> UInt {
        #if canImport(Darwin)
        UInt(bitPattern: pthread_self())
        #else
        UInt(pthread_self())
        #endif
    }
    fileprivate var all: [T] { mutex.with { Array(byThread.values) } }
}

/// Evaluators (with their per-thread scratch and shape memo) handed to worker threads.
typealias EvaluatorPool = PerThreadPool<Evaluator>

extension PerThreadPool where T == Evaluator {
    convenience init() { self.init { Evaluator() } }
    /// The shape memos' counts over the pool's evaluators (`Evaluator.shapeMemoCounts`).
    func memoCounts() -> (whole: Int, partial: Int, evaluated: Int) {
        all.reduce((0, 0, 0)) { a, e in let c = e.shapeMemoCounts; return (a.0 + c.whole, a.1 + c.partial, a.2 + c.evaluated) }
    }
}

/// `DCMAUDIT_SHAPE_MEMO=stats`: how many files the shape memo replayed
/// whole, replayed in part, or evaluated (docs/architecture.md), on
/// standard error after the files are checked.
enum ShapeMemoStats {
    static let requested = getenv("DCMAUDIT_SHAPE_MEMO").map { String(cString: $0) == "stats" } ?? false
    static func print(_ c: (whole: Int, partial: Int, evaluated: Int)) {
        fputs("shape memo: \(c.whole) files replayed whole, \(c.partial) in part, \(c.evaluated) evaluated\n", stderr)
    }
}

/// Finds the built-in rule packs (`Rules/`, holding `dicom.core.yaml`)
/// wherever the binary is run from. It looks, in this order, at:
/// 1. each directory of `$DCMAUDIT_RULES` (colon-separated);
/// 2. `Rules/` next to the executable (a copied or installed binary);
/// 3. `Rules/` in each parent of the executable's directory, up to the root —
///    so `.build/release/dcmaudit` (its directory three levels under the
///    repository: `.build/<triple>/release`) finds the repository's `Rules/`;
/// 4. `share/dcmaudit/Rules` beside the `bin/` of an installed binary;
/// 5. `Rules/` in the current directory.
/// The executable is found through `/proc/self/exe`, else `argv[0]`.
public enum RulesLocator {
    public static func builtinRulesDirectory() -> String? {
        candidates().first { FileDiscovery.isFile($0 + "/dicom.core.yaml") }
    }

    public static func candidates() -> [String] {
        var out: [String] = []
        if let env = getenv("DCMAUDIT_RULES") {
            out += String(cString: env).split(separator: ":").map(String.init)
        }
        if let exe = executablePath() {
            var dir = parent(exe)
            out.append(dir + "/Rules")
            out.append(parent(dir) + "/share/dcmaudit/Rules")
            while dir != "/" && !dir.isEmpty {
                dir = parent(dir)
                out.append((dir == "/" ? "" : dir) + "/Rules")
            }
        }
        out.append("Rules")
        return out
    }

    static func executablePath() -> String? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        if n > 0 { return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        guard let a0 = CommandLine.arguments.first, a0.contains("/") else { return nil }
        var rp = [CChar](repeating: 0, count: 4096)
        return realpath(a0, &rp) != nil ? String(cString: rp) : a0
    }

    static func parent(_ p: String) -> String {
        guard let i = p.lastIndex(of: "/") else { return "." }
        return i == p.startIndex ? "/" : String(p[..<i])
    }
}

extension FileDiscovery {
    static func isFile(_ p: String) -> Bool {
        var st = stat()
        return stat(p, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }
}

