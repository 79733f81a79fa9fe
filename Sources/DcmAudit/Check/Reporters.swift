import DcmRules

/// `--format json`: the check report, schema version 1, described by
/// `docs/schema/check-report.schema.json`. Keys are stable; optional finding
/// fields are left out when they have no value. No times, so that reports of
/// the same input are byte-identical.
public enum JSONReporter {
    public static let schemaVersion = 1

    /// The whole report from kept findings (the library and tests); the same
    /// bytes as streaming them.
    public static func write(_ r: CheckReport, run: RunInfo? = nil, duration: Double = 0, into o: inout ByteOutput) {
        head(run, &o)
        for (i, f) in r.findings.enumerated() { o.write(i == 0 ? "\n    " : ",\n    "); finding(f, &o) }
        tail(r, any: !r.findings.isEmpty, run: run, duration: duration, &o)
    }

    /// Writes findings as they come: the findings array first, then the run,
    /// packs, per-rule counts and totals (JSON object keys are unordered).
    public final class Stream {
        let out: ReportSink
        let run: RunInfo?
        var count = 0
        public init(_ out: ReportSink, run: RunInfo? = nil) {
            self.out = out
            self.run = run
            var o = ByteOutput(capacity: 256)
            JSONReporter.head(run, &o)
            out.write(o.bytes)
        }
        public func add(_ batch: [Finding]) {
            var o = ByteOutput(capacity: 512 * batch.count)
            batch.withUnsafeBufferPointer { batch in   // (each finding borrowed, not copied)
                for k in batch.indices {
                    o.write(count == 0 ? "\n    " : ",\n    ")
                    JSONReporter.finding(batch.baseAddress! + k, &o)
                    count += 1
                }
            }
            out.write(o.bytes)
        }
        public func finish(_ r: CheckReport, duration: Double = 0) {
            var o = ByteOutput(capacity: 4096)
            JSONReporter.tail(r, any: count > 0, run: run, duration: duration, &o)
            out.write(o.bytes)
        }
    }

    static func head(_ run: RunInfo?, _ o: inout ByteOutput) {
        o.write("{\n  \"schemaVersion\": "); o.write(String(schemaVersion))
        o.write(",\n  \"tool\": {\"name\": \"dcmaudit\", \"version\": "); o.jsonString(run?.toolVersion ?? dcmauditVersion); o.write("}")
        if let run, run.showPHI { o.write(",\n  \"notice\": "); o.jsonString(phiShownNotice) }
        o.write(",\n  \"findings\": [")
    }

    static func tail(_ r: CheckReport, any: Bool, run: RunInfo? = nil, duration: Double = 0, _ o: inout ByteOutput) {
        o.write(any ? "\n  ]" : "]")
        // at the end, so that the command line's paths are redacted with every patient value of the run
        if let run {
            o.write(",\n  \"invocation\": {\"commandLine\": ["); list(r.commandLine(run), &o)
            o.write("], \"startTime\": "); o.jsonString(run.startTime)
            o.write(", \"phiShown\": \(run.showPHI)}")
        }
        o.write(",\n  \"run\": {\"paths\": ["); list(r.paths, &o)
        o.write("], \"files\": \(r.files), \"unreadable\": \(r.unreadable), \"notDicom\": \(r.notDicom), \"baselined\": \(r.baselined), \"waived\": \(r.waivedCount), \"failOn\": \"\(r.failOn.rawValue)\", \"exitCode\": \(r.exitCode)")
        if r.incomplete { o.write(", \"incomplete\": true, \"filesChecked\": \(r.filesChecked)") }
        if let run { o.write(", \"durationSeconds\": " + RunInfo.seconds(run.duration(measured: duration))) }
        o.write("}")
        o.write(",\n  \"packs\": [")
        for (i, p) in r.packs.enumerated() {
            o.write(i == 0 ? "\n    " : ",\n    ")
            o.write("{\"id\": "); o.jsonString(p.id)
            o.write(", \"version\": "); o.jsonString(p.version)
            if let t = p.title { o.write(", \"title\": "); o.jsonString(t) }
            o.write(", \"path\": "); o.jsonString(p.path)
            if let h = run?.packs.first(where: { $0.id == p.id && $0.path == p.path })?.sha256, !h.isEmpty { o.write(", \"sha256\": \"\(h)\"") }
            o.write(", \"rules\": \(p.rules.count)}")
        }
        o.write(r.packs.isEmpty ? "]" : "\n  ]")
        o.write(",\n  \"rules\": [")
        var total = OutcomeCounts()
        for (i, s) in r.rules.enumerated() {
            total.add(s.counts)
            o.write(i == 0 ? "\n    " : ",\n    ")
            o.write("{\"id\": "); o.jsonString(s.id)
            o.write(", \"pack\": "); o.jsonString(s.packID)
            o.write(", \"severity\": \"\(s.severity.rawValue)\", \"level\": \"\(s.level.rawValue)\"")
            o.write(", \"counts\": "); counts(s.counts, &o)
            o.write(", \"findings\": \(s.findings)}")
        }
        o.write(r.rules.isEmpty ? "]" : "\n  ]")
        if !r.waived.isEmpty {
            o.write(",\n  \"waivers\": [")
            for (i, w) in r.waived.enumerated() {
                o.write(i == 0 ? "\n    " : ",\n    ")
                o.write("{\"rule\": "); str(w.rule, &o); o.write(", \"reason\": "); str(w.reason, &o)
                if let e = w.expires { o.write(", \"expires\": "); str(e, &o) }
                if !w.paths.isEmpty { o.write(", \"paths\": ["); list(w.paths, &o); o.write("]") }
                if let s = w.when { o.write(", \"when\": "); str(s, &o) }
                o.write(", \"count\": \(w.count), \"findings\": [")
                for (j, f) in w.findings.enumerated() { o.write(j == 0 ? "\n      " : ",\n      "); finding(f, &o) }
                o.write(w.findings.isEmpty ? "]}" : "\n    ]}")
            }
            o.write("\n  ]")
        }
        r.notEvaluated.writeJSON(&o)   // rules not evaluated, per rule and reason (NotEvaluatedReports.swift)
        compliance(r.compliance, &o)
        if !r.protocols.isEmpty { ProtocolTables.json(r.protocols, &o) }   // protocol compliance (docs/protocols.md)
        let c = r.severityCounts
        o.write(",\n  \"totals\": {\"findings\": \(r.findingCount), \"error\": \(c[.error] ?? 0), \"warning\": \(c[.warning] ?? 0), \"info\": \(c[.info] ?? 0), \"outcomes\": ")
        counts(total, &o)
        o.write("}\n}\n")
    }

    /// Files and series with errors, with warnings only, clean: over all and per scanner.
    static func compliance(_ c: Compliance, _ o: inout ByteOutput) {
        func counts(_ c: ComplianceCounts) -> String { "{\"errors\": \(c.errors), \"warnings\": \(c.warnings), \"clean\": \(c.clean)}" }
        o.write(",\n  \"compliance\": {\"files\": " + counts(c.files) + ", \"series\": " + counts(c.series) + ", \"scanners\": [")
        for (i, s) in c.scanners.enumerated() {
            o.write(i == 0 ? "\n    " : ",\n    ")
            o.write("{\"manufacturer\": "); str(s.manufacturer, &o); o.write(", \"model\": "); str(s.model, &o)
            o.write(", \"station\": "); str(s.station, &o); o.write(", \"softwareVersions\": "); str(s.softwareVersions, &o)
            o.write(", \"files\": " + counts(s.files) + ", \"series\": " + counts(s.series) + "}")
        }
        o.write(c.scanners.isEmpty ? "]}" : "\n  ]}")
    }

    static func counts(_ c: OutcomeCounts, _ o: inout ByteOutput) {
        o.write("{\"pass\": \(c.pass), \"fail\": \(c.fail), \"notApplicable\": \(c.notApplicable), \"notEvaluated\": \(c.notEvaluated)}")
    }

    /// A JSON string (`ByteOutput.jsonString`: runs without escapes copied whole).
    @inline(__always) static func str(_ s: String, _ o: inout ByteOutput) {
        o.jsonString(s)
    }

    static func list(_ items: [String], _ o: inout ByteOutput) {
        for (i, s) in items.enumerated() { if i > 0 { o.write(", ") }; str(s, &o) }
    }

    static func finding(_ f: borrowing Finding, _ o: inout ByteOutput) {
        withUnsafePointer(to: f) { finding($0, &o) }
    }

    /// `finding` read through a pointer: the fields read in place, not the finding copied.
    static func finding(_ f: UnsafePointer<Finding>, _ o: inout ByteOutput) {
        o.write("{"); findingFields(f, &o); o.write("}")
    }

    /// A finding's fields, written piece by piece (no temporary strings: this
    /// runs for every finding).
    static func findingFields(_ f: borrowing Finding, _ o: inout ByteOutput) {
        withUnsafePointer(to: f) { findingFields($0, &o) }
    }

    static func findingFields(_ f: UnsafePointer<Finding>, _ o: inout ByteOutput) {
        o.write("\"rule\": "); str(f.pointee.ruleTexts.ruleID, &o)
        o.write(", \"pack\": "); str(f.pointee.ruleTexts.packID, &o)
        o.write(", \"severity\": \""); o.write(f.pointee.severity.rawValue)
        o.write("\", \"level\": \""); o.write(f.pointee.level.rawValue); o.write("\"")
        o.write(", \"message\": "); str(f.pointee.message, &o)
        func opt(_ k: StaticString, _ v: String?, _ o: inout ByteOutput) {
            guard let v else { return }
            o.write(", \""); o.write(k); o.write("\": "); str(v, &o)
        }
        if let rest = f.pointee.becauseReason {   // (its parts, not joined)
            o.write(", \"because\": ")
            if f.pointee.becauseHasWhen { o.jsonString(f.pointee.ruleTexts.when, " and ", rest) } else { str(rest, &o) }
        }
        opt("file", f.pointee.fileTexts.file, &o)
        if !f.pointee.relatedFiles.isEmpty { o.write(", \"relatedFiles\": ["); list(f.pointee.relatedFiles, &o); o.write("]") }
        opt("attribute", f.pointee.attribute, &o)
        opt("observed", f.pointee.observed, &o)
        opt("expected", f.pointee.expected, &o)
        opt("reference", f.pointee.ruleTexts.reference, &o)
        if let off = f.pointee.offset { o.write(", \"offset\": "); o.write(String(off)) }
        opt("sopInstanceUID", f.pointee.fileTexts.sopInstanceUID, &o)
        opt("seriesInstanceUID", f.pointee.fileTexts.seriesInstanceUID, &o)
        opt("studyInstanceUID", f.pointee.fileTexts.studyInstanceUID, &o)
    }
}

/// The console report: findings grouped by file (default) or by rule, then
/// the per-rule outcome counts and totals.
public struct TextReporter {
    public var grouping: CheckGrouping
    /// Width of the rule-id column: the longest rule id of the run.
    public var idWidth: Int
    public init(grouping: CheckGrouping, ruleIDs: [String] = []) {
        self.grouping = grouping
        // (characters counted only for ids that are not ASCII: grapheme breaking of
        // every pack's ~4,600 ids was ~1% of a one-file check)
        var longest = "file.unreadable".utf8.count
        for id in ruleIDs {
            let n = id.utf8.count
            guard n > longest else { continue }
            longest = id.utf8.contains { $0 >= 0x80 } ? max(longest, id.count) : n
        }
        idWidth = min(40, max(16, longest) + 2)
    }
    public init(grouping: CheckGrouping, report: CheckReport) { self.init(grouping: grouping, ruleIDs: report.rules.map(\.id)) }

    /// The whole report from kept findings.
    public func write(_ r: CheckReport, into o: inout ByteOutput) {
        if grouping == .file {
            var i = 0
            while i < r.findings.count {
                // one batch per file (instance findings), then the group findings
                var j = i + 1
                while j < r.findings.count, r.findings[j].file == r.findings[i].file, r.findings[j].level == r.findings[i].level,
                      r.findings[i].level == .instance { j += 1 }
                if r.findings[i].level != .instance { j = r.findings.count }
                writeBatch(Array(r.findings[i..<j]), into: &o)
                i = j
            }
        }
        writeEnd(r, into: &o)
    }

    /// One finding's line (and its "because" line), written piece by piece
    /// into `o`: no temporary strings, and the finding read through a pointer,
    /// field by field (passed by value it was copied whole — a dozen
    /// reference counts — for each line; ~35 findings per file with every
    /// pack on identified data).
    func line(_ f: UnsafePointer<Finding>, showFile: Bool, into o: inout ByteOutput) {
        let w = idWidth
        o.write("  "); writePadded(&o, f.pointee.severity.rawValue, 8); writePadded(&o, f.pointee.ruleTexts.ruleID, w)
        if showFile { o.terminalText(f.pointee.fileTexts.file ?? "-"); o.write(": ") }
        o.terminalText(f.pointee.message)
        if let a = f.pointee.attribute, !a.isEmpty, !f.pointee.message.utf8Contains(a) { o.write("  ["); o.terminalText(a); o.write("]") }
        if let off = f.pointee.offset {
            let t = "offset \(off)"
            if !f.pointee.message.utf8Contains(t) { o.write("  ("); o.write(t); o.write(")") }
        }
        o.byte(0x0A)
        // (the stored parts read through the pointer: a computed property of
        // the finding copied it whole)
        if let rest = f.pointee.becauseReason, case let when: String? = f.pointee.becauseHasWhen ? f.pointee.ruleTexts.when : nil,
           !Finding.joined(when, rest, equals: f.pointee.message) {
            o.write("  "); TextReporter.writeSpaces(&o, 8 + w); o.write("because ")
            if let when { o.terminalText(when); o.write(" and ") }   // (its parts, not joined)
            o.terminalText(rest); o.byte(0x0A)
        }
    }

    /// The finding lines of the last file `writeBatch(_:into:reuse:)` wrote,
    /// for the next file's: the files of a series fail the same rules with
    /// the same messages (with every pack on identified data, ~35 findings a
    /// file, 96% of them line for line the previous file's), so a finding
    /// that renders as one of these (`rendersAlike`) is copied from here
    /// instead of written again — the output is the same bytes.
    public struct LineReuse {
        /// The batch holding the last file's findings, and their range in it
        /// (the array kept, not its findings copied).
        var batch: [Finding] = []
        var range: Range<Int> = 0..<0
        /// Their lines' bytes, and where each finding's lines end in them.
        var bytes: [UInt8] = []
        var ends: [Int] = []
        public init() {}
    }

    /// Whether two findings of a file's group give the same lines
    /// (`line(_:showFile: false, into:)` reads these fields and nothing else;
    /// a finding replayed from an earlier file of the shape shares its
    /// strings, which then compare by identity).
    static func rendersAlike(_ a: UnsafePointer<Finding>, _ b: UnsafePointer<Finding>) -> Bool {
        guard a.pointee.severity == b.pointee.severity, a.pointee.becauseHasWhen == b.pointee.becauseHasWhen,
              a.pointee.offset == b.pointee.offset else { return false }
        if a.pointee.ruleTexts !== b.pointee.ruleTexts {
            guard a.pointee.ruleTexts.ruleID == b.pointee.ruleTexts.ruleID,
                  !a.pointee.becauseHasWhen || a.pointee.ruleTexts.when == b.pointee.ruleTexts.when else { return false }
        }
        return a.pointee.message == b.pointee.message && a.pointee.attribute == b.pointee.attribute
            && a.pointee.becauseReason == b.pointee.becauseReason
    }

    /// One batch of findings grouped by file: a file's findings, or the
    /// series/study/patient/data-set findings at the end.
    public func writeBatch(_ fs: [Finding], into o: inout ByteOutput) {
        var none: LineReuse? = nil
        writeBatch(fs, into: &o, reuse: &none)
    }

    /// `writeBatch(_:into:)`, a file's finding lines copied from the
    /// previous file's (`LineReuse`) where they render alike.
    public func writeBatch(_ all: [Finding], into o: inout ByteOutput, reuse: inout LineReuse?) {
        // (through a buffer pointer: each finding borrowed, not copied)
        all.withUnsafeBufferPointer { fs in
            guard let first = fs.first else { return }
            if first.level == .instance {
                var i = 0
                while i < fs.count {
                    let file = fs[i].fileTexts.file ?? "-"
                    var j = i
                    while j < fs.count, fs[j].fileTexts === fs[i].fileTexts || (fs[j].fileTexts.file ?? "-") == file { j += 1 }
                    o.terminalText(file); o.write("  ("); writeCounts(fs, i..<j, into: &o); o.write(")\n")
                    if reuse == nil {
                        for k in i..<j { line(fs.baseAddress! + k, showFile: false, into: &o) }
                    } else {
                        writeLines(fs, i..<j, of: all, into: &o, reuse: &reuse!)
                    }
                    o.byte(0x0A)
                    i = j
                }
            } else {
                o.write("Series, study, patient and data set findings  ("); writeCounts(fs, fs.indices, into: &o); o.write(")\n")
                for k in fs.indices { line(fs.baseAddress! + k, showFile: true, into: &o) }
                o.byte(0x0A)
            }
        }
    }

    /// The lines of one file's findings `fs[range]`, each copied from the
    /// previous file's (`reuse`) when one near its position renders alike —
    /// the positions tried: the next unmatched one, the two after it (a
    /// finding fewer) and the one before (a finding more) — else written;
    /// then these become `reuse`.
    func writeLines(_ fs: UnsafeBufferPointer<Finding>, _ range: Range<Int>, of all: [Finding], into o: inout ByteOutput,
                    reuse: inout LineReuse) {
        let start = o.bytes.count
        var ends: [Int] = []
        ends.reserveCapacity(range.count)
        reuse.batch.withUnsafeBufferPointer { prev in
            reuse.bytes.withUnsafeBufferPointer { prevBytes in
                let n = reuse.range.count, base = reuse.range.lowerBound
                var p = 0   // the previous file's next unmatched finding
                for k in range {
                    var hit: Int? = nil
                    for d in 0..<4 {
                        let m = d == 3 ? p - 1 : p + d
                        if m >= 0 && m < n && TextReporter.rendersAlike(fs.baseAddress! + k, prev.baseAddress! + base + m) { hit = m; break }
                    }
                    if let m = hit {
                        let from = m == 0 ? 0 : reuse.ends[m - 1]
                        o.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: prevBytes[from..<reuse.ends[m]]))
                        p = m + 1
                    } else {
                        line(fs.baseAddress! + k, showFile: false, into: &o)
                        p += 1
                    }
                    ends.append(o.bytes.count - start)
                }
            }
        }
        reuse.batch = all
        reuse.range = range
        reuse.bytes = Array(o.bytes[start...])
        reuse.ends = ends
    }

    /// Findings by rule (when kept), then the per-rule counts and totals.
    /// `summary` (`--format summary`): the table lists only the rules with
    /// findings or not evaluated, most findings first, with a findings column.
    public func writeEnd(_ r: CheckReport, summary: Bool = false, into o: inout ByteOutput) {
        if grouping == .rule {
            for s in r.rules where s.findings > 0 {
                let fs = r.findings.filter { $0.ruleID == s.id }
                o.write(s.id + "  " + s.severity.rawValue + "  (" + "\(fs.count) finding\(fs.count == 1 ? "" : "s"))" + (s.title.map { "  " + $0 } ?? "") + "\n")
                for f in fs {
                    o.terminalText("  " + (f.file ?? "-") + ": " + f.message)
                    if let off = f.offset, !f.message.contains("offset \(off)") { o.write("  (offset \(off))") }
                    o.write("\n")
                }
                o.write("\n")
            }
        }
        r.notEvaluated.writeText(into: &o)   // rules not evaluated, per rule and reason (NotEvaluatedReports.swift)
        let w = min(40, max(4, r.rules.map(\.id.count).max() ?? 4))
        o.write(pad("rule", w + 2) + pad("severity", 9) + (summary ? lpad("findings", 10) : "") + lpad("pass", 8) + lpad("fail", 8) + lpad("n/a", 8) + lpad("not-eval", 10) + "\n")
        // a rule that applied to no file is counted, not listed: with dicom.iod
        // that is thousands of rows of other IODs (the machine formats list every rule)
        var inapplicable = 0, quiet = 0
        var listed: [RuleSummary] = []
        for s in r.rules {
            let c = s.counts
            if c.pass == 0 && c.fail == 0 && c.notEvaluated == 0 && s.findings == 0 { inapplicable += 1; continue }
            if summary && s.findings == 0 && c.notEvaluated == 0 { quiet += 1; continue }
            listed.append(s)
        }
        if summary {
            // (stable: equal counts keep the packs' order)
            listed = listed.enumerated().sorted { a, b in
                a.element.findings != b.element.findings ? a.element.findings > b.element.findings : a.offset < b.offset
            }.map(\.element)
        }
        for s in listed {
            let c = s.counts
            o.write(pad(s.id, w + 2) + pad(s.severity.rawValue, 9) + (summary ? lpad("\(s.findings)", 10) : "") + lpad("\(c.pass)", 8) + lpad("\(c.fail)", 8) + lpad("\(c.notApplicable)", 8) + lpad("\(c.notEvaluated)", 10) + "\n")
        }
        if quiet > 0 {
            o.write("(\(quiet) rule\(quiet == 1 ? "" : "s") with no finding and nothing not evaluated: not listed)\n")
        }
        if inapplicable > 0 {
            o.write("(\(inapplicable) rule\(inapplicable == 1 ? "" : "s") applied to no file: not listed)\n")
        }
        let packs = r.packs.map { "\($0.id)" }.joined(separator: ", ")
        o.write("\n" + r.filesText + ", \(r.rules.count - 2) rule\(r.rules.count - 2 == 1 ? "" : "s") from \(packs.isEmpty ? "no pack" : packs): " + r.severityText
                + (r.baselined > 0 ? " (and \(r.baselined) known finding\(r.baselined == 1 ? "" : "s") of the baseline, not shown)" : "") + "\n")
        for w in r.waived {
            o.write("waived: \(w.count) finding\(w.count == 1 ? "" : "s") of \(w.rule) — \(w.reason)" + (w.expires.map { " (until \($0))" } ?? "") + "\n")
            for f in w.findings.prefix(20) { o.terminalText("  " + (f.file ?? "-") + ": " + f.message); o.write("\n") }
            if w.count > 20 { o.write("  … and \(w.count - 20) more\n") }
        }
    }

    /// "2 errors, 0 warnings, 1 info" for `fs[range]`.
    func writeCounts(_ fs: UnsafeBufferPointer<Finding>, _ range: Range<Int>, into o: inout ByteOutput) {
        var e = 0, w = 0, i = 0
        for k in range { switch fs[k].severity { case .error: e += 1; case .warning: w += 1; case .info: i += 1 } }
        o.write(String(e)); o.write(e == 1 ? " error, " : " errors, ")
        o.write(String(w)); o.write(w == 1 ? " warning, " : " warnings, ")
        o.write(String(i)); o.write(" info")
    }

    // (padding from one string of spaces, and byte search: these run for every finding line)
    func pad(_ s: String, _ n: Int) -> String { let c = s.count; return c >= n ? s + " " : s + TextReporter.spaces(n - c) }
    func lpad(_ s: String, _ n: Int) -> String { let c = s.count; return c >= n ? " " + s : TextReporter.spaces(n - c) + s }
    static let spaceRun = String(repeating: " ", count: 256)
    static func spaces(_ n: Int) -> Substring { n <= 256 ? spaceRun.prefix(n) : Substring(String(repeating: " ", count: n)) }
    /// `pad(s, n)` written straight into the output: rule ids and severities
    /// are ASCII (rule ids are checked), so bytes are columns.
    func writePadded(_ o: inout ByteOutput, _ s: String, _ n: Int) {
        o.write(s)
        let c = s.utf8.count
        TextReporter.writeSpaces(&o, c >= n ? 1 : n - c)
    }
    static let spaceBytes = [UInt8](repeating: 0x20, count: 256)
    /// `n` spaces (a copy from one buffer of spaces).
    static func writeSpaces(_ o: inout ByteOutput, _ n: Int) {
        if n <= spaceBytes.count { spaceBytes.withUnsafeBufferPointer { o.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: $0[0..<n])) } }
        else { o.bytes.append(contentsOf: repeatElement(0x20, count: n)) }
    }
}

extension ByteOutput {
    /// Text for the console report: control characters of a DICOM value or
    /// a file name (C0 but tab, DEL, C1 — ESC and CSI start terminal escape
    /// sequences, CR and LF would forge report lines) replaced by U+FFFD.
    /// Written as it is when there is none (every finding line comes here).
    mutating func terminalText(_ s: String) {
        let clean = s.utf8.withContiguousStorageIfAvailable { ByteOutput.isTerminalClean($0) }
            ?? Array(s.utf8).withUnsafeBufferPointer { ByteOutput.isTerminalClean($0) }
        if clean { write(s); return }
        for c in s.unicodeScalars {
            switch c.value {
            case 0x09: byte(0x09)
            case 0..<0x20, 0x7F...0x9F: write("\u{FFFD}")
            default: write(String(c))
            }
        }
    }

    /// No byte of `u` is a control character but tab, DEL, or the lead byte
    /// C2H of a C1 control in UTF-8. Eight bytes at a time (SWAR, as
    /// `jsonEscaped`): byte by byte this scan was a tenth of a console
    /// report's CPU (every finding line and "because" line passes here).
    static func isTerminalClean(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = u.count
        var i = 0
        if let raw = UnsafeRawPointer(u.baseAddress) {
            while i + 8 <= n {
                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let d = w ^ 0x7F7F_7F7F_7F7F_7F7F, c = w ^ 0xC2C2_C2C2_C2C2_C2C2
                let flag = ((w &- 0x2020_2020_2020_2020) & ~w) | ((d &- 0x0101_0101_0101_0101) & ~d)
                    | ((c &- 0x0101_0101_0101_0101) & ~c)
                if flag & 0x8080_8080_8080_8080 != 0 {
                    // (a tab, or one of the bytes: decided byte by byte)
                    for b in u[i..<(i + 8)] where (b < 0x20 && b != 0x09) || b == 0x7F || b == 0xC2 { return false }
                }
                i += 8
            }
        }
        while i < n {
            let b = u[i]
            if (b < 0x20 && b != 0x09) || b == 0x7F || b == 0xC2 { return false }
            i += 1
        }
        return true
    }
}
