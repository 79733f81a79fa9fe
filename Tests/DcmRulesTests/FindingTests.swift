import XCTest
@testable import DcmRules
import DcmData
import DcmDictionary

final class FindingTests: XCTestCase {
    /// The redaction text is FNV-1a 64 of the value's UTF-8, its high half in
    /// 8 lower-case hex digits (values computed independently in Python):
    /// reports and baselines from earlier runs must keep matching.
    func testRedactionText() {
        XCTAssertEqual(Redaction.redact(""), "<redacted:cbf29ce4>")
        XCTAssertEqual(Redaction.redact("DOE^JOHN"), "<redacted:2c662fc7>")
        XCTAssertEqual(Redaction.redact("Zyxwick^Quorbel"), "<redacted:a0047643>")
        XCTAssertEqual(Redaction.redact("ÄÖ"), "<redacted:b99320c6>")
        // of a value's bytes (observed values): the text they decode to, redacted
        for bytes: [UInt8] in [[], Array("DOE^JOHN".utf8), Array("ÄÖ".utf8), [0x41, 0xFF, 0x42], [0xC3]] {
            let text = String(decoding: bytes, as: UTF8.self)
            XCTAssertEqual(bytes.withUnsafeBytes { Redaction.redact(bytes: $0) }, Redaction.redact(text), "\(bytes)")
        }
        XCTAssertEqual(Array("DOE^JOHN".utf8).withUnsafeBytes { Redaction.redact(bytes: $0) }, "<redacted:2c662fc7>")
    }

    func example() throws -> RuleSet { try PackLoader(libraries: [repoRoot + "/Rules"]).load(files: [repoRoot + "/Rules/examples/example.ct-mr.yaml"]) }

    func testMessageTemplateAndWhy() throws {
        let set = try example()
        let f = try file("{Modality: MR, RepetitionTime: \"13000\", PatientID: \"P1\", SOPInstanceUID: \"1.2.3\", SeriesInstanceUID: \"1.2\", StudyInstanceUID: \"1\"}")
        let r = Evaluator().run(set, on: f, path: "a.dcm", showPHI: false)
        let tr = try XCTUnwrap(r.findings.first { $0.ruleID == "mr.tr-range" })
        XCTAssertEqual(tr.message, "RepetitionTime 13000 outside [300, 12000]")
        XCTAssertEqual(tr.because, "Modality == MR and RepetitionTime 13000 > 12000")
        XCTAssertEqual(tr.severity, .warning)
        XCTAssertEqual(tr.observed, "13000")
        XCTAssertEqual(tr.expected, "[300, 12000]")
        XCTAssertEqual(tr.sopInstanceUID, "1.2.3"); XCTAssertEqual(tr.seriesInstanceUID, "1.2"); XCTAssertEqual(tr.studyInstanceUID, "1")
        let ps = try XCTUnwrap(r.findings.first { $0.ruleID == "geometry.pixel-spacing" })
        XCTAssertEqual(ps.message, "PixelSpacing is absent")
        let idx = set.rules.firstIndex { $0.id == "ct.kvp" }!
        XCTAssertEqual(r.outcomes[idx], .notApplicable)
    }

    /// A wildcard path's findings name the item that fails (`Seq[1].X`), not
    /// the pattern (`Seq[*].X`): the one invalid value and the one item
    /// without the attribute of three items; nested wildcards number both;
    /// the items of an indexed path are named from the data set's top.
    func testWildcardFindingsNameTheirItem() throws {
        let set = try pack("""
        pack: t.items
        version: 1
        rules:
          - id: t.class-uid
            check: {'ReferencedImageSequence[*].ReferencedSOPClassUID': {format: true}}
          - id: t.code
            check: {'AnatomicRegionSequence[*].AnatomicRegionModifierSequence[*].CodeValue': present}
          - id: t.items
            check: {'AnatomicRegionSequence[1].AnatomicRegionModifierSequence': {items: {CodeValue: present}}}
        """)
        let f = try file("""
        {ReferencedImageSequence: [{ReferencedSOPClassUID: "1.2.840.10008.5.1.4.1.1.2"}, {ReferencedSOPClassUID: "1.2.x"}, {ReferencedSOPInstanceUID: "1.2.3"}],
         AnatomicRegionSequence: [{CodeValue: "T-1"}, {AnatomicRegionModifierSequence: [{CodeValue: "G-A101"}, {CodeMeaning: "Left"}]}]}
        """)
        let r = Evaluator().run(set, on: f, path: "a.dcm", showPHI: false)
        let uid = r.findings.filter { $0.ruleID == "t.class-uid" }
        XCTAssertEqual(uid.map(\.attribute), ["ReferencedImageSequence[1].ReferencedSOPClassUID", "ReferencedImageSequence[2].ReferencedSOPClassUID"])
        XCTAssertEqual(uid.first?.message, "ReferencedImageSequence[1].ReferencedSOPClassUID 1.2.x is not a valid UI value")
        XCTAssertEqual(uid.last?.message, "ReferencedImageSequence[2].ReferencedSOPClassUID is absent")
        let code = r.findings.filter { $0.ruleID == "t.code" }
        XCTAssertEqual(code.map(\.attribute), ["AnatomicRegionSequence[1].AnatomicRegionModifierSequence[1].CodeValue"])
        // an indexed path's items are named from the top, too
        XCTAssertEqual(r.findings.filter { $0.ruleID == "t.items" }.map(\.attribute),
                       ["AnatomicRegionSequence[1].AnatomicRegionModifierSequence[1].CodeValue"])
    }

    func testRedaction() throws {
        let set = try pack("""
        pack: t.phi
        version: 1
        rules:
          - id: t.name
            check: {PatientName: {matches: "^ANON"}}
            message: "{attribute} is {value} for {PatientID}"
        """)
        let f = try file("{PatientName: \"Doe^Jane\", PatientID: \"P1\"}")
        let hidden = Evaluator().run(set, on: f, path: nil, showPHI: false).findings[0]
        XCTAssertFalse(hidden.message.contains("Doe"))
        XCTAssertTrue(hidden.observed!.hasPrefix("<redacted:"), hidden.observed!)
        XCTAssertEqual(hidden.observed, Redaction.redact("Doe^Jane"))
        XCTAssertEqual(hidden.message, "PatientName is \(Redaction.redact("Doe^Jane")) for \(Redaction.redact("P1"))")
        let shown = Evaluator().run(set, on: f, path: nil, showPHI: true).findings[0]
        XCTAssertEqual(shown.message, "PatientName is Doe^Jane for P1")
    }

    /// Every person's name (VR PN) and the patient's other identifiers of
    /// PS3.15 Table E.1-1 are redacted: Consulting Physician's Name, a
    /// Verifying Observer Name in its sequence, the birth date in another
    /// calendar and the Admission ID were shown as read.
    func testPersonNamesAndOtherPatientIdentifiersAreRedacted() throws {
        let set = try pack("""
        pack: t.phi
        version: 1
        rules:
          - id: t.consult
            check: {ConsultingPhysicianName: {matches: "^NOPE"}}
          - id: t.verifier
            check: {'VerifyingObserverSequence[*].VerifyingObserverName': {matches: "^NOPE"}}
          - id: t.calendar
            check: {PatientBirthDateInAlternativeCalendar: {matches: "^NOPE"}}
          - id: t.admission
            check: {AdmissionID: {matches: "^NOPE"}}
            message: "admitted as {value}"
          - id: t.modality
            check: {Modality: {matches: "^NOPE"}}
        """)
        let f = try file("{ConsultingPhysicianName: \"Housewife^Consulta\", VerifyingObserverSequence: [{VerifyingObserverName: \"Verifier^Vera\"}], PatientBirthDateInAlternativeCalendar: \"5705-01-01\", AdmissionID: ADM777123, Modality: MR}")
        let hidden = Evaluator().run(set, on: f, path: nil, showPHI: false).findings
        XCTAssertEqual(hidden.count, 5)
        for d in hidden where d.ruleID != "t.modality" {
            for t in [d.message, d.because ?? "", d.observed ?? ""] {
                for secret in ["Housewife", "Verifier", "5705", "ADM777"] { XCTAssertFalse(t.contains(secret), "\(d.ruleID): \(t)") }
            }
            XCTAssertTrue(d.observed?.hasPrefix("<redacted:") == true, "\(d.ruleID): \(d.observed ?? "")")
        }
        XCTAssertEqual(hidden.first { $0.ruleID == "t.modality" }?.observed, "MR", "not patient data: shown")
        let shown = Evaluator().run(set, on: f, path: nil, showPHI: true).findings
        XCTAssertEqual(shown.first { $0.ruleID == "t.admission" }?.message, "admitted as ADM777123")
        XCTAssertTrue(Redaction.isPatientIdentifying(Tag(0x0040, 0xA075)), "Verifying Observer Name, PN")
    }

    /// A message placeholder may be any attribute path, `[*]` too: it
    /// rendered "(absent)" with the values there; each item's values are
    /// shown, `\`-separated, redacted when patient data.
    func testWildcardPathInAMessage() throws {
        let set = try pack("""
        pack: t.tmpl
        version: 1
        rules:
          - id: t.refs
            check: {Modality: CT}
            message: "refs {ReferencedImageSequence[*].ReferencedSOPInstanceUID}; who {OtherPatientIDsSequence[*].PatientID}; none {ReferencedSeriesSequence[*].SeriesInstanceUID}"
        """)
        let f = try file("{Modality: MR, ReferencedImageSequence: [{ReferencedSOPInstanceUID: 1.2.3}, {Modality: MR}, {ReferencedSOPInstanceUID: 1.2.4}], OtherPatientIDsSequence: [{PatientID: P77}]}")
        XCTAssertEqual(Evaluator().run(set, on: f, path: nil, showPHI: false).findings.map(\.message),
                       ["refs 1.2.3\\1.2.4; who \(Redaction.redact("P77")); none (absent)"])
        XCTAssertEqual(Evaluator().run(set, on: f, path: nil, showPHI: true).findings.map(\.message), ["refs 1.2.3\\1.2.4; who P77; none (absent)"])
    }

    /// A comparison with another attribute (`{le: {attr: PatientBirthDate}}`)
    /// shows that attribute's value in `because`: it was shown as read, the
    /// birth date in clear, when the tested attribute itself is not patient data.
    func testComparedAttributeIsRedacted() throws {
        let set = try pack("""
        pack: t.phi
        version: 1
        rules:
          - id: t.after-birth
            check: {StudyDate: {le: {attr: PatientBirthDate}}}
          - id: t.thick
            check: {SliceThickness: {lt: {attr: '(0029,"ACME",10)'}}}
        """)
        let f = try file("{StudyDate: \"20240101\", PatientBirthDate: \"19450317\", SliceThickness: \"5\", '(0029,\"ACME\",10)': \"3\"}")
        let hidden = Evaluator().run(set, on: f, path: nil, showPHI: false).findings
        XCTAssertEqual(hidden.map(\.because), ["StudyDate 20240101 > \(Redaction.redact("19450317")) (PatientBirthDate)",
                                                "SliceThickness 5 >= \(Redaction.redact("3")) ((0029,\"ACME\",10))"])
        let shown = Evaluator().run(set, on: f, path: nil, showPHI: true).findings
        XCTAssertEqual(shown.map(\.because), ["StudyDate 20240101 > 19450317 (PatientBirthDate)", "SliceThickness 5 >= 3 ((0029,\"ACME\",10))"])
    }

    /// Message templates: placeholders between braces, literal text around
    /// them kept as written (non-ASCII included), an unclosed brace literal.
    func testMessageTemplates() throws {
        let set = try pack("""
        pack: t.tpl
        version: 1
        rules:
          - id: t.a
            check: {Modality: CT}
            message: "é {attribute}{value}ü } {Modality} x {PatientID} tail {open"
          - id: t.b
            check: {Modality: CT}
            message: "{value}"
          - id: t.c
            check: {Modality: CT}
            message: "no placeholder at all {"
        """)
        let f = try file("{Modality: MR, PatientID: P1}")
        let r = Evaluator().run(set, on: f, path: nil, showPHI: true).findings
        XCTAssertEqual(r.first { $0.ruleID == "t.a" }?.message, "é ModalityMRü } MR x P1 tail {open")
        XCTAssertEqual(r.first { $0.ruleID == "t.b" }?.message, "MR")
        XCTAssertEqual(r.first { $0.ruleID == "t.c" }?.message, "no placeholder at all {")
        // rule and pack ids: dotted words
        let c = PackCompiler(file: "x.yaml")
        for ok in ["a.b", "mr.tr-range", "x_1.Y-2"] { XCTAssertTrue(c.isValidID(ok), ok) }
        for bad in ["", ".a", "a.", "a..b", "a b", "a/b", "é.b", "."] { XCTAssertFalse(c.isValidID(bad), bad) }
    }

    func testGroupRules() throws {
        let set = try pack("""
        pack: t.groups
        version: 1
        rules:
          - id: s.geometry
            level: series
            check: {consistent: [Rows, PixelSpacing]}
          - id: s.count
            level: series
            check: {count: [2, 3]}
          - id: st.series
            level: study
            check: {count: {min: 2}}
          - id: d.unique
            level: dataset
            check: {unique: SOPInstanceUID}
          - id: s.mr-only
            level: series
            when: [{Modality: MR}]
            check: {consistent: [EchoTime]}
        """)
        let ev = Evaluator()
        let agg = GroupAggregator(set, showPHI: false)
        let data = [
            "{StudyInstanceUID: \"1\", SeriesInstanceUID: \"1.1\", SOPInstanceUID: \"1.1.1\", Rows: \"256\", PixelSpacing: [\"0.5\", \"0.5\"], Modality: MR, EchoTime: \"10\"}",
            "{StudyInstanceUID: \"1\", SeriesInstanceUID: \"1.1\", SOPInstanceUID: \"1.1.2\", Rows: \"512\", PixelSpacing: [\"0.5\", \"0.5\"], Modality: MR, EchoTime: \"10\"}",
            "{StudyInstanceUID: \"1\", SeriesInstanceUID: \"1.2\", SOPInstanceUID: \"1.1.2\", Rows: \"256\", Modality: CT, EchoTime: \"1\"}",
            "{StudyInstanceUID: \"2\", SeriesInstanceUID: \"2.1\", SOPInstanceUID: \"2.1.1\", Rows: \"256\", Modality: CT}",
            "{Rows: \"256\"}",
        ]
        for (i, d) in data.enumerated() { agg.add(ev.run(set, on: try file(d), path: "f\(i)", showPHI: false).samples, path: "f\(i)") }
        let (counts, findings) = agg.finish()
        let byRule = Dictionary(grouping: findings, by: \.ruleID)
        XCTAssertEqual(byRule["s.geometry"]?.map(\.message), ["Rows differs across series 1.1: 2 values"])
        XCTAssertEqual(byRule["s.geometry"]?.first?.observed, "256 (1 file); 512 (1 file)")
        XCTAssertEqual(counts[0], { var c = OutcomeCounts(); c.pass = 2; c.fail = 1; c.notEvaluated = 1; return c }())
        XCTAssertEqual(byRule["s.count"]?.count, 2)  // series 1.2 and 2.1 have one instance
        XCTAssertEqual(byRule["st.series"]?.map(\.message), ["study 2 has 1 series, expected 2-n"])
        XCTAssertEqual(byRule["d.unique"]?.map(\.message), ["SOPInstanceUID 1.1.2 is not unique in the data set: also in f1"])
        XCTAssertNil(byRule["s.mr-only"])
        XCTAssertEqual(counts[4].notApplicable, 3)
    }
}

final class PackStructureTests: XCTestCase {
    /// `extends` by id brings the other pack's rules and conditions; `defaults`
    /// give severity and `when` to every rule of the pack.
    func testExtendsAndDefaults() throws {
        let set = try pack("""
        pack: t.site
        version: 1
        extends: [example.ct-mr]
        defaults: {severity: info, when: [mr]}
        rules:
          - id: site.te
            check: {EchoTime: present}
            examples: {pass: [{Modality: MR, EchoTime: "10"}], fail: [{Modality: MR}]}
          - id: site.kvp
            severity: warning
            when: [{Manufacturer: {matches: "^GE"}}]
            check: {SliceThickness: {gt: 0}}
        """)
        XCTAssertEqual(set.packs.map(\.id), ["example.ct-mr", "t.site"])
        XCTAssertEqual(set.rules.count, 10)
        let te = try XCTUnwrap(set.rule("site.te")), kvp = try XCTUnwrap(set.rule("site.kvp"))
        XCTAssertEqual(te.severity, .info)
        XCTAssertEqual(kvp.severity, .warning)
        XCTAssertEqual(kvp.whenDescription, "Modality == MR and Manufacturer ~ /^GE/")
        XCTAssertEqual(Evaluator().outcome(of: te, try file("{Modality: CT}")), .notApplicable)
        XCTAssertEqual(set.runExamples(only: ["t.site"]).failures.map(\.description), [])
    }

    func testSeveralErrorsOfOneFileAtOnce() {
        let d = diagnostics("""
        pack: t.many
        version: 2
        rules:
          - id: a.one
            check: {Modality: {equals: MR}, Rowz: present}
          - id: a.two
            level: series
            check: {unique: SOPInstanceUDI}
          - id: a.three
            check: {KVP: {gt: [1]}}
        """)
        XCTAssertEqual(d, [
            "bad.yaml:2:10: error: unsupported language version '2': this dcmaudit reads version 1",
            "bad.yaml:5:37: error: unknown keyword 'Rowz' (did you mean 'Rows'?)",
            "bad.yaml:8:21: error: unknown keyword 'SOPInstanceUDI' (did you mean 'SOPInstanceUID'?)",
            "bad.yaml:10:23: error: 'gt' must be a scalar, not a list",
        ])
    }
}
