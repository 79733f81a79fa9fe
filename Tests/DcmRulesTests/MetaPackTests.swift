import XCTest
@testable import DcmRules
import DcmData

/// dicom.meta: one finding per defect of the File Meta Information. The
/// reader reports a missing (0002,0000), (0002,0002), (0002,0003) or
/// (0002,0010) as a `meta-inconsistent` anomaly, which meta.group-length-value
/// turned into a second finding of the defect its own rule reports
/// (meta.media-storage-sop-class: "MediaStorageSOPClassUID is absent", and
/// meta.group-length-value: "File Meta Information is inconsistent" on the
/// same element); a wrong group length is still its finding.
final class MetaPackTests: XCTestCase {
    static let set: RuleSet? = {
        var l = PackLoader(libraries: [repoRoot + "/Rules"])
        l.buildExamples = false
        return try? l.load(files: [], ids: ["dicom.meta"])
    }()

    func testMissingMetaElementIsOneFinding() throws {
        let set = try XCTUnwrap(Self.set, "Rules/dicom.meta.yaml loads")
        var ds = DataSet()
        ds.set(keyword: "SOPInstanceUID", "1.2.826.0.1.3680043.10.1561.9.2")
        ds.set(keyword: "Modality", "CT")
        // no SOP Class UID: the writer leaves (0002,0002) out of the meta
        let f = try DicomReader.read(bytes: try DicomWriter.write(dataSet: ds))
        XCTAssertEqual(f.anomalies.map(\.kind), [.metaInconsistent])
        let r = Evaluator().run(set, on: f, path: "x.dcm", showPHI: false)
        let onElement = r.findings.filter { $0.attribute == "MediaStorageSOPClassUID" }
        XCTAssertEqual(onElement.map(\.ruleID), ["meta.media-storage-sop-class"], "\(onElement.map(\.message))")
        let i = try XCTUnwrap(set.rules.firstIndex { $0.id == "meta.group-length-value" })
        XCTAssertEqual(r.outcomes[i], .notEvaluated)
    }

    func testWrongGroupLengthIsStillAFinding() throws {
        let set = try XCTUnwrap(Self.set)
        let f = try DicomReader.read(path: repoRoot + "/Fixtures/malformed/meta_group_length_wrong.dcm")
        let fs = Evaluator().run(set, on: f, path: "x.dcm", showPHI: false).findings.filter { $0.ruleID == "meta.group-length-value" }
        XCTAssertEqual(fs.map(\.attribute), ["FileMetaInformationGroupLength"])
        XCTAssertEqual(fs.first?.message, "File Meta Information is inconsistent: meta-inconsistent")
    }
}
