import XCTest
@testable import DcmRules
import DcmData
import DcmDictionary

/// Rules on elements a file writes with the explicit VR UN (PS3.5 §6.2.2):
/// the reader types them with the dictionary's VR (`Element.Flags.explicitUN`),
/// so value tests (`format`, `vm: dictionary`, comparisons) see the values
/// as that VR — items of a UN sequence included — while the tests of the
/// VR written in the file (`vr`, `vr: dictionary`) still see UN.
final class UNValueRuleTests: XCTestCase {
    static let values: RuleSet? = {
        var l = PackLoader(libraries: [repoRoot + "/Rules"])
        l.buildExamples = false
        return try? l.load(files: [], ids: ["dicom.values"])
    }()

    /// An explicit VR little endian Part 10 file whose Referenced Image
    /// Sequence is a defined-length UN holding implicit VR LE items, and whose
    /// Pixel Spacing (VM 2) is UN holding one DS value.
    func unFile(sopInstance: String = "1.2.3.0123") throws -> DicomFile {
        var item = DataSet()
        item.set(keyword: "ReferencedSOPClassUID", "1.2.840.10008.5.1.4.1.1.2")
        item.set(keyword: "ReferencedSOPInstanceUID", sopInstance)
        var holder = DataSet()
        holder.setSequence(keyword: "ReferencedImageSequence", items: [item])
        var o = WriteOptions()
        o.undefinedLengthSequences = false
        o.undefinedLengthItems = false
        let encoded = try DicomWriter.writeRaw(holder, transferSyntax: .implicitVRLittleEndian, options: o)
        var ds = DataSet()
        ds.set(keyword: "SOPClassUID", "1.2.840.10008.5.1.4.1.1.7")
        ds.set(keyword: "SOPInstanceUID", "1.2.3.4")
        ds.setRaw(Tag(0x0008, 0x1140), .UN, Array(encoded.dropFirst(8)))   // the items, without (0008,1140)'s header
        ds.setRaw(Tag(0x0028, 0x0030), .UN, Array("0.5 ".utf8))
        let bytes = try DicomWriter.write(dataSet: ds, transferSyntax: .explicitVRLittleEndian)
        return try DicomReader.read(bytes: bytes)
    }

    func findings(_ set: RuleSet, _ f: DicomFile) -> [String] {
        Evaluator().run(set, on: f, path: "x.dcm", showPHI: false).findings
            .map { "\($0.ruleID) \($0.attribute ?? "")" }.sorted()
    }

    func testValueTestsSeeTheDictionaryVR() throws {
        let set = try XCTUnwrap(Self.values)
        let f = try unFile()
        XCTAssertEqual(f.dataSet[Tag(0x0008, 0x1140)]?.items?.count, 1)
        let got = findings(set, f).filter { $0.hasPrefix("values.format") || $0.hasPrefix("values.vm") }
        // 0123: a UID component with a leading zero (PS3.5 §9.1), inside the UN sequence
        XCTAssertEqual(got, ["values.format ReferencedImageSequence[0].ReferencedSOPInstanceUID",
                             "values.vm PixelSpacing"])
        XCTAssertEqual(findings(set, try unFile(sopInstance: "1.2.3.123")).filter { $0.hasPrefix("values.format") }, [])
    }

    func testVRTestsSeeUN() throws {
        let set = try pack("""
        pack: t.un
        version: 1
        rules:
          - id: t.vr-un
            check: {PixelSpacing: {vr: [UN]}}
          - id: t.vr-dictionary
            check: {PixelSpacing: {vr: dictionary}}
          - id: t.value
            check: {PixelSpacing: {equals: 0.5}}
          - id: t.seq-vr
            check: {ReferencedImageSequence: {vr: [UN]}}
        """)
        let f = try unFile()
        XCTAssertEqual(Evaluator().run(set, on: f, path: nil, showPHI: false).outcomes, [.pass, .fail, .pass, .pass])
    }

    /// The shape memo's structure key holds the reader's flags: a file whose
    /// Pixel Spacing is written as UN is not the shape of one written as DS
    /// (else the `vr` rule's verdict of the first would be replayed).
    func testShapeMemoKeysTheFlag() throws {
        let set = try pack("""
        pack: t.un
        version: 1
        rules:
          - id: t.vr-un
            check: {PixelSpacing: {vr: [UN]}}
        """)
        let un = try unFile()
        var ds = un.dataSet
        ds.set(Tag(0x0028, 0x0030), .DS, "0.5")
        var plainDS = un
        plainDS.dataSet = ds
        XCTAssertEqual(plainDS.dataSet[Tag(0x0028, 0x0030)]?.flags.contains(.explicitUN), false)
        let memo = Evaluator()
        memo.usesShapeMemo = true
        let plain = Evaluator()
        plain.usesShapeMemo = false
        for f in [plainDS, un, plainDS, un] {
            XCTAssertEqual(memo.run(set, on: f, path: nil, showPHI: false).outcomes,
                           plain.run(set, on: f, path: nil, showPHI: false).outcomes)
        }
        XCTAssertEqual(memo.run(set, on: un, path: nil, showPHI: false).outcomes, [.pass])
    }
}

/// Group Length (gggg,0000) of a private group: the standard defines it in
/// every group (PS3.5-2007 §7.2) and has retired it (PS3.5 §7.2), so the
/// generic element walk visits it and `values.retired` reports it (as
/// dciodvfy does); no other private element is reported as retired, and it
/// counts as in the dictionary (`vendor.private`).
final class PrivateGroupLengthTests: XCTestCase {
    func testPrivateGroupLengthIsRetiredAndNothingElsePrivate() throws {
        var l = PackLoader(libraries: [repoRoot + "/Rules"])
        l.buildExamples = false
        let set = try l.load(files: [], ids: ["dicom.values", "vendor.private"])
        let f = try file("{Modality: CT, '(0019,0000)': 24, '(0019,\"GEMS_ACQU_01\",2F)': \"1\", '(0009,\"ACME\",01)': \"2\"}")
        let got = Evaluator().run(set, on: f, path: nil, showPHI: false).findings
            .filter { $0.attribute?.hasPrefix("(00") ?? false }.map { "\($0.ruleID) \($0.attribute ?? "")" }
        XCTAssertEqual(got, ["values.retired (0019,0000)"])
        let plain = try file("{Modality: CT, '(0019,\"GEMS_ACQU_01\",2F)': \"1\"}")
        XCTAssertEqual(Evaluator().run(set, on: plain, path: nil, showPHI: false).findings.filter { $0.ruleID == "values.retired" }.count, 0)
    }
}

/// `values.format` on private elements (`each_element: {include: private}`):
/// an explicit VR is a claim the value must satisfy; in an implicit VR file a
/// private element is tested against its vendor dictionary's VR, and one of
/// unknown VR (UN) is not tested. With the shape memo, a private element's
/// value is instance-varying: tested on every file of a shape.
final class PrivateFormatTests: XCTestCase {
    static let values: RuleSet? = {
        var l = PackLoader(libraries: [repoRoot + "/Rules"])
        l.buildExamples = false
        return try? l.load(files: [], ids: ["dicom.values"])
    }()

    /// A file with GEMS_ACQU_01 (0019,xx2F) (DS in the private dictionary)
    /// and an unknown ACME element, both holding `value`, written in `ts`
    /// (explicit: (0019,xx2F) as DS, the ACME one as LO).
    func privateFile(_ value: String, _ ts: TransferSyntax) throws -> DicomFile {
        var ds = DataSet()
        ds.set(keyword: "SOPClassUID", "1.2.840.10008.5.1.4.1.1.7")
        ds.set(keyword: "SOPInstanceUID", "1.2.3.4")
        ds.set(ds.privateTag(group: 0x0019, creator: "GEMS_ACQU_01", elementByte: 0x2F), .DS, value)
        ds.set(ds.privateTag(group: 0x0011, creator: "ACME", elementByte: 0x01), .LO, value)
        return try DicomReader.read(bytes: try DicomWriter.write(dataSet: ds, transferSyntax: ts))
    }

    func formatFindings(_ f: DicomFile, _ ev: Evaluator = Evaluator()) throws -> [String] {
        let set = try XCTUnwrap(Self.values)
        return ev.run(set, on: f, path: nil, showPHI: false).findings.filter { $0.ruleID == "values.format" }.map { $0.attribute ?? "" }
    }

    func testExplicitAndDictionaryVRsAreTestedUnknownOnesNot() throws {
        // "1,5": not a DS; a valid LO
        XCTAssertEqual(try formatFindings(try privateFile("1,5", .explicitVRLittleEndian)), ["(0019,\"GEMS_ACQU_01\",2F)"])
        // implicit VR: GEMS_ACQU_01 typed DS from the private dictionary; ACME's is UN, not tested
        let implicit = try privateFile("1,5", .implicitVRLittleEndian)
        XCTAssertEqual(implicit.dataSet.privateElement(group: 0x0011, creator: "ACME", elementByte: 0x01)?.vr, .UN)
        XCTAssertEqual(try formatFindings(implicit), ["(0019,\"GEMS_ACQU_01\",2F)"])
        // explicit LO with a backslash-free control character: the claim LO is tested
        XCTAssertEqual(try formatFindings(try privateFile("1.5\u{7}", .explicitVRLittleEndian)).sorted(),
                       ["(0011,\"ACME\",01)", "(0019,\"GEMS_ACQU_01\",2F)"])
        XCTAssertEqual(try formatFindings(try privateFile("1.5", .explicitVRLittleEndian)), [])
    }

    func testIncludeDiagnostics() {
        func diag(_ check: String) -> [String] {
            diagnostics("pack: t.x\nversion: 1\nrules:\n  - id: t.a\n    check: \(check)\n")
        }
        XCTAssertEqual(diag("{each_element: {include: private, format: true}}"), [])
        XCTAssertTrue(diag("{each_element: {include: all, format: true}}").first?.contains("'include' takes 'private'") ?? false)
        XCTAssertTrue(diag("{each_element: {include: private, only: [Modality], format: true}}").first?.contains("'include' goes with neither 'only' nor 'except'") ?? false)
    }

    func testShapeMemoTestsPrivateValuesOnEveryFile() throws {
        let memo = Evaluator()
        memo.usesShapeMemo = true
        for v in ["1.5", "1,5", "2.5", "x", "3"] {
            let f = try privateFile(v, .explicitVRLittleEndian)
            let plain = Evaluator()
            plain.usesShapeMemo = false
            XCTAssertEqual(try formatFindings(f, memo), try formatFindings(f, plain), v)
        }
        XCTAssertGreaterThan(try XCTUnwrap(memo.shapeMemo).hits + XCTUnwrap(memo.shapeMemo).partial, 0, "the files share a shape")
    }
}

/// A GE/Philips value (`VendorElement`) written as UN and typed by the reader
/// from the private dictionary is decoded from its bytes as the block's
/// documented VR, as a UN value is.
final class VendorUNTests: XCTestCase {
    func testVendorElementWrittenAsUN() throws {
        var ds = DataSet()
        ds.set(keyword: "SOPClassUID", "1.2.840.10008.5.1.4.1.1.4")
        ds.set(keyword: "SOPInstanceUID", "1.2.3.4")
        let t = ds.privateTag(group: 0x0043, creator: "GEMS_PARM_01", elementByte: 0x2C)
        ds.setRaw(t, .UN, [7, 0])
        let f = try DicomReader.read(bytes: try DicomWriter.write(dataSet: ds, transferSyntax: .explicitVRLittleEndian))
        XCTAssertEqual(f.dataSet[t]?.vr, .SS, "typed from GEMS_PARM_01's dictionary")
        for vr in [VR.SS, .US] {
            guard case let .one(.values(v, _)) = VendorElement(group: 0x0043, creator: "GEMS_PARM_01", elementByte: 0x2C, vr: vr).resolve(in: f, index: nil) else {
                return XCTFail("\(vr): not decoded")
            }
            XCTAssertEqual(v, ["7"])
        }
    }
}
