import DcmData
import DcmDictionary
import XCTest

/// The demo fixtures decode as their README says (text in four character
/// sets, big endian and deflated files, private blocks).
final class DemoFixtureTests: XCTestCase {
    let root = URLlessPath.packageRoot() + "/Fixtures/demo"

    func read(_ rel: String) throws -> DicomFile {
        let path = root + "/" + rel
        try XCTSkipIf(access(path, R_OK) != 0, "fixtures not generated")
        var o = ReadOptions(); o.stopBeforePixelData = false
        return try DicomReader.read(path: path, options: o)
    }

    func testJapaneseISO2022() throws {
        let f = try read("DEMO003/US_ABDOMEN_20240615/S001_SURVEY/IM0001.dcm")
        XCTAssertEqual(f.anomalies.map(\.description), [])
        XCTAssertEqual(f.dataSet.string(Tag(0x0010, 0x0010)), "Yamada^Tarou=山田^太郎=やまだ^たろう")
    }

    func testUTF8() throws {
        let f = try read("DEMO003/US_ABDOMEN_20240615/S002_LIVER_UTF8/IM0001.dcm")
        XCTAssertEqual(f.dataSet.string(Tag(0x0010, 0x0010)), "Yamada^Tarou=山田^太郎=やまだ^たろう")
        XCTAssertEqual(f.dataSet.string(Tag(0x0008, 0x0080)), "Γενικό Νοσοκομείο / Городская больница")
        XCTAssertEqual(f.dataSet.string(Tag(0x0008, 0x103E)), "Υπερηχογράφημα / Ультразвук печени")
    }

    func testLatin1() throws {
        let f = try read("DEMO002/MR_KNEE_20240522/S001_SAG_PD/IM0001.dcm")
        XCTAssertEqual(f.dataSet.string(Tag(0x0010, 0x0010)), "Müller^Anna")
        XCTAssertEqual(f.dataSet.valueBytes(f.dataSet[Tag(0x0010, 0x0010)]!).count, 12)  // 11 Latin-1 bytes + pad
    }

    func testBigEndianAndDeflatedMatchLittleEndian() throws {
        let le = try read("DEMO002/MR_KNEE_20240522/S001_SAG_PD/IM0002.dcm")
        let be = try read("DEMO002/MR_KNEE_20240522/S001_SAG_PD/IM0003.dcm")
        let df = try read("DEMO002/MR_KNEE_20240522/S001_SAG_PD/IM0004.dcm")
        XCTAssertTrue(be.transferSyntax.isBigEndian)
        XCTAssertTrue(df.transferSyntax.isDeflated)
        for f in [be, df] {
            XCTAssertEqual(f.anomalies.map(\.description), [])
            XCTAssertEqual(f.dataSet.integers(Tag(0x0028, 0x0010)), [16])
            XCTAssertEqual(f.dataSet.count, le.dataSet.count)
            XCTAssertEqual(f.dataSet.integers(.pixelData)?.count, 256)
        }
        // the generator's pattern: first sample is (phase * 11) % 400, phase = instance
        XCTAssertEqual(be.dataSet.integers(.pixelData)?.first, 33)
        XCTAssertEqual(df.dataSet.integers(.pixelData)?.first, 44)
        XCTAssertEqual(le.dataSet.integers(.pixelData)?.first, 22)
    }

    func testSiemensCSA() throws {
        let f = try read("DEMO001/MR_BRAIN_20240410/S002_T1_MPRAGE/IM0001.dcm")
        let csa = try XCTUnwrap(f.dataSet.privateElement(group: 0x0029, creator: "SIEMENS CSA HEADER", elementByte: 0x10))
        let bytes = f.dataSet.valueBytes(csa)
        XCTAssertEqual(Array(bytes[0..<4]), Array("SV10".utf8))
        XCTAssertEqual(f.dataSet.privateElement(group: 0x0019, creator: "SIEMENS MR HEADER", elementByte: 0x28)?.vr, .FD)
    }

    func testImplicitSeriesPrivateVRsFromDictionary() throws {
        let f = try read("DEMO001/CT_CHEST_20240305/S003_AXIAL_LUNG_IMPLICIT/IM0001.dcm")
        XCTAssertEqual(f.transferSyntax.isExplicitVR, false)
        XCTAssertEqual(f.dataSet.privateElement(group: 0x0029, creator: "SIEMENS CSA HEADER", elementByte: 0x10)?.vr, .OB)
        XCTAssertEqual(f.dataSet.doubles(Tag(0x0028, 0x0030)), [21.875, 21.875])
    }
}

/// Re-writing malformed fixtures: the writer repairs what the reader recorded
/// where it can, and refuses what it cannot write.
final class MalformedRewriteTests: XCTestCase {
    let root = URLlessPath.packageRoot() + "/Fixtures/malformed"

    func read(_ name: String) throws -> DicomFile {
        let path = root + "/" + name
        try XCTSkipIf(access(path, R_OK) != 0, "fixtures not generated")
        var o = ReadOptions(); o.stopBeforePixelData = false
        return try DicomReader.read(path: path, options: o)
    }

    func reread(_ f: DicomFile) throws -> DicomFile {
        var o = ReadOptions(); o.stopBeforePixelData = false
        return try DicomReader.read(bytes: try DicomWriter.write(f), options: o)
    }

    func testMismatchedTransferSyntaxIsWrittenConsistently() throws {
        let f = try read("ts_explicit_but_data_implicit.dcm")
        XCTAssertEqual(f.anomalies.map(\.kind), [.transferSyntaxMismatch])
        let g = try reread(f)
        XCTAssertEqual(g.anomalies.map(\.description), [])
        XCTAssertEqual(g.transferSyntax.uid, TransferSyntax.implicitVRLittleEndian.uid)
        XCTAssertEqual(differences(f.dataSet, g.dataSet, implicitRead: true), [])
    }

    func testRepairedOnRewrite() throws {
        for name in ["odd_length.dcm", "no_preamble.dcm", "raw_explicit_be.dcm", "raw_implicit_le.dcm", "meta_group_length_wrong.dcm", "out_of_order.dcm"] {
            let f = try read(name)
            XCTAssertFalse(f.anomalies.isEmpty, name)
            let g = try reread(f)
            XCTAssertEqual(g.anomalies.map(\.description), [], name)
        }
    }

    func testUNSequenceKeepsItsItems() throws {
        let f = try read("un_undefined_length_implicit_sequence.dcm")
        XCTAssertEqual(f.dataSet[Tag(0x0008, 0x1140)]?.items?.count, 2)
        // Read as a sequence, it is presented (and so rewritten) as SQ.
        XCTAssertEqual(f.dataSet[Tag(0x0008, 0x1140)]?.vr, .SQ)
        XCTAssertEqual(f.dataSet[Tag(0x0008, 0x1140)]?.flags.contains(.unAsSequence), true)
        let g = try reread(f)
        XCTAssertEqual(g.dataSet[Tag(0x0008, 0x1140)]?.vr, .SQ)
        XCTAssertEqual(differences(f.dataSet, g.dataSet, implicitRead: false), [])
    }

    func testEncapsulatedPixelDataIsNotSilentlyDropped() throws {
        let f = try read("encapsulated_pixel_data.dcm")
        XCTAssertEqual(f.pixelData?.fragments?.map(\.length), [8, 32, 14, 16])
        XCTAssertThrowsError(try DicomWriter.write(f)) { XCTAssertEqual($0 as? WriteError, .valueNotLoaded(tag: .pixelData)) }
    }
}
