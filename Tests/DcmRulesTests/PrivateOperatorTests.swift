import XCTest
@testable import DcmRules
import DcmData

/// The operators for private data elements (vendor.private): the element
/// filters `private_creators` and `reserved_groups`, `in_dictionary`,
/// `duplicate_creator`, `vr: dictionary` on private elements, and typed
/// example values `{vr: XX, value: …}`.
final class PrivateOperatorTests: XCTestCase {
    func expect(_ check: String, _ data: String, _ want: Outcome, line: UInt = #line) {
        do {
            let got = try outcome(check, on: data)
            XCTAssertEqual(got, want, "\(check) on \(data)", line: line)
        } catch { XCTFail("\(error)", line: line) }
    }

    func testCreatorFilterAndEmptyCreator() {
        let c = "{each_element: {only: private_creators, not_empty: true}}"
        expect(c, "{'(0029,0010)': SIEMENS CSA HEADER}", .pass)
        expect(c, "{'(0029,0010)': \"\"}", .fail)
        expect(c, "{ReferencedImageSequence: [{'(0009,0010)': \"\"}]}", .fail)
        expect(c, "{Modality: MR}", .pass)
        // private data elements are not creators
        expect(c, "{'(0029,\"SIEMENS CSA HEADER\",08)': \"\"}", .pass)
    }

    func testDuplicateCreator() {
        let c = "{each_element: {only: private_creators, duplicate_creator: false}}"
        expect(c, "{'(0029,0010)': SIEMENS CSA HEADER, '(0029,0011)': SIEMENS MEDCOM HEADER}", .pass)
        expect(c, "{'(0029,0010)': SIEMENS CSA HEADER, '(0029,0012)': SIEMENS CSA HEADER}", .fail)
        expect(c, "{'(0029,0010)': SIEMENS CSA HEADER, '(0031,0010)': SIEMENS CSA HEADER}", .pass)   // other group
        expect(c, "{'(0029,0010)': \"\", '(0029,0011)': \"\"}", .pass)   // empty creators: not_empty's business
        expect("{each_element: {only: private_creators, duplicate_creator: true}}", "{'(0029,0010)': A}", .fail)
    }

    func testInDictionary() {
        expect("{each_element: {in_dictionary: true}}", "{Modality: MR, '(0008,0000)': \"12\"}", .pass)
        expect("{each_element: {in_dictionary: true}}", "{'(0018,0002)': X}", .fail)
        expect("{each_element: {in_dictionary: true}}", "{ReferencedImageSequence: [{'(0008,0002)': X}]}", .fail)
        expect("{each_element: {in_dictionary: false}}", "{Modality: MR}", .fail)
        let p = "{each_element: {only: private, in_dictionary: true}}"
        expect(p, "{'(0029,\"SIEMENS CSA HEADER\",10)': X}", .pass)
        expect(p, "{'(0029,\"SIEMENS CSA HEADER\",7F)': X}", .fail)
        expect(p, "{'(0029,\"NO SUCH VENDOR\",10)': X}", .fail)
    }

    func testReservedGroups() {
        let c = "{each_element: {only: reserved_groups, absent: true}}"
        expect(c, "{'(0009,0010)': GEMS_IDEN_01, Modality: MR}", .pass)
        expect(c, "{'(0003,0010)': ACME}", .fail)
        expect(c, "{'(0007,1000)': \"1\"}", .fail)
    }

    func testPrivateVRAgainstVendorDictionary() {
        let c = "{each_element: {only: private, vr: dictionary}}"
        expect(c, "{'(0043,\"GEMS_PARM_01\",39)': {vr: IS, value: [1000, 0, 0, 0]}}", .pass)
        expect(c, "{'(0043,\"GEMS_PARM_01\",39)': {vr: LO, value: \"1000\"}}", .fail)
        expect(c, "{'(0043,\"GEMS_PARM_01\",39)': {vr: UN, value: \"1000\"}}", .pass)     // UN: VR unknown to the writer
        expect(c, "{'(0043,\"NO SUCH VENDOR\",39)': {vr: LO, value: \"1000\"}}", .pass)   // no entry: nothing to compare
        expect("{each_element: {only: private_creators, vr: dictionary}}", "{'(0029,0010)': {vr: SH, value: X}}", .fail)
        expect("{each_element: {only: private_creators, vr: dictionary}}", "{'(0029,0010)': X}", .pass)
    }

    func testFindingsNameTheElementAndTheReason() throws {
        let set = try pack("""
        pack: t.p
        version: 1
        rules:
          - {id: t.vr, check: {each_element: {only: private, vr: dictionary}}}
          - {id: t.dup, check: {each_element: {only: private_creators, duplicate_creator: false}}}
        """)
        let f = try file("{'(0029,0010)': GEMS_PARM_01, '(0029,0011)': GEMS_PARM_01, '(0043,\"GEMS_PARM_01\",39)': {vr: LO, value: \"1\"}}")
        let r = Evaluator().run(set, on: f, path: nil, showPHI: true)
        let vr = r.findings.first { $0.ruleID == "t.vr" }
        XCTAssertEqual(vr?.attribute, "(0043,\"GEMS_PARM_01\",39)")
        XCTAssertTrue(vr?.message.contains("GEMS_PARM_01 private dictionary says IS") ?? false, vr?.message ?? "")
        let dup = r.findings.first { $0.ruleID == "t.dup" }
        XCTAssertTrue(dup?.message.contains("is also the value of (0029,0011)") ?? false, dup?.message ?? "")
    }

    func testTypedExampleValueErrors() {
        XCTAssertTrue(diagnostics("""
        pack: t.b
        version: 1
        rules:
          - id: t.r
            check: {Modality: present}
            examples: {pass: [{Modality: {vr: XX, value: MR}}]}
        """).contains { $0.contains("a typed example value needs 'vr'") })
        XCTAssertTrue(diagnostics("""
        pack: t.b
        version: 1
        rules:
          - id: t.r
            check: {Modality: present}
            examples: {pass: [{Modality: {vr: CS, valeu: MR}}]}
        """).contains { $0.contains("unknown key 'valeu'") })
    }
}
