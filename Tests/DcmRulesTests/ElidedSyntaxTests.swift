import XCTest
@testable import DcmRules
import Foundation

/// A cached pack read without its conditions' values and rules' `check`
/// (`SyntaxCache.parse(…, elide: true)`, `ElidedSyntax`): the subtrees
/// decoded late are the ones parsed from the text (same positions), the
/// rules compiled from them are the same, and a damaged entry is refused
/// before any of it is used.
final class ElidedSyntaxTests: XCTestCase {
    /// A pack over the cache's size threshold: named conditions (nested), rules
    /// with and without `when`, a series rule, a message.
    static func bigPack() -> String {
        var text = """
        pack: t.elide
        version: 1
        conditions:
          mr: {Modality: MR}
          ct: {Modality: {in: [CT, "CT "]}}
          te: {all: [{EchoTime: {type: 1C, if: mr}}, {not: {RepetitionTime: {lt: 0}}}]}
          items: {ReferencedImageSequence: {items: {ReferencedSOPClassUID: present}}}
        rules:
          - id: t.series
            level: series
            check: {consistent: [Modality]}
          - id: t.plain
            check: {PatientID: present}
            message: "{PatientID} is missing"

        """
        var i = 0
        while text.utf8.count < 2 * SyntaxCache.minimumSize {
            text += "  - id: t.r\(i)\n    title: \"rule \(i)\"\n    when: [mr, ct]\n    check: {all: [te, items, {SeriesNumber: {range: [\(i), \(i + 10)]}}]}\n"
            text += "  - id: t.s\(i)\n    when: [ct]\n    check: te\n"
            i += 1
        }
        return text
    }

    func withCache<T>(_ name: String, _ body: (String) throws -> T) rethrows -> T {
        let dir = NSTemporaryDirectory() + "dcmaudit-elide-\(name)-\(getpid())"
        setenv("DCMAUDIT_CACHE", dir, 1)
        defer { unsetenv("DCMAUDIT_CACHE"); try? FileManager.default.removeItem(atPath: dir) }
        return try body(dir)
    }

    func testElidedSubtreesDecodeAsParsed() throws {
        try withCache("tree") { _ in
            let text = Self.bigPack()
            let parsed = try SyntaxNode.parse(text, file: "e.yaml")
            let first = try SyntaxCache.parse(bytes: Array(text.utf8), file: "e.yaml", elide: true)
            XCTAssertFalse(first.cached)
            XCTAssertNil(first.elided, "a parsed tree is whole")
            SyntaxCache.store(first.root, try XCTUnwrap(first.entry))
            let lazy = try SyntaxCache.parse(bytes: Array(text.utf8), file: "e.yaml", elide: true)
            XCTAssertTrue(lazy.cached)
            let elided = try XCTUnwrap(lazy.elided)
            let conditions = try XCTUnwrap(parsed.entries?.first { $0.key == "conditions" }?.value.entries)
            let rules = try XCTUnwrap(parsed.entries?.first { $0.key == "rules" }?.value.items)
            XCTAssertEqual(elided.conditions.count, conditions.count)
            for (i, c) in conditions.enumerated() {
                let late = try XCTUnwrap(elided.condition(i)).node
                XCTAssertEqual(late.flowText, c.value.flowText)
                XCTAssertEqual(late.location, c.value.location, "positions of a condition decoded late")
                XCTAssertEqual(late.entries?.first?.keyLocation, c.value.entries?.first?.keyLocation)
            }
            XCTAssertEqual(elided.ruleChecks.count, rules.count)
            for (j, r) in rules.enumerated() {
                let check = try XCTUnwrap(r.entries?.first { $0.key == "check" }?.value)
                let late = try XCTUnwrap(elided.ruleCheck(j), "rule \(j)").node
                XCTAssertEqual(late.flowText, check.flowText)
                XCTAssertEqual(late.location, check.location)
                XCTAssertEqual(late.location.file, "e.yaml")
            }
            // the rest of the tree is as parsed; the elided values stand as empty scalars at their place
            let lazyRules = try XCTUnwrap(lazy.root.entries?.first { $0.key == "rules" }?.value.items)
            for (a, b) in zip(lazyRules, rules) {
                XCTAssertEqual(a.entries?.map(\.key), b.entries?.map(\.key))
                XCTAssertEqual(a.entries?.first { $0.key == "id" }?.value.scalar, b.entries?.first { $0.key == "id" }?.value.scalar)
                XCTAssertEqual(a.entries?.first { $0.key == "check" }?.value.location, b.entries?.first { $0.key == "check" }?.value.location)
            }
            // the same entry read whole
            let whole = try SyntaxCache.parse(bytes: Array(text.utf8), file: "e.yaml", elide: false)
            XCTAssertTrue(whole.cached)
            XCTAssertNil(whole.elided)
            XCTAssertEqual(whole.root.flowText, parsed.flowText)
        }
    }

    /// The rules of a pack read with its subtrees elided are those compiled
    /// from the text: texts, positions, predicates and outcomes.
    func testElidedPackCompilesAsParsed() throws {
        try withCache("compile") { dir in
            let path = dir + "-pack.yaml"
            try Self.bigPack().write(toFile: path, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: path) }
            var l = PackLoader(); l.buildExamples = false
            let eager = try l.load(files: [path]), lazy = try l.load(files: [path])
            XCTAssertEqual(lazy.rules.count, eager.rules.count)
            guard case .instance(.deferred) = lazy.rules[2].check else { return XCTFail("a rule with `when` read from the cache: check deferred") }
            guard case .instance(.deferred) = lazy.rules[3].check else { return XCTFail("a rule with `when` read from the cache: check deferred") }
            if case .instance(.deferred) = eager.rules[2].check { XCTFail("first load: compiled") }
            guard case .group = lazy.rules[0].check else { return XCTFail("series rule") }
            let data = ["{Modality: MR, EchoTime: \"2\", SeriesNumber: \"3\"}", "{Modality: CT, SeriesNumber: \"300\"}",
                        "{Modality: CT, RepetitionTime: \"-1\", SeriesNumber: \"3\", ReferencedImageSequence: [{}]}", "{Modality: MR}"]
            let files = try data.map { try file($0) }
            for (a, b) in zip(eager.rules, lazy.rules) {
                XCTAssertEqual(a.id, b.id)
                XCTAssertEqual(a.location, b.location)
                XCTAssertEqual(a.title, b.title)
                XCTAssertEqual(a.checkText, b.checkText, a.id)
                XCTAssertEqual(a.whenText, b.whenText, a.id)
                XCTAssertEqual(a.whenDescription, b.whenDescription, a.id)
                if case .instance(let p) = a.check, case .instance(let q) = b.check {
                    XCTAssertEqual(p.text, q.text, a.id)
                    for (k, f) in files.enumerated() { XCTAssertEqual(Evaluator().outcome(of: a, f), Evaluator().outcome(of: b, f), "\(a.id) on \(data[k])") }
                }
            }
        }
    }

    /// A damaged or truncated entry is parsed again, whole: the damage is
    /// found before any subtree is decoded late (in a rule's `check` here).
    func testDamagedEntryFallsBackToParsing() throws {
        try withCache("damaged") { dir in
            let text = Self.bigPack()
            let parsed = try SyntaxNode.parse(text, file: "d.yaml")
            let first = try SyntaxCache.parse(bytes: Array(text.utf8), file: "d.yaml", elide: true)
            SyntaxCache.store(first.root, try XCTUnwrap(first.entry))
            let name = try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: dir).first { $0.hasSuffix(".syntax") })
            let entryPath = dir + "/" + name
            let good = try XCTUnwrap(readFileBytes(entryPath))
            var flipped = good
            flipped[flipped.count - 3] ^= 0x01   // (the last rule's check: a subtree the decoder steps over)
            for bad in [flipped, Array(good.dropLast(7)), Array(good.prefix(40))] {
                try Data(bad).write(to: URL(fileURLWithPath: entryPath))
                let p = try SyntaxCache.parse(bytes: Array(text.utf8), file: "d.yaml", elide: true)
                XCTAssertFalse(p.cached)
                XCTAssertNil(p.elided)
                XCTAssertEqual(p.root.flowText, parsed.flowText)
            }
            // an entry of the previous format (DCMSYN01) is foreign
            var old = good
            old.replaceSubrange(0..<8, with: Array("DCMSYN01".utf8))
            try Data(old).write(to: URL(fileURLWithPath: entryPath))
            XCTAssertFalse(try SyntaxCache.parse(bytes: Array(text.utf8), file: "d.yaml", elide: true).cached)
        }
    }

    /// Every rule of the generated `dicom.iod` compiles to the same check
    /// from the elided cached tree as from the text.
    func testDicomIODElidedAsParsed() throws {
        try withCache("iod") { _ in
            var l = PackLoader(libraries: [repoRoot + "/Rules"]); l.buildExamples = false
            let eager = try l.load(files: [], ids: ["dicom.iod"]), lazy = try l.load(files: [], ids: ["dicom.iod"])
            XCTAssertEqual(eager.rules.count, lazy.rules.count)
            var deferred = 0
            for (a, b) in zip(eager.rules, lazy.rules) {
                XCTAssertEqual(a.id, b.id)
                XCTAssertEqual(a.location, b.location)
                XCTAssertEqual(a.checkText, b.checkText, a.id)
                XCTAssertEqual(a.whenText, b.whenText, a.id)
                if case .instance(let p) = a.check, case .instance(let q) = b.check {
                    if case .deferred = q { deferred += 1 }
                    XCTAssertEqual(p.text, q.text, a.id)
                }
            }
            XCTAssertGreaterThan(deferred, eager.rules.count / 2, "the cached pack's checks are compiled on first use")
        }
    }

    /// A pack nested deeper than the reader takes is never cached: a
    /// condition stepped over and decoded late could no longer fall back to
    /// parsing (it stopped the process).
    func testTooDeepPackIsNotCached() throws {
        try withCache("deep") { dir in
            let deep = String(repeating: "{not: ", count: 210) + "{Modality: MR}" + String(repeating: "}", count: 210)
            var text = "pack: t.deep\nversion: 1\nconditions:\n  deep: \(deep)\nrules:\n"
            var i = 0
            while text.utf8.count < 2 * SyntaxCache.minimumSize {
                text += "  - id: t.r\(i)\n    when: [{Modality: {present: true}}]\n    check: deep\n"
                i += 1
            }
            let path = dir + "-pack.yaml"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: path) }
            var l = PackLoader(); l.buildExamples = false
            let first = try l.load(files: [path]), second = try l.load(files: [path])
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            XCTAssertFalse(entries.contains { $0.hasSuffix(".syntax") }, "not cached")
            for data in ["{Modality: MR}", "{Modality: CT}"] {
                let f = try file(data)
                XCTAssertEqual(Evaluator().outcome(of: first.rules[0], f), Evaluator().outcome(of: second.rules[0], f), data)
            }
        }
    }
}
