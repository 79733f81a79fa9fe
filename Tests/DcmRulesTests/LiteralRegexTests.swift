import XCTest
@testable import DcmRules

/// `LiteralRegex` (the byte matcher of literal patterns) must answer as
/// Swift's `Regex` does, or not at all.
final class LiteralRegexTests: XCTestCase {
    /// Patterns of the built-in packs and the subset's corners.
    let literalPatterns = [
        #"^(1\.2\.840\.113619|1\.3\.12\.2\.1107|1\.3\.46\.670589|1\.2\.392\.200036\.9116)\."#,
        "(?i)siemens", "(?i)moco", "(?i)philips", "(?i)canon|toshiba", #"^1\.3\.46\.670589\."#,
        "(?i)intera|achieva|ingenia|panorama|multiva|elition|prodiva|ambition|evolution|blueseal|marlin|dstream",
        "^ORIGINAL$", "PRIMARY$", "a(b|c)(d|e)f", "((a|b)c|d)e", "", "^$", "x|", #"a\-b\/c"#, "(?i)^ge(ms)?",
    ]
    /// Patterns outside the subset: left to `Regex`.
    let otherPatterns = [#"XA\d"#, "^[0-3]$", #"(?i)^\s*(GE|G\.E\.|General Electric)"#, "a.c", "ab*", "^a|b", "a|b$",
                         "(?:ab)", "(a)+", #"\bword"#, "(?i)x(?-i)y", "a{2}", "[ab]", "(?<n>a)"]

    func testSubsetIsRecognised() {
        for p in literalPatterns where p != "(?i)^ge(ms)?" { XCTAssertNotNil(LiteralRegex(p), p) }
        for p in otherPatterns + ["(?i)^ge(ms)?"] { XCTAssertNil(LiteralRegex(p), p) }
    }

    func testAgreesWithRegex() throws {
        let inputs = ["1.2.840.113619.2.55", "1.3.12.2.1107.5.2", "1.3.12.2.11070", "2.25.1234", "1.2.840.11361", "",
                      "SIEMENS", "Siemens Healthineers", "siemen", "MOCO_T2", "moCo", "Philips Medical Systems", "CANON_MEC",
                      "TOSHIBA", "Ingenia Elition X", "ORIGINAL", "ORIGINAL ", "XORIGINAL", "DERIVED\\PRIMARY", "PRIMARY",
                      "abdf", "acef", "abef", "ace", "ce", "de", "xe", "x", "a-b/c", "ab/c", "GE", "gems", "XA20",
                      "Kelvin \u{212A}", "SIEMENS\r\n", "line\nbreak", "café", "e\u{301}", "1.3.46.670589.11"]
        for p in literalPatterns + otherPatterns {
            let box = try RegexBox(p)
            for s in inputs {
                let want = box.matches(s)
                var bytes = Array(s.utf8)
                let got = bytes.withUnsafeMutableBytes { box.matches(bytes: UnsafeRawBufferPointer($0)) }
                XCTAssertEqual(got, want, "/\(p)/ on \(s.debugDescription)")
            }
        }
    }

    func testNonASCIIInputIsLeftToRegex() {
        let l = LiteralRegex("(?i)k")!
        var b = Array("\u{212A}".utf8)
        XCTAssertNil(b.withUnsafeMutableBytes { l.matches(UnsafeRawBufferPointer($0)) })
    }

    func testUIDTypeComparisonIgnoresASCIICaseOnly() {
        XCTAssertTrue(asciiCaseInsensitiveEqual("Transfer Syntax", "transfer SYNTAX"))
        XCTAssertFalse(asciiCaseInsensitiveEqual("Transfer Syntax", "Transfer Syntax "))
        XCTAssertFalse(asciiCaseInsensitiveEqual("SOP Class", "SOP Clas"))
    }
}
