import XCTest
@testable import DcmRules
import Foundation

/// `rules coverage` counts and the syntax cache of large packs.
final class CoverageAndCacheTests: XCTestCase {
    func testCoverageCountsPerSOPClassGroup() throws {
        let set = try pack("""
        pack: t.cov
        version: 1
        conditions:
          iod.ct: {SOPClassUID: {in: ["1.2.840.10008.5.1.4.1.1.2"]}}
          items.ref: {ReferencedSOPClassUID: {type: "1"}, ReferencedFrameNumber: {type: 1C, if: {not_evaluated: "Required if multi-frame"}}}
        rules:
          - id: t.a
            when: [iod.ct]
            check:
              all:
                - {Modality: {type: "1"}}
                - {EchoTime: {type: 1C, if: {Modality: MR}}}
                - {ContrastBolusAgent: {type: 2C, if: {not_evaluated: "Required if contrast media was used"}}}
                - {ReferencedImageSequence: {items: items.ref}}
                - {SourceImageSequence: {items: items.ref}}
          - id: t.b
            when: [iod.ct, {not_evaluated: "Required if contrast media was used"}]
            check: {ContrastBolusAgent: {type: "2"}}
          - id: t.c
            when: [iod.ct, {any: [{Modality: CT}, {ContrastBolusAgent: present}]}]
            check: {ContrastBolusRoute: {type: "3"}}
          - id: t.d
            check: {Modality: present}
          - id: t.e
            when: [iod.ct, {any: [{ClinicalTrialSponsorName: present}, {ClinicalTrialProtocolID: present}]}]
            check: {ClinicalTrialSponsorName: {type: "1"}}
        """)
        let c = ConditionCoverage(set.rules)
        XCTAssertEqual(c.groups.map(\.name), ["iod.ct", "(every file)"])
        let ct = c.groups[0].counts
        XCTAssertEqual(ct.rules, 4)   // t.e's when is presence detection, not a condition
        // EchoTime encoded; ContrastBolusAgent and the item's ReferencedFrameNumber (counted once) not
        XCTAssertEqual(ct.attributeEncoded, 1)
        XCTAssertEqual(ct.attributeNotEvaluated, 2)
        XCTAssertEqual(ct.ruleEncoded, 1)
        XCTAssertEqual(ct.ruleNotEvaluated, 1)
        XCTAssertEqual(c.total.rules, 5)
        XCTAssertEqual(c.notEvaluatedTexts.map(\.text), ["Required if contrast media was used", "Required if multi-frame"])
        XCTAssertTrue(c.text(showTexts: 5).contains("overall (2 groups)"))
    }

    func testSyntaxCacheRoundTripAndStaleness() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-cache-test-\(getpid())"
        setenv("DCMAUDIT_CACHE", dir, 1)
        defer { unsetenv("DCMAUDIT_CACHE"); try? FileManager.default.removeItem(atPath: dir) }
        // a pack over the size threshold: many rules
        var text = "pack: t.big\nversion: 1\nrules:\n"
        var i = 0
        while text.utf8.count < SyntaxCache.minimumSize {
            text += "  - id: t.r\(i)\n    check: {Modality: {in: [CT, 'MR']}, 'ReferencedImageSequence[0].ReferencedSOPClassUID': present}\n"
            i += 1
        }
        let parsed = try SyntaxNode.parse(text, file: "big.yaml")
        let (first, firstCached, entry) = try SyntaxCache.parse(text, file: "big.yaml")   // parses
        XCTAssertFalse(firstCached)
        SyntaxCache.store(first, try XCTUnwrap(entry))                                  // (after it compiled)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir)
        XCTAssertEqual(files.count, 1)
        let (second, secondCached, _) = try SyntaxCache.parse(text, file: "big.yaml")   // from the cache
        XCTAssertTrue(secondCached)
        XCTAssertEqual(second.flowText, parsed.flowText)
        XCTAssertEqual(first.flowText, parsed.flowText)
        // positions survive (diagnostics point at the same line and column)
        let r1 = parsed.entries![2].value.items![7].entries![1].value, r2 = second.entries![2].value.items![7].entries![1].value
        XCTAssertEqual(r1.location, r2.location)
        XCTAssertEqual(r2.location.file, "big.yaml")
        // an edited pack gets its own entry; a damaged entry falls back to parsing
        let edited = text.replacingOccurrences(of: "t.r0\n", with: "t.r00\n")
        XCTAssertTrue((try SyntaxCache.parse(edited, file: "big.yaml")).root.flowText.contains("t.r00"))
        for f in try FileManager.default.contentsOfDirectory(atPath: dir) {
            try Data([1, 2, 3]).write(to: URL(fileURLWithPath: dir + "/" + f))
        }
        // old entries are pruned
        for k in 0..<(SyntaxCache.keptEntries + 5) { try Data([UInt8(k)]).write(to: URL(fileURLWithPath: dir + "/old\(k).syntax")) }
        SyntaxCache.prune(dir)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".syntax") }.count, SyntaxCache.keptEntries)
        let damaged = try SyntaxCache.parse(text, file: "big.yaml")
        XCTAssertFalse(damaged.cached)
        XCTAssertEqual(damaged.root.flowText, parsed.flowText)
    }

    /// A large pack loaded a second time comes from the cache, with its named
    /// conditions compiled on first use — and gives the same outcomes.
    func testCachedPackDefersConditions() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-cache-defer-\(getpid())"
        setenv("DCMAUDIT_CACHE", dir, 1)
        defer { unsetenv("DCMAUDIT_CACHE"); try? FileManager.default.removeItem(atPath: dir) }
        var text = "pack: t.defer\nversion: 1\nconditions:\n  mr: {Modality: MR}\n  te: {EchoTime: {type: 1C, if: mr}}\nrules:\n"
        var i = 0
        while text.utf8.count < SyntaxCache.minimumSize {
            text += "  - id: t.r\(i)\n    when: [mr]\n    check: te\n"
            i += 1
        }
        let path = dir + "-pack.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var l = PackLoader(); l.buildExamples = false
        let eager = try l.load(files: [path]), lazy = try l.load(files: [path])
        guard case .named(_, let p)? = lazy.rules[0].when.first, case .deferred = p else { return XCTFail("second load: conditions deferred") }
        guard case .named(_, let q)? = eager.rules[0].when.first, case .attribute = q else { return XCTFail("first load: compiled") }
        for data in ["{Modality: MR, EchoTime: \"2\"}", "{Modality: MR}", "{Modality: CT}"] {
            let f = try file(data)
            XCTAssertEqual(Evaluator().outcome(of: eager.rules[3], f), Evaluator().outcome(of: lazy.rules[3], f), data)
        }
        XCTAssertEqual(Evaluator().outcome(of: lazy.rules[3], try file("{Modality: MR}")), .fail)
    }

    /// A cached pack that extends another is compiled as from the text: an
    /// inherited condition it names that is gone since is an error on every
    /// load (a deferred compile printed it and took the condition as true).
    func testCachedPackExtendingAnEditedPackStillFails() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-cache-extends-\(getpid())"
        setenv("DCMAUDIT_CACHE", dir + "/cache", 1)
        defer { unsetenv("DCMAUDIT_CACHE"); try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let base = "pack: t.base\nversion: 1\nconditions:\n  mr: {Modality: MR}\nrules:\n  - id: t.pid\n    check: {PatientID: present}\n"
        try base.write(toFile: dir + "/base.yaml", atomically: true, encoding: .utf8)
        var text = "pack: t.child\nversion: 1\nextends: [./base.yaml]\nrules:\n"
        var i = 0
        while text.utf8.count < SyntaxCache.minimumSize {
            text += "  - id: t.r\(i)\n    when: [{Modality: MR}, mr]\n    check: {EchoTime: present}\n"
            i += 1
        }
        try text.write(toFile: dir + "/child.yaml", atomically: true, encoding: .utf8)
        var l = PackLoader(); l.buildExamples = false
        _ = try l.load(files: [dir + "/child.yaml"])   // compiles cleanly: cached
        try base.replacingOccurrences(of: "  mr:", with: "  mri:").write(toFile: dir + "/base.yaml", atomically: true, encoding: .utf8)
        for _ in 0..<2 {
            XCTAssertThrowsError(try l.load(files: [dir + "/child.yaml"])) { e in
                XCTAssertTrue("\(e)".contains("unknown condition 'mr'"), "\(e)")
            }
        }
    }

    /// Pipes among several packs (`--rules <(…) --rules <(…)`) are read once,
    /// by `loadFile`: one read ahead by `prepare` (a pack that extends
    /// another) was empty when `loadFile` read it again.
    func testPipesAmongSeveralPacksAreReadOnce() throws {
        func pipePath(_ text: String) -> (String, Int32) {
            var fds: [Int32] = [0, 0]
            XCTAssertEqual(pipe(&fds), 0)
            let b = Array(text.utf8)
            b.withUnsafeBytes { _ = write(fds[1], $0.baseAddress, $0.count) }
            close(fds[1])
            return ("/dev/fd/\(fds[0])", fds[0])
        }
        let (a, fa) = pipePath("pack: t.pa\nversion: 1\nextends: [dicom.core]\nrules:\n  - id: t.pa.r\n    check: {PatientID: present}\n")
        let (b, fb) = pipePath("pack: t.pb\nversion: 1\nrules:\n  - id: t.pb.r\n    check: {Modality: present}\n")
        defer { close(fa); close(fb) }
        var l = PackLoader(libraries: [repoRoot + "/Rules"]); l.buildExamples = false; l.threads = 2
        let set = try l.load(files: [a, b])
        XCTAssertEqual(Set(set.packs.map(\.id)), ["dicom.core", "t.pa", "t.pb"])
    }

    /// A cached pack's rules without `when` are dispatched as when compiled
    /// from the text (tag-gated, one fused walk): a deferred check hid them
    /// from `TagDispatch`, and every rule was evaluated on every file.
    func testCachedPackKeepsTagDispatch() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-cache-dispatch-\(getpid())"
        setenv("DCMAUDIT_CACHE", dir, 1)
        defer { unsetenv("DCMAUDIT_CACHE"); try? FileManager.default.removeItem(atPath: dir) }
        var text = "pack: t.dispatch\nversion: 1\nrules:\n  - id: t.format\n    check: {each_element: {format: true}}\n"
        text += "  - id: t.vm\n    check: {each_element: {vm: dictionary}}\n"
        var i = 0
        while text.utf8.count < SyntaxCache.minimumSize {
            text += "  - id: t.e\(i)\n    check: {each_element: {only: [Modality, BodyPartExamined], in: [CT, MR, X\(i)]}}\n"
            i += 1
        }
        let path = dir + "-pack.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var l = PackLoader(); l.buildExamples = false
        let eager = try l.load(files: [path]), cached = try l.load(files: [path])
        XCTAssertEqual(eager.tagIndex.gatedCount, i)
        XCTAssertEqual(cached.tagIndex.gatedCount, eager.tagIndex.gatedCount, "the cached pack's rules are tag-gated too")
        XCTAssertEqual(cached.tagIndex.walkRules, eager.tagIndex.walkRules)
        XCTAssertEqual(eager.tagIndex.walkRules, [0, 1])
    }

    /// Packs and cache entries are read whole, in one copy; a pipe to its
    /// end (`--rules <(…)`), a directory or a missing file not at all.
    func testReadFileBytes() throws {
        let path = NSTemporaryDirectory() + "filebytes-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: path) }
        for size in [0, 1, 4095, 4096, 70_001] {
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            XCTAssertEqual(readFileBytes(path), bytes, "size \(size)")
        }
        XCTAssertNil(readFileBytes(NSTemporaryDirectory()))
        XCTAssertNil(readFileBytes(path + ".missing"))
        let fifo = path + ".fifo"
        defer { unlink(fifo) }
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let text = Array(String(repeating: "pack: p\n", count: 20_000).utf8)
        let writer = Thread { let fd = open(fifo, O_WRONLY); text.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }; close(fd) }
        writer.start()
        XCTAssertEqual(readFileBytes(fifo), text)
    }
}
