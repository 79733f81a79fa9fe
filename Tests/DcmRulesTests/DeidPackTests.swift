import XCTest
@testable import DcmRules
import DcmData
import DcmDictionary

/// The private-data rules of the generated `dicom.deid-basic` pack (PS3.15
/// E.1.1: private attributes are removed unless the Retain Safe Private
/// Option is declared): one finding per private block, named by its Private
/// Creator (PS3.5 7.8.1), at any depth; private data elements without their
/// creator as a rule of their own; the creator's name shown, the private
/// data values still redacted.
final class DeidPackTests: XCTestCase {
    static let set: RuleSet? = {
        var l = PackLoader(libraries: [repoRoot + "/Rules"])
        l.buildExamples = false
        return try? l.load(files: [], ids: ["dicom.deid-basic"])
    }()

    /// A file with two private blocks of 3 and 2 elements at the top level,
    /// one block of 1 element in a sequence item, and (with `orphan`) a
    /// private data element whose block has no creator; written and read
    /// back, so the reader's own anomaly is what the rule sees.
    func privateFile(orphan: Bool, method: String? = nil) throws -> DicomFile {
        var ds = DataSet()
        ds.set(keyword: "SOPClassUID", "1.2.840.10008.5.1.4.1.1.2")
        ds.set(keyword: "SOPInstanceUID", "1.2.826.0.1.3680043.10.1561.9.1")
        ds.set(keyword: "Modality", "CT")
        ds.set(Tag(0x0019, 0x0010), .LO, "ACME BLOCK ONE")
        for e in [0x1010, 0x1011, 0x1012] as [UInt16] { ds.set(Tag(0x0019, e), .LO, "SECRETVALUE\(e)") }
        ds.set(Tag(0x0029, 0x0011), .LO, "ACME BLOCK TWO")
        for e in [0x1110, 0x1120] as [UInt16] { ds.set(Tag(0x0029, e), .LO, "SECRETVALUE\(e)") }
        if orphan { ds.set(Tag(0x0031, 0x1001), .LO, "SECRETORPHAN") }
        var item = DataSet()
        item.set(keyword: "CodeValue", "T-D1100")
        item.set(Tag(0x0041, 0x0010), .LO, "ACME NESTED")
        item.set(Tag(0x0041, 0x1001), .LO, "SECRETNESTED")
        ds.setSequence(keyword: "AnatomicRegionSequence", items: [item])
        if let method {
            var m = DataSet()
            m.set(keyword: "CodeValue", method)
            ds.setSequence(keyword: "DeidentificationMethodCodeSequence", items: [m])
        }
        return try DicomReader.read(bytes: try DicomWriter.write(dataSet: ds))
    }

    func findings(_ f: DicomFile, showPHI: Bool = false) throws -> [Finding] {
        let set = try XCTUnwrap(Self.set, "Rules/dicom.deid-basic.yaml loads")
        return Evaluator().run(set, on: f, path: "x.dcm", showPHI: showPHI).findings
            .filter { $0.ruleID.hasPrefix("deid.private") }
    }

    func testOneFindingPerPrivateBlockAtAnyDepth() throws {
        let fs = try findings(try privateFile(orphan: false))
        XCTAssertEqual(fs.map(\.ruleID), ["deid.private", "deid.private", "deid.private"])
        XCTAssertEqual(Set(fs.map(\.message)), [
            "private block (0019,0010) \"ACME BLOCK ONE\" is present",
            "private block (0029,0011) \"ACME BLOCK TWO\" is present",
            "private block AnatomicRegionSequence[0].(0041,0010) \"ACME NESTED\" is present",
        ])
        // the creators' names are shown; the private data values never appear
        for f in fs {
            let text = [f.message, f.because ?? "", f.observed ?? ""].joined(separator: " ")
            XCTAssertFalse(text.contains("SECRET"), text)
        }
    }

    func testPrivateElementWithoutCreator() throws {
        let fs = try findings(try privateFile(orphan: true))
        let orphans = fs.filter { $0.ruleID == "deid.private-without-creator" }
        XCTAssertEqual(orphans.count, 1, "\(fs.map(\.message))")
        XCTAssertEqual(orphans.first?.attribute, "(0031,1001)")
        XCTAssertFalse(orphans.contains { ($0.message + ($0.because ?? "")).contains("SECRETORPHAN") })
        XCTAssertEqual(fs.filter { $0.ruleID == "deid.private" }.count, 3)
    }

    /// With the Retain Safe Private Option (113111) declared neither rule
    /// applies; another option (113100, the Basic Profile itself) keeps both.
    func testRetainSafePrivateOption() throws {
        XCTAssertEqual(try findings(try privateFile(orphan: true, method: "113111")).count, 0)
        XCTAssertEqual(try findings(try privateFile(orphan: true, method: "113100")).count, 4)
    }

    /// A finding says which option would have kept the attribute (the
    /// option conditions' `text:`), not the two tests on De-identification
    /// Method Code Sequence that decide it.
    func testBecauseNamesTheMissingOption() throws {
        let fs = try findings(try privateFile(orphan: false))
        XCTAssertTrue(fs.contains { $0.because == "no Retain Safe Private Option (113111) in DeidentificationMethodCodeSequence and (0019,0010) is present" },
                      "\(fs.map { $0.because ?? "" })")
    }

    /// The Private Creator's value is not patient data (PS3.5 7.8.1: it names
    /// the implementer); every private data element's value still is.
    func testRedactionSparesOnlyPrivateCreators() {
        XCTAssertFalse(Redaction.isPatientIdentifying(Tag(0x0019, 0x0010)))
        XCTAssertFalse(Redaction.isPatientIdentifying(Tag(0x0029, 0x00FF)))
        XCTAssertTrue(Redaction.isPatientIdentifying(Tag(0x0019, 0x1010)))
        XCTAssertTrue(Redaction.isPatientIdentifying(Tag(0x0029, 0x0100)))
        XCTAssertTrue(Redaction.isPatientIdentifying(Tag(0x0010, 0x0010)))
        XCTAssertFalse(Redaction.isPatientIdentifying(Tag(0x0008, 0x0060)))
    }

    /// deid.method (PS3.15 E.1.1: a De-identification Method or its Code
    /// Sequence is added): one finding when neither has a value — before,
    /// the rule's `any` of two parts gave one finding per failing part, two
    /// errors for one missing method on every file a tool left without it
    /// (Scripts/deid_differential.py: 478 findings on deid's 275 outputs).
    func testMissingMethodIsOneFinding() throws {
        let set = try XCTUnwrap(Self.set, "Rules/dicom.deid-basic.yaml loads")
        func methodFindings(method: String?, codes: [String]?) throws -> [Finding] {
            var ds = DataSet()
            ds.set(keyword: "SOPClassUID", "1.2.840.10008.5.1.4.1.1.2")
            ds.set(keyword: "Modality", "CT")
            ds.set(keyword: "PatientIdentityRemoved", "YES")
            if let method { ds.set(keyword: "DeidentificationMethod", method) }
            if let codes {
                ds.setSequence(keyword: "DeidentificationMethodCodeSequence", items: codes.map { c in
                    var m = DataSet()
                    m.set(keyword: "CodeValue", c)
                    return m
                })
            }
            let f = try DicomReader.read(bytes: try DicomWriter.write(dataSet: ds))
            return Evaluator().run(set, on: f, path: "x.dcm", showPHI: false).findings.filter { $0.ruleID == "deid.method" }
        }
        for (method, codes) in [(nil, nil), ("", nil), (nil, []), ("", [])] as [(String?, [String]?)] {
            let fs = try methodFindings(method: method, codes: codes)
            XCTAssertEqual(fs.count, 1, "method \(String(describing: method)), codes \(String(describing: codes)): \(fs.map(\.message))")
            XCTAssertEqual(fs.first?.message, "neither DeidentificationMethod nor DeidentificationMethodCodeSequence has a value")
        }
        XCTAssertEqual(try methodFindings(method: "DICOGNITO", codes: nil).count, 0)
        XCTAssertEqual(try methodFindings(method: nil, codes: ["113100"]).count, 0)
        XCTAssertEqual(try methodFindings(method: "", codes: ["113100"]).count, 0)
    }

    /// Rows of Table E.1-1 the 2020-04 tables lacked (dicom-anonymizer's
    /// 2026c lists, Scripts/gen_packs.py): Station AE Title (X) and
    /// Contrast/Bolus Start Time and Radiopharmaceutical Start Time (X, in
    /// items) removed, Instance Creation Date (X/D) a value to review —
    /// checked when the file declares no
    /// option, not when it declares one (their option columns are in no
    /// source here: no finding an option may allow). Source Serial Number,
    /// X in 2020-04, is X/Z now: empty is allowed, a value is not.
    /// `ds` with a De-identification Method Code Sequence of 113100 and the
    /// `options` (CID 7050 codes), written and read back: its `deid.*`
    /// findings' rule ids by attribute path.
    static func deidFindings(_ set: RuleSet, _ ds: DataSet, options: [String]) throws -> [String: String] {
        var ds = ds
        ds.setSequence(keyword: "DeidentificationMethodCodeSequence", items: (["113100"] + options).map { c in
            var m = DataSet()
            m.set(keyword: "CodeValue", c)
            return m
        })
        let f = try DicomReader.read(bytes: try DicomWriter.write(dataSet: ds))
        var out: [String: String] = [:]
        for x in Evaluator().run(set, on: f, path: "x.dcm", showPHI: false).findings where x.ruleID.hasPrefix("deid.") {
            out[x.attribute ?? "?", default: ""] += x.ruleID
        }
        return out
    }

    func testRowsAddedSince2020() throws {
        let set = try XCTUnwrap(Self.set, "Rules/dicom.deid-basic.yaml loads")
        func deidFindings(options: [String]) throws -> [String: String] {
            var ds = DataSet()
            ds.set(keyword: "SOPClassUID", "1.2.840.10008.5.1.4.1.1.128")
            ds.set(keyword: "Modality", "PT")
            ds.set(keyword: "PatientIdentityRemoved", "YES")
            ds.set(keyword: "StationAETitle", "PETCT_ROOM2")
            ds.set(keyword: "InstanceCreationDate", "20240602")
            var contrast = DataSet()
            contrast.set(keyword: "ContrastBolusStartTime", "101500")
            ds.setSequence(keyword: "ContrastBolusAgentSequence", items: [contrast])
            var radio = DataSet()
            radio.set(keyword: "RadiopharmaceuticalStartTime", "093000")
            ds.setSequence(keyword: "RadiopharmaceuticalInformationSequence", items: [radio])
            ds.set(keyword: "SourceSerialNumber", "")
            ds.set(keyword: "TreatmentMachineName", "LINAC 3")
            return try Self.deidFindings(set, ds, options: options)
        }
        let none = try deidFindings(options: [])
        XCTAssertEqual(none["StationAETitle"], "deid.remove.since-2020", "\(none)")
        XCTAssertEqual(none["ContrastBolusAgentSequence[0].ContrastBolusStartTime"], "deid.remove.since-2020", "\(none)")
        XCTAssertEqual(none["RadiopharmaceuticalInformationSequence[0].RadiopharmaceuticalStartTime"], "deid.remove.since-2020", "\(none)")
        XCTAssertEqual(none["InstanceCreationDate"], "deid.dummy.since-2020", "\(none)")
        XCTAssertNil(none["SourceSerialNumber"], "X/Z since 2020-04: empty is allowed")
        XCTAssertEqual(none["TreatmentMachineName"], "deid.empty.retain-device-identity", "X/Z: a value is not")
        // any option declared: the added rows are not checked; the others are, as the 2020-04 columns say
        let dates = try deidFindings(options: ["113106"])
        XCTAssertNil(dates["StationAETitle"]); XCTAssertNil(dates["ContrastBolusAgentSequence[0].ContrastBolusStartTime"])
        XCTAssertNil(dates["InstanceCreationDate"])
        XCTAssertEqual(dates["TreatmentMachineName"], "deid.empty.retain-device-identity", "\(dates)")
        let device = try deidFindings(options: ["113109"])
        XCTAssertNil(device["TreatmentMachineName"], "Retain Device Identity keeps it (2020-04 columns)")
    }

    /// The rows of repeating groups (Overlay Data (60xx,3000), Overlay
    /// Comments (60xx,4000), Curve Data (50xx,xxxx): X, C under Clean
    /// Graphics) in any of the 16 even groups, and the 2026c rows pydicom's
    /// dictionary lacks (Name to Use (0010,0012), checked by tag): both were
    /// left unchecked before.
    func testRepeatingGroupsAndRowsNewerThanTheDictionary() throws {
        let set = try XCTUnwrap(Self.set, "Rules/dicom.deid-basic.yaml loads")
        func deidFindings(options: [String]) throws -> [String: String] {
            var ds = DataSet()
            ds.set(keyword: "SOPClassUID", "1.2.840.10008.5.1.4.1.1.4")
            ds.set(keyword: "Modality", "MR")
            ds.set(keyword: "PatientIdentityRemoved", "YES")
            ds.set(Tag(0x6002, 0x3000), .OW, [0, 0])
            ds.set(Tag(0x601E, 0x4000), .LT, "ANNOTATED BY DR SMITH")
            ds.set(Tag(0x5004, 0x3000), .OW, [1, 2])
            ds.set(Tag(0x0010, 0x0012), .LO, "JO")
            return try Self.deidFindings(set, ds, options: options)
        }
        let none = try deidFindings(options: [])
        XCTAssertEqual(none["OverlayData"], "deid.remove.clean-graphics", "\(none)")
        XCTAssertEqual(none["OverlayComments"], "deid.remove.clean-graphics", "\(none)")
        XCTAssertEqual(none["CurveData"], "deid.remove.clean-graphics", "\(none)")
        XCTAssertEqual(none["(0010,0012)"], "deid.remove.since-2020", "\(none)")
        // Clean Graphics declared: the graphics may stay, cleaned; a row
        // added since 2020-04 is exempt under any option (no option columns)
        let graphics = try deidFindings(options: ["113103"])
        XCTAssertNil(graphics["OverlayData"], "\(graphics)"); XCTAssertNil(graphics["CurveData"], "\(graphics)")
        XCTAssertNil(graphics["(0010,0012)"], "\(graphics)")
    }

    /// The pack's findings (`redact_values: true`) show no value unless
    /// `--show-phi`, whatever the attribute: a patient's age, sex, study date
    /// and descriptions were printed as read ("because … PatientSex M is not
    /// empty", `observed: "029Y"`). Two files of one shape through one
    /// evaluator: the second's findings come from the shape memo's replay.
    func testValuesAreRedactedUnlessShowPHI() throws {
        let set = try XCTUnwrap(Self.set, "Rules/dicom.deid-basic.yaml loads")
        func file(_ age: String, _ text: String) throws -> DicomFile {
            var ds = DataSet()
            ds.set(keyword: "SOPClassUID", "1.2.840.10008.5.1.4.1.1.2")
            ds.set(keyword: "Modality", "CT")
            ds.set(keyword: "PatientAge", age)
            ds.set(keyword: "PatientSex", "F")
            ds.set(keyword: "StudyDate", "20240305")
            ds.set(keyword: "SeriesDescription", text)
            ds.set(keyword: "ImageComments", text + " CALLED 555-0100")
            return try DicomReader.read(bytes: try DicomWriter.write(dataSet: ds))
        }
        let files = [try file("042Y", "SMITH FOLLOW-UP"), try file("043Y", "JONES FOLLOW-UP")]
        let ev = Evaluator()
        for (k, f) in files.enumerated() {
            let fs = ev.run(set, on: f, path: "x\(k).dcm", showPHI: false).findings.filter { $0.ruleID.hasPrefix("deid.") }
            let attributes = Set(fs.compactMap(\.attribute))
            XCTAssertTrue(attributes.isSuperset(of: ["PatientAge", "PatientSex", "StudyDate", "SeriesDescription", "ImageComments"]), "\(attributes)")
            for x in fs {
                let text = [x.message, x.because ?? "", x.observed ?? ""].joined(separator: " | ")
                for secret in ["042Y", "043Y", "SMITH", "JONES", "555-0100", "20240305"] {
                    XCTAssertFalse(text.contains(secret), "file \(k), \(x.ruleID): \(text)")
                }
                if let o = x.observed { XCTAssertTrue(o.hasPrefix("<redacted:"), "file \(k), \(x.ruleID): \(o)") }
            }
        }
        let shown = Evaluator().run(set, on: files[1], path: "x.dcm", showPHI: true).findings
        XCTAssertEqual(shown.first { $0.attribute == "PatientAge" }?.observed, "043Y")
        XCTAssertEqual(shown.first { $0.attribute == "PatientSex" }?.because?.hasSuffix("PatientSex F is not empty"), true)
    }

    /// `redact_values` takes true or false, on instance rules.
    func testRedactValuesKey() {
        let bad = diagnostics("""
        pack: t.x
        version: 1
        rules:
          - id: t.a
            redact_values: sometimes
            check: {PatientAge: absent}
          - id: t.b
            level: series
            redact_values: true
            check: {consistent: [PatientAge]}
        """)
        XCTAssertTrue(bad.contains { $0.contains("'redact_values' takes true or false, not 'sometimes'") }, "\(bad)")
        XCTAssertTrue(bad.contains { $0.contains("rule 't.b': 'redact_values' applies to instance rules") }, "\(bad)")
        XCTAssertEqual(diagnostics("""
        pack: t.x
        version: 1
        rules:
          - id: t.a
            redact_values: true
            check: {PatientAge: absent}
        """), [])
    }
}
