import XCTest
import Foundation
@testable import DcmAudit
import DcmRules
import DcmData

/// `learn` writes the vendor's private acquisition parameters per scanner
/// (the Siemens parallel factor from the ASCCONV protocol here), `check`
/// finds a session that deviates on it, and a session whose protocol cannot
/// be decoded is *not evaluated* on it — neither compliant nor deviating.
final class VendorLearnTests: XCTestCase {
    /// One Siemens MR series per session; `protocolText` is the CSA series
    /// header's MrPhoenixProtocol.
    func writeSession(_ dir: String, _ n: Int, protocolText: String) throws {
        try FileManager.default.createDirectory(atPath: dir + "/s\(n)", withIntermediateDirectories: true)
        var ds = DataSet()
        ds.set(keyword: "SOPClassUID", "1.2.840.10008.5.1.4.1.1.4")
        ds.set(keyword: "SOPInstanceUID", "1.2.826.0.1.3680043.10.1561.79.\(n).1")
        ds.set(keyword: "StudyInstanceUID", "1.2.826.0.1.3680043.10.1561.79.\(n)")
        ds.set(keyword: "SeriesInstanceUID", "1.2.826.0.1.3680043.10.1561.79.\(n).0")
        ds.set(keyword: "Modality", "MR")
        ds.set(keyword: "Manufacturer", "SIEMENS")
        ds.set(keyword: "ManufacturerModelName", "Prisma")
        ds.set(keyword: "SeriesDescription", "fMRI")
        ds.set(keyword: "RepetitionTime", "800")
        let tag = ds.privateTag(group: 0x0029, creator: DataSet.siemensCSACreator, elementByte: 0x20)
        ds.setRaw(tag, .OB, SiemensCSAHeader.encodeCSA2([(name: "MrPhoenixProtocol", vr: "UN", values: [protocolText])]))
        try DicomWriter.save(try DicomWriter.write(dataSet: ds), to: dir + "/s\(n)/im1.dcm")
    }

    func testParallelFactorLearnedCheckedAndNotEvaluatedWhenUndecodable() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-vendorlearn-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func asc(_ body: String) -> String { "<XProtocol>\n### ASCCONV BEGIN ###\n\(body)\n### ASCCONV END ###\n" }
        try writeSession(dir, 1, protocolText: asc("sPat.lAccelFactPE = 2\nsSliceArray.ucMode = 0x4\nsKSpace.ucPhasePartialFourier = 0x10"))
        try writeSession(dir, 2, protocolText: asc("sPat.lAccelFactPE = 3\nsSliceArray.ucMode = 0x4\nsKSpace.ucPhasePartialFourier = 0x10"))
        try writeSession(dir, 3, protocolText: "### ASCCONV BEGIN ###\nsPat.lAccelFactPE = 2\nsSliceArray.uc")   // truncated
        var req = LearnRequest(paths: [dir + "/s1"])
        req.jobs = 1
        req.commandLine = ["dcmaudit", "learn", "s1"]
        let learned = try ProtocolLearner.learn(req)
        XCTAssertTrue(learned.yaml.contains("siemens.ParallelReductionFactorInPlane: \"2\""), learned.yaml)
        XCTAssertTrue(learned.yaml.contains("siemens.SliceAcquisitionOrder: \"interleaved\""), learned.yaml)
        XCTAssertTrue(learned.yaml.contains("siemens.PartialFourier: \"1\""), learned.yaml)
        XCTAssertFalse(learned.yaml.contains("siemens.MultibandAccelerationFactor"), "absent from the reference: not written")
        let path = dir + "/p.yaml"
        try learned.yaml.write(toFile: path, atomically: true, encoding: .utf8)
        var r = CheckRequest(paths: [dir + "/s1", dir + "/s2", dir + "/s3"])
        r.ruleFiles = [path]
        r.builtinRules = repoRoot + "/Rules"
        r.jobs = 1
        let report = CheckRunner.evaluate(r, rules: try CheckRunner.loadRules(r))
        let found = report.findings.map { "\($0.ruleID.split(separator: ".").last!) \($0.file.map { URL(fileURLWithPath: $0).deletingLastPathComponent().lastPathComponent } ?? "-") \($0.attribute ?? "-") \($0.observed ?? "-")" }
        XCTAssertEqual(found, ["parameter s2 siemens.ParallelReductionFactorInPlane 3"])
        let c = try XCTUnwrap(report.protocols.first)
        XCTAssertEqual(c.sessions.map { $0.cells[0].status }, [.compliant, .deviating, .notEvaluated])
        XCTAssertEqual(c.byParameter.first { $0.key.last == "siemens.ParallelReductionFactorInPlane" }?.notEvaluated, 1)
        let param = report.rules.first { $0.id.hasSuffix(".parameter") }
        XCTAssertEqual(param?.counts.fail, 1)
        XCTAssertGreaterThan(param?.counts.notEvaluated ?? 0, 0)
    }
}
