import XCTest
@testable import DcmRules

/// `ByteClassRegex` (`^[class]*$` tested byte by byte) must say "matches"
/// only where Swift's `Regex` says so, and leave the rest to it.
final class ByteClassRegexTests: XCTestCase {
    /// `dicom.iod`'s Specific Character Set condition (ISO-IR 6, no ESC) and the subset's corners.
    let classPatterns = [#"^[\x00-\x1A\x1C-\x7F]*$"#, "^[A-Z0-9 _]*$", "^[A-Z0-9 _]+$", #"^[\t\n\r -~]*$"#, #"^[a\-z]*$"#,
                         "^[-a]*$", "^[a-]+$", #"^[\]\\]*$"#, #"^[\x41-\x43x]+$"#]
    /// Patterns outside the subset.
    let otherPatterns = [#"^[^\x00-\x7F]*$"#, #"^[\d]*$"#, "^[[:alpha:]]*$", "[A-Z]*$", "^[A-Z]*", "^[A-Z]{2}$",
                         #"^[\x00-\xFF]*$"#, "^[z-a]*$", "^[A-Z]*$x", "^[]*$"]

    func testSubsetIsRecognised() {
        for p in classPatterns { XCTAssertNotNil(ByteClassRegex(p), p) }
        for p in otherPatterns { XCTAssertNil(ByteClassRegex(p), p) }
    }

    func testNeverDisagreesWithRegex() throws {
        var inputs = ["", "ABC", "abc", "A B_9", "DOE^JOHN", "café", "e\u{301}", "\u{1B}$B", "x\u{1B}(B", "a\r\nb", "AB\n", "AB\r",
                      "\t", "-", "a-z", "]\\", "ABCx", "ABD", "\u{7F}", "\u{80}", "Müller", "山田^太郎", "line\nbreak"]
        // and random ASCII / Latin-1 strings
        var rng = SystemRandomNumberGenerator()
        let alphabet: [Character] = ["A", "z", " ", "_", "\t", "\n", "\r", "\u{1B}", "-", "]", "\\", "x", "é", "\u{7F}", "0"]
        for _ in 0..<400 { inputs.append(String((0..<Int.random(in: 0...6, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })) }
        var decided = 0
        for p in classPatterns {
            let box = try RegexBox(p)
            let c = try XCTUnwrap(ByteClassRegex(p))
            for s in inputs {
                let want = box.matches(s)
                var bytes = Array(s.utf8)
                let sure = bytes.withUnsafeMutableBytes { c.surelyMatches(UnsafeRawBufferPointer($0)) }
                if let sure { XCTAssertEqual(sure, want, "/\(p)/ on \(s.debugDescription)"); decided += 1 }
                let got = bytes.withUnsafeMutableBytes { box.matches(bytes: UnsafeRawBufferPointer($0)) }
                XCTAssertEqual(got, want, "/\(p)/ on \(s.debugDescription) (RegexBox)")
            }
        }
        XCTAssertGreaterThan(decided, 500, "most values are decided by the byte test")
    }

    /// The character set test of `dicom.iod`: ASCII text is decided by the
    /// byte scan; ESC, CR and non-ASCII values are the Regex's.
    func testISOIR6() throws {
        let c = try XCTUnwrap(ByteClassRegex(#"^[\x00-\x1A\x1C-\x7F]*$"#))
        func sure(_ s: String) -> Bool? { var b = Array(s.utf8); return b.withUnsafeMutableBytes { c.surelyMatches(UnsafeRawBufferPointer($0)) } }
        XCTAssertEqual(sure("ANON^PATIENT"), true)
        XCTAssertEqual(sure(""), true)
        XCTAssertNil(sure("Müller"))
        XCTAssertNil(sure("\u{1B}$B"))
        XCTAssertNil(sure("a\r\nb"))
    }
}
