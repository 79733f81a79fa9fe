import XCTest
import DcmDictionary
@testable import DcmData

/// Value decoding (PS3.5 §6.2, Table 6.2-1; §6.4 VM): text numbers, binary
/// numbers in both byte orders, trimming per VR, PN, VM.
final class ValueTests: XCTestCase {
    /// One explicit VR element in a raw little endian data set (no meta), read back.
    func element(_ vr: String, _ value: [UInt8], tag: Tag = Tag(0x0011, 0x1001), bigEndian: Bool = false,
                 file: StaticString = #filePath, line: UInt = #line) throws -> (DataSet, Element) {
        var b = Bytes(bigEndian: bigEndian)
        // A first element so the encoding guess sees a low group; (0008,0060) CS "OT".
        b.explicit(0x0008, 0x0060, "CS", "OT")
        b.explicit(tag.group, tag.element, vr, value)
        let f = try readBytes(b.bytes, file: file, line: line)
        XCTAssertEqual(f.dataSet.isBigEndian, bigEndian, "byte order", file: file, line: line)
        let e = try XCTUnwrap(f.dataSet[tag], file: file, line: line)
        XCTAssertEqual(e.vr.description, vr, file: file, line: line)
        return (f.dataSet, e)
    }
    func textElement(_ vr: String, _ s: String, file: StaticString = #filePath, line: UInt = #line) throws -> (DataSet, Element) {
        try element(vr, Array(s.utf8), file: file, line: line)
    }

    // MARK: DS and IS (PS3.5 Table 6.2-1)

    func testDSForms() throws {
        let (ds, e) = try textElement("DS", "+1.5\\-2\\ 3.25E2\\4e-1 \\.5\\6.\\-0\\1E+02")
        XCTAssertEqual(ds.doubles(e), [1.5, -2, 325, 0.4, 0.5, 6, 0, 100])
        XCTAssertEqual(ds.valueMultiplicity(e), 8)
        XCTAssertEqual(ds.strings(e), ["+1.5", "-2", "3.25E2", "4e-1", ".5", "6.", "-0", "1E+02"])
    }

    func testDSLeadingAndTrailingSpacesAreInsignificant() throws {
        let (ds, e) = try textElement("DS", "  12.5  \\ 7 ")
        XCTAssertEqual(ds.strings(e), ["12.5", "7"])
        XCTAssertEqual(ds.doubles(e), [12.5, 7])
    }

    func testDSNotANumber() throws {
        for bad in ["1.5\\abc ", "1,5 ", "1.2.3 ", "NaN ", "inf ", "1 2 ", "0x10", "--1 ", "1e ", "e5 "] {
            let (ds, e) = try textElement("DS", bad)
            XCTAssertNil(ds.doubles(e), "DS '\(bad)'")
        }
    }

    /// PS3.5 §6.4: a value in a multi-valued element may be empty; it still counts.
    func testEmptyValuesInMultiValuedDS() throws {
        let (ds, e) = try textElement("DS", "1.5\\\\2 ")
        XCTAssertEqual(ds.strings(e), ["1.5", "", "2"])
        XCTAssertEqual(ds.valueMultiplicity(e), 3)
        // doubles() drops empty values (documented behaviour): positions shift.
        XCTAssertEqual(ds.doubles(e), [1.5, 2])
        let (ds2, e2) = try textElement("DS", "\\")
        XCTAssertEqual(ds2.strings(e2), ["", ""])
        XCTAssertEqual(ds2.valueMultiplicity(e2), 2)
        XCTAssertEqual(ds2.doubles(e2), [])
    }

    func testISForms() throws {
        let (ds, e) = try textElement("IS", "+12\\-7\\ 0 \\2147483647\\-2147483648")
        XCTAssertEqual(ds.integers(e), [12, -7, 0, 2_147_483_647, -2_147_483_648])
        XCTAssertEqual(ds.doubles(e), [12, -7, 0, 2_147_483_647, -2_147_483_648])
        XCTAssertEqual(ds.valueMultiplicity(e), 5)
    }

    func testISNotAnInteger() throws {
        for bad in ["1.5", "abc ", "1 2 ", "--1 ", "- 1 "] {
            let (ds, e) = try textElement("IS", bad)
            XCTAssertNil(ds.integers(e), "IS '\(bad)'")
        }
    }

    /// "+-5" is neither an IS nor a DS (one optional sign, PS3.5 Table 6.2-1);
    /// doubles() rejects it, and integers() must agree.
    func testISDoubleSignRejected() throws {
        let (ds, e) = try textElement("IS", "+-5 ")
        XCTAssertNil(ds.doubles(e))
        if ds.integers(e) != nil {
            return XCTFail("regression (bug fixed earlier): integers() reads IS '+-5' as \(ds.integers(e)!) (drops '+', then Int64(\"-5\")); doubles() says nil")
        }
    }

    func testParseDecimal() {
        XCTAssertEqual(parseDecimal("1"), 1)
        XCTAssertEqual(parseDecimal("-1.25e-2"), -0.0125)
        XCTAssertEqual(parseDecimal("+.5E1"), 5)
        XCTAssertNil(parseDecimal(""))
        XCTAssertNil(parseDecimal(" 1"))
        XCTAssertNil(parseDecimal("1e"))
        XCTAssertNil(parseDecimal("Infinity"))
    }

    // MARK: Binary numbers, LE and BE (PS3.5 §7.3 byte ordering)

    func checkBinary(bigEndian: Bool) throws {
        func b16(_ v: UInt16) -> [UInt8] { bigEndian ? be16(v) : le16(v) }
        func b32(_ v: UInt32) -> [UInt8] { bigEndian ? be32(v) : le32(v) }
        func b64(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: bigEndian ? v.bigEndian : v.littleEndian) { Array($0) } }
        let order = bigEndian ? "BE" : "LE"

        var (ds, e) = try element("US", b16(0x0102) + b16(0xFFFF), bigEndian: bigEndian)
        XCTAssertEqual(ds.integers(e), [0x0102, 65535], order)
        XCTAssertEqual(ds.valueMultiplicity(e), 2, order)

        (ds, e) = try element("SS", b16(0xFFFE) + b16(0x7FFF) + b16(0x8000), bigEndian: bigEndian)
        XCTAssertEqual(ds.integers(e), [-2, 32767, -32768], order)
        XCTAssertEqual(ds.valueMultiplicity(e), 3, order)

        (ds, e) = try element("UL", b32(0xFFFF_FFFF) + b32(0x0102_0304), bigEndian: bigEndian)
        XCTAssertEqual(ds.integers(e), [4_294_967_295, 0x0102_0304], order)

        (ds, e) = try element("SL", b32(0xFFFF_FFFF) + b32(0x8000_0000), bigEndian: bigEndian)
        XCTAssertEqual(ds.integers(e), [-1, -2_147_483_648], order)

        (ds, e) = try element("FL", b32(Float(1.5).bitPattern) + b32(Float(-0.25).bitPattern), bigEndian: bigEndian)
        XCTAssertEqual(ds.doubles(e), [1.5, -0.25], order)
        XCTAssertEqual(ds.valueMultiplicity(e), 2, order)

        (ds, e) = try element("FD", b64(Double(3.141592653589793).bitPattern) + b64(Double(-1e300).bitPattern), bigEndian: bigEndian)
        XCTAssertEqual(ds.doubles(e), [3.141592653589793, -1e300], order)
        XCTAssertEqual(ds.valueMultiplicity(e), 2, order)

        (ds, e) = try element("SV", b64(UInt64(bitPattern: -5)) + b64(0x0102_0304_0506_0708), bigEndian: bigEndian)
        XCTAssertEqual(ds.integers(e), [-5, 0x0102_0304_0506_0708], order)
        XCTAssertEqual(ds.valueMultiplicity(e), 2, order)

        (ds, e) = try element("UV", b64(UInt64.max) + b64(7), bigEndian: bigEndian)
        XCTAssertEqual(ds.unsigned64(e), [UInt64.max, 7], order)
        XCTAssertEqual(ds.valueMultiplicity(e), 2, order)

        // AT: group then element, each a 16-bit number (PS3.5 Table 6.2-1)
        (ds, e) = try element("AT", b16(0x0010) + b16(0x0020) + b16(0x7FE0) + b16(0x0010), bigEndian: bigEndian)
        XCTAssertEqual(ds.tags(e), [Tag(0x0010, 0x0020), Tag(0x7FE0, 0x0010)], order)
        XCTAssertEqual(ds.valueMultiplicity(e), 2, order)

        (ds, e) = try element("OW", b16(0x1234) + b16(0xABCD), bigEndian: bigEndian)
        XCTAssertEqual(ds.integers(e), [0x1234, 0xABCD], order)
        XCTAssertEqual(ds.valueMultiplicity(e), 1, order)  // O* VRs have VM 1

        (ds, e) = try element("OF", b32(Float(2.5).bitPattern), bigEndian: bigEndian)
        XCTAssertEqual(ds.doubles(e), [2.5], order)
        (ds, e) = try element("OD", b64(Double(-2.5).bitPattern), bigEndian: bigEndian)
        XCTAssertEqual(ds.doubles(e), [-2.5], order)
        (ds, e) = try element("OL", b32(0xDEAD_BEEF), bigEndian: bigEndian)
        XCTAssertEqual(ds.integers(e), [0xDEAD_BEEF], order)
    }

    func testBinaryLittleEndian() throws { try checkBinary(bigEndian: false) }
    func testBinaryBigEndian() throws { try checkBinary(bigEndian: true) }

    /// UV is unsigned 64-bit (PS3.5 Table 6.2-1: 0 to 2^64−1); doubles() must not
    /// turn 2^64−1 into −1.
    func testUVAsDoubleIsUnsigned() throws {
        let (ds, e) = try element("UV", le64(UInt64.max) + le64(1 << 63))
        let d = try XCTUnwrap(ds.doubles(e))
        if d.first.map({ $0 < 0 }) == true {
            return XCTFail("regression (bug fixed earlier): doubles() of UV 0xFFFFFFFFFFFFFFFF is \(d) (read through Int64 bit pattern); want [1.8446744073709552e19, 9.223372036854776e18]")
        }
        XCTAssertEqual(d, [18_446_744_073_709_551_615.0, 9_223_372_036_854_775_808.0])
    }

    func testEmptyBinaryValue() throws {
        let (ds, e) = try element("US", [])
        XCTAssertEqual(ds.integers(e), [])
        XCTAssertEqual(ds.valueMultiplicity(e), 0)
    }

    // MARK: Trimming per VR (PS3.5 Table 6.2-1)

    func testUIPaddedWithNUL() throws {
        let (ds, e) = try element("UI", uid("1.2.840.10008.1.2.1"))  // odd → NUL pad
        XCTAssertEqual(e.valueLength, 20)
        XCTAssertEqual(ds.string(e), "1.2.840.10008.1.2.1")
        XCTAssertEqual(ds.strings(e), ["1.2.840.10008.1.2.1"])
        let (ds2, e2) = try element("UI", Array("1.2\\3.4".utf8) + [0])
        XCTAssertEqual(ds2.strings(e2), ["1.2", "3.4"])
        XCTAssertEqual(ds2.valueMultiplicity(e2), 2)
    }

    /// LT, ST, UT: one value, backslash is text, leading spaces significant,
    /// trailing spaces not.
    func testLTSTUTKeepLeadingSpacesAndBackslashes() throws {
        for vr in ["LT", "ST", "UT"] {
            let (ds, e) = try textElement(vr, "  a\\b  c  ")
            XCTAssertEqual(ds.strings(e), ["  a\\b  c"], vr)
            XCTAssertEqual(ds.string(e), "  a\\b  c", vr)
            XCTAssertEqual(ds.valueMultiplicity(e), 1, vr)
        }
    }

    /// UC: multi-valued, leading spaces significant, trailing padding not.
    func testUCKeepsLeadingSpaces() throws {
        let (ds, e) = try textElement("UC", " a\\ b ")
        XCTAssertEqual(ds.strings(e), [" a", " b"])
        XCTAssertEqual(ds.valueMultiplicity(e), 2)
    }

    /// UR: one value; trailing spaces ignored (PS3.5 Table 6.2-1).
    func testUR() throws {
        let (ds, e) = try textElement("UR", "http://x/a\\b ")
        XCTAssertEqual(ds.strings(e), ["http://x/a\\b"])
        XCTAssertEqual(ds.valueMultiplicity(e), 1)
    }

    /// SH, LO, CS, AE, DS, IS: leading and trailing spaces insignificant.
    func testLeadingSpacesTrimmed() throws {
        for vr in ["SH", "LO", "CS", "AE"] {
            let (ds, e) = try textElement(vr, "  AB \\ C ")
            XCTAssertEqual(ds.strings(e), ["AB", "C"], vr)
            XCTAssertEqual(ds.valueMultiplicity(e), 2, vr)
        }
    }

    /// PN, DA, TM, DT, AS: leading spaces are kept as they are (not padding);
    /// trailing spaces are padding.
    func testPNTrailingSpacesTrimmed() throws {
        let (ds, e) = try textElement("PN", "Doe^John  \\Roe^Jane ")
        XCTAssertEqual(ds.strings(e), ["Doe^John", "Roe^Jane"])
        let (ds2, e2) = try textElement("DA", "20240101\\20240102  ")
        XCTAssertEqual(ds2.strings(e2), ["20240101", "20240102"])
    }

    func testEmptyTextValue() throws {
        let (ds, e) = try textElement("LO", "")
        XCTAssertEqual(ds.strings(e), [])
        XCTAssertEqual(ds.valueMultiplicity(e), 0)
        XCTAssertEqual(ds.string(e), "")
    }

    func testStringOfNonTextVRIsNil() throws {
        let (ds, e) = try element("US", le16(5))
        XCTAssertNil(ds.string(e))
        XCTAssertEqual(ds.strings(e), [])
    }

    /// A backslash separates values also in ISO_IR 13 (JIS X 0201) text, where
    /// 0x5C displays as YEN SIGN: the byte 5CH is the value delimiter
    /// (PS3.5 §6.4). pydicom 3.0.2 gives ["ﾔﾏ", "ﾀﾛ"] for the bytes below.
    func testBackslashDelimitsValuesInISO_IR13() throws {
        for terms in ["ISO_IR 13", "ISO 2022 IR 13\\ISO 2022 IR 87"] {
            var b = Bytes()
            b.explicit(0x0008, 0x0005, "CS", text(terms))
            b.explicit(0x0008, 0x1030, "LO", [0xD4, 0xCF, 0x5C, 0xC0, 0xDB])
            let f = try readBytes(b.bytes)
            let got = f.dataSet.strings(Tag(0x0008, 0x1030)) ?? []
            if got.count == 1 {
                return XCTFail("regression (bug fixed earlier): '\(terms)' LO bytes D4 CF 5C C0 DB read as \(got) (iconv SHIFT_JIS maps 5C to U+00A5 before splitting); want [\"ﾔﾏ\", \"ﾀﾛ\"]")
            }
            XCTAssertEqual(got, ["\u{FF94}\u{FF8F}", "\u{FF80}\u{FF9B}"], terms)
            XCTAssertEqual(f.dataSet.valueMultiplicity(f.dataSet[Tag(0x0008, 0x1030)]!), 2, terms)
        }
    }

    // MARK: PN (PS3.5 §6.2.1)

    func testPersonNameGroupsAndComponents() {
        let pn = PersonName(parsing: "Adams^John Robert Quincy^^Rev.^B.A. M.Div.")
        XCTAssertEqual(pn.alphabetic, "Adams^John Robert Quincy^^Rev.^B.A. M.Div.")
        XCTAssertEqual(pn.ideographic, "")
        XCTAssertEqual(pn.phonetic, "")
        XCTAssertEqual(pn.familyName, "Adams")
        XCTAssertEqual(pn.givenName, "John Robert Quincy")
        XCTAssertEqual(PersonName.components(pn.alphabetic), ["Adams", "John Robert Quincy", "", "Rev.", "B.A. M.Div."])
        XCTAssertEqual(PersonName.components("Morrison-Jones^Susan"), ["Morrison-Jones", "Susan", "", "", ""])
        XCTAssertEqual(PersonName.components(""), ["", "", "", "", ""])

        let three = PersonName(parsing: "Yamada^Tarou=山田^太郎=やまだ^たろう")
        XCTAssertEqual(three, PersonName(alphabetic: "Yamada^Tarou", ideographic: "山田^太郎", phonetic: "やまだ^たろう"))
        // PS3.5 §6.2.1.2: "=Wang^XiaoDong" — no alphabetic group
        XCTAssertEqual(PersonName(parsing: "=王^小東"), PersonName(alphabetic: "", ideographic: "王^小東", phonetic: ""))
        XCTAssertEqual(PersonName(parsing: "^Jo"), PersonName(alphabetic: "^Jo"))
        XCTAssertEqual(PersonName(parsing: "^Jo").familyName, "")
        XCTAssertEqual(PersonName(parsing: "^Jo").givenName, "Jo")
    }

    func testPersonNamesOfElement() throws {
        let (ds, e) = try textElement("PN", "Doe^John\\=Doe^J ")
        XCTAssertEqual(ds.personNames(e), [PersonName(alphabetic: "Doe^John"), PersonName(ideographic: "Doe^J")])
        XCTAssertEqual(ds.valueMultiplicity(e), 2)
        let (ds2, e2) = try textElement("LO", "Doe^John")
        XCTAssertEqual(ds2.personNames(e2), [], "personNames is for PN only")
    }

    // MARK: VM (PS3.5 §6.4)

    func testVMOfText() throws {
        var (ds, e) = try textElement("CS", "ORIGINAL\\PRIMARY\\AXIAL ")
        XCTAssertEqual(ds.valueMultiplicity(e), 3)
        (ds, e) = try textElement("CS", "A ")
        XCTAssertEqual(ds.valueMultiplicity(e), 1)
        (ds, e) = try textElement("CS", "A\\")
        XCTAssertEqual(ds.valueMultiplicity(e), 2)
        XCTAssertEqual(ds.strings(e), ["A", ""])
    }

    func testVMOfSequenceIsOne() throws {
        var b = Bytes()
        b.sequenceStart(0x0008, 0x1140)
        b.item(); b.itemDelimiter()
        b.item(); b.itemDelimiter()
        b.sequenceDelimiter()
        let f = try readBytes(b.bytes)
        let e = try XCTUnwrap(f.dataSet[Tag(0x0008, 0x1140)])
        XCTAssertEqual(e.items?.count, 2)
        XCTAssertEqual(f.dataSet.valueMultiplicity(e), 1)
    }
}

func le64(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
