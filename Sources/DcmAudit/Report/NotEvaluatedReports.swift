import DcmRules

/// The *Not evaluated* part of each report format (docs/reports.md, *Not
/// evaluated*): the rules `check` could not evaluate, grouped by rule and
/// reason, with file counts and example files; with `--not-evaluated list`,
/// every file × rule too. Each reporter calls one function of this file.
extension NotEvaluatedReport {
    var headline: String {
        "\(rules.count) rule\(rules.count == 1 ? "" : "s") on \(fileCount) file\(fileCount == 1 ? "" : "s")"
            + " (\(pairCount) file × rule pair\(pairCount == 1 ? "" : "s")): a condition could not be decided from the file"
    }

    static func files(_ n: Int, _ examples: [String]) -> String {
        "\(n) file\(n == 1 ? "" : "s"): " + examples.joined(separator: ", ") + (n > examples.count ? ", …" : "")
    }

    // MARK: text

    /// The console section, before the per-rule counts: per rule its files
    /// (count and examples), per reason how many files; then, in list mode,
    /// every file with its rules and reasons as `rules coverage --file` prints them.
    func writeText(into o: inout ByteOutput) {
        guard !isEmpty else { return }
        o.write("Not evaluated: " + headline + (listed ? "; per reason, its files\n" : "; the reasons of the example files (every file's, counted: --not-evaluated list)\n"))
        for r in rules {
            o.write("  " + r.id + "  (" + NotEvaluatedReport.files(r.fileCount, r.examples) + ")\n")
            let w = String(r.reasons.map { $0.fileCount ?? 0 }.max() ?? 0).count
            for x in r.reasons {
                if let c = x.fileCount {
                    let n = String(c)
                    o.write("    " + String(repeating: " ", count: w - n.count) + n + "  " + x.text + "\n")
                } else {
                    o.write("    " + x.text + "\n")
                }
            }
        }
        if listed {
            o.write("\nNot evaluated, by file:\n")
            for f in byFile {
                o.write(f.file + "\n")
                for r in f.rules {
                    o.write("  " + r.id + "\n")
                    for d in r.details { o.write("    " + d.line + "\n") }
                }
            }
        }
        o.write("\n")
    }

    // MARK: JSON

    static func jsonDetail(_ d: UndecidedDetail, _ o: inout ByteOutput) {
        o.write("{")
        if !d.attribute.isEmpty { o.write("\"attribute\": "); JSONReporter.str(d.attribute, &o); o.write(", ") }
        o.write("\"kind\": \"" + (d.attribute.isEmpty ? "when" : d.kind == .absent ? "absent" : d.kind == .undecodable ? "undecodable" : "undecided") + "\"")
        o.write(", \"conditions\": ["); JSONReporter.list(d.conditions, &o)
        o.write("], \"text\": "); JSONReporter.str(d.line, &o)
    }

    /// `notEvaluated` of the JSON report (docs/schema/check-report.schema.json); absent when empty.
    func writeJSON(_ o: inout ByteOutput) {
        guard !isEmpty else { return }
        o.write(",\n  \"notEvaluated\": {\"mode\": \"\(mode.rawValue)\", \"files\": \(fileCount), \"pairs\": \(pairCount), \"rules\": [")
        for (i, r) in rules.enumerated() {
            o.write(i == 0 ? "\n    " : ",\n    ")
            o.write("{\"rule\": "); JSONReporter.str(r.id, &o); o.write(", \"pack\": "); JSONReporter.str(r.pack, &o)
            o.write(", \"files\": \(r.fileCount), \"examples\": ["); JSONReporter.list(r.examples, &o); o.write("]")
            if let fs = r.files { o.write(", \"paths\": ["); JSONReporter.list(fs, &o); o.write("]") }
            o.write(", \"reasons\": [")
            for (j, x) in r.reasons.enumerated() {
                o.write(j == 0 ? "\n      " : ",\n      ")
                NotEvaluatedReport.jsonDetail(x.detail, &o)
                if let c = x.fileCount { o.write(", \"files\": \(c)") }
                o.write(", \"examples\": ["); JSONReporter.list(x.examples, &o); o.write("]")
                if let fs = x.files { o.write(", \"paths\": ["); JSONReporter.list(fs, &o); o.write("]") }
                o.write("}")
            }
            o.write("\n    ]}")
        }
        o.write("\n  ]")
        if listed {
            o.write(", \"byFile\": [")
            for (i, f) in byFile.enumerated() {
                o.write(i == 0 ? "\n    " : ",\n    ")
                o.write("{\"file\": "); JSONReporter.str(f.file, &o); o.write(", \"rules\": [")
                for (j, r) in f.rules.enumerated() {
                    if j > 0 { o.write(", ") }
                    o.write("{\"rule\": "); JSONReporter.str(r.id, &o); o.write(", \"pack\": "); JSONReporter.str(r.pack, &o)
                    o.write(", \"reasons\": [")
                    for (k, d) in r.details.enumerated() { if k > 0 { o.write(", ") }; NotEvaluatedReport.jsonDetail(d, &o); o.write("}") }
                    o.write("]}")
                }
                o.write("]}")
            }
            o.write("\n  ]")
        }
        o.write("}")
    }

    /// JSON Lines: in list mode one `{"type": "notEvaluated"}` record per
    /// file × rule; otherwise one `{"type": "notEvaluatedReason"}` per rule × reason.
    func writeJSONLines(_ o: inout ByteOutput) {
        if listed {
            for f in byFile {
                for r in f.rules {
                    o.write("{\"type\": \"notEvaluated\", \"file\": "); JSONReporter.str(f.file, &o)
                    o.write(", \"rule\": "); JSONReporter.str(r.id, &o); o.write(", \"pack\": "); JSONReporter.str(r.pack, &o)
                    o.write(", \"reasons\": [")
                    for (k, d) in r.details.enumerated() { if k > 0 { o.write(", ") }; NotEvaluatedReport.jsonDetail(d, &o); o.write("}") }
                    o.write("]}\n")
                }
            }
        } else {
            for r in rules {
                for x in r.reasons {
                    o.write("{\"type\": \"notEvaluatedReason\", \"rule\": "); JSONReporter.str(r.id, &o)
                    o.write(", \"pack\": "); JSONReporter.str(r.pack, &o); o.write(", \"reason\": ")
                    NotEvaluatedReport.jsonDetail(x.detail, &o)
                    o.write("}, \"ruleFiles\": \(r.fileCount)")
                    if let c = x.fileCount { o.write(", \"files\": \(c)") }
                    o.write(", \"examples\": ["); JSONReporter.list(x.examples, &o); o.write("]}\n")
                }
            }
        }
    }

    // MARK: SARIF

    /// SARIF 2.1.0 §3.27.9: a result of kind `open` ("insufficient information
    /// to decide whether a problem exists"), level `none` (§3.27.10: a result
    /// that is not a failure has level none), per file × rule — list mode only
    /// (thousands of files make tens of thousands of results).
    func sarifResults(_ emit: (String, String, String, String) -> Void) {
        guard listed else { return }
        for f in byFile {
            for r in f.rules {
                emit(r.id, r.pack, f.file, "not evaluated: " + r.details.map(\.line).joined(separator: "; "))
            }
        }
    }

    /// The grouped summary as a SARIF property bag (`runs[0].properties.notEvaluated`).
    func writeSARIFProperties(_ o: inout ByteOutput) {
        o.write("{\"mode\": \"\(mode.rawValue)\", \"files\": \(fileCount), \"pairs\": \(pairCount), \"rules\": [")
        for (i, r) in rules.enumerated() {
            if i > 0 { o.write(", ") }
            o.write("{\"rule\": "); JSONReporter.str(r.id, &o); o.write(", \"files\": \(r.fileCount), \"reasons\": [")
            for (j, x) in r.reasons.enumerated() {
                if j > 0 { o.write(", ") }
                o.write("{\"text\": "); JSONReporter.str(x.text, &o)
                if let c = x.fileCount { o.write(", \"files\": \(c)") }
                o.write(", \"examples\": [")
                JSONReporter.list(x.examples, &o); o.write("]}")
            }
            o.write("]}")
        }
        o.write("]}")
    }

    // MARK: Markdown, JUnit, HTML

    /// Markdown: the rules × reasons with file counts (the first 20 rows).
    func writeMarkdown(_ o: inout ByteOutput) {
        guard !isEmpty else { return }
        o.write("Not evaluated: " + headline + (listed ? "" : " (the reasons of the first files of each rule)") + ".\n\n| rule | reason | files | e.g. |\n|---|---|---:|---|\n")
        var rows = 0, total = 0
        for r in rules { total += r.reasons.count }
        outer: for r in rules {
            for x in r.reasons {
                if rows == MarkdownReport.maxFindings { break outer }
                rows += 1
                o.write("| `" + r.id.replacingAll("`", with: "") + "` | "); o.markdownCell(x.text)
                o.write(" | \(x.fileCount.map(String.init) ?? "") | "); o.markdownCell(x.examples.first ?? ""); o.write(" |\n")
            }
        }
        if total > rows { o.write("\n… and \(total - rows) more (every reason in the JSON report)\n") }
        o.write("\n")
    }

    /// JUnit: a rule's not-evaluated files and reasons, for its test case.
    func junitText(_ ruleID: String) -> String? {
        guard let r = rules.first(where: { $0.id == ruleID }) else { return nil }
        var s = "not evaluated on " + NotEvaluatedReport.files(r.fileCount, r.examples) + "\n"
        for x in r.reasons { s += "  " + (x.fileCount.map { "\($0)  " } ?? "") + x.text + "\n" }
        return s
    }

    /// The HTML template's `notEvaluated` context (docs/reports.md).
    var htmlContext: [String: Any] {
        ["hasAny": !isEmpty, "headline": headline, "files": fileCount, "pairs": pairCount, "listed": listed,
         "rules": rules.map { r -> [String: Any] in
             ["id": r.id, "pack": r.pack, "fileCount": r.fileCount, "examples": r.examples.joined(separator: ", ") + (r.fileCount > r.examples.count ? ", …" : ""),
              "reasons": r.reasons.map { x -> [String: Any] in
                  ["text": x.text, "fileCount": x.fileCount.map(String.init) ?? "", "examples": x.examples.joined(separator: ", ") + ((x.fileCount ?? 0) > x.examples.count ? ", …" : "")]
              }]
         },
         "byFile": byFile.map { f -> [String: Any] in
             ["file": f.file, "rules": f.rules.map { r -> [String: Any] in ["id": r.id, "lines": r.details.map(\.line)] }]
         }]
    }
}
