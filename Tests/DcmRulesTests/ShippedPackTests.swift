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
            // docs/packs.md: every rule of the vendor packs has a description
            // (what `rules explain` prints) and a reference — vendor.private's
            // had their prose in the reference and no description
            if ownID.hasPrefix("vendor.") {
                for r in own where r.description == nil || r.reference == nil { XCTFail("\(r.id) (\(r.location)): a vendor rule needs a description and a reference") }
            }
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
        let intro = "(\(n(iod.withExamples)) of its \(n(iod.rules)), "
        XCTAssertTrue(packs.contains(intro), "docs/packs.md's introduction should say of dicom.iod's examples: \(intro)")
        let set = try PackLoader(libraries: [repoRoot + "/Rules"]).load(files: [], ids: ["dicom.values"])
        let enums = set.rules.filter { $0.id.hasPrefix("values.enum.") }.count, terms = set.rules.filter { $0.id.hasPrefix("values.term.") }.count
        XCTAssertTrue(packs.contains("`values.enum.<Keyword>` (\(enums))"), "docs/packs.md: \(enums) values.enum rules")
        XCTAssertTrue(packs.contains("`values.term.<Keyword>` (\(terms))"), "docs/packs.md: \(terms) values.term rules")
        XCTAssertTrue(readme.contains("\(enums) enumerated values (error) and \(terms) defined terms (warning)"), "README: \(enums) / \(terms)")
    }

    /// The generators' counts in the packs' headers, and the named
    /// conditions of dicom.iod by kind, as docs/packs.md quotes them (701
    /// for 716, 226 for 232, 3,319 for 3,322, 761 for 765…).
    func testPacksMdFiguresAreThePackHeaders() throws {
        let doc = try String(contentsOfFile: repoRoot + "/docs/packs.md", encoding: .utf8)
        func header(_ pack: String) throws -> [String: Int] {
            var out: [String: Int] = [:]
            let text = try String(contentsOfFile: repoRoot + "/Rules/\(pack).yaml", encoding: .utf8)
            for line in text.split(separator: "\n").prefix(200) where line.hasPrefix("#   ") {
                guard let colon = line.lastIndex(of: ":"), let v = Int(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)) else { continue }
                out[String(line.dropFirst(4)[..<colon])] = v
            }
            return out
        }
        func n(_ x: Int) -> String { x >= 1000 ? "\(x / 1000),\(String(format: "%03d", x % 1000))" : "\(x)" }
        let values = try header("dicom.values"), iod = try header("dicom.iod")
        let quotes: [(key: Int?, text: (String) -> String)] = [
            (values["lists in some modules only (skipped)"], { "modules only (\($0), e.g. Modality" }),
            (iod["1C/2C conditions on an enclosing item or the top-level data set (per place, summed)"], { "— \($0) conditions per place" }),
            (iod["1C/2C conditions decided in one direction only, not evaluated otherwise (per place, summed)"], { "one of them only. \($0) conditions per place" }),
            (iod["enumerated value lists (per module): same as dicom.values (left to it)"], { "left to it (\($0) lists)" }),
            (iod["enumerated value lists (per module): narrowing dicom.values' list"], { "{not_in: values}]}}`, \($0) lists)" }),
            (iod["modules"], { "(\($0) modules;" }),
            (iod["functional group macros"], { "`fg.<macro>` | \($0) |" }),
        ]
        for q in quotes {
            guard let v = q.key else { XCTFail("a header count is missing: \(q.text("N"))"); continue }
            let want = q.text(n(v))
            XCTAssertTrue(doc.contains(want), "docs/packs.md should say: \(want)")
        }
        // the named conditions of dicom.iod by kind (the table's rows)
        let text = try String(contentsOfFile: repoRoot + "/Rules/dicom.iod.yaml", encoding: .utf8)
        var kinds: [String: Int] = [:]
        var inConditions = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "conditions:" { inConditions = true; continue }
            if line == "rules:" { break }
            guard inConditions, line.hasPrefix("  "), !line.hasPrefix("   "), !line.hasPrefix("  #"), let dot = line.firstIndex(of: ".") else { continue }
            kinds[String(line.dropFirst(2)[..<dot]), default: 0] += 1
        }
        for row in ["shared item conditions `i.<name>` (e.g. `i.code-sequence`) | \(kinds["i"] ?? 0) |",
                    "`u.<module>` | \(kinds["u"] ?? 0) |",
                    "(a sequence's items) | \(kinds["t"] ?? 0) + \(kinds["d"] ?? 0) |",
                    "(a sequence's items) | \(kinds["x"] ?? 0) + \(kinds["n"] ?? 0) |",
                    "the others are written in the rule) | \(kinds["e"] ?? 0) |",
                    "nested with `items:`) | \(kinds["m"] ?? 0) ("] {
            XCTAssertTrue(doc.contains(row), "docs/packs.md's table of dicom.iod's conditions should say: \(row)")
        }
    }
}
