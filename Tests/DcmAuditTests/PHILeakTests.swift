import XCTest
import Foundation
@testable import DcmAudit
import DcmData
import DcmDictionary
import DcmRules

/// Every reporter over data sets full of known names and IDs: none of them
/// may appear in any output byte unless --show-phi (and then the report says
/// so at its top).
final class PHILeakTests: XCTestCase {
    /// Distinctive tokens planted in patient-identifying attributes (and a
    /// private element). Each is searched for, case-insensitively, in every byte.
    static let secrets: [(keyword: String, values: [String])] = [
        ("PatientName", ["ZYXWICK^QUORBEL", "ZYXWICK^QUORBELLA", "ZYXWICK^QUORBELINO"]),
        ("PatientID", ["PID48151623", "PID48151624", "PID48151625"]),
        ("OtherPatientIDs", ["OPID7000111"]),
        ("PatientBirthDate", ["19450317", "19450318", "19450319"]),
        ("PatientAddress", ["42 WALLABYWAY SYDNEY"]),
        ("InstitutionName", ["ELSEWHEREHOSP", "ELSEWHEREHOSPNORTH", "ELSEWHEREHOSPSOUTH"]),
        ("ReferringPhysicianName", ["HOUSEGREGORY^MD"]),
        ("AccessionNumber", ["ACC99887766"]),
        ("PatientComments", ["VIPPATIENTNOTE"]),
        // a site's Study ID and order numbers hold the patient's ID or accession number
        ("StudyID", ["SIDQ31415"]),
        ("RequestedProcedureID", ["RPIDQ2718"]),
    ]
    static let privateSecret = "PRIVSECRET777"
    static var tokens: [String] {
        var t = ["ZYXWICK", "QUORBEL", "PID4815162", "OPID7000111", "1945031", "WALLABYWAY", "ELSEWHEREHOSP", "HOUSEGREGORY", "ACC99887766", "VIPPATIENTNOTE", "SIDQ31415", "RPIDQ2718", privateSecret]
        t += ["1945-03-1"]  // a date shown formatted
        return t
    }

    /// A pack whose rules all fail on the planted values and quote them in
    /// every way a pack can: {value}, {PatientName}, observed values, series
    /// consistency and data-set uniqueness over patient attributes.
    static let pack = """
    pack: test.phi
    version: 1
    rules:
      - id: phi.name-format
        check: {PatientName: {matches: "^ANON"}}
        message: "name {value} is not anonymised (id {PatientID}, born {PatientBirthDate})"
      - id: phi.id-set
        check: {PatientID: {in: [ANON1, ANON2]}}
      - id: phi.birth-range
        check: {PatientBirthDate: {range: [20000101, 20100101]}}
      - id: phi.birth-format
        check: {PatientBirthDate: {equals: "19000101"}}
      - id: phi.institution
        severity: warning
        check: {InstitutionName: {equals: REMOVED}}
        message: "{attribute} {value} should be {expected} at {InstitutionName}"
      - id: phi.address
        check: {PatientAddress: absent}
      - id: phi.other-ids
        check: {OtherPatientIDs: {vm: 3}}
      - id: phi.referring
        severity: info
        check: {ReferringPhysicianName: {equals: "ANON"}}
      - id: phi.comments
        check: {PatientComments: {length: [0, 3]}}
      - id: phi.accession
        check: {AccessionNumber: {matches: "^X"}}
      - id: phi.study-id
        check: {StudyID: {matches: "^X"}}
        message: "study {value} (procedure {RequestedProcedureID})"
      - id: phi.procedure-id
        check: {RequestedProcedureID: {length: [0, 2]}}
      - id: phi.private
        check: {'(0029,"ACME PHI",10)': {equals: "nothing"}}
      - id: phi.series-consistent
        level: series
        check: {consistent: [PatientName, PatientID, PatientBirthDate, InstitutionName]}
      - id: phi.unique-accession
        level: dataset
        check: {unique: AccessionNumber}
      - id: phi.patients
        level: dataset
        check: {count: [1, 1]}
    # a protocol audit keyed by a patient attribute, with parameters that are (docs/protocols.md)
    protocol:
      session: PatientID
      acquisitions:
        - name: mr
          match: {Modality: MR}
          parameters:
            InstitutionName: {equals: REMOVED}
            PatientComments: {equals: NONE}
        - name: never
          match: {Modality: CT}
    """

    /// Where the fixtures live: the input root and a folder below it are named
    /// after the patient, as archives often are; so is one file. An
    /// unreadable file and a text file, without patient values of their own,
    /// sort before the DICOM files of the same folder.
    static let root = "data/Zyxwick^Quorbel"
    static let folder = root + "/PID48151623_1945-03-17"
    static let fileNames = ["im1.dcm", "im2.dcm", "Quorbel-Zyxwick.dcm"]

    func makeFixtures(in dir: String) throws {
        try Data("notes on this patient\n".utf8).write(to: URL(fileURLWithPath: dir + "/Zyxwick_notes.txt"))
        try Data(Array(repeating: 0, count: 128) + Array("DICM".utf8) + [0x02, 0x00, 0x10, 0x00, 0x55, 0x49, 0xFF, 0x7F]).write(to: URL(fileURLWithPath: dir + "/PID48151623.dcm"))
        for i in 0..<3 {
            var ds = DataSet()
            ds.set(keyword: "SOPClassUID", "1.2.840.10008.5.1.4.1.1.4")
            ds.set(keyword: "SOPInstanceUID", "1.2.826.0.1.3680043.10.1561.77.\(i + 1)")
            ds.set(keyword: "StudyInstanceUID", "1.2.826.0.1.3680043.10.1561.77")
            ds.set(keyword: "SeriesInstanceUID", "1.2.826.0.1.3680043.10.1561.77.0")
            ds.set(keyword: "Modality", "MR")
            for (k, vs) in PHILeakTests.secrets { ds.set(keyword: k, vs[min(i, vs.count - 1)]) }
            ds.set(Tag(0x0029, 0x0010), .LO, "ACME PHI")
            ds.set(Tag(0x0029, 0x1010), .LO, PHILeakTests.privateSecret)
            let bytes = try DicomWriter.write(dataSet: ds)
            try DicomWriter.save(bytes, to: dir + "/" + PHILeakTests.fileNames[i])
        }
    }

    func run(showPHI: Bool) throws -> (outputs: [String: [UInt8]], findings: Int) {
        let dir = NSTemporaryDirectory() + "dcmaudit-phi-\(getpid())-\(showPHI)"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/" + PHILeakTests.folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try makeFixtures(in: dir + "/" + PHILeakTests.folder)
        try PHILeakTests.pack.write(toFile: dir + "/phi.yaml", atomically: true, encoding: .utf8)
        var req = CheckRequest(paths: [dir + "/" + PHILeakTests.root])
        req.ruleFiles = [dir + "/phi.yaml"]
        req.builtinRules = repoRoot + "/Rules"
        req.jobs = 2
        req.showPHI = showPHI
        req.output = dir + "/console"
        req.reports = ReportFormats.names.map { ReportSpec(format: $0, path: dir + "/r." + $0) }
        // waived findings are listed apart in every format: redacted there too
        req.waivers = try AuditConfig.parse("waivers:\n  - {rule: phi.address, reason: kept on purpose}\n  - {rule: phi.comments, when: {Modality: MR}, reason: comments}\n",
                                            file: "c.yml").waivers
        let rules = try CheckRunner.loadRules(req)
        let report = CheckRunner.evaluate(req, rules: rules)
        let commandLine = ["dcmaudit", "check", "--rules", dir + "/phi.yaml", dir + "/" + PHILeakTests.root]
        XCTAssertEqual(CheckRunner.run(req, rules: rules, info: RunInfo.starting(commandLine: commandLine, packs: rules.packs, showPHI: showPHI)), 1)
        var out: [String: [UInt8]] = [:]
        out["console"] = try Array(Data(contentsOf: URL(fileURLWithPath: dir + "/console")))
        for f in ReportFormats.names { out[f] = try Array(Data(contentsOf: URL(fileURLWithPath: dir + "/r." + f))) }
        XCTAssertGreaterThanOrEqual(report.waivedCount, 6)
        return (out, report.findingCount)
    }

    func testNoPatientDataInAnyReport() throws {
        let (outputs, findings) = try run(showPHI: false)
        try? Data(outputs["json"]!).write(to: URL(fileURLWithPath: "/tmp/reports-phi.json"))
        // every rule fails somewhere, so the values had every chance to leak
        XCTAssertGreaterThanOrEqual(findings, 28)
        XCTAssertEqual(Set(outputs.keys), Set(ReportFormats.names + ["console"]))
        for (format, bytes) in outputs {
            let text = String(decoding: bytes, as: UTF8.self).uppercased()
            XCTAssertTrue(text.contains("<REDACTED:") || text.contains("&LT;REDACTED:") || text.contains("\\U003CREDACTED:") || format == "junit" || format == "markdown",
                          "\(format) shows no redacted value at all")
            for t in PHILeakTests.tokens {
                XCTAssertFalse(text.contains(t.uppercased()), "\(format) leaks '\(t)'")
            }
        }
    }

    /// The test can fail: with --show-phi the same values do appear, and
    /// every report says so at its top.
    func testShowPHIShowsThemAndSaysSo() throws {
        let (outputs, _) = try run(showPHI: true)
        for (format, bytes) in outputs {
            let text = String(decoding: bytes, as: UTF8.self)
            if format != "markdown" {  // markdown lists only the first findings, still it must announce
                XCTAssertTrue(PHILeakTests.tokens.contains { text.contains($0) }, "\(format) shows no planted value with --show-phi")
            }
            let top = String(text.prefix(700))
            let announced = top.contains("PATIENT DATA SHOWN") || (format == "junit" && top.contains("dcmaudit.phiShown\" value=\"true"))
                || (format == "sarif" && text.contains("PATIENT DATA SHOWN"))
            XCTAssertTrue(announced, "\(format) does not say at its top that patient data is shown")
        }
    }

    /// The files are still told apart: each redacted folder is the same
    /// `<redacted:hash>` everywhere, the unreadable and the text file are
    /// reported (after the DICOM files), and the parts of the paths that hold
    /// no patient value are kept.
    func testRedactedPathsStayUsable() throws {
        let (outputs, _) = try run(showPHI: false)
        let json = try JSONSerialization.jsonObject(with: Data(outputs["json"]!)) as! [String: Any]
        let files = (json["findings"] as! [[String: Any]]).compactMap { $0["file"] as? String }
        let folder = Redaction.redact("Zyxwick^Quorbel") + "/" + Redaction.redact("PID48151623_1945-03-17")
        XCTAssertTrue(files.contains { $0.hasSuffix("/data/" + folder + "/im1.dcm") }, "\(Set(files))")
        XCTAssertTrue(files.contains { $0.hasSuffix("/data/" + folder + "/" + Redaction.redact("Quorbel-Zyxwick.dcm")) })
        XCTAssertTrue(files.contains { $0.hasSuffix("/data/" + folder + "/" + Redaction.redact("Zyxwick_notes.txt")) }, "the text file, reported")
        XCTAssertTrue(files.contains { $0.hasSuffix("/data/" + folder + "/" + Redaction.redact("PID48151623.dcm")) }, "the unreadable file, reported")
        let run = json["run"] as! [String: Any]
        XCTAssertEqual((run["paths"] as! [String]).map { $0.hasSuffix("/data/" + Redaction.redact("Zyxwick^Quorbel")) }, [true])
        let invocation = json["invocation"] as! [String: Any]
        XCTAssertTrue((invocation["commandLine"] as! [String]).last!.hasSuffix("/data/" + Redaction.redact("Zyxwick^Quorbel")))
    }

    /// A finding whose texts hold its own file's path (a value that is the
    /// path, shown by `{value}` and in `because`) has the path redacted in
    /// them too, with and without waivers: without, only the findings the
    /// workers found naming their path are searched
    /// (`PathRedactor.findingsNaming`), and the others are left as made.
    func testPathInAFindingsTextIsRedacted() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-phi-text-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        let folder = dir + "/Zyxwick^Quorbel"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for i in 1...2 {
            let path = folder + "/im\(i).dcm"
            var ds = DataSet()
            ds.set(keyword: "SOPClassUID", "1.2.840.10008.5.1.4.1.1.4")
            ds.set(keyword: "SOPInstanceUID", "1.2.3.\(i)")
            ds.set(keyword: "Modality", "MR")
            ds.set(keyword: "PatientName", "ZYXWICK^QUORBEL")
            ds.set(keyword: "StudyDescription", i == 1 ? path : "brain")
            try DicomWriter.save(try DicomWriter.write(dataSet: ds), to: path)
        }
        try """
        pack: test.path-text
        version: 1
        rules:
          - id: t.description
            check: {StudyDescription: {equals: head}}
            message: "description {value}"
          - id: t.modality
            check: {Modality: {equals: CT}}
          - id: t.expected
            when: {SOPInstanceUID: 1.2.3.1}
            check: {Modality: {equals: "\(folder)/im1.dcm"}}
            message: "wrong modality"
        """.write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
        for waived in [false, true] {
            var req = CheckRequest(paths: [folder])
            req.ruleFiles = [dir + "/p.yaml"]
            req.builtinRules = repoRoot + "/Rules"
            req.jobs = 2
            if waived { req.waivers = try AuditConfig.parse("waivers:\n  - {rule: t.modality, reason: r}\n", file: "c.yml").waivers }
            let rules = try CheckRunner.loadRules(req)
            let report = CheckRunner.evaluate(req, rules: rules)
            let described = report.findings.filter { $0.ruleID == "t.description" }
            XCTAssertEqual(described.count, 2)
            let redacted = dir + "/" + Redaction.redact("Zyxwick^Quorbel") + "/im1.dcm"
            XCTAssertEqual(described.first?.file, redacted)
            XCTAssertEqual(described.first?.message, "description " + redacted, "waived \(waived)")
            XCTAssertEqual(described.first?.observed, redacted)
            XCTAssertEqual(described.last?.message, "description brain")
            // the file's path in the rule's own text (its expected value) is redacted too
            let expected = report.findings.filter { $0.ruleID == "t.expected" }
            XCTAssertEqual(expected.count, 1)
            XCTAssertTrue(expected.first?.expected?.contains(redacted) == true, "\(expected.map(\.expected))")
            for f in report.findings + report.waived.flatMap(\.findings) {
                for t in [f.message, f.because ?? "", f.observed ?? "", f.expected ?? "", f.file ?? ""] {
                    XCTAssertFalse(t.uppercased().contains("ZYXWICK"), "\(f.ruleID): \(t)")
                }
            }
        }
    }

    /// A value one byte shorter than its declared length (PS3.5 §7.1) makes
    /// the reader lose step: the bytes after it, the Patient ID and birth
    /// date among them, become the value of an element the dictionary does
    /// not know, which `vendor.private`'s `private.even-group` and
    /// `dicom.values` quoted as it was. An element the dictionary does not
    /// know is redacted like a private one (`Redaction.isPatientIdentifying`).
    func testValuesOfUnknownElementsAreRedacted() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-phi-unknown-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var ds = DataSet()
        ds.set(keyword: "SOPClassUID", "1.2.840.10008.5.1.4.1.1.4")
        ds.set(keyword: "SOPInstanceUID", "1.2.3.4")
        ds.set(keyword: "Modality", "MR")
        ds.set(keyword: "PatientName", "ZYXWICK^QUORBEL")
        ds.set(keyword: "PatientID", "PID48151623")
        ds.set(keyword: "PatientBirthDate", "19450317")
        var bytes = try DicomWriter.write(dataSet: ds)
        let name = Array("ZYXWICK^QUORBEL ".utf8)
        let at = try XCTUnwrap((0...(bytes.count - name.count)).first { bytes[$0..<($0 + name.count)].elementsEqual(name) })
        bytes.remove(at: at + 3)   // the 'W': 15 bytes where the length says 16
        try DicomWriter.save(bytes, to: dir + "/im1.dcm")
        // an attribute newer than the dictionary, written by a newer device
        ds.set(keyword: "SOPInstanceUID", "1.2.3.5")
        ds.set(Tag(0x0010, 0x9999), .LO, "PID48151623")
        try DicomWriter.save(try DicomWriter.write(dataSet: ds), to: dir + "/im2.dcm")
        for showPHI in [false, true] {
            var req = CheckRequest(paths: [dir])
            req.packIDs = ["vendor.private", "dicom.values"]
            req.builtinRules = repoRoot + "/Rules"
            req.showPHI = showPHI
            let rules = try CheckRunner.loadRules(req)
            let report = CheckRunner.evaluate(req, rules: rules)
            let unknown = report.findings.filter { $0.ruleID == "private.even-group" }
            XCTAssertEqual(Set(unknown.compactMap(\.file).map { ($0 as NSString).lastPathComponent }), ["im1.dcm", "im2.dcm"])
            let texts = report.findings.flatMap { [$0.message, $0.because ?? "", $0.observed ?? "", $0.expected ?? ""] }.joined(separator: "\n")
            for t in ["PID48151623", "19450317"] {
                XCTAssertEqual(texts.contains(t), showPHI, "'\(t)' with showPHI \(showPHI):\n\(texts)")
            }
        }
    }

    /// Every keyword of the redaction list names an attribute of the
    /// dictionary (a misspelt one would be silently left out).
    func testRedactionKeywordsAreAttributes() {
        XCTAssertEqual(Redaction.tags.count, Set(Redaction.keywords).count,
                       "not in the dictionary: \(Redaction.keywords.filter { DataDictionary.tag(forKeyword: $0) == nil })")
        XCTAssertTrue(Redaction.isPatientIdentifying(DataDictionary.tag(forKeyword: "StudyID")))
        XCTAssertFalse(Redaction.isPatientIdentifying(DataDictionary.tag(forKeyword: "SeriesDescription")))
    }

    /// Which path components hold a value (docs/reports.md, *Patient data in paths*).
    func testPathComponentMatching() {
        var ds = DataSet()
        ds.set(keyword: "PatientName", "Smith-Jones^Li^^Dr")
        ds.set(keyword: "PatientID", "12345")
        ds.set(keyword: "PatientBirthDate", "19800101")
        let r = PathRedactor()
        r.learn(PathRedactor.values(of: ds))
        let kept = ["/data", "LOCALIZER", "S001_T1_MPRAGE", "im1.dcm", "2024-05-01", "Series 3", "DR_PHILIPS"]
        for c in kept { XCTAssertEqual(r.redact(c), c, c) }
        let gone = ["SMITH_JONES^LI", "Smith_Li_19800101", "jones", "li", "LI_01", "01.01.1980", "1980-01-01", "p12345x", "smith-jones-li.dcm"]
        for c in gone { XCTAssertEqual(r.redact(c), Redaction.redact(c), c) }
        XCTAssertEqual(r.redact("/data/Smith_Li/S001/im1.dcm"), "/data/" + Redaction.redact("Smith_Li") + "/S001/im1.dcm")
        XCTAssertEqual(r.redact("rel/./Li/../x"), "rel/./" + Redaction.redact("Li") + "/../x")
    }

    /// A value far longer than any valid one (a damaged file's PatientName
    /// running to the end of the file) is looked at up to its first 1024
    /// characters: the rest is neither normalised nor kept for the run.
    func testOnlyTheStartOfOverlongValuesIsLearnt() {
        var ds = DataSet()
        ds.setRaw(Tag(0x0010, 0x0010), .PN, Array("Zyx^Doe ".utf8) + Array(String(repeating: "Qx7 ", count: 4000).utf8) + Array("Wvu".utf8))
        ds.set(keyword: "PatientID", String(repeating: "9", count: 3000))
        let values = PathRedactor.values(of: ds)
        XCTAssertLessThanOrEqual(values.reduce(0) { $0 + $1.count }, 4 * PathRedactor.valueCharacters, "\(values.count) values")
        XCTAssertTrue(values.contains(Array("ZYX".utf8)))
        XCTAssertTrue(values.contains(Array("DOE".utf8)))
        XCTAssertTrue(values.contains(Array("QX7".utf8)))
        XCTAssertFalse(values.contains(Array("WVU".utf8)))
        let r = PathRedactor()
        r.learn(values)
        XCTAssertEqual(r.redact("/data/Doe_a/x.dcm"), "/data/" + Redaction.redact("Doe_a") + "/x.dcm")
        XCTAssertEqual(r.redact("/data/S001/x.dcm"), "/data/S001/x.dcm")
    }

    /// `redact(_:naming:)` of a file's findings gives what `redact(_:)` gives
    /// each: the shared file texts redacted once, the texts searched at the
    /// named positions, related files and other files' findings redacted.
    func testBatchRedactionIsPerFindingRedaction() {
        var ds = DataSet()
        ds.set(keyword: "PatientName", "Doe^Jane")
        ds.set(keyword: "PatientID", "P777")
        let r = PathRedactor()
        r.learn(PathRedactor.values(of: ds))
        let path = "/data/P777/Doe_Jane/IM1.dcm", other = "/data/P777/Doe_Jane/IM2.dcm"
        let ft = Finding.FileTexts(file: path, sopInstanceUID: "1.2.3"), ft2 = Finding.FileTexts(file: "/data/S1/IM3.dcm")
        func f(_ t: Finding.FileTexts, _ message: String, related: [String] = []) -> Finding {
            Finding(ruleTexts: .init(ruleID: "r", packID: "p", reference: nil), fileTexts: t, severity: .error, level: .instance,
                    message: message, becauseReason: nil, becauseHasWhen: false, relatedFiles: related)
        }
        let batch = [f(ft, "Rows is absent"), f(ft, "SOP Instance UID also in " + other, related: [other]), f(ft, "named " + path),
                     f(ft, "Columns is absent"), f(ft2, "Rows is absent"), f(ft, "Rows is absent")]
        let named = PathRedactor.findingsNaming(path, batch)
        XCTAssertEqual(named, [2])
        let expected = batch.map { r.redact($0) }
        var got = batch
        r.redact(&got, naming: named)
        XCTAssertEqual(got.map { $0.fileTexts.file }, expected.map { $0.fileTexts.file })
        XCTAssertEqual(got.map(\.message), expected.map(\.message))
        XCTAssertEqual(got.map(\.relatedFiles), expected.map(\.relatedFiles))
        XCTAssertEqual(got.map { $0.fileTexts.sopInstanceUID }, Array(repeating: "1.2.3", count: 4) + [nil, "1.2.3"])
        XCTAssertFalse(got.contains { ($0.fileTexts.file ?? "").contains("P777") || $0.message.contains("Doe_Jane") })
        XCTAssertEqual(got[4].fileTexts.file, "/data/S1/IM3.dcm")
    }

    /// The command line in reports: paths redacted, option names and the
    /// values of options that are never paths (--jobs, --format, --pack …)
    /// left as typed, even when a patient value equals them.
    func testCommandLineRedaction() {
        var ds = DataSet()
        ds.set(keyword: "PatientName", "Iod^Json")
        ds.set(keyword: "PatientID", "1")
        let r = PathRedactor()
        r.learn(PathRedactor.values(of: ds))
        let args = ["dcmaudit", "check", "--jobs", "1", "--format=json", "--pack", "dicom.iod", "--rules", "/packs/Iod_site.yaml",
                    "--output=/out/json/1.txt", "--report", "json:/out/IOD.json", "/data/1/Iod_Json", "--", "--jobs", "1"]
        XCTAssertEqual(r.redactCommandLine(args), [
            "dcmaudit", "check", "--jobs", "1", "--format=json", "--pack", "dicom.iod", "--rules", "/packs/" + Redaction.redact("Iod_site.yaml"),
            "--output=/out/" + Redaction.redact("json") + "/" + Redaction.redact("1.txt"), "--report", Redaction.redact("json:") + "/out/" + Redaction.redact("IOD.json"),
            "/data/" + Redaction.redact("1") + "/" + Redaction.redact("Iod_Json"), "--", "--jobs", Redaction.redact("1")])
    }

    /// A worker's `PHIValueCache` gives what `PathRedactor.values(of:)`
    /// gives, file after file, when the patient changes and changes back.
    func testPHIValueCacheFollowsThePatient() throws {
        let demo = repoRoot + "/Fixtures/demo/"
        let paths = ["DEMO001", "DEMO001", "DEMO002", "DEMO001", "DEMO003"].map { p in
            demo + p + "/" + (try! FileManager.default.subpathsOfDirectory(atPath: demo + p)).filter { $0.hasSuffix(".dcm") }.sorted()[0]
        }
        let cache = PHIValueCache()
        var seen: [[[UInt8]]] = []
        for path in paths {
            let ds = try DicomReader.read(path: path).dataSet
            let v = cache.values(of: ds)
            XCTAssertEqual(v, PathRedactor.values(of: ds), path)
            XCTAssertFalse(v.isEmpty, path)
            seen.append(v)
        }
        XCTAssertNotEqual(seen[1], seen[2], "another patient's values, not the last file's")
    }

}
