import XCTest
@testable import DcmRules
import DcmData

/// Rules of the generated `dicom.values` pack that come from outside the
/// PS3.3 tables. `values.pixel-encoding.*`: the Photometric Interpretations
/// a compressed Transfer Syntax allows for the file's Samples per Pixel
/// (PS3.5 8.2.1-8.2.4 tables; PS3.3 C.7.6.3.1.2 "See PS3.5 for additional
/// restrictions imposed by compressed Transfer Syntaxes"). dciodvfy reports
/// YBR_FULL in a JPEG Baseline file (pydicom's SC_rgb_jpeg_dcmtk.dcm,
/// SC_rgb_dcmtk_+eb+cy+n1.dcm): JPEG lossy colour is YBR_FULL_422 or RGB
/// (Table 8.2.1-1). `values.term.BodyPartExamined`: PS3.16 Table L-1.
final class ValuesPackTests: XCTestCase {
    static let set: RuleSet? = {
        var l = PackLoader(libraries: [repoRoot + "/Rules"])
        l.buildExamples = false
        return try? l.load(files: [], ids: ["dicom.values"])
    }()

    func findings(_ yaml: String) throws -> [String] {
        let set = try XCTUnwrap(Self.set, "Rules/dicom.values.yaml loads")
        return Evaluator().run(set, on: try file(yaml), path: "x.dcm", showPHI: false).findings
            .filter { $0.ruleID.hasPrefix("values.pixel-encoding.") }
            .map { "\($0.ruleID) \($0.attribute ?? "") \($0.severity) \($0.observed ?? "")" }
    }

    func testJPEGLossyColourIsYBRFull422OrRGB() throws {
        let jpeg = "TransferSyntaxUID: \"1.2.840.10008.1.2.4.50\""
        XCTAssertEqual(try findings("{\(jpeg), SamplesPerPixel: 3, PhotometricInterpretation: YBR_FULL}"),
                       ["values.pixel-encoding.jpeg-lossy PhotometricInterpretation error YBR_FULL"])
        XCTAssertEqual(try findings("{\(jpeg), SamplesPerPixel: 3, PhotometricInterpretation: YBR_FULL_422}"), [])
        XCTAssertEqual(try findings("{\(jpeg), SamplesPerPixel: 3, PhotometricInterpretation: RGB}"), [])
        XCTAssertEqual(try findings("{\(jpeg), SamplesPerPixel: 1, PhotometricInterpretation: MONOCHROME2}"), [])
        XCTAssertEqual(try findings("{\(jpeg), SamplesPerPixel: 1, PhotometricInterpretation: \"PALETTE COLOR\"}"),
                       ["values.pixel-encoding.jpeg-lossy PhotometricInterpretation error PALETTE COLOR"])
    }

    /// YBR_FULL is RLE's and lossless JPEG's colour space; native pixel data
    /// is not constrained here (PS3.3 C.7.6.3.1.2 allows YBR_FULL_422 in a
    /// Native format, which dciodvfy reports).
    func testOtherSyntaxes() throws {
        XCTAssertEqual(try findings("{TransferSyntaxUID: \"1.2.840.10008.1.2.5\", SamplesPerPixel: 3, PhotometricInterpretation: YBR_FULL}"), [])
        XCTAssertEqual(try findings("{TransferSyntaxUID: \"1.2.840.10008.1.2.5\", SamplesPerPixel: 3, PhotometricInterpretation: YBR_FULL_422}"),
                       ["values.pixel-encoding.rle PhotometricInterpretation error YBR_FULL_422"])
        XCTAssertEqual(try findings("{TransferSyntaxUID: \"1.2.840.10008.1.2.4.90\", SamplesPerPixel: 3, PhotometricInterpretation: YBR_ICT}"),
                       ["values.pixel-encoding.jpeg-2000-lossless PhotometricInterpretation error YBR_ICT"])
        XCTAssertEqual(try findings("{TransferSyntaxUID: \"1.2.840.10008.1.2.4.91\", SamplesPerPixel: 3, PhotometricInterpretation: YBR_ICT}"), [])
        XCTAssertEqual(try findings("{TransferSyntaxUID: \"1.2.840.10008.1.2.1\", SamplesPerPixel: 3, PhotometricInterpretation: YBR_FULL_422}"), [])
    }

    /// Body Part Examined's Defined Terms are PS3.16 Annex L Table L-1, to
    /// which PS3.3 C.7.3.1 refers ("See Annex L … in PS3.16 for Defined
    /// Terms"), taken from highdicom's copy of the table: `WHOLE BODY`
    /// (pydicom's JPEG2000.dcm and five more, which dciodvfy warns about) is
    /// not one — the term is `WHOLEBODY`. A warning, as Defined Terms may be
    /// extended.
    func testBodyPartExaminedIsAnAnnexLTerm() throws {
        let set = try XCTUnwrap(Self.set)
        let got = { (v: String) throws -> [String] in
            Evaluator().run(set, on: try file("{BodyPartExamined: \(v)}"), path: "x.dcm", showPHI: false).findings
                .filter { $0.ruleID == "values.term.BodyPartExamined" }.map { "\($0.severity) \($0.observed ?? "")" }
        }
        XCTAssertEqual(try got("\"WHOLE BODY\""), ["warning WHOLE BODY"])
        XCTAssertEqual(try got("WHOLEBODY"), [])
        XCTAssertEqual(try got("CHEST"), [])
        XCTAssertEqual(try got("EYE"), [])          // C.8.30's one Enumerated Value is a term of Table L-1 too
    }

    /// `values.format` names the two cases the VR syntax alone does not
    /// show: a NUL in a value of a VR other than UI (PS3.5 6.2 pads only UI
    /// with NUL; the reader trims it, so the value shown looks valid) and a
    /// UID of one component (PS3.5 9: <org root>.<suffix>).
    func testFormatSaysWhyANULOrAOneComponentUIDIsInvalid() throws {
        let set = try XCTUnwrap(Self.set)
        let got = { (yaml: String) throws -> [String] in
            Evaluator().run(set, on: try file(yaml), path: "x.dcm", showPHI: true).findings
                .filter { $0.ruleID == "values.format" }.map { "\($0.attribute ?? "") \($0.because ?? $0.message)" }
        }
        let nul = try got("{StationName: \"SCANNER\\0\"}")
        XCTAssertEqual(nul.count, 1)
        XCTAssertTrue(nul.first?.contains("StationName SCANNER holds a NUL (00H) byte, not in the SH character repertoire") == true, "\(nul)")
        XCTAssertTrue(nul.first?.contains("PS3.5 6.2") == true)
        XCTAssertEqual(try got("{StationName: \"\\0\\0\"}").first?.hasPrefix("StationName StationName (empty) holds a NUL"), true)
        XCTAssertEqual(try got("{SOPInstanceUID: \"1.2.3\\0\", StationName: \"SCANNER \"}"), [])
        let uid = try got("{ReferencedSOPSequence: [{ReferencedSOPClassUID: \"0\", ReferencedSOPInstanceUID: \"1.0.2\"}]}")
        XCTAssertEqual(uid.count, 1)
        XCTAssertTrue(uid.first?.contains("ReferencedSOPSequence[0].ReferencedSOPClassUID 0 is not a usable UID: it has one component") == true, "\(uid)")
        XCTAssertTrue(uid.first?.contains("(PS3.5 9)") == true)
    }
}
