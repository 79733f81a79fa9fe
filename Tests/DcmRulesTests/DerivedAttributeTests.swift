import XCTest
@testable import DcmRules
import DcmData
import DcmDictionary

/// Derived attributes: `csa.image.NAME`, `csa.series.NAME`, `siemens.NAME`
/// (docs/siemens-csa.md) — compiled, resolved on real and example files,
/// typed, and reported.
final class DerivedAttributeTests: XCTestCase {
    func expect(_ check: String, _ data: String, _ want: Outcome, when: String? = nil, line: UInt = #line) {
        do {
            let got = try outcome(check, when: when, on: data)
            XCTAssertEqual(got, want, "\(check) on \(data)", line: line)
        } catch { XCTFail("\(error)", line: line) }
    }

    func testExampleFilesCarryARealCSAHeader() throws {
        let f = try file("{csa.image.BandwidthPerPixelPhaseEncode: \"20.833\", csa.series.UsedPatientWeight: \"72\"}")
        let image = try XCTUnwrap(f.dataSet.siemensCSA(elementByte: 0x10)).get()
        XCTAssertEqual(image["BandwidthPerPixelPhaseEncode"]?.values, ["20.833"])
        let series = try XCTUnwrap(f.dataSet.siemensCSA(elementByte: 0x20)).get()
        XCTAssertEqual(series["UsedPatientWeight"]?.number, 72)
        let bad = try file("{csa.image: malformed}")
        guard case .failure = try XCTUnwrap(bad.dataSet.siemensCSA(elementByte: 0x10)) else { return XCTFail("should be malformed") }
    }

    func testHeaderStatus() {
        expect("{csa.image: {in: [CSA1, CSA2]}}", "{csa.image.ImaCoilString: HEA}", .pass)
        expect("{csa.image: CSA2}", "{csa.image: CSA2}", .pass)
        expect("{csa.image: {in: [CSA1, CSA2]}}", "{csa.image: malformed}", .fail)
        expect("{csa.image: {in: [CSA1, CSA2]}}", "{Modality: MR}", .fail)
        expect("{csa.image: absent}", "{Modality: MR}", .pass)
        expect("{csa.series: present}", "{csa.image.ImaCoilString: HEA}", .fail)
        expect("{csa.image.ImaCoilString: present}", "{csa.image: malformed}", .fail)
    }

    func testTypedValues() {
        // FD: numbers, whatever their text
        expect("{siemens.BandwidthPerPixelPhaseEncode: {equals: 20.833}}", "{siemens.BandwidthPerPixelPhaseEncode: \"20.83300000\"}", .pass)
        expect("{siemens.BandwidthPerPixelPhaseEncode: {range: [10, 30]}}", "{siemens.BandwidthPerPixelPhaseEncode: \"20.833\"}", .pass)
        expect("{siemens.BandwidthPerPixelPhaseEncode: {range: [10, 30]}}", "{siemens.BandwidthPerPixelPhaseEncode: \"40\"}", .fail)
        expect("{siemens.BandwidthPerPixelPhaseEncode: {range: [10, 30]}}", "{Modality: MR}", .fail)
        expect("{csa.image.NumberOfImagesInMosaic: {in: [36, 48]}}", "{csa.image.NumberOfImagesInMosaic: \"48\"}", .pass)
        expect("{siemens.PhaseEncodingDirectionPositive: 1}", "{siemens.PhaseEncodingDirectionPositive: \"1\"}", .pass)
        expect("{siemens.PhaseEncodingDirectionPositive: 1}", "{siemens.PhaseEncodingDirectionPositive: \"0\"}", .fail)
        // a value that is not a number: not evaluated
        expect("{siemens.BandwidthPerPixelPhaseEncode: {gt: 1}}", "{siemens.BandwidthPerPixelPhaseEncode: \"n/a\"}", .notEvaluated)
        // text
        expect("{siemens.ImaCoilString: {matches: \"^HEA\"}}", "{siemens.ImaCoilString: \"HEA;HEP\"}", .pass)
        // a name without a known VR: text, numbers for ordered operators
        expect("{csa.image.SomethingNew: abc}", "{csa.image.SomethingNew: abc}", .pass)
        expect("{csa.image.SomethingNew: {gt: 2}}", "{csa.image.SomethingNew: \"3\"}", .pass)
    }

    func testValuesAndIndices() {
        let times = "{siemens.SliceTiming: [\"0\", \"557.5\", \"1115\", \"1672.5\"]}"
        expect("{siemens.SliceTiming: {vm: 4}}", times, .pass)
        expect("{csa.image.MosaicRefAcqTimes: {vm: 4}}", times, .pass)
        expect("{siemens.SliceTiming: {each: {lt: 2000}}}", times, .pass)
        expect("{siemens.SliceTiming: {lt: 1000}}", times, .fail)
        expect("{'siemens.SliceTiming[1]': 557.5}", times, .pass)
        expect("{'csa.image.MosaicRefAcqTimes[3]': {gt: 1600}}", times, .pass)
        expect("{'csa.image.MosaicRefAcqTimes[*]': {ge: 0}}", times, .pass)
        expect("{'siemens.SliceTiming[4]': present}", times, .fail)
        expect("{siemens.SliceTiming: {equals: [0, 557.5, 1115, 1672.5]}}", times, .pass)
    }

    func testCompileErrors() {
        func diag(_ check: String) -> [String] {
            diagnostics("pack: t.bad\nversion: 1\nrules:\n  - id: t.r\n    check: {\(check): present}\n")
        }
        XCTAssertEqual(diag("siemens.Bandwidth"), ["bad.yaml:5:13: error: unknown derived attribute 'siemens.Bandwidth' (did you mean 'siemens.BandwidthPerPixelPhaseEncode'?)"])
        XCTAssertEqual(diag("csa.imag.X"), ["bad.yaml:5:13: error: unknown derived attribute 'csa.imag.X': use csa.image.NAME or csa.series.NAME (did you mean 'csa.image'?)"])
        XCTAssertEqual(diag("'csa.image.X[x]'"), ["bad.yaml:5:14: error: bad index '[x]': want a number or *"])
        XCTAssertEqual(diag("'csa.image[0]'"), ["bad.yaml:5:14: error: csa.image has no values to index"])
        XCTAssertEqual(diag("csa.image.A.B"), ["bad.yaml:5:13: error: bad CSA tag name in 'csa.image.A.B': want csa.image.NAME (letters, digits, _)"])
    }

    func testFindingExplainsTheValue() throws {
        let set = try pack("""
        pack: t.f
        version: 1
        rules:
          - id: t.bw
            check: {siemens.BandwidthPerPixelPhaseEncode: {range: [10, 30]}}
            examples:
              fail: [{siemens.BandwidthPerPixelPhaseEncode: "45.5"}]
        """)
        let rule = set.rules[0]
        let f = rule.examples[0].file
        guard case .instance(let p) = rule.check else { return XCTFail() }
        let reasons = Evaluator().explain(p, f, showPHI: false).map(\.reason)
        XCTAssertEqual(reasons, ["siemens.BandwidthPerPixelPhaseEncode 45.5 > 30"])
    }

    /// The demo MR files: parsed once per file, values as the fixtures hold them.
    func testDemoFilesAndCache() throws {
        let path = repoRoot + "/Fixtures/demo/DEMO001/MR_BRAIN_20240410/S002_T1_MPRAGE/IM0001.dcm"
        try XCTSkipIf(access(path, R_OK) != 0, "fixtures not generated")
        let f = try DicomReader.read(path: path)
        let set = try pack("""
        pack: t.demo
        version: 1
        rules:
          - id: t.bw
            check: {siemens.BandwidthPerPixelPhaseEncode: {range: [20, 21]}, csa.image: CSA2, csa.series: CSA2}
          - id: t.coil
            check: {siemens.ImaCoilString: "HEA;HEP", 'csa.image.SliceNormalVector[2]': 1}
          - id: t.protocol
            check: {csa.series.MrPhoenixProtocol: not_empty}
        """)
        let ev = Evaluator()
        for r in set.rules { XCTAssertEqual(ev.outcome(of: r, f), .pass, r.id) }
        // the cache holds this file's headers
        XCTAssertTrue(CSACache.current.image?.storage === f.dataSet.storage)
        // another file: the cache moves on
        let other = try file("{siemens.BandwidthPerPixelPhaseEncode: \"99\"}")
        XCTAssertEqual(ev.outcome(of: set.rules[0], other), .fail)
        XCTAssertTrue(CSACache.current.image?.storage === other.dataSet.storage)
    }
}

/// The YAML blocks of docs/siemens-csa.md compile and their examples hold
/// (those of docs/rule-language.md are DocumentationTests').
final class SiemensCSADocumentationTests: XCTestCase {
    func testExamples() throws { try examples(of: "docs/siemens-csa.md") }
    /// docs/vendor-headers.md (the ASCCONV, GE and Philips names).
    func testVendorHeaderExamples() throws { try examples(of: "docs/vendor-headers.md") }

    func examples(of doc: String) throws {
        let text = try String(contentsOfFile: repoRoot + "/" + doc, encoding: .utf8)
        var blocks: [(Int, String)] = []
        var current: [String]? = nil
        for (i, l) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if current == nil, l.hasPrefix("```yaml") { current = []; blocks.append((i + 2, "")); continue }
            if current != nil, l.hasPrefix("```") { blocks[blocks.count - 1].1 = current!.joined(separator: "\n") + "\n"; current = nil; continue }
            current?.append(String(l))
        }
        XCTAssertGreaterThanOrEqual(blocks.count, 1)
        for (line, body) in blocks {
            let set = try pack(body, file: "\(doc)@\(line)")
            let (run, failures) = set.runExamples()
            XCTAssertGreaterThan(run, 0)
            for f in failures { XCTFail("\(doc):\(line): \(f)") }
        }
    }
}
