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

    /// A functional group macro in the Shared item is checked there only
    /// (C.7.6.16: in the Shared item or in every Per-frame item, not both):
    /// an attribute missing from it is the Shared item's finding, not also the
    /// macro "absent" in every Per-frame item — as dciodvfy reports it
    /// (Scripts/enhanced_mutants.py, docs/dciodvfy-enhanced.md).
    func testSharedMacroIsCheckedInTheSharedItemOnly() throws {
        var mr = try read("EnhancedMR.dcm")
        let i = try XCTUnwrap(mr.dataSet.index(of: Tag(0x5200, 0x9229)))
        var shared = mr.dataSet.elements[i].items![0]
        let j = try XCTUnwrap(shared.index(of: Tag(0x0018, 0x9119)))      // MR Averages Sequence
        var averages = shared.elements[j].items![0]
        averages.elements.removeAll { $0.tag == Tag(0x0018, 0x0083) }       // Number of Averages, Type 1C (ORIGINAL)
        shared.elements[j].items = [averages]
        mr.dataSet.elements[i].items = [shared]
        let found = try run(mr).findings.filter { $0.ruleID == "iod.enhanced-mr-image.fg.mr-averages" }.map { $0.attribute ?? "" }
        XCTAssertEqual(found, ["SharedFunctionalGroupsSequence[0].MRAveragesSequence[0].NumberOfAverages"])
    }

    /// The Frame Content macro is every frame's own (it "may not be used as
    /// a Shared Functional Group"; gen_iod PER_FRAME_ONLY_MACROS): an
    /// Enhanced MR without a Per-frame Functional Groups Sequence is that
    /// finding, once (dciodvfy reports it so on pydicom-data's emri_small
    /// files) — not the Frame Content Sequence "absent" from the Shared item,
    /// which is what the macro's rule said when a failing `any` gave its
    /// first part; and the macro in the Shared item does not stand in for it.
    func testFrameContentIsPerFrameOnly() throws {
        var mr = try read("EnhancedMR.dcm")
        mr.dataSet.elements.removeAll { $0.tag == Tag(0x5200, 0x9230) }
        let found = try run(mr).findings.filter { $0.ruleID == "iod.enhanced-mr-image.fg.frame-content" }
        XCTAssertEqual(found.map { $0.attribute ?? "" }, ["PerFrameFunctionalGroupsSequence"], "\(found.map(\.message))")
        // the macro moved to the Shared item: each frame still lacks its own
        var moved = try read("EnhancedMR.dcm")
        let p = try XCTUnwrap(moved.dataSet.index(of: Tag(0x5200, 0x9230)))
        let content = try XCTUnwrap(moved.dataSet.elements[p].items![0].elements.first { $0.tag == Tag(0x0020, 0x9111) })
        moved.dataSet.elements[p].items = moved.dataSet.elements[p].items!.map { var it = $0; it.elements.removeAll { $0.tag == Tag(0x0020, 0x9111) }; return it }
        let s = try XCTUnwrap(moved.dataSet.index(of: Tag(0x5200, 0x9229)))
        moved.dataSet.elements[s].items![0].elements.append(content)
        moved.dataSet.elements[s].items![0].elements.sort { $0.tag < $1.tag }
        let perFrame = try run(moved).findings.filter { $0.ruleID == "iod.enhanced-mr-image.fg.frame-content" }
        XCTAssertFalse(perFrame.isEmpty)
        XCTAssertTrue(perFrame.allSatisfy { ($0.attribute ?? "").hasPrefix("PerFrameFunctionalGroupsSequence[") }, "\(perFrame.map { $0.attribute ?? "" })")
        XCTAssertTrue(try run(try read("EnhancedMR.dcm")).findings.filter { $0.ruleID == "iod.enhanced-mr-image.fg.frame-content" }.isEmpty)
    }

    /// Defined Terms (PS3.3 5.3) are warnings: the MR fixture's Scan Options IR
    /// and Image Type Value 3 AXIAL are not MR Image Defined Terms (C.8.3.1,
    /// C.8.3.1.1.1) — dciodvfy warns about the same two; the Enhanced MR
    /// fixture's Image Type and Frame Type Value 3 M_SE are not Defined Terms
    /// of C.8.16.1.3 (Table C.8-129) nor C.8.13.1.1.1 (Table C.8-80) —
    /// dciodvfy warns about both too; CT has none.
    func testDefinedTermsAreWarnings() throws {
        let mr = try run(try read("MR.dcm"))
        let terms = mr.findings.filter { $0.ruleID == "iod.mr-image.terms" }
        XCTAssertEqual(terms.map { $0.attribute ?? "" }.sorted(), ["ImageType[2]", "ScanOptions"])
        XCTAssertTrue(terms.allSatisfy { $0.severity == .warning })
        let emr = try run(try read("EnhancedMR.dcm")).findings.filter { $0.ruleID == "iod.enhanced-mr-image.terms" }
        XCTAssertEqual(emr.map { "\($0.attribute ?? "") \($0.observed ?? "")" }.sorted(),
                       ["ImageType[2] M_SE", "SharedFunctionalGroupsSequence[0].MRImageFrameTypeSequence[0].FrameType[2] M_SE"])
        XCTAssertTrue(emr.allSatisfy { $0.severity == .warning })
        guard let set = Self.set else { return XCTFail() }
        for (name, id) in [("CT.dcm", "iod.ct-image.terms")] {
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

    /// The findings of rule `id` on a data set (YAML flow map): "attribute severity".
    func findings(_ id: String, _ yaml: String) throws -> [String] {
        try run(try file(yaml)).findings.filter { $0.ruleID == id }.map { "\($0.attribute ?? "") \($0.severity)" }.sorted()
    }

    /// CT Image's Image Type specialization (PS3.3 C.8.2.1.1.1) has Value 3
    /// Defined Terms (AXIAL, LOCALIZER) and a Value 4 list "for Multi-energy
    /// CT Images" only. The conditional Value 4 list used to make the
    /// generator skip the whole row, so CT Image Type had no test at all: now
    /// Value 3 is a Defined Terms warning, and General Image's Values 1 and 2
    /// (C.7.6.1.1.2) Enumerated Values errors. "For Multi-energy CT Images" is
    /// no comparison of an attribute with a value, so Value 4 is not tested
    /// (and C.8.2.1.1.1 allows "an implementation-specific Value 4" for
    /// images of a generic transformation). A value encoded with explicit VR
    /// UN is read with the dictionary's VR (CS, PS3.5 6.2.2 Note 2): its
    /// positions are tested like any.
    func testCTImageTypePositionsAreTested() throws {
        let ct = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.2\""
        XCTAssertEqual(try findings("iod.ct-image.terms", "{\(ct), ImageType: [ORIGINAL, PRIMARY, BOGUS]}"), ["ImageType[2] warning"])
        XCTAssertEqual(try findings("iod.ct-image.terms", "{\(ct), ImageType: [ORIGINAL, PRIMARY, LOCALIZER]}"), [])
        XCTAssertEqual(try findings("iod.ct-image.enums", "{\(ct), ImageType: [ORIGNAL, TERTIARY, AXIAL]}"), ["ImageType[0] error", "ImageType[1] error"])
        XCTAssertEqual(try findings("iod.ct-image.enums", "{\(ct), ImageType: [DERIVED, SECONDARY, AXIAL]}"), [])
        for value4 in ["VMI", "ANYTHING"] {
            for multi in ["YES", "NO"] {
                let yaml = "{\(ct), MultienergyCTAcquisition: \(multi), ImageType: [ORIGINAL, PRIMARY, AXIAL, \(value4)]}"
                XCTAssertEqual(try findings("iod.ct-image.terms", yaml) + findings("iod.ct-image.enums", yaml), [], yaml)
            }
        }
        XCTAssertEqual(try findings("iod.ct-image.enums", "{\(ct), ImageType: {vr: UN, value: \"ORIGINAL\\\\PRIMARY\\\\AXIAL\"}}"), [])
        XCTAssertEqual(try findings("iod.ct-image.enums", "{\(ct), ImageType: {vr: UN, value: \"ORIGNAL\\\\PRIMARY\\\\AXIAL\"}}"), ["ImageType[0] error"])
        let r = try run(try read("CT.dcm"))
        XCTAssertEqual(zip(try XCTUnwrap(Self.set).rules, r.outcomes).first { $0.0.id == "iod.ct-image.enums" }?.1, .pass)
    }

    /// XA/XRF and VL Image Type (PS3.3 C.8.7.1.1.1, C.8.12.1.1.6) give three
    /// untitled "Enumerated Values:" lists after "Value n shall identify …"
    /// (or "Value 3 may be absent, but if present shall …") list items whose
    /// paragraph holds a link: read as one position each (before, as one
    /// position given three times, and not tested). dciodvfy reports the same
    /// "Unrecognized enumerated value" for Value 3 FOO in both.
    func testXAAndVLImageTypePositionsAreEnumerated() throws {
        let xa = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.12.1\""
        XCTAssertEqual(try findings("iod.x-ray-angiographic-image.enums", "{\(xa), ImageType: [ORIGINAL, PRIMARY, FOO]}"), ["ImageType[2] error"])
        XCTAssertEqual(try findings("iod.x-ray-angiographic-image.enums", "{\(xa), ImageType: [DERIVED, SECONDARY, BIPLANE A, OTHER]}"), [])
        let vl = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.77.1.4\""
        XCTAssertEqual(try findings("iod.vl-photographic-image.enums", "{\(vl), ImageType: [ORIGINAL, PRIMARY, FOO]}"), ["ImageType[2] error"])
        XCTAssertEqual(try findings("iod.vl-photographic-image.enums", "{\(vl), ImageType: [ORIGINAL, PRIMARY]}"), [])   // Value 3 "may be absent"
        XCTAssertEqual(try findings("iod.vl-photographic-image.enums", "{\(vl), ImageType: [ORIGINAL, PRIMARY, STEREO L]}"), [])
    }

    /// Frame Type (and the enhanced IODs' Image Type) lists are tables in
    /// PS3.3 C.8.16.1 (Table C.8-127 Value 1 ORIGINAL/DERIVED/MIXED, C.8-128
    /// Value 2 PRIMARY: Enumerated Values; C.8-129/C.8-130 Values 3 and 4,
    /// Defined Terms the modality's section adds to: C.8.13.1.1.1 Tables
    /// C.8-80/C.8-81 for MR). Before, the generator read `<dl>` lists only
    /// and Frame Type had no test.
    func testFrameTypeTablesAreTested() throws {
        var mr = try read("EnhancedMR.dcm")
        let i = try XCTUnwrap(mr.dataSet.index(of: Tag(0x5200, 0x9229)))
        var shared = mr.dataSet.elements[i].items![0]
        let j = try XCTUnwrap(shared.index(of: Tag(0x0018, 0x9226)))
        var ft = shared.elements[j].items![0]
        XCTAssertNotNil(ft.index(of: Tag(0x0008, 0x9007)))
        ft.setRaw(Tag(0x0008, 0x9007), .CS, Array("ORIGINAL\\SECONDARY\\T1\\NONE".utf8))
        shared.elements[j].items = [ft]
        mr.dataSet.elements[i].items = [shared]
        let r = try run(mr)
        XCTAssertEqual(r.findings.filter { $0.ruleID == "iod.enhanced-mr-image.enums" }.map { "\($0.attribute ?? "") \($0.severity)" },
                       ["SharedFunctionalGroupsSequence[0].MRImageFrameTypeSequence[0].FrameType[1] error"])
        XCTAssertEqual(r.findings.filter { $0.ruleID == "iod.enhanced-mr-image.terms" && ($0.attribute ?? "").contains("FrameType") }.count, 0)   // T1, NONE: Defined Terms
        let emr = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.4.1\""
        XCTAssertEqual(try findings("iod.enhanced-mr-image.enums", "{\(emr), ImageType: [MIXED, PRIMARY, T1, NONE]}"), [])
        XCTAssertEqual(try findings("iod.enhanced-mr-image.enums", "{\(emr), ImageType: [ORIGINAL, SECONDARY, T1, NONE]}"), ["ImageType[1] error"])
        XCTAssertEqual(try findings("iod.enhanced-mr-image.terms", "{\(emr), ImageType: [ORIGINAL, PRIMARY, DIFFUSION, QUANTITY]}"), [])
        XCTAssertEqual(try findings("iod.enhanced-mr-image.terms", "{\(emr), ImageType: [ORIGINAL, PRIMARY, AXIAL, ADC]}"), ["ImageType[2] warning", "ImageType[3] warning"])
    }

    /// Value lists under a condition the data set decides (PS3.3 5.3) are
    /// tested where it holds: "Enumerated Values if Segmentation Type
    /// (0062,0001) is BINARY / is not BINARY" (C.8.20.2, Bits Allocated, Bits
    /// Stored, High Bit), "… when Dose Type (3004,0004) = ERROR / not ERROR"
    /// (C.8.8.3.4.6, Pixel Representation), "… if Image Type (0008,0008)
    /// Value 3 is LOCALIZER or LABEL" (C.8.12.4, Number of Frames), "… when
    /// Photometric Interpretation (0028,0004) is MONOCHROME2" (C.8.12.1,
    /// Samples per Pixel). Before, each of these rows was skipped whole.
    func testConditionalValueListsAreTestedUnderTheirCondition() throws {
        let seg = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.66.4\""
        XCTAssertEqual(try findings("iod.segmentation.enums", "{\(seg), SegmentationType: BINARY, BitsAllocated: 1, BitsStored: 1, HighBit: 0}"), [])
        XCTAssertEqual(try findings("iod.segmentation.enums", "{\(seg), SegmentationType: FRACTIONAL, BitsAllocated: 8, BitsStored: 8, HighBit: 7}"), [])
        XCTAssertEqual(try findings("iod.segmentation.enums", "{\(seg), SegmentationType: BINARY, BitsAllocated: 8, BitsStored: 8, HighBit: 7}"),
                       ["BitsAllocated error", "BitsStored error", "HighBit error"])
        XCTAssertEqual(try findings("iod.segmentation.enums", "{\(seg), SegmentationType: FRACTIONAL, BitsAllocated: 1}"), ["BitsAllocated error"])
        XCTAssertEqual(try findings("iod.segmentation.enums", "{\(seg), BitsAllocated: 16}"), [])     // no Segmentation Type: nothing decided here
        let dose = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.481.2\""
        XCTAssertEqual(try findings("iod.rt-dose.enums", "{\(dose), DoseType: ERROR, PixelRepresentation: 1}"), [])
        XCTAssertEqual(try findings("iod.rt-dose.enums", "{\(dose), DoseType: ERROR, PixelRepresentation: 0}"), ["PixelRepresentation error"])
        XCTAssertEqual(try findings("iod.rt-dose.enums", "{\(dose), DoseType: PHYSICAL, PixelRepresentation: 1}"), ["PixelRepresentation error"])
        let wsm = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.77.1.6\""
        XCTAssertEqual(try findings("iod.vl-whole-slide-microscopy-image.enums", "{\(wsm), ImageType: [ORIGINAL, PRIMARY, LABEL, NONE], NumberOfFrames: 2}"), ["NumberOfFrames error"])
        XCTAssertEqual(try findings("iod.vl-whole-slide-microscopy-image.enums", "{\(wsm), ImageType: [ORIGINAL, PRIMARY, VOLUME, NONE], NumberOfFrames: 2}"), [])
        let vl = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.77.1.4\""
        XCTAssertEqual(try findings("iod.vl-photographic-image.enums", "{\(vl), PhotometricInterpretation: MONOCHROME2, SamplesPerPixel: 3}"), ["SamplesPerPixel error"])
        XCTAssertEqual(try findings("iod.vl-photographic-image.enums", "{\(vl), PhotometricInterpretation: RGB, SamplesPerPixel: 3}"), [])
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

    /// A finding's "because" names the IOD's SOP Class by its PS3.6 name
    /// (the IOD conditions' `text:`), and the SOP Class guards still
    /// dispatch (`Predicate.resolved` looks through the text).
    func testBecauseNamesTheSOPClass() throws {
        var ct = try read("CT.dcm")
        ct.dataSet.elements.removeAll { $0.tag == Tag(0x0028, 0x0010) }     // Rows
        let f = try XCTUnwrap(try run(ct).findings.first { $0.ruleID == "iod.ct-image.image-pixel" })
        XCTAssertEqual(f.because, "SOP Class UID is CT Image Storage (1.2.840.10008.5.1.4.1.1.2) and Rows is absent")
        XCTAssertEqual(Self.set?.guards.count, 174)   // (every IOD but the DICOMDIR's, on Media Storage SOP Class UID)
    }

    // MARK: IODs from highdicom's tables (a later PS3.3 edition than the 2020 tables)

    func outcome(_ id: String, _ f: DicomFile) throws -> Outcome? {
        let set = try XCTUnwrap(Self.set)
        return zip(set.rules, try run(f).outcomes).first { $0.0.id == id }?.1 ?? nil
    }

    /// The `not_evaluated` texts under which `id` is undecided on `f`.
    func undecidedTexts(_ id: String, _ f: DicomFile) throws -> [String] {
        let rule = try XCTUnwrap(Self.set?.rules.first { $0.id == id }, id)
        return Evaluator().undecided(rule, f).flatMap(\.conditions)
    }

    /// The `not_evaluated` texts of the parts of `id` left undecided on `f`,
    /// whatever the rule's outcome (a rule failing on another attribute too).
    func undecidedParts(_ id: String, _ f: DicomFile) throws -> [String] {
        let rule = try XCTUnwrap(Self.set?.rules.first { $0.id == id }, id)
        return Evaluator().undecided(rule, f, known: true).flatMap(\.conditions)
    }

    static let hdC = "condition not in the source tables (highdicom 0.28.2 has usage C without its text)"
    static let hd1C = "condition not in the source tables (highdicom 0.28.2 has Type 1C without its text)"

    /// A file of a SOP Class the 2020 tables lack (Photoacoustic Image
    /// Storage, an IOD of a later edition) gets its IOD's rules — the 2020
    /// General Series Module among them — and no other IOD's.
    func testNewerSOPClassIsChecked() throws {
        let set = try XCTUnwrap(Self.set)
        XCTAssertEqual(Set(set.rules.compactMap { $0.id.split(separator: ".").dropFirst().first.map(String.init) }).count, 175)
        let f = try file("{SOPClassUID: \"1.2.840.10008.5.1.4.1.1.6.3\", SeriesInstanceUID: \"1.2.3\", SeriesNumber: \"1\"}")
        let r = try run(f)
        XCTAssertTrue(errors(r).contains { $0.hasPrefix("iod.photoacoustic-image.general-series: Modality") }, "\(errors(r))")
        let applied = zip(set.rules, r.outcomes).filter { $0.0.id.hasPrefix("iod.") && $0.1 != .notApplicable && $0.1 != nil }
        XCTAssertFalse(applied.isEmpty)
        XCTAssertTrue(applied.allSatisfy { $0.0.id.hasPrefix("iod.photoacoustic-image.") }, "\(applied.map(\.0.id))")
    }

    /// A C module of highdicom's tables (no condition text) is *not evaluated*
    /// with that text when none of its own attributes is there — never a pass
    /// (optional), never a failure (mandatory) — and checked when it is there.
    func testCModuleWithoutTextIsNotEvaluatedWithThatText() throws {
        let id = "iod.photoacoustic-image.enhanced-contrast-bolus"
        let without = try file("{SOPClassUID: \"1.2.840.10008.5.1.4.1.1.6.3\"}")
        XCTAssertEqual(try outcome(id, without), .notEvaluated)
        XCTAssertEqual(try undecidedTexts(id, without), [Self.hdC])
        let with = try file("{SOPClassUID: \"1.2.840.10008.5.1.4.1.1.6.3\", ContrastBolusAgentSequence: []}")
        XCTAssertEqual(try outcome(id, with), .fail)     // Type 1: present, but empty
    }

    /// A 1C attribute of a module only highdicom has: *not evaluated* with the
    /// text when absent; the module's Type 1 attributes are still tested.
    func testNoText1CAttributeIsNotEvaluated() throws {
        let id = "iod.microscopy-bulk-simple-annotations.microscopy-bulk-simple-annotations-series"
        let sop = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.91.1\""
        let ok = try file("{\(sop), Modality: ANN, SeriesNumber: \"1\"}")
        XCTAssertEqual(try outcome(id, ok), .notEvaluated)
        XCTAssertEqual(try undecidedTexts(id, ok), [Self.hd1C])
        let withSeq = try file("{\(sop), Modality: ANN, SeriesNumber: \"1\", ReferencedPerformedProcedureStepSequence: [{ReferencedSOPClassUID: \"1.2.3\", ReferencedSOPInstanceUID: \"1.2.3.4\"}]}")
        XCTAssertEqual(try outcome(id, withSeq), .pass)
        let noNumber = try file("{\(sop), Modality: ANN}")
        XCTAssertEqual(try outcome(id, noNumber), .fail)
    }

    /// A 1C attribute of a module only highdicom has, in a code item (the Code
    /// Sequence Macro's attributes with its Types): its condition is the 2020
    /// tables' text for the same attribute in that macro (gen_iod's
    /// borrow_2020_conditions), encoded as for the 2020 IODs — a code item of
    /// Photoacoustic Image (an IOD of a later edition) without Code Value,
    /// Long Code Value or URN Code Value gets the finding, one with a Code
    /// Value is decided (no longer not evaluated for want of the text).
    func testHighdicomCodeItemsHaveThe2020MacroConditions() throws {
        let id = "iod.photoacoustic-image.photoacoustic-transducer"
        let item = { (codes: String) throws -> DicomFile in
            try file("{SOPClassUID: \"1.2.840.10008.5.1.4.1.1.6.3\", TransducerResponseSequence: [], "
                     + "TransducerGeometryCodeSequence: [{\(codes)CodingSchemeDesignator: SCT, CodingSchemeVersion: \"2020\", CodeMeaning: X}]}")
        }
        let findings = { (f: DicomFile) throws -> [String] in
            try self.run(f).findings.filter { $0.ruleID == id }.map { "\($0.attribute ?? "") \($0.severity)" }
        }
        let none = try item("")
        XCTAssertEqual(try outcome(id, none), .fail)
        XCTAssertEqual(try findings(none), ["TransducerGeometryCodeSequence[0].CodeValue error"])
        let cv = try item("CodeValue: \"1234\", ")
        XCTAssertEqual(try outcome(id, cv), .pass)
        XCTAssertEqual(try undecidedTexts(id, cv), [])
        // Mapping Resource and Context Group Version: "Required if Context Identifier (0008,010F) is present"
        let context = try item("CodeValue: \"1234\", ContextIdentifier: \"4021\", ")
        XCTAssertEqual(try findings(context), ["TransducerGeometryCodeSequence[0].MappingResource error",
                                               "TransducerGeometryCodeSequence[0].ContextGroupVersion error"])
    }

    /// A DICOMDIR (no SOP Class UID; Media Storage SOP Class UID
    /// 1.2.840.10008.1.3.10 in its meta information) gets the Basic Directory
    /// IOD's rules (PS3.3 F.3): a record without its Type 1 keys fails, a
    /// PRIVATE record needs its Private Record UID (F.3.2.2), and no image IOD applies.
    func testDICOMDIRGetsBasicDirectoryRules() throws {
        let set = try XCTUnwrap(Self.set)
        let head = "MediaStorageSOPClassUID: \"1.2.840.10008.1.3.10\", FileSetID: X, OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity: \"0\", OffsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity: \"0\", FileSetConsistencyFlag: \"0\""
        let record = "OffsetOfTheNextDirectoryRecord: \"0\", RecordInUseFlag: \"65535\", OffsetOfReferencedLowerLevelDirectoryEntity: \"0\""
        let id = "iod.basic-directory.directory-information"
        let good = try file("{\(head), DirectoryRecordSequence: [{\(record), DirectoryRecordType: PATIENT, PatientID: \"1\", PatientName: \"\"}]}")
        XCTAssertEqual(try outcome(id, good), .notEvaluated)   // "Required if the Directory Record references a SOP Instance"
        XCTAssertEqual(errors(try run(good)), [])
        let r = try run(good)
        let applied = zip(set.rules, r.outcomes).filter { $0.1 != nil && $0.1 != .notApplicable }.map(\.0.id)
        XCTAssertEqual(Set(applied.map { $0.split(separator: ".").prefix(2).joined(separator: ".") }), ["iod.basic-directory"])
        let noType = try file("{\(head), DirectoryRecordSequence: [{\(record)}]}")
        let noTypeErrors = errors(try run(noType))
        XCTAssertTrue(noTypeErrors.contains { $0.hasPrefix("\(id): DirectoryRecordSequence[0].DirectoryRecordType") }, "\(noTypeErrors)")
        let privateNoUID = try file("{\(head), DirectoryRecordSequence: [{\(record), DirectoryRecordType: PRIVATE}]}")
        let privateErrors = errors(try run(privateNoUID))
        XCTAssertTrue(privateErrors.contains { $0.hasPrefix("\(id): DirectoryRecordSequence[0].PrivateRecordUID") }, "\(privateErrors)")
        // the keys of the record's type (PS3.3 F.5-3, hand-written in the generator)
        XCTAssertEqual(try outcome("iod.basic-directory.record-keys", good), .pass)
        let series = try file("{\(head), DirectoryRecordSequence: [{\(record), DirectoryRecordType: SERIES, Modality: CT, SeriesInstanceUID: \"1.2.3\"}]}")
        XCTAssertEqual(errors(try run(series)).filter { $0.hasPrefix("iod.basic-directory.record-keys") }.map { $0.split(separator: " ")[1] },
                       ["DirectoryRecordSequence[0].SeriesNumber"])
        // a record holding one of the referenced file's keys references a SOP Instance (F.3.2.2): all four
        let image = try file("{\(head), DirectoryRecordSequence: [{\(record), DirectoryRecordType: IMAGE, InstanceNumber: \"1\", ReferencedFileID: [A, B], ReferencedSOPClassUIDInFile: \"1.2.840.10008.5.1.4.1.1.2\", ReferencedTransferSyntaxUIDInFile: \"1.2.840.10008.1.2.1\"}]}")
        XCTAssertEqual(errors(try run(image)).filter { $0.hasPrefix("iod.basic-directory.record-keys") }.map { $0.split(separator: " ")[1] },
                       ["DirectoryRecordSequence[0].ReferencedSOPInstanceUIDInFile"])
        // a non-DICOMDIR file does not get them
        let ct = try run(try read("CT.dcm"))
        XCTAssertTrue(zip(set.rules, ct.outcomes).filter { $0.0.id.hasPrefix("iod.basic-directory.") }.allSatisfy { $0.1 == .notApplicable })
    }

    /// The record types of PS3.3 F.5 beyond PATIENT/STUDY/SERIES/IMAGE
    /// (hand-written in the generator, `DIRECTORY_RECORD_KEYS`): their Type 1
    /// and 2 keys (Tables F.5-19 RT DOSE, F.5-23 PRESENTATION with the Content
    /// Identification Macro, F.5-25 SR DOCUMENT, F.5-28 RAW DATA …), the two
    /// decidable 1C keys (Study Instance UID "Required only if (0004,1511) is
    /// absent", F.5-2; Verification DateTime "Required if Verification Flag
    /// is VERIFIED", F.5-25), and the undecidable 1C keys in a rule of their
    /// own, not evaluated when absent.
    func testDirectoryRecordTypesHaveTheirKeys() throws {
        let head = "MediaStorageSOPClassUID: \"1.2.840.10008.1.3.10\", FileSetID: X, OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity: \"0\", OffsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity: \"0\", FileSetConsistencyFlag: \"0\""
        let rec = "OffsetOfTheNextDirectoryRecord: \"0\", RecordInUseFlag: \"65535\", OffsetOfReferencedLowerLevelDirectoryEntity: \"0\""
        let refs = "ReferencedFileID: [A, B], ReferencedSOPClassUIDInFile: \"1.2.3\", ReferencedSOPInstanceUIDInFile: \"1.2.3.4\", ReferencedTransferSyntaxUIDInFile: \"1.2.840.10008.1.2.1\""
        let missing = { (record: String) throws -> [String] in
            try self.errors(try self.run(try file("{\(head), DirectoryRecordSequence: [{\(rec), \(record)}]}")))
                .filter { $0.hasPrefix("iod.basic-directory.record-keys:") }.map { String($0.split(separator: " ")[1]) }
        }
        let item = "DirectoryRecordSequence[0]."
        XCTAssertEqual(try missing("DirectoryRecordType: \"RT DOSE\", InstanceNumber: \"1\", DoseSummationType: PLAN, \(refs)"), [])
        XCTAssertEqual(try missing("DirectoryRecordType: \"RT DOSE\", InstanceNumber: \"1\", \(refs)"), [item + "DoseSummationType"])
        // PRESENTATION: its own keys and the Content Identification Macro's (Type 1 Content Label, Type 2 Content Description)
        let pr = "DirectoryRecordType: PRESENTATION, PresentationCreationDate: \"20240101\", PresentationCreationTime: \"120000\", InstanceNumber: \"1\", ContentCreatorName: \"\", \(refs)"
        XCTAssertEqual(try missing("\(pr), ContentLabel: X, ContentDescription: \"\""), [])
        XCTAssertEqual(try missing(pr).sorted(), [item + "ContentDescription", item + "ContentLabel"])
        // SR DOCUMENT: Verification DateTime only when VERIFIED
        let sr = "DirectoryRecordType: \"SR DOCUMENT\", InstanceNumber: \"1\", CompletionFlag: COMPLETE, ContentDate: \"20240101\", ContentTime: \"120000\", ConceptNameCodeSequence: [{CodeValue: \"1\", CodingSchemeDesignator: DCM, CodeMeaning: x}], \(refs)"
        XCTAssertEqual(try missing("\(sr), VerificationFlag: UNVERIFIED"), [])
        XCTAssertEqual(try missing("\(sr), VerificationFlag: VERIFIED"), [item + "VerificationDateTime"])
        XCTAssertEqual(try missing("\(sr), VerificationFlag: VERIFIED, VerificationDateTime: \"20240101120000\""), [])
        // RAW DATA: Instance Number is Type 2 there (F.5-28), present but empty is enough
        XCTAssertEqual(try missing("DirectoryRecordType: \"RAW DATA\", ContentDate: \"20240101\", ContentTime: \"120000\", InstanceNumber: \"\", \(refs)"), [])
        XCTAssertEqual(try missing("DirectoryRecordType: \"RAW DATA\", ContentDate: \"20240101\", ContentTime: \"120000\", \(refs)"), [item + "InstanceNumber"])
        // STUDY: Study Instance UID unless the record references a file (F.5-2)
        let study = "DirectoryRecordType: STUDY, StudyDate: \"20240101\", StudyTime: \"120000\", StudyDescription: \"\", StudyID: \"1\", AccessionNumber: \"\""
        XCTAssertEqual(try missing(study), [item + "StudyInstanceUID"])
        XCTAssertEqual(try missing("\(study), StudyInstanceUID: \"1.2.3\""), [])
        XCTAssertEqual(try missing("\(study), \(refs)"), [])
        // a record type whose keys are not written (HANGING PROTOCOL) gets no finding
        XCTAssertEqual(try missing("DirectoryRecordType: \"HANGING PROTOCOL\", \(refs)"), [])
        // undecidable 1C keys: not evaluated when absent, a pass when present or for a type without them
        let id = "iod.basic-directory.record-keys-1c"
        XCTAssertEqual(try outcome(id, try file("{\(head), DirectoryRecordSequence: [{\(rec), DirectoryRecordType: PATIENT, PatientID: \"1\", PatientName: \"\"}]}")), .notEvaluated)
        XCTAssertEqual(try outcome(id, try file("{\(head), DirectoryRecordSequence: [{\(rec), DirectoryRecordType: PATIENT, SpecificCharacterSet: ISO_IR 100, PatientID: \"1\", PatientName: \"\"}]}")), .pass)
        XCTAssertEqual(try outcome(id, try file("{\(head), DirectoryRecordSequence: [{\(rec), DirectoryRecordType: \"IMPLANT GROUP\", ImplantTemplateGroupName: X, ImplantTemplateGroupIssuer: Y}]}")), .pass)
    }

    /// `rules coverage` counts the DICOMDIR IOD's rules as a group of their
    /// own (its selector is Media Storage SOP Class UID), not as "(every file)".
    func testCoverageGroupsTheDirectoryIOD() throws {
        let c = ConditionCoverage(try XCTUnwrap(Self.set).rules)
        XCTAssertEqual(c.groups.first { $0.name == "iod.basic-directory" }?.counts.rules, 5)
        XCTAssertFalse(c.groups.contains { $0.name == "(every file)" })
        XCTAssertEqual(c.groups.count, 175)
        // the IODs of the 2020 tables keep their rules and conditions (the
        // figures of docs/packs.md, before and after highdicom's IODs; CT and
        // MR one not evaluated fewer since General Image's Patient Orientation
        // is decided per IOD — Image Plane Module M: "may be present", PS3.3 C.7.6.1;
        // 103, 98, 150 encoded before the condition phrasings of
        // testNewConditionPhrasingsAreDecided; 106, 101, 158 before the
        // conditions on an enclosing item or the top level, `parent:` / `top:`;
        // 111, 102, 166 before the forms of testMoreConditionFormsAreDecided;
        // 118, 109, 174 before `private_tag`, testPrivateTagConditionsAreDecided;
        // 120, 111, 178 before Image Pixel's Palette Color LUT Data, testPaletteColorLUTDataIsDecided,
        // and Specific Character Set's, testSpecificCharacterSetConditionIsDecided;
        // Enhanced MR 182, 176 before Frame Content's "… or Functional MR Sequence (0018,9621) is
        // present", testFrameVolumetricPropertiesAndFrameContentConditionsAreDecided;
        // Enhanced MR 185 before one defect, one finding: a 1C test left to
        // another module of the IOD, testOneDefectOneFinding; CT 124, 110 and Enhanced MR 184, 173
        // before the Multi-energy CT items' Frame Type as the Image Type, testMultiEnergyCTItemsAreDecided,
        // and the Per-frame Functional Groups Sequence's own 1C, testFunctionalGroupSequenceConditionsAreDecided;
        // CT 141, 93 and MR 115, 88 before Energy Weighting Factor's and Inversion Time's wordings, testCond2WordingsAreDecided)
        for (name, rules, enc, ne, menc, mne) in [("iod.ct-image", 24, 143, 91, 1, 1), ("iod.mr-image", 23, 116, 87, 0, 1),
                                                  ("iod.enhanced-mr-image", 56, 185, 172, 15, 12)] {
            let g = try XCTUnwrap(c.groups.first { $0.name == name }?.counts, name)
            XCTAssertEqual([g.rules, g.attributeEncoded, g.attributeNotEvaluated, g.ruleEncoded, g.ruleNotEvaluated],
                           [rules, enc, ne, menc, mne], name)
        }
        // of the not evaluated, those partly decided (ConditionCoverage.isPartlyDecided):
        // the one-way forms, Laterality's paired body part (CT, MR, Enhanced MR), the
        // frame's Frame Type (Enhanced MR's functional groups); a C module "or present";
        // since branch `cond` the Code Sequence Macro's three code values in every code
        // item (decided where the item's code values tell the code) and Pixel Aspect Ratio
        // (CT 48 before Exposure Time's, Estimated Dose Saving's and Filter Material's "Frame Type … of
        // this frame" was decided, testMultiEnergyCTItemsAreDecided)
        for (name, partly, rulePartly) in [("iod.ct-image", 45, 1), ("iod.mr-image", 44, 1), ("iod.enhanced-mr-image", 106, 11)] {
            let g = try XCTUnwrap(c.groups.first { $0.name == name }?.counts, name)
            XCTAssertEqual([g.attributePartly, g.rulePartly], [partly, rulePartly], name)
        }
        // (5,276 before one defect, one finding: two partly decided tests left to another module;
        // 5,274 before highdicom's 1C/2C rows got the 2020 tables' conditions of the same attribute
        // in the same macro — its code items' three code values, partly decided; 5,473 before Lossy Image
        // Compression's lossy Transfer Syntax, testLossyTransferSyntaxWantsLossyImageCompression, and the
        // Enhanced PET's "Image Type … of this frame is ORIGINAL", testImageTypeOfThisFrameIsTheImageType)
        XCTAssertEqual(c.total.attributePartly, 5486)
    }

    /// PS3.5 7.4.2: a Type 1C attribute has Type 1's requirements when its
    /// condition holds and "shall not be included" when it does not — so a
    /// present one has a value even where the condition cannot be decided.
    /// Pixel Aspect Ratio (C.7.6.3, "Required if the aspect ratio values do
    /// not have a ratio of 1:1 and …", not evaluated) present and empty is what
    /// dciodvfy reports in pydicom's CR files (an "Empty attribute" error).
    /// Not where PS3.3 lets the attribute be there otherwise: CR Image's Pixel
    /// Spacing (C.8.1.2, "Required if the image has been calibrated. May be
    /// present otherwise.").
    func testPresentType1CAttributeHasAValue() throws {
        let cr = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.1\""
        let got = { (extra: String, attribute: String) throws -> [String] in
            try self.run(try file("{\(cr)\(extra)}")).findings
                .filter { $0.ruleID.hasPrefix("iod.cr-image.") && $0.attribute == attribute }
                .map { "\($0.ruleID) \($0.severity) \($0.expected ?? "")" }
        }
        XCTAssertEqual(try got(", PixelAspectRatio: \"\"", "PixelAspectRatio"), ["iod.cr-image.image-pixel error not empty"])
        XCTAssertEqual(try got(", PixelAspectRatio: [\"1\", \"2\"]", "PixelAspectRatio"), [])
        XCTAssertEqual(try got("", "PixelAspectRatio"), [])
        // a decidable condition that holds: the Type 1C finding itself, once
        XCTAssertEqual(try got(", SamplesPerPixel: \"3\", PlanarConfiguration: \"\"", "PlanarConfiguration").count, 1)
        // "May be present otherwise": not tested for a value
        XCTAssertEqual(try got(", PixelSpacing: \"\"", "PixelSpacing"), [])
    }

    /// General Image's Patient Orientation (Type 2C, PS3.3 C.7.6.1: "Required
    /// if image does not require Image Orientation (Patient) and Image
    /// Position (Patient) …") is decided per IOD by the generator: Type 2 in
    /// an IOD without the Image Plane Module (Secondary Capture, US — what
    /// dciodvfy reports on pydicom's SC and US files), may be absent where
    /// the Image Plane Module is Mandatory (CT, C.7.6.2), not evaluated where
    /// IOP/IPP are in C functional group macros (Segmentation).
    func testPatientOrientationDecidedPerIOD() throws {
        let po = { (sop: String, extra: String) throws -> [String] in
            try self.run(try file("{SOPClassUID: \"\(sop)\"\(extra)}")).findings
                .filter { $0.attribute == "PatientOrientation" }.map(\.ruleID)
        }
        let sc = "1.2.840.10008.5.1.4.1.1.7", us = "1.2.840.10008.5.1.4.1.1.6.1", ct = "1.2.840.10008.5.1.4.1.1.2"
        XCTAssertEqual(try po(sc, ""), ["iod.secondary-capture-image.general-image"])
        XCTAssertEqual(try po(sc, ", PatientOrientation: \"\""), [])
        XCTAssertEqual(try po(us, ""), ["iod.us-image.general-image"])
        XCTAssertEqual(try po(ct, ""), [])
        // Segmentation: not evaluated (no finding on it; the rule is not a pass)
        XCTAssertEqual(try po("1.2.840.10008.5.1.4.1.1.66.4", ""), [])
        // (the General Image module's condition each IOD's rule checks)
        let check = { (id: String) in Self.set?.rules.first { $0.id == id }?.checkText }
        // (Segmentation's, without the tests left to Multi-frame Functional Groups and
        // Segmentation Image: one defect, one finding, testOneDefectOneFinding)
        XCTAssertEqual(check("iod.segmentation.general-image"), "m.general-image.less.multi-frame-functional-groups.segmentation-image")
        XCTAssertEqual(check("iod.secondary-capture-image.general-image"), "m.general-image.orientation-not-required")
        XCTAssertEqual(check("iod.ct-image.general-image"), "m.general-image.orientation-required")
    }

    /// An IOD whose description (PS3.3 A.x.1) specifies single-frame images
    /// and none of whose modules has Number of Frames wants one frame: the
    /// Secondary Capture Image IOD (A.8.1.1, "specifies single-frame images")
    /// with Number of Frames 2 is an error — pydicom's SC_rgb_*2frame.dcm,
    /// which dciodvfy reports as an unrecognised enumerated value. Two frames
    /// are a Multi-frame SC IOD's (A.8.2-A.8.5). US Image (A.6) does not say
    /// single-frame in its description: no such rule (dciodvfy has its own).
    func testSingleFrameIODWantsOneFrame() throws {
        let set = try XCTUnwrap(Self.set)
        let sc = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.7\""
        let got = { (extra: String) throws -> [String] in
            try self.run(try file("{\(sc)\(extra)}")).findings
                .filter { $0.ruleID == "iod.secondary-capture-image.single-frame" }
                .map { "\($0.attribute ?? "") \($0.severity) \($0.observed ?? "")" }
        }
        XCTAssertEqual(try got(", NumberOfFrames: \"2\""), ["NumberOfFrames error 2"])
        XCTAssertEqual(try got(", NumberOfFrames: \"1\""), [])
        XCTAssertEqual(try got(""), [])
        XCTAssertEqual(set.rules.filter { $0.id.hasSuffix(".single-frame") }.map(\.id).sorted(),
                       ["iod.secondary-capture-image.single-frame", "iod.vl-endoscopic-image.single-frame",
                        "iod.vl-microscopic-image.single-frame", "iod.vl-photographic-image.single-frame",
                        "iod.vl-slide-coordinates-microscopic-image.single-frame"])
    }

    /// PS3.3 C.8.15.3.10 (Table C.8-126, CT Pixel Value Transformation Macro):
    /// "If Frame Type (0008,9007) Value 1 of this frame is ORIGINAL and Frame
    /// Type (0008,9007) Value 3 is not LOCALIZER, the value shall be HU" — a
    /// constraint in prose between two functional group macros of one frame,
    /// written by hand in the generator (FRAME_VALUE_CONSTRAINTS). dciodvfy
    /// wants HU whatever the Frame Type ("actually only if not localizer" in
    /// its template), and so reports Rescale Type US in pydicom-data's
    /// eCT_Supplemental.dcm, whose frames are DERIVED: dicom.iod does not.
    func testEnhancedCTRescaleTypeIsHUInOriginalFrames() throws {
        let ect = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.2.1\""
        let ft = { (v1: String, v3: String) in "CTImageFrameTypeSequence: [{FrameType: [\(v1), PRIMARY, \(v3), NONE]}]" }
        let pv = { (v: String) in "PixelValueTransformationSequence: [{RescaleType: \(v)}]" }
        let got = { (groups: String) throws -> [String] in
            try self.run(try file("{\(ect), \(groups)}")).findings
                .filter { $0.ruleID == "iod.enhanced-ct-image.rescale-type-hu" }.map { "\($0.severity) \($0.attribute ?? "") \($0.observed ?? "")" }
        }
        XCTAssertEqual(try got("SharedFunctionalGroupsSequence: [{\(ft("ORIGINAL", "AXIAL")), \(pv("HU"))}]"), [])
        XCTAssertEqual(try got("SharedFunctionalGroupsSequence: [{\(ft("DERIVED", "AXIAL")), \(pv("US"))}]"), [])
        XCTAssertEqual(try got("SharedFunctionalGroupsSequence: [{\(ft("ORIGINAL", "LOCALIZER")), \(pv("US"))}]"), [])
        XCTAssertEqual(try got("SharedFunctionalGroupsSequence: [{\(ft("ORIGINAL", "AXIAL")), \(pv("US"))}]").count, 1)
        // Frame Type per frame, the transformation shared: the ORIGINAL frame decides
        XCTAssertEqual(try got("SharedFunctionalGroupsSequence: [{\(pv("US"))}], PerFrameFunctionalGroupsSequence: [{\(ft("DERIVED", "AXIAL"))}, {\(ft("ORIGINAL", "AXIAL"))}]"),
                       ["error SharedFunctionalGroupsSequence[0].PixelValueTransformationSequence[0].RescaleType US"])
        XCTAssertEqual(try got("SharedFunctionalGroupsSequence: [{\(pv("US"))}], PerFrameFunctionalGroupsSequence: [{\(ft("DERIVED", "AXIAL"))}, {\(ft("DERIVED", "AXIAL"))}]"), [])
        // Frame Type shared, the transformation per frame
        XCTAssertEqual(try got("SharedFunctionalGroupsSequence: [{\(ft("ORIGINAL", "AXIAL"))}], PerFrameFunctionalGroupsSequence: [{\(pv("HU"))}, {\(pv("US"))}]"),
                       ["error PerFrameFunctionalGroupsSequence[1].PixelValueTransformationSequence[0].RescaleType US"])
    }

    /// Condition phrasings the generator encodes (Scripts/gen_iod.py,
    /// ConditionParser): "a value of X is V" (one of a multi-valued CS's
    /// values, X-Ray Collimator C.8.7.3), a later clause naming its attribute
    /// without the tag ("… and SOP Class UID is not "…"", Enhanced MR Image
    /// C.8.13.1), "X contains an Item with the value (code, scheme, "meaning")"
    /// (Ophthalmic Tomography Image, C.8.17.7) and "X is non-zero" (RT Beams,
    /// C.8.8.14). Each reports the attribute missing when the condition
    /// holds, and not when it does not.
    func testNewConditionPhrasingsAreDecided() throws {
        let findings = { (sop: String, extra: String, rule: String, attribute: String) throws -> [String] in
            try self.run(try file("{SOPClassUID: \"\(sop)\", \(extra)}")).findings
                .filter { $0.ruleID == rule && ($0.attribute ?? "").hasSuffix(attribute) }
                .map { "\($0.attribute ?? "") \($0.severity)" }
        }
        // DX: Collimator Shape RECTANGULAR among its values wants the edges
        let dx = "1.2.840.10008.5.1.4.1.1.1.1", coll = "iod.digital-x-ray-image.x-ray-collimator"
        XCTAssertEqual(try findings(dx, "CollimatorShape: [CIRCULAR, RECTANGULAR], CenterOfCircularCollimator: [\"1\", \"1\"], RadiusOfCircularCollimator: \"5\"", coll, "CollimatorLeftVerticalEdge"),
                       ["CollimatorLeftVerticalEdge error"])
        XCTAssertEqual(try findings(dx, "CollimatorShape: [CIRCULAR], CenterOfCircularCollimator: [\"1\", \"1\"], RadiusOfCircularCollimator: \"5\"", coll, "CollimatorLeftVerticalEdge"), [])
        XCTAssertEqual(try findings(dx, "CollimatorShape: [CIRCULAR, RECTANGULAR]", coll, "RadiusOfCircularCollimator"),
                       ["RadiusOfCircularCollimator error"])
        // Enhanced MR: Image Type Value 1 ORIGINAL and not Legacy Converted wants Acquisition DateTime
        let emr = "1.2.840.10008.5.1.4.1.1.4.1", img = "iod.enhanced-mr-image.enhanced-mr-image"
        XCTAssertEqual(try findings(emr, "ImageType: [ORIGINAL, PRIMARY, T1, NONE]", img, "AcquisitionDateTime"), ["AcquisitionDateTime error"])
        XCTAssertEqual(try findings(emr, "ImageType: [DERIVED, PRIMARY, T1, NONE]", img, "AcquisitionDateTime"), [])
        // RT Plan: Number of Wedges non-zero wants the Wedge Sequence in the beam
        let plan = "1.2.840.10008.5.1.4.1.1.481.5", beams = "iod.rt-plan.rt-beams"
        XCTAssertEqual(try findings(plan, "BeamSequence: [{BeamNumber: \"1\", NumberOfWedges: \"1\"}]", beams, "WedgeSequence"),
                       ["BeamSequence[0].WedgeSequence error"])
        XCTAssertEqual(try findings(plan, "BeamSequence: [{BeamNumber: \"1\", NumberOfWedges: \"0\"}]", beams, "WedgeSequence"), [])
        // Ophthalmic Tomography: an OCT scanner among the device type codes wants Illumination Wave Length
        let opt = "1.2.840.10008.5.1.4.1.1.77.1.5.4", par = "iod.ophthalmic-tomography-image.ophthalmic-tomography-parameters"
        let device = { (code: String) in "AcquisitionDeviceTypeCodeSequence: [{CodeValue: \"\(code)\", CodingSchemeDesignator: SCT, CodeMeaning: X}]" }
        XCTAssertEqual(try findings(opt, device("392012008"), par, "IlluminationWaveLength"), ["IlluminationWaveLength error"])
        XCTAssertEqual(try findings(opt, device("12345"), par, "IlluminationWaveLength"), [])
    }

    /// "Required if Frame Type (0008,9007) Value 1 of this frame is ORIGINAL"
    /// in a functional group macro (MR Timing and Related Parameters,
    /// C.8.13.5.2; CT Exposure, C.8.15.3.8; …): the frame type macro of the
    /// frame's own Functional Groups item, else the Shared item's (`ft.original`,
    /// gen_iod.ConditionParser.frame_type_clause); not evaluated when neither
    /// has one.
    func testFrameTypeOfThisFrameIsDecided() throws {
        let emr = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.4.1\""
        let id = "iod.enhanced-mr-image.fg.mr-timing-and-related-parameters"
        let ft = { (v: String) in "MRImageFrameTypeSequence: [{FrameType: [\(v), PRIMARY, M, NONE]}]" }
        let timing = "MRTimingAndRelatedParametersSequence: [{FlipAngle: \"10\", EchoTrainLength: \"1\", RFEchoTrainLength: \"1\", GradientEchoTrainLength: \"1\"}]"
        let missing = { (groups: String) throws -> [String] in
            try self.run(try file("{\(emr), \(groups)}")).findings
                .filter { $0.ruleID == id && ($0.attribute ?? "").hasSuffix(".RepetitionTime") }.map { $0.attribute ?? "" }
        }
        let perFrame = { (k: Int) in "PerFrameFunctionalGroupsSequence[\(k)].MRTimingAndRelatedParametersSequence[0].RepetitionTime" }
        // the frame's own Frame Type: an ORIGINAL frame wants Repetition Time, a DERIVED one does not
        XCTAssertEqual(try missing("PerFrameFunctionalGroupsSequence: [{\(ft("ORIGINAL")), \(timing)}]"), [perFrame(0)])
        XCTAssertEqual(try missing("PerFrameFunctionalGroupsSequence: [{\(ft("DERIVED")), \(timing)}]"), [])
        XCTAssertEqual(try missing("PerFrameFunctionalGroupsSequence: [{\(ft("DERIVED")), \(timing)}, {\(ft("ORIGINAL")), \(timing)}]"), [perFrame(1)])
        // the Frame Type shared, the timing per frame
        XCTAssertEqual(try missing("SharedFunctionalGroupsSequence: [{\(ft("ORIGINAL"))}], PerFrameFunctionalGroupsSequence: [{\(timing)}]"), [perFrame(0)])
        XCTAssertEqual(try missing("SharedFunctionalGroupsSequence: [{\(ft("DERIVED"))}], PerFrameFunctionalGroupsSequence: [{\(timing)}]"), [])
        // with Repetition Time, an ORIGINAL frame has no finding, and its Frame Type decided the conditions
        let full = try file("{\(emr), PerFrameFunctionalGroupsSequence: [{\(ft("ORIGINAL")), MRTimingAndRelatedParametersSequence: [{RepetitionTime: \"5\", FlipAngle: \"10\", EchoTrainLength: \"1\", RFEchoTrainLength: \"1\", GradientEchoTrainLength: \"1\"}]}]}")
        XCTAssertEqual(try run(full).findings.filter { $0.ruleID == id }.map(\.message), [])
        XCTAssertFalse(try undecidedTexts(id, full).contains { $0.contains("Frame Type") })   // (others stay: "if the system is capable…")
        // no frame type macro in the frame's item nor in the Shared one: not evaluated, and why
        let none = try file("{\(emr), PerFrameFunctionalGroupsSequence: [{\(timing)}]}")
        XCTAssertEqual(try outcome(id, none), .notEvaluated)
        let why = try undecidedTexts(id, none)
        XCTAssertTrue(why.contains { $0.contains("no frame type macro") }, "\(why)")
        // the CT Exposure Macro's "of this frame" conditions read the CT frame type macro
        let ect = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.2.1\""
        let exposure = { (v: String) throws -> [String] in
            try self.run(try file("{\(ect), PerFrameFunctionalGroupsSequence: [{CTImageFrameTypeSequence: [{FrameType: [\(v), PRIMARY, AXIAL, NONE]}], CTExposureSequence: [{ExposureTimeInms: \"1\"}]}]}")).findings
                .filter { $0.ruleID == "iod.enhanced-ct-image.fg.ct-exposure" && ($0.attribute ?? "").hasSuffix(".XRayTubeCurrentInmA") }.map { $0.attribute ?? "" }
        }
        XCTAssertEqual(try exposure("ORIGINAL"), ["PerFrameFunctionalGroupsSequence[0].CTExposureSequence[0].XRayTubeCurrentInmA"])
        XCTAssertEqual(try exposure("DERIVED"), [])
    }

    /// General Series' Laterality, Type 2C (C.7.3.1: "Required if the body
    /// part examined is a paired structure and Image Laterality … or Frame
    /// Laterality … or Measurement Laterality … are not present"): decided
    /// from Body Part Examined with highdicom's paired flag on PS3.16 Table
    /// L-1's terms (gen_iod.Generator.laterality_condition) — required for
    /// KNEE, not for CHEST, not evaluated without a known term; any of the
    /// other lateralities, a Frame Laterality in a Functional Groups item
    /// included, lifts it.
    func testLateralityFollowsPairedBodyParts() throws {
        let ct = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.2\", Modality: CT, SeriesInstanceUID: \"1.2.3\", SeriesNumber: \"1\", PatientPosition: HFS"
        let id = "iod.ct-image.general-series"
        let missing = { (extra: String) throws -> [String] in
            try self.run(try file("{\(ct)\(extra)}")).findings.filter { $0.ruleID == id && $0.attribute == "Laterality" }.map(\.message)
        }
        XCTAssertEqual(try missing(", BodyPartExamined: KNEE"),
                       ["Laterality is absent, although the body part examined is a paired structure and Image Laterality (0020,0062) "
                        + "or Frame Laterality (0020,9072) or Measurement Laterality (0024,0113) are not present"])
        XCTAssertEqual(try missing(", BodyPartExamined: KNEE, Laterality: \"\""), [])     // (2C: present, even empty)
        XCTAssertEqual(try missing(", BodyPartExamined: KNEE, ImageLaterality: L"), [])
        XCTAssertEqual(try missing(", BodyPartExamined: CHEST"), [])
        let why = { (extra: String) throws -> [String] in try self.undecidedTexts(id, try file("{\(ct)\(extra)}")).filter { $0.contains("paired") } }
        XCTAssertEqual(try why(", BodyPartExamined: CHEST"), [])
        XCTAssertEqual(try why(", BodyPartExamined: KNEE, ImageLaterality: L"), [])
        XCTAssertEqual(try why("").count, 1)                                  // no Body Part Examined: not evaluated
        XCTAssertEqual(try why(", BodyPartExamined: \"WHOLE BODY\"").count, 1)   // not a Table L-1 term (WHOLEBODY is)
        XCTAssertEqual(try missing(", BodyPartExamined: \"WHOLE BODY\""), [])
        // an enhanced image: a Frame Laterality in a per-frame Frame Anatomy item lifts it
        let emr = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.4.1\", Modality: MR, BodyPartExamined: KNEE"
        let frame = "PerFrameFunctionalGroupsSequence: [{FrameAnatomySequence: [{FrameLaterality: R}]}]"
        let emrMissing = { (extra: String) throws -> [String] in
            try self.run(try file("{\(emr)\(extra)}")).findings
                .filter { $0.ruleID == "iod.enhanced-mr-image.general-series" && $0.attribute == "Laterality" }.map(\.severity.rawValue)
        }
        XCTAssertEqual(try emrMissing(""), ["error"])
        XCTAssertEqual(try emrMissing(", " + frame), [])
    }

    /// The Pixel Measures / Plane Position / Plane Orientation conditions
    /// ("Required if: Volumetric Properties (0008,9206) [of this frame] is
    /// other than DISTORTED or SAMPLED, or SOP Class UID is Segmentation
    /// Storage (…) and …", C.7.6.16.2.1-4: "if:" with a colon, "and" and "or"
    /// grouped by commas) read the frame's Volumetric Properties in its frame
    /// type macro, as `ft.original` reads Frame Type; Frame Content's "Frame
    /// Type … ORIGINAL and the SOP Class UID is not "…" or "…" (Legacy
    /// Converted) or 1.2.840.10008.5.1.4.1.1.77.1.6" (C.7.6.16.2.2) is decided.
    /// All were not evaluated, so an Enhanced MR without Pixel Spacing or a
    /// frame's Frame Acquisition DateTime had no finding (dciodvfy reports
    /// both: Scripts/enhanced_mutants.py, docs/dciodvfy-enhanced.md).
    func testFrameVolumetricPropertiesAndFrameContentConditionsAreDecided() throws {
        let emr = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.4.1\""
        let ft = { (v: String, vp: String) in "MRImageFrameTypeSequence: [{FrameType: [\(v), PRIMARY, M, NONE], VolumetricProperties: \(vp)}]" }
        let pm = "PixelMeasuresSequence: [{SliceThickness: \"5\"}]"
        let missing = { (rule: String, attr: String, groups: String) throws -> [String] in
            try self.run(try file("{\(emr), \(groups)}")).findings
                .filter { $0.ruleID == "iod.enhanced-mr-image.fg." + rule && ($0.attribute ?? "").hasSuffix("." + attr) }.map { $0.attribute ?? "" }
        }
        XCTAssertEqual(try missing("pixel-measures", "PixelSpacing", "SharedFunctionalGroupsSequence: [{\(ft("ORIGINAL", "VOLUME")), \(pm)}]"),
                       ["SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0].PixelSpacing"])
        XCTAssertEqual(try missing("pixel-measures", "PixelSpacing", "SharedFunctionalGroupsSequence: [{\(ft("ORIGINAL", "DISTORTED")), \(pm)}]"), [])
        // the frame's own Volumetric Properties, per frame
        XCTAssertEqual(try missing("pixel-measures", "PixelSpacing", "PerFrameFunctionalGroupsSequence: [{\(ft("ORIGINAL", "SAMPLED")), \(pm)}, {\(ft("ORIGINAL", "VOLUME")), \(pm)}]"),
                       ["PerFrameFunctionalGroupsSequence[1].PixelMeasuresSequence[0].PixelSpacing"])
        // a Shared Pixel Measures with per-frame Volumetric Properties: not evaluated, and why
        let mixed = try file("{\(emr), SharedFunctionalGroupsSequence: [{\(pm)}], PerFrameFunctionalGroupsSequence: [{\(ft("ORIGINAL", "VOLUME"))}]}")
        XCTAssertTrue(try undecidedTexts("iod.enhanced-mr-image.fg.pixel-measures", mixed).contains { $0.contains("Volumetric Properties") })
        // Plane Orientation: ORIGINAL and not DISTORTED
        let po = "PlaneOrientationSequence: [{}]"
        XCTAssertEqual(try missing("plane-orientation-patient", "ImageOrientationPatient", "SharedFunctionalGroupsSequence: [{\(ft("ORIGINAL", "VOLUME")), \(po)}]"),
                       ["SharedFunctionalGroupsSequence[0].PlaneOrientationSequence[0].ImageOrientationPatient"])
        XCTAssertEqual(try missing("plane-orientation-patient", "ImageOrientationPatient", "SharedFunctionalGroupsSequence: [{\(ft("ORIGINAL", "DISTORTED")), \(po)}]"), [])
        XCTAssertEqual(try missing("plane-orientation-patient", "ImageOrientationPatient", "SharedFunctionalGroupsSequence: [{\(ft("DERIVED", "VOLUME")), \(po)}]"), [])
        // Frame Content: an ORIGINAL frame of an Enhanced MR wants Frame Acquisition DateTime
        let fc = "FrameContentSequence: [{FrameAcquisitionNumber: \"1\"}]"
        XCTAssertEqual(try missing("frame-content", "FrameAcquisitionDateTime", "SharedFunctionalGroupsSequence: [{\(ft("ORIGINAL", "VOLUME"))}], PerFrameFunctionalGroupsSequence: [{\(fc)}]"),
                       ["PerFrameFunctionalGroupsSequence[0].FrameContentSequence[0].FrameAcquisitionDateTime"])
        XCTAssertEqual(try missing("frame-content", "FrameAcquisitionDateTime", "SharedFunctionalGroupsSequence: [{\(ft("DERIVED", "VOLUME"))}], PerFrameFunctionalGroupsSequence: [{\(fc)}]"), [])
        // "Required if Stack ID (0020,9056) or Functional MR Sequence (0018,9621) is present": the
        // Functional MR macro's sequence in the frame's Functional Groups item or the Shared one
        let stack = "FrameContentSequence: [{FrameAcquisitionNumber: \"1\", StackID: \"1\"}]"
        XCTAssertEqual(try missing("frame-content", "InStackPositionNumber", "PerFrameFunctionalGroupsSequence: [{\(ft("DERIVED", "VOLUME")), \(stack)}]"),
                       ["PerFrameFunctionalGroupsSequence[0].FrameContentSequence[0].InStackPositionNumber"])
        let noStack = "FrameContentSequence: [{FrameAcquisitionNumber: \"1\"}]"
        XCTAssertEqual(try missing("frame-content", "InStackPositionNumber", "PerFrameFunctionalGroupsSequence: [{\(ft("DERIVED", "VOLUME")), \(noStack)}]"), [])
        XCTAssertEqual(try missing("frame-content", "InStackPositionNumber", "SharedFunctionalGroupsSequence: [{FunctionalMRSequence: [{}]}], PerFrameFunctionalGroupsSequence: [{\(ft("DERIVED", "VOLUME")), \(noStack)}]"),
                       ["PerFrameFunctionalGroupsSequence[0].FrameContentSequence[0].InStackPositionNumber"])
    }

    /// A condition on an attribute of another functional group macro ("Acquisition
    /// Type (0018,9302) is SPIRAL" for CT Table Dynamics, C.8.15.3.4: the CT
    /// Acquisition Type macro's, C.8.15.3.2) reads it in that macro's item in the
    /// frame's Functional Groups item, else in the Shared item's; and "the value of
    /// Filter Type (0018,1160) is other than NONE" (an SH with capital Defined
    /// Terms, C.8.15.3.9) is decided — all were not evaluated (dciodvfy reports
    /// none of them missing: docs/dciodvfy-enhanced.md).
    func testConditionsOnAnotherMacrosAttributeAreDecided() throws {
        let ect = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.2.1\""
        let ft = "CTImageFrameTypeSequence: [{FrameType: [ORIGINAL, PRIMARY, VOLUME, NONE]}]"
        let acq = { (t: String) in "CTAcquisitionTypeSequence: [{AcquisitionType: \(t)}]" }
        let table = "CTTableDynamicsSequence: [{TableSpeed: \"20\"}]"
        let missing = { (rule: String, attr: String, groups: String) throws -> [String] in
            try self.run(try file("{\(ect), \(groups)}")).findings
                .filter { $0.ruleID == "iod.enhanced-ct-image.fg." + rule && ($0.attribute ?? "").hasSuffix("." + attr) }.map { $0.attribute ?? "" }
        }
        XCTAssertEqual(try missing("ct-table-dynamics", "SpiralPitchFactor", "SharedFunctionalGroupsSequence: [{\(ft), \(acq("SPIRAL")), \(table)}]"),
                       ["SharedFunctionalGroupsSequence[0].CTTableDynamicsSequence[0].SpiralPitchFactor"])
        XCTAssertEqual(try missing("ct-table-dynamics", "SpiralPitchFactor", "SharedFunctionalGroupsSequence: [{\(ft), \(acq("SEQUENCED")), \(table)}]"), [])
        // the Acquisition Type per frame, the table dynamics shared: not evaluated, and why
        let perFrame = try file("{\(ect), SharedFunctionalGroupsSequence: [{\(ft), \(table)}], PerFrameFunctionalGroupsSequence: [{\(acq("SPIRAL"))}]}")
        XCTAssertTrue(try undecidedTexts("iod.enhanced-ct-image.fg.ct-table-dynamics", perFrame).contains { $0.contains("no CTAcquisitionTypeSequence") })
        // and the Acquisition Type in the frame's own item, the table dynamics too
        XCTAssertEqual(try missing("ct-table-dynamics", "SpiralPitchFactor", "SharedFunctionalGroupsSequence: [{\(ft)}], PerFrameFunctionalGroupsSequence: [{\(acq("SPIRAL")), \(table)}, {\(acq("SEQUENCED")), \(table)}]"),
                       ["PerFrameFunctionalGroupsSequence[0].CTTableDynamicsSequence[0].SpiralPitchFactor"])
        let xray = { (filter: String) in "CTXRayDetailsSequence: [{KVP: \"120\", FocalSpots: \"1\", FilterType: \(filter)}]" }
        XCTAssertEqual(try missing("ct-x-ray-details", "FilterMaterial", "SharedFunctionalGroupsSequence: [{\(ft), \(xray("WEDGE"))}]"),
                       ["SharedFunctionalGroupsSequence[0].CTXRayDetailsSequence[0].FilterMaterial"])
        XCTAssertEqual(try missing("ct-x-ray-details", "FilterMaterial", "SharedFunctionalGroupsSequence: [{\(ft), \(xray("NONE"))}]"), [])
    }

    /// Conditions inside an item on an attribute of the top level (`top:`)
    /// or of an enclosing item (`parent:`): RT Dose's Dose Summation Type
    /// (C.8.8.3) for a referenced beam's control points, an ion beam's Scan
    /// Mode (C.8.8.25) for its control points' scan spots.
    func testConditionsOutsideTheItemAreDecided() throws {
        let findings = { (sop: String, extra: String, rule: String, attribute: String) throws -> [String] in
            try self.run(try file("{SOPClassUID: \"\(sop)\", \(extra)}")).findings
                .filter { $0.ruleID == rule && ($0.attribute ?? "").hasSuffix(attribute) }
                .map { "\($0.attribute ?? "") \($0.severity)" }
        }
        let dose = "1.2.840.10008.5.1.4.1.1.481.2"
        let plan = { (type: String) in
            "DoseSummationType: \(type), ReferencedRTPlanSequence: [{ReferencedSOPClassUID: \"1.2.840.10008.5.1.4.1.1.481.5\", ReferencedSOPInstanceUID: \"1.2.3\", "
                + "ReferencedFractionGroupSequence: [{ReferencedFractionGroupNumber: \"1\", ReferencedBeamSequence: [{ReferencedBeamNumber: \"1\"}]}]}]"
        }
        XCTAssertEqual(try findings(dose, plan("CONTROL_POINT"), "iod.rt-dose.rt-dose", "ReferencedControlPointSequence"),
                       ["ReferencedRTPlanSequence[0].ReferencedFractionGroupSequence[0].ReferencedBeamSequence[0].ReferencedControlPointSequence error"])
        XCTAssertEqual(try findings(dose, plan("BEAM"), "iod.rt-dose.rt-dose", "ReferencedControlPointSequence"), [])
        let ion = "1.2.840.10008.5.1.4.1.1.481.8"
        let beam = { (mode: String) in "IonBeamSequence: [{BeamNumber: \"1\", ScanMode: \(mode), IonControlPointSequence: [{ControlPointIndex: \"0\"}]}]" }
        XCTAssertEqual(try findings(ion, beam("MODULATED"), "iod.rt-ion-plan.rt-ion-beams", "NumberOfScanSpotPositions"),
                       ["IonBeamSequence[0].IonControlPointSequence[0].NumberOfScanSpotPositions error"])
        XCTAssertEqual(try findings(ion, beam("NONE"), "iod.rt-ion-plan.rt-ion-beams", "NumberOfScanSpotPositions"), [])
    }

    /// The condition forms added by branch `cond3` (gen_iod.ConditionParser):
    /// "A and either B or C" (General Equipment, C.7.5.1), attributes sharing
    /// one presence predicate inside a longer condition (Real World Value
    /// Mapping, C.7.6.16.2.11), a name written with its words in another order
    /// (Patient, C.7.1.1), "is present with value V" (Breast View), "Value n
    /// of X" (RT Image, C.8.8.2), the file's Transfer Syntax (Image Pixel,
    /// C.7.6.3), "the value of X exists" (Frame Content, C.7.6.16.2.2). Each
    /// reports the attribute missing when the condition holds, and not when
    /// it does not.
    func testMoreConditionFormsAreDecided() throws {
        let findings = { (sop: String, extra: String, rule: String, attribute: String) throws -> [String] in
            try self.run(try file("{SOPClassUID: \"\(sop)\", \(extra)}")).findings
                .filter { $0.ruleID == rule && ($0.attribute ?? "").hasSuffix(attribute) }
                .map { "\($0.attribute ?? "") \($0.severity)" }
        }
        let ct = "1.2.840.10008.5.1.4.1.1.2"
        // Pixel Padding Value: Pixel Padding Range Limit present and either Pixel Data or Pixel Data Provider URL
        let eq = "iod.ct-image.general-equipment"
        XCTAssertEqual(try findings(ct, "PixelPaddingRangeLimit: \"10\", PixelDataProviderURL: \"http://x/y\"", eq, "PixelPaddingValue"), ["PixelPaddingValue error"])
        XCTAssertEqual(try findings(ct, "PixelPaddingRangeLimit: \"10\"", eq, "PixelPaddingValue"), [])
        XCTAssertEqual(try findings(ct, "PixelDataProviderURL: \"http://x/y\"", eq, "PixelPaddingValue"), [])
        // Patient Alternative Calendar: "Patient's Alternative Death Date in Calendar (0010,0034)" names (0010,0034)
        XCTAssertEqual(try findings(ct, "PatientDeathDateInAlternativeCalendar: \"20200101\"", "iod.ct-image.patient", "PatientAlternativeCalendar"),
                       ["PatientAlternativeCalendar error"])
        XCTAssertEqual(try findings(ct, "PatientName: X", "iod.ct-image.patient", "PatientAlternativeCalendar"), [])
        // Real World Value Intercept: Float / Double Float Pixel Data present, or no Real World Value LUT Data
        let img = "iod.ct-image.general-image"
        XCTAssertEqual(try findings(ct, "RealWorldValueMappingSequence: [{LUTLabel: A}]", img, "RealWorldValueIntercept"),
                       ["RealWorldValueMappingSequence[0].RealWorldValueIntercept error"])
        XCTAssertEqual(try findings(ct, "RealWorldValueMappingSequence: [{LUTLabel: A, RealWorldValueLUTData: [\"1\", \"2\"]}]", img, "RealWorldValueIntercept"), [])
        // Pixel Data Provider URL: a JPIP Referenced Transfer Syntax (the File Meta Information's)
        let px = "iod.ct-image.image-pixel"
        XCTAssertEqual(try findings(ct, "TransferSyntaxUID: \"1.2.840.10008.1.2.4.94\"", px, "PixelDataProviderURL"), ["PixelDataProviderURL error"])
        XCTAssertEqual(try findings(ct, "TransferSyntaxUID: \"1.2.840.10008.1.2.1\"", px, "PixelDataProviderURL"), [])
        // Breast View: Partial View Code Sequence when Partial View is present with value YES
        let bt = "1.2.840.10008.5.1.4.1.1.13.1.3", bv = "iod.breast-tomosynthesis-image.breast-view"
        XCTAssertEqual(try findings(bt, "PartialView: \"YES\"", bv, "PartialViewCodeSequence"), ["PartialViewCodeSequence error"])
        XCTAssertEqual(try findings(bt, "PartialView: \"NO\"", bv, "PartialViewCodeSequence"), [])
        // RT Image: Value 3 of Image Type SIMULATOR wants Reported Values Origin (2C) and, in an exposure, KVP (2C, the top level's Image Type)
        let rti = "1.2.840.10008.5.1.4.1.1.481.1", rt = "iod.rt-image.rt-image"
        XCTAssertEqual(try findings(rti, "ImageType: [ORIGINAL, PRIMARY, SIMULATOR]", rt, "ReportedValuesOrigin"), ["ReportedValuesOrigin error"])
        XCTAssertEqual(try findings(rti, "ImageType: [ORIGINAL, PRIMARY, DRR]", rt, "ReportedValuesOrigin"), [])
        XCTAssertEqual(try findings(rti, "ImageType: [ORIGINAL, PRIMARY, SIMULATOR], ExposureSequence: [{ExposureTime: \"1\"}]", rt, "KVP"),
                       ["ExposureSequence[0].KVP error"])
        XCTAssertEqual(try findings(rti, "ImageType: [ORIGINAL, PRIMARY, DRR], ExposureSequence: [{ExposureTime: \"1\"}]", rt, "KVP"), [])
        // Frame Content: Dimension Index Values when the top level's Dimension Index Sequence has a value
        let emr = "1.2.840.10008.5.1.4.1.1.4.1", fc = "iod.enhanced-mr-image.fg.frame-content"
        let frame = "PerFrameFunctionalGroupsSequence: [{FrameContentSequence: [{FrameAcquisitionNumber: \"1\"}]}]"
        XCTAssertEqual(try findings(emr, frame + ", DimensionIndexSequence: [{DimensionIndexPointer: \"00209056\"}]", fc, "DimensionIndexValues"),
                       ["PerFrameFunctionalGroupsSequence[0].FrameContentSequence[0].DimensionIndexValues error"])
        XCTAssertEqual(try findings(emr, frame, fc, "DimensionIndexValues"), [])
        // Respiratory Synchronization (a functional group): "Respiratory Motion Compensation Technique (top level)
        // equals other than NONE or REALTIME and Respiratory Trigger Type (top level too, C.7.4.2) is absent or has a value of TIME or BOTH"
        let rs = "iod.enhanced-mr-image.fg.respiratory-synchronization"
        let resp = { (technique: String, trigger: String) in
            "RespiratoryMotionCompensationTechnique: \(technique)\(trigger), PerFrameFunctionalGroupsSequence: [{RespiratorySynchronizationSequence: [{NominalRespiratoryTriggerDelayTime: \"1\"}]}]"
        }
        XCTAssertEqual(try findings(emr, resp("BREATH_HOLD", ""), rs, "RespiratoryIntervalTime"),
                       ["PerFrameFunctionalGroupsSequence[0].RespiratorySynchronizationSequence[0].RespiratoryIntervalTime error"])
        XCTAssertEqual(try findings(emr, resp("BREATH_HOLD", ", RespiratoryTriggerType: TIME"), rs, "RespiratoryIntervalTime").count, 1)
        XCTAssertEqual(try findings(emr, resp("BREATH_HOLD", ", RespiratoryTriggerType: AMPLITUDE"), rs, "RespiratoryIntervalTime"), [])
        XCTAssertEqual(try findings(emr, resp("NONE", ""), rs, "RespiratoryIntervalTime"), [])
    }

    /// Specific Character Set (SOP Common, C.12.1.1.2): "Required if an
    /// expanded or replacement character set is used" is decided from the
    /// file fact `file.text_repertoire` (PS3.5 6.1.2.3: a byte above 7FH or
    /// an ESC in an SH, LO, UC, ST, LT, UT or PN value): absent with such a
    /// byte, the error; present, or an all-ASCII file, none — and the
    /// attribute is never left undecided. Read from bytes (the reader's fact)
    /// and built in memory (the walk's).
    func testSpecificCharacterSetConditionIsDecided() throws {
        guard let set = Self.set else { return XCTFail() }
        let ct = "1.2.840.10008.5.1.4.1.1.2", rule = "iod.ct-image.sop-common"
        let sopCommon = try XCTUnwrap(set.rules.first { $0.id == rule })
        // the findings on Specific Character Set, whether it is undecided; as built and as read back
        let result = { (extra: String) throws -> [String] in
            let built = try file("{SOPClassUID: \"\(ct)\", SOPInstanceUID: \"1.2.3\", \(extra)}")
            let read = try DicomReader.read(bytes: try DicomWriter.write(built))
            var out: [String] = []
            for f in [built, read] {
                XCTAssertFalse(Evaluator().undecided(sopCommon, f).contains { $0.attribute == "SpecificCharacterSet" }, extra)
                out.append(try self.run(f).findings.filter { $0.ruleID == rule && $0.attribute == "SpecificCharacterSet" }
                    .map { "\($0.severity)" }.joined(separator: ","))
            }
            return out
        }
        XCTAssertEqual(try result("PatientName: \"M\u{00FC}ller^Hans\""), ["error", "error"])          // UTF-8 C3 BC
        XCTAssertEqual(try result("StudyDescription: \"A\\x1B$BFK\""), ["error", "error"])              // ESC (a YAML escape)
        XCTAssertEqual(try result("ReferencedStudySequence: [{ReferencedSOPClassUID: \"1.2\", '(0008,1030)': \"K\u{00F6}pf\"}]"), ["error", "error"])
        XCTAssertEqual(try result("PatientName: \"M\u{00FC}ller^Hans\", SpecificCharacterSet: \"ISO_IR 192\""), ["", ""])
        XCTAssertEqual(try result("PatientName: \"Muller^Hans\", StudyDescription: \"HEAD\""), ["", ""])
    }

    /// Conditions with a part the data set cannot tell (ConditionParser.partly,
    /// .pair): decided only where the decided part settles them — "A and
    /// <prose>" is false when A is (Extended Offset Table Lengths, C.7.6.3),
    /// "X <prose> or is absent" true when X is absent (Selector Sequence
    /// Pointer, C.23.4) — and not evaluated otherwise; "X, Y, and the pair of
    /// A and B are not present" (Content Item Macro, Table 10-2) likewise.
    func testPartlyDecidableConditionsAreDecidedOneWay() throws {
        guard let set = Self.set else { return XCTFail() }
        // the rule's findings, and the attributes the rule could not decide
        let outcome = { (sop: String, extra: String, id: String) throws -> (findings: [String], undecided: [String]) in
            let f = try file("{SOPClassUID: \"\(sop)\", \(extra)}")
            let rule = try XCTUnwrap(set.rules.first { $0.id == id })
            return (try self.run(f).findings.filter { $0.ruleID == id }.map { "\($0.attribute ?? "") \($0.severity)" },
                    Evaluator().undecided(rule, f).map(\.attribute))
        }
        // the Image Pixel rule of a CT: Extended Offset Table absent decides Extended Offset Table Lengths
        let ct = "1.2.840.10008.5.1.4.1.1.2", px = "iod.ct-image.image-pixel"
        let pixel = "SamplesPerPixel: \"1\", PhotometricInterpretation: MONOCHROME2, Rows: \"2\", Columns: \"2\", BitsAllocated: \"16\", "
            + "BitsStored: \"12\", HighBit: \"11\", PixelRepresentation: \"0\", PixelData: {vr: OW, value: \"0\"}"
        let without = try outcome(ct, pixel, px)
        XCTAssertFalse(without.undecided.isEmpty, "\(without)")   // (Pixel Aspect Ratio…: not evaluated)
        XCTAssertFalse(without.undecided.contains("ExtendedOffsetTableLengths"), "\(without)")
        let with = try outcome(ct, pixel + ", ExtendedOffsetTable: {vr: OV, value: \"0\"}", px)
        XCTAssertFalse(with.findings.contains { $0.hasPrefix("ExtendedOffsetTableLengths") }, "\(with)")
        XCTAssertTrue(with.undecided.contains("ExtendedOffsetTableLengths"), "\(with)")
        // DX Acquisition Context: an item with no value at all wants Concept Code Sequence;
        // a Text Value does not; Measurement Units without a Numeric Value (half the pair) is not evaluated
        let dx = "1.2.840.10008.5.1.4.1.1.1.1", ac = "iod.digital-x-ray-image.acquisition-context"
        let name = "ConceptNameCodeSequence: [{CodeValue: \"1\", CodingSchemeDesignator: DCM, CodeMeaning: X}]"
        XCTAssertEqual(try outcome(dx, "AcquisitionContextSequence: [{\(name)}]", ac).findings, ["AcquisitionContextSequence[0].ConceptCodeSequence error"])
        let text = try outcome(dx, "AcquisitionContextSequence: [{\(name), TextValue: T}]", ac)
        XCTAssertEqual(text.findings, [])
        XCTAssertFalse(text.undecided.contains("AcquisitionContextSequence[0].ConceptCodeSequence"), "\(text)")
        let half = try outcome(dx, "AcquisitionContextSequence: [{\(name), MeasurementUnitsCodeSequence: [{CodeValue: mm, CodingSchemeDesignator: UCUM, CodeMeaning: mm}]}]", ac)
        XCTAssertFalse(half.findings.contains { $0.hasSuffix("ConceptCodeSequence error") }, "\(half)")
        XCTAssertTrue(half.undecided.contains("AcquisitionContextSequence[0].ConceptCodeSequence"), "\(half)")
    }

    /// "Required if the Dimension Index Pointer (0020,9165) value is the Data
    /// Element Tag of a Private Attribute" (Multi-frame Dimension, C.7.6.17):
    /// `private_tag` on the AT value — a private tag wants the Dimension Index
    /// Private Creator, a standard one does not.
    func testPrivateTagConditionsAreDecided() throws {
        let emr = "1.2.840.10008.5.1.4.1.1.4.1", rule = "iod.enhanced-mr-image.multi-frame-dimension"
        let findings = { (pointer: String) throws -> [String] in
            try self.run(try file("{SOPClassUID: \"\(emr)\", DimensionIndexSequence: [{DimensionIndexPointer: \"\(pointer)\", FunctionalGroupPointer: \"00209111\"}]}")).findings
                .filter { $0.ruleID == rule && ($0.attribute ?? "").hasSuffix("PrivateCreator") }
                .map { "\($0.attribute ?? "") \($0.severity)" }
        }
        XCTAssertEqual(try findings("00191001"), ["DimensionIndexSequence[0].DimensionIndexPrivateCreator error"])
        XCTAssertEqual(try findings("00209056"), [])
    }

    /// "Required if Frame Increment Pointer (0028,0009) points to Frame Time"
    /// (Cine Module, C.7.6.5) and the SC Multi-frame Vector Module's vectors
    /// (C.8.6.4): decided on the AT values; they were not evaluated.
    func testFrameIncrementPointerConditionsAreDecided() throws {
        let usmf = "1.2.840.10008.5.1.4.1.1.3.1", scmf = "1.2.840.10008.5.1.4.1.1.7.2"   // US, Grayscale Byte SC
        let errors = { (sop: String, extra: String) throws -> [String] in
            try self.run(try file("{SOPClassUID: \"\(sop)\", NumberOfFrames: \"2\", \(extra)}")).findings
                .filter { $0.severity == .error }.compactMap(\.attribute)
                .filter { ["FrameTime", "FrameTimeVector", "PageNumberVector", "SliceLocationVector"].contains($0) }.sorted()
        }
        XCTAssertEqual(try errors(usmf, "FrameIncrementPointer: \"00181063\""), ["FrameTime"])
        XCTAssertEqual(try errors(usmf, "FrameIncrementPointer: \"00181063\", FrameTime: \"33.3\""), [])
        XCTAssertEqual(try errors(usmf, "FrameIncrementPointer: \"00181065\""), ["FrameTimeVector"])
        XCTAssertEqual(try errors(scmf, "FrameIncrementPointer: [\"00182001\", \"00182005\"]"), ["PageNumberVector", "SliceLocationVector"])
        XCTAssertEqual(try errors(scmf, "FrameIncrementPointer: \"00181063\""), ["FrameTime"])
        let set = try XCTUnwrap(Self.set)
        let cine = try XCTUnwrap(set.rules.first { $0.id == "iod.us-multi-frame-image.cine" })
        let f = try file("{SOPClassUID: \"\(usmf)\", NumberOfFrames: \"2\", FrameIncrementPointer: \"00181063\", FrameTime: \"33.3\"}")
        let undecided = Evaluator().undecided(cine, f).map(\.attribute)
        XCTAssertFalse(undecided.contains("FrameTime") || undecided.contains("FrameTimeVector"), "\(undecided)")
    }

    /// Image Pixel's Red/Green/Blue Palette Color Lookup Table Data (C.7.6.3)
    /// are required for PALETTE COLOR (or Pixel Presentation COLOR/MIXED)
    /// unless the same colour's Segmented data stands for it (C.7.9: "Required
    /// if segmented data is NOT used in an Image IOD"). Decided at the top
    /// level; it was not evaluated on every image.
    func testPaletteColorLUTDataIsDecided() throws {
        guard let set = Self.set else { return XCTFail() }
        let id = "iod.secondary-capture-image.image-pixel"
        let rule = try XCTUnwrap(set.rules.first { $0.id == id })
        let lut = ["Red", "Green", "Blue"]
        let descriptors = lut.map { "\($0)PaletteColorLookupTableDescriptor: [256, 0, 8]" }.joined(separator: ", ")
        let check = { (extra: String) throws -> (errors: [String], undecided: [String]) in
            let f = try file("{SOPClassUID: \"1.2.840.10008.5.1.4.1.1.7\", SamplesPerPixel: 1, Rows: 1, Columns: 1, BitsAllocated: 8, "
                             + "BitsStored: 8, HighBit: 7, PixelRepresentation: 0, PixelData: {vr: OB, value: ab}, \(extra)}")
            return (try self.run(f).findings.filter { $0.ruleID == id }.compactMap(\.attribute).filter { $0.contains("Palette") }.sorted(),
                    Evaluator().undecided(rule, f).map(\.attribute).filter { $0.contains("Palette") })
        }
        let mono = try check("PhotometricInterpretation: MONOCHROME2")
        XCTAssertEqual(mono.errors, [])
        XCTAssertEqual(mono.undecided, [], "not required, and decided so")
        let missing = try check("PhotometricInterpretation: PALETTE COLOR, \(descriptors)")
        XCTAssertEqual(missing.errors, lut.map { "\($0)PaletteColorLookupTableData" }.sorted())
        let data = lut.map { "\($0)PaletteColorLookupTableData: {vr: OB, value: ab}" }.joined(separator: ", ")
        XCTAssertEqual(try check("PhotometricInterpretation: PALETTE COLOR, \(descriptors), \(data)").errors, [])
        // the segmented data of one colour stands for that colour only
        let segmented = try check("PhotometricInterpretation: PALETTE COLOR, \(descriptors), SegmentedRedPaletteColorLookupTableData: {vr: OB, value: ab}")
        XCTAssertEqual(segmented.errors, ["BluePaletteColorLookupTableData", "GreenPaletteColorLookupTableData"])
    }

    /// The Basic Code Sequence Macro's Code Value, Long Code Value and URN
    /// Code Value (PS3.3 Table 8.8-1a): each "The identifier of the Coded
    /// Entry", required by what the code is (≤ 16 characters and no URN or
    /// URL; longer; a URN or URL). Decided where the item's code values tell
    /// the code (gen_iod.Generator.code_value_condition), never required one
    /// by one — but an item with none of the three lacks one whatever the
    /// code is (CODE_VALUE_ONE_OF): one finding, naming the three (dciodvfy
    /// gives a message for each; Scripts/compare_dciodvfy.py counts the
    /// finding for the three).
    /// (These tests list the undecided parts with `known: true`: on a
    /// partial data set the rule also fails on other attributes.)
    func testCodeValueConditionsAreDecidedFromTheItem() throws {
        let set = try XCTUnwrap(Self.set)
        let id = "iod.ophthalmic-tomography-image.ophthalmic-tomography-parameters"
        let rule = try XCTUnwrap(set.rules.first { $0.id == id })
        let three = ["CodeValue", "LongCodeValue", "URNCodeValue"]
        let check = { (item: String) throws -> (errors: [String], undecided: [String]) in
            let f = try file("{SOPClassUID: \"1.2.840.10008.5.1.4.1.1.77.1.5.4\", AcquisitionDeviceTypeCodeSequence: [{\(item)}]}")
            let path = "AcquisitionDeviceTypeCodeSequence[0]."
            return (try self.run(f).findings.filter { $0.ruleID == id }.compactMap(\.attribute)
                        .filter { a in three.contains { a == path + $0 } }.sorted(),
                    Evaluator().undecided(rule, f, known: true).map(\.attribute).filter { a in three.contains { a == path + $0 } }.sorted())
        }
        let p = { (k: String) in "AcquisitionDeviceTypeCodeSequence[0].\(k)" }
        // none of the three: one is missing, whichever the code is — one
        // defect, one finding (a failing `any` explains one part: Code
        // Value's), whose because names the three
        XCTAssertEqual(try check("CodingSchemeDesignator: SCT, CodeMeaning: X").errors, [p("CodeValue")])
        let none = try file("{SOPClassUID: \"1.2.840.10008.5.1.4.1.1.77.1.5.4\", AcquisitionDeviceTypeCodeSequence: [{CodingSchemeDesignator: SCT, CodeMeaning: X}]}")
        let because = try self.run(none).findings.first { $0.ruleID == id && $0.attribute == p("CodeValue") }?.because ?? ""
        XCTAssertTrue(because.contains("and not: Code Value (0008,0100), Long Code Value (0008,0119) or URN Code Value (0008,0120) is present"), because)
        // a Code Value: the other two are not required
        let cv = try check("CodeValue: \"392012008\", CodingSchemeDesignator: SCT, CodeMeaning: X")
        XCTAssertEqual(cv.errors, [])
        XCTAssertEqual(cv.undecided, [])
        // a Long Code Value of more than 16 characters without ':': neither Code Value nor URN Code Value
        let long = try check("LongCodeValue: \"12345678901234567890\", CodingSchemeDesignator: SCT, CodeMeaning: X")
        XCTAssertEqual(long.errors, [])
        XCTAssertEqual(long.undecided, [])
        // a URN Code Value: the code is a URN, neither of the other two
        let urn = try check("URNCodeValue: \"urn:oid:1.2.3\", CodeMeaning: X")
        XCTAssertEqual(urn.errors, [])
        XCTAssertEqual(urn.undecided, [])
        // a short Long Code Value may be a misplaced Code Value, one with ':' a misplaced URN: not evaluated
        XCTAssertEqual(try check("LongCodeValue: \"12345\", CodingSchemeDesignator: SCT, CodeMeaning: X").undecided, [p("CodeValue")])
        XCTAssertEqual(try check("LongCodeValue: \"http://example.org/code/1\", CodingSchemeDesignator: SCT, CodeMeaning: X").undecided,
                       [p("URNCodeValue")])
    }

    /// Pixel Aspect Ratio (C.7.6.3: "Required if the aspect ratio values do
    /// not have a ratio of 1:1 and the physical pixel spacing is not
    /// specified by Pixel Spacing …, or Imager Pixel Spacing … or Nominal
    /// Scanned Pixel Spacing …, either for the entire Image or per-frame in a
    /// Functional Group Macro"): not required with one of them, at the top
    /// level or in the Shared or every Per-frame item's Pixel Measures; not
    /// evaluated otherwise (the aspect ratio is in no other attribute, so the
    /// condition is never decided true: no finding case).
    func testPixelAspectRatioIsNotRequiredWithAPixelSpacing() throws {
        let set = try XCTUnwrap(Self.set)
        let undecided = { (sop: String, rule: String, extra: String) throws -> Bool in
            let r = try XCTUnwrap(set.rules.first { $0.id == rule })
            let f = try file("{SOPClassUID: \"\(sop)\", PhotometricInterpretation: MONOCHROME2, Rows: \"2\", Columns: \"2\"\(extra)}")
            XCTAssertFalse(try self.run(f).findings.contains { $0.ruleID == rule && $0.attribute == "PixelAspectRatio" })
            return Evaluator().undecided(r, f, known: true).map(\.attribute).contains("PixelAspectRatio")
        }
        let ct = "1.2.840.10008.5.1.4.1.1.2", emr = "1.2.840.10008.5.1.4.1.1.4.1"
        XCTAssertTrue(try undecided(ct, "iod.ct-image.image-pixel", ""))
        XCTAssertFalse(try undecided(ct, "iod.ct-image.image-pixel", ", PixelSpacing: [\"0.5\", \"0.5\"]"))
        let measures = "PixelMeasuresSequence: [{PixelSpacing: [\"0.5\", \"0.5\"]}]"
        XCTAssertTrue(try undecided(emr, "iod.enhanced-mr-image.image-pixel", ""))
        XCTAssertFalse(try undecided(emr, "iod.enhanced-mr-image.image-pixel", ", SharedFunctionalGroupsSequence: [{\(measures)}]"))
        XCTAssertFalse(try undecided(emr, "iod.enhanced-mr-image.image-pixel", ", PerFrameFunctionalGroupsSequence: [{\(measures)}, {\(measures)}]"))
        // in one frame only: not for the entire image nor per frame
        XCTAssertTrue(try undecided(emr, "iod.enhanced-mr-image.image-pixel", ", PerFrameFunctionalGroupsSequence: [{\(measures)}, {FrameContentSequence: [{}]}]"))
    }

    /// The Palette Color Lookup Table rows of an icon's Image Pixel Macro
    /// (C.7.6.3 in the Icon Image Sequence): the item's Photometric
    /// Interpretation PALETTE COLOR wants them; another does not, unless the
    /// top level's Pixel Presentation is COLOR or MIXED ("at the image
    /// level": not the icon's) — not evaluated then.
    func testIconPaletteColorLUTIsDecided() throws {
        let set = try XCTUnwrap(Self.set)
        let id = "iod.secondary-capture-image.general-image"
        let rule = try XCTUnwrap(set.rules.first { $0.id == id })
        let check = { (pi: String, top: String) throws -> (errors: [String], undecided: [String]) in
            let f = try file("{SOPClassUID: \"1.2.840.10008.5.1.4.1.1.7\"\(top), IconImageSequence: [{SamplesPerPixel: 1, PhotometricInterpretation: \(pi), "
                             + "Rows: 1, Columns: 1, BitsAllocated: 8, BitsStored: 8, HighBit: 7, PixelRepresentation: 0, PixelData: {vr: OB, value: ab}}]}")
            return (try self.run(f).findings.filter { $0.ruleID == id }.compactMap(\.attribute).filter { $0.contains("Palette") }.sorted(),
                    Evaluator().undecided(rule, f, known: true).map(\.attribute).filter { $0.contains("Palette") })
        }
        let rows = ["Red", "Green", "Blue"].flatMap { ["IconImageSequence[0].\($0)PaletteColorLookupTableDescriptor", "IconImageSequence[0].\($0)PaletteColorLookupTableData"] }
        let palette = try check("PALETTE COLOR", "")
        XCTAssertEqual(palette.errors, rows.sorted())
        let mono = try check("MONOCHROME2", "")
        XCTAssertEqual(mono.errors, [])
        XCTAssertEqual(mono.undecided, [], "not required, and decided so")
        let color = try check("MONOCHROME2", ", PixelPresentation: COLOR")
        XCTAssertEqual(color.errors, [])
        XCTAssertEqual(color.undecided.sorted(), rows.sorted())
    }

    /// Frame Type conditions on other values than Value 1 in a functional
    /// group macro ("Frame Type (0008,9007) Value 4 of this frame is
    /// ENERGY_PROP_WT", CT X-Ray Details, C.8.15.3.9; "Required if Required
    /// if …" in the table), and the CT Reconstruction macro's usage (A.38.1.4:
    /// "Image Type Value 1 is ORIGINAL or MIXED and Acquisition Type is other
    /// than CONSTANT_ANGLE", Acquisition Type in the CT Acquisition Type
    /// macro's item of the Shared, or every Per-frame, Functional Groups item).
    func testEnhancedCTFrameConditionsAreDecided() throws {
        let ect = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.2.1\""
        let details = { (v4: String) throws -> [String] in
            try self.run(try file("{\(ect), SharedFunctionalGroupsSequence: [{CTImageFrameTypeSequence: [{FrameType: [DERIVED, PRIMARY, AXIAL, \(v4)]}], "
                                  + "CTXRayDetailsSequence: [{FilterType: NONE}]}]}")).findings
                .filter { $0.ruleID == "iod.enhanced-ct-image.fg.ct-x-ray-details" }.compactMap(\.attribute)
        }
        XCTAssertEqual(try details("ENERGY_PROP_WT"), ["SharedFunctionalGroupsSequence[0].CTXRayDetailsSequence[0].EnergyWeightingFactor"])
        XCTAssertEqual(try details("NONE"), [])
        let id = "iod.enhanced-ct-image.fg.ct-reconstruction"
        let acq = { (v: String) in "CTAcquisitionTypeSequence: [{AcquisitionType: \(v)}]" }
        let recon = { (imageType: String, groups: String) throws -> Outcome? in
            try self.outcome(id, try file("{\(ect), ImageType: [\(imageType), PRIMARY, AXIAL, NONE], \(groups)}"))
        }
        XCTAssertEqual(try recon("ORIGINAL", "SharedFunctionalGroupsSequence: [{\(acq("SPIRAL"))}]"), .fail)
        XCTAssertEqual(try recon("ORIGINAL", "SharedFunctionalGroupsSequence: [{\(acq("CONSTANT_ANGLE"))}]"), .notApplicable)
        XCTAssertEqual(try recon("DERIVED", "SharedFunctionalGroupsSequence: [{\(acq("SPIRAL"))}]"), .notApplicable)
        XCTAssertEqual(try recon("MIXED", "PerFrameFunctionalGroupsSequence: [{\(acq("SPIRAL"))}, {\(acq("SEQUENCED"))}]"), .fail)
        XCTAssertEqual(try recon("ORIGINAL", "PerFrameFunctionalGroupsSequence: [{\(acq("CONSTANT_ANGLE"))}, {\(acq("CONSTANT_ANGLE"))}]"), .notApplicable)
        // frames that differ: not evaluated
        XCTAssertEqual(try recon("ORIGINAL", "PerFrameFunctionalGroupsSequence: [{\(acq("SPIRAL"))}, {\(acq("CONSTANT_ANGLE"))}]"), .notEvaluated)
    }

    /// The CT macros' items in the Multi-energy CT Image Module (C.8.2.2) of
    /// the CT Image IOD, a single-frame IOD without Frame Type: "Frame Type
    /// (0008,9007) Value 1 of this frame is ORIGINAL" is the image's Image
    /// Type (0008,0008) Value 1 (as PS3.3 2024e writes it: "… or Image Type
    /// (0008,0008) Value 1 is ORIGINAL"; gen_iod SINGLE_FRAME_TYPE_MODULES) —
    /// KVP, X-Ray Tube Current, Exposure … required in an ORIGINAL image, not
    /// in a DERIVED one, and no longer not evaluated; Filter Material's "…
    /// and the value of Filter Type (0018,1160) is other than NONE" decided
    /// both ways. (Before: only Exposure Time, by its "or if Image Type …"
    /// half, was decided.)
    func testMultiEnergyCTItemsAreDecided() throws {
        let id = "iod.ct-image.multi-energy-ct-image"
        let ctFile = { (imageType: String, item: String) throws -> DicomFile in
            try file("{SOPClassUID: \"1.2.840.10008.5.1.4.1.1.2\", ImageType: [\(imageType), PRIMARY, AXIAL], MultienergyCTAcquisition: \"YES\", "
                     + "MultienergyCTAcquisitionSequence: [{\(item)}]}")
        }
        let errors = { (imageType: String, item: String) throws -> [String] in
            try self.run(try ctFile(imageType, item)).findings.filter { $0.ruleID == id }.compactMap(\.attribute)
        }
        let seq = "MultienergyCTAcquisitionSequence[0]."
        let exposure = "CTExposureSequence: [{ExposureInmAs: \"1\"}]"
        XCTAssertTrue(try errors("ORIGINAL", exposure).contains(seq + "CTExposureSequence[0].ExposureTimeInms"))
        XCTAssertTrue(try errors("ORIGINAL", exposure).contains(seq + "CTExposureSequence[0].XRayTubeCurrentInmA"))
        XCTAssertFalse(try errors("DERIVED", exposure).contains(seq + "CTExposureSequence[0].ExposureTimeInms"))
        XCTAssertFalse(try errors("DERIVED", exposure).contains(seq + "CTExposureSequence[0].XRayTubeCurrentInmA"))
        let details = "CTXRayDetailsSequence: [{FilterType: WEDGE}], CTGeometrySequence: [{DistanceSourceToDetector: \"1000\"}]"
        let original = try errors("ORIGINAL", details)
        for kw in ["CTXRayDetailsSequence[0].KVP", "CTXRayDetailsSequence[0].FocalSpots", "CTXRayDetailsSequence[0].FilterMaterial",
                   "CTGeometrySequence[0].DistanceSourceToDataCollectionCenter"] {
            XCTAssertTrue(original.contains(seq + kw), "\(kw) \(original)")
        }
        XCTAssertEqual(try errors("DERIVED", details).filter { ($0.hasPrefix(seq + "CTXRayDetailsSequence") || $0.hasPrefix(seq + "CTGeometrySequence"))
                                                               && !$0.hasSuffix(".ReferencedPathIndex") }, [])   // (required by Multi-energy CT Acquisition YES)
        // nothing of "this frame" Value 1 left undecided
        for t in ["ORIGINAL", "DERIVED"] {
            let undecided = try undecidedParts(id, try ctFile(t, exposure + ", " + details))
            XCTAssertFalse(undecided.contains { $0.contains("Value 1 of this frame") }, "\(undecided)")
        }
    }

    /// "Image Type (0008,0008) Value 1 of this frame is ORIGINAL [or MIXED]
    /// and SOP Class UID is not … (Legacy Converted)" (Acquisition DateTime
    /// and Duration, Enhanced CT Image C.8.15.2, Enhanced PET Image C.8.22.3):
    /// the top-level Image Type, whose Value 1 is ORIGINAL, DERIVED or MIXED
    /// for all the frames. "ORIGINAL or MIXED": decided; "ORIGINAL" alone:
    /// MIXED is not evaluated.
    func testImageTypeOfThisFrameIsTheImageType() throws {
        let acquisition = { (sop: String, rule: String, imageType: String) throws -> (errors: [String], undecided: [String]) in
            let f = try file("{SOPClassUID: \"\(sop)\", ImageType: [\(imageType), PRIMARY, AXIAL, NONE]}")
            let errors = try self.run(f).findings.filter { $0.ruleID == rule && ($0.attribute ?? "").hasPrefix("Acquisition") }.compactMap(\.attribute)
            return (errors.sorted(), try self.undecidedParts(rule, f).filter { $0.contains("of this frame") })
        }
        let ect = "1.2.840.10008.5.1.4.1.1.2.1", ectRule = "iod.enhanced-ct-image.enhanced-ct-image"
        for t in ["ORIGINAL", "MIXED"] {
            let r = try acquisition(ect, ectRule, t)
            XCTAssertEqual(r.errors, ["AcquisitionDateTime", "AcquisitionDuration"], t)
            XCTAssertEqual(r.undecided, [], t)
        }
        XCTAssertEqual(try acquisition(ect, ectRule, "DERIVED").errors, [])
        XCTAssertEqual(try acquisition(ect, ectRule, "DERIVED").undecided, [])
        let pet = "1.2.840.10008.5.1.4.1.1.130", petRule = "iod.enhanced-pet-image.enhanced-pet-image"
        XCTAssertEqual(try acquisition(pet, petRule, "ORIGINAL").errors, ["AcquisitionDateTime", "AcquisitionDuration"])
        XCTAssertEqual(try acquisition(pet, petRule, "DERIVED").errors, [])
        XCTAssertEqual(try acquisition(pet, petRule, "DERIVED").undecided, [])
        // (MIXED: some frames ORIGINAL, some not — not evaluated)
        XCTAssertEqual(try acquisition(pet, petRule, "MIXED").errors, [])
        XCTAssertEqual(try acquisition(pet, petRule, "MIXED").undecided.count, 2)
    }

    /// Lossy Image Compression (0028,2110), "Required if Lossy Compression
    /// has been performed on the Image" (US Image C.8.5.6, and NM, PET,
    /// X-Ray Image): required when the file's Transfer Syntax is a lossy one
    /// (JPEG Baseline, MPEG…: `ts.lossy`); otherwise not evaluated (an
    /// earlier lossy compression is not told by the file), never decided
    /// false. Lossy Image Compression Ratio / Method of the Parametric Map
    /// ("… or this IOD instance has been compressed") the same way.
    func testLossyTransferSyntaxWantsLossyImageCompression() throws {
        let us = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.6.1\"", rule = "iod.us-image.us-image"
        let lossy = { (extra: String) throws -> (errors: [String], undecided: [String]) in
            let f = try file("{\(us), \(extra)}")
            let errors = try self.run(f).findings.filter { $0.ruleID == rule && $0.attribute == "LossyImageCompression" }.map { "\($0.severity)" }
            return (errors, try self.undecidedParts(rule, f).filter { $0.contains("Lossy Compression") })
        }
        XCTAssertEqual(try lossy("TransferSyntaxUID: \"1.2.840.10008.1.2.4.50\"").errors, ["error"])
        XCTAssertEqual(try lossy("TransferSyntaxUID: \"1.2.840.10008.1.2.4.50\"").undecided, [])
        XCTAssertEqual(try lossy("TransferSyntaxUID: \"1.2.840.10008.1.2.4.102\"").errors, ["error"])
        XCTAssertEqual(try lossy("TransferSyntaxUID: \"1.2.840.10008.1.2.4.50\", LossyImageCompression: \"01\"").errors, [])
        // a Transfer Syntax that is not lossy, or one that may be lossless: not evaluated, no finding
        for ts in ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2.4.91"] {
            let r = try lossy("TransferSyntaxUID: \"\(ts)\"")
            XCTAssertEqual(r.errors, [], ts)
            XCTAssertEqual(r.undecided, ["Required if Lossy Compression has been performed on the Image"], ts)
        }
        let pm = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.30\"", pmRule = "iod.parametric-map.parametric-map-image"
        let ratio = { (ts: String) throws -> [String] in
            try self.run(try file("{\(pm), TransferSyntaxUID: \"\(ts)\"}")).findings
                .filter { $0.ruleID == pmRule && ["LossyImageCompressionRatio", "LossyImageCompressionMethod"].contains($0.attribute ?? "") }
                .compactMap(\.attribute).sorted()
        }
        XCTAssertEqual(try ratio("1.2.840.10008.1.2.4.50"), ["LossyImageCompressionMethod", "LossyImageCompressionRatio"])
        XCTAssertEqual(try ratio("1.2.840.10008.1.2.1"), [])
    }

    /// Per-frame Functional Groups Sequence, Type 1C "Required if for any
    /// frame, there are Per-Frame Functional Groups that are not empty"
    /// (Multi-frame Functional Groups, C.7.6.16, in the Segmentation IOD): the
    /// frames' Per-frame groups are its items, so absent there are none —
    /// decided, no longer not evaluated. "Plane Position (Slide) Sequence
    /// (0048,021A) is present within a Functional Group Sequence" (Image
    /// Orientation (Slide), Segmentation Image C.8.20.2): in the Shared item
    /// or a Per-frame item.
    func testFunctionalGroupSequenceConditionsAreDecided() throws {
        let seg = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.66.4\""
        let mfg = "iod.segmentation.multi-frame-functional-groups"
        let noPerFrame = try file("{\(seg), SharedFunctionalGroupsSequence: [{}]}")
        XCTAssertFalse(try run(noPerFrame).findings.contains { $0.ruleID == mfg && $0.attribute == "PerFrameFunctionalGroupsSequence" })
        XCTAssertEqual(try undecidedParts(mfg, noPerFrame).filter { $0.contains("Per-Frame Functional Groups") }, [])
        let zero = try file("{\(seg), SharedFunctionalGroupsSequence: [{}], PerFrameFunctionalGroupsSequence: []}")
        XCTAssertTrue(try run(zero).findings.contains { $0.ruleID == mfg && $0.attribute == "PerFrameFunctionalGroupsSequence" })
        let orientation = { (groups: String) throws -> (errors: [String], undecided: [String]) in
            let f = try file("{\(seg), \(groups)}")
            let rule = "iod.segmentation.segmentation-image"
            return (try self.run(f).findings.filter { $0.ruleID == rule && $0.attribute == "ImageOrientationSlide" }.map { "\($0.severity)" },
                    try self.undecidedParts(rule, f).filter { $0.contains("Plane Position (Slide)") })
        }
        let slide = "PlanePositionSlideSequence: [{XOffsetInSlideCoordinateSystem: \"1\"}]"
        XCTAssertEqual(try orientation("SharedFunctionalGroupsSequence: [{\(slide)}]").errors, ["error"])
        XCTAssertEqual(try orientation("SharedFunctionalGroupsSequence: [{}], PerFrameFunctionalGroupsSequence: [{}, {\(slide)}]").errors, ["error"])
        XCTAssertEqual(try orientation("SharedFunctionalGroupsSequence: [{\(slide)}], ImageOrientationSlide: [\"1\", \"0\", \"0\", \"0\", \"1\", \"0\"]").errors, [])
        let none = try orientation("SharedFunctionalGroupsSequence: [{}], PerFrameFunctionalGroupsSequence: [{}]")
        XCTAssertEqual(none.errors, [])
        XCTAssertEqual(none.undecided, [])
    }

    /// Hanging Protocol Display's Image Boxes (C.23.2): "Image Box Layout
    /// Type (0072,0304) is TILED, and the value of Image Box Tile Horizontal
    /// Dimension (0072,0306) or Image Box Tile Vertical Dimension (0072,0308)
    /// is greater than 1" (Scroll Direction, Small / Large Scroll Type) — the
    /// comma sets the "and" apart: TILED and (either greater than 1); "Image
    /// Box Small Scroll Type (0072,0312) is present with a value" (Small
    /// Scroll Amount): it has a value.
    func testImageBoxScrollingConditionsAreDecided() throws {
        let rule = "iod.hanging-protocol.hanging-protocol-display"
        let box = { (attrs: String) throws -> (errors: [String], undecided: [String]) in
            let f = try file("{SOPClassUID: \"1.2.840.10008.5.1.4.38.1\", DisplaySetsSequence: [{ImageBoxesSequence: [{\(attrs)}]}]}")
            let errors = try self.run(f).findings.filter { $0.ruleID == rule && ($0.attribute ?? "").contains("Scroll") }
                .compactMap { $0.attribute?.components(separatedBy: ".").last }.sorted()
            return (errors, try self.undecidedParts(rule, f).filter { $0.contains("Scroll") || $0.contains("TILED") })
        }
        let tiled = { (h: String, v: String) in "ImageBoxLayoutType: TILED, ImageBoxTileHorizontalDimension: \"\(h)\", ImageBoxTileVerticalDimension: \"\(v)\"" }
        XCTAssertEqual(try box(tiled("1", "2")).errors, ["ImageBoxLargeScrollType", "ImageBoxScrollDirection", "ImageBoxSmallScrollType"])
        XCTAssertEqual(try box(tiled("1", "2")).undecided, [])
        XCTAssertEqual(try box(tiled("1", "1")).errors, [])
        XCTAssertEqual(try box(tiled("1", "1")).undecided, [])
        XCTAssertEqual(try box("ImageBoxLayoutType: STACK").errors, [])
        XCTAssertEqual(try box(tiled("2", "1") + ", ImageBoxScrollDirection: VERTICAL, ImageBoxSmallScrollType: PAGE, ImageBoxLargeScrollType: \"\"").errors,
                       ["ImageBoxSmallScrollAmount"])
        XCTAssertEqual(try box(tiled("2", "1") + ", ImageBoxScrollDirection: VERTICAL, ImageBoxSmallScrollType: \"\", ImageBoxLargeScrollType: \"\"").errors, [])
    }

    /// More wordings decided since branch `cond`: "the value of Frame Increment
    /// Pointer (0028,0009) includes the Tag for Time Slot Vector (0054,0070)"
    /// (NM Multi-frame, C.8.4.8), "Image Type (0008,0008) Value 3 contains
    /// the value WHOLE BODY" (NM Image, C.8.4.9), "X is non-zero length" /
    /// "has a value" / "is not empty" (RT Beams' Material ID; Segmented
    /// Property Category Code Sequence), "the value for X is YES" (Visual
    /// Field Static Perimetry). Each wants the attribute when it holds, not
    /// otherwise.
    func testMoreWordingsAreDecided() throws {
        let nm = "1.2.840.10008.5.1.4.1.1.20"
        let missing = { (extra: String, rule: String, attribute: String) throws -> Bool in
            try self.run(try file("{SOPClassUID: \"\(nm)\", \(extra)}")).findings
                .contains { $0.ruleID == rule && $0.attribute == attribute }
        }
        XCTAssertTrue(try missing("NumberOfFrames: \"2\", FrameIncrementPointer: [\"00540070\", \"00540080\"]", "iod.nm-image.nm-multi-frame", "TimeSlotVector"))
        XCTAssertFalse(try missing("NumberOfFrames: \"2\", FrameIncrementPointer: [\"00540010\"]", "iod.nm-image.nm-multi-frame", "TimeSlotVector"))
        XCTAssertTrue(try missing("ImageType: [ORIGINAL, PRIMARY, WHOLE BODY, EMISSION]", "iod.nm-image.nm-image", "ScanVelocity"))
        XCTAssertFalse(try missing("ImageType: [ORIGINAL, PRIMARY, STATIC, EMISSION]", "iod.nm-image.nm-image", "ScanVelocity"))
        XCTAssertFalse(try missing("ImageType: [ORIGINAL, PRIMARY, WHOLE BODY, EMISSION], ScanVelocity: \"\"", "iod.nm-image.nm-image", "ScanVelocity"))
        let plan = "1.2.840.10008.5.1.4.1.1.481.5", beams = "iod.rt-plan.rt-beams"
        let block = { (material: String) throws -> [String] in
            try self.run(try file("{SOPClassUID: \"\(plan)\", BeamSequence: [{BeamNumber: \"1\", BlockSequence: [{\(material)}]}]}")).findings
                .filter { $0.ruleID == beams && ($0.attribute ?? "").hasSuffix(".BlockThickness") }.compactMap(\.attribute)
        }
        XCTAssertEqual(try block("MaterialID: LEAD"), ["BeamSequence[0].BlockSequence[0].BlockThickness"])
        XCTAssertEqual(try block("MaterialID: \"\""), [])
    }

    /// Wordings decided since branch `cond2`, each wanting the attribute when
    /// it holds and not otherwise, and left undecided in neither case: "X has
    /// values of V" (MR Image's Inversion Time: one of Scanning Sequence's
    /// values IR, C.8.3.1); "Value 3 is: A or B" (NM Image's Actual Frame
    /// Duration, C.8.4.9); "the third value of Image Type (0008,0008) is
    /// FLUENCE" (RT Image, C.8.8.2); "one Derivation Code Sequence (0008,9215)
    /// Item value is (113097, DCM, …)" (CT Image's Energy Weighting Factor,
    /// C.8.2.1); "… value is YES Note …" (a note run into the condition: VL
    /// Whole Slide Microscopy Image's Number of Focal Planes, C.8.12.4).
    func testCond2WordingsAreDecided() throws {
        let check = { (sop: String, rule: String, attribute: String, extra: String) throws -> (missing: Bool, undecided: [String]) in
            let f = try file("{SOPClassUID: \"\(sop)\", \(extra)}")
            return (try self.run(f).findings.contains { $0.ruleID == rule && $0.attribute == attribute },
                    try self.undecidedParts(rule, f).filter { $0.contains(attribute == "FluenceMapSequence" ? "FLUENCE" : attribute == "EnergyWeightingFactor" ? "113097"
                                                                                      : attribute == "NumberOfFocalPlanes" ? "Extended Depth" : attribute == "InversionTime" ? "values of IR" : "WHOLE BODY") })
        }
        let cases: [(String, String, String, String, String)] = [
            ("1.2.840.10008.5.1.4.1.1.4", "iod.mr-image.mr-image", "InversionTime", "ScanningSequence: [SE, IR]", "ScanningSequence: [SE, GR]"),
            ("1.2.840.10008.5.1.4.1.1.20", "iod.nm-image.nm-image", "ActualFrameDuration",
             "ImageType: [ORIGINAL, PRIMARY, STATIC, EMISSION]", "ImageType: [ORIGINAL, PRIMARY, DYNAMIC, EMISSION]"),
            ("1.2.840.10008.5.1.4.1.1.481.1", "iod.rt-image.rt-image", "FluenceMapSequence",
             "ImageType: [ORIGINAL, PRIMARY, FLUENCE]", "ImageType: [ORIGINAL, PRIMARY, PORTAL]"),
            ("1.2.840.10008.5.1.4.1.1.2", "iod.ct-image.ct-image", "EnergyWeightingFactor",
             "DerivationCodeSequence: [{CodeValue: \"113072\", CodingSchemeDesignator: DCM, CodeMeaning: x}, {CodeValue: \"113097\", CodingSchemeDesignator: DCM, CodeMeaning: y}]",
             "DerivationCodeSequence: [{CodeValue: \"113072\", CodingSchemeDesignator: DCM, CodeMeaning: x}]"),
            ("1.2.840.10008.5.1.4.1.1.77.1.6", "iod.vl-whole-slide-microscopy-image.whole-slide-microscopy-image", "NumberOfFocalPlanes",
             "ExtendedDepthOfField: \"YES\"", "ExtendedDepthOfField: \"NO\""),
        ]
        for (sop, rule, attribute, holds, not) in cases {
            let yes = try check(sop, rule, attribute, holds), no = try check(sop, rule, attribute, not)
            XCTAssertTrue(yes.missing, "\(attribute): \(holds)")
            XCTAssertFalse(no.missing, "\(attribute): \(not)")
            XCTAssertEqual(yes.undecided + no.undecided, [], attribute)
        }
    }

    /// "the Selector Sequence Pointer (0072,0052) value is the Data Element
    /// Tag of a Private Attribute" (Hanging Protocol's Image Set Selector,
    /// C.23.1): a pointer of VM 1-n, its Private Creator one per value —
    /// wanted when one of the values is a private tag, not otherwise.
    func testSelectorSequencePointerPrivateCreatorIsDecided() throws {
        let rule = "iod.hanging-protocol.hanging-protocol-definition"
        let selector = { (pointers: String) throws -> (missing: Bool, undecided: [String]) in
            let f = try file("{SOPClassUID: \"1.2.840.10008.5.1.4.38.1\", ImageSetsSequence: [{ImageSetSelectorSequence: [{ImageSetSelectorUsageFlag: MATCH, "
                             + "SelectorAttribute: [\"00080100\"], SelectorAttributeVR: SH, SelectorSequencePointer: [\(pointers)]}]}]}")
            return (try self.run(f).findings.contains { $0.ruleID == rule && ($0.attribute ?? "").hasSuffix(".SelectorSequencePointerPrivateCreator") },
                    try self.undecidedParts(rule, f).filter { $0.contains("Selector Sequence Pointer (0072,0052) value") })
        }
        XCTAssertTrue(try selector("\"00082218\", \"00091010\"").missing)
        XCTAssertFalse(try selector("\"00082218\", \"00082228\"").missing)
        XCTAssertEqual(try selector("\"00082218\", \"00091010\"").undecided + selector("\"00082218\"").undecided, [])
    }

    /// One defect, one finding (docs/iod-pack-design.md): an attribute that
    /// several modules of an IOD require at the top level is reported by one
    /// of them — the strictest, else the first (Bits Allocated: Image Pixel
    /// and CT Image, both Type 1; Manufacturer: Enhanced General Equipment
    /// Type 1 over General Equipment Type 2; Frame Increment Pointer:
    /// Multi-frame Type 1 over US Image's 1C) — and of mutually conditional
    /// 1C attributes ("Required if … is not present" both ways) the missing
    /// pair is one finding, named by the first; the other is still reported
    /// present and empty under its condition.
    func testOneDefectOneFinding() throws {
        let iodFindings = { (f: DicomFile, attribute: String) throws -> [String] in
            try self.run(f).findings.filter { $0.ruleID.hasPrefix("iod.") && $0.attribute == attribute }.map { "\($0.ruleID) \($0.severity)" }
        }
        var ct = try read("CT.dcm")
        ct.dataSet.elements.removeAll { $0.tag == Tag(0x0028, 0x0100) }     // Bits Allocated
        XCTAssertEqual(try iodFindings(ct, "BitsAllocated"), ["iod.ct-image.image-pixel error"])
        var mr = try read("EnhancedMR.dcm")
        mr.dataSet.elements.removeAll { $0.tag == Tag(0x0008, 0x0070) }     // Manufacturer
        XCTAssertEqual(try iodFindings(mr, "Manufacturer"), ["iod.enhanced-mr-image.enhanced-general-equipment error"])
        let usmf = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.3.1\", NumberOfFrames: \"2\""
        XCTAssertEqual(try iodFindings(try file("{\(usmf)}"), "FrameIncrementPointer"), ["iod.us-multi-frame-image.multi-frame error"])
        // a module's own value test stays (Modality: General Series Type 1 reports
        // it absent, DX Series' Enumerated Values a value not DX, PX, IO, MG)
        let dx = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.1.1\""
        XCTAssertEqual(try iodFindings(try file("{\(dx)}"), "Modality"), ["iod.digital-x-ray-image.general-series error"])
        XCTAssertEqual(try iodFindings(try file("{\(dx), Modality: CT}"), "Modality"), ["iod.digital-x-ray-image.dx-series error"])
        let ctSOP = "SOPClassUID: \"1.2.840.10008.5.1.4.1.1.2\""
        // De-identification Method / … Code Sequence (C.7.1.1), 1C each "if … is not present"
        let deid = { (extra: String) throws -> [String] in
            try self.run(try file("{\(ctSOP), PatientIdentityRemoved: \"YES\"\(extra)}")).findings
                .filter { $0.ruleID == "iod.ct-image.patient" && ($0.attribute ?? "").hasPrefix("Deidentification") }
                .map { "\($0.attribute ?? "") \($0.severity)" }
        }
        XCTAssertEqual(try deid(""), ["DeidentificationMethod error"])
        XCTAssertEqual(try deid(", DeidentificationMethod: \"\""), ["DeidentificationMethod error"])
        XCTAssertEqual(try deid(", DeidentificationMethodCodeSequence: []"), ["DeidentificationMethodCodeSequence error"])
        XCTAssertEqual(try deid(", DeidentificationMethod: \"Basic\""), [])
        XCTAssertEqual(try deid(", DeidentificationMethodCodeSequence: [{CodeValue: \"113100\", CodingSchemeDesignator: DCM, CodeMeaning: x}]"), [])
    }
}
