import XCTest
@testable import DcmData

/// The byte-level search and replace of the reporters (`UTF8Search.swift`).
final class UTF8SearchTests: XCTestCase {
    func testFirstOffset() {
        XCTAssertEqual("/a/b/a/b".utf8FirstOffset(of: "a/b", from: 0), 1)
        XCTAssertEqual("/a/b/a/b".utf8FirstOffset(of: "a/b", from: 2), 5)
        XCTAssertNil("/a/b".utf8FirstOffset(of: "a/c", from: 0))
        XCTAssertNil("ab".utf8FirstOffset(of: "abc", from: 0), "needle longer than the text")
        XCTAssertNil("abc".utf8FirstOffset(of: "c", from: 3), "start past the last place")
        XCTAssertEqual("abc".utf8FirstOffset(of: "", from: 1), 1)
        XCTAssertEqual("aaab".utf8FirstOffset(of: "aab", from: 0), 1, "a partial match then a match")
        XCTAssertEqual("Müller/Müller".utf8FirstOffset(of: "Müller", from: 1), 8, "offsets count UTF-8 bytes")
        XCTAssertTrue("private element (0019,\"X\",10)".utf8Contains("\"X\""))
        XCTAssertFalse("abc".utf8Contains("abd"))
    }

    func testReplacing() {
        XCTAssertEqual("/p/Smith/1.dcm and /p/Smith/2.dcm".utf8Replacing("/p/Smith", with: "/p/<r>"), "/p/<r>/1.dcm and /p/<r>/2.dcm")
        XCTAssertEqual("aaaa".utf8Replacing("aa", with: "b"), "bb", "left to right, not overlapping")
        XCTAssertEqual("abc".utf8Replacing("x", with: "y"), "abc")
        XCTAssertEqual("abc".utf8Replacing("", with: "y"), "abc", "an empty needle replaces nothing")
        XCTAssertEqual("Größe".utf8Replacing("ö", with: "oe"), "Groeße")
    }
}
