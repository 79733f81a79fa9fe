import XCTest
import Foundation
import DcmRules

/// The `dcmaudit` executable end to end: exit codes 0/1/2, messages on
/// standard error, built-in packs found from the binary's location.
final class CLITests: XCTestCase {
    var binary: String {
        get throws {
            let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
            for d in [dir, (dir as NSString).deletingLastPathComponent] {
                let p = d + "/dcmaudit"
                if FileManager.default.isExecutableFile(atPath: p) { return p }
            }
            throw XCTSkip("dcmaudit executable not found beside the test bundle (\(dir))")
        }
    }

    func run(_ args: [String], env: [String: String] = [:], cwd: String = NSTemporaryDirectory()) throws -> (code: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try binary)
        p.arguments = args
        var e = ProcessInfo.processInfo.environment
        e.removeValue(forKey: "DCMAUDIT_RULES")
        for (k, v) in env { e[k] = v }
        p.environment = e
        p.currentDirectoryURL = URL(fileURLWithPath: cwd)
        let o = Pipe(), r = Pipe()
        p.standardOutput = o; p.standardError = r
        try p.run()
        let out = o.fileHandleForReading.readDataToEndOfFile(), err = r.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    func testExitCodes() throws {
        let demo = repoRoot + "/Fixtures/demo"
        let mri = demo + "/DEMO001/MR_BRAIN_20240410/S002_T1_MPRAGE/IM0004.dcm"
        let example = repoRoot + "/Rules/examples/example.ct-mr.yaml"
        // built-in packs found from the executable's directory (cwd is /tmp)
        let def = try run(["check", demo + "/DEMO001"])
        XCTAssertEqual(def.code, 1, def.err)
        XCTAssertTrue(def.out.contains("dicom.patient-id"), def.out)
        // only a warning: 0 by default, 1 with --fail-on warning
        XCTAssertEqual(try run(["check", "--rules", example, mri]).code, 0)
        XCTAssertEqual(try run(["check", "--rules", example, "--fail-on", "warning", mri]).code, 1)
        // usage and pack errors: 2, with the message
        let usage = try run(["check", "--format", "xml", mri])
        XCTAssertEqual(usage.code, 2)
        XCTAssertTrue(usage.err.contains("unknown format 'xml'"), usage.err)
        let pack = try run(["check", "--pack", "dicom.cor", mri])
        XCTAssertEqual(pack.code, 2)
        XCTAssertTrue(pack.err.contains("did you mean 'dicom.core'?"), pack.err)
        // a pack id of the command line is in no file (it was said at `--pack:1:1`)
        XCTAssertTrue(pack.err.hasPrefix("error: no pack with id 'dicom.cor'; known: dicom.core, "), pack.err)
        // a pack file given as an id: where it goes
        let file = try run(["check", "--pack", "site/mr.yaml", mri])
        XCTAssertEqual(file.code, 2)
        XCTAssertEqual(file.err, "error: no pack with id 'site/mr.yaml'; a pack file or directory goes in --rules (the config's 'rules')\n1 error\n")
        let coverage = try run(["rules", "coverage", "dicom.cor"])
        XCTAssertEqual(coverage.code, 2)
        XCTAssertTrue(coverage.err.hasPrefix("error: no pack with id 'dicom.cor'"), coverage.err)
        // $DCMAUDIT_RULES points at a directory without packs: the built-in ones are then found next to the binary
        XCTAssertEqual(try run(["rules", "list", "--pack", "dicom.encoding"], env: ["DCMAUDIT_RULES": "/nonexistent"]).code, 0)
        let help = try run(["check", "--help"])
        XCTAssertTrue(help.out.contains("Exit codes: 0 no finding at or above --fail-on; 1 findings"), help.out)
        // exit 2 for no file to check, 0 with --allow-no-files (it read as if the flag caused the 2)
        XCTAssertTrue(help.out.replacingOccurrences(of: "\n", with: " ").contains("or no file to check (0 then with --allow-no-files)"), help.out)
        let root = try run(["--help"])
        XCTAssertTrue(root.out.replacingOccurrences(of: "\n", with: " ").contains("2 usage or rule-pack error (check: also a report that cannot be written, or no file to check)"), root.out)
    }

    /// A run with no file to check is exit 2 naming why (no file found, or
    /// the include/exclude patterns left none), unless --allow-no-files.
    func testNoFileToCheckIsAnError() throws {
        let empty = NSTemporaryDirectory() + "dcmaudit-empty-\(getpid())"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let none = try run(["check", empty])
        XCTAssertEqual(none.code, 2, none.err)
        XCTAssertTrue(none.err.contains("error: no file to check: none found under \(empty)"), none.err)
        XCTAssertTrue(none.out.contains("0 files"), none.out)   // (the report is still written)
        XCTAssertEqual(try run(["check", "--allow-no-files", empty]).code, 0)
        // files, none of them DICOM (a folder of JPEGs, an archive not unpacked)
        try "not DICOM".write(toFile: empty + "/a.txt", atomically: true, encoding: .utf8)
        let notDicom = try run(["check", empty])
        XCTAssertEqual(notDicom.code, 2, notDicom.err)
        XCTAssertTrue(notDicom.err.contains("error: no file to check: the one file found under \(empty) is not DICOM"), notDicom.err)
        XCTAssertTrue(notDicom.out.contains("file.not-dicom"), notDicom.out)
        try FileManager.default.removeItem(atPath: empty + "/a.txt")
        // a config's include that matches none of the demo's files
        let demo = repoRoot + "/Fixtures/demo/DEMO001"
        let cfg = empty + "/dcmaudit.yml"
        try "version: 1\ninclude: ['*.DCM']\n".write(toFile: cfg, atomically: true, encoding: .utf8)
        let filtered = try run(["check", "--config", cfg, demo])
        XCTAssertEqual(filtered.code, 2, filtered.err)
        XCTAssertTrue(filtered.err.contains("the patterns (include *.DCM) left none of the"), filtered.err)
        XCTAssertEqual(try run(["check", "--config", cfg, "--allow-no-files", demo]).code, 0)
        // a pattern that matches some files: the run goes on as before
        try "version: 1\ninclude: ['*IM0004.dcm']\n".write(toFile: cfg, atomically: true, encoding: .utf8)
        XCTAssertNotEqual(try run(["check", "--config", cfg, demo]).code, 2)
    }

    /// Output that cannot be written (a full disk: /dev/full) is exit 2 with
    /// the reason, for `check` (console and --report), `dump` and `learn`:
    /// the failed writes were dropped and the runs exited 0 with nothing written.
    func testOutputThatCannotBeWrittenIsExit2() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { throw XCTSkip("no /dev/full") }
        let mri = repoRoot + "/Fixtures/demo/DEMO001/MR_BRAIN_20240410/S002_T1_MPRAGE/IM0004.dcm"
        let full = FileHandle(forWritingAtPath: "/dev/full")!
        func runTo(_ args: [String], stdout: FileHandle?) throws -> (code: Int32, err: String) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: try binary)
            p.arguments = args
            var e = ProcessInfo.processInfo.environment
            e.removeValue(forKey: "DCMAUDIT_RULES")
            p.environment = e
            let r = Pipe()
            p.standardOutput = stdout ?? FileHandle.nullDevice
            p.standardError = r
            try p.run()
            let err = r.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return (p.terminationStatus, String(decoding: err, as: UTF8.self))
        }
        for (args, to, message) in [
            (["check", mri], full, "standard output: error: cannot write the report: No space left on device"),
            (["check", "--format", "json", "--output", "/dev/full", mri], nil, "/dev/full: error: cannot write the report: No space left on device"),
            (["check", "--report", "sarif:/dev/full", mri], nil, "/dev/full: error: cannot write the report: No space left on device"),
            (["dump", "--format", "json", mri], full, "error: cannot write the output: No space left on device"),
            (["learn", repoRoot + "/Fixtures/protocol/siteA-sub01", "-o", "/dev/full"], nil, "/dev/full: error: cannot write the protocol: No space left on device"),
        ] as [([String], FileHandle?, String)] {
            let r = try runTo(args, stdout: to)
            XCTAssertEqual(r.code, 2, "\(args): \(r.err)")
            XCTAssertTrue(r.err.contains(message), "\(args): \(r.err)")
        }
        // the same runs to a file that can be written: 0
        XCTAssertEqual(try runTo(["check", mri], stdout: nil).code, 0)
        XCTAssertEqual(try runTo(["dump", mri], stdout: nil).code, 0)
    }

    /// An output naming a DICOM file is exit 2 and the file is left as it
    /// was: `check --output inp/CT.dcm inp` truncated CT.dcm (outputs are
    /// opened before any file is read), then reported it as an empty file.
    func testOutputNamingADicomFileIsRefused() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-overwrite-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ct = dir + "/CT.dcm"
        try FileManager.default.copyItem(atPath: repoRoot + "/Fixtures/iod/CT.dcm", toPath: ct)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: ct))
        for args in [["check", "--output", ct, dir], ["check", "--report", "json:" + ct, dir],
                     ["check", "--write-baseline", ct, dir], ["learn", "-o", ct, dir]] {
            let r = try run(args)
            XCTAssertEqual(r.code, 2, "\(args): \(r.err)")
            XCTAssertTrue(r.err.contains("\(ct): error: a DICOM file, which the"), "\(args): \(r.err)")
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: ct)), bytes, "\(args): the file is untouched")
        }
        // a pipe is not read to look for DICM: `--output /dev/stdout | cat` waited for ever
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try binary)
        p.arguments = ["check", "--output", "/dev/stdout", "--write-baseline", "/dev/stderr", repoRoot + "/Fixtures/iod/CT.dcm"]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        _ = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertTrue(text.contains("1 file (0 unreadable)"), text)
        // a report over an earlier report (not DICOM) is written as before
        try "old report".write(toFile: dir + "/r.txt", atomically: true, encoding: .utf8)
        XCTAssertEqual(try run(["check", "--output", dir + "/r.txt", ct]).code, 0)
        XCTAssertTrue(try String(contentsOfFile: dir + "/r.txt", encoding: .utf8).contains("1 file (0 unreadable)"))
    }

    /// An output naming an input of the run (a pack file, the config, the
    /// baseline, the HTML template) is exit 2 and the input is left as it
    /// was: the outputs are opened after those are read, and the report
    /// overwrote them. `--write-baseline` may update the `--baseline`.
    func testOutputNamingAnInputIsRefused() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-overwrite-in-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir + "/site", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ct = repoRoot + "/Fixtures/iod/CT.dcm"
        let pack = "pack: site.a\nversion: 1\nrules:\n  - {id: site.rows, check: {Rows: present}}\n"
        try pack.write(toFile: dir + "/site/a.yaml", atomically: true, encoding: .utf8)
        try "fail-on: warning\n".write(toFile: dir + "/dcmaudit.yml", atomically: true, encoding: .utf8)
        XCTAssertEqual(try run(["check", "--rules", dir + "/site", "--write-baseline", dir + "/base.txt", ct]).code, 0)
        let base = try String(contentsOfFile: dir + "/base.txt", encoding: .utf8)
        for (args, what) in [(["check", "--rules", dir + "/site", "--output", dir + "/site/a.yaml", ct], "the pack file"),
                             (["check", "--config", dir + "/dcmaudit.yml", "--report", "csv:" + dir + "/dcmaudit.yml", ct], "the config file"),
                             (["check", "--baseline", dir + "/base.txt", "--output", dir + "/base.txt", ct], "the baseline")] {
            let r = try run(args)
            XCTAssertEqual(r.code, 2, "\(args): \(r.err)")
            XCTAssertTrue(r.err.contains("error: is \(what)"), "\(args): \(r.err)")
        }
        XCTAssertEqual(try String(contentsOfFile: dir + "/site/a.yaml", encoding: .utf8), pack)
        XCTAssertEqual(try String(contentsOfFile: dir + "/dcmaudit.yml", encoding: .utf8), "fail-on: warning\n")
        XCTAssertEqual(try String(contentsOfFile: dir + "/base.txt", encoding: .utf8), base)
        let update = try run(["check", "--rules", dir + "/site", "--baseline", dir + "/base.txt", "--write-baseline", dir + "/base.txt", ct])
        XCTAssertEqual(update.code, 0, update.err)
    }

    /// --report, --format github and dcmaudit.yml through the real command line.
    func testReportsAndConfigOnTheCommandLine() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-cli-reports-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let mri = repoRoot + "/Fixtures/demo/DEMO001/MR_BRAIN_20240410/S002_T1_MPRAGE/IM0004.dcm"
        let example = repoRoot + "/Rules/examples/example.ct-mr.yaml"
        let r = try run(["check", "--rules", example, "--format", "github", "--report", "junit:\(dir)/r.xml", "--report", "sarif:\(dir)/r.sarif", mri])
        XCTAssertEqual(r.code, 0, r.err)
        let shown = mri.replacingOccurrences(of: "DEMO001", with: Redaction.redact("DEMO001"))   // the patient's folder
        XCTAssertTrue(r.out.hasPrefix("::warning file=\(shown.replacingOccurrences(of: ":", with: "%3A")),title=mr.tr-range::RepetitionTime 35000"), r.out)
        XCTAssertTrue(try String(contentsOfFile: dir + "/r.xml", encoding: .utf8).contains("dcmaudit.commandLine"))
        XCTAssertTrue(try String(contentsOfFile: dir + "/r.sarif", encoding: .utf8).contains("\"version\": \"2.1.0\""))
        let bad = try run(["check", "--report", "junt:\(dir)/x.xml", mri])
        XCTAssertEqual(bad.code, 2)
        XCTAssertTrue(bad.err.contains("unknown format 'junt' (did you mean 'junit'?)"), bad.err)
        // dcmaudit.yml in the current directory
        try "version: 1\nrules: [\(example)]\nfail-on: warning\n".write(toFile: dir + "/dcmaudit.yml", atomically: true, encoding: .utf8)
        XCTAssertEqual(try run(["check", mri], cwd: dir).code, 1, "fail-on warning from ./dcmaudit.yml")
        XCTAssertEqual(try run(["check", "--fail-on", "error", mri], cwd: dir).code, 0, "the command line wins")
        try "version: 1\nfail-on: warn\n".write(toFile: dir + "/dcmaudit.yml", atomically: true, encoding: .utf8)
        let badConfig = try run(["check", mri], cwd: dir)
        XCTAssertEqual(badConfig.code, 2)
        XCTAssertTrue(badConfig.err.contains("dcmaudit.yml:2:10: error: fail-on is error, warning, info or never (did you mean 'warning'?)"), badConfig.err)
        // errors of the config or of its packs end with their count, wherever they are found (as `rules validate`)
        try "version: 1\nrules: [\(dir)/bad.yaml]\ndisable: [no.such-rule]\n".write(toFile: dir + "/dcmaudit.yml", atomically: true, encoding: .utf8)
        try "pack: t.bad\nversion: 1\nrules:\n  - {id: t.a, check: {Rowz: present}}\n  - {id: t.b, check: {Colums: present}}\n".write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        let badPack = try run(["check", mri], cwd: dir)
        XCTAssertEqual(badPack.code, 2)
        XCTAssertTrue(badPack.err.hasSuffix(":5:23: error: unknown keyword 'Colums' (did you mean 'Columns'?)\n2 errors\n"), badPack.err)
        try "pack: t.ok\nversion: 1\nrules:\n  - {id: t.a, check: {Rows: present}}\n".write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        let badID = try run(["check", mri], cwd: dir)
        XCTAssertEqual(badID.code, 2)
        XCTAssertTrue(badID.err.hasSuffix("dcmaudit.yml:3:11: error: no rule 'no.such-rule' in the packs of this run\n1 error\n"), badID.err)
        try "version: 1\nreports: [\"junt:x.xml\", \"nocolon\"]\n".write(toFile: dir + "/dcmaudit.yml", atomically: true, encoding: .utf8)
        let badReports = try run(["check", mri], cwd: dir)
        XCTAssertEqual(badReports.code, 2)
        XCTAssertTrue(badReports.err.hasSuffix("\n2 errors\n"), badReports.err)
        // one of comments only: no setting, nothing said, the same run as without it
        try "# version: 1\n# fail-on: warning\n\n".write(toFile: dir + "/dcmaudit.yml", atomically: true, encoding: .utf8)
        let commented = try run(["check", "--rules", example, mri], cwd: dir)
        XCTAssertEqual(commented.code, 0, commented.err)
        XCTAssertEqual(commented.err, "")
        try FileManager.default.removeItem(atPath: dir + "/dcmaudit.yml")
        XCTAssertEqual(try run(["check", "--rules", example, mri], cwd: dir).out, commented.out)
    }

    func testRulesValidateReportsEveryError() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-cli-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "pack: t.a\nversion: 1\nrules:\n  - id: a.b\n    check: {Rowz: present}\n".write(toFile: dir + "/a.yaml", atomically: true, encoding: .utf8)
        try "pack: t.b\nversion: 1\nrules:\n  - id: b.c\n    severity: high\n    check: {Rows: present}\n".write(toFile: dir + "/b.yaml", atomically: true, encoding: .utf8)
        let r = try run(["rules", "validate", dir + "/a.yaml", dir + "/b.yaml"])
        XCTAssertEqual(r.code, 2)
        XCTAssertEqual(r.err, """
        \(dir)/a.yaml:5:13: error: unknown keyword 'Rowz' (did you mean 'Rows'?)
        \(dir)/b.yaml:5:15: error: unknown severity 'high': use error, warning or info
        2 errors

        """)
        XCTAssertEqual(try run(["rules", "validate", repoRoot + "/Rules"]).code, 0)
        XCTAssertEqual(try run(["rules", "test", repoRoot + "/Rules"]).code, 0)
    }

    /// A pack file reached by two paths (its folder and itself, relative
    /// and absolute, `./`) is loaded once: every rule of it was a
    /// "duplicate rule id … (first defined at …)", exit 2.
    func testPackFileGivenTwiceIsLoadedOnce() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-twice-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir + "/site", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "pack: site.a\nversion: 1\nrules:\n  - {id: site.rows, check: {Rows: present}}\n".write(toFile: dir + "/site/a.yaml", atomically: true, encoding: .utf8)
        let ct = repoRoot + "/Fixtures/iod/CT.dcm"
        for args in [["--rules", "site", "--rules", dir + "/site/a.yaml"], ["--rules", "site/a.yaml", "--rules", "./site/a.yaml"]] {
            let r = try run(["check"] + args + [ct], cwd: dir)
            XCTAssertEqual(r.code, 0, "\(args): \(r.err)")
            XCTAssertTrue(r.out.contains("1 rule from site.a"), r.out)
        }
    }

    /// A negative count is a usage error in every command: `learn
    /// --jobs=-1` ran (check and dump said "--jobs must be 0 (all cores) or
    /// more"), `rules coverage --texts=-3` listed none.
    /// `rules coverage --file F --texts N`: --texts was ignored; a usage
    /// error now, naming why. One pack's coverage says "1 group".
    func testCoverageTextsWithFileIsAUsageError() throws {
        let r = try run(["rules", "coverage", "--texts", "3", "--file", repoRoot + "/Fixtures/iod/CT.dcm"])
        XCTAssertEqual(r.code, 2)
        XCTAssertTrue(r.err.contains("--texts lists the packs' most used conditions; it does not apply to --file"), r.err)
        let one = try run(["rules", "coverage", "dicom.meta"])
        XCTAssertEqual(one.code, 0, one.err)
        XCTAssertTrue(one.out.contains("overall (1 group) "), one.out)
    }

    /// A binary copied without its `Rules/`: `check` says the built-in
    /// packs were not found (at "dcmaudit:1:1", a file that is not), and
    /// `rules list` says it too (an empty list, exit 0).
    func testBinaryWithoutItsRules() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-norules-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: try binary, toPath: dir + "/dcmaudit")
        func run(_ args: [String]) throws -> (code: Int32, err: String) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: dir + "/dcmaudit")
            p.arguments = args
            var e = ProcessInfo.processInfo.environment
            e.removeValue(forKey: "DCMAUDIT_RULES")
            p.environment = e
            p.currentDirectoryURL = URL(fileURLWithPath: dir)
            let r = Pipe()
            p.standardError = r; p.standardOutput = FileHandle.nullDevice
            try p.run()
            let err = r.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return (p.terminationStatus, String(decoding: err, as: UTF8.self))
        }
        let check = try run(["check", repoRoot + "/Fixtures/iod/CT.dcm"])
        XCTAssertEqual(check.code, 2)
        XCTAssertEqual(check.err, "error: \(PackLoader.noBuiltinPacks)\n1 error\n")
        let list = try run(["rules", "list"])
        XCTAssertEqual(list.code, 2)
        XCTAssertEqual(list.err, "error: \(PackLoader.noBuiltinPacks)\n")
    }

    func testNegativeCountsAreUsageErrors() throws {
        let ct = repoRoot + "/Fixtures/iod/CT.dcm"
        for (args, message) in [(["learn", "--jobs=-1", ct], "--jobs must be 0 (all cores) or more"),
                                (["check", "--jobs=-1", ct], "--jobs must be 0 (all cores) or more"),
                                (["rules", "coverage", "--texts=-3", "dicom.core"], "--texts must be 0 or more")] {
            let r = try run(args)
            XCTAssertEqual(r.code, 2, "\(args)")
            XCTAssertTrue(r.err.contains(message), "\(args): \(r.err)")
            XCTAssertEqual(r.out, "", "\(args)")
        }
    }

    /// `--output -` (check) and `-o -` (learn) are standard output: they
    /// wrote a file named "-" in the current directory.
    func testDashIsStandardOutput() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-dash-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let check = try run(["check", "--output", "-", repoRoot + "/Fixtures/iod/CT.dcm"], cwd: dir)
        XCTAssertEqual(check.code, 0, check.err)
        XCTAssertTrue(check.out.contains("1 file (0 unreadable)"), check.out)
        let learn = try run(["learn", "-o", "-", repoRoot + "/Fixtures/protocol/siteA-sub01"], cwd: dir)
        XCTAssertEqual(learn.code, 0, learn.err)
        XCTAssertTrue(learn.out.contains("pack: learned.protocol"), learn.out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/-"))
    }

    /// Every bad `reports` entry of the config is said at once, with its
    /// line and column (only the first was, as if the others were right).
    func testEveryBadConfigReportIsSaid() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-cfgreports-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "reports:\n  - junt:a.xml\n  - \"json:\"\n  - \"csv:\(dir)/ok.csv\"\n".write(toFile: dir + "/dcmaudit.yml", atomically: true, encoding: .utf8)
        let r = try run(["check", "--config", dir + "/dcmaudit.yml", repoRoot + "/Fixtures/iod/CT.dcm"])
        XCTAssertEqual(r.code, 2)
        let lines = r.err.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, r.err)
        XCTAssertTrue(lines.first?.hasPrefix("\(dir)/dcmaudit.yml:2:5: error: ") ?? false, r.err)
        XCTAssertTrue(lines[1].hasPrefix("\(dir)/dcmaudit.yml:3:5: error: "), r.err)
        XCTAssertEqual(lines.last, "2 errors", "their count, as for every list of config or pack errors")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/ok.csv"), "nothing written")
    }

    /// --html-template without an HTML report and --junit-per-series without
    /// a JUnit one are exit 2 saying so (they were dropped without a word);
    /// a report of the config counts.
    func testReportOptionsWithoutTheirReport() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-reportopts-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ct = repoRoot + "/Fixtures/iod/CT.dcm"
        try "<html>{{#rules}}{{id}} {{/rules}}</html>".write(toFile: dir + "/t.mustache", atomically: true, encoding: .utf8)
        let html = try run(["check", "--html-template", dir + "/t.mustache", ct])
        XCTAssertEqual(html.code, 2)
        XCTAssertTrue(html.err.contains("error: --html-template applies to an HTML report: add --report html:PATH"), html.err)
        let junit = try run(["check", "--junit-per-series", "--report", "json:" + dir + "/r.json", ct])
        XCTAssertEqual(junit.code, 2)
        XCTAssertTrue(junit.err.contains("error: --junit-per-series applies to a JUnit report"), junit.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/r.json"))
        XCTAssertEqual(try run(["check", "--junit-per-series", "--format", "junit", ct]).code, 0)
        XCTAssertEqual(try run(["check", "--html-template", dir + "/t.mustache", "--report", "html:" + dir + "/r.html", ct]).code, 0)
        try "reports: [\"html:\(dir)/c.html\"]\n".write(toFile: dir + "/dcmaudit.yml", atomically: true, encoding: .utf8)
        XCTAssertEqual(try run(["check", "--config", dir + "/dcmaudit.yml", "--html-template", dir + "/t.mustache", ct]).code, 0)
        XCTAssertTrue(try String(contentsOfFile: dir + "/c.html", encoding: .utf8).hasPrefix("<html>file.unreadable "))
    }

    /// A bad `dump --tags` is a usage error with dump's usage line (it was
    /// "Usage: dcmaudit <subcommand>", the root's), and `--format csv --tags ,`
    /// names no column: it was a CSV of the paths alone, exit 0.
    func testDumpTagErrorsAreDumpUsageErrors() throws {
        let ct = repoRoot + "/Fixtures/iod/CT.dcm"
        let bad = try run(["dump", "--tags", "PatientID,Foo", ct])
        XCTAssertEqual(bad.code, 2)
        XCTAssertTrue(bad.err.contains("--tags: 'Foo': column 1: unknown keyword 'Foo'"), bad.err)
        XCTAssertTrue(bad.err.contains("Usage: dcmaudit dump "), bad.err)
        XCTAssertEqual(bad.out, "")
        let none = try run(["dump", "--format", "csv", "--tags", ",", ct])
        XCTAssertEqual(none.code, 2)
        XCTAssertTrue(none.err.contains("--format csv needs --tags"), none.err)
        XCTAssertEqual(none.out, "")
        let ok = try run(["dump", "--format", "csv", "--tags", "PatientID,(0028,0010)", ct])
        XCTAssertEqual(ok.code, 0, ok.err)
        XCTAssertEqual(ok.out.split(separator: "\n").first, "path,PatientID,\"(0028,0010)\"")
    }

    /// A pack directory without any pack file (a mistyped or emptied
    /// `--rules site/`) is exit 2 naming it, in `check` (directly or from
    /// the config's `rules`), `rules validate` and `rules test`. It was no
    /// rules at all: `check` passed every file ("0 rules from no pack",
    /// exit 0), `rules test` printed nothing and exited 0.
    func testPackDirectoryWithoutPacksIsAnError() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-nopacks-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir + "/site", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "notes".write(toFile: dir + "/site/README.md", atomically: true, encoding: .utf8)
        let ct = repoRoot + "/Fixtures/iod/CT.dcm"
        let message = "\(dir)/site:1:1: error: no pack file (*.yaml, *.yml) in the directory '\(dir)/site'"
        for args in [["check", "--rules", dir + "/site", ct], ["rules", "validate", dir + "/site"], ["rules", "test", dir + "/site"]] {
            let r = try run(args)
            XCTAssertEqual(r.code, 2, "\(args)")
            XCTAssertTrue(r.err.contains(message), "\(args): \(r.err)")
        }
        try "rules: [site]\n".write(toFile: dir + "/dcmaudit.yml", atomically: true, encoding: .utf8)
        let cfg = try run(["check", "--config", dir + "/dcmaudit.yml", ct])
        XCTAssertEqual(cfg.code, 2, cfg.err)
        XCTAssertTrue(cfg.err.contains("\(dir)/dcmaudit.yml:1:9: error: no pack file (*.yaml, *.yml) in the directory '\(dir)/site'"), cfg.err)
    }

    /// An expired waiver is a warning on standard error, with the config's
    /// line and column, and no longer applies; a bad selector is exit 2.
    func testExpiredWaiverWarnsAndBadSelectorFails() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-cli-waiver-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let example = repoRoot + "/Rules/examples/example.ct-mr.yaml"
        try "rules: [\(example)]\nwaivers:\n  - rule: mr.tr-range\n    when: {Modality: MR}\n    reason: old scanner\n    expires: 2020-01-01\n"
            .write(toFile: dir + "/dcmaudit.yml", atomically: true, encoding: .utf8)
        let r = try run(["check", "--format", "jsonl", repoRoot + "/Fixtures/demo/DEMO001/MR_BRAIN_20240410"], cwd: dir)
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.err.contains("dcmaudit.yml:3:5: warning: the waiver of 'mr.tr-range' expired on 2020-01-01 and no longer applies (reason: old scanner)"), r.err)
        XCTAssertEqual(r.out.components(separatedBy: "\"rule\": \"mr.tr-range\"").count - 1, 4, "the findings are reported")
        try "rules: [\(example)]\nseverity:\n  - {rule: mr.tr-range, when: {Manufacturer: {rang: [1, 2]}}, severity: info}\n"
            .write(toFile: dir + "/dcmaudit.yml", atomically: true, encoding: .utf8)
        let bad = try run(["check", repoRoot + "/Fixtures/demo/DEMO001/MR_BRAIN_20240410"], cwd: dir)
        XCTAssertEqual(bad.code, 2)
        XCTAssertTrue(bad.err.contains("dcmaudit.yml:3:47: error: unknown operator 'rang' (did you mean 'range'?)"), bad.err)
    }
}
