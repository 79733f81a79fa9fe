import XCTest
@testable import DcmRules
import DcmData

/// Every operator, on in-memory data sets, and the missing-value semantics.
final class OperatorTests: XCTestCase {
    func expect(_ check: String, _ data: String, _ want: Outcome, when: String? = nil, conditions: String = "", line: UInt = #line) {
        do {
            let got = try outcome(check, when: when, on: data, conditions: conditions)
            XCTAssertEqual(got, want, "\(check) on \(data)", line: line)
        } catch { XCTFail("\(error)", line: line) }
    }

    func testPresence() {
        expect("{PatientID: present}", "{PatientID: \"1\"}", .pass)
        expect("{PatientID: present}", "{PatientID: \"\"}", .pass)
        expect("{PatientID: present}", "{Modality: MR}", .fail)
        expect("{PatientID: absent}", "{Modality: MR}", .pass)
        expect("{PatientID: absent}", "{PatientID: \"\"}", .fail)
        expect("{PatientID: {present: false}}", "{Modality: MR}", .pass)
        expect("{PatientID: empty}", "{PatientID: \"\"}", .pass)
        expect("{PatientID: empty}", "{PatientID: \"1\"}", .fail)
        expect("{PatientID: empty}", "{Modality: MR}", .fail)  // a check on a missing attribute fails
        expect("{PatientID: not_empty}", "{PatientID: \"1\"}", .pass)
        expect("{PatientID: not_empty}", "{PatientID: \"\"}", .fail)
    }

    func testTypes() {
        expect("{PatientID: {type: \"1\"}}", "{PatientID: \"1\"}", .pass)
        expect("{PatientID: {type: \"1\"}}", "{PatientID: \"\"}", .fail)
        expect("{PatientID: {type: \"1\"}}", "{Modality: CT}", .fail)
        expect("{PatientID: {type: \"2\"}}", "{PatientID: \"\"}", .pass)
        expect("{PatientID: {type: \"2\"}}", "{Modality: CT}", .fail)
        expect("{PatientID: {type: \"3\"}}", "{Modality: CT}", .pass)
        let c1 = "{EchoTime: {type: 1C, if: {Modality: MR}}}"
        expect(c1, "{Modality: MR, EchoTime: \"2\"}", .pass)
        expect(c1, "{Modality: MR, EchoTime: \"\"}", .fail)
        expect(c1, "{Modality: MR}", .fail)
        expect(c1, "{Modality: CT}", .pass)
        let c2 = "{EchoTime: {type: 2C, if: {Modality: MR}}}"
        expect(c2, "{Modality: MR, EchoTime: \"\"}", .pass)
        expect(c2, "{Modality: MR}", .fail)
        expect(c2, "{Modality: CT}", .pass)
    }

    /// AT values (PS3.5 §6.2) compared as tags: an operand is written
    /// (gggg,eeee), gggg,eeee, ggggeeee or as a keyword; "points to" (Frame
    /// Increment Pointer, C.7.6.6) is `not: {not_in: …}`. They were not
    /// evaluated (compared as numbers, which AT values are not).
    func testATValues() {
        let fip = "{FrameIncrementPointer: [\"00181063\", \"00181065\"]}"
        expect("{FrameIncrementPointer: {in: [FrameTime, \"(0018,1065)\"]}}", fip, .pass)
        expect("{FrameIncrementPointer: {in: [FrameTime]}}", fip, .fail)
        expect("{FrameIncrementPointer: {not_in: [\"0018,2001\"]}}", fip, .pass)
        expect("{not: {FrameIncrementPointer: {not_in: [\"00181065\"]}}}", fip, .pass)
        expect("{not: {FrameIncrementPointer: {not_in: [\"(0054,0010)\"]}}}", fip, .fail)
        expect("{FrameIncrementPointer: {equals: [FrameTime, FrameTimeVector]}}", fip, .pass)
        expect("{FrameIncrementPointer: {equals: [FrameTimeVector, FrameTime]}}", fip, .fail)
        expect("{FrameIncrementPointer: {equals: FrameTime}}", "{FrameIncrementPointer: \"00181063\"}", .pass)
        // a lower-case tag is the same tag
        expect("{FrameIncrementPointer: {in: [\"(3004,000c)\"]}}", "{FrameIncrementPointer: \"3004000C\"}", .pass)
    }

    func testEqualsInMatches() {
        expect("{Modality: MR}", "{Modality: MR}", .pass)
        expect("{Modality: {equals: MR}}", "{Modality: CT}", .fail)
        expect("{Modality: {equals: MR}}", "{PatientID: \"1\"}", .fail)
        expect("{Modality: {equals: MR}}", "{Modality: \"\"}", .fail)
        // YES/NO/ON stay strings
        expect("{BurnedInAnnotation: NO}", "{BurnedInAnnotation: NO}", .pass)
        expect("{BurnedInAnnotation: {in: [NO, ON]}}", "{BurnedInAnnotation: YES}", .fail)
        // numeric equality on DS: 1.0 == 1
        expect("{SliceThickness: {equals: 1}}", "{SliceThickness: \"1.0\"}", .pass)
        expect("{SliceThickness: {equals: 1.0, tolerance: 0.05}}", "{SliceThickness: \"1.04\"}", .pass)
        expect("{SliceThickness: {equals: 1.0, tolerance: 0.05}}", "{SliceThickness: \"1.06\"}", .fail)
        // binary US
        expect("{Rows: {equals: 256}}", "{Rows: \"256\"}", .pass)
        expect("{Rows: {in: [256, 512]}}", "{Rows: \"128\"}", .fail)
        expect("{Modality: {in: [CT, MR]}}", "{Modality: MR}", .pass)
        expect("{Modality: [CT, MR]}", "{Modality: US}", .fail)
        expect("{Modality: {not_in: [CT, MR]}}", "{Modality: US}", .pass)
        expect("{Modality: {not_in: [CT, MR]}}", "{Modality: CT}", .fail)
        expect("{Modality: {not_in: [CT, MR]}}", "{PatientID: \"1\"}", .fail)
        expect("{ImageType: {equals: [ORIGINAL, PRIMARY]}}", "{ImageType: [ORIGINAL, PRIMARY]}", .pass)
        expect("{ImageType: {equals: [ORIGINAL, PRIMARY]}}", "{ImageType: [ORIGINAL, SECONDARY]}", .fail)
        expect("{'ImageType[1]': {equals: SECONDARY}}", "{ImageType: [ORIGINAL, SECONDARY]}", .pass)
        expect("{'ImageType[2]': present}", "{ImageType: [ORIGINAL, SECONDARY]}", .fail)
        expect("{Manufacturer: {matches: \"(?i)siemens\"}}", "{Manufacturer: SIEMENS Healthineers}", .pass)
        expect("{Manufacturer: {matches: \"^GE\"}}", "{Manufacturer: SIEMENS}", .fail)
        expect("{StationName: {matches: \"^SCAN\"}}", "{StationName: SCANNER1}", .pass)
    }

    func testOrderedComparisons() {
        expect("{RepetitionTime: {range: [300, 12000]}}", "{RepetitionTime: \"2300\"}", .pass)
        expect("{RepetitionTime: {range: [300, 12000]}}", "{RepetitionTime: \"12000.5\"}", .fail)
        expect("{RepetitionTime: {range: [300, 12000]}}", "{RepetitionTime: \"abc\"}", .notEvaluated)
        expect("{RepetitionTime: {gt: 0}}", "{RepetitionTime: \"0\"}", .fail)
        expect("{RepetitionTime: {ge: 0}}", "{RepetitionTime: \"0\"}", .pass)
        expect("{RepetitionTime: {lt: 10}}", "{RepetitionTime: \"1e1\"}", .fail)
        expect("{RepetitionTime: {le: 10}}", "{RepetitionTime: \"1e1\"}", .pass)
        expect("{Rows: {gt: 255}}", "{Rows: \"256\"}", .pass)
        expect("{SpacingBetweenSlices: {ge: {attr: SliceThickness}}}", "{SpacingBetweenSlices: \"5\", SliceThickness: \"5.0\"}", .pass)
        expect("{SpacingBetweenSlices: {ge: {attr: SliceThickness}}}", "{SpacingBetweenSlices: \"4\", SliceThickness: \"5\"}", .fail)
        expect("{SpacingBetweenSlices: {ge: {attr: SliceThickness}}}", "{SpacingBetweenSlices: \"4\"}", .notEvaluated)
        // dates as dates
        expect("{StudyDate: {range: [\"20200101\", \"20241231\"]}}", "{StudyDate: \"20230615\"}", .pass)
        expect("{StudyDate: {gt: \"20200101\"}}", "{StudyDate: \"20191231\"}", .fail)
        expect("{StudyDate: {gt: \"20200101\"}}", "{StudyDate: \"2020.06.01\"}", .pass)
        expect("{StudyTime: {lt: \"120000\"}}", "{StudyTime: \"0930\"}", .pass)
        expect("{AcquisitionDateTime: {ge: \"20200101\"}}", "{AcquisitionDateTime: \"20200101103000\"}", .pass)
        expect("{StudyDate: {le: {attr: SeriesDate}}}", "{StudyDate: \"20200102\", SeriesDate: \"20200101\"}", .fail)
    }

    func testMultiplicityVRLengthFormat() {
        expect("{PixelSpacing: {vm: 2}}", "{PixelSpacing: [\"0.5\", \"0.5\"]}", .pass)
        expect("{PixelSpacing: {vm: 2}}", "{PixelSpacing: \"0.5\"}", .fail)
        expect("{ImageType: {vm: \"2-n\"}}", "{ImageType: [A, B, C]}", .pass)
        expect("{ImageType: {vm: \"1-2\"}}", "{ImageType: [A, B, C]}", .fail)
        expect("{ImageType: {vm: [1, 3]}}", "{ImageType: [A, B, C]}", .pass)
        expect("{PixelSpacing: {each: {gt: 0}}}", "{PixelSpacing: [\"0.5\", \"-1\"]}", .fail)
        expect("{PixelSpacing: {each: {any: [{gt: 0}, {equals: -1}]}}}", "{PixelSpacing: [\"0.5\", \"-1\"]}", .pass)
        expect("{Modality: {vr: CS}}", "{Modality: MR}", .pass)
        expect("{Rows: {vr: [SS, UL]}}", "{Rows: \"1\"}", .fail)
        expect("{PatientID: {length: \"1-8\"}}", "{PatientID: \"123456789\"}", .fail)
        expect("{PatientID: {length: [1, 16]}}", "{PatientID: \"123456789\"}", .pass)
        for (vr, good, bad) in [("StudyDate", "20240229", "20230229"), ("StudyTime", "235959.123456", "24"),
                                ("PatientAge", "045Y", "45Y"), ("SliceThickness", "-1.5e3", "1,5"), ("InstanceNumber", "+12", "1.5"),
                                ("SOPInstanceUID", "1.2.840.10008.1", "1.2.03"), ("Modality", "MR", "Mr"),
                                ("StationName", "SCANNER", "A\\tB"), ("AcquisitionDateTime", "20240101120000.5+0100", "2024-01-01"),
                                ("RetrieveAETitle", "STORESCP", "   ")] {
            expect("{\(vr): format}", "{\(vr): \"\(good)\"}", .pass)
            expect("{\(vr): {format: true}}", "{\(vr): \"\(bad)\"}", .fail)
        }
        expect("{Modality: format}", "{Modality: ABCDEFGHIJKLMNOPQ}", .fail)  // CS max 16
        expect("{PatientName: format}", "{PatientName: \"Doe^Jane^^^^extra\"}", .fail)
    }

    /// A NUL (00H) pads only UI values (PS3.5 6.2); in any other string VR it
    /// is outside the repertoire, also as trailing padding, which the reader
    /// trims (pydicom's no_meta_group_length.dcm: "Trailing character invalid
    /// for this VR" in dciodvfy). Binary VRs hold any bytes.
    func testNULPadsOnlyUI() {
        expect("{SOPInstanceUID: format}", "{SOPInstanceUID: \"1.2.3\\0\"}", .pass)
        expect("{StationName: format}", "{StationName: \"SCANNER\\0\"}", .fail)
        expect("{StationName: format}", "{StationName: \"SCANNE\\0 \"}", .fail)
        expect("{StationName: format}", "{StationName: \"SCANNER \"}", .pass)
        expect("{Modality: format}", "{Modality: \"MR\\0\\0\"}", .fail)
        expect("{StudyDate: format}", "{StudyDate: \"20240101\\0\\0\"}", .fail)
        expect("{ImageType: format}", "{ImageType: [ORIGINAL, \"PRIMARY\\0\"]}", .fail)
        expect("{'ImageType[0]': format}", "{ImageType: [ORIGINAL, \"PRIMARY\\0\"]}", .pass)
        expect("{'ImageType[1]': format}", "{ImageType: [ORIGINAL, \"PRIMARY\\0\"]}", .fail)
        expect("{ImageComments: format}", "{ImageComments: \"text\\0\\0\"}", .fail)
        expect("{each_element: {format: true}}", "{'(0009,\"ACME\",01)': {vr: OB, value: \"AB\\0\\0\"}}", .pass)
    }

    /// A UID of one component is valid PS3.5 9.1 syntax but no UID: PS3.5 9
    /// defines <org root>.<suffix> (pydicom's reportsi.dcm: Referenced SOP
    /// Class/Instance UID "0", "Nothing but zero components" in dciodvfy).
    /// Two components or more, zeros included, pass.
    func testOneComponentUIDIsNoUID() {
        for bad in ["0", "1", "2", "12345"] {
            expect("{SOPInstanceUID: format}", "{SOPInstanceUID: \"\(bad)\"}", .fail)
        }
        for good in ["1.2.840.10008.1.2", "1.0.2", "2.25.0", "0.0"] {
            expect("{SOPInstanceUID: format}", "{SOPInstanceUID: \"\(good)\"}", .pass)
        }
    }

    func testCombinatorsAcrossAttributes() {
        expect("{any: [{Modality: CT}, {KVP: present}]}", "{Modality: MR, KVP: \"120\"}", .pass)
        expect("{any: [{Modality: CT}, {KVP: present}]}", "{Modality: MR}", .fail)
        expect("{all: [{Modality: MR}, {EchoTime: present}]}", "{Modality: MR}", .fail)
        expect("{not: {Modality: CT}}", "{Modality: MR}", .pass)
        expect("{not: {Modality: CT}}", "{PatientID: \"1\"}", .pass)
        expect("{Modality: {not: {in: [CT, MR]}}}", "{Modality: MR}", .fail)
        expect("{Modality: {all: [{in: [CT, MR]}, {not: {equals: CT}}]}}", "{Modality: MR}", .pass)
        expect("{Modality: {any: [{equals: CT}, absent]}}", "{PatientID: \"1\"}", .pass)
        // several attributes in one map: all must hold
        expect("{Modality: MR, EchoTime: present}", "{Modality: MR}", .fail)
    }

    func testWhenSemantics() {
        // a rule whose when does not hold is not applicable, never a pass
        expect("{KVP: present}", "{Modality: MR}", .notApplicable, when: "[{Modality: CT}]")
        // a selector on a missing attribute does not match
        expect("{KVP: present}", "{PatientID: \"1\"}", .notApplicable, when: "[{Modality: CT}]")
        expect("{KVP: present}", "{PatientID: \"1\"}", .fail, when: "[{Modality: {not: {equals: CT}}}]".replacingOccurrences(of: "{Modality: {not: {equals: CT}}}", with: "{not: {Modality: CT}}"))
        // a selector that cannot be decided: not evaluated
        expect("{KVP: present}", "{SliceThickness: \"x\"}", .notEvaluated, when: "[{SliceThickness: {gt: 1}}]")
        // named conditions, and any/all/not in conditions
        expect("{KVP: present}", "{Modality: CT, Manufacturer: GE}", .fail, when: "[ct, {any: [ge, siemens]}]",
               conditions: "{ct: {Modality: CT}, ge: {Manufacturer: {matches: \"^GE\"}}, siemens: {Manufacturer: {matches: \"(?i)siemens\"}}}")
        expect("{KVP: present}", "{Modality: CT, Manufacturer: Philips}", .notApplicable, when: "[ct, {any: [ge, siemens]}]",
               conditions: "{ct: {Modality: CT}, ge: {Manufacturer: {matches: \"^GE\"}}, siemens: {Manufacturer: {matches: \"(?i)siemens\"}}}")
    }

    func testWildcardsAndPrivate() {
        let c = "{'ReferencedImageSequence[*].ReferencedSOPClassUID': format}"
        expect(c, "{ReferencedImageSequence: [{ReferencedSOPClassUID: \"1.2.3\"}, {ReferencedSOPClassUID: \"1.2.3\"}]}", .pass)
        expect(c, "{ReferencedImageSequence: [{ReferencedSOPClassUID: \"1.2.3\"}, {ReferencedSOPClassUID: \"1.02.3\"}]}", .fail)
        expect(c, "{ReferencedImageSequence: [{ReferencedSOPClassUID: \"1.2.3\"}, {ReferencedSOPInstanceUID: \"1.2\"}]}", .fail)
        expect(c, "{Modality: MR}", .pass)  // nothing to check: vacuously true
        expect("{KVP: present}", "{Modality: MR}", .notApplicable, when: "[{'ReferencedImageSequence[*].ReferencedSOPClassUID': present}]")
        expect("{'ReferencedImageSequence[0].ReferencedSOPClassUID': present}", "{Modality: MR}", .fail)
        expect("{'(0029,\"SIEMENS CSA HEADER\",10)': present}", "{'(0029,\"SIEMENS CSA HEADER\",10)': x}", .pass)
        expect("{'(0029,\"SIEMENS CSA HEADER\",10)': present}", "{'(0029,\"OTHER\",10)': x}", .fail)
        expect("{'(0008,0060)': {equals: MR}}", "{Modality: MR}", .pass)
    }

    func testSequencesHaveValuesWhenTheyHaveItems() {
        expect("{ReferencedImageSequence: {type: \"1\"}}", "{ReferencedImageSequence: [{ReferencedSOPInstanceUID: \"1.2\"}]}", .pass)
        expect("{ReferencedImageSequence: {type: \"1\"}}", "{ReferencedImageSequence: \"\"}", .fail)
        expect("{ReferencedImageSequence: empty}", "{ReferencedImageSequence: \"\"}", .pass)
        expect("{ReferencedImageSequence: {type: \"2\"}}", "{ReferencedImageSequence: \"\"}", .pass)
    }

    func testAnomalies() throws {
        expect("{file.anomalies: {not_in: [odd-length]}}", "{file.anomalies: [no-preamble]}", .pass)
        expect("{file.anomalies: {not_in: [odd-length]}}", "{file.anomalies: [no-preamble, odd-length]}", .fail)
        expect("{file.anomalies: empty}", "{PatientID: \"1\"}", .pass)
        expect("{file.anomalies: empty}", "{file.anomalies: [truncated]}", .fail)
    }

    func testEveryAnomalyKindHasAnEncodingRule() throws {
        let text = try String(contentsOfFile: repoRoot + "/Rules/dicom.encoding.yaml", encoding: .utf8)
        for k in Anomaly.Kind.allCases { XCTAssertTrue(text.contains(k.rawValue), "no dicom.encoding rule for \(k.rawValue)") }
    }
}

/// The operators that look things up in PS3.6: `vm: dictionary`,
/// `vr: dictionary`, `retired`, `registered`, and `each_element`.
final class DictionaryOperatorTests: XCTestCase {
    func expect(_ check: String, _ data: String, _ want: Outcome, line: UInt = #line) {
        do {
            let got = try outcome(check, on: data)
            XCTAssertEqual(got, want, "\(check) on \(data)", line: line)
        } catch { XCTFail("\(error)", line: line) }
    }

    func testVMAndVRFromTheDictionary() {
        expect("{PixelSpacing: {vm: dictionary}}", "{PixelSpacing: [\"1\", \"1\"]}", .pass)
        expect("{PixelSpacing: {vm: dictionary}}", "{PixelSpacing: \"1\"}", .fail)
        expect("{ImageType: {vm: dictionary}}", "{ImageType: [A, B, C, D, E]}", .pass)   // 2-n
        expect("{PatientID: {vm: dictionary}}", "{PatientID: \"\"}", .pass)              // empty: no values to count
        expect("{Modality: {vr: dictionary}}", "{Modality: MR}", .pass)
    }

    func testRetiredAndRegistered() {
        expect("{ImageType: {retired: false}}", "{ImageType: [ORIGINAL]}", .pass)
        expect("{'(0008,0040)': {retired: false}}", "{'(0008,0040)': \"1\"}", .fail)        // DataSetType, retired
        expect("{'(0008,0040)': {retired: true}}", "{'(0008,0040)': \"1\"}", .pass)
        expect("{TransferSyntaxUID: {registered: Transfer Syntax}}", "{TransferSyntaxUID: \"1.2.840.10008.1.2.1\"}", .pass)
        expect("{TransferSyntaxUID: {registered: Transfer Syntax}}", "{TransferSyntaxUID: \"1.2.840.10008.5.1.4.1.1.2\"}", .fail)
        expect("{SOPClassUID: {registered: SOP Class}}", "{SOPClassUID: \"1.2.840.10008.5.1.4.1.1.2\"}", .pass)
        expect("{SOPClassUID: {registered: any}}", "{SOPClassUID: \"1.2.3\"}", .fail)
        XCTAssertEqual(diagnostics("""
        pack: t.bad
        version: 1
        rules:
          - {id: t.r, check: {SOPClassUID: {registered: SOP Klass}}}
        """).first?.contains("unknown UID type 'SOP Klass'"), true)
    }

    func testEachElement() {
        // every element at any depth, empty elements skipped
        expect("{each_element: {format: true}}", "{StudyDate: \"20240101\", PatientID: \"\", ReferencedImageSequence: [{ReferencedSOPClassUID: \"1.2.3\"}]}", .pass)
        expect("{each_element: {format: true}}", "{StudyDate: \"2024-01-01\"}", .fail)
        expect("{each_element: {format: true}}", "{ReferencedImageSequence: [{ReferencedSOPClassUID: \"1.02.3\"}]}", .fail)
        expect("{each_element: {vm: dictionary}}", "{PixelSpacing: [\"1\", \"1\"], ImageType: [A, B]}", .pass)
        expect("{each_element: {vm: dictionary}}", "{ReferencedImageSequence: [{PixelSpacing: \"1\"}]}", .fail)
        // retired applies to empty elements too
        expect("{each_element: {retired: false}}", "{'(0008,0040)': \"\"}", .fail)
        expect("{each_element: {retired: false}}", "{Modality: MR}", .pass)
        // Group Length outside groups 0000 and 0002 is retired (PS3.5 7.2)
        expect("{each_element: {retired: false}}", "{'(0008,0000)': \"100\", Modality: MR}", .fail)
        // only: those tags, wherever they are
        let pi = "{each_element: {only: [PhotometricInterpretation], in: [MONOCHROME1, MONOCHROME2]}}"
        expect(pi, "{PhotometricInterpretation: MONOCHROME2}", .pass)
        expect(pi, "{Modality: MR}", .pass)
        expect(pi, "{ReferencedImageSequence: [{PhotometricInterpretation: RGB}]}", .fail)
    }

    func testEachElementPrivateAndPresence() {
        let priv = "{each_element: {only: private, absent: true}}"
        expect(priv, "{Modality: CT}", .pass)
        expect(priv, "{'(0029,\"SIEMENS CSA HEADER\",10)': x}", .fail)
        expect(priv, "{ReferencedImageSequence: [{'(0029,\"SIEMENS CSA HEADER\",10)': x}]}", .fail)
        // absent and empty apply to empty elements and sequences too
        expect("{each_element: {only: [PatientName], absent: true}}", "{PatientName: \"\"}", .fail)
        expect("{each_element: {only: [OtherPatientIDsSequence], empty: true}}", "{OtherPatientIDsSequence: []}", .pass)
        expect("{each_element: {only: [OtherPatientIDsSequence], empty: true}}", "{OtherPatientIDsSequence: [{PatientID: \"1\"}]}", .fail)
        expect("{each_element: {only: [PatientName, PatientID], empty: true}}", "{ReferencedPatientSequence: [{PatientID: \"1\"}]}", .fail)
    }

    func testEachElementFindingsNameThePath() throws {
        let set = try pack("""
        pack: t.x
        version: 1
        rules:
          - id: t.format
            check: {each_element: {format: true}}
        """)
        let f = try file("{StudyDate: \"2024-01-01\", ReferencedImageSequence: [{ReferencedSOPClassUID: \"1.2\"}, {ReferencedSOPClassUID: \"1.02\"}]}")
        let r = Evaluator().run(set, on: f, path: "x.dcm", showPHI: false)
        XCTAssertEqual(r.findings.map { $0.attribute ?? "" }, ["StudyDate", "ReferencedImageSequence[1].ReferencedSOPClassUID"])
        let priv = try pack("""
        pack: t.y
        version: 1
        rules:
          - id: t.private
            check: {each_element: {only: private, absent: true}}
        """)
        // through run (which skips rules whose tags are in no data set of the file)
        let enumSet = try pack("""
        pack: t.z
        version: 1
        rules:
          - id: t.enum
            check: {each_element: {only: [PhotometricInterpretation, Laterality], in: [MONOCHROME2, R, L]}}
        """)
        for (data, want) in [("{Modality: CT}", [String]()), ("{Laterality: R}", []),
                             ("{ReferencedImageSequence: [{Laterality: X}]}", ["ReferencedImageSequence[0].Laterality"])] {
            let r = Evaluator().run(enumSet, on: try file(data), path: nil, showPHI: false)
            XCTAssertEqual(r.findings.map { $0.attribute ?? "" }, want, data)
            XCTAssertEqual(r.outcomes[0], want.isEmpty ? .pass : .fail, data)
        }
        let g = try file("{ReferencedImageSequence: [{'(0029,\"SIEMENS CSA HEADER\",10)': x}]}")
        XCTAssertEqual(Evaluator().run(priv, on: g, path: nil, showPHI: false).findings.map { $0.attribute ?? "" },
                       ["ReferencedImageSequence[0].(0029,\"SIEMENS CSA HEADER\",10)"])
    }
}
