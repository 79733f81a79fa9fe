import XCTest
@testable import DcmAudit
import DcmRules

/// `TextReporter.LineReuse`: a file's finding lines copied from the previous
/// file's must be the bytes the reporter would have written — whatever the
/// two files' findings have in common, in whatever order, and whether the
/// files come in one batch or one batch each.
final class TextLineReuseTests: XCTestCase {
    /// A small deterministic generator (the cases must not change between runs).
    struct LCG {
        var state: UInt64
        mutating func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
    }

    /// Rule texts shared across files, as a run's are; two rules share an id
    /// with different `when` texts, and one object is reused under two ids'
    /// messages (what `rendersAlike` must tell apart).
    let rules: [Finding.RuleTexts] = [
        .init(ruleID: "deid.remove", packID: "p", reference: nil, when: "no Clean Descriptors Option"),
        .init(ruleID: "deid.remove", packID: "p", reference: nil, when: "no Retain UIDs Option"),
        .init(ruleID: "iod.ct-image.ct-image", packID: "p", reference: nil),
        .init(ruleID: "values.format", packID: "p", reference: nil, when: "Modality == CT"),
    ]
    let messages = ["ImageComments is present: the profile removes it", "AcquisitionDate has a value",
                    "Rows is absent", "bad\u{1B}[31m value", "PatientName is absent"]
    let reasons: [String?] = [nil, "AcquisitionTime 071401 is not empty", "AcquisitionTime 071402 is not empty", "ImageComments is present"]

    func finding(_ g: inout LCG, file: Finding.FileTexts) -> Finding {
        Finding(ruleTexts: rules[g.next(rules.count)], fileTexts: file,
                severity: [Severity.error, .warning, .info][g.next(3)], level: .instance,
                message: messages[g.next(messages.count)], becauseReason: reasons[g.next(reasons.count)],
                becauseHasWhen: g.next(2) == 0, attribute: [nil, "Rows", "ImageComments"][g.next(3)],
                offset: [nil, nil, 132][g.next(3)])
    }

    /// Files whose findings are the previous file's, edited: one changed,
    /// inserted, removed or swapped, or all new.
    func files(seed: UInt64, count: Int) -> [[Finding]] {
        var g = LCG(state: seed)
        var out: [[Finding]] = []
        var last: [Finding] = []
        for n in 0..<count {
            let ft = Finding.FileTexts(file: "/d/IM\(n).dcm")
            var fs = last.map { f -> Finding in var f = f; f.fileTexts = ft; return f }
            switch g.next(7) {
            case 0 where !fs.isEmpty: fs[g.next(fs.count)] = finding(&g, file: ft)
            case 1: fs.insert(finding(&g, file: ft), at: g.next(fs.count + 1))
            case 2 where !fs.isEmpty: fs.remove(at: g.next(fs.count))
            case 3 where fs.count > 1: fs.swapAt(g.next(fs.count), g.next(fs.count))
            case 4: fs = (0..<g.next(8)).map { _ in finding(&g, file: ft) }
            case 5 where !fs.isEmpty:
                // the same finding of the rule's twin (same id, another `when`)
                let k = g.next(fs.count), f = fs[k]
                let twin = f.ruleTexts === rules[0] ? rules[1] : rules[0]
                fs[k] = Finding(ruleTexts: twin, fileTexts: ft, severity: f.severity, level: .instance, message: f.message,
                                becauseReason: f.becauseReason ?? "ImageComments is present", becauseHasWhen: true,
                                attribute: f.attribute, offset: f.offset)
            default: break
            }
            if fs.isEmpty { fs = [finding(&g, file: ft)] }
            // (a replayed finding shares its strings; a re-explained one has
            // equal strings of its own storage)
            if g.next(2) == 0 { fs = fs.map { f in var f = f; f.message = String(decoding: Array(f.message.utf8), as: UTF8.self); return f } }
            out.append(fs)
            last = fs
        }
        return out
    }

    /// The first line that differs (a failure's message, not two whole reports).
    static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String {
        let la = String(decoding: a, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let lb = String(decoding: b, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        for k in 0..<max(la.count, lb.count) where k >= la.count || k >= lb.count || la[k] != lb[k] {
            return "line \(k + 1): \(k < la.count ? String(la[k]) : "<none>") | expected \(k < lb.count ? String(lb[k]) : "<none>")"
        }
        return "same"
    }

    func testReusedLinesAreTheLinesWritten() {
        let t = TextReporter(grouping: .file, ruleIDs: rules.map(\.ruleID))
        var copied = 0
        for seed in UInt64(1)...40 {
            let files = files(seed: seed, count: 30)
            var plain = ByteOutput()
            for fs in files { t.writeBatch(fs, into: &plain) }
            // one batch per file
            var reuse: TextReporter.LineReuse? = TextReporter.LineReuse()
            var reused = ByteOutput()
            for fs in files { t.writeBatch(fs, into: &reused, reuse: &reuse) }
            XCTAssertTrue(reused.bytes == plain.bytes, "seed \(seed): " + Self.firstDifference(reused.bytes, plain.bytes))
            // several files a batch
            var batched = ByteOutput()
            var reuse2: TextReporter.LineReuse? = TextReporter.LineReuse()
            for k in stride(from: 0, to: files.count, by: 7) {
                t.writeBatch(Array(files[k..<min(k + 7, files.count)].joined()), into: &batched, reuse: &reuse2)
            }
            XCTAssertTrue(batched.bytes == plain.bytes, "seed \(seed), batches of 7: " + Self.firstDifference(batched.bytes, plain.bytes))
            copied += reuse!.ends.count
        }
        XCTAssertGreaterThan(copied, 0)
    }

    /// The copy is taken: a file whose findings are the previous file's
    /// renders its lines from `LineReuse` (a line changed in the cache shows
    /// in the output), and a finding that differs only where the line shows
    /// it (the `when` of a `because`) is written anew.
    func testReuseIsUsedAndExact() {
        let t = TextReporter(grouping: .file, ruleIDs: ["deid.remove"])
        let a = Finding.FileTexts(file: "/d/IM1.dcm"), b = Finding.FileTexts(file: "/d/IM2.dcm")
        func f(_ ft: Finding.FileTexts, _ r: Finding.RuleTexts) -> Finding {
            Finding(ruleTexts: r, fileTexts: ft, severity: .error, level: .instance, message: "ImageComments is present",
                    becauseReason: "ImageComments is present", becauseHasWhen: true)
        }
        var reuse: TextReporter.LineReuse? = TextReporter.LineReuse()
        var o = ByteOutput()
        t.writeBatch([f(a, rules[0])], into: &o, reuse: &reuse)
        // a marker in the kept bytes: the next file's equal finding copies it
        reuse!.bytes = Array("  COPIED\n".utf8); reuse!.ends = [reuse!.bytes.count]
        var o2 = ByteOutput()
        t.writeBatch([f(b, rules[0])], into: &o2, reuse: &reuse)
        XCTAssertTrue(String(decoding: o2.bytes, as: UTF8.self).contains("  COPIED\n"))
        // same id and message, another `when`: not the kept line
        var o3 = ByteOutput()
        t.writeBatch([f(a, rules[1])], into: &o3, reuse: &reuse)
        let text = String(decoding: o3.bytes, as: UTF8.self)
        XCTAssertFalse(text.contains("COPIED"))
        XCTAssertTrue(text.contains("because no Retain UIDs Option and ImageComments is present"), text)
    }
}
