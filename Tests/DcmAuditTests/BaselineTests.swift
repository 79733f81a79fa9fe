import XCTest
import Foundation
@testable import DcmAudit
import DcmRules

/// `--write-baseline` / `--baseline`: a legacy archive fails only on new findings.
final class BaselineTests: XCTestCase {
    func testBaselineHidesKnownFindingsOnly() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-baseline-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var req = CheckRequest.demoRequest()
        req.output = dir + "/out.txt"
        req.writeBaseline = dir + "/base.txt"
        XCTAssertEqual(CheckRunner.run(req), 1)
        let text = try String(contentsOfFile: dir + "/base.txt", encoding: .utf8)
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.first.map(String.init), Baseline.header)
        XCTAssertEqual(lines.count, 1 + 18)
        XCTAssertTrue(lines.contains("core.patient-id\tsop:1.2.826.0.1.3680043.10.1561.9.1561.1.1.1.1\tPatientID"), text)
        XCTAssertEqual(lines.dropFirst().map(String.init), lines.dropFirst().map(String.init).sorted(), "sorted, for diffs")

        // the same data against its baseline: nothing new, exit 0
        req.writeBaseline = nil
        req.baselinePath = dir + "/base.txt"
        XCTAssertEqual(CheckRunner.run(req), 0)
        let base = try Baseline.load(dir + "/base.txt")
        req.baseline = base
        let quiet = CheckRunner.evaluate(req, rules: try CheckRunner.loadRules(req))
        XCTAssertEqual(quiet.findingCount, 0)
        XCTAssertEqual(quiet.baselined, 18)
        XCTAssertEqual(quiet.exitCode, 0)

        // a finding the baseline does not know comes back; counting is per occurrence
        try (text.split(separator: "\n").filter { !$0.hasPrefix("core.patient-id") }.joined(separator: "\n") + "\n")
            .write(toFile: dir + "/less.txt", atomically: true, encoding: .utf8)
        req.baseline = try Baseline.load(dir + "/less.txt")
        let one = CheckRunner.evaluate(req, rules: try CheckRunner.loadRules(req))
        XCTAssertEqual(one.findings.map(\.ruleID), ["core.patient-id"])
        XCTAssertEqual(one.exitCode, 1)
        XCTAssertEqual(one.rules.first { $0.id == "core.patient-id" }?.findings, 1)

        // not a baseline: exit 2 with the place
        try "rule\tplace\n".write(toFile: dir + "/bad.txt", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Baseline.load(dir + "/bad.txt")) { XCTAssertTrue("\($0)".contains("bad.txt:1:1: error: not a dcmaudit baseline"), "\($0)") }
        try (Baseline.header + "\nrule-only\n").write(toFile: dir + "/bad2.txt", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Baseline.load(dir + "/bad2.txt")) { XCTAssertTrue("\($0)".contains("bad2.txt:2:1: error"), "\($0)") }
        // an escape the writer never makes: an error at its column, not a line that never matches
        try (Baseline.header + "\nr.x\tfile:a\\qb\tX\n").write(toFile: dir + "/bad3.txt", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Baseline.load(dir + "/bad3.txt")) { XCTAssertTrue("\($0)".contains("bad3.txt:2:11: error: unknown escape"), "\($0)") }
        try (Baseline.header + "\nr.x\tfile:a\tX\\\n").write(toFile: dir + "/bad4.txt", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Baseline.load(dir + "/bad4.txt")) { XCTAssertTrue("\($0)".contains("bad4.txt:2:13: error: unknown escape"), "\($0)") }
        // CR LF line ends (checked out on Windows): the same baseline
        try text.replacingOccurrences(of: "\n", with: "\r\n").write(toFile: dir + "/crlf.txt", atomically: true, encoding: .utf8)
        req.baseline = try Baseline.load(dir + "/crlf.txt")
        XCTAssertEqual(CheckRunner.evaluate(req, rules: try CheckRunner.loadRules(req)).baselined, 18)
        req.baseline = nil
        req.baselinePath = dir + "/bad.txt"
        XCTAssertEqual(CheckRunner.run(req), 2)
    }

    /// A directory given as --baseline: "cannot read the baseline: Is a
    /// directory" (it was read as an empty file: "not a dcmaudit baseline").
    func testDirectoryAsBaseline() {
        let dir = NSTemporaryDirectory()
        XCTAssertThrowsError(try Baseline.load(dir)) { e in
            XCTAssertEqual("\(e)", "\(dir): error: cannot read the baseline: Is a directory")
        }
    }

    /// A --write-baseline path that cannot be written is exit 2 before any
    /// file is read, as for the reports (it was said after the whole run,
    /// hours on an archive, with the reports already written).
    func testUnwritableBaselineStopsBeforeReading() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-baseline-w-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var req = CheckRequest.demoRequest()
        req.output = dir + "/out.txt"
        for bad in [dir + "/no/such/dir/base.txt", dir] {
            req.writeBaseline = bad
            XCTAssertEqual(CheckRunner.run(req), 2, bad)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out.txt"), "no file read, no report written (\(bad))")
        }
        // a writable path is not left behind by the try when the run stops early
        req.writeBaseline = dir + "/base.txt"
        req.reports = [ReportSpec(format: "json", path: dir + "/no/such/r.json")]
        XCTAssertEqual(CheckRunner.run(req), 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/base.txt"))
    }

    func testKeysAndEscapes() {
        let f = Finding(ruleID: "a.b", packID: "p", severity: .error, level: .instance, message: "m", file: "dir/x\ty.dcm", attribute: "Seq[0].X")
        XCTAssertEqual(Baseline.key(f), "a.b\tfile:dir/x\\ty.dcm\tSeq[0].X")
        var g = f
        g.sopInstanceUID = "1.2.3"
        XCTAssertEqual(Baseline.key(g), "a.b\tsop:1.2.3\tSeq[0].X", "the SOP Instance UID wins over the path")
        var b = Baseline()
        b.add(f)
        let (new, known) = b.filter([f, f])
        XCTAssertEqual(known, 1)
        XCTAssertEqual(new.count, 1, "one known finding absorbs one")
    }
}
