import XCTest
@testable import DcmRules
import DcmData
import DcmDictionary

/// `siemens.ascconv.KEY`, the ASCCONV-based `siemens.NAME`, `ge.NAME` and
/// `philips.NAME` (docs/vendor-headers.md): resolved on example files with
/// real headers, decoded, and *not evaluated* when they cannot be decoded.
final class VendorDerivedTests: XCTestCase {
    func expect(_ check: String, _ data: String, _ want: Outcome, line: UInt = #line) {
        do {
            let got = try outcome(check, on: data)
            XCTAssertEqual(got, want, "\(check) on \(data)", line: line)
        }
        catch { XCTFail("\(error)", line: line) }
    }

    func testASCCONVKeys() {
        let d = "{siemens.ascconv.sPat.lAccelFactPE: \"2\", 'siemens.ascconv.sRXSPEC.alDwellTime[*]': [\"3900\", \"4100\"], siemens.ascconv.tProtocolName: t1_mprage}"
        expect("{siemens.ascconv.sPat.lAccelFactPE: 2}", d, .pass)
        expect("{siemens.ascconv.sPat.lAccelFactPE: 3}", d, .fail)
        expect("{siemens.ParallelReductionFactorInPlane: {in: [2, 3]}}", d, .pass)
        expect("{'siemens.ascconv.sRXSPEC.alDwellTime[1]': {gt: 4000}}", d, .pass)
        expect("{'siemens.ascconv.sRXSPEC.alDwellTime[*]': {vm: 2}}", d, .pass)
        expect("{siemens.ascconv.tProtocolName: t1_mprage}", d, .pass)
        expect("{siemens.ascconv: ASCCONV}", d, .pass)
        expect("{siemens.ascconv.sPat.lAccelFact3D: present}", d, .fail)       // a key not in the block: missing
        expect("{siemens.ascconv.sPat.lAccelFact3D: absent}", d, .pass)
        expect("{siemens.ascconv.sPat.lAccelFactPE: absent}", "{Modality: MR}", .pass)   // no header at all
    }

    /// A value that cannot be decoded makes the rule not evaluated; the
    /// reason `check` and `rules coverage --file` give says so (kind undecodable).
    func testUndecodableReason() throws {
        let set = try pack("""
        pack: t.x
        version: 1
        rules:
          - id: t.rule
            check: {siemens.SliceAcquisitionOrder: ascending}
        """)
        let f = try file("{siemens.ascconv.sSliceArray.ucMode: \"0x8\"}")
        let ev = Evaluator()
        XCTAssertEqual(ev.outcome(of: set.rules[0], f), .notEvaluated)
        let d = ev.undecided(set.rules[0], f)
        XCTAssertEqual(d.map(\.kind), [.undecodable])
        XCTAssertEqual(d.first?.line, "siemens.SliceAcquisitionOrder: \"siemens.SliceAcquisitionOrder cannot be decoded from the file's private header\"")
        XCTAssertEqual(ev.undecided(set.rules[0], f, known: true), d)
    }

    func testDecodedNames() {
        expect("{siemens.PartialFourier: 0.75}", "{siemens.ascconv.sKSpace.ucPhasePartialFourier: \"0x4\"}", .pass)
        expect("{siemens.PartialFourier: {lt: 1}}", "{siemens.ascconv.sKSpace.ucPhasePartialFourier: \"16\"}", .fail)
        expect("{siemens.SliceAcquisitionOrder: interleaved}", "{siemens.ascconv.sSliceArray.ucMode: \"0x4\"}", .pass)
        expect("{siemens.SliceAcquisitionOrder: ascending}", "{siemens.SliceAcquisitionOrder: ascending}", .pass)   // examples write the code
        expect("{siemens.DwellTime: {equals: 3.9e-6, tolerance: 1e-9}}", "{'siemens.ascconv.sRXSPEC.alDwellTime[0]': \"3900\"}", .pass)
        // a code outside the known ones cannot be decoded: not evaluated, in either direction
        expect("{siemens.SliceAcquisitionOrder: ascending}", "{siemens.ascconv.sSliceArray.ucMode: \"0x8\"}", .notEvaluated)
        expect("{siemens.SliceAcquisitionOrder: absent}", "{siemens.ascconv.sSliceArray.ucMode: \"0x8\"}", .notEvaluated)
        expect("{siemens.PartialFourier: present}", "{siemens.ascconv.sKSpace.ucPhasePartialFourier: \"3\"}", .notEvaluated)
    }

    func testUndecodableIsNotEvaluated() {
        // a block without its END line, a malformed CSA series header
        expect("{siemens.ascconv: ASCCONV}", "{siemens.ascconv: malformed}", .fail)
        expect("{siemens.ParallelReductionFactorInPlane: 2}", "{siemens.ascconv: malformed, siemens.ascconv.sPat.lAccelFactPE: \"2\"}", .notEvaluated)
        expect("{siemens.ParallelReductionFactorInPlane: absent}", "{siemens.ascconv: malformed}", .notEvaluated)
        expect("{siemens.EPIFactor: 1}", "{csa.series: malformed}", .notEvaluated)
        expect("{not: {siemens.EPIFactor: 1}}", "{csa.series: malformed}", .notEvaluated)
    }

    func testGEAndPhilips() {
        expect("{ge.ParallelReductionFactorInPlane: 2}", "{ge.AssetRFactors: [\"2\", \"1\"]}", .pass)
        expect("{ge.AssetRFactors: {vm: 2}}", "{ge.AssetRFactors: [\"0.5\", \"1\"]}", .pass)
        expect("{ge.PulseSequenceName: {matches: \"^epi\"}}", "{ge.PulseSequenceName: epiRT}", .pass)
        expect("{ge.EffectiveEchoSpacing: {range: [300, 700]}}", "{ge.EffectiveEchoSpacing: \"512\"}", .pass)
        expect("{philips.ScaleSlope: {gt: 0}}", "{philips.ScaleSlope: \"0.0123\"}", .pass)
        expect("{philips.EPIFactor: 35}", "{philips.EPIFactor: \"35\"}", .pass)
        expect("{philips.WaterFatShift: {lt: 1}}", "{philips.WaterFatShift: \"2.5\"}", .fail)
        expect("{philips.WaterFatShift: present}", "{Modality: MR}", .fail)
    }

    func testCompileErrors() {
        func diag(_ name: String) -> [String] {
            diagnostics("pack: t.bad\nversion: 1\nrules:\n  - id: t.r\n    check: {'\(name)': present}\n")
        }
        XCTAssertTrue(diag("ge.PulseSequenceNam").joined().contains("ge.PulseSequenceName"), "\(diag("ge.PulseSequenceNam"))")
        XCTAssertTrue(diag("philips.Nope").joined().contains("unknown derived attribute"))
        XCTAssertTrue(diag("siemens.ascconv.sPat..x").joined().contains("bad ASCCONV key"))
        XCTAssertTrue(diag("siemens.ParallelReductionFactorInPlan").joined().contains("siemens.ParallelReductionFactorInPlane"))
        XCTAssertEqual(diag("siemens.ascconv.sSliceArray.asSlice[*].dThickness"), [])
    }

    /// A real protocol: the demo fixture's series header (its ASCCONV block has one key).
    func testDemoFixture() throws {
        let path = repoRoot + "/Fixtures/demo/DEMO001/MR_BRAIN_20240410/S001_LOCALIZER/IM0001.dcm"
        try XCTSkipIf(access(path, R_OK) != 0, "fixtures not generated")
        let f = try DicomReader.read(path: path)
        let set = try pack("pack: t\nversion: 1\nrules:\n  - id: t.r\n    check: {siemens.ascconv.sProtConsistencyInfo.tBaselineString: N4_VE11C, siemens.ascconv: ASCCONV}\n")
        XCTAssertEqual(Evaluator().outcome(of: set.rules[0], f), .pass)
    }

    /// Protocol audits store values as text: an undecodable one is stored as
    /// `undecodableValue`, and a parameter on it is not evaluated (neither
    /// compliant nor deviating), whatever the test.
    func testProtocolParameterOnUndecodableValue() throws {
        let bad = try file("{siemens.ascconv: malformed}")
        let good = try file("{siemens.ascconv.sPat.lAccelFactPE: \"2\"}")
        let ref = AttributeRef.derived(try DerivedAttribute.parse("siemens.ParallelReductionFactorInPlane")!.get())
        let ev = Evaluator()
        XCTAssertEqual(ev.parameterText(ref, bad), undecodableValue)
        XCTAssertEqual(ev.parameterText(ref, good), "2")
        XCTAssertNil(ev.parameterText(ref, try file("{Modality: MR}")))
        for t in [ValueTest.present, .absent] {
            XCTAssertEqual(ProtocolAudit.test(t, value: undecodableValue, vr: .IS, evaluator: ev), .unknown)
        }
        XCTAssertEqual(ProtocolAudit.test(.present, value: "2", vr: .IS, evaluator: ev), .yes)
    }
}
