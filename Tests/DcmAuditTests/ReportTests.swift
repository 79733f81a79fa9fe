import XCTest
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import DcmAudit
import DcmRules
import DcmData

/// Every report format: golden files (paths, versions, hashes and times as
/// placeholders; DCMAUDIT_RECORD_GOLDENS=1 re-records), and each output
/// parsed back by a real parser of its format.
final class ReportTests: XCTestCase {
    let example = repoRoot + "/Rules/examples/example.ct-mr.yaml"

    /// A run description with placeholders, so reports are byte-identical.
    static func fixedInfo(_ rules: RuleSet, commandLine: [String], showPHI: Bool = false) -> RunInfo {
        var info = RunInfo(toolVersion: "<version>", commandLine: commandLine, startEpoch: 0,
                           packs: rules.packs.map { RunInfo.Pack(id: $0.id, version: $0.version, path: $0.path, sha256: "<sha256>") },
                           showPHI: showPHI)
        info.startTimeOverride = "<start>"
        info.fixedDuration = 0
        return info
    }

    /// Runs `check` with one `--report` per format into a temporary
    /// directory; returns format → text.
    static func runAll(_ req: CheckRequest, formats: [String] = ReportFormats.names, showPHI: Bool = false,
                       info: ((RuleSet) -> RunInfo)? = nil) throws -> (code: Int32, outputs: [String: String], dir: String) {
        let dir = NSTemporaryDirectory() + "dcmaudit-reports-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var req = req
        req.showPHI = showPHI
        req.output = dir + "/console.txt"
        req.reports = formats.map { ReportSpec(format: $0, path: dir + "/report." + $0) }
        let rules = try CheckRunner.loadRules(req)
        let cmd = ["dcmaudit", "check"] + req.ruleFiles.flatMap { ["--rules", $0] } + req.paths
        let code = CheckRunner.run(req, rules: rules, info: info?(rules) ?? fixedInfo(rules, commandLine: cmd, showPHI: showPHI))
        var out: [String: String] = [:]
        for f in formats { out[f] = try String(contentsOfFile: dir + "/report." + f, encoding: .utf8) }
        return (code, out, dir)
    }

    func request(_ paths: [String]) -> CheckRequest {
        var r = CheckRequest(paths: paths)
        r.ruleFiles = [example]
        r.builtinRules = repoRoot + "/Rules"
        r.jobs = 2
        return r
    }

    func testEveryFormatGoldenOnDemo() throws {
        let (code, outputs, dir) = try ReportTests.runAll(request([repoRoot + "/Fixtures/demo"]))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(code, 1)
        XCTAssertEqual(Set(outputs.keys), Set(ReportFormats.names))
        for (format, text) in outputs.sorted(by: { $0.key < $1.key }) {
            XCTAssertFalse(text.isEmpty, format)
            try assertGolden("reports/demo." + format, text.replacingOccurrences(of: repoRoot + "/", with: "<repo>/"))
        }
    }

    func testOutputsParseBack() throws {
        let (_, o, dir) = try ReportTests.runAll(request([repoRoot + "/Fixtures/demo"]))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // JSON: valid against the report schema, with the run facts
        try SchemaValidator.validate(o["json"]!, schemaPath: repoRoot + "/docs/schema/check-report.schema.json")
        let json = try JSONSerialization.jsonObject(with: Data(o["json"]!.utf8)) as! [String: Any]
        XCTAssertEqual((json["invocation"] as? [String: Any])?["startTime"] as? String, "<start>")
        XCTAssertEqual((json["findings"] as? [Any])?.count, 18)
        // JSON Lines: every line an object; run, 18 findings, summary
        let lines = o["jsonl"]!.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(lines.map { $0["type"] as! String }, ["run"] + Array(repeating: "finding", count: 18) + ["summary"])
        // SARIF: JSON with one result per finding, rules for every rule
        let sarif = try JSONSerialization.jsonObject(with: Data(o["sarif"]!.utf8)) as! [String: Any]
        let run = (sarif["runs"] as! [[String: Any]])[0]
        XCTAssertEqual((run["results"] as! [Any]).count, 18)
        XCTAssertEqual((((run["tool"] as! [String: Any])["driver"] as! [String: Any])["rules"] as! [Any]).count, 10)
        // JUnit: well-formed XML, 10 test cases, 4 failing
        let counter = XMLCounter()
        let parser = XMLParser(data: Data(o["junit"]!.utf8))
        parser.delegate = counter
        XCTAssertTrue(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        XCTAssertEqual(counter.counts["testcase"], 10)
        XCTAssertEqual(counter.counts["failure"], 4)
        XCTAssertEqual(counter.counts["testsuite"], 2)
        // CSV: a comment line, the header, one row of 16 fields per finding
        let rows = parseCSV(o["csv"]!)
        XCTAssertTrue(rows[0][0].hasPrefix("# dcmaudit <version>"))
        XCTAssertEqual(rows[1], CSVReport.columns)
        XCTAssertEqual(rows.count, 2 + 18)
        XCTAssertTrue(rows.dropFirst().allSatisfy { $0.count == CSVReport.columns.count && $0.count == 16 }, "\(rows.map(\.count))")
        // GitHub annotations: one command per finding
        XCTAssertEqual(o["github"]!.split(separator: "\n").filter { $0.hasPrefix("::") }.count, 18)
        XCTAssertTrue(o["markdown"]!.contains("## dcmaudit: failed"))
    }

    /// Cells a spreadsheet would run as formulas get a leading `'`; numbers
    /// (DS/IS, signed, multi-valued) stay numbers; the quoting round-trips.
    func testCSVCellsAreNotFormulas() {
        let cases: [(String, String)] = [
            ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("-125.0\\-125.0\\50", "-125.0\\-125.0\\50"),
            ("+1.5E-3", "+1.5E-3"),
            ("-", "-"),
            ("a=b", "a=b"),
            ("", ""),
        ]
        for (value, cell) in cases {
            var o = ByteOutput()
            o.csvField(value)
            o.write(",end\r\n")
            let rows = parseCSV(String(decoding: o.bytes, as: UTF8.self))
            XCTAssertEqual(rows, [[cell, "end"]], value)
        }
    }

    /// `csvField` writes what RFC 4180 and the report's own rules say, on
    /// strings mixing every character it treats apart (a reference written
    /// here from those rules, field by field): commas, quotes and line breaks
    /// quoted with quotes doubled, formula starts prefixed with `'`, control
    /// characters U+FFFD (CR and LF kept).
    func testCSVFieldsAgainstTheRules() {
        let alphabet: [String] = ["a", ",", "\"", "\n", "\r", "\t", "=", "+", "-", "@", "1", ".", "\u{1B}", "é", "\u{85}", "\u{A0}", " ", "\\"]
        func reference(_ v: String) -> String {
            let clean = String(String.UnicodeScalarView(v.unicodeScalars.map { c -> Unicode.Scalar in
                let x = c.value
                return (x < 0x20 && x != 0x09 && x != 0x0A && x != 0x0D) || (0x7F...0x9F).contains(x) ? "\u{FFFD}" : c
            }))
            let formula = ByteOutput.csvCellIsFormula(clean)
            guard formula || clean.contains(where: { ",\"\n\r".contains($0) }) || clean.unicodeScalars.contains("\r") else { return clean }
            return "\"" + (formula ? "'" : "") + clean.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        var state: UInt64 = 7
        for _ in 0..<3000 {
            var v = ""
            state = state &* 6364136223846793005 &+ 1442695040888963407
            for _ in 0..<Int(state >> 60) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                v += alphabet[Int((state >> 33) % UInt64(alphabet.count))]
            }
            var o = ByteOutput()
            o.csvField(v)
            XCTAssertEqual(String(decoding: o.bytes, as: UTF8.self), reference(v), v.debugDescription)
        }
    }

    /// File names are data too: one holding ESC, BEL, CR or LF (`\e[31m`, a
    /// line break) neither colours the terminal that shows a report nor
    /// breaks a CSV row, a Markdown table or a GitHub workflow command.
    /// CSV keeps the line breaks (quoted, RFC 4180) and writes the other
    /// controls as U+FFFD, as the console does; JSON keeps the name exact.
    func testControlCharactersInFileNamesInEveryFormat() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-ctlnames-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ds = DataSet(keywords: ["SOPClassUID": "1.2.840.10008.5.1.4.1.1.4", "SOPInstanceUID": "1.2.3.4", "Modality": "MR"])
        let dicomName = "a\u{1B}[31mred,x:y%z\nline|b`\r\u{9B}.dcm", textName = "bad\u{1B}]0;t\u{07}\n.dcm"
        try DicomWriter.save(try DicomWriter.write(dataSet: ds), to: dir + "/" + dicomName)
        try Data("junk".utf8).write(to: URL(fileURLWithPath: dir + "/" + textName))
        // (a missing path with ESC and LF too: an unreadable file, and in the command line of every header)
        let (_, o, out) = try ReportTests.runAll(request([dir, dir + "-gone\u{1B}[2J\n.dcm"]))
        defer { try? FileManager.default.removeItem(atPath: out) }
        let shown = dir + "/a\u{FFFD}[31mred,x:y%z\nline|b`\r\u{FFFD}.dcm"
        for (format, text) in o {
            // (JSON escapes C0 as \u001b; C1 is valid JSON text)
            let json = format == "json" || format == "jsonl" || format == "sarif"
            XCTAssertFalse(text.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{07}" || (!json && $0 == "\u{9B}") }, "\(format): \(text)")
        }
        let console = try String(contentsOfFile: out + "/console.txt", encoding: .utf8)
        XCTAssertFalse(console.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{07}" }, console)
        // CSV: every row has every column; the names as written, the controls U+FFFD
        let rows = parseCSV(o["csv"]!).dropFirst(2)
        XCTAssertFalse(rows.isEmpty)
        for r in rows { XCTAssertEqual(r.count, CSVReport.columns.count, "\(r)") }
        let files = Set(rows.map { $0[4] })
        XCTAssertTrue(files.contains(shown), "\(files)")
        XCTAssertTrue(files.contains(dir + "/bad\u{FFFD}]0;t\u{FFFD}\n.dcm"), "\(files)")
        // Markdown: the findings table keeps its four columns
        let table = o["markdown"]!.split(separator: "\n").filter { $0.hasPrefix("| error ") || $0.hasPrefix("| warning ") || $0.hasPrefix("| info ") }
        XCTAssertEqual(table.count, rows.count, o["markdown"]!)
        for line in table { XCTAssertEqual(line.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count, 5, String(line)) }
        // GitHub: one workflow command a line, the property escaped
        let gh = o["github"]!.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertTrue(gh.allSatisfy { $0.hasPrefix("::") || $0.hasPrefix("dcmaudit ") }, o["github"]!)
        XCTAssertTrue(o["github"]!.contains("file=" + dir.replacingOccurrences(of: ":", with: "%3A") + "/a\u{FFFD}[31mred%2Cx%3Ay%25z%0Aline|b`%0D\u{FFFD}.dcm,"), o["github"]!)
        // JSON: the exact name
        let json = try JSONSerialization.jsonObject(with: Data(o["json"]!.utf8)) as! [String: Any]
        let jfiles = Set((json["findings"] as! [[String: Any]]).compactMap { $0["file"] as? String })
        XCTAssertTrue(jfiles.contains(dir + "/" + dicomName) && jfiles.contains(dir + "/" + textName), "\(jfiles)")
        // JUnit: well-formed
        XCTAssertTrue(XMLParser(data: Data(o["junit"]!.utf8)).parse())
    }

    func testJUnitPerSeries() throws {
        var req = request([repoRoot + "/Fixtures/demo"])
        req.junitPerSeries = true
        let (_, o, dir) = try ReportTests.runAll(req, formats: ["junit"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let counter = XMLCounter()
        let parser = XMLParser(data: Data(o["junit"]!.utf8))
        parser.delegate = counter
        XCTAssertTrue(parser.parse())
        // pixel-spacing fails in 3 US series, mr.tr-range in 2 MR series: 10 rules + 2 + 1 more cases
        XCTAssertEqual(counter.counts["testcase"], 13)
        XCTAssertTrue(o["junit"]!.contains("<testcase name=\"geometry.pixel-spacing [series 1.2.826.0.1.3680043.10.1561.9.1561.3.1.1]\""), o["junit"]!)
    }

    func testShowPHIIsAnnouncedAtTheTop() throws {
        let (_, o, dir) = try ReportTests.runAll(request([repoRoot + "/Fixtures/demo/DEMO003"]), showPHI: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (format, text) in o {
            let head = String(text.prefix(600))
            XCTAssertTrue(head.contains("PATIENT DATA SHOWN") || (format == "junit" && text.contains("dcmaudit.phiShown\" value=\"true")) || (format == "sarif" && text.contains("PATIENT DATA SHOWN")),
                          "\(format): \(head)")
        }
        let (_, plain, dir2) = try ReportTests.runAll(request([repoRoot + "/Fixtures/demo/DEMO003"]))
        defer { try? FileManager.default.removeItem(atPath: dir2) }
        for (format, text) in plain { XCTAssertFalse(text.contains("PATIENT DATA SHOWN"), format) }
    }

    /// Ctrl-C before the first window: every format still writes a report,
    /// and each says it is incomplete and how many files it covers.
    func testInterruptedRunIsMarkedIncompleteInEveryFormat() throws {
        Interrupt.setRequested(true)
        defer { Interrupt.setRequested(false) }
        var req = request([repoRoot + "/Fixtures/demo/DEMO003"])
        req.jobs = 1
        let (_, o, dir) = try ReportTests.runAll(req)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(Set(o.keys), Set(ReportFormats.names))
        for (format, text) in o {
            XCTAssertTrue(text.contains("covers 0 of 10 files") || text.contains("\"incomplete\": true, \"filesChecked\": 0"), "\(format): \(text.prefix(400))")
        }
        Interrupt.setRequested(false)
        let (_, plain, dir2) = try ReportTests.runAll(request([repoRoot + "/Fixtures/demo/DEMO003"]))
        defer { try? FileManager.default.removeItem(atPath: dir2) }
        for (format, text) in plain { XCTAssertFalse(text.contains("incomplete") || text.contains("INCOMPLETE"), format) }
    }

    func testUnwritableReportExits2BeforeReading() throws {
        var req = request([repoRoot + "/Fixtures/demo/DEMO003"])
        req.reports = [ReportSpec(format: "junit", path: "/nonexistent-dir/x/report.xml")]
        XCTAssertEqual(CheckRunner.run(req), 2)
    }

    func testReportSpecParsing() {
        XCTAssertEqual(try ReportSpec.parse("junit:out/r.xml").get(), ReportSpec(format: "junit", path: "out/r.xml"))
        XCTAssertEqual(try ReportSpec.parse("sarif:C:/x.sarif").get(), ReportSpec(format: "sarif", path: "C:/x.sarif"))
        guard case .failure(let e) = ReportSpec.parse("junt:r.xml") else { return XCTFail() }
        XCTAssertTrue(e.message.contains("did you mean 'junit'?"), e.message)
        guard case .failure(let e2) = ReportSpec.parse("report.xml") else { return XCTFail() }
        XCTAssertTrue(e2.message.contains("expected FORMAT:PATH"), e2.message)
    }

    func testSHA256() {
        XCTAssertEqual(SHA256.hex([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testEscapes() {
        XCTAssertEqual(GitHubReport.property("a,b:c%\nd"), "a%2Cb%3Ac%25%0Ad")
        XCTAssertEqual(GitHubReport.data("50%\r\nx"), "50%25%0D%0Ax")
        var o = ByteOutput()
        o.xml("<a href=\"x\">&'\u{01}</a>")
        XCTAssertEqual(String(decoding: o.bytes, as: UTF8.self), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;\u{FFFD}&lt;/a&gt;")
        // U+FFFE/U+FFFF (a UTF-8 value's EF BF BE/BF) are not XML 1.0 characters either
        var n = ByteOutput()
        n.xml("a\u{FFFE}b\u{FFFF}c\u{FFFD}\u{EFBF}d\u{FFFF}")
        XCTAssertEqual(String(decoding: n.bytes, as: UTF8.self), "a\u{FFFD}b\u{FFFD}c\u{FFFD}\u{EFBF}d\u{FFFD}")
        var c1 = ByteOutput()
        c1.xml("a\u{9B}31m\u{85}\u{A0}\u{C0}b")
        XCTAssertEqual(String(decoding: c1.bytes, as: UTF8.self), "a\u{FFFD}31m\u{FFFD}\u{A0}\u{C0}b")
        var m = ByteOutput()
        m.markdownCell("a|b<script>\n")
        XCTAssertEqual(String(decoding: m.bytes, as: UTF8.self), "a\\|b&lt;script&gt; ")
        var mc = ByteOutput()
        mc.markdownCell("a\u{1B}[2J\u{7F}\tb\u{85}")
        XCTAssertEqual(String(decoding: mc.bytes, as: UTF8.self), "a\u{FFFD}[2J\u{FFFD}\tb\u{FFFD}")
        XCTAssertEqual(GitHubReport.data("a\u{1B}[31m\u{07}\tb"), "a\u{FFFD}[31m\u{FFFD}\tb")
        var cv = ByteOutput()
        cv.csvField("a\u{1B}b\u{9B}c\nd")
        XCTAssertEqual(String(decoding: cv.bytes, as: UTF8.self), "\"a\u{FFFD}b\u{FFFD}c\nd\"")
        var cv2 = ByteOutput()
        cv2.csvField("\u{1B}=1")
        XCTAssertEqual(String(decoding: cv2.bytes, as: UTF8.self), "\u{FFFD}=1")
        XCTAssertEqual(SARIFReport.uri("/data/a b#1.dcm"), "file:///data/a%20b%231.dcm")
        // a name that is not UTF-8 (OSPath's U+10FFxx escapes): its bytes, as the file system has them
        XCTAssertEqual(SARIFReport.uri("rel/M\u{10FFFC}ller/\u{FC}.dcm"), "rel/M%FCller/%C3%BC.dcm")
        XCTAssertEqual(RunInfo.iso8601(1_700_000_000), "2023-11-14T22:13:20Z")
        XCTAssertEqual(RunInfo.seconds(1.2345), "1.235")
    }

    /// JSON string literals (RFC 8259 §7): the quotes, backslash and control
    /// characters escaped, everything else copied, at the start, middle and
    /// end of a value and in runs; each literal parses back to its string.
    func testJSONStringEscapes() throws {
        let cases: [(String, String)] = [
            ("", #""""#),
            ("plain ÄÖ text", #""plain ÄÖ text""#),
            (#"(0019,"SIEMENS CT VA0  COAD",10)"#, #""(0019,\"SIEMENS CT VA0  COAD\",10)""#),
            ("\"\"\\\\", #""\"\"\\\\""#),
            ("a\nb\rc\td", #""a\nb\rc\td""#),
            ("\u{01}x\u{1F}\u{7F}", "\"\\u0001x\\u001F\u{7F}\""),
            ("end\\", #""end\\""#),
        ]
        for (value, literal) in cases {
            var o = ByteOutput()
            o.jsonString(value)
            XCTAssertEqual(String(decoding: o.bytes, as: UTF8.self), literal)
            let back = try JSONSerialization.jsonObject(with: Data(("[" + literal + "]").utf8)) as? [String]
            XCTAssertEqual(back, [value])
        }
        // every length and position of the bytes to escape: against a byte-by-byte escaper
        var rng = SystemRandomNumberGenerator()
        let alphabet: [Unicode.Scalar] = ["a", "Z", " ", "\"", "\\", "\n", "\r", "\t", "\u{01}", "\u{1F}", "\u{7F}", "é", "字", "€"]
        for _ in 0..<3000 {
            var value = ""
            for _ in 0..<Int.random(in: 0...40, using: &rng) { value.unicodeScalars.append(alphabet.randomElement(using: &rng)!) }
            var expected: [UInt8] = [0x22]
            for b in value.utf8 {
                switch b {
                case 0x22: expected += [0x5C, 0x22]
                case 0x5C: expected += [0x5C, 0x5C]
                case 0x0A: expected += [0x5C, 0x6E]
                case 0x0D: expected += [0x5C, 0x72]
                case 0x09: expected += [0x5C, 0x74]
                case 0..<0x20: expected += Array(String(format: "\\u%04X", b).utf8)
                default: expected.append(b)
                }
            }
            expected.append(0x22)
            var o = ByteOutput()
            o.jsonString(value)
            XCTAssertEqual(o.bytes, expected, value.debugDescription)
        }
    }
}

final class XMLCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        counts[name, default: 0] += 1
    }
}

/// RFC 4180 rows (quoted fields, doubled quotes, CRLF).
func parseCSV(_ s: String) -> [[String]] {
    var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
    var it = Array(s.unicodeScalars), i = 0
    while i < it.count {
        let c = it[i]
        if quoted {
            if c == "\"" { if i + 1 < it.count && it[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false } }
            else { field.unicodeScalars.append(c) }
        } else if c == "\"" { quoted = true }
        else if c == "," { row.append(field); field = "" }
        else if c == "\r" {}
        else if c == "\n" { row.append(field); rows.append(row); row = []; field = "" }
        else { field.unicodeScalars.append(c) }
        i += 1
    }
    if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
    it = []
    return rows
}
