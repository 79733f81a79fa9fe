import XCTest
@testable import DcmRules
import DcmData
import DcmDictionary

/// `Evaluator.run` with the shape memo (`ShapeMemo`): a file of a shape seen
/// before gets the keyed rules' outcomes of the earlier file and the others
/// evaluated on itself. Every outcome and finding must be the one a plain
/// evaluation gives.
final class ShapeMemoTests: XCTestCase {
    /// Outcomes and the findings' texts of a run (what reports print).
    struct Result: Equatable {
        var outcomes: [Outcome?]
        var findings: [String]
    }
    func result(_ ev: Evaluator, _ set: RuleSet, _ file: DicomFile) -> Result {
        let r = ev.run(set, on: file, path: "f.dcm", showPHI: false)
        return Result(outcomes: r.outcomes, findings: r.findings.map {
            [$0.ruleID, $0.attribute ?? "-", $0.message, $0.because ?? "-", $0.observed ?? "-", $0.expected ?? "-",
             $0.offset.map(String.init) ?? "-", $0.sopInstanceUID ?? "-"].joined(separator: " | ")
        })
    }
    func plainEvaluator() -> Evaluator { let e = Evaluator(); e.usesShapeMemo = false; return e }
    func memoEvaluator() -> Evaluator { let e = Evaluator(); e.usesShapeMemo = true; return e }

    /// `file` with the top-level attribute `keyword` set to `value`, when present (nil otherwise).
    func variant(_ file: DicomFile, _ keyword: String, _ value: String) -> DicomFile? {
        guard let (tag, _) = try? DataSet.resolve(keyword: keyword), let e = file.dataSet[tag] else { return nil }
        var f = file
        f.dataSet.set(tag, e.vr, value)
        return f
    }

    /// Every fixture file, then copies of it that keep its shape and change
    /// instance-varying values — a new SOP Instance UID and Instance Number,
    /// an invalid UID and an invalid date (errors the memo must not hide:
    /// the format checks test these elements on each file), another Image
    /// Position — and ones that change keyed values (Modality, read by many
    /// rules; Study ID and Patient ID, shown by `dicom.deid-basic`'s
    /// findings but tested only for presence): replayed in part. Each is run
    /// by one evaluator with the memo and compared with a plain evaluation,
    /// with every built-in pack.
    func testReplayGivesThePlainResults() throws {
        let files = PackLoader.packFiles(in: repoRoot + "/Rules").filter { !$0.contains("/examples/") }
        let set = try PackLoader(libraries: [repoRoot + "/Rules"]).load(files: files)
        let fixtures = FileManager.default.enumerator(atPath: repoRoot + "/Fixtures")!.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".dcm") }.sorted()
        let memo = memoEvaluator()
        var compared = 0, variants = 0
        for path in fixtures {
            guard let f = try? DicomReader.read(path: repoRoot + "/Fixtures/" + path) else { continue }
            var data: [(String, DicomFile)] = [("", f)]
            let edits: [(String, String)] = [("SOPInstanceUID", "2.25.1234567890"), ("InstanceNumber", "77"),
                                             ("SOPInstanceUID", "1.2.840.113619.2.55.3"),   // a vendor root: dicom.deid-basic's split check
                                             ("SOPInstanceUID", "1.2.3.abc"), ("StudyDate", "2023.02.29"),
                                             ("ContentDate", "20230230"), ("ImagePositionPatient", "1\\2\\3"),
                                             ("Modality", "OT"), ("StudyID", "S2"), ("PatientID", "ANON99")]
            for (k, v) in edits { if let g = variant(f, k, v) { data.append(("\(k)=\(v)", g)) } }
            for (what, file) in data {
                let a = result(memo, set, file), b = result(plainEvaluator(), set, file)
                XCTAssertEqual(a.outcomes.count, b.outcomes.count)
                for (i, r) in set.rules.enumerated() where a.outcomes[i] != b.outcomes[i] {
                    XCTFail("\(r.id) on \(path) \(what): memo \(String(describing: a.outcomes[i])), plain \(String(describing: b.outcomes[i]))")
                }
                XCTAssertEqual(a.findings, b.findings, "findings on \(path) \(what)")
                compared += 1
                if !what.isEmpty { variants += 1 }
            }
        }
        let m = try XCTUnwrap(memo.shapeMemo)
        XCTAssertGreaterThan(compared, 400)
        // most variants keep the shape: replayed, not evaluated
        XCTAssertGreaterThan(m.hits, variants / 3, "hits \(m.hits) of \(variants) variants")
        XCTAssertGreaterThan(m.partial, fixtures.count / 4, "partial \(m.partial)")
        XCTAssertGreaterThan(m.misses, fixtures.count / 2)
    }

    func twoRuleSet() throws -> RuleSet {
        try pack("""
        pack: t.memo
        version: 1
        rules:
          - id: t.instance-number
            check: {InstanceNumber: {range: [1, 5]}}
          - id: t.modality
            check: {Modality: {in: [CT]}}
          - id: t.uid-present
            check: {SOPInstanceUID: {type: "1"}}
        """)
    }

    /// A rule reading an instance-varying value is evaluated on each file of
    /// a shape; a keyed rule is replayed; a change of a keyed value, or of
    /// whether a varying attribute has a value, is a new shape.
    func testVaryingValuesAreEvaluatedKeyedOnesReplayed() throws {
        let set = try twoRuleSet()
        let ev = memoEvaluator()
        func run(_ yaml: String) throws -> [Outcome?] { ev.run(set, on: try file(yaml), path: nil, showPHI: false).outcomes }
        XCTAssertEqual(try run("{InstanceNumber: 3, Modality: CT, SOPInstanceUID: '1.2.3'}"), [.pass, .pass, .pass])
        XCTAssertEqual(try run("{InstanceNumber: 9, Modality: CT, SOPInstanceUID: '1.2.4'}"), [.fail, .pass, .pass])
        let m = try XCTUnwrap(ev.shapeMemo)
        XCTAssertEqual(m.hits, 1)
        // Modality is a keyed value: its rule is evaluated again, the others not
        XCTAssertEqual(try run("{InstanceNumber: 9, Modality: MR, SOPInstanceUID: '1.2.5'}"), [.fail, .fail, .pass])
        XCTAssertEqual(m.hits, 1)
        XCTAssertEqual(m.partial, 1, "Modality's value changed")
        XCTAssertEqual(try run("{InstanceNumber: 9, Modality: MR, SOPInstanceUID: ''}"), [.fail, .fail, .fail])
        XCTAssertEqual(m.hits + m.partial, 2, "an empty UID is another structure")
        // the entry is now the MR file's
        XCTAssertEqual(try run("{InstanceNumber: 4, Modality: MR, SOPInstanceUID: '9.9'}"), [.pass, .fail, .pass])
        XCTAssertEqual(m.hits, 2)
        XCTAssertEqual(m.misses, 2)
    }

    /// `file.text_repertoire` is keyed (a bit of the structure): two files
    /// whose keys differ only in it — the byte above 7FH is in a private LO,
    /// whose value the key leaves out — are not replayed one for the other,
    /// in either order; the same fact again is.
    func testTheTextRepertoireIsInTheKey() throws {
        let set = try pack("""
        pack: t.charset
        version: 1
        rules:
          - id: t.scs
            check: {SpecificCharacterSet: {type: 1C, if: {file.text_repertoire: {equals: other}}}}
        """)
        let ev = memoEvaluator()
        func run(_ name: String) throws -> [Outcome?] {
            let f = try file("{PatientName: 'Muller^Hans', '(0009,0010)': ACME, '(0009,\"ACME\",01)': {vr: LO, value: \"\(name)\"}}")
            return ev.run(set, on: f, path: nil, showPHI: false).outcomes
        }
        XCTAssertEqual(try run("Muller"), [.pass])
        XCTAssertEqual(try run("M\u{00FC}ller"), [.fail])
        XCTAssertEqual(try run("Mueller"), [.pass])
        XCTAssertEqual(try run("K\u{00F6}pf"), [.fail])
        let m = try XCTUnwrap(ev.shapeMemo)
        XCTAssertEqual(m.misses, 2)
        XCTAssertEqual(m.hits, 2)
    }

    /// A rule whose `when` is not keyed (it reads Instance Number) but whose
    /// keyed entry (Modality) made it not applicable is replayed as not
    /// applicable, and evaluated again once that entry's value changes.
    func testNotApplicableByAKeyedEntryOfWhen() throws {
        let set = try pack("""
        pack: t.memo
        version: 1
        rules:
          - id: t.part
            when: [{Modality: CT}, {InstanceNumber: {range: [1, 5]}}]
            check: {PatientID: {equals: P1}}
        """)
        let ev = memoEvaluator()
        func run(_ modality: String, _ number: Int, _ patient: String = "P1") throws -> Outcome? {
            ev.run(set, on: try file("{Modality: \(modality), InstanceNumber: \(number), PatientID: \(patient), SOPInstanceUID: '1.2.\(number)'}"),
                   path: nil, showPHI: false).outcomes[0]
        }
        XCTAssertEqual(try run("MR", 3), .notApplicable)
        let m = try XCTUnwrap(ev.shapeMemo)
        let entry = try XCTUnwrap(m.entries.values.first?.first)
        XCTAssertEqual(entry.redo, [], "decided by Modality: replayed")
        XCTAssertEqual(try run("MR", 9), .notApplicable)
        XCTAssertEqual(m.hits, 1)
        // Modality changed: evaluated (pass), and the rule is evaluated on the files of this entry
        XCTAssertEqual(try run("CT", 3), .pass)
        XCTAssertEqual(m.partial, 1)
        XCTAssertEqual(m.entries.values.first?.first?.redo, [0])
        XCTAssertEqual(try run("CT", 9), .notApplicable)
        XCTAssertEqual(try run("CT", 4, "P2"), .fail)
        XCTAssertEqual(m.hits, 2)
        XCTAssertEqual(m.partial, 2, "PatientID changed")
    }

    /// What the key leaves out and keeps: instance-varying values out
    /// (instance UIDs, times, private elements but creators, listed numbers,
    /// group lengths, bulk data), the rest in (series UIDs, dates too).
    func testInstanceVaryingAttributes() {
        for t in [Tag(0x0008, 0x0018), Tag(0x0008, 0x1155), Tag(0x0008, 0x0033), Tag(0x0008, 0x002A), Tag(0x0020, 0x0013),
                  Tag(0x0020, 0x0032), Tag(0x0018, 0x1151), Tag(0x0029, 0x1010), Tag(0x0002, 0x0000), Tag(0x7FE0, 0x0010),
                  Tag(0x6002, 0x3000), Tag(0x0002, 0x0003)] {
            XCTAssertTrue(InstanceVarying.contains(t), "\(t)")
        }
        for t in [Tag(0x0008, 0x0016), Tag(0x0002, 0x0010), Tag(0x0008, 0x0060), Tag(0x0008, 0x0008), Tag(0x0028, 0x0101),
                  Tag(0x0029, 0x0010), Tag(0x0010, 0x0010), Tag(0x0018, 0x0050), Tag(0x0008, 0x0005),
                  Tag(0x0020, 0x000E), Tag(0x0020, 0x000D), Tag(0x0020, 0x0052), Tag(0x0008, 0x0020)] {
            XCTAssertFalse(InstanceVarying.contains(t), "\(t)")
        }
    }

    /// Which reads a rule may make and stay keyed.
    func testKeyedReads() throws {
        let set = try pack("""
        pack: t.reads
        version: 1
        rules:
          - id: t.presence-of-varying
            check: {SOPInstanceUID: {type: "1"}}
          - id: t.value-of-varying
            check: {SOPInstanceUID: {matches: "^1\\\\."}}
          - id: t.value-of-keyed
            check: {Modality: {in: [CT, MR]}}
          - id: t.operand-varying
            check: {SeriesNumber: {equals: {attr: InstanceNumber}}}
          - id: t.anomalies
            check: {file.anomalies: {not_in: [no-preamble]}}
          - id: t.text-repertoire
            check: {SpecificCharacterSet: {type: 1C, if: {file.text_repertoire: {equals: other}}}}
          - id: t.derived
            check: {csa.image.EchoLinePosition: present}
          - id: t.walk-values
            check: {each_element: {format: true}}
          - id: t.walk-tags
            check: {each_element: {only: [Modality, BodyPartExamined], format: true}}
          - id: t.walk-presence
            check: {each_element: {only: [SOPInstanceUID, PatientName], empty: true}}
        """)
        let keyed = set.rules.map { KeyedReads.check($0) }
        XCTAssertEqual(keyed, [true, false, true, false, true, true, false, false, true, true])
        // an each_element value test over named tags, some instance-varying: split
        let split = try pack("""
        pack: t.split
        version: 1
        rules:
          - id: t.roots
            check: {each_element: {only: [SOPInstanceUID, SeriesInstanceUID, StudyInstanceUID], not: {matches: "^1\\\\.3\\\\.12\\\\."}}}
          - id: t.no-varying
            check: {each_element: {only: [SeriesInstanceUID, StudyInstanceUID], not: {matches: "^1\\\\.3\\\\.12\\\\."}}}
        """)
        let s0 = try XCTUnwrap(SplitCheck(split.rules[0]))
        XCTAssertEqual(s0.keptReads.sorted(), [0x0020_000D, 0x0020_000E])
        XCTAssertNil(SplitCheck(split.rules[1]), "nothing varying: keyed, not split")
    }

    /// A failed keyed rule's explanation about instance-varying elements whose
    /// reason reads only the structure ("private element … is present") is
    /// kept with the shape and reused on its next files, with `observed` read
    /// from each file (`FailureDetail.location`): a private value that
    /// changes from file to file, at the top and in an item, shows each
    /// file's own value — redacted, and with --show-phi as it is.
    func testLocatedDetailsShowEachFilesValues() throws {
        // (messages: attribute only, showing the value, reading the file: the
        // entry's findings are copied, copied with the message made again, not copied)
        let set = try pack("""
        pack: t.memo
        version: 1
        rules:
          - id: t.private
            check: {each_element: {only: private, absent: true}}
            message: "private element {attribute} is present"
          - id: t.private-value
            check: {each_element: {only: private, absent: true}}
            message: "{attribute} holds {value}"
          - id: t.private-instance
            check: {each_element: {only: private, absent: true}}
            message: "{attribute} in {SOPInstanceUID}"
        """)
        for showPHI in [false, true] {
            let memo = memoEvaluator()
            var observed: Set<String> = []
            for (k, v) in ["A1", "B22", "C333"].enumerated() {
                let f = try file("""
                {Modality: CT, SOPInstanceUID: '1.2.\(k)', '(0029,"ACME 1.0",10)': \(v),
                 ReferencedImageSequence: [{ReferencedSOPInstanceUID: '1.2', '(0029,"ACME 1.0",11)': N\(v)}]}
                """)
                let a = memo.run(set, on: f, path: "f\(k).dcm", showPHI: showPHI).findings
                let b = plainEvaluator().run(set, on: f, path: "f\(k).dcm", showPHI: showPHI).findings
                let attributes = ["ReferencedImageSequence[0].(0029,\"ACME 1.0\",11)", "(0029,\"ACME 1.0\",10)"]
                XCTAssertEqual(a.map(\.attribute), attributes + attributes + attributes)
                for (x, y) in zip(a, b) {
                    XCTAssertEqual([x.ruleID, x.attribute, x.message, x.because, x.observed, x.file, x.sopInstanceUID, x.modality],
                                   [y.ruleID, y.attribute, y.message, y.because, y.observed, y.file, y.sopInstanceUID, y.modality],
                                   "file \(k), showPHI \(showPHI)")
                }
                XCTAssertEqual(a.map(\.file), Array(repeating: "f\(k).dcm", count: 6))
                XCTAssertEqual(a.map(\.sopInstanceUID), Array(repeating: "1.2.\(k)", count: 6))
                if showPHI {
                    XCTAssertEqual(a[0...1].map(\.observed), ["N" + v, v])
                    XCTAssertEqual(a[3].message, attributes[1] + " holds " + v)
                }
                XCTAssertEqual(a[5].message, attributes[1] + " in 1.2.\(k)")
                for o in a.compactMap(\.observed) { observed.insert(o) }
            }
            XCTAssertEqual(observed.count, 6, "each file's own values")
            let m = try XCTUnwrap(memo.shapeMemo)
            XCTAssertEqual(m.hits, 2)
            let entry = try XCTUnwrap(m.entries.values.first?.first)
            XCTAssertEqual(entry.explanations.count, 3, "the explanations are kept with the shape")
            XCTAssertEqual(entry.explanations.values.first?.details.map { $0.location != nil }, [true, true])
            XCTAssertEqual(entry.explanations.values.map(\.findings.count), [2, 2, 2])
        }
    }

    /// Every field of a finding a report shows.
    func fields(_ f: Finding) -> [String] {
        [f.ruleID, f.severity.rawValue, f.attribute ?? "-", f.message, f.because ?? "-", f.observed ?? "-", f.expected ?? "-",
         f.offset.map(String.init) ?? "-", f.file ?? "-", f.sopInstanceUID ?? "-", f.seriesInstanceUID ?? "-",
         f.studyInstanceUID ?? "-", f.modality ?? "-"]
    }

    /// Runs `files` in order through one memo evaluator and compares every
    /// finding and outcome with a plain evaluation; returns the memo's hits
    /// (values equal or changed).
    @discardableResult
    func assertSameAsPlain(_ set: RuleSet, _ files: [DicomFile], showPHI: [Bool] = [false, true],
                           file: StaticString = #filePath, line: UInt = #line) -> Int {
        let memo = memoEvaluator()
        for (k, f) in files.enumerated() {
            let phi = showPHI[k % showPHI.count]
            let a = memo.run(set, on: f, path: "dir/f\(k).dcm", showPHI: phi)
            let b = plainEvaluator().run(set, on: f, path: "dir/f\(k).dcm", showPHI: phi)
            XCTAssertEqual(a.outcomes, b.outcomes, "file \(k) outcomes", file: file, line: line)
            XCTAssertEqual(a.findings.map(fields), b.findings.map(fields), "file \(k), showPHI \(phi)", file: file, line: line)
        }
        return memo.shapeMemo.map { $0.hits + $0.partial } ?? 0
    }

    /// An `each_element` explanation under `items` walks the item, so its
    /// locations are the item's; a replay looked them up from the top level
    /// and, where an element of the same tag sat at that position there,
    /// showed the top-level element's value (`RB22` for the item's `IB22`).
    func testLocatedDetailsInsideItemsAreReadFromTheirItem() throws {
        let set = try pack("""
        pack: t.memo
        version: 1
        rules:
          - id: t.item-private
            check: {RequestAttributesSequence: {items: {each_element: {only: private, absent: true}}}}
            message: "{attribute} holds {value}"
        """)
        let files = try ["A1", "B22", "C333"].enumerated().map { k, v in try file("""
            {Modality: CT, SOPInstanceUID: '1.2.\(k)', '(0009,"ACME 1.0",01)': R\(v),
             RequestAttributesSequence: [{ReferencedSOPClassUID: '1.2.3', ReferencedSOPInstanceUID: '1.2.\(k)', '(0009,"ACME 1.0",01)': I\(v)}]}
            """) }
        XCTAssertEqual(assertSameAsPlain(set, files, showPHI: [true]), 2)
    }

    /// Every structural test (absent, vr: dictionary, retired, in_dictionary)
    /// over private and instance-varying standard elements, in nested
    /// sequences of several items, alone and with a value test (`all`,
    /// `any`), under `when`, with messages of {value}, {expected} and
    /// {attribute}: a run of files of one structure (keyed values changed on
    /// the way: the entry is replaced by one holding copied findings) gives
    /// every field a plain evaluation gives, with showPHI constant or toggled.
    func testStructuralDetailsOfEveryKindShowEachFilesValues() throws {
        let set = try pack("""
        pack: t.memo
        version: 1
        rules:
          - id: t.absent
            check: {each_element: {only: private, absent: true}}
            message: "{attribute} = {value}, expected {expected}"
          - id: t.vr-dictionary
            check: {each_element: {vr: dictionary}}
            message: "{attribute} has {value}"
          - id: t.retired
            check: {each_element: {include: private, retired: false}}
          - id: t.in-dictionary
            when: {Modality: CT}
            check: {each_element: {include: private, in_dictionary: true}}
            message: "{value} in {attribute}"
          - id: t.mixed
            when: {Modality: CT}
            check: {all: [{each_element: {only: private, absent: true}}, {StudyDescription: {equals: X}}]}
          - id: t.any
            check: {any: [{each_element: {only: private, absent: true}}, {StudyDescription: {equals: X}}]}
            message: "{attribute}: {value}"
          - id: t.tags
            check: {each_element: {only: [AcquisitionTime, ContentTime, SOPInstanceUID, ReferencedSOPInstanceUID], absent: true}}
            message: "{attribute} holds {value}"
          - id: t.block
            check: {each_element: {only: private, absent: true}}
        """)
        // (a block of 110 private elements: explanations stop at 100)
        func block(_ k: Int) -> String {
            (0..<110).map { String(format: "'(0011,\"BIG 1.0\",%02x)': V\(k)x%d", $0 + 16, $0) }.joined(separator: ", ")
        }
        let files = try ["A1", "B22", "C333", "D4444", "E5"].enumerated().map { k, v in try file("""
            {Modality: CT, SOPInstanceUID: '1.2.\(k)', StudyDescription: \(k < 2 ? "Y" : "Z"),
             SeriesInstanceUID: '1.4.\(k / 3)', StudyInstanceUID: '1.5.\(k / 4)', AcquisitionTime: {vr: LO, value: '10\(k)'},
             ContentTime: '1112\(k)', '(0008,0034)': '1010\(k)', \(block(k)), '(0009,"ACME 1.0",01)': R\(v), '(0009,"ACME 1.0",02)': [S\(v), T\(k)],
             ReferencedImageSequence: [{ReferencedSOPInstanceUID: '1.2.\(k)', '(0029,"ACME 1.0",11)': N\(v),
                                        ReferencedImageSequence: [{'(0029,"ACME 1.0",12)': M\(v)}]},
                                       {ReferencedSOPInstanceUID: '1.3.\(k)', '(0029,"ACME 1.0",11)': O\(v)}]}
            """) }
        XCTAssertEqual(assertSameAsPlain(set, files, showPHI: [false, true]), 4)
        XCTAssertEqual(assertSameAsPlain(set, files, showPHI: [false]), 4)
        XCTAssertEqual(assertSameAsPlain(set, files, showPHI: [true]), 4)
        // (the feature is exercised: the explanations are kept, located)
        let memo = memoEvaluator()
        for (k, f) in files.enumerated() { _ = memo.run(set, on: f, path: "f\(k).dcm", showPHI: false) }
        let entry = try XCTUnwrap(memo.shapeMemo?.entries.values.first?.first)
        XCTAssertEqual(entry.explanations.count, 8)
        XCTAssertTrue(entry.explanations.values.contains { $0.details.count == 100 }, "capped")
        XCTAssertTrue(entry.explanations.values.allSatisfy { $0.details.contains { $0.location != nil } })
    }

    /// Files whose elements differ only in tag, VR or emptiness at the same
    /// places are other structures: interleaved, each takes its own entry's
    /// explanations (a location names a place, not a tag).
    func testLocatedDetailsOfInterleavedStructures() throws {
        let set = try pack("""
        pack: t.memo
        version: 1
        rules:
          - id: t.absent
            check: {each_element: {include: private, absent: true}}
            message: "{attribute} = {value}"
          - id: t.vr
            check: {each_element: {include: private, vr: dictionary}}
            message: "{attribute} = {value} ({expected})"
        """)
        let kinds = ["'(0009,\"ACME 1.0\",01)': P", "'(0009,\"ACME 1.0\",02)': P", "'(0009,\"ACME 1.0\",01)': {vr: UN, value: P}",
                     "'(0009,\"ACME 1.0\",01)': ''", "AcquisitionTime: {vr: LO, value: P}", "AcquisitionTime: P"]
        let files = try (0..<18).map { k in try file("""
            {Modality: CT, SOPInstanceUID: '1.2.\(k)', \(kinds[k % kinds.count].replacingOccurrences(of: "P", with: "V\(k)")),
             ReferencedImageSequence: [{\(kinds[(k + 1) % kinds.count].replacingOccurrences(of: "P", with: "W\(k)"))}]}
            """) }
        XCTAssertEqual(assertSameAsPlain(set, files, showPHI: [true, true, false]), 12)
        XCTAssertEqual(assertSameAsPlain(set, files, showPHI: [true]), 12)
    }
}
