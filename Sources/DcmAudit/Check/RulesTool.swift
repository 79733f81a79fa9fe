import Foundation
import DcmData
import DcmRules

/// `dcmaudit rules validate|list|explain|test|coverage`: each returns its text and exit code.
public enum RulesTool {
    public struct Result: Sendable { public var output: String; public var errors: String; public var exitCode: Int32 }

    static func loader(_ builtin: String?) -> (PackLoader, String?) {
        let dir = builtin ?? RulesLocator.builtinRulesDirectory()
        return (PackLoader(libraries: dir.map { [$0] } ?? []), dir)
    }

    /// `files` with each built-in pack id that names no file replaced by
    /// its pack file (`rules test dicom.core`: it was "cannot read pack
    /// file 'dicom.core'").
    static func packFiles(_ files: [String], _ l: PackLoader) -> [String] {
        files.map { f in FileManager.default.fileExists(atPath: f) ? f : l.index[f] ?? f }
    }

    /// Every error of every file at once; exit 2 if any.
    public static func validate(_ files: [String], builtin: String? = nil) -> Result {
        let (l, _) = loader(builtin)
        let files = packFiles(files, l)
        let diags = l.validate(files: files)
        if diags.isEmpty {
            let n = PackLoader.expand(files).count
            return Result(output: "\(n) pack file\(n == 1 ? "" : "s") valid\n", errors: "", exitCode: 0)
        }
        return Result(output: "", errors: diags.map(\.description).joined(separator: "\n") + "\n\(diags.count) error\(diags.count == 1 ? "" : "s")\n", exitCode: 2)
    }

    /// Loads each pack on its own (packs that are never run together may
    /// reuse rule ids) and returns all of them, each once (with the packs
    /// they extend), and the ids of the packs the files load. A directory's
    /// packs are each loaded on their own too (`--rules Rules/` was
    /// "duplicate rule id" between two packs of the directory).
    static func packs(_ l: PackLoader, ids: [String], files: [String]) throws -> (packs: [RulePack], fromFiles: Set<String>) {
        var seen = Set<String>()
        var out: [RulePack] = []
        let empty = PackLoader.emptyDirectories(files)
        if !empty.isEmpty { throw PackErrors(empty) }
        let fileSets = try PackLoader.expand(files).map { try l.load(files: [$0]) }
        for set in try ids.map({ try l.load(files: [], ids: [$0]) }) + fileSets {
            for p in set.packs where seen.insert(p.id).inserted { out.append(p) }
        }
        return (out, Set(fileSets.flatMap { $0.packs.map(\.id) }))
    }

    /// The rules of the given packs (default: every built-in pack but the
    /// examples, `PackLoader.exampleIDs`), one line each.
    public static func list(packIDs: [String], files: [String] = [], builtin: String? = nil) -> Result {
        let (l, _) = loader(builtin)
        let ids = packIDs.isEmpty && files.isEmpty ? l.standardIDs : packIDs
        // (no pack at all was an empty list and exit 0)
        if ids.isEmpty && files.isEmpty { return Result(output: "", errors: "error: \(PackLoader.noBuiltinPacks)\n", exitCode: 2) }
        do {
            let (packs, fromFiles) = try self.packs(l, ids: ids, files: files)
            let all = packs.flatMap(\.rules)
            // `--pack` keeps a built-in pack's own rules (not those of the
            // packs it extends), and the rules of the `--rules` files stay:
            // with both, the files' rules were left out
            let shown = all.filter { packIDs.isEmpty || packIDs.contains($0.packID) || fromFiles.contains($0.packID) }
            let w = min(40, shown.map(\.id.count).max() ?? 4)
            var out = ""
            for r in shown {
                out += r.id.padding(w + 2) + r.severity.rawValue.padding(9) + r.level.rawValue.padding(10) + r.packID.padding(18)
                out += (r.title ?? r.checkText) + "\n"
            }
            return Result(output: out, errors: "", exitCode: 0)
        } catch {
            return Result(output: "", errors: "\(error)\n", exitCode: 2)
        }
    }

    /// The built-in rules of every run (pack `dcmaudit`, in no pack file),
    /// as `rules explain` shows them: every report's rule help ends with
    /// "More: dcmaudit rules explain file.not-dicom", which said "no rule
    /// 'file.not-dicom' (did you mean 'dicom.modality'?)".
    static let builtinExplanations: [(id: String, text: String)] = [
        (Unreadable.ruleID, """
        file.unreadable — The file can be read as DICOM
          pack:      dcmaudit (built in: every check run)
          severity:  error
          level:     instance
          check:     the file can be opened and parsed as DICOM; a file that is missing, unopenable,
                     empty, cut by an I/O error, or DICOM-like but damaged (data elements starting a
                     few bytes in) is a finding with the reason and the byte offset
          config:    can be waived in dcmaudit.yml, not disabled or re-graded

        """),
        (NotDicom.ruleID, """
        file.not-dicom — The file is DICOM
          pack:      dcmaudit (built in: every check run)
          severity:  info
          level:     instance
          check:     the file is DICOM: a file with no DICM prefix and no data element at its start
                     (a README or a spreadsheet in a dataset folder) is a finding, so it fails a run
                     only with --fail-on info; not applicable to a file that cannot be opened
          config:    can be waived in dcmaudit.yml, not disabled or re-graded

        """),
    ]

    /// What a rule checks, when it applies, its reference and its examples.
    public static func explain(_ id: String, packIDs: [String] = [], files: [String] = [], builtin: String? = nil) -> Result {
        if let b = builtinExplanations.first(where: { $0.id == id }) { return Result(output: b.text, errors: "", exitCode: 0) }
        let (l, _) = loader(builtin)
        do {
            // the files first (a rule of theirs is the one meant), then the
            // built-in packs — `--rules` looks "besides the built-in packs",
            // and with it a built-in rule was "no rule"
            var packs = try self.packs(l, ids: [], files: files).packs
            if !packs.contains(where: { $0.rules.contains { $0.id == id } }) {
                packs += try self.packs(l, ids: packIDs.isEmpty ? l.index.keys.sorted() : packIDs, files: []).packs
            }
            let all = packs.flatMap(\.rules)
            /// Where a named condition of a pack is defined (the pack's own, as the compiler saw it).
            func conditionLocation(_ name: String, inPackOf file: String? = nil) -> SourceLocation? {
                for p in packs where file == nil || p.path == file {
                    if let c = p.conditionLocations.first(where: { $0.name == name }) { return c.at }
                }
                return nil
            }
            // an id of several packs (never run together: a site's pack beside
            // the built-in ones reusing a vendor rule's id): each of them — the
            // first pack by id was shown alone
            let matches = all.filter { $0.id == id }
            guard !matches.isEmpty else {
                // a named condition of a pack (`iod.ct-image`, `m.general-series`): where it is
                // and the rules named after it ("no rule 'iod.ct-image'" said neither)
                if let at = conditionLocation(id) {
                    let named = all.filter { $0.id.hasPrefix(id + ".") }.map(\.id)
                    let rules = named.isEmpty ? "" : "; its rules: " + named.prefix(5).joined(separator: ", ") + (named.count > 5 ? ", … (\(named.count))" : "")
                    return Result(output: "", errors: "error: no rule '\(id)': '\(id)' is a condition of \(at.file):\(at.line), not a rule\(rules)\n", exitCode: 2)
                }
                // only a close one, as the packs' suggestions (the closest of
                // all was suggested however far: 'x.y' → 'dicom.modality')
                let hint = (all.map(\.id) + builtinExplanations.map(\.id)).min { editDistanceHint(id, $0) < editDistanceHint(id, $1) }
                    .flatMap { editDistanceHint(id, $0) <= max(2, id.count / 3) ? $0 : nil }
                let none = l.index.isEmpty ? "; \(PackLoader.noBuiltinPacks)" : ""
                return Result(output: "", errors: "error: no rule '\(id)'\(none)\(hint.map { " (did you mean '\($0)'?)" } ?? "")\n", exitCode: 2)
            }
            var o = matches.count > 1 ? "'\(id)' is a rule of \(matches.count) packs: \(matches.map(\.packID).joined(separator: ", "))\n\n" : ""
            for (k, r) in matches.enumerated() {
                if k > 0 { o += "\n" }
                o += "\(r.id)" + (r.title.map { " — \($0)" } ?? "") + "\n"
                if let d = r.description { o += "  " + d.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n  ") + "\n" }
                o += "  pack:      \(r.packID) (\(r.location))\n"
                o += "  severity:  \(r.severity.rawValue)\n"
                o += "  level:     \(r.level.rawValue)\n"
                if let w = r.whenText { o += "  when:      \(w)\n" }
                if !r.when.isEmpty { o += "            (\(r.whenDescription))\n" }
                o += "  check:     \(r.checkText)\n"
                // a check that is one named condition (every rule of the generated
                // dicom.iod: `check: m.general-series`) says where that condition is
                if let at = conditionLocation(r.checkText, inPackOf: r.location.file) {
                    o += "            (condition \(r.checkText): \(at.file):\(at.line))\n"
                }
                if let m = r.messageText { o += "  message:   \(m)\n" }
                if let ref = r.reference { o += "  reference: \(ref)\n" }
                if r.redactsValues { o += "  values:    redacted in its findings unless --show-phi (redact_values)\n" }
                if !r.examples.isEmpty {
                    o += "  examples:\n"
                    for e in r.examples { o += "    \(e.expectPass ? "pass" : "fail"): \(e.summary)\n" }
                }
            }
            return Result(output: o, errors: "", exitCode: 0)
        } catch {
            return Result(output: "", errors: "\(error)\n", exitCode: 2)
        }
    }

    /// Runs every rule's examples in the given files; exit 1 on a wrong outcome, 2 on pack errors.
    /// A pack file with errors is reported and the next files are still
    /// tested (the first one ended the run: `rules test Rules/` stopped at
    /// the first bad pack); exit 2 then, whatever the examples.
    public static func test(_ files: [String], builtin: String? = nil) -> Result {
        let (l, _) = loader(builtin)
        let files = packFiles(files, l)
        var out = "", err = ""
        var failed = false, packErrors = false
        let empty = PackLoader.emptyDirectories(files)
        if !empty.isEmpty { return Result(output: "", errors: empty.map(\.description).joined(separator: "\n") + "\n", exitCode: 2) }
        for f in PackLoader.expand(files) {
            do {
                let set = try l.load(files: [f])
                let own = set.packs.last.map { Set([$0.id]) }
                let (run, failures) = set.runExamples(only: own)
                for x in failures { err += x.description + "\n" }
                if !failures.isEmpty { failed = true }
                if run == 0 {
                    // ("0 of 0 examples as expected" read as a pass)
                    let why = set.packs.last?.protocolSpec != nil
                        ? "a protocol pack: its rules are checked on sessions (docs/protocols.md)"
                        : "give its rules examples: {pass: [...], fail: [...]} (docs/rule-language.md)"
                    out += "\(f): no examples to run — \(why)\n"
                } else {
                    out += "\(f): \(run - failures.count) of \(run) examples as expected\n"
                }
            } catch {
                err += "\(error)\n"
                out += "\(f): not tested (pack errors)\n"
                packErrors = true
            }
        }
        return Result(output: out, errors: err, exitCode: packErrors ? 2 : failed ? 1 : 0)
    }

    /// `rules coverage` arguments: built-in pack ids, and pack files or
    /// directories — a path that exists, or looks like one (an existing
    /// directory without a `/`, `site`, was looked up as a pack id).
    static func split(_ packs: [String], _ l: PackLoader) -> (ids: [String], files: [String]) {
        var ids: [String] = [], files: [String] = []
        for p in packs {
            if l.index[p] == nil, FileManager.default.fileExists(atPath: p) || p.hasSuffix(".yaml") || p.hasSuffix(".yml") || p.contains("/") { files.append(p) } else { ids.append(p) }
        }
        return (ids, files)
    }

    /// `rules coverage`: per SOP Class group (per IOD) and overall, the 1C/2C and
    /// C-module conditions encoded vs. not evaluated (`ConditionCoverage`).
    /// `packs` are built-in pack ids or pack files (default: every built-in pack
    /// but the examples);
    /// `texts` lists that many of the most used not-evaluated condition texts.
    public static func coverage(_ packs: [String], texts: Int = 0, file: String? = nil, showPHI: Bool = false, builtin: String? = nil) -> Result {
        var (l, _) = loader(builtin)
        if let file { return undecided(l, packs: packs, file: file, showPHI: showPHI) }
        l.buildExamples = false
        var (ids, files) = split(packs, l)
        if packs.isEmpty { ids = l.standardIDs }
        let empty = PackLoader.emptyDirectories(files)
        if !empty.isEmpty { return Result(output: "", errors: empty.map(\.description).joined(separator: "\n") + "\n", exitCode: 2) }
        // a directory's packs one by one, as `rules list` loads them (packs
        // never run together may share rule ids: Rules/ was "duplicate rule id")
        files = PackLoader.expand(files)
        // (no pack at all printed nothing, exit 0)
        if ids.isEmpty && files.isEmpty { return Result(output: "", errors: "error: \(PackLoader.noBuiltinPacks)\n", exitCode: 2) }
        do {
            var out = ""
            var seen = Set<String>()
            for set in try ids.map({ try l.load(files: [], ids: [$0]) }) + files.map({ try l.load(files: [$0]) }) {
                guard let p = set.packs.last, seen.insert(p.id).inserted else { continue }
                let c = ConditionCoverage(p.rules)
                // packs without any condition to count are named only
                if c.total.attributeTotal + c.total.ruleTotal == 0 { out += "\(p.id): no 1C/2C or conditional-module conditions\n\n"; continue }
                out += "\(p.id) (\(p.path))\n" + c.text(showTexts: texts) + "\n"
            }
            return Result(output: out, errors: "", exitCode: 0)
        } catch {
            return Result(output: "", errors: "\(error)\n", exitCode: 2)
        }
    }

    /// `rules coverage --file F`: the rules not evaluated on one file, each with
    /// the attributes it could not decide and the conditions' texts.
    /// The file's path is redacted as `check` redacts it (a folder or file
    /// named after the patient: `<redacted:…>`) unless `showPHI`.
    static func undecided(_ l: PackLoader, packs: [String], file path: String, showPHI: Bool = false) -> Result {
        var l = l
        l.buildExamples = false
        let given = split(packs, l)
        let ids = packs.isEmpty ? ["dicom.iod"] : given.ids, files = given.files
        let set: RuleSet
        do { set = try l.load(files: files, ids: ids) } catch { return Result(output: "", errors: "\(error)\n", exitCode: 2) }
        let f: DicomFile
        do { f = try DicomReader.read(path: path, options: ReadOptions()) }
        catch { return Result(output: "", errors: "\(path): error: cannot read: \(error)\n", exitCode: 2) }
        let e = Evaluator()
        let r = e.run(set, on: f, path: path, showPHI: false)
        var out = "", n = 0
        let outcomes = r.outcomes
        for (rule, o) in zip(set.rules, outcomes) where o == .notEvaluated {
            n += 1
            out += "\(rule.id)\n"
            for d in e.undecided(rule, f) { out += "  " + d.line + "\n" }
        }
        let counted = outcomes.compactMap { $0 }
        var shown = path
        if !showPHI {
            let redactor = PathRedactor()
            redactor.learn(PathRedactor.values(of: f.dataSet))
            shown = redactor.redact(path)
        }
        out += "\(shown): \(n) rule\(n == 1 ? "" : "s") not evaluated (\(counted.filter { $0 == .pass }.count) pass, "
            + "\(counted.filter { $0 == .fail }.count) fail, \(counted.filter { $0 == .notApplicable }.count) not applicable)\n"
        return Result(output: out, errors: "", exitCode: 0)
    }

    static func editDistanceHint(_ a: String, _ b: String) -> Int {
        let x = Array(a.utf8), y = Array(b.utf8)
        var prev = Array(0...y.count)
        for i in 1...max(1, x.count) where !x.isEmpty {
            var cur = [i] + [Int](repeating: 0, count: y.count)
            for j in stride(from: 1, through: y.count, by: 1) { cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1)) }
            prev = cur
        }
        return prev[y.count]
    }
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self + " " : self + String(repeating: " ", count: n - count) }
}
