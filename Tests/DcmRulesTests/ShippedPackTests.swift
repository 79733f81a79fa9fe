import XCTest
@testable import DcmRules

/// Every rule's examples in every shipped pack (DESIGN.md item 6).
final class ShippedPackTests: XCTestCase {
    func testEveryShippedPackExample() throws {
        let files = PackLoader.packFiles(in: repoRoot + "/Rules")
        XCTAssertGreaterThanOrEqual(files.count, 3, "Rules/ should hold the core, encoding and example packs")
        var total = 0
        var figures: [String: (rules: Int, examples: Int, withExamples: Int, lines: Int, bytes: Int)] = [:]
        for f in files {
            let set = try PackLoader(libraries: [repoRoot + "/Rules"]).load(files: [f])
            let ownID = set.packs.last!.id
            let (run, failures) = set.runExamples(only: [ownID])
            total += run
            for fail in failures { XCTFail("\(fail)") }
            // (a protocol's rules are tested on Fixtures/protocol: ProtocolCheckTests)
            let own = set.packs.last!.rules.filter { if case .protocolFinding = $0.check { return false }; return true }
            let withExamples = own.filter { !$0.examples.isEmpty }.count
            let bytes = try Data(contentsOf: URL(fileURLWithPath: f))
            figures[ownID] = (own.count, run, withExamples, bytes.filter { $0 == 0x0A }.count, bytes.count)
            if ownID == "dicom.iod" {
                // generated: examples for the M modules of a sample of IODs (Scripts/gen_iod.py SAMPLE_IODS)
                XCTAssertGreaterThanOrEqual(withExamples, 20, "\(f): examples for a sample of IODs")
            } else {
                XCTAssertEqual(withExamples, own.count, "\(f): every shipped rule has examples")
            }
        }
        XCTAssertGreaterThan(total, 20)
        try checkDocumentedFigures(figures)
    }

    /// The figures docs/packs.md and the README give of the generated packs
    /// are those of the packs shipped (they had drifted: 1,192 examples for
    /// 1,200, 171 of dicom.iod's for 198, 203 defined terms for 204).
    func checkDocumentedFigures(_ figures: [String: (rules: Int, examples: Int, withExamples: Int, lines: Int, bytes: Int)]) throws {
        func n(_ x: Int) -> String {
            let s = String(x)
            return s.count > 3 ? String(s.dropLast(3)) + "," + String(s.suffix(3)) : s
        }
        let packs = try String(contentsOfFile: repoRoot + "/docs/packs.md", encoding: .utf8)
        let readme = try String(contentsOfFile: repoRoot + "/README.md", encoding: .utf8)
        guard let values = figures["dicom.values"], let deid = figures["dicom.deid-basic"], let iod = figures["dicom.iod"] else {
            return XCTFail("the generated packs are missing: \(figures.keys.sorted())")
        }
        let size = "**Size.** \(n(values.lines)) lines, \((values.bytes + 500) / 1000) KB, \(n(values.rules)) rules, \(n(values.examples)) examples\n"
            + "(`dicom.deid-basic`: \(n(deid.lines)) lines, \(n(deid.rules)) rules, \(n(deid.examples)) examples)."
        XCTAssertTrue(packs.contains(size), "docs/packs.md should say: \(size)")
        let iodExamples = "(\(n(iod.withExamples)) rules, \(n(iod.examples)) examples, "
        XCTAssertTrue(packs.contains(iodExamples), "docs/packs.md should say of dicom.iod's examples: \(iodExamples)")
        let set = try PackLoader(libraries: [repoRoot + "/Rules"]).load(files: [], ids: ["dicom.values"])
        let enums = set.rules.filter { $0.id.hasPrefix("values.enum.") }.count, terms = set.rules.filter { $0.id.hasPrefix("values.term.") }.count
        XCTAssertTrue(packs.contains("`values.enum.<Keyword>` (\(enums))"), "docs/packs.md: \(enums) values.enum rules")
        XCTAssertTrue(packs.contains("`values.term.<Keyword>` (\(terms))"), "docs/packs.md: \(terms) values.term rules")
        XCTAssertTrue(readme.contains("\(enums) enumerated values (error) and \(terms) defined terms (warning)"), "README: \(enums) / \(terms)")
    }
}
