import XCTest
@testable import DcmRules
import DcmData
import DcmDictionary

/// The generated `dicom.iod` pack on files built conformant by the fixture
/// generator (`dcmaudit-fixtures iod`, Fixtures/iod): no errors — and the
/// same files with a required attribute removed do get the finding.
final class IODPackTests: XCTestCase {
    static let set: RuleSet? = {
        var l = PackLoader(libraries: [repoRoot + "/Rules"])
        l.buildExamples = false
        return try? l.load(files: [], ids: ["dicom.iod"])
    }()

    func read(_ name: String) throws -> DicomFile {
        var o = ReadOptions(); o.stopBeforePixelData = false
        return try DicomReader.read(path: repoRoot + "/Fixtures/iod/" + name, options: o)
    }

    func run(_ f: DicomFile) throws -> InstanceResult {
        let set = try XCTUnwrap(Self.set, "Rules/dicom.iod.yaml loads")
        return Evaluator().run(set, on: f, path: "x.dcm", showPHI: false)
    }

    func errors(_ r: InstanceResult) -> [String] {
        r.findings.filter { $0.severity == .error }.map { "\($0.ruleID): \($0.attribute ?? "") \($0.message)" }
    }

    func passes(_ r: InstanceResult, prefix: String) -> Int {
        guard let set = Self.set else { return 0 }
        return zip(set.rules, r.outcomes).filter { $0.0.id.hasPrefix(prefix) && $0.1 == .pass }.count
    }

    func testConformantCTMRAndEnhancedMRHaveNoErrors() throws {
        for (name, iod, minPasses) in [("CT.dcm", "iod.ct-image.", 5), ("MR.dcm", "iod.mr-image.", 5), ("EnhancedMR.dcm", "iod.enhanced-mr-image.", 12)] {
            let r = try run(try read(name))
            XCTAssertEqual(errors(r), [], name)
            // the IOD's rules ran (and others did not apply)
            XCTAssertGreaterThanOrEqual(passes(r, prefix: iod), minPasses, name)
            XCTAssertEqual(passes(r, prefix: "iod.") , passes(r, prefix: iod), name)
        }
    }

    func testEnhancedMRFunctionalGroupsAreChecked() throws {
        let r = try run(try read("EnhancedMR.dcm"))
        guard let set = Self.set else { return XCTFail() }
        let outcome = { (id: String) in zip(set.rules, r.outcomes).first { $0.0.id == id }?.1 }
        XCTAssertEqual(outcome("iod.enhanced-mr-image.fg.pixel-measures"), .pass)
        XCTAssertEqual(outcome("iod.enhanced-mr-image.fg.plane-position-patient"), .pass)   // per frame
        XCTAssertEqual(outcome("iod.enhanced-mr-image.fg.mr-echo"), .pass)                  // C: ORIGINAL
    }

    func testRemovingRequiredAttributesGivesFindings() throws {
        var ct = try read("CT.dcm")
        ct.dataSet.elements.removeAll { $0.tag == Tag(0x0028, 0x0010) }     // Rows, Type 1 (C.7.6.3)
        let ctErrors = errors(try run(ct))
        XCTAssertTrue(ctErrors.contains { $0.hasPrefix("iod.ct-image.image-pixel: Rows") }, "\(ctErrors)")

        var mr = try read("EnhancedMR.dcm")
        // Pixel Measures out of the shared item: in neither place (C.7.6.16)
        let i = try XCTUnwrap(mr.dataSet.index(of: Tag(0x5200, 0x9229)))
        var shared = mr.dataSet.elements[i].items![0]
        shared.elements.removeAll { $0.tag == Tag(0x0028, 0x9110) }
        mr.dataSet.elements[i].items = [shared]
        let mrErrors = errors(try run(mr))
        XCTAssertTrue(mrErrors.contains { $0.hasPrefix("iod.enhanced-mr-image.fg.pixel-measures: SharedFunctionalGroupsSequence[0].PixelMeasuresSequence") },
                      "\(mrErrors)")
    }

    /// Defined Terms (PS3.3 5.3) are warnings: the MR fixture's Scan Options IR
    /// and Image Type Value 3 AXIAL are not MR Image Defined Terms (C.8.3.1,
    /// C.8.3.1.1.1) — dciodvfy warns about the same two; CT and Enhanced MR have none.
    func testDefinedTermsAreWarnings() throws {
        let mr = try run(try read("MR.dcm"))
        let terms = mr.findings.filter { $0.ruleID == "iod.mr-image.terms" }
        XCTAssertEqual(terms.map { $0.attribute ?? "" }.sorted(), ["ImageType[2]", "ScanOptions"])
        XCTAssertTrue(terms.allSatisfy { $0.severity == .warning })
        guard let set = Self.set else { return XCTFail() }
        for (name, id) in [("CT.dcm", "iod.ct-image.terms"), ("EnhancedMR.dcm", "iod.enhanced-mr-image.terms")] {
            let r = try run(try read(name))
            XCTAssertEqual(zip(set.rules, r.outcomes).first { $0.0.id == id }?.1, .pass, name)
        }
    }

    /// The SOP Class dispatch gives the outcomes `when` would give.
    func testSOPClassDispatchMatchesWhen() throws {
        let set = try XCTUnwrap(Self.set)
        XCTAssertGreaterThan(set.guards.count, 100)
        let f = try read("MR.dcm")
        let r = try run(f)
        let e = Evaluator()
        for (rule, o) in zip(set.rules, r.outcomes) { XCTAssertEqual(o, e.outcome(of: rule, f), rule.id) }
    }
}
