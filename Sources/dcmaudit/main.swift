import ArgumentParser
import DcmAudit
import DcmData
import DcmRules
#if canImport(Glibc)
import Glibc
#endif

/// The `dcmaudit` command line: thin subcommands that fill a request and
/// call the DcmAudit library (DESIGN.md item 11).
///
/// Exit codes (DESIGN.md item 12): 0 success; 1 findings at or above the
/// fail-on severity (`check`) or a file that could not be read (`dump`);
/// 2 usage error.
struct Dcmaudit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dcmaudit",
        abstract: "DICOM conformance and protocol-compliance checks.",
        discussion: """
        Exit codes: 0 success; 1 a file could not be read (dump) or findings at or \
        above --fail-on (check) or a rule example with the wrong outcome (rules test); \
        2 usage or rule-pack error (check: also a report that cannot be written, or no file to check).
        """,
        version: dcmauditVersion,
        subcommands: [Check.self, Rules.self, Dump.self, Learn.self]
    )
}

// Every command names itself (`commandName`): ArgumentParser derives a missing
// name from the type name, and the run-time type lookups that takes were ~2% of
// a one-file `check`.
struct Dump: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print the metadata of DICOM files: text, DICOM JSON, JSON Lines or CSV.",
        discussion: """
        Directories are read recursively, in sorted order; output is in input order.
        --tags takes attribute paths: keywords (PatientID), tags ((0028,0030) or 00280030), \
        nested paths (ReferencedImageSequence[0].ReferencedSOPInstanceUID, Seq[*].X), \
        value indices (ImageType[0]) and private elements by creator \
        ((0029,"SIEMENS CSA HEADER",10)). Values are printed as they are in the file: \
        dump does not redact patient data.
        """
    )

    @Option(name: .long, help: "Output format: text, json (DICOM JSON model, PS3.18 Annex F), jsonl (one object per line) or csv.")
    var format: String = "text"

    @Option(name: .long, help: "Comma-separated attribute paths: the CSV columns, or a filter for the other formats.")
    var tags: String?

    @Option(name: .long, help: "Binary values longer than this many bytes are a BulkDataURI in JSON, not InlineBinary.")
    var bulkThreshold: Int = 1024

    @Option(name: .long, help: "Files read in parallel (default: all cores; at most one thread per core).")
    var jobs: Int = 0

    @Flag(name: .long, help: "Read Pixel Data too instead of stopping before it.")
    var readPixels = false

    @Flag(name: .long, help: "Print the Siemens CSA image and series headers as JSON, one object per file (docs/siemens-csa.md).")
    var csa = false

    @Argument(help: "DICOM files or directories.")
    var paths: [String]

    func validate() throws {
        guard DumpFormat(rawValue: format) != nil else {
            throw ValidationError("unknown format '\(format)': use one of text, json, jsonl, csv")
        }
        // (in validate, not run: an error thrown from run was printed with
        // the root's usage line, "Usage: dcmaudit <subcommand>"; and `--tags ,`
        // names no column: it was a CSV of the paths alone)
        let parsed = try parsedTags()
        if format == "csv" && parsed.isEmpty {
            throw ValidationError("--format csv needs --tags (e.g. --tags PatientID,Modality,SeriesDescription)")
        }
        guard jobs >= 0 else { throw ValidationError("--jobs must be 0 (all cores) or more") }
        guard bulkThreshold >= 0 else { throw ValidationError("--bulk-threshold must be 0 or more") }
    }

    /// The attribute paths of `--tags`.
    func parsedTags() throws -> [AttributePath] {
        try splitTagList(tags ?? "").map { item in
            do { return try AttributePath(parsing: item) }
            catch let e as AttributePath.ParseError { throw ValidationError("--tags: '\(item)': \(e.description)") }
        }
    }

    func run() throws {
        var req = DumpRequest(paths: paths)
        req.format = DumpFormat(rawValue: format)!
        req.jobs = jobs
        req.bulkThreshold = bulkThreshold
        req.readOptions.stopBeforePixelData = !readPixels
        req.csa = csa
        req.tags = try parsedTags()
        let code = DumpRunner.run(req)
        if code != 0 { throw ExitCode(code) }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check DICOM files against rule packs.",
        discussion: """
        With no --rules and no --pack, the default built-in packs apply: \
        \(CheckRequest.defaultPacks.joined(separator: ", ")). Built-in packs (Rules/) are found \
        through $DCMAUDIT_RULES, next to the executable, or in a parent of its directory. \
        Values of patient-identifying attributes are shown as <redacted:hash> unless --show-phi.

        Exit codes: 0 no finding at or above --fail-on; 1 findings at or above --fail-on \
        (default error); 2 usage or rule-pack error, a report that cannot be written, or no file \
        to check (0 then with --allow-no-files).
        """
    )

    @Option(name: .long, help: ArgumentHelp("A rule pack file, or a directory of packs (repeatable).", valueName: "file|dir"))
    var rules: [String] = []

    @Option(name: .long, help: ArgumentHelp("A built-in pack by id, e.g. dicom.core (repeatable).", valueName: "id"))
    var pack: [String] = []

    @Option(name: .long, help: "Console report format: text, summary (the per-rule counts and totals without finding lines, for large runs), json (docs/schema/check-report.schema.json), github (GitHub Actions annotations), jsonl, junit, sarif, csv or markdown.")
    var format: String = "text"

    @Option(name: .long, help: ArgumentHelp("Also write a report: FORMAT:PATH with FORMAT one of \(ReportFormats.names.filter { $0 != "text" && $0 != "github" }.joined(separator: ", ")) (repeatable; see docs/reports.md).", valueName: "format:path"))
    var report: [String] = []

    @Option(name: .long, help: ArgumentHelp("A mustache template for --report html instead of the built-in one.", valueName: "file"))
    var htmlTemplate: String?

    @Flag(name: .long, help: "JUnit reports: one test case per rule and series with findings, instead of per rule.")
    var junitPerSeries = false

    @Option(name: .long, help: ArgumentHelp("Report only findings this baseline does not know (matched by rule, SOP Instance UID or file, attribute).", valueName: "file"))
    var baseline: String?

    @Option(name: .long, help: ArgumentHelp("Write this run's findings as a baseline file.", valueName: "file"))
    var writeBaseline: String?

    @Option(name: .long, help: "Group console findings by file or by rule.")
    var groupBy: String = "file"

    @Option(name: .long, help: ArgumentHelp("Write the report to this file instead of standard output (`-`: standard output).", valueName: "file"))
    var output: String?

    @Option(name: .long, help: "Exit 1 when a finding is at or above this severity: error, warning, info or never (default error, or the config's fail-on).")
    var failOn: String?

    @Option(name: .long, help: ArgumentHelp("A config file (default: dcmaudit.yml in the current directory, when there is one; see docs/configuration.md).", valueName: "file"))
    var config: String?

    @Option(name: .long, help: "Files read in parallel (default: all cores; at most one thread per core).")
    var jobs: Int = 0

    @Flag(name: .long, help: "Show the values of patient-identifying attributes instead of <redacted:hash>.")
    var showPhi = false

    @Flag(name: .long, help: "No progress line on standard error (it is shown only when standard error is a terminal).")
    var quiet = false

    @Flag(name: .long, help: "Exit 0 when there is no file to check (empty folders, include/exclude patterns leaving none, or no DICOM file among them) instead of 2.")
    var allowNoFiles = false
    // --- not evaluated (docs/reports.md, Not evaluated) ---
    @Option(name: .long, help: ArgumentHelp("Rules that could not be evaluated on a file (a 1C/2C or module condition a header cannot decide): summary (per rule: its file count, example files and their reasons), list (every file, each reason counted), or none.", valueName: "summary|list|none"))
    var notEvaluated: String = "summary"
    // --- protocol: horizontal audit (docs/protocols.md) ---
    @Flag(name: .long, help: "Infer the protocol from the data: report series whose parameters differ from what most sessions have (alone unless --rules/--pack are given).")
    var inferProtocol = false
    @Flag(name: .long, help: "With --infer-protocol: compare sessions per scanner model (Manufacturer and ManufacturerModelName).")
    var inferByModel = false

    @Argument(help: "DICOM files or directories.")
    var paths: [String]

    func validate() throws {
        guard CheckFormat(rawValue: format) != nil else {
            throw ValidationError("unknown format '\(format)': use one of \(CheckFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for r in report {
            if case .failure(let e) = ReportSpec.parse(r) { throw ValidationError(e.message) }
        }
        guard CheckGrouping(rawValue: groupBy) != nil else { throw ValidationError("unknown --group-by '\(groupBy)': use file or rule") }
        guard FailOn(rawValue: failOn ?? "error") != nil else { throw ValidationError("unknown --fail-on '\(failOn ?? "")': use error, warning, info or never") }
        guard jobs >= 0 else { throw ValidationError("--jobs must be 0 (all cores) or more") }
        guard NotEvaluatedMode(rawValue: notEvaluated) != nil else { throw ValidationError("unknown --not-evaluated '\(notEvaluated)': use summary, list or none") }
    }

    func run() throws {
        var req = CheckRequest(paths: paths)
        req.ruleFiles = rules
        req.packIDs = pack
        req.format = CheckFormat(rawValue: format)!
        req.grouping = CheckGrouping(rawValue: groupBy)!
        // `-` is standard output, as for most tools (it was a file named "-")
        req.output = output == "-" ? nil : output
        req.failOn = FailOn(rawValue: failOn ?? "error")!
        req.failOnGiven = failOn != nil
        if let config { req.configPath = config }
        else if access("dcmaudit.yml", F_OK) == 0 { req.configPath = "dcmaudit.yml" }
        req.jobs = jobs
        req.showPHI = showPhi
        req.progress = !quiet && isatty(2) == 1
        req.allowNoFiles = allowNoFiles
        req.reports = report.compactMap { try? ReportSpec.parse($0).get() }
        req.htmlTemplate = htmlTemplate
        req.baselinePath = baseline
        req.junitPerSeries = junitPerSeries
        req.writeBaseline = writeBaseline
        req.inferProtocol = inferProtocol || inferByModel
        req.inferByModel = inferByModel
        req.notEvaluated = NotEvaluatedMode(rawValue: notEvaluated)!
        req.commandLine = ["dcmaudit"] + CommandLine.arguments.dropFirst()
        Interrupt.install()
        KeptUntilExit.enabled = true   // (the process ends with the command)
        let code = CheckRunner.run(req)
        if Interrupt.requested { throw ExitCode(130) }
        if code != 0 { throw ExitCode(code) }
    }
}

struct Rules: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Validate, list, explain and test rule packs, and count the conditions they encode (coverage).",
        subcommands: [Validate.self, List.self, Explain.self, Test.self, Coverage.self]
    )

    static func finish(_ r: RulesTool.Result) throws {
        if !r.output.isEmpty { print(r.output, terminator: "") }
        if !r.errors.isEmpty { writeError(r.errors) }
        if r.exitCode != 0 { throw ExitCode(r.exitCode) }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "validate", abstract: "Check pack files and report every error at once (exit 2 if any).")
        @Argument(help: "Pack files or directories, or built-in pack ids.") var files: [String]
        func run() throws { try Rules.finish(RulesTool.validate(files)) }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the rules of built-in packs (or of --rules files).",
            discussion: "Without --pack or --rules: every built-in pack but the examples of Rules/examples (name one with --pack to list it).")
        @Option(name: .long, help: "Only this built-in pack, and the --rules files (repeatable).") var pack: [String] = []
        @Option(name: .long, help: "A pack file or directory (repeatable).") var rules: [String] = []
        func run() throws { try Rules.finish(RulesTool.list(packIDs: pack, files: rules)) }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "explain", abstract: "Show what a rule checks, when it applies, its reference and its examples.")
        @Option(name: .long, help: "A pack file or directory to look in besides the built-in packs (repeatable).") var rules: [String] = []
        @Argument(help: "The rule id.") var id: String
        func run() throws { try Rules.finish(RulesTool.explain(id, files: rules)) }
    }

    // --- iod: rules coverage ---
    struct Coverage: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "coverage",
            abstract: "Per IOD and overall: the 1C/2C and conditional-module conditions encoded vs. not evaluated.")
        @Argument(help: "Built-in pack ids, pack files or directories (default: every built-in pack but the examples of Rules/examples).") var packs: [String] = []
        @Option(name: .long, help: "Also list the N most used conditions that are not evaluated.") var texts: Int = 0
        @Option(name: .long, help: "Instead: the rules not evaluated on this DICOM file, with the conditions' texts (default pack dicom.iod).") var file: String?
        @Flag(name: .long, help: "With --file: show the file's path as it is, not with <redacted:hash> for a folder or file named after the patient.") var showPhi = false
        // (--texts=-3 listed none, as 0)
        func validate() throws {
            guard texts >= 0 else { throw ValidationError("--texts must be 0 or more") }
            // (it was ignored: --file lists one file's rules, not the packs' conditions)
            if texts > 0 && file != nil { throw ValidationError("--texts lists the packs' most used conditions; it does not apply to --file, which lists each rule not evaluated on the file with its conditions' texts") }
        }
        func run() throws { try Rules.finish(RulesTool.coverage(packs, texts: texts, file: file, showPHI: showPhi)) }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "test", abstract: "Run every rule's examples (exit 1 on a wrong outcome, with the example's line; 2 on pack errors).")
        @Argument(help: "Pack files or directories, or built-in pack ids.") var files: [String]
        func run() throws { try Rules.finish(RulesTool.test(files)) }
    }
}

/// Splits `A,B,(0028,0030),(0029,"X, Y",10)` at commas outside brackets and quotes.
func splitTagList(_ s: String) -> [String] {
    var parts: [String] = []
    var cur = ""
    var depth = 0
    var quoted = false
    for c in s {
        if c == "\"" { quoted.toggle() }
        if !quoted {
            if c == "(" || c == "[" { depth += 1 }
            if c == ")" || c == "]" { depth -= 1 }
            if c == "," && depth == 0 { parts.append(cur); cur = ""; continue }
        }
        cur.append(c)
    }
    parts.append(cur)
    return parts.map { $0.trimmingCharacters() }.filter { !$0.isEmpty }
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " { s = s.dropFirst() }
        while let l = s.last, l == " " { s = s.dropLast() }
        return String(s)
    }
}

// Usage errors exit with 2, not ArgumentParser's 64.
do {
    // the arguments as bytes: a path that is not UTF-8 still names its file (`OSPath`)
    let arguments = (1..<Int(CommandLine.argc)).map { OSPath.decode(cString: CommandLine.unsafeArgv[$0]!) }
    var command = try Dcmaudit.parseAsRoot(arguments)
    try command.run()
} catch {
    let code = Dcmaudit.exitCode(for: error)
    if code == .success || error is ExitCode {
        Dcmaudit.exit(withError: error)
    }
    // usage errors: ArgumentParser's message (with the usage line), then exit 2
    writeError(Dcmaudit.fullMessage(for: error) + "\n")
    Dcmaudit.exit(withError: ExitCode(2))
}

// --- protocol: dcmaudit learn (docs/protocols.md) ---
struct Learn: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learn",
        abstract: "Write a protocol pack from reference sessions.",
        discussion: """
        One acquisition per distinct series (Modality and SeriesDescription) of the \
        reference, with the modality's parameters (docs/protocols.md) and the value \
        most reference series share; per scanner model, its software version. Warns \
        when the reference is not self-consistent. Exit codes: 0 written; 1 with \
        --strict and a warning; 2 nothing to learn from, or usage error.
        """
    )
    @Option(name: [.short, .long], help: ArgumentHelp("Write the protocol pack here instead of standard output (`-`: standard output).", valueName: "file"))
    var output: String?
    @Option(name: .long, help: "The pack id of the protocol.")
    var packId = "learned.protocol"
    @Flag(name: .long, help: "Exit 1 when the reference is not self-consistent (or a file cannot be read).")
    var strict = false
    @Flag(name: .long, help: "Show file paths named after patients as they are, instead of <redacted:hash>.")
    var showPhi = false
    @Option(name: .long, help: "Files read in parallel (default: all cores; at most one thread per core).")
    var jobs = 0
    @Argument(help: "Reference sessions: DICOM files or directories.")
    var paths: [String]

    // (as check and dump: --jobs=-1 was taken as "all cores")
    func validate() throws {
        guard jobs >= 0 else { throw ValidationError("--jobs must be 0 (all cores) or more") }
    }

    func run() throws {
        var req = LearnRequest(paths: paths)
        req.packID = packId
        req.showPHI = showPhi
        req.jobs = jobs
        req.commandLine = ["dcmaudit"] + CommandLine.arguments.dropFirst()
        let code = ProtocolLearner.run(req, output: output == "-" ? nil : output, strict: strict)
        if code != 0 { throw ExitCode(code) }
    }
}
