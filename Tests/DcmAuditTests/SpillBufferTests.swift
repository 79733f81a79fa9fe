import XCTest
@testable import DcmAudit

/// `SpillBuffer`: a report body moved to a temporary file past its limit is
/// written back whole and in order after the head; with no temporary file to
/// be had, it stays in memory and the report is the same.
final class SpillBufferTests: XCTestCase {
    func rows(_ b: inout SpillBuffer) -> [UInt8] {
        var expected: [UInt8] = []
        for i in 0..<5000 {
            let line = Array("row \(i),\"a \"\"quoted\"\" value\"\r\n".utf8)
            b.out.bytes += line
            expected += line
            if i % 7 == 0 { b.spillIfFull() }
        }
        return expected
    }

    func testSpilledRowsComeBackInOrder() {
        var b = SpillBuffer(limit: 1000)
        let expected = rows(&b)
        XCTAssertGreaterThan(b.spilled, 100_000)
        XCTAssertLessThan(b.out.bytes.count, 2000)
        let sink = MemorySink()
        sink.write(Array("# head\r\n".utf8))
        b.drain(into: sink)
        XCTAssertTrue(sink.bytes == Array("# head\r\n".utf8) + expected)
    }

    func testNoTemporaryFileKeepsRowsInMemory() {
        let old = getenv("TMPDIR").map { String(cString: $0) }
        setenv("TMPDIR", "/nonexistent-dcmaudit-dir", 1)
        defer { if let old { setenv("TMPDIR", old, 1) } else { unsetenv("TMPDIR") } }
        var b = SpillBuffer(limit: 1000)
        let expected = rows(&b)
        XCTAssertEqual(b.spilled, 0)
        let sink = MemorySink()
        b.drain(into: sink)
        XCTAssertTrue(sink.bytes == expected)
    }
}
