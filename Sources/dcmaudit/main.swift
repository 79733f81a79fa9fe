import ArgumentParser
import DcmAudit
import DcmData
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
        above --fail-on (check); 2 usage error.
        """,
        version: dcmauditVersion,
        subcommands: [Dump.self]
    )
}

struct Dump: ParsableCommand {
    static let configuration = CommandConfiguration(
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

    @Option(name: .long, help: "Files read in parallel (default: all cores).")
    var jobs: Int = 0

    @Flag(name: .long, help: "Read Pixel Data too instead of stopping before it.")
    var readPixels = false

    @Argument(help: "DICOM files or directories.")
    var paths: [String]

    func validate() throws {
        guard DumpFormat(rawValue: format) != nil else {
            throw ValidationError("unknown format '\(format)': use one of text, json, jsonl, csv")
        }
        if format == "csv" && (tags ?? "").isEmpty {
            throw ValidationError("--format csv needs --tags (e.g. --tags PatientID,Modality,SeriesDescription)")
        }
        guard jobs >= 0 else { throw ValidationError("--jobs must be 0 (all cores) or more") }
        guard bulkThreshold >= 0 else { throw ValidationError("--bulk-threshold must be 0 or more") }
    }

    func run() throws {
        var req = DumpRequest(paths: paths)
        req.format = DumpFormat(rawValue: format)!
        req.jobs = jobs
        req.bulkThreshold = bulkThreshold
        req.readOptions.stopBeforePixelData = !readPixels
        if let tags {
            for item in splitTagList(tags) {
                do { req.tags.append(try AttributePath(parsing: item)) }
                catch let e as AttributePath.ParseError {
                    throw ValidationError("--tags: '\(item)': \(e.description)")
                }
            }
        }
        let code = DumpRunner.run(req)
        if code != 0 { throw ExitCode(code) }
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
    var command = try Dcmaudit.parseAsRoot()
    try command.run()
} catch {
    let code = Dcmaudit.exitCode(for: error)
    if code == .success || error is ExitCode {
        Dcmaudit.exit(withError: error)
    }
    Dcmaudit.exit(withError: ExitCode(2)) // printed below
}
