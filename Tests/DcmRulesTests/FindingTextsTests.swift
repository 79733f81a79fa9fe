import XCTest
@testable import DcmRules
import DcmData

/// A finding's shared texts (`Finding.RuleTexts`, `Finding.FileTexts`) and
/// its `because` kept in two parts: read and written as plain fields, and
/// searched and compared as the joined text would be.
final class FindingTextsTests: XCTestCase {
    private func finding(when: String, reason: String, rule: Finding.RuleTexts? = nil, file: Finding.FileTexts? = nil) -> Finding {
        Finding(ruleTexts: rule ?? Finding.RuleTexts(ruleID: "r.one", packID: "p", reference: "PS3.3 C.7.1.1", when: when),
                fileTexts: file ?? Finding.FileTexts(file: "/d/a.dcm", sopInstanceUID: "1.2.3", seriesInstanceUID: "1.2",
                                                     studyInstanceUID: "1", modality: "MR"),
                severity: .error, level: .instance, message: "m", becauseReason: reason, becauseHasWhen: !when.isEmpty)
    }

    func testBecauseIsTheJoinedText() {
        let f = finding(when: "Modality == MR", reason: "RepetitionTime 13000 > 12000")
        XCTAssertEqual(f.because, "Modality == MR and RepetitionTime 13000 > 12000")
        XCTAssertTrue(f.becauseIs("Modality == MR and RepetitionTime 13000 > 12000"))
        XCTAssertFalse(f.becauseIs("Modality == MR and RepetitionTime 13000 > 1200"))
        XCTAssertFalse(f.becauseIs("Modality == MR or RepetitionTime 13000 > 12000"))
        XCTAssertEqual(finding(when: "", reason: "x is absent").because, "x is absent", "no selectors: the reason alone")
        var g = f
        g.because = "other"
        XCTAssertEqual(g.because, "other", "written whole, read back whole")
        XCTAssertTrue(g.becauseIs("other"))
        XCTAssertEqual(f.because, "Modality == MR and RepetitionTime 13000 > 12000", "the copy it came from is unchanged")
        g.because = nil
        XCTAssertNil(g.because)
        XCTAssertNil(g.becauseReason)
    }

    /// Writing a shared field gives that finding its own texts: the other
    /// findings of the rule and of the file keep theirs.
    func testSharedFieldsAreWrittenPerFinding() {
        let rule = Finding.RuleTexts(ruleID: "r.one", packID: "p", reference: nil, when: "w")
        let file = Finding.FileTexts(file: "/d/a.dcm", sopInstanceUID: "1.2.3", seriesInstanceUID: "1.2", studyInstanceUID: "1", modality: "MR")
        let a = finding(when: "w", reason: "r", rule: rule, file: file)
        var b = a
        b.file = "/d/<redacted>.dcm"; b.ruleID = "r.two"; b.packID = "q"; b.reference = "ref"
        b.sopInstanceUID = "9"; b.seriesInstanceUID = "8"; b.studyInstanceUID = "7"; b.modality = "CT"
        XCTAssertEqual([a.file, a.ruleID, a.packID, a.sopInstanceUID, a.seriesInstanceUID, a.studyInstanceUID, a.modality],
                       ["/d/a.dcm", "r.one", "p", "1.2.3", "1.2", "1", "MR"])
        XCTAssertNil(a.reference)
        XCTAssertEqual([b.file, b.ruleID, b.packID, b.reference, b.sopInstanceUID, b.seriesInstanceUID, b.studyInstanceUID, b.modality],
                       ["/d/<redacted>.dcm", "r.two", "q", "ref", "9", "8", "7", "CT"])
        XCTAssertEqual(b.because, "w and r", "the selectors follow a rewritten rule id")
        XCTAssertTrue(a.ruleTexts === rule && a.fileTexts === file)
    }

    /// `becauseContains` finds what the joined text contains — in either
    /// part and across a joint — and nothing else (random texts over a small
    /// alphabet, so that matches across the joints happen).
    func testBecauseContainsAsTheJoinedText() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("and /x".unicodeScalars).map(String.init)
        func text(_ n: Int) -> String { (0..<n).map { _ in alphabet.randomElement(using: &rng)! }.joined() }
        for _ in 0..<3000 {
            let when = text(Int.random(in: 0...8, using: &rng)), reason = text(Int.random(in: 0...8, using: &rng))
            let needle = text(Int.random(in: 1...6, using: &rng))
            let f = finding(when: when, reason: reason)
            let joined = f.because!
            XCTAssertEqual(f.becauseContains(needle), joined.utf8Contains(needle), "\(when)|\(reason) ∋ \(needle)")
            XCTAssertEqual(f.becauseIs(joined), true)
        }
    }

    /// `UTF8Needle` (memchr on its rarest-looking byte) finds what a plain
    /// search finds.
    func testNeedleAsAPlainSearch() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("c10k/CORP_.dcm (0008,\"X\")é".unicodeScalars).map(String.init)
        func text(_ n: Int) -> String { (0..<n).map { _ in alphabet.randomElement(using: &rng)! }.joined() }
        for _ in 0..<5000 {
            let hay = text(Int.random(in: 0...40, using: &rng)), needle = text(Int.random(in: 1...5, using: &rng))
            let plain = hay.utf8.count >= needle.utf8.count && (0...(hay.utf8.count - needle.utf8.count)).contains { i in
                Array(hay.utf8)[i..<(i + needle.utf8.count)].elementsEqual(needle.utf8)
            }
            XCTAssertEqual(UTF8Needle(needle).occurs(in: hay), plain, "\(hay) ∋ \(needle)")
        }
        XCTAssertTrue(UTF8Needle("c10k/CORP1/IM1.dcm").occurs(in: "value c10k/CORP1/IM1.dcm shown"))
        XCTAssertFalse(UTF8Needle("c10k/CORP1/IM1.dcm").occurs(in: "value c10k/CORP1/IM2.dcm shown"))
    }
}
