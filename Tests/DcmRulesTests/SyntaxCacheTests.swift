import XCTest
import Foundation
@testable import DcmRules

/// The content-keyed cache of parsed packs (SyntaxCache): the cached tree is
/// the parsed tree, node for node and position for position; a corrupt or
/// foreign entry falls back to parsing; YAML errors are reported, not cached.
final class SyntaxCacheTests: XCTestCase {
    var dir = ""

    override func setUp() {
        dir = NSTemporaryDirectory() + "dcmaudit-syntax-cache-\(UUID().uuidString)"
        SyntaxCache.directoryOverride = .some(dir)
    }
    override func tearDown() {
        SyntaxCache.directoryOverride = nil
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Every node's kind, text, quoting and position, in order.
    func shape(_ n: SyntaxNode) -> [String] {
        switch n {
        case .scalar(let s, let l, let q): return ["s\(q ? "q" : "") \(l) \(s)"]
        case .mapping(let e, let l): return ["m \(l) \(e.count)"] + e.flatMap { ["k \($0.keyLocation) \($0.key)"] + shape($0.value) }
        case .sequence(let i, let l): return ["l \(l) \(i.count)"] + i.flatMap(shape)
        }
    }

    func testRoundTripOfEveryLargeShippedPack() throws {
        var n = 0
        for f in PackLoader.packFiles(in: repoRoot + "/Rules") {
            let text = try String(contentsOfFile: f, encoding: .utf8)
            guard text.utf8.count >= SyntaxCache.minimumSize else { continue }
            let parsed = try SyntaxNode.parse(text, file: f)
            let bytes = SyntaxCache.encode(parsed, textSize: text.utf8.count)
            let back = try XCTUnwrap(SyntaxCache.decode(bytes, file: f, textSize: text.utf8.count))
            XCTAssertEqual(shape(back), shape(parsed), f)
            // cut short anywhere, or for another text: not an entry
            XCTAssertNil(SyntaxCache.decode(Array(bytes.dropLast()), file: f, textSize: text.utf8.count))
            XCTAssertNil(SyntaxCache.decode(bytes, file: f, textSize: text.utf8.count + 1))
            n += 1
        }
        XCTAssertGreaterThanOrEqual(n, 2, "dicom.values and dicom.deid-basic are large")
    }

    func bigPack(_ extra: String = "") -> String {
        var s = "pack: t.big\nversion: 1\nrules:\n"
        for i in 0..<400 { s += "  - {id: t.r\(i), check: {Modality: {in: [CT, MR, \"x\\\\y\"]}}}   # padding padding padding\n" }
        return s + extra
    }

    func testParseWritesThenReadsTheEntry() throws {
        let text = bigPack()
        XCTAssertGreaterThanOrEqual(text.utf8.count, SyntaxCache.minimumSize)
        let first = try SyntaxCache.parse(text, file: "a.yaml")
        let entries = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".bin") }
        XCTAssertEqual(entries.count, 1)
        let second = try SyntaxCache.parse(text, file: "b.yaml")
        XCTAssertEqual(shape(second), shape(first).map { $0.replacingOccurrences(of: "a.yaml:", with: "b.yaml:") }, "positions name the file being loaded")
        // a corrupt entry is parsed again and replaced
        let path = dir + "/" + entries[0]
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(shape(try SyntaxCache.parse(text, file: "a.yaml")), shape(first))
        XCTAssertEqual(shape(try XCTUnwrap(SyntaxCache.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), file: "a.yaml", textSize: text.utf8.count))), shape(first))
        // the compiled pack is the same either way
        let set = try sharedLoader.compile(text: text, file: "c.yaml")
        XCTAssertEqual(set.rules.count, 400)
    }

    func testErrorsAreNotCachedAndOffMeansOff() throws {
        let bad = bigPack("  - {id: t.bad, check: {Modality: [CT}\n")
        XCTAssertThrowsError(try SyntaxCache.parse(bad, file: "bad.yaml")) { e in
            XCTAssertTrue("\(e)".contains("bad.yaml:") && "\(e)".contains("YAML"), "\(e)")
        }
        XCTAssertThrowsError(try SyntaxCache.parse(bad, file: "bad.yaml"))
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: dir))?.count ?? 0, 0)
        SyntaxCache.directoryOverride = .some(nil)
        _ = try SyntaxCache.parse(bigPack(), file: "a.yaml")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir))
    }
}
