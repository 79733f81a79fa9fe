import DcmDictionary
import XCTest

/// Measures the one-time parse of the generated tables and the per-lookup cost.
///
/// The first-use figures are only meaningful when this class runs alone in its
/// process (otherwise another test has already paid for the parse):
///
///     swift test -c release --filter LoadTimeTests
final class LoadTimeTests: XCTestCase {
    func testFirstUseAndLookupCost() {
        let clock = ContinuousClock()
        var found: DictionaryEntry?
        let data = clock.measure { found = DataDictionary.entry(for: Tag(0x0010, 0x0010)) }
        XCTAssertEqual(found?.vr, .PN)
        let keywords = clock.measure { found = DataDictionary.entry(forKeyword: "PatientName") }
        XCTAssertEqual(found?.tag, Tag(0x0010, 0x0010))
        let priv = clock.measure { PrivateDictionary.preload() }
        let uids = clock.measure { UIDRegistry.preload() }
        print("DcmDictionary first use: entry(for:) \(data), entry(forKeyword:) \(keywords) more, "
              + "private dictionary \(priv), UIDs \(uids)")
        // Loose bound, so that a debug build on a busy machine still passes; the
        // release figure is a few milliseconds.
        XCTAssertLessThan(data + keywords + priv + uids, .seconds(2))

        let tags: [Tag] = [
            Tag(0x0010, 0x0010), Tag(0x0008, 0x0018), Tag(0x0028, 0x0010), Tag(0x7FE0, 0x0010),
            Tag(0x0020, 0x0032), Tag(0x6002, 0x3000), Tag(0x0029, 0x0010), Tag(0x0010, 0x0000),
        ]
        let rounds = 200_000
        var hits = 0
        let elapsed = clock.measure {
            for i in 0..<rounds {
                if DataDictionary.entry(for: tags[i & 7])?.vr != nil { hits += 1 }
            }
        }
        let ns = Double(elapsed.components.attoseconds) / 1e9 + Double(elapsed.components.seconds) * 1e9
        print("DcmDictionary entry(for:): \(String(format: "%.1f", ns / Double(rounds))) ns per lookup (mixed, 1 in 8 a repeating group)")
        XCTAssertEqual(hits, rounds)

        // Listed elements only: the common case when reading a file.
        let plain = DataDictionary.allEntries.prefix(4096).map(\.tag)
        var vrCount = 0
        let plainElapsed = clock.measure {
            for i in 0..<rounds {
                if DataDictionary.entry(for: plain[i & 4095])?.vr != nil { vrCount += 1 }
            }
        }
        let plainNs = Double(plainElapsed.components.attoseconds) / 1e9
            + Double(plainElapsed.components.seconds) * 1e9
        print("DcmDictionary entry(for:): \(String(format: "%.1f", plainNs / Double(rounds))) ns per lookup (listed elements)")
        XCTAssertGreaterThan(vrCount, 0)
    }
}
