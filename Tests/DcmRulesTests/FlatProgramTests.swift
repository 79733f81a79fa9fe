import XCTest
@testable import DcmRules
import DcmData

/// Compiled predicates run as `FlatProgram`s (deferred conditions, rules'
/// checks): every outcome must be the one the predicate trees give, on every
/// example of every shipped pack and on the fixture files.
final class FlatProgramTests: XCTestCase {
    /// Every instance rule's outcome on `file`, by `run` (the rules the file
    /// needs are visited, the others' outcomes implied).
    func outcomes(_ set: RuleSet, _ file: DicomFile, programs: Bool) -> [Outcome?] {
        let ev = Evaluator()
        ev.usesPrograms = programs
        return ev.run(set, on: file, path: nil, showPHI: false).outcomes
    }

    func testShippedPacksAsTrees() throws {
        let files = PackLoader.packFiles(in: repoRoot + "/Rules").filter { !$0.contains("/examples/") }
        var loader = PackLoader(libraries: [repoRoot + "/Rules"])
        loader.buildExamples = true
        let set = try loader.load(files: files)
        XCTAssertGreaterThan(set.rules.filter { $0.checkProgram != nil }.count, 100, "checks compiled at load have programs")
        // every other example of every rule (each run evaluates the whole set)
        let examples = set.rules.flatMap { r in r.examples.map { ("an example of \(r.id)", $0.file) } }
        var data: [(String, DicomFile)] = examples.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        // the fixture files: conformant CT/MR/Enhanced MR, vendor-like MR
        // sessions, character sets, malformed files, the demo data
        let fixtures = FileManager.default.enumerator(atPath: repoRoot + "/Fixtures")!.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".dcm") || $0.contains("DEMO") }.sorted()
        for path in fixtures {
            guard let f = try? DicomReader.read(path: repoRoot + "/Fixtures/" + path) else { continue }
            data.append((path, f))
        }
        XCTAssertGreaterThan(data.count, 300)
        var compared = 0, decided: Set<String> = []
        for (what, file) in data {
            let a = outcomes(set, file, programs: true), b = outcomes(set, file, programs: false)
            for (i, r) in set.rules.enumerated() where a[i] != b[i] {
                XCTFail("\(r.id) on \(what): program \(a[i]), tree \(b[i])")
            }
            compared += a.count
            for case let o? in a { decided.insert(o.rawValue) }
        }
        XCTAssertGreaterThan(compared, 1_000_000)   // (~3,900 rules a file)
        XCTAssertEqual(decided, Set(Outcome.allCases.map(\.rawValue)))
    }
}
