import DcmData
import DcmDictionary
import XCTest

/// The Siemens CSA parser (docs/siemens-csa.md) on the demo fixtures and on
/// malformed bytes: every count and length is checked, errors carry offsets,
/// nothing crashes. The agreement with nibabel is Scripts/diff/csa_diff.py.
final class SiemensCSATests: XCTestCase {
    let root = URLlessPath.packageRoot() + "/Fixtures/demo"

    func demo(_ rel: String) throws -> DicomFile {
        let path = root + "/" + rel
        try XCTSkipIf(access(path, R_OK) != 0, "fixtures not generated")
        return try DicomReader.read(path: path)
    }

    func testDemoMRImageAndSeriesHeaders() throws {
        let f = try demo("DEMO001/MR_BRAIN_20240410/S002_T1_MPRAGE/IM0001.dcm")
        let image = try XCTUnwrap(f.dataSet.siemensCSA(elementByte: 0x10)).get()
        XCTAssertEqual(image.format, .csa2)
        XCTAssertEqual(image.tags.map(\.name), ["EchoLinePosition", "BandwidthPerPixelPhaseEncode", "MosaicRefAcqTimes",
                                                "SliceNormalVector", "NumberOfImagesInMosaic", "ImaCoilString"])
        XCTAssertEqual(image["BandwidthPerPixelPhaseEncode"]?.vr, "FD")
        XCTAssertEqual(image["BandwidthPerPixelPhaseEncode"]?.number, 20.833)
        XCTAssertEqual(image["SliceNormalVector"]?.numbers, [0, 0, 1])
        XCTAssertEqual(image["MosaicRefAcqTimes"]?.values.count, 4)
        XCTAssertEqual(image["ImaCoilString"]?.values, ["HEA;HEP"])
        let series = try XCTUnwrap(f.dataSet.siemensCSA(elementByte: 0x20)).get()
        XCTAssertNotNil(series["MrPhoenixProtocol"])
        XCTAssertEqual(series["UsedPatientWeight"]?.number, 72)
    }

    func testDemoCTHasImageHeaderOnly() throws {
        let f = try demo("DEMO001/CT_CHEST_20240305/S002_AXIAL_5MM/IM0001.dcm")
        XCTAssertNotNil(f.dataSet.siemensCSA(elementByte: 0x10))
        XCTAssertNil(f.dataSet.siemensCSA(elementByte: 0x20))
        let us = try demo("DEMO003/US_ABDOMEN_20240615/S002_LIVER_UTF8/IM0001.dcm")
        XCTAssertNil(us.dataSet.siemensCSA(elementByte: 0x10))
    }

    func testRoundTripOfEncoder() throws {
        let bytes = SiemensCSAHeader.encodeCSA2([("A", "FD", ["1.5", "2"]), ("B", "LO", ["x y  "]), ("C", "IS", [])])
        let h = try SiemensCSAHeader(parsing: bytes)
        XCTAssertEqual(h.tags.map(\.name), ["A", "B", "C"])
        XCTAssertEqual(h["A"]?.numbers, [1.5, 2])
        XCTAssertEqual(h["B"]?.values, ["x y"])
        XCTAssertEqual(h["C"]?.values, [])
    }

    /// CSA1: no magic; an item's length is its first int32 minus tag 1's nitems.
    func testCSA1() throws {
        var b: [UInt8] = []
        func u32(_ v: Int) { let x = UInt32(truncatingIfNeeded: v); b += [UInt8(x & 0xFF), UInt8(x >> 8 & 0xFF), UInt8(x >> 16 & 0xFF), UInt8(x >> 24)] }
        func fixed(_ s: String, _ n: Int) { b += Array(s.utf8) + [UInt8](repeating: 0, count: n - s.utf8.count) }
        u32(2); u32(77)
        // tag 0: one item of 4 bytes ("12\0\0"); tag 1 has 1 item, but tag 0 is read before it (offset 0)
        fixed("First", 64); u32(1); fixed("IS", 4); u32(6); u32(1); u32(77)
        u32(4); u32(4); u32(77); u32(4); b += Array("12".utf8) + [0, 0]
        // tag 1: nitems 1, x0 = length + 1
        fixed("Second", 64); u32(1); fixed("LO", 4); u32(19); u32(1); u32(77)
        u32(6 + 1); u32(6); u32(77); u32(6); b += Array("hello".utf8) + [0, 0, 0]
        let h = try SiemensCSAHeader(parsing: b)
        XCTAssertEqual(h.format, .csa1)
        XCTAssertEqual(h["First"]?.values, ["12"])
        XCTAssertEqual(h["Second"]?.values, ["hello"])
    }

    func error(_ b: [UInt8]) -> SiemensCSAHeader.Error? {
        do { _ = try SiemensCSAHeader(parsing: b); return nil } catch { return error }
    }

    func testMalformedHeadersAreErrorsWithOffsets() throws {
        let good = SiemensCSAHeader.encodeCSA2([("BandwidthPerPixelPhaseEncode", "FD", ["20.833"]), ("ImaCoilString", "LO", ["HEA;HEP"])])
        // every truncation: an error or a shorter parse, never a crash
        for n in 0..<good.count {
            let e = error(Array(good[..<n]))
            XCTAssertNotNil(e, "truncated at \(n)")
            if let e { XCTAssert(e.offset >= 0 && e.offset <= n, "\(e)") }
        }
        XCTAssertEqual(error([])?.description, "truncated tag count: needs 8 bytes, 0 left at offset 0")
        XCTAssertEqual(error(Array("SV10".utf8))?.description, "truncated CSA2 header: needs 8 bytes, 4 left at offset 0")
        // a huge tag count
        var huge = good; huge[8] = 0xFF; huge[9] = 0xFF; huge[10] = 0xFF; huge[11] = 0x7F
        XCTAssertEqual(error(huge)?.description, "tag count 2147483647 out of range 1…1000 at offset 8")
        // zero tags
        var zero = good; zero[8] = 0
        XCTAssertNotNil(error(zero))
        // a huge item count (tag 0's nitems at 16 + 64 + 4 + 4 + 4)
        var items = good; items[92] = 0xFF; items[93] = 0xFF; items[94] = 0xFF; items[95] = 0x7F
        XCTAssertEqual(error(items)?.description, "tag 'BandwidthPerPixelPhaseEncode': item count 2147483647 out of range 0…10000 at offset 92")
        // a negative item count
        var neg = good; neg[92] = 0xFF; neg[93] = 0xFF; neg[94] = 0xFF; neg[95] = 0xFF
        XCTAssertNotNil(error(neg))
        // an item length past the end (tag 0's first item: its second int32, at 100 + 4)
        var long = good; long[104] = 0xFF; long[105] = 0xFF; long[106] = 0xFF; long[107] = 0x7F
        XCTAssertEqual(error(long)?.description, "tag 'BandwidthPerPixelPhaseEncode' item 0: length 2147483647 exceeds the \(good.count - 116) bytes left at offset 100")
        // wrong magic: read as CSA1, whose first word is then a nonsense tag count
        var magic = good; magic[0] = 0x58
        XCTAssertNotNil(error(magic))
        XCTAssertEqual(error(Array("not a CSA header at all".utf8))?.message.hasSuffix("(not a CSA header?)"), true)
    }

    /// Random bytes and random mutations of a real header never crash.
    func testFuzzNeverCrashes() throws {
        var rng = SplitMix(seed: 42)
        let good = SiemensCSAHeader.encodeCSA2([("A", "FD", ["1", "2", "3"]), ("B", "LO", ["text"]), ("C", "IS", ["7"])])
        for _ in 0..<3000 {
            var b = good
            for _ in 0..<(1 + Int(rng.next() % 6)) { b[Int(rng.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            if rng.next() % 3 == 0 { b = Array(b.prefix(Int(rng.next() % UInt64(b.count)))) }
            _ = try? SiemensCSAHeader(parsing: b)
        }
        for _ in 0..<500 {
            let b = (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            _ = try? SiemensCSAHeader(parsing: b)
        }
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
