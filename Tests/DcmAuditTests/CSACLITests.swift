import XCTest
import Foundation

/// `dump --csa` and the Siemens example pack through the command line
/// (docs/siemens-csa.md).
extension CLITests {
    func testDumpCSA() throws {
        let mr = repoRoot + "/Fixtures/demo/DEMO001/MR_BRAIN_20240410/S001_LOCALIZER/IM0001.dcm"
        let us = repoRoot + "/Fixtures/demo/DEMO003/US_ABDOMEN_20240615/S002_LIVER_UTF8/IM0001.dcm"
        try XCTSkipIf(access(mr, R_OK) != 0, "fixtures not generated")
        let r = try run(["dump", "--csa", mr, us])
        XCTAssertEqual(r.code, 0, r.err)
        let lines = r.out.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        let d = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        let image = try XCTUnwrap(d["image"] as? [String: Any])
        let bw = try XCTUnwrap(image["BandwidthPerPixelPhaseEncode"] as? [String: Any])
        XCTAssertEqual(bw["vr"] as? String, "FD")
        XCTAssertEqual(bw["items"] as? [String], ["20.83300000"])
        XCTAssertEqual(d["formats"] as? [String: String], ["image": "CSA2", "series": "CSA2"])
        XCTAssertNotNil((d["series"] as? [String: Any])?["MrPhoenixProtocol"])
        let none = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        XCTAssertTrue(none["image"] is NSNull)
        XCTAssertTrue(none["series"] is NSNull)
    }

    func testSiemensExamplePackOnDemo() throws {
        let demo = repoRoot + "/Fixtures/demo/DEMO001"
        try XCTSkipIf(access(demo, R_OK) != 0, "fixtures not generated")
        let pack = repoRoot + "/Rules/examples/siemens.mr-protocol.yaml"
        XCTAssertEqual(try run(["rules", "test", pack]).code, 0)
        let r = try run(["check", "--rules", pack, "--format", "json", demo])
        XCTAssertEqual(r.code, 0, r.out + r.err)
        let d = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let rules = try XCTUnwrap(d["rules"] as? [[String: Any]])
        var passes: [String: Int] = [:]
        for rule in rules where (rule["id"] as? String)?.hasPrefix("siemens.") == true {
            let c = try XCTUnwrap(rule["counts"] as? [String: Int])
            XCTAssertEqual(c["fail"], 0, "\(rule["id"]!)")
            passes[rule["id"] as! String] = c["pass"]
        }
        // the 14 Siemens MR files of the demo; none records the phase polarity
        XCTAssertEqual(passes, ["siemens.csa-image-readable": 14, "siemens.csa-series-readable": 14, "siemens.bandwidth-phase": 14,
                                "siemens.slice-timing": 14, "siemens.phase-polarity": 0, "siemens.coil": 14])
    }
}
