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
            when: [iod.ct, {ContrastBolusAgent: present}]
            check: {ContrastBolusRoute: {type: "3"}}
          - id: t.d
            check: {Modality: present}
        """)
        let c = ConditionCoverage(set.rules)
        XCTAssertEqual(c.groups.map(\.name), ["iod.ct", "(every file)"])
        let ct = c.groups[0].counts
        XCTAssertEqual(ct.rules, 3)
        // EchoTime encoded; ContrastBolusAgent and the item's ReferencedFrameNumber (counted once) not
        XCTAssertEqual(ct.attributeEncoded, 1)
        XCTAssertEqual(ct.attributeNotEvaluated, 2)
        XCTAssertEqual(ct.ruleEncoded, 1)
        XCTAssertEqual(ct.ruleNotEvaluated, 1)
        XCTAssertEqual(c.total.rules, 4)
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
        let first = try SyntaxCache.parse(text, file: "big.yaml")        // parses and stores
        let files = try FileManager.default.contentsOfDirectory(atPath: dir)
        XCTAssertEqual(files.count, 1)
        let second = try SyntaxCache.parse(text, file: "big.yaml")       // from the cache
        XCTAssertEqual(second.flowText, parsed.flowText)
        XCTAssertEqual(first.flowText, parsed.flowText)
        // positions survive (diagnostics point at the same line and column)
        let r1 = parsed.entries![2].value.items![7].entries![1].value, r2 = second.entries![2].value.items![7].entries![1].value
        XCTAssertEqual(r1.location, r2.location)
        XCTAssertEqual(r2.location.file, "big.yaml")
        // an edited pack gets its own entry; a damaged entry falls back to parsing
        let edited = text.replacingOccurrences(of: "t.r0\n", with: "t.r00\n")
        XCTAssertTrue((try SyntaxCache.parse(edited, file: "big.yaml")).flowText.contains("t.r00"))
        for f in try FileManager.default.contentsOfDirectory(atPath: dir) {
            try Data([1, 2, 3]).write(to: URL(fileURLWithPath: dir + "/" + f))
        }
        XCTAssertEqual(try SyntaxCache.parse(text, file: "big.yaml").flowText, parsed.flowText)
    }
}
