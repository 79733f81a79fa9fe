import DcmDictionary
import XCTest

final class PrivateDictionaryTests: XCTestCase {
    func testCounts() {
        // pydicom 3.0.2 ships 449 creators and 10545 entries (from GDCM).
        XCTAssertEqual(PrivateDictionary.creators.count, 449)
        XCTAssertEqual(PrivateDictionary.entryCount, 10545)
        XCTAssertEqual(PrivateDictionary.allEntries.count, 10545)
        XCTAssertEqual(PrivateDictionary.creators, PrivateDictionary.creators.sorted())
    }

    func testSiemensCSAHeader() throws {
        let e = try XCTUnwrap(PrivateDictionary.entry(creator: "SIEMENS CSA HEADER", group: 0x0029, elementByte: 0x10))
        XCTAssertEqual(e.creator, "SIEMENS CSA HEADER")
        XCTAssertEqual(e.group, 0x0029)
        XCTAssertEqual(e.elementByte, 0x10)
        XCTAssertEqual(e.vrs, [.OB])
        XCTAssertEqual(e.vm, "1")
        XCTAssertEqual(e.name, "CSA Image Header Info")
        XCTAssertNil(e.block)
        XCTAssertEqual(e.tagPattern, "(0029,xx10)")
        XCTAssertEqual(PrivateDictionary.entry(creator: "SIEMENS CSA HEADER", group: 0x0029, elementByte: 0x20)?.name,
                       "CSA Series Header Info")
        // Whatever block the creator reserved.
        XCTAssertEqual(PrivateDictionary.entry(creator: "SIEMENS CSA HEADER", tag: Tag(0x0029, 0x1110))?.name,
                       "CSA Image Header Info")
        XCTAssertEqual(PrivateDictionary.entry(creator: "SIEMENS CSA HEADER", tag: Tag(0x0029, 0x1010))?.name,
                       "CSA Image Header Info")
    }

    func testCreatorPaddingIsTrimmed() {
        XCTAssertEqual(PrivateDictionary.entry(creator: "SIEMENS CSA HEADER ", group: 0x0029, elementByte: 0x10)?.name,
                       "CSA Image Header Info")
        XCTAssertEqual(PrivateDictionary.entry(creator: "SIEMENS CSA HEADER\0", group: 0x0029, elementByte: 0x10)?.name,
                       "CSA Image Header Info")
        // Matched exactly otherwise: case and leading spaces matter.
        XCTAssertNil(PrivateDictionary.entry(creator: "siemens csa header", group: 0x0029, elementByte: 0x10))
        XCTAssertNil(PrivateDictionary.entry(creator: " SIEMENS CSA HEADER", group: 0x0029, elementByte: 0x10))
    }

    func testGE() throws {
        let e = try XCTUnwrap(PrivateDictionary.entry(creator: "GEMS_ACQU_01", group: 0x0019, elementByte: 0x0F))
        XCTAssertEqual(e.creator, "GEMS_ACQU_01")
        XCTAssertEqual(e.vrs, [.DS])
        XCTAssertEqual(e.name, "Horiz. Frame of ref.")
        let slices = try XCTUnwrap(PrivateDictionary.entry(creator: "GEMS_PARM_01", group: 0x0043, elementByte: 0x79))
        XCTAssertEqual(slices.name, "Slices Per Volume")
        XCTAssertEqual(slices.vrs, [.US])
        // GE's (0019,10xx) "Private Element Creator" covers the whole block, and is only
        // reached through the tag-based lookup when nothing more specific matches.
        let whole = try XCTUnwrap(PrivateDictionary.allEntries.first { $0.creator == "GEMS_ACQU_01" && $0.coversWholeBlock })
        XCTAssertEqual(whole.tagPattern, "(0019,10xx)")
        XCTAssertEqual(PrivateDictionary.entry(creator: "GEMS_ACQU_01", tag: Tag(0x0019, 0x100F))?.name, "Horiz. Frame of ref.")
        XCTAssertEqual(PrivateDictionary.entry(creator: "GEMS_ACQU_01", tag: Tag(0x0019, 0x10FE))?.name, "Private Element Creator")
    }

    func testGroupWildcardEntries() throws {
        // PAPYRUS 3.0 has (60xx,xx10) Overlay Rows.
        let e = try XCTUnwrap(PrivateDictionary.entry(creator: "PAPYRUS 3.0", group: 0x6001, elementByte: 0x10))
        XCTAssertEqual(e.name, "Overlay Rows")
        XCTAssertEqual(e.group, 0x6000)
        XCTAssertEqual(e.groupMask, 0xFF00)
        XCTAssertEqual(e.tagPattern, "(60xx,xx10)")
        XCTAssertEqual(PrivateDictionary.entry(creator: "PAPYRUS 3.0", tag: Tag(0x6003, 0x1010))?.name, "Overlay Rows")
    }

    func testBlockSpecificEntries() throws {
        // ELSCINT1 has both (01F1,xx08) and (01F1,1008); the exact tag wins when known.
        let anyBlock = try XCTUnwrap(PrivateDictionary.allEntries.first {
            $0.creator == "ELSCINT1" && $0.group == 0x01F1 && $0.elementByte == 0x08 && $0.block == nil })
        let block10 = try XCTUnwrap(PrivateDictionary.allEntries.first {
            $0.creator == "ELSCINT1" && $0.group == 0x01F1 && $0.elementByte == 0x08 && $0.block == 0x10 })
        XCTAssertEqual(block10.tagPattern, "(01F1,1008)")
        XCTAssertEqual(PrivateDictionary.entry(creator: "ELSCINT1", group: 0x01F1, elementByte: 0x08)?.name, anyBlock.name)
        XCTAssertEqual(PrivateDictionary.entry(creator: "ELSCINT1", tag: Tag(0x01F1, 0x1008))?.name, block10.name)
        XCTAssertEqual(PrivateDictionary.entry(creator: "ELSCINT1", tag: Tag(0x01F1, 0x1108))?.name, anyBlock.name)
    }

    func testLowercaseKeysInPydicomAreNormalised() throws {
        // pydicom writes a few keys in lower case, e.g. ('1.2.840.113681', '0019xx10').
        XCTAssertEqual(PrivateDictionary.entry(creator: "1.2.840.113681", group: 0x0019, elementByte: 0x10)?.name,
                       "CR Image Params Common")
    }

    func testUnknown() {
        XCTAssertNil(PrivateDictionary.entry(creator: "NO SUCH CREATOR", group: 0x0029, elementByte: 0x10))
        XCTAssertNil(PrivateDictionary.entry(creator: "SIEMENS CSA HEADER", group: 0x0029, elementByte: 0xEE))
        XCTAssertNil(PrivateDictionary.entry(creator: "SIEMENS CSA HEADER", group: 0x0031, elementByte: 0x10))
    }

    func testEveryAnyBlockEntryIsReachable() {
        var reached = 0
        for e in PrivateDictionary.allEntries where e.block == nil && !e.coversWholeBlock {
            let group = e.groupMask == 0xFFFF ? e.group : e.group | 0x01
            let found = PrivateDictionary.entry(creator: e.creator, group: group, elementByte: e.elementByte)
            XCTAssertEqual(found?.name, e.name, e.description)
            XCTAssertEqual(found?.vrs, e.vrs, e.description)
            reached += 1
        }
        XCTAssertGreaterThan(reached, 8000)
    }
}
