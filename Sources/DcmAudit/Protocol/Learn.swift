import Foundation
#if canImport(Glibc)
import Glibc
#endif
import DcmData
import DcmDictionary
import DcmRules

/// What `dcmaudit learn` was asked to do.
public struct LearnRequest: Sendable {
    public var paths: [String]
    public var packID = "learned.protocol"
    public var jobs = 0
    public var readOptions = ReadOptions()
    /// The file the pack is written to (`-o`): not read as a reference file
    /// when it lies under a reference folder.
    public var output: String?
    /// The command line, written in the pack's header comment.
    public var commandLine: [String] = ["dcmaudit", "learn"]
    /// File paths in the pack and the warnings as given, even when a folder
    /// is named after a patient (otherwise redacted, as in `check`'s reports).
    public var showPHI = false
    public init(paths: [String]) { self.paths = paths }
}

/// A learned protocol pack and what `learn` noticed on the way.
public struct LearnResult: Sendable {
    public var yaml: String
    /// The reference is not self-consistent, or a series could not be used.
    public var warnings: [String]
    public var sessions: Int
    public var series: Int
    public var excluded: Int
    public var files: Int
    public var unreadable: Int
    public var acquisitions: Int
}

/// Reads files and groups their samples into sessions and series (`learn`,
/// `check --infer-protocol`).
enum SeriesReader {
    /// With `redactor`, the patient values of every file read are learnt,
    /// to redact paths named after patients (PathRedaction.swift).
    static func collect(_ paths: [String], spec: ProtocolSpec, jobs: Int, options: ReadOptions,
                        redactor: PathRedactor? = nil, excluding: [String] = []) -> (ProtocolCollector, files: Int, unreadable: [String]) {
        let (files, problems) = FileDiscovery.expand(paths, excluding: excluding)
        let collector = ProtocolCollector(spec)
        var unreadable = problems.map { "\($0.path): \($0.message)" }
        let pool = EvaluatorPool()
        let wantValues = redactor != nil
        orderedParallelMap(count: files.count, jobs: jobs > 0 ? jobs : systemCoreCount(), work: { i -> Result<(ProtocolSample, [[UInt8]]), Error> in
            do {
                let f = try DicomReader.read(path: files[i], options: options)
                let ev = pool.take()
                defer { pool.give(ev) }
                return .success((ev.protocolSample(spec, f, order: i), wantValues ? PathRedactor.values(of: f.dataSet) : []))
            } catch { return .failure(error) }
        }, emit: { i, r in
            switch r {
            case .success(let (s, values)): collector.add(s, path: files[i]); redactor?.learn(values)
            case .failure(let e): unreadable.append("\(files[i]): \(e)")
            }
        })
        return (collector, files.count + problems.count, unreadable)
    }
}

/// `dcmaudit learn`: a protocol pack from reference sessions (docs/protocols.md).
///
/// Series are grouped into acquisitions by Modality and SeriesDescription (or
/// ProtocolName), and by ImageType when one description has several. Each
/// acquisition gets the modality's parameters (``LearnParameters``) with the
/// value most reference series share, and per scanner model an override with
/// its software version (and Siemens CSA values). A parameter with other
/// values in other reference series, or an acquisition missing from some
/// reference sessions, is a warning: the reference is not self-consistent.
public enum ProtocolLearner {
    struct AcqKey: Hashable { var modality: String; var description: String; var imageType: String }

    public static func learn(_ req: LearnRequest) throws -> LearnResult {
        let names = LearnParameters.all.map(\.name).filter { $0 != seriesInstancesParameter }
        let spec = try ProtocolSpec.collecting(attributes: names)
        let redactor: PathRedactor? = req.showPHI ? nil : PathRedactor()
        let (c, files, unreadable) = SeriesReader.collect(req.paths, spec: spec, jobs: req.jobs, options: req.readOptions, redactor: redactor,
                                                          excluding: req.output.map { [$0] } ?? [])
        var r = learn(c, request: req, redact: { redactor?.redact($0) ?? $0 })
        r.files = files
        r.unreadable = unreadable.count
        r.warnings = unreadable.map { "cannot read \(redactor?.redact($0) ?? $0)" } + r.warnings
        return r
    }

    /// The series of one acquisition, with its key and name.
    struct Group { var key: AcqKey; var name: String; var series: [SeriesRecord] }

    static func learn(_ c: ProtocolCollector, request req: LearnRequest, redact: (String) -> String = { $0 }) -> LearnResult {
        let spec = c.spec
        var warnings: [String] = []
        let sessions = c.sessions
        var order: [AcqKey] = []
        var byKey: [AcqKey: [SeriesRecord]] = [:]
        var excluded = 0
        for r in c.records {
            if r.excludedBy != nil { excluded += 1; continue }
            guard let d = r.info("SeriesDescription") ?? r.info("ProtocolName") else {
                warnings.append("\(redact(r.firstFile)): \(r.label) has no SeriesDescription or ProtocolName to be recognised by: left out")
                continue
            }
            let k = AcqKey(modality: r.info("Modality") ?? "", description: d, imageType: r.info("ImageType") ?? "")
            if byKey[k] == nil { order.append(k) }
            byKey[k, default: []].append(r)
        }
        let descriptionCount = Dictionary(grouping: order, by: \.description).mapValues(\.count)
        var used = Set<String>()
        var groups: [Group] = []
        for k in order {
            var base = slug(k.description), name = base, n = 2
            if descriptionCount[k.description]! > 1, let last = k.imageType.split(separator: "\\").dropFirst(2).first { base += "-" + slug(String(last)); name = base }
            while !used.insert(name).inserted { name = "\(base)-\(n)"; n += 1 }
            groups.append(Group(key: k, name: name, series: byKey[k]!))
        }
        var y = ""
        y += "# Written by dcmaudit learn \(dcmauditVersion) (docs/protocols.md) from \(sessions.count) reference session\(sessions.count == 1 ? "" : "s"):\n"
        y += "#   \(comment(req.commandLine.map(redact).joined(separator: " ")))\n"
        y += "# \(c.records.count) series (\(excluded) excluded), \(groups.count) acquisition\(groups.count == 1 ? "" : "s"). Edit freely: match\n"
        y += "# patterns, tolerances, required; add overrides per scanner.\n"
        y += "pack: \(req.packID)\nversion: 1\n"
        y += "title: \(quote("Protocol learned from \(sessions.count) reference session\(sessions.count == 1 ? "" : "s")"))\n"
        y += "protocol:\n  session: StudyInstanceUID\n"
        y += "  exclude: [\(BuiltinExclusions.all.map(\.name).joined(separator: ", "))]\n"
        y += "  severity: error        # parameter deviations, missing and ambiguous series\n"
        y += "  unexpected: warning    # series matching no acquisition (or: ignore)\n"
        y += "  acquisitions:\n"
        for g in groups {
            let sessionsWith = Set(g.series.map(\.session))
            let scanners = uniq(g.series.map { scannerName($0) })
            y += "    # " + comment("\(g.key.description) (\(g.key.modality)): \(g.series.count) series in \(sessionsWith.count) of \(sessions.count) session\(sessions.count == 1 ? "" : "s"); \(scanners.joined(separator: ", "))") + "\n"
            y += "    - name: \(g.name)\n"
            var match = ["Modality: \(selectorValue(g.key.modality))", "SeriesDescription: \(selectorValue(g.key.description))"]
            if g.series[0].info("SeriesDescription") == nil { match[1] = "ProtocolName: \(selectorValue(g.key.description))" }
            if descriptionCount[g.key.description]! > 1 { match.append("ImageType: {equals: [\(g.key.imageType.split(separator: "\\", omittingEmptySubsequences: false).map { quote(String($0)) }.joined(separator: ", "))]}") }
            y += "      match: {\(match.joined(separator: ", "))}\n"
            if sessionsWith.count < sessions.count {
                y += "      required: false    # in \(sessionsWith.count) of the \(sessions.count) reference sessions\n"
                warnings.append("reference not self-consistent: acquisition \(g.name) (\(g.key.description)) is in \(sessionsWith.count) of \(sessions.count) reference sessions; written with required: false")
            }
            let params = LearnParameters.list(for: g.key.modality)
            let body = parameterLines(params, g.series, spec: spec, indent: "        ", what: "acquisition \(g.name) (\(g.key.description))", warnings: &warnings, redact: redact)
            y += body.isEmpty ? "      parameters: {}\n" : "      parameters:\n" + body
            var overrides = ""
            for scanner in uniq(g.series.map { ScannerKey($0) }) {
                let members = g.series.filter { ScannerKey($0) == scanner }
                var ps = LearnParameters.perScanner
                ps += LearnParameters.vendor(scanner.manufacturer)
                let lines = parameterLines(ps, members, spec: spec, indent: "            ", what: "acquisition \(g.name) (\(g.key.description)) on \(scanner.text)", warnings: &warnings, redact: redact)
                guard !lines.isEmpty else { continue }
                var when = ["Manufacturer: \(selectorValue(scanner.manufacturer))"]
                if let m = scanner.model { when.append("ManufacturerModelName: \(selectorValue(m))") }
                overrides += "        - when: {\(when.joined(separator: ", "))}\n          parameters:\n" + lines
            }
            if !overrides.isEmpty { y += "      overrides:\n" + overrides }
        }
        return LearnResult(yaml: y, warnings: warnings, sessions: sessions.count, series: c.records.count, excluded: excluded,
                           files: 0, unreadable: 0, acquisitions: groups.count)
    }

    struct ScannerKey: Hashable {
        var manufacturer: String, model: String?
        init(_ r: SeriesRecord) { manufacturer = r.info("Manufacturer") ?? ""; model = r.info("ManufacturerModelName") }
        var text: String { manufacturer + (model.map { " " + $0 } ?? "") }
    }
    static func scannerName(_ r: SeriesRecord) -> String { ScannerKey(r).text }

    /// A series' value of a parameter: its distinct values (sorted; `nil`: absent).
    static func values(_ p: LearnedParameter, _ r: SeriesRecord, spec: ProtocolSpec) -> [String?] {
        if p.name == seriesInstancesParameter { return [String(r.instances)] }
        guard let i = spec.refIndex(p.name) else { return [nil] }
        return r.values[i].values.map(\.value).sorted { ($0 ?? "") < ($1 ?? "") }
    }

    /// The YAML lines of the parameters present in `series`, each with the
    /// value most series share; differing series are warned about.
    static func parameterLines(_ params: [LearnedParameter], _ series: [SeriesRecord], spec: ProtocolSpec, indent: String,
                               what: String, warnings: inout [String], redact: (String) -> String = { $0 }) -> String {
        var out = ""
        for p in params {
            // numbers that vary within series (a modulated tube current, a per-slice CTDIvol):
            // the range of every reference series, widened by the tolerance
            let all = series.map { values(p, $0, spec: spec) }
            if case .exact = p.tolerance {} else if all.contains(where: { $0.count > 1 }),
               let flat = Optional(all.flatMap { $0 }), flat.allSatisfy({ $0 != nil && !$0!.contains("\\") }),
               let nums = Optional(flat.compactMap { Double($0!.trimmingCharacters(in: .whitespaces)) }), nums.count == flat.count,
               let lo = nums.min(), let hi = nums.max() {
                let range = "{range: [\(format(lo - (tolerance(p, lo) ?? 0))), \(format(hi + (tolerance(p, hi) ?? 0)))]}"
                out += "\(indent)\(p.name): \(range)    # values vary within series: the range of \(series.count) reference series, widened by the tolerance (\(p.note))\n"
                continue
            }
            // variants: distinct value sets, with their series, in first-seen order
            var variants: [(values: [String?], series: [SeriesRecord])] = []
            for r in series {
                let v = values(p, r, spec: spec)
                if let i = variants.firstIndex(where: { equivalent($0.values, v, p, reference: $0.values) }) { variants[i].series.append(r) }
                else { variants.append((v, [r])) }
            }
            guard let dominant = variants.max(by: { $0.series.count < $1.series.count }) else { continue }
            if dominant.values.allSatisfy({ $0 == nil }) && variants.count == 1 { continue }   // absent from the reference
            guard let expectation = expectation(dominant.values, p) else { continue }
            var comment = p.note
            if variants.count > 1 {
                // a variant within the dominant's tolerance was merged above: these differ
                let sorted = variants.sorted { $0.series.count > $1.series.count }
                let more = sorted.count > 4 ? "; and \(sorted.count - 4) more variants" : ""
                let desc = sorted.prefix(4).map { v in
                    "\(show(v.values)) in \(v.series.count) series (\(uniq(v.series.map { redact(shortPath($0.firstFile)) }).prefix(3).joined(separator: ", ")))"
                }.joined(separator: "; ") + more
                warnings.append("reference not self-consistent: \(what): \(p.name) is \(desc); wrote \(show(dominant.values))")
                comment = "reference not self-consistent: " + sorted.prefix(4).map { "\(show($0.values)) (\($0.series.count) series)" }.joined(separator: ", ")
                    + (sorted.count > 4 ? ", and \(sorted.count - 4) more" : "")
            }
            out += "\(indent)\(p.name): \(expectation)" + (comment.isEmpty ? "" : "    # " + Self.comment(comment)) + "\n"
        }
        return out
    }

    /// A file as the user named it (relative paths stay relative).
    static func shortPath(_ p: String) -> String { p }

    static func show(_ v: [String?]) -> String { v.map { $0 ?? "(absent)" }.joined(separator: " | ") }

    static func tolerance(_ p: LearnedParameter, _ value: Double) -> Double? {
        switch p.tolerance {
        case .exact: return nil
        case .absolute(let t): return t
        case .relative(let f):
            let t = abs(value) * f
            guard t > 0 else { return 0 }
            let mag = pow(10, floor(log10(t)) - 1)   // two significant digits
            return (t / mag).rounded() * mag
        }
    }

    static func numbers(_ v: String) -> [Double]? {
        let parts = v.split(separator: "\\", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        return parts.contains { $0 == nil } ? nil : parts.map { $0! }
    }

    /// Whether two series' value sets are the same within the parameter's
    /// tolerance (taken from `reference`, the first variant's values).
    static func equivalent(_ a: [String?], _ b: [String?], _ p: LearnedParameter, reference: [String?]) -> Bool {
        guard a.count == b.count else { return false }
        for (x, z) in zip(a, b) {
            if x == z { continue }
            guard let x, let z, let nx = numbers(x), let nz = numbers(z), nx.count == nz.count else { return false }
            for (u, w) in zip(nx, nz) {
                let t = tolerance(p, u) ?? 0
                if abs(u - w) > t + 1e-9 { return false }
            }
        }
        return true
    }

    /// The YAML flow of the expected value, `nil` when it cannot be written.
    static func expectation(_ vs: [String?], _ p: LearnedParameter) -> String? {
        let present = vs.compactMap { $0 }
        if present.isEmpty { return "{absent: true}" }
        if vs.count > 1 {
            // several values in one series: the echo times of a multi-echo series (in),
            // a modulated tube current (a range widened by the tolerance)
            guard present.count == vs.count, present.allSatisfy({ !$0.contains("\\") }) else { return nil }
            let ns = present.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            if ns.count == present.count, let lo = ns.min(), let hi = ns.max(), let t = tolerance(p, hi), t > 0 {
                return "{range: [\(format(lo - (tolerance(p, lo) ?? t))), \(format(hi + t))]}"
            }
            return "{in: [\(present.map { numbers($0) != nil ? $0 : quote($0) }.joined(separator: ", "))]}"
        }
        let v = present[0]
        let comps = v.split(separator: "\\", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
        if let ns = numbers(v), let first = ns.first, let t = tolerance(p, first) {
            let ts = format(t)
            if comps.count == 1 { return "{equals: \(comps[0]), tolerance: \(ts)}" }
            if Set(ns).count == 1 { return "{each: {equals: \(comps[0]), tolerance: \(ts)}}" }
        }
        if comps.count == 1 { return quote(comps[0]) }
        return "{equals: [\(comps.map { quote($0) }.joined(separator: ", "))]}"
    }

    static func format(_ d: Double) -> String {
        var s = String(format: "%.6f", d)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// A selector's expected value: the text, or for a value of several — a
    /// `\` in a description is DICOM's value separator (`T1\MPRAGE` is two
    /// values) — the list of them, which `equals` compares value by value
    /// ("T1\\MPRAGE" matched no series of the reference).
    static func selectorValue(_ s: String) -> String {
        let comps = s.split(separator: "\\", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
        return comps.count == 1 ? quote(s) : "{equals: [\(comps.map { quote($0) }.joined(separator: ", "))]}"
    }

    /// Text for a YAML comment: a value's line break (LF, CR, NEL, U+2028,
    /// U+2029, which YAML breaks lines at too) would end the comment and put
    /// the rest of the value into the pack, and the characters YAML does not
    /// allow in a stream (C0 but tab, DEL, C1, U+FFFE, U+FFFF) stop it from
    /// loading: each is U+FFFD.
    static func comment(_ s: String) -> String {
        var o = String.UnicodeScalarView()
        for ch in s.unicodeScalars {
            switch ch.value {
            case 0x09: o.append(ch)
            case 0..<0x20, 0x7F...0x9F, 0x2028, 0x2029, 0xFFFE, 0xFFFF: o.append("\u{FFFD}")
            default: o.append(ch)
            }
        }
        return String(o)
    }

    /// A YAML double-quoted scalar (YAML 1.1 §5.7 escapes; libYAML reads
    /// them): every character YAML would not keep as it is escaped — the
    /// line separators U+2028/U+2029 would be folded into a space, U+FFFE
    /// and U+FFFF are not allowed in a stream.
    static func quote(_ s: String) -> String {
        var o = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": o += "\\\""
            case "\\": o += "\\\\"
            case "\n": o += "\\n"
            case "\r": o += "\\r"
            case "\t": o += "\\t"
            // other C0 controls, DEL and the C1 range are not printable in YAML (YAML 1.2 §5.1)
            case _ where ch.value < 0x20 || (ch.value >= 0x7F && ch.value < 0xA0):
                o += "\\x" + String(ch.value, radix: 16, uppercase: true).leftPadded(to: 2)
            case "\u{2028}": o += "\\L"
            case "\u{2029}": o += "\\P"
            case "\u{FFFE}", "\u{FFFF}": o += "\\u" + String(ch.value, radix: 16, uppercase: true)
            default: o.unicodeScalars.append(ch)
            }
        }
        return o + "\""
    }

    static func slug(_ s: String) -> String {
        var o = "", dash = false
        for ch in s.lowercased().unicodeScalars {
            if (ch.isASCII && ch.properties.isAlphabetic) || ("0"..."9").contains(ch) { o.unicodeScalars.append(ch); dash = false }
            else if !dash && !o.isEmpty { o += "-"; dash = true }
        }
        while o.hasSuffix("-") { o.removeLast() }
        return o.isEmpty ? "acquisition" : o
    }

    static func uniq<T: Hashable>(_ a: [T]) -> [T] {
        var seen = Set<T>()
        return a.filter { seen.insert($0).inserted }
    }
}

extension ProtocolLearner {
    /// Runs `dcmaudit learn`: writes the pack to `output` (standard output
    /// when nil) and the warnings to standard error. Exit code 0; 1 with
    /// `strict` when the reference is not self-consistent or a file cannot be
    /// read; 2 when there is nothing to learn from or the output cannot be written.
    public static func run(_ req: LearnRequest, output: String?, strict: Bool) -> Int32 {
        let id = req.packID
        let validID = !id.isEmpty && !id.hasPrefix(".") && !id.hasSuffix(".") && !id.contains("..")
            && id.unicodeScalars.allSatisfy { ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0) }
        guard validID else {
            writeError("error: --pack-id '\(id)' must be dotted words of letters, digits, '-' and '_' (e.g. 'site.brain-protocol')\n")
            return 2
        }
        // the output is opened before any file is read (and removed if nothing is learned)
        var file: ReportOutput? = nil
        if let output {
            if ReportOutput.isDicomFile(output) { writeError("\(output): error: a DICOM file, which the protocol would overwrite (give -o another path)\n"); return 2 }
            guard let o = ReportOutput(path: output) else { writeError("\(output): error: cannot write the protocol: \(String(cString: strerror(errno)))\n"); return 2 }
            file = o
        }
        func abandon() { if let file, let output { file.close(); unlink(output) } }
        let r: LearnResult
        var req = req
        req.output = output
        do { r = try learn(req) } catch { abandon(); writeError("error: \(error)\n"); return 2 }
        // (a value's control characters, ESC or a line break, as U+FFFD: as in check's console report)
        for w in r.warnings { writeError("warning: " + ByteOutput.controlsReplaced(w, keepingLineBreaks: false) + "\n") }
        guard r.acquisitions > 0 else {
            abandon()
            writeError("error: no acquisition to learn from in \(req.paths.joined(separator: ", ")) (\(r.files) files, \(r.series) series, \(r.excluded) excluded)\n")
            return 2
        }
        // the pack must load: a failure here is a bug of learn, not of the reference
        do { _ = try PackLoader().compile(text: r.yaml, file: output ?? "<learned>") }
        catch { abandon(); writeError("error: the learned pack does not compile (a dcmaudit bug):\n\(error)\n"); return 2 }
        let o = file ?? ReportOutput(file: stdout)
        o.write(Array(r.yaml.utf8))
        if let e = o.closeReportingFailure() {
            writeError("\(output ?? "standard output"): error: cannot write the protocol: \(String(cString: strerror(e)))\n")
            return 2
        }
        writeError("learned \(r.acquisitions) acquisition\(r.acquisitions == 1 ? "" : "s") from \(r.sessions) session\(r.sessions == 1 ? "" : "s") (\(r.series) series, \(r.excluded) excluded, \(r.files) files)\(output.map { " into " + $0 } ?? "")\n")
        return strict && !r.warnings.isEmpty ? 1 : 0
    }
}

private extension String {
    func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
