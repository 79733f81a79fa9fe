import XCTest
@testable import DcmRules

/// `compileTemplate` (on UTF-8 bytes) and `isValidID` (one pass) against
/// the implementations of 113925b (on Characters), on random strings.
final class TemplateEquivalenceTests: XCTestCase {
    static func oldTemplate(_ c: PackCompiler, _ s: String, _ loc: SourceLocation) -> [TemplatePart] {
        var parts: [TemplatePart] = []
        var text = ""
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == "{", let close = s[i...].firstIndex(of: "}") {
                let name = String(s[s.index(after: i)..<close])
                if !text.isEmpty { parts.append(.text(text)); text = "" }
                switch name {
                case "value": parts.append(.value)
                case "expected": parts.append(.expected)
                case "attribute": parts.append(.attribute)
                default:
                    if let r = c.attributeRef(name, loc) { parts.append(.keyword(r)) }
                }
                i = s.index(after: close)
            } else {
                text.append(s[i]); i = s.index(after: i)
            }
        }
        if !text.isEmpty { parts.append(.text(text)) }
        return parts
    }

    static func oldValidID(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard let f = u.first, f != 0x2E, u.last != 0x2E, !zip(u, u.dropFirst()).contains(where: { $0 == 0x2E && $1 == 0x2E }) else { return false }
        return s.utf8.allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E }
    }

    static let pieces: [String] = ["{", "}", "{", "}", "a", "value", "expected", "attribute", "Modality", "PatientID", "é", "e\u{301}",
                                   "\u{301}", "\u{200D}", "\u{FE0F}", "🇫", "🇷", "👍🏽", "\r", "\n", "\r\n", " ", "\u{600}", ".", "-", "_",
                                   "0", "Z", "ß", "\u{0}", "x/y", "00100010", "file.x", "[", "]", "中"]

    func render(_ parts: [TemplatePart]) -> String { parts.map { "\($0)" }.joined(separator: "|") }

    func testTemplatesAsBefore() {
        var g = SystemRandomNumberGenerator()
        var mismatches: [String] = []
        let loc = SourceLocation(file: "x.yaml", line: 1, column: 1)
        var cases = ["", "{", "}", "{}", "{{}}", "}{", "{value", "value}", "{\u{301}value}", "{value}\u{301}", "{value\u{301}}", "\u{600}{value}"]
        for _ in 0..<4000 {
            let n = Int.random(in: 0...12, using: &g)
            cases.append((0..<n).map { _ in Self.pieces.randomElement(using: &g)! }.joined())
        }
        for s in cases {
            let a = PackCompiler(file: "x.yaml"), b = PackCompiler(file: "x.yaml")
            let new = render(a.compileTemplate(s, loc)), old = render(Self.oldTemplate(b, s, loc))
            let nd = a.diagnostics.map { "\($0)" }, od = b.diagnostics.map { "\($0)" }
            if new != old || nd != od { mismatches.append("\(s.debugDescription): new \(new) \(nd) old \(old) \(od)") }
        }
        XCTAssertEqual(mismatches.count, 0, mismatches.prefix(10).joined(separator: "\n"))
    }

    func testIDsAsBefore() {
        var g = SystemRandomNumberGenerator()
        let c = PackCompiler(file: "x.yaml")
        var cases = ["", ".", "..", "a", "a.", ".a", "a..b", "a.b", "é", "a\u{301}", "-", "_", "a.-.b"]
        for _ in 0..<20000 {
            let n = Int.random(in: 0...6, using: &g)
            cases.append((0..<n).map { _ in Self.pieces.randomElement(using: &g)! }.joined())
        }
        for s in cases { XCTAssertEqual(c.isValidID(s), Self.oldValidID(s), s.debugDescription) }
    }
}
