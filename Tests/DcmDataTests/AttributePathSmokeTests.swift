import XCTest
import DcmData

/// Keeps the DcmDataTests target non-empty on this branch; the reader's own
/// tests live with the reader.
final class AttributePathSmokeTests: XCTestCase {
    func testKeywordAndPrivatePaths() throws {
        XCTAssertNotNil(try AttributePath(parsing: "PatientName").simpleTag)
        let p = try AttributePath(parsing: #"(0029,"SIEMENS CSA HEADER",10)"#)
        XCTAssertEqual(p.steps.count, 1)
        XCTAssertThrowsError(try AttributePath(parsing: "PatientNmae"))
    }
}
