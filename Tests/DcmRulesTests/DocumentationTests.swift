import XCTest
@testable import DcmRules

/// The YAML examples of docs/rule-language.md are packs: each compiles and its
/// examples give the written outcomes; a block starting `# error: …` must fail
/// with exactly that error.
final class DocumentationTests: XCTestCase {
    func yamlBlocks(_ text: String) -> [(line: Int, body: String)] {
        var out: [(Int, String)] = []
        var current: [String]? = nil
        var start = 0
        for (i, l) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if current == nil, l.hasPrefix("```yaml") { current = []; start = i + 2; continue }
            if current != nil, l.hasPrefix("```") { out.append((start, current!.joined(separator: "\n") + "\n")); current = nil; continue }
            current?.append(String(l))
        }
        return out
    }

    func testEveryExampleInTheReference() throws {
        let text = try String(contentsOfFile: repoRoot + "/docs/rule-language.md", encoding: .utf8)
        let blocks = yamlBlocks(text)
        XCTAssertGreaterThanOrEqual(blocks.count, 6)
        var examples = 0
        for (line, body) in blocks {
            if body.hasPrefix("# error: ") {
                let want = String(body.dropFirst("# error: ".count).prefix { $0 != "\n" })
                XCTAssertEqual(diagnostics(body, file: "doc.yaml"), [want], "block at docs/rule-language.md:\(line)")
                continue
            }
            do {
                let set = try pack(body, file: "docs/rule-language.md@\(line)")
                let (run, failures) = set.runExamples()
                examples += run
                for f in failures { XCTFail("block at docs/rule-language.md:\(line): \(f)") }
                for r in set.rules where r.examples.isEmpty { XCTFail("docs/rule-language.md:\(line): rule \(r.id) has no examples") }
            } catch {
                XCTFail("block at docs/rule-language.md:\(line): \(error)")
            }
        }
        XCTAssertGreaterThan(examples, 40)
    }
}
