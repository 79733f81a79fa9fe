import XCTest
@testable import DcmAudit

/// `dcmaudit rules coverage` on the shipped dicom.iod pack and on one file.
final class CoverageCLITests: XCTestCase {
    var builtin: String { repoRoot + "/Rules" }

    func testCoveragePerIODAndOverall() {
        let r = RulesTool.coverage(["dicom.iod"], texts: 3, builtin: builtin)
        XCTAssertEqual(r.exitCode, 0, r.errors)
        XCTAssertTrue(r.output.contains("\niod.ct-image "), r.output.prefix(300).description)
        XCTAssertTrue(r.output.contains("overall (175 groups)"))   // 143 IODs of the 2020 tables + 32 of highdicom's
        XCTAssertTrue(r.output.contains("conditions not evaluated (groups using each), the 3 most used"))
        XCTAssertTrue(r.output.contains("(partly): of the not evaluated, those decided on the files where their decidable part settles them"))
        // a pack name that does not exist is an error naming it
        let bad = RulesTool.coverage(["dicom.iodd"], builtin: builtin)
        XCTAssertEqual(bad.exitCode, 2)
        XCTAssertTrue(bad.errors.contains("no pack with id 'dicom.iodd'"), bad.errors)
    }

    func testCoverageOfOneFile() {
        let f = repoRoot + "/Fixtures/iod/CT.dcm"
        let r = RulesTool.coverage(["dicom.iod"], file: f, builtin: builtin)
        XCTAssertEqual(r.exitCode, 0, r.errors)
        // the Patient module's animal conditions cannot be decided on a human CT
        XCTAssertTrue(r.output.contains("iod.ct-image.patient\n"), r.output)
        XCTAssertTrue(r.output.contains("Required if the Patient is an animal"))
        XCTAssertTrue(r.output.contains("CT.dcm: "))
        let missing = RulesTool.coverage(["dicom.iod"], file: "/nonexistent.dcm", builtin: builtin)
        XCTAssertEqual(missing.exitCode, 2)
        XCTAssertTrue(missing.errors.hasPrefix("/nonexistent.dcm: error: cannot read"), missing.errors)
    }
}
