import XCTest
@testable import DcmAudit
import DcmData
import DcmDictionary
import Foundation

/// `dump`: the DICOM JSON model (PS3.18 Annex F) and the text view.
final class DumpTests: XCTestCase {
    func json(_ ds: DataSet) throws -> [String: Any] {
        let file = try DicomReader.read(bytes: try DicomWriter.write(dataSet: ds))
        var o = ByteOutput()
        JSONDumper(bulkThreshold: 1024).render(file, into: &o)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(o.bytes)) as? [String: Any])
    }

    /// A value of padding only (pydicom's examples_ybr_color.dcm: EthnicGroup
    /// `"  "`) is no value, as pydicom's `to_json_dict` has it — not `[null]`;
    /// empty values among others stay `null` (F.2.5).
    func testPaddingOnlyValueHasNoValueKey() throws {
        var ds = DataSet()
        ds.set(keyword: "SOPClassUID", "1.2.840.10008.5.1.4.1.1.4")
        ds.setRaw(Tag(0x0010, 0x2160), .SH, Array("  ".utf8))             // EthnicGroup
        ds.setRaw(Tag(0x0010, 0x0010), .PN, Array("  ".utf8))             // PatientName
        ds.setRaw(Tag(0x0020, 0x0011), .IS, Array("  ".utf8))             // SeriesNumber
        ds.setRaw(Tag(0x0018, 0x5010), .LO, Array("50.80\\\\ ".utf8))     // TransducerData, 3 values
        let j = try json(ds)
        for tag in ["00102160", "00100010", "00200011"] {
            let e = try XCTUnwrap(j[tag] as? [String: Any], tag)
            XCTAssertNil(e["Value"], "\(tag): \(e)")
        }
        let t = try XCTUnwrap((j["00185010"] as? [String: Any])?["Value"] as? [Any])
        XCTAssertEqual(t.count, 3)
        XCTAssertEqual(t.first as? String, "50.80")
        XCTAssertTrue(t.dropFirst().allSatisfy { $0 is NSNull })
    }

    /// The text dump shows a value's control characters as U+FFFD: one line
    /// per element, and no terminal escape sequence from a file.
    func testTextDumpNeutralisesControlCharacters() throws {
        var ds = DataSet()
        ds.set(keyword: "SOPClassUID", "1.2.840.10008.5.1.4.1.1.4")
        ds.set(keyword: "StudyDescription", "a\u{1B}[2Jb\r\nc")
        let file = try DicomReader.read(bytes: try DicomWriter.write(dataSet: ds))
        var o = ByteOutput()
        TextDumper().render(file, path: "x\ny.dcm", into: &o)
        let text = String(decoding: o.bytes, as: UTF8.self)
        XCTAssertFalse(o.bytes.contains(0x1B) || o.bytes.contains(0x0D), text)
        XCTAssertTrue(text.hasPrefix("# x\u{FFFD}y.dcm\n"), text)
        XCTAssertTrue(text.split(separator: "\n").contains { $0.hasPrefix("(0008,1030) LO [a\u{FFFD}[2Jb\u{FFFD}\u{FFFD}c]") }, text)
    }

    /// The CSV dump, like the check's CSV report: a value's or a path's
    /// control characters (BEL, ESC, CSI) U+FFFD, line breaks quoted — the
    /// fast path for ASCII values (which let BEL through) included.
    func testCSVDumpNeutralisesControlCharacters() throws {
        var ds = DataSet()
        ds.set(keyword: "SOPClassUID", "1.2.840.10008.5.1.4.1.1.4")
        ds.set(keyword: "StudyDescription", "a\u{07}b")
        ds.set(keyword: "SeriesDescription", "c\u{1B}[2Jd\u{9B}")
        ds.set(keyword: "Modality", "MR")
        let file = try DicomReader.read(bytes: try DicomWriter.write(dataSet: ds))
        var o = ByteOutput()
        CSVDumper(paths: ["StudyDescription", "SeriesDescription", "Modality"].map { try! AttributePath(parsing: $0) })
            .render(file, path: "x\u{1B}]0;t\u{07}\ny.dcm", into: &o)
        XCTAssertEqual(String(decoding: o.bytes, as: UTF8.self), "\"x\u{FFFD}]0;t\u{FFFD}\ny.dcm\",a\u{FFFD}b,c\u{FFFD}[2Jd\u{FFFD},MR\n")
        XCTAssertEqual(DumpRunner.shown("a\u{1B}[31m\nb\tc"), "a\u{FFFD}[31m\u{FFFD}b\tc")
    }

    /// A UI value's trailing NUL padding (PS3.5 6.2) is trimmed as before
    /// (on the fast path: an odd-length UID is half of a corpus's UIDs); a NUL
    /// before other bytes is a control character.
    func testCSVDumpNULs() throws {
        var ds = DataSet()
        ds.setRaw(Tag(0x0008, 0x0016), .UI, Array("1.2.3\0".utf8), pad: false)
        ds.setRaw(Tag(0x0008, 0x0018), .UI, Array("1.2\03\0".utf8), pad: false)
        let file = try DicomReader.read(bytes: try DicomWriter.write(dataSet: ds))
        var o = ByteOutput()
        CSVDumper(paths: ["SOPClassUID", "SOPInstanceUID"].map { try! AttributePath(parsing: $0) }).render(file, path: "x.dcm", into: &o)
        XCTAssertEqual(String(decoding: o.bytes, as: UTF8.self), "x.dcm,1.2.3,1.2\u{FFFD}3\n")
    }

    /// The CSV dump quotes formula cells as the CSV report does (docs/reports.md):
    /// its fast path for ASCII values wrote `=1+2` of an LO as it was.
    func testCSVDumpFormulaCellsAreQuoted() throws {
        var ds = DataSet()
        ds.set(keyword: "SOPClassUID", "1.2.840.10008.5.1.4.1.1.4")
        ds.set(keyword: "SeriesDescription", "=1+2")
        ds.set(keyword: "StudyDescription", "@SUM(A1)")
        ds.set(keyword: "SliceLocation", "-12.5")
        ds.set(keyword: "ImageType", "-A\\B")
        ds.set(keyword: "Modality", "A=B")
        let file = try DicomReader.read(bytes: try DicomWriter.write(dataSet: ds))
        var o = ByteOutput()
        CSVDumper(paths: ["SeriesDescription", "StudyDescription", "SliceLocation", "ImageType", "Modality"].map { try! AttributePath(parsing: $0) })
            .render(file, path: "x.dcm", into: &o)
        XCTAssertEqual(String(decoding: o.bytes, as: UTF8.self), "x.dcm,\"'=1+2\",\"'@SUM(A1)\",-12.5,\"'-A\\B\",A=B\n")
    }
}
