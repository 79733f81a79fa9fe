import XCTest
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import DcmAudit
import DcmRules

/// dcmaudit.yml: validated like a pack; packs, disabled rules, severities,
/// include/exclude, default reports, fail-on, waivers with reasons and expiry.
final class ConfigTests: XCTestCase {
    func testErrorsHaveLineColumnAndSuggestions() {
        let text = "version: 1\nrulez: []\nseverity:\n  mr.tr-range: eror\nwaivers:\n  - rule: x.y\n    resaon: no\n  - rule: a.b\n    reason: ok\n    expires: 2026-13-01\nfail-on: warn\n"
        XCTAssertThrowsError(try AuditConfig.parse(text, file: "c.yml")) { e in
            XCTAssertEqual("\(e)", """
            c.yml:2:1: error: unknown key 'rulez' (did you mean 'rules'?)
            c.yml:4:16: error: a severity is error, warning or info (did you mean 'error'?)
            c.yml:7:5: error: unknown waiver key 'resaon' (did you mean 'reason'?)
            c.yml:6:5: error: a waiver needs a reason
            c.yml:10:14: error: expires is a date, YYYY-MM-DD
            c.yml:11:10: error: fail-on is error, warning, info or never (did you mean 'warning'?)
            """)
        }
        // a reason that is not a text: said where it is (was "a waiver needs a reason" at the waiver)
        XCTAssertThrowsError(try AuditConfig.parse("waivers:\n  - rule: a.b\n    reason: [x]\n  - {rule: c.d, reason: {k: v}}\n", file: "c.yml")) { e in
            XCTAssertEqual("\(e)", """
            c.yml:3:13: error: reason is a text, not a list
            c.yml:4:25: error: reason is a text, not a mapping
            """)
        }
        // days that are not in their month (2026-02-30 was taken, then compared as text)
        for (date, valid) in [("2026-02-30", false), ("2027-04-31", false), ("2100-02-29", false), ("2028-02-29", true),
                              ("2000-02-29", true), ("2026-12-31", true), ("2026-00-10", false), ("2026-06-00", false)] {
            let c = try? AuditConfig.parse("waivers:\n  - {rule: a.b, reason: r, expires: \(date)}\n", file: "c.yml")
            XCTAssertEqual(c != nil, valid, date)
        }
        let ok = try? AuditConfig.parse("disable: [ct.kvp, ct.kvq]\nwaivers:\n  - {rule: file.not-dicom, reason: docs}\nseverity: {file.unreadable: info}\n", file: "c.yml")
        XCTAssertEqual(ok?.checkRuleIDs(["ct.kvp", "mr.tr-range"], builtin: ["file.unreadable", "file.not-dicom"]).map(\.description), [
            "c.yml:1:19: error: no rule 'ct.kvq' in the packs of this run (did you mean 'ct.kvp'?)",
            "c.yml:4:12: error: the built-in rule 'file.unreadable' can be waived, not disabled or re-graded",
        ])
    }

    /// A YAML null (`~`, `null`, nothing) where a rule id, a reason or a
    /// list is expected is an error that says so at its line: `reason: ~`
    /// was the reason "~" (a waiver without a reason, accepted), `rule: ~`
    /// the rule '~' ("no rule '~' in the packs"), `paths: ~` "not a
    /// scalar", and `[~]` the string "~".
    /// A rule pack's or a protocol's key written in a config is named as
    /// such, not offered a look-alike config key ('session' was "did you
    /// mean 'version'?").
    func testPackAndProtocolKeysInAConfigAreNamed() {
        XCTAssertThrowsError(try AuditConfig.parse("version: 1\nsession: [PatientID]\nconditions: {a: {Modality: CT}}\npackz: [x]\n", file: "c.yml")) { e in
            let d = (e as? PackErrors)?.diagnostics.map(\.description) ?? []
            XCTAssertEqual(d.count, 3, "\(d)")
            XCTAssertTrue(d[0].hasPrefix("c.yml:2:1: error: unknown key 'session': it is a key of a rule pack's 'protocol:' section"), d[0])
            XCTAssertTrue(d[1].hasPrefix("c.yml:3:1: error: unknown key 'conditions': it is a key of a rule pack, not of a config"), d[1])
            XCTAssertTrue(d[2].contains("did you mean 'packs'?"), d[2])
        }
    }

    func testNullValuesAreErrorsAtTheirLine() {
        let text = "waivers:\n  - rule: ~\n    reason: r\n  - rule: a.b\n    reason: ~\n  - rule: a.b\n    paths: ~\n    reason: r\n  - rule: a.b\n    reason: null\n    paths: [~]\n  - rule:\n    reason: r\ndisable: [~]\n"
        XCTAssertThrowsError(try AuditConfig.parse(text, file: "c.yml")) { e in
            XCTAssertEqual("\(e)", """
            c.yml:2:11: error: rule is a rule id, not null (~)
            c.yml:2:5: error: a waiver needs a rule
            c.yml:5:13: error: reason is a text, not null (~)
            c.yml:7:12: error: paths is a list of strings, not null (~)
            c.yml:10:13: error: reason is a text, not null (~)
            c.yml:11:13: error: paths: expected a string, not null (~)
            c.yml:12:10: error: rule is a rule id, not null (~)
            c.yml:12:5: error: a waiver needs a rule
            c.yml:14:11: error: disable: expected a string, not null (~)
            """)
        }
        // a null where a scalar setting or a mapping is expected says so too
        XCTAssertThrowsError(try AuditConfig.parse("version: ~\nfail-on:\nseverity: {a.b: ~}\nwaivers: null\n", file: "c.yml")) { e in
            XCTAssertEqual("\(e)", """
            c.yml:1:10: error: version is 1, not null (~)
            c.yml:2:9: error: fail-on is error, warning, info or never, not null (~)
            c.yml:3:17: error: a severity is error, warning or info, not null (~)
            c.yml:4:10: error: waivers is a list of {rule, paths, reason, expires}, not null (~)
            """)
        }
        XCTAssertThrowsError(try AuditConfig.parse("severity:\n  - {rule: ~, severity: info}\n", file: "c.yml")) { e in
            XCTAssertEqual("\(e)", "c.yml:2:12: error: rule is a rule id, not null (~)\nc.yml:2:5: error: a severity override needs a rule")
        }
    }

    /// A duplicate key of a config is an error at the duplicate, naming the first.
    func testDuplicateKeyIsReportedAtTheDuplicate() {
        XCTAssertThrowsError(try AuditConfig.parse("version: 1\nfail-on: warning\npacks: [dicom.core]\nfail-on: error\n", file: "c.yml")) { e in
            XCTAssertEqual("\(e)", "c.yml:4:1: error: YAML: duplicate key 'fail-on' in a mapping (first at 2:1)")
        }
        XCTAssertThrowsError(try AuditConfig.parse("waivers:\n  - rule: a.b\n    reason: r\n    paths: [x]\n    reason: s\n", file: "c.yml")) { e in
            XCTAssertEqual("\(e)", "c.yml:5:5: error: YAML: duplicate key 'reason' in a mapping (first at 3:5)")
        }
    }

    /// A config of comments and blank lines only (a template with every
    /// line commented out), or an empty one, sets nothing: the defaults, as
    /// without a config (it was "the file is empty", exit 2).
    func testCommentOnlyConfigSetsNothing() throws {
        for text in ["# version: 1\n# fail-on: warning\n", "", "\n   \n\t\n", "---\n# nothing yet\n", "~\n", "# a\r\n\r\n"] {
            let c = try AuditConfig.parse(text, file: "c.yml")
            XCTAssertTrue(c.packs.isEmpty && c.rules.isEmpty && c.disable.isEmpty && c.severity.isEmpty && c.include.isEmpty
                          && c.exclude.isEmpty && c.reports.isEmpty && c.failOn == nil && c.waivers.isEmpty, text)
        }
        // a document that is something else is still not a config
        XCTAssertThrowsError(try AuditConfig.parse("# x\n- a\n", file: "c.yml")) { e in
            XCTAssertTrue("\(e)".hasPrefix("c.yml:2:1: error: a config is a mapping of "), "\(e)")
        }
    }

    /// A config that cannot be read says why (it was only "cannot read the
    /// config file" for a missing file, a directory and a Latin-1 comment).
    func testUnreadableConfigSaysWhy() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-cfgread-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertTrue(FileManager.default.createFile(atPath: dir + "/latin1.yml", contents: Data("version: 1\n# caf".utf8) + Data([0xE9, 0x0A]) + Data("fail-on: info\n".utf8)))
        for (path, reason) in [(dir + "/none.yml", "no such file"), (dir, "it is a directory"),
                               (dir + "/latin1.yml", "not UTF-8 text (line 2; save it as UTF-8)")] {
            XCTAssertThrowsError(try AuditConfig.load(path: path)) { e in
                XCTAssertEqual("\(e)", "\(path):1:1: error: cannot read the config file: \(reason)")
            }
        }
    }

    /// A pack id or pack file of the config that cannot be loaded is an
    /// error at its line in the config (it was `--pack:1:1` and the missing
    /// file's own `:1:1`, which name neither the config nor the line).
    func testPackErrorsNameTheConfigLine() throws {
        let c = try AuditConfig.parse("version: 1\npacks: [dicom.core, dicom.cor]\nrules: [missing.yaml]\n", file: "/nonexistent/dir/c.yml")
        var req = CheckRequest(paths: [])
        req.builtinRules = repoRoot + "/Rules"
        req.packIDs = c.packs; req.ruleFiles = c.rules; req.packOrigins = c.origins
        XCTAssertThrowsError(try CheckRunner.loadRules(req)) { e in
            let lines = "\(e)".split(separator: "\n").map(String.init)
            XCTAssertEqual(lines.count, 2, "\(e)")
            XCTAssertTrue(lines.contains { $0.hasPrefix("/nonexistent/dir/c.yml:2:21: error: no pack with id 'dicom.cor'") }, "\(e)")
            XCTAssertTrue(lines.contains("/nonexistent/dir/c.yml:3:9: error: cannot read pack file '/nonexistent/dir/missing.yaml': no such file"), "\(e)")
        }
    }

    func testConfigAppliesToTheRun() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-config-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
        version: 1
        rules: [\(repoRoot)/Rules/examples/example.ct-mr.yaml]
        disable: [ct.kvp]
        severity:
          geometry.pixel-spacing: warning
        exclude: ["*.md"]
        reports: ["json:\(dir)/r.json"]
        fail-on: warning
        waivers:
          - rule: mr.tr-range
            paths: ["*/S001_LOCALIZER/*"]
            reason: localizers have a short TR by design
          - rule: dataset.unique-sop
            reason: known duplicate
            expires: 2020-01-01
        """.write(toFile: dir + "/dcmaudit.yml", atomically: true, encoding: .utf8)
        var req = CheckRequest(paths: [repoRoot + "/Fixtures/demo"])
        req.builtinRules = repoRoot + "/Rules"
        req.configPath = dir + "/dcmaudit.yml"
        req.output = dir + "/console.txt"
        req.today = "2026-01-01"
        XCTAssertEqual(CheckRunner.run(req), 1, "fail-on warning from the config")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/r.json"))) as! [String: Any]
        let run = json["run"] as! [String: Any]
        XCTAssertEqual(run["files"] as? Int, 44, "README.md excluded")
        XCTAssertEqual(run["waived"] as? Int, 3, "the three localizer findings")
        XCTAssertEqual(run["failOn"] as? String, "warning")
        let findings = json["findings"] as! [[String: Any]]
        let rules = (json["rules"] as! [[String: Any]]).map { $0["id"] as! String }
        XCTAssertFalse(rules.contains("ct.kvp"), "disabled")
        XCTAssertTrue(findings.filter { $0["rule"] as? String == "geometry.pixel-spacing" }.allSatisfy { $0["severity"] as? String == "warning" })
        XCTAssertEqual(findings.filter { $0["rule"] as? String == "mr.tr-range" }.count, 1, "only the T1 finding is left")
        XCTAssertEqual(findings.filter { $0["rule"] as? String == "dataset.unique-sop" }.count, 1, "an expired waiver no longer applies")
        try SchemaValidator.validate(try String(contentsOfFile: dir + "/r.json", encoding: .utf8), schemaPath: repoRoot + "/docs/schema/check-report.schema.json")
        let waivers = json["waivers"] as! [[String: Any]]
        XCTAssertEqual(waivers.map { $0["count"] as! Int }, [3], "only the waiver that applies (the expired one is dropped)")
        XCTAssertEqual((waivers[0]["findings"] as! [[String: Any]]).map { $0["rule"] as! String }, ["mr.tr-range", "mr.tr-range", "mr.tr-range"])
        let console = try String(contentsOfFile: dir + "/console.txt", encoding: .utf8)
        XCTAssertTrue(console.contains("waived: 3 findings of mr.tr-range — localizers have a short TR by design\n  \(repoRoot)/Fixtures/demo/\(Redaction.redact("DEMO001"))/MR_BRAIN_20240410/S001_LOCALIZER/IM0001.dcm: RepetitionTime 8.6 outside"), console)
        // the command line wins: fail-on error, and the same data then passes on errors only
        req.failOn = .never; req.failOnGiven = true
        XCTAssertEqual(CheckRunner.run(req), 0)
        // a rule id the packs do not have: exit 2
        try "disable: [ct.kvq]\nrules: [\(repoRoot)/Rules/examples/example.ct-mr.yaml]\n".write(toFile: dir + "/bad.yml", atomically: true, encoding: .utf8)
        req.configPath = dir + "/bad.yml"
        XCTAssertEqual(CheckRunner.run(req), 2)
    }

    /// Severity overrides and waivers keyed by a selector: parse errors
    /// with line and column, like the rest of the config.
    func testSelectorErrors() {
        let text = """
        severity:
          - {rule: a.b, when: {Manufaturer: GE}, severity: info}
          - {rule: a.b, wen: {Modality: MR}}
          - {when: {Modality: {matchs: MR}}, severity: warning}
        waivers:
          - {rule: x.y, when: GE, reason: vendor}
        """
        XCTAssertThrowsError(try AuditConfig.parse(text, file: "c.yml")) { e in
            XCTAssertEqual("\(e)", """
            c.yml:2:24: error: unknown keyword 'Manufaturer' (did you mean 'Manufacturer'?)
            c.yml:3:17: error: unknown severity key 'wen' (did you mean 'when'?)
            c.yml:3:5: error: a severity override needs a severity (error, warning or info)
            c.yml:4:24: error: unknown operator 'matchs' (did you mean 'matches'?)
            c.yml:4:5: error: a severity override needs a rule
            c.yml:6:23: error: when is a selector: a mapping of attribute to test, e.g. {Manufacturer: GE}, or a list of them
            """)
        }
        let ok = try? AuditConfig.parse("severity:\n  - {rule: a.b, when: [{Modality: MR}, {Manufacturer: {matches: \"(?i)^ge\"}}], severity: info}\n  - {rule: a.c, severity: warning}\n", file: "c.yml")
        XCTAssertEqual(ok?.severity.count, 2)
        XCTAssertEqual(ok?.selectorOverrides.map(\.rule.value), ["a.b"])
        XCTAssertEqual(ok?.selectorOverrides.first?.when?.predicates.count, 2)
    }

    /// On the demo data: pixel spacing of the ultrasound is re-graded per
    /// scanner (the first override that holds wins), a series finding by
    /// manufacturer (the selector holds on the file the finding names), and
    /// the localizer TR findings are waived by station and model.
    func testSelectorsApplyPerFinding() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-config-sel-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
        rules: [\(repoRoot)/Rules/examples/example.ct-mr.yaml]
        severity:
          - {rule: geometry.pixel-spacing, when: {StationName: SCANNER1}, severity: info}
          - {rule: geometry.pixel-spacing, when: {Modality: US}, severity: warning}
          - {rule: series.geometry, when: {Manufacturer: {matches: "(?i)siemens"}}, severity: info}
          - {rule: core.patient-id, when: {Manufacturer: GE}, severity: info}
        reports: ["json:\(dir)/r.json"]
        waivers:
          - rule: mr.tr-range
            when: {StationName: SCANNER2, ManufacturerModelName: Prisma}
            reason: scanner 2 localizers use a short TR
          - rule: mr.tr-range
            when: {StationName: SCANNER9}
            reason: no such scanner
        """.write(toFile: dir + "/dcmaudit.yml", atomically: true, encoding: .utf8)
        var req = CheckRequest(paths: [repoRoot + "/Fixtures/demo"])
        req.builtinRules = repoRoot + "/Rules"
        req.configPath = dir + "/dcmaudit.yml"
        req.output = dir + "/console.txt"
        req.showPHI = true
        XCTAssertEqual(CheckRunner.run(req), 1)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/r.json"))) as! [String: Any]
        let findings = json["findings"] as! [[String: Any]]
        func severities(_ rule: String) -> [String: Int] {
            var out: [String: Int] = [:]
            for f in findings where f["rule"] as? String == rule { out[f["severity"] as! String, default: 0] += 1 }
            return out
        }
        XCTAssertEqual(severities("geometry.pixel-spacing"), ["info": 4, "warning": 6], "SCANNER1's four files info, the other US files warning")
        XCTAssertEqual(severities("series.geometry"), ["info": 1])
        XCTAssertEqual(severities("core.patient-id"), ["error": 1], "the selector does not hold (SIEMENS)")
        XCTAssertEqual(severities("mr.tr-range"), ["warning": 1], "the T1 finding (SCANNER3) is left")
        let waivers = json["waivers"] as! [[String: Any]]
        XCTAssertEqual(waivers.map { $0["count"] as! Int }, [3, 0])
        XCTAssertEqual(waivers.first?["when"] as? String, "{StationName: SCANNER2, ManufacturerModelName: Prisma}")
        try SchemaValidator.validate(try String(contentsOfFile: dir + "/r.json", encoding: .utf8), schemaPath: repoRoot + "/docs/schema/check-report.schema.json")
    }

    /// Waived findings are counted and listed apart in every format: JSON
    /// `waivers`, JSONL `waived` records, SARIF results with an external
    /// suppression, a skipped JUnit case per waiver, CSV rows with the waiver
    /// column, a Markdown table, a GitHub notice, an HTML section, the console.
    /// The closing counts agree in every place: the per-rule findings of the
    /// built-in rules are the findings reported, as every rule's (a waived
    /// unreadable file was still a finding of file.unreadable in the rules
    /// table, JSON `rules[].findings` and Markdown, while the totals left it
    /// out); the text, summary, GitHub and Markdown lines say the same files
    /// and errors as JSON's run and totals.
    func testClosingCountsAgreeEverywhere() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-config-counts-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir + "/in", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "not DICOM\n".write(toFile: dir + "/in/note.txt", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: repoRoot + "/Fixtures/iod/CT.dcm", toPath: dir + "/in/CT.dcm")
        try """
        rules: [\(repoRoot)/Rules/examples/example.ct-mr.yaml]
        waivers:
          - {rule: file.unreadable, reason: known, paths: ["*/missing-1.dcm"]}
          - {rule: file.not-dicom, reason: docs}
        """.write(toFile: dir + "/dcmaudit.yml", atomically: true, encoding: .utf8)
        var req = CheckRequest(paths: [dir + "/in", dir + "/missing-1.dcm", dir + "/missing-2.dcm"])
        req.builtinRules = repoRoot + "/Rules"
        req.configPath = dir + "/dcmaudit.yml"
        req.output = dir + "/console.txt"
        req.reports = ["json", "jsonl", "markdown", "github", "summary", "sarif"].map { ReportSpec(format: $0, path: dir + "/r." + $0) }
        XCTAssertEqual(CheckRunner.run(req), 1)
        func read(_ f: String) throws -> String { try String(contentsOfFile: dir + "/" + f, encoding: .utf8) }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/r.json"))) as! [String: Any]
        let rules = json["rules"] as! [[String: Any]]
        let totals = json["totals"] as! [String: Any], run = json["run"] as! [String: Any]
        let errors = totals["error"] as! Int, findings = totals["findings"] as! Int
        XCTAssertEqual(rules.first { $0["id"] as? String == "file.unreadable" }?["findings"] as? Int, 1, "missing-2.dcm; missing-1.dcm is waived")
        XCTAssertEqual(rules.first { $0["id"] as? String == "file.not-dicom" }?["findings"] as? Int, 0)
        XCTAssertEqual(rules.map { $0["findings"] as! Int }.reduce(0, +), findings)
        XCTAssertEqual(run["unreadable"] as? Int, 2)
        XCTAssertEqual(run["waived"] as? Int, 2)
        let jsonl = try read("r.jsonl").split(separator: "\n").last.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual((jsonl?["rules"] as? [[String: Any]])?.map { $0["findings"] as! Int }.reduce(0, +), findings)
        XCTAssertEqual(jsonl?["error"] as? Int, errors)
        let line = "4 files (2 unreadable, 1 not DICOM)"
        let counts = "\(errors) error\(errors == 1 ? "" : "s"), 0 warnings, 0 info"
        let console = try read("console.txt"), github = try read("r.github"), markdown = try read("r.markdown")
        XCTAssertTrue(console.contains("\n\(line), 8 rules from example.ct-mr: \(counts)\n"), console)
        XCTAssertTrue(try read("r.summary").contains("\n\(line), 8 rules from example.ct-mr: \(counts)\n"))
        XCTAssertTrue(github.contains("\ndcmaudit \(dcmauditVersion): \(line), \(counts) (packs: "), github)
        XCTAssertTrue(markdown.contains("— \(counts)\n\n\(line), 8 rules from example.ct-mr, fail on: error"), markdown)   // (as the console counts them)
        XCTAssertTrue(markdown.contains("| `file.unreadable` | dcmaudit | error | 1 |"), markdown)
        // the summary's findings column adds up to the totals
        let table = try read("r.summary").split(separator: "\n").filter { $0.hasPrefix("file.") || $0.hasPrefix("core.") || $0.hasPrefix("geometry.") || $0.hasPrefix("mr.") || $0.hasPrefix("ref.") || $0.hasPrefix("series.") || $0.hasPrefix("dataset.") || $0.hasPrefix("ct.") }
        XCTAssertEqual(table.map { Int($0.split(separator: " ", omittingEmptySubsequences: true)[2])! }.reduce(0, +), findings, "\(table)")
    }

    func testWaivedFindingsInEveryFormat() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-config-waived-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
        rules: [\(repoRoot)/Rules/examples/example.ct-mr.yaml]
        waivers:
          - rule: mr.tr-range
            paths: ["*/S001_LOCALIZER/*"]
            reason: localizers <short TR> by design
            expires: 2999-01-01
          - rule: geometry.pixel-spacing
            when: {Modality: US, StationName: SCANNER1}
            reason: calibration pending
        """.write(toFile: dir + "/dcmaudit.yml", atomically: true, encoding: .utf8)
        var req = CheckRequest(paths: [repoRoot + "/Fixtures/demo"])
        req.builtinRules = repoRoot + "/Rules"
        req.configPath = dir + "/dcmaudit.yml"
        req.output = dir + "/console.txt"
        req.reports = ReportFormats.names.map { ReportSpec(format: $0, path: dir + "/r." + $0) }
        XCTAssertEqual(CheckRunner.run(req), 1)
        func read(_ f: String) throws -> String { try String(contentsOfFile: dir + "/" + f, encoding: .utf8) }
        let reason = "localizers <short TR> by design"

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/r.json"))) as! [String: Any]
        XCTAssertEqual((json["run"] as! [String: Any])["waived"] as? Int, 7)
        XCTAssertEqual((json["waivers"] as! [[String: Any]]).map { $0["count"] as! Int }, [3, 4])

        let jsonl = try read("r.jsonl").split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(jsonl.filter { $0["type"] as? String == "waived" }.count, 7)
        XCTAssertEqual(jsonl.filter { $0["type"] as? String == "waived" }.first?["reason"] as? String, reason)
        XCTAssertEqual(jsonl.last?["waived"] as? Int, 7)

        let sarif = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/r.sarif"))) as! [String: Any]
        let results = ((sarif["runs"] as! [[String: Any]])[0]["results"] as! [[String: Any]])
        let suppressed = results.filter { $0["suppressions"] != nil }
        XCTAssertEqual(suppressed.count, 7)
        XCTAssertEqual(results.count - suppressed.count, (json["findings"] as! [Any]).count, "the other results are the findings")
        let s0 = (suppressed[0]["suppressions"] as! [[String: Any]])[0]
        XCTAssertEqual(s0["kind"] as? String, "external")
        XCTAssertEqual(s0["justification"] as? String, reason)
        XCTAssertEqual((s0["properties"] as? [String: Any])?["expires"] as? String, "2999-01-01")
        XCTAssertEqual(((suppressed[3]["suppressions"] as! [[String: Any]])[0]["properties"] as? [String: Any])?["when"] as? String, "{Modality: US, StationName: SCANNER1}")

        let junit = try XMLDocument(contentsOf: URL(fileURLWithPath: dir + "/r.junit"))
        let waivedCases = try junit.nodes(forXPath: "//testcase[contains(@name, '(waived')]") as! [XMLElement]
        XCTAssertEqual(waivedCases.map { $0.attribute(forName: "name")!.stringValue! }, ["mr.tr-range (waived)", "geometry.pixel-spacing (waived)"])
        let skipped = try waivedCases[0].nodes(forXPath: "skipped").first as! XMLElement
        XCTAssertTrue(skipped.attribute(forName: "message")!.stringValue!.hasPrefix("waived: 3 findings of mr.tr-range — " + reason))
        XCTAssertEqual(skipped.stringValue!.components(separatedBy: "S001_LOCALIZER/IM000").count - 1, 3, "the three findings listed")

        let csvRows = try read("r.csv").components(separatedBy: "\r\n").dropFirst(2).filter { !$0.isEmpty }
        XCTAssertEqual(csvRows.filter { $0.hasSuffix(",\"" + reason + "\"") || $0.hasSuffix("," + reason) }.count, 3)
        XCTAssertEqual(csvRows.filter { $0.hasSuffix(",calibration pending") }.count, 4)
        XCTAssertEqual(csvRows.filter { $0.hasSuffix(",") }.count, (json["findings"] as! [Any]).count, "findings of the run have an empty waiver cell")

        let md = try read("r.markdown")
        XCTAssertTrue(md.contains("Waived: 7 findings, not counted above."), md)
        XCTAssertTrue(md.contains("| mr.tr-range | 3 | localizers &lt;short TR&gt; by design | 2999-01-01 |"), md)

        let gh = try read("r.github")
        XCTAssertTrue(gh.contains("::notice title=dcmaudit waiver::waived: 3 findings of mr.tr-range — " + reason + " (until 2999-01-01; paths */S001_LOCALIZER/*)\n"), gh)
        XCTAssertFalse(gh.contains("S001_LOCALIZER/IM0001.dcm,title=mr.tr-range"), "no annotation for a waived finding")

        let html = try read("r.html")
        XCTAssertTrue(html.contains("<h2 id=\"waived\">Waived findings</h2>"))
        XCTAssertTrue(html.contains("<td>localizers &lt;short TR&gt; by design</td><td>2999-01-01</td><td>paths */S001_LOCALIZER/*</td><td class=\"n\">3</td>"), html)
        XCTAssertTrue(html.contains("when {Modality: US, StationName: SCANNER1}"))
        XCTAssertEqual(html.components(separatedBy: "S001_LOCALIZER/IM000").count - 1, 3, "listed once each, in the waived section only")

        XCTAssertTrue(try read("console.txt").contains("waived: 4 findings of geometry.pixel-spacing — calibration pending"))
    }

    /// The YAML blocks of docs/configuration.md parse (rule ids are checked
    /// only against a run's packs).
    func testDocumentedExamplesParse() throws {
        let doc = try String(contentsOfFile: repoRoot + "/docs/configuration.md", encoding: .utf8)
        let blocks = doc.components(separatedBy: "```yaml\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        XCTAssertEqual(blocks.count, 2)
        let full = try AuditConfig.parse(blocks[0], file: "configuration.md")
        XCTAssertEqual(full.waivers.map { $0.when != nil }, [false, true])
        let sev = try AuditConfig.parse(blocks[1], file: "configuration.md")
        XCTAssertEqual(sev.severity.map { $0.when?.predicates.count ?? 0 }, [0, 1, 3])
    }

    func testGlobs() {
        XCTAssertTrue(globMatch("*.md", "data/README.md"))
        XCTAssertTrue(globMatch("legacy/*", "legacy/a/b/c.dcm"))
        XCTAssertTrue(globMatch("**/scratch/*", "x/scratch/y.dcm"))
        XCTAssertFalse(globMatch("legacy/*", "new/legacy.dcm"))
    }
}
