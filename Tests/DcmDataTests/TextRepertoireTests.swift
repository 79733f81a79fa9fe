import XCTest
import DcmDictionary
@testable import DcmData

/// `DicomFile.textOutsideDefaultRepertoire`: whether a value of SH, LO, UC,
/// ST, LT, UT or PN holds a byte above 7FH or an ESC (PS3.5 §6.1.2.3), as
/// the reader notes it while parsing — judged on files built byte by byte.
final class TextRepertoireTests: XCTestCase {
    let ts = "1.2.840.10008.1.2.1"   // Explicit VR Little Endian

    /// Asserts the fact of the file `body` makes, as the reader notes it and
    /// as the walk of its data set finds it.
    func assertFact(_ body: Bytes, _ expected: Bool, ts: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        let f = try readBytes(part10(transferSyntax: ts ?? self.ts, body: body.bytes))
        XCTAssertEqual(f.textOutsideDefaultRepertoire, expected, "reader", file: file, line: line)
        XCTAssertEqual(f.dataSet.hasTextOutsideDefaultRepertoire, expected, "walk", file: file, line: line)
    }

    func testAllASCIITextIsTheDefaultRepertoire() throws {
        var b = Bytes()
        b.explicit(0x0008, 0x1030, "LO", text("HEAD^ROUTINE"))
        b.explicit(0x0010, 0x0010, "PN", text("Muller^Hans"))
        b.explicit(0x0020, 0x4000, "LT", text("a comment, ~ and DEL \u{7F}"))
        try assertFact(b, false)
    }

    /// ESC (1BH) starts a code extension (PS3.5 §6.1.2.5.3), here in a PN of
    /// a sequence item: ISO 2022 Japanese, all bytes below 80H.
    func testESCInAPersonNameInsideASequenceItem() throws {
        var b = Bytes()
        b.explicit(0x0010, 0x0010, "PN", text("Yamada^Tarou"))
        b.sequenceStart(0x0008, 0x1110)            // Referenced Study Sequence
        b.item()
        b.explicit(0x0008, 0x1150, "UI", uid("1.2.3"))
        b.explicit(0x0040, 0xA123, "PN", [0x1B, 0x24, 0x42, 0x3B, 0x33, 0x45, 0x44, 0x1B, 0x28, 0x42, 0x20, 0x20])
        b.itemDelimiter()
        b.sequenceDelimiter()
        try assertFact(b, true)
    }

    func testAHighByteInUT() throws {
        var b = Bytes()
        b.explicit(0x0010, 0x0010, "PN", text("Muller^Hans"))
        b.explicit(0x0040, 0xA160, "UT", text("Befund: unauff\u{00E4}llig"))   // UTF-8 C3 A4
        try assertFact(b, true)
    }

    /// Implicit VR: the VR is the dictionary's (PN), and so the value is text.
    func testAHighByteInAnImplicitVRPersonName() throws {
        var b = Bytes()
        b.implicit(0x0010, 0x0010, [0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72])       // "Müller", ISO 8859-1
        try assertFact(b, true, ts: "1.2.840.10008.1.2")
    }

    /// OB and UN values are bytes, not text; CS, UI and the other VRs Specific
    /// Character Set does not apply to are not looked at either.
    func testHighBytesOnlyInOBUNAndOtherVRsAreNot() throws {
        var b = Bytes()
        b.explicit(0x0008, 0x0060, "CS", text("\u{00C4}T"))
        b.explicit(0x0009, 0x0010, "LO", text("ACME"))
        b.explicit(0x0009, 0x1001, "UN", [0xC3, 0xBC, 0x1B, 0xFF])
        b.explicit(0x0010, 0x0010, "PN", text("Muller^Hans"))
        b.explicit(0x0029, 0x0010, "LO", text("ACME"))
        b.explicit(0x0029, 0x1001, "OB", [0x80, 0x81, 0x1B, 0xFF])
        try assertFact(b, false)
    }

    /// A private LO is text too (its VR is written): a character set is used.
    func testAHighByteInAPrivateLO() throws {
        var b = Bytes()
        b.explicit(0x0009, 0x0010, "LO", text("ACME"))
        b.explicit(0x0009, 0x1001, "LO", text("K\u{00F6}pf"))
        try assertFact(b, true)
    }

    /// The byte scan at every position of buffers of 0…19 bytes (the
    /// eight-byte words and the tail): each byte 80H–FFH and 1BH is found;
    /// every other byte below 80H (1AH and 1CH beside ESC; NUL) is not.
    func testTheScanFindsEveryOutsideByteAtEveryPosition() {
        for n in 1..<20 {
            for at in 0..<n {
                for v in 0...255 {
                    var buf = [UInt8](repeating: 0x41, count: n)
                    buf[at] = UInt8(v)
                    if at > 0 { buf[at - 1] = 0 }          // a NUL beside it (a zero byte of the word, not of word ^ 1B…)
                    let found = buf.withUnsafeBytes { TextRepertoire.leavesDefault($0) }
                    XCTAssertEqual(found, v >= 0x80 || v == 0x1B, "byte \(v) at \(at) of \(n)")
                }
            }
        }
        XCTAssertFalse([UInt8]().withUnsafeBytes { TextRepertoire.leavesDefault($0) })
    }

    /// The reader's fact is the walk's on every fixture (the walk is what a
    /// data set built in memory gets), and some fixtures have each answer.
    func testTheReadersFactIsTheWalksOnEveryFixture() throws {
        let files = FileManager.default.enumerator(atPath: repoRoot + "/Fixtures")!.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".dcm") }.sorted()
        var counts = [false: 0, true: 0]
        for path in files {
            guard let f = try? DicomReader.read(path: fixture(path)) else { continue }
            XCTAssertEqual(f.textOutsideDefaultRepertoire, f.dataSet.hasTextOutsideDefaultRepertoire, path)
            counts[f.textOutsideDefaultRepertoire]! += 1
        }
        XCTAssertGreaterThan(counts[true]!, 5)
        XCTAssertGreaterThan(counts[false]!, 50)
    }
}
