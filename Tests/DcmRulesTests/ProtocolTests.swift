import XCTest
@testable import DcmRules
import DcmData

/// The `protocol:` section of a pack (docs/protocols.md): compile errors, and
/// the four kinds of findings on in-memory sessions.
final class ProtocolTests: XCTestCase {
    let head = "pack: t.proto\nversion: 1\n"

    func testBuiltinExclusionsCompile() {
        for b in BuiltinExclusions.all {
            XCTAssertEqual(PackCompiler.compileBuiltin(b.yaml, name: b.name).1.map(\.description), [], b.name)
        }
    }

    func testUnknownKeysAreErrorsWithPositions() {
        let d = diagnostics(head + """
        protocol:
          sesion: StudyInstanceUID
          acquisitions:
            - name: t1w
              match: {SeriesDescription: T1}
              requird: false
              parameters:
                RepetitionTime: {equals: 2300, tolerence: 1}
              overrides:
                - when: {Manufacturer: GE}
                  params: {EchoTime: 3}
          exclude: [derivd]
        """)
        XCTAssertEqual(d, [
            "bad.yaml:4:3: error: unknown key 'sesion' in 'protocol' (did you mean 'session'?)",
            "bad.yaml:8:7: error: unknown key 'requird' in an acquisition (did you mean 'required'?)",
            "bad.yaml:10:40: error: unknown operator 'tolerence' (did you mean 'tolerance'?)",
            "bad.yaml:13:11: error: unknown key 'params' in an override",
            "bad.yaml:12:11: error: an override needs 'parameters'",
            "bad.yaml:14:13: error: unknown exclusion 'derivd': use derived, localizer, motion-corrected, secondary-capture or {name: N, when: selector} (did you mean 'derived'?)",
        ])
    }

    func testOtherCompileErrors() {
        XCTAssertEqual(diagnostics(head + "protocol: {session: StudyInstanceUID}\n"),
                       ["bad.yaml:3:11: error: 'protocol' needs 'acquisitions': the series a session is expected to hold"])
        XCTAssertEqual(diagnostics(head + "protocol:\n  acquisitions:\n    - {name: a, parameters: {EchoTime: 3}}\n"),
                       ["bad.yaml:5:7: error: acquisition 'a' needs 'match': a selector that recognises its series (e.g. {SeriesDescription: {matches: \"^t1_mprage\"}})"])
        XCTAssertEqual(diagnostics(head + "protocol:\n  acquisitions:\n    - {name: a, match: {Modality: MR}, parameters: {EchoTime: ignore}}\n"),
                       ["bad.yaml:5:63: error: 'ignore' only goes in an override (leave the parameter out instead)"])
        XCTAssertEqual(diagnostics(head + "protocol:\n  unexpected: loud\n  acquisitions: []\n"),
                       ["bad.yaml:4:15: error: unknown severity 'loud': use error, warning or info"])
        XCTAssertEqual(diagnostics(head + "protocol:\n  acquisitions:\n    - {name: a, match: {Modality: MR}, parameters: {SeriesDescription: {range: [1, 2]}}}\n"),
                       ["bad.yaml:5:73: error: 'range' needs a numeric, date or time attribute, but SeriesDescription has VR LO"])
        XCTAssertEqual(diagnostics(head + "protocol:\n  acquisitions:\n    - {name: a, match: {Modality: MR}}\n    - {name: a, match: {Modality: CT}}\n"),
                       ["bad.yaml:6:7: error: acquisition 'a' is defined twice (first at bad.yaml:5:7)"])
    }

    /// A protocol run on in-memory files: (session, series, YAML of the rest).
    func audit(_ protocolYAML: String, _ files: [(String, String, String)], showPHI: Bool = false) throws -> ProtocolOutcome {
        let set = try pack(head + protocolYAML)
        let spec = try XCTUnwrap(set.protocols.first)
        let c = ProtocolCollector(spec)
        let ev = Evaluator()
        for (k, (study, series, rest)) in files.enumerated() {
            let f = try file("{StudyInstanceUID: \"\(study)\", SeriesInstanceUID: \"\(series)\", Modality: MR, \(rest)}")
            c.add(ev.protocolSample(spec, f), path: "f\(k)")
        }
        return ProtocolAudit.finish(c, packID: "t.proto", rules: set, showPHI: showPHI)
    }

    let brain = """
    protocol:
      exclude: [derived, localizer]
      acquisitions:
        - name: t1w
          match: {SeriesDescription: {matches: "^T1"}}
          parameters:
            RepetitionTime: {equals: 2300, tolerance: 5}
            FlipAngle: {in: [8, 9]}
            series.instances: {range: [2, 3]}
          overrides:
            - when: {Manufacturer: GE}
              parameters: {RepetitionTime: {equals: 7.3, tolerance: 0.1}, FlipAngle: ignore}
        - name: t2w
          match: {SeriesDescription: {matches: "^T2"}}
          severity: warning
          parameters: {EchoTime: {range: [80, 120]}}
        - name: extra
          required: false
          match: {SeriesDescription: {matches: "^X|^T2x"}}

    """

    func summary(_ o: ProtocolOutcome) -> [String] {
        o.findings.map { "\($0.ruleID.split(separator: ".").last!) \($0.seriesInstanceUID ?? "-") \($0.attribute ?? "-") \($0.observed ?? "-")" }
    }

    func testCompliantSessionHasNoFindings() throws {
        let o = try audit(brain, [
            ("1", "1.1", "SeriesDescription: T1w, RepetitionTime: \"2302\", FlipAngle: \"9\""),
            ("1", "1.1", "SeriesDescription: T1w, RepetitionTime: \"2299.5\", FlipAngle: \"8\""),
            ("1", "1.2", "SeriesDescription: scout, ImageType: [ORIGINAL, PRIMARY, LOCALIZER]"),
            ("1", "1.3", "SeriesDescription: T1w_MPR, ImageType: [DERIVED, SECONDARY]"),
            ("1", "1.4", "SeriesDescription: T2, EchoTime: \"100\""),
        ])
        XCTAssertEqual(summary(o), [])
        XCTAssertEqual(o.counts["t.proto.parameter"], counts(pass: 4))
        XCTAssertEqual(o.counts["t.proto.missing"], counts(pass: 2))
        XCTAssertEqual(o.compliance.sessions.map(\.compliant), [true])
        XCTAssertEqual(o.compliance.sessions[0].cells.map(\.status), [.compliant, .compliant, .absent])
        XCTAssertEqual(o.compliance.sessions[0].excluded, 2)
    }

    func counts(pass: Int = 0, fail: Int = 0, notEvaluated: Int = 0) -> OutcomeCounts {
        var c = OutcomeCounts(); c.pass = pass; c.fail = fail; c.notEvaluated = notEvaluated; return c
    }

    func testDeviationMissingUnexpectedAmbiguous() throws {
        let o = try audit(brain, [
            // session 1: one file of three with a wrong TR; t2w missing; an unknown series
            ("1", "1.1", "SeriesDescription: T1w, RepetitionTime: \"2300\", FlipAngle: \"9\""),
            ("1", "1.1", "SeriesDescription: T1w, RepetitionTime: \"2400\", FlipAngle: \"9\""),
            ("1", "1.1", "SeriesDescription: T1w, RepetitionTime: \"2300\", FlipAngle: \"9\""),
            ("1", "1.5", "SeriesDescription: Y"),
            // session 2: a single-file T1 (series.instances), no FlipAngle; a series matching t2w and extra
            ("2", "2.1", "SeriesDescription: T1w, RepetitionTime: \"2300\""),
            ("2", "2.2", "SeriesDescription: T2x, EchoTime: \"100\""),
            ("2", "2.3", "SeriesDescription: T2, EchoTime: \"not a number\""),
        ])
        XCTAssertEqual(summary(o), [
            "parameter 1.1 RepetitionTime 2400 (1 file)",
            "unexpected 1.5 - Y",
            "missing - - 2 series, none matching",
            "parameter 2.1 FlipAngle (absent)",
            "parameter 2.1 series.instances 1",
            "ambiguous 2.2 - t2w, extra",
        ])
        XCTAssertEqual(o.findings[0].message, "series ? \"T1w\" (acquisition t1w) on (no manufacturer) (no model): RepetitionTime is 2400 (1 file), expected {equals: 2300, tolerance: 5}")
        XCTAssertEqual(o.findings[2].studyInstanceUID, "1")
        XCTAssertEqual(o.findings.map(\.severity), [.error, .warning, .warning, .error, .error, .error])   // t2w's own severity; unexpected: warning
        XCTAssertEqual(o.findings[2].message, "session 1 on (no manufacturer) (no model) has no series of required acquisition t2w")
        XCTAssertEqual(o.counts["t.proto.parameter"], counts(pass: 3, fail: 3, notEvaluated: 1))
        XCTAssertEqual(o.compliance.sessions.map(\.compliant), [false, false])
        XCTAssertEqual(o.compliance.sessions[0].cells.map(\.status), [.deviating, .missing, .absent])
        XCTAssertEqual(o.compliance.sessions[1].cells.map(\.status), [.deviating, .ambiguous, .ambiguous])
        XCTAssertEqual(o.compliance.byParameter.map { "\($0.key.joined(separator: "/")) \($0.checked) \($0.deviating)" },
                       ["t1w/RepetitionTime 2 1", "t1w/FlipAngle 2 1", "t1w/series.instances 2 1", "t2w/EchoTime 1 0"])
    }

    func testOverridesReplaceAddAndIgnore() throws {
        let o = try audit(brain, [
            ("1", "1.1", "SeriesDescription: T1w, Manufacturer: GE, RepetitionTime: \"7.3\", FlipAngle: \"20\""),
            ("1", "1.1", "SeriesDescription: T1w, Manufacturer: GE, RepetitionTime: \"7.3\", FlipAngle: \"20\""),
            ("1", "1.2", "SeriesDescription: T2, EchoTime: \"90\""),
            ("2", "2.1", "SeriesDescription: T1w, Manufacturer: GE, RepetitionTime: \"2300\""),
            ("2", "2.1", "SeriesDescription: T1w, Manufacturer: GE, RepetitionTime: \"2300\""),
            ("2", "2.2", "SeriesDescription: T2, EchoTime: \"90\""),
        ])
        XCTAssertEqual(summary(o), ["parameter 2.1 RepetitionTime 2300"])
        XCTAssertEqual(o.findings[0].expected, "{equals: 7.3, tolerance: 0.1} (override for {Manufacturer: GE})")
    }

    func testPatientIdentifyingSessionKeysAreRedacted() throws {
        let p = brain.replacingOccurrences(of: "protocol:\n", with: "protocol:\n  session: PatientID\n")
        let files = [("1", "1.1", "PatientID: PAT-77, SeriesDescription: T2, EchoTime: \"90\"")]
        let hidden = try audit(p, files)
        XCTAssertEqual(hidden.findings.map(\.message), ["session \(Redaction.redact("PAT-77")) on (no manufacturer) (no model) has no series of required acquisition t1w"])
        XCTAssertNil(hidden.findings[0].studyInstanceUID)
        XCTAssertFalse(hidden.compliance.sessions[0].session.contains("PAT-77"))
        let shown = try audit(p, files, showPHI: true)
        XCTAssertEqual(shown.compliance.sessions[0].session, "PAT-77")
    }

    func testUnexpectedCanBeIgnored() throws {
        let set = try pack(head + brain.replacingOccurrences(of: "protocol:\n", with: "protocol:\n  unexpected: ignore\n"))
        XCTAssertEqual(set.rules.map(\.id), ["t.proto.parameter", "t.proto.missing", "t.proto.ambiguous"])
        XCTAssertNil(set.protocols[0].ruleIDs.unexpected)
    }
}

/// The YAML blocks of docs/protocols.md compile (or give exactly the error they state).
final class ProtocolDocumentationTests: XCTestCase {
    func testEveryExampleInTheProtocolGuide() throws {
        let text = try String(contentsOfFile: repoRoot + "/docs/protocols.md", encoding: .utf8)
        let blocks = yamlBlocks(text)
        XCTAssertGreaterThanOrEqual(blocks.count, 3)
        for (line, body) in blocks {
            if body.hasPrefix("# error: ") {
                let want = String(body.dropFirst("# error: ".count).prefix { $0 != "\n" })
                XCTAssertEqual(diagnostics(body, file: "doc.yaml"), [want], "block at docs/protocols.md:\(line)")
                continue
            }
            do {
                let set = try pack(body, file: "docs/protocols.md@\(line)")
                XCTAssertFalse(set.protocols.isEmpty, "docs/protocols.md:\(line)")
            } catch { XCTFail("block at docs/protocols.md:\(line): \(error)") }
        }
    }

    func yamlBlocks(_ text: String) -> [(line: Int, body: String)] {
        var out: [(Int, String)] = []
        var current: [String]? = nil
        var start = 0
        for (i, l) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if current == nil, l.hasPrefix("```yaml") { current = []; start = i + 2; continue }
            if current != nil, l.hasPrefix("```") { out.append((start, current!.joined(separator: "\n") + "\n")); current = nil; continue }
            current?.append(String(l))
        }
        return out
    }

    func testTheExamplePackLoads() throws {
        let set = try sharedLoader.load(files: [repoRoot + "/Rules/examples/study.brain-protocol.yaml"])
        XCTAssertEqual(set.protocols.first?.acquisitions.map(\.name), ["t1w", "t2w", "rest-fmri", "dwi"])
    }
}
