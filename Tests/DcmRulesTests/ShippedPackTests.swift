import XCTest
@testable import DcmRules

/// Every rule's examples in every shipped pack (DESIGN.md item 6).
final class ShippedPackTests: XCTestCase {
    func testEveryShippedPackExample() throws {
        let files = PackLoader.packFiles(in: repoRoot + "/Rules")
        XCTAssertGreaterThanOrEqual(files.count, 3, "Rules/ should hold the core, encoding and example packs")
        var total = 0
        for f in files {
            let set = try PackLoader(libraries: [repoRoot + "/Rules"]).load(files: [f])
            let ownID = set.packs.last!.id
            let (run, failures) = set.runExamples(only: [ownID])
            total += run
            for fail in failures { XCTFail("\(fail)") }
            // (a protocol's rules are tested on Fixtures/protocol: ProtocolCheckTests)
            let own = set.packs.last!.rules.filter { if case .protocolFinding = $0.check { return false }; return true }
            let withExamples = own.filter { !$0.examples.isEmpty }.count
            if ownID == "dicom.iod" {
                // generated: examples for the M modules of a sample of IODs (Scripts/gen_iod.py SAMPLE_IODS)
                XCTAssertGreaterThanOrEqual(withExamples, 20, "\(f): examples for a sample of IODs")
            } else {
                XCTAssertEqual(withExamples, own.count, "\(f): every shipped rule has examples")
            }
        }
        XCTAssertGreaterThan(total, 20)
    }
}
