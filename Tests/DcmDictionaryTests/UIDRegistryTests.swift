import DcmDictionary
import XCTest

final class UIDRegistryTests: XCTestCase {
    func testCounts() {
        // pydicom 3.0.2: 482 UIDs, 59 of them transfer syntaxes.
        XCTAssertEqual(UIDRegistry.allEntries.count, 482)
        XCTAssertEqual(UIDRegistry.allEntries.filter(\.isTransferSyntax).count, 59)
        XCTAssertEqual(Set(UIDRegistry.allEntries.map(\.uid)).count, 482)
    }

    func testExplicitVRLittleEndian() throws {
        let e = try XCTUnwrap(UIDRegistry.entry(for: "1.2.840.10008.1.2.1"))
        XCTAssertEqual(e.uid, "1.2.840.10008.1.2.1")
        XCTAssertEqual(e.name, "Explicit VR Little Endian")
        XCTAssertEqual(e.type, "Transfer Syntax")
        XCTAssertEqual(e.keyword, "ExplicitVRLittleEndian")
        XCTAssertFalse(e.isRetired)
        XCTAssertTrue(e.isTransferSyntax)
        XCTAssertEqual(UIDRegistry.uid(forKeyword: "ExplicitVRLittleEndian"), "1.2.840.10008.1.2.1")
    }

    func testOthers() throws {
        let implicit = try XCTUnwrap(UIDRegistry.entry(for: "1.2.840.10008.1.2"))
        XCTAssertEqual(implicit.info, "Default Transfer Syntax for DICOM")
        let bigEndian = try XCTUnwrap(UIDRegistry.entry(for: "1.2.840.10008.1.2.2"))
        XCTAssertTrue(bigEndian.isRetired)
        let ct = try XCTUnwrap(UIDRegistry.entry(for: "1.2.840.10008.5.1.4.1.1.2"))
        XCTAssertEqual(ct.name, "CT Image Storage")
        XCTAssertEqual(ct.type, "SOP Class")
        XCTAssertEqual(UIDRegistry.uid(forKeyword: "CTImageStorage"), "1.2.840.10008.5.1.4.1.1.2")
    }

    func testPaddingAndUnknown() {
        XCTAssertEqual(UIDRegistry.entry(for: "1.2.840.10008.1.2.1\0")?.keyword, "ExplicitVRLittleEndian")
        XCTAssertNil(UIDRegistry.entry(for: "1.2.840.10008.1.2.1.0"))
        XCTAssertNil(UIDRegistry.entry(for: ""))
        XCTAssertNil(UIDRegistry.uid(forKeyword: "NoSuchUID"))
        XCTAssertNil(UIDRegistry.uid(forKeyword: ""))
    }

    func testKeywordRoundTrip() {
        for e in UIDRegistry.allEntries {
            XCTAssertEqual(UIDRegistry.entry(for: e.uid)?.name, e.name, e.uid)
            if !e.keyword.isEmpty {
                XCTAssertEqual(UIDRegistry.uid(forKeyword: e.keyword), e.uid, e.keyword)
            }
        }
    }
}
