#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DcmData
import DcmDictionary
import DcmRules

/// Output formats of `dcmaudit check`.
public enum CheckFormat: String, CaseIterable, Sendable { case text, json }

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
    public var format: CheckFormat = .text
    public var grouping: CheckGrouping = .file
    public var output: String?
    public var failOn: FailOn = .error
    public var jobs: Int = 0
    public var showPHI = false
    /// Directory of built-in packs; found by `RulesLocator` when nil.
    public var builtinRules: String?
    public var readOptions = ReadOptions()
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
    public var files: Int
    public var unreadable: Int
    public var packs: [RulePack]
    public var rules: [RuleSummary]
    /// Every finding, when the run kept them (`evaluate(…, keepFindings: true)`).
    public var findings: [Finding]
    /// Number of findings per severity (kept or streamed).
    public var severityCounts: [Severity: Int]
    public var failOn: FailOn
    public var findingCount: Int { severityCounts.values.reduce(0, +) }
    public var exitCode: Int32 {
        severityCounts.contains { $0.value > 0 && failOn.trips($0.key) } ? 1 : 0
    }
}

/// The built-in rule `file.unreadable`: a file that cannot be read at all.
public enum Unreadable {
    public static let ruleID = "file.unreadable"
    public static let packID = "dcmaudit"
}

/// Runs `check`: loads the packs, discovers files, reads and evaluates them in
/// parallel (instance rules per file; series/study/patient/dataset rules fed
/// from per-file samples), and writes the report.
public enum CheckRunner {
    /// Loads the packs a request names (exit code 2 on pack errors).
    public static func loadRules(_ req: CheckRequest) throws -> RuleSet {
        let lib = req.builtinRules ?? RulesLocator.builtinRulesDirectory()
        var loader = PackLoader(libraries: lib.map { [$0] } ?? [])
        loader.buildExamples = false   // check never runs examples (rules test does)
        var ids = req.packIDs
        if ids.isEmpty && req.ruleFiles.isEmpty {
            guard lib != nil else {
                throw PackErrors([PackDiagnostic(SourceLocation(file: "dcmaudit", line: 1, column: 1),
                                                 "cannot find the built-in rule packs (Rules/): set DCMAUDIT_RULES to the directory that holds dicom.core.yaml")])
            }
            ids = CheckRequest.defaultPacks
        }
        return try loader.load(files: req.ruleFiles, ids: ids)
    }

    /// Evaluates the request's files. Findings go to `sink` as they are made
    /// (one batch per file, in input order, then one batch of series, study,
    /// patient and data-set findings), and are kept in the report only when
    /// `keepFindings` — so a streaming reporter holds no finding in memory.
    public static func evaluate(_ req: CheckRequest, rules: RuleSet, keepFindings: Bool = true,
                                sink: (([Finding]) -> Void)? = nil) -> CheckReport {
        let (files, problems) = FileDiscovery.expand(req.paths)
        let jobs = req.jobs > 0 ? req.jobs : systemCoreCount()
        var findings: [Finding] = []
        var severityCounts: [Severity: Int] = [:]
        var perRule: [String: Int] = [:]
        func deliver(_ batch: [Finding]) {
            guard !batch.isEmpty else { return }
            for f in batch { severityCounts[f.severity, default: 0] += 1; perRule[f.ruleID, default: 0] += 1 }
            if keepFindings { findings += batch }
            sink?(batch)
        }
        var counts = [OutcomeCounts](repeating: OutcomeCounts(), count: rules.rules.count)
        var unreadableCount = 0
        for p in problems {
            unreadableCount += 1
            deliver([unreadableFinding(p.path, reason: p.message, offset: nil)])
        }
        let aggregator = GroupAggregator(rules, showPHI: req.showPHI)
        let hasGroupRules = rules.rules.contains { if case .group = $0.check { return true }; return false }
        let pool = EvaluatorPool()
        let options = req.readOptions
        let showPHI = req.showPHI
        orderedParallelMap(count: files.count, jobs: jobs, work: { i -> Result<InstanceResult, ReadError> in
            let path = files[i]
            do {
                let file = try DicomReader.read(path: path, options: options)
                let ev = pool.take()
                defer { pool.give(ev) }
                return .success(ev.run(rules, on: file, path: path, showPHI: showPHI))
            } catch let e as ReadError {
                return .failure(e)
            } catch {
                return .failure(.ioError(reason: "\(error)", offset: 0))
            }
        }, emit: { i, r in
            switch r {
            case .success(let res):
                for (k, o) in res.outcomes.enumerated() { if let o { counts[k].add(o) } }
                deliver(res.findings)
                if hasGroupRules { aggregator.add(res.samples, path: files[i]) }
            case .failure(let e):
                unreadableCount += 1
                deliver([unreadableFinding(files[i], reason: "\(e)", offset: e.offset)])
            }
        })
        let (groupCounts, groupFindings) = aggregator.finish()
        deliver(groupFindings)
        var summaries: [RuleSummary] = []
        var unreadableCounts = OutcomeCounts()
        unreadableCounts.pass = files.count + problems.count - unreadableCount
        unreadableCounts.fail = unreadableCount
        summaries.append(RuleSummary(id: Unreadable.ruleID, packID: Unreadable.packID, title: "The file can be read as DICOM",
                                     severity: .error, level: .instance, counts: unreadableCounts, findings: unreadableCount))
        for (k, r) in rules.rules.enumerated() {
            var c = counts[k]
            if case .group = r.check { c.add(groupCounts[k]) }
            summaries.append(RuleSummary(id: r.id, packID: r.packID, title: r.title, severity: r.severity, level: r.level, counts: c, findings: perRule[r.id] ?? 0))
        }
        return CheckReport(paths: req.paths, files: files.count + problems.count, unreadable: unreadableCount, packs: rules.packs,
                           rules: summaries, findings: findings, severityCounts: severityCounts, failOn: req.failOn)
    }

    static func unreadableFinding(_ path: String, reason: String, offset: Int?) -> Finding {
        Finding(ruleID: Unreadable.ruleID, packID: Unreadable.packID, severity: .error, level: .instance,
                message: "cannot be read: \(reason)", file: path, offset: offset)
    }

    /// Runs the whole command; returns the exit code (0, 1, or 2 for pack
    /// and output errors).
    public static func run(_ req: CheckRequest) -> Int32 {
        let rules: RuleSet
        do { rules = try loadRules(req) }
        catch let e as PackErrors { writeError(e.description + "\n"); return 2 }
        catch { writeError("error: \(error)\n"); return 2 }
        let out: ReportOutput
        if let path = req.output {
            guard let o = ReportOutput(path: path) else {
                writeError("\(path): error: cannot write the report: \(String(cString: strerror(errno)))\n"); return 2
            }
            out = o
        } else {
            out = ReportOutput(file: stdout)
        }
        let report: CheckReport
        switch req.format {
        case .json:
            let w = JSONReporter.Stream(out)
            report = evaluate(req, rules: rules, keepFindings: false) { w.add($0) }
            w.finish(report)
        case .text:
            let t = TextReporter(grouping: req.grouping, ruleIDs: rules.rules.map(\.id))
            // by file: one block per file as it comes; by rule: kept until the end
            report = evaluate(req, rules: rules, keepFindings: req.grouping == .rule) { batch in
                guard req.grouping == .file else { return }
                var o = ByteOutput(capacity: 1024)
                t.writeBatch(batch, into: &o)
                out.write(o.bytes)
            }
            var o = ByteOutput(capacity: 1 << 14)
            t.writeEnd(report, into: &o)
            out.write(o.bytes)
        }
        out.close()
        return report.exitCode
    }
}

/// Where a report goes: standard output or a file, in 64 KiB writes.
public final class ReportOutput {
    let file: UnsafeMutablePointer<FILE>
    let owned: Bool
    var buffer: [UInt8] = []
    public init(file: UnsafeMutablePointer<FILE>) { self.file = file; owned = false; buffer.reserveCapacity(1 << 16) }
    public init?(path: String) {
        guard let f = fopen(path, "wb") else { return nil }
        file = f; owned = true; buffer.reserveCapacity(1 << 16)
    }
    public func write(_ b: [UInt8]) {
        buffer.append(contentsOf: b)
        if buffer.count >= 1 << 16 { flush() }
    }
    func flush() {
        buffer.withUnsafeBytes { _ = fwrite($0.baseAddress, 1, $0.count, file) }
        buffer.removeAll(keepingCapacity: true)
    }
    public func close() {
        flush()
        if owned { fclose(file) } else { fflush(file) }
    }
}

/// Evaluators (with their per-thread scratch) handed to worker threads.
final class EvaluatorPool: @unchecked Sendable {
    private var free: [Evaluator] = []
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func take() -> Evaluator {
        pthread_mutex_lock(&mutex); defer { pthread_mutex_unlock(&mutex) }
        return free.popLast() ?? Evaluator()
    }
    func give(_ e: Evaluator) {
        pthread_mutex_lock(&mutex); defer { pthread_mutex_unlock(&mutex) }
        free.append(e)
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
