import XCTest
@testable import DcmRules
import DcmData

let repoRoot: String = {
    var p = #filePath
    for _ in 0..<3 { p = String(p[..<p.lastIndex(of: "/")!]) }
    return p
}()

/// Compiles a pack written inline.
let sharedLoader = PackLoader(libraries: [repoRoot + "/Rules"])
func pack(_ yaml: String, file: String = "test.yaml") throws -> RuleSet {
    try sharedLoader.compile(text: yaml, file: file)
}

/// The diagnostics a bad pack gives.
func diagnostics(_ yaml: String, file: String = "bad.yaml") -> [String] {
    do { _ = try pack(yaml, file: file); return [] }
    catch let e as PackErrors { return e.diagnostics.map(\.description) }
    catch { return ["\(error)"] }
}

/// An in-memory file from a YAML map, as rule examples are written.
func file(_ yaml: String) throws -> DicomFile {
    let set = try pack("""
    pack: t.x
    version: 1
    rules:
      - id: t.holder
        check: {PatientID: present}
        examples:
          pass: [\(yaml)]
    """)
    return set.rules[0].examples[0].file
}

/// The outcome of one instance rule on a data set.
func outcome(_ check: String, when: String? = nil, on data: String, conditions: String = "") throws -> Outcome {
    let set = try pack("""
    pack: t.x
    version: 1
    \(conditions.isEmpty ? "" : "conditions: " + conditions)
    rules:
      - id: t.rule
        \(when.map { "when: " + $0 } ?? "")
        check: \(check)
    """)
    return Evaluator().outcome(of: set.rules[0], try file(data))
}
