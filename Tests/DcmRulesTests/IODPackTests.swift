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

    /// Enumerated Values for one value position (PS3.3 5.3, C.7.6.1.1.2) are
    /// errors (`iod.<ciod>.enums`): Image Type Value 1 ORIGINAL/DERIVED and
    /// Value 2 PRIMARY/SECONDARY, General Image's lists still applying under MR
    /// Image's specialization (C.8.3.1.1.1, which gives Value 3 only); an empty
    /// Value 1 or 2 is not allowed (only "value 3 and beyond" may be
    /// zero-length), padding is not part of the value. The fixtures pass.
    func testEnumeratedValuesPerPositionAreErrors() throws {
        let set = try XCTUnwrap(Self.set)
        let rule = try XCTUnwrap(set.rules.first { $0.id == "iod.mr-image.enums" })
        XCTAssertEqual(rule.severity, .error)
        let mr = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.4\""
        let bad = { (imageType: String) throws -> [String] in
            try self.run(try file("{\(mr), ImageType: \(imageType)}")).findings
                .filter { $0.ruleID == "iod.mr-image.enums" && $0.severity == .error }.map { $0.attribute ?? "" }
        }
        XCTAssertEqual(try bad("[ORIGINAL, PRIMARY, AXIAL]"), [])
        XCTAssertEqual(try bad("[\"DERIVED \", SECONDARY, \"\", X]"), [])       // padding; an empty Value 3
        XCTAssertEqual(try bad("[ORIGINAL]"), [])                                  // no Value 2: a VM matter, not this rule's
        XCTAssertEqual(try bad("[ORIGNAL, PRIMARY]"), ["ImageType[0]"])
        XCTAssertEqual(try bad("[original, SECONDARY]"), ["ImageType[0]"])         // compared exactly
        XCTAssertEqual(try bad("[ORIGINAL, \"\", M]"), ["ImageType[1]"])          // an empty Value 2 is no Enumerated Value
        XCTAssertEqual(try bad("[MIXED, OTHER]").sorted(), ["ImageType[0]", "ImageType[1]"])
        for (name, id) in [("MR.dcm", "iod.mr-image.enums"), ("CT.dcm", "iod.ct-image.enums"), ("EnhancedMR.dcm", "iod.enhanced-mr-image.enums")] {
            let r = try run(try read(name))
            if let o = zip(set.rules, r.outcomes).first(where: { $0.0.id == id })?.1 { XCTAssertEqual(o, .pass, name) }
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
