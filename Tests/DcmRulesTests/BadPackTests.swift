import XCTest
@testable import DcmRules

/// Each kind of pack error, with its exact line and column and suggestion.
final class BadPackTests: XCTestCase {
    func check(_ yaml: String, _ want: [String], line: UInt = #line) {
        XCTAssertEqual(diagnostics(yaml), want, line: line)
    }

    /// A pack file is read as bytes (the syntax cache hashes them): one that
    /// is not UTF-8 is an error naming the file; a byte order mark is not text.
    func testPackFileEncoding() throws {
        let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("dcmaudit-enc-\(getpid())")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let body = "pack: t.enc\nversion: 1\nrules:\n  - {id: t.a, check: {PatientID: present}}\n"
        let bad = dir + "/bad.yaml", bom = dir + "/bom.yaml"
        XCTAssertTrue(FileManager.default.createFile(atPath: bad, contents: Data(body.utf8) + Data([0x23, 0x20, 0xC3, 0x28, 0x0A])))
        XCTAssertTrue(FileManager.default.createFile(atPath: bom, contents: Data([0xEF, 0xBB, 0xBF]) + Data(body.utf8)))
        XCTAssertThrowsError(try PackLoader(libraries: []).load(files: [bad])) { e in
            XCTAssertEqual((e as? PackErrors)?.diagnostics.map(\.description), ["\(bad):1:1: error: cannot read pack file '\(bad)': not UTF-8 text"])
        }
        XCTAssertEqual(try PackLoader(libraries: []).load(files: [bom]).rules.map(\.id), ["t.a"])
    }

    /// An AT attribute's operand must be a tag.
    func testATOperandIsATag() {
        check("""
        pack: t.bad
        version: 1
        rules:
          - id: a.b
            check: {FrameIncrementPointer: {in: ["(0018,106G)", FrameTme, "0018,1063"]}}
        """, ["bad.yaml:5:42: error: '(0018,106G)' is not a tag — (gggg,eeee), ggggeeee or a keyword — and FrameIncrementPointer has VR AT",
              "bad.yaml:5:57: error: 'FrameTme' is not a tag — (gggg,eeee), ggggeeee or a keyword — and FrameIncrementPointer has VR AT"])
    }

    func testYAMLSyntax() {
        check("""
        pack: t.bad
        version: 1
        rules:
          - id: a.b
            check: {PatientID: present
        """, ["bad.yaml:6:1: error: YAML: while parsing a flow mapping did not find expected ',' or '}'"])
        // a tab as indentation is named (libYAML's message alone did not say)
        check("pack: t.bad\nversion: 1\nrules:\n\t- id: a.b\n", ["bad.yaml:4:1: error: YAML: while scanning for the next token found character that cannot start any token (a tab: YAML indents with spaces only)"])
        check("pack: t.bad\nversion: 1\nrules:\n  - id: a.b\n  \tcheck: {Rows: present}\n", ["bad.yaml:5:3: error: YAML: while scanning a plain scalar found a tab character that violates indentation"])
    }

    /// A duplicate key is reported at the duplicate — the line to delete —
    /// naming the first; libYAML named only the first occurrence. Also when
    /// a key is repeated three times, quoted, in a flow mapping, after another
    /// mapping's duplicate, or in a file with CR LF line ends.
    func testDuplicateKeyAtTheDuplicate() {
        check("pack: t.bad\nversion: 1\nrules:\n  - id: a.b\n    title: A\n    title: B\n    check: {Rows: present}\n",
              ["bad.yaml:6:5: error: YAML: duplicate key 'title' in a mapping (first at 5:5)"])
        check("pack: t.bad\nversion: 1\nrules:\n  - {id: a.b, check: {Rows: present}, \"id\": c.d, id: e.f}\n",
              ["bad.yaml:4:40: error: YAML: duplicate key 'id' in a mapping (first at 4:6)"])
        check("pack: t.bad\r\nversion: 1\r\nrules:\r\n  - id: a.b\r\n    check: {Rows: present}\r\n  - id: c.d\r\n    check: {Rows: present, Columns: present}\r\n    check: {Rows: present}\r\n",
              ["bad.yaml:8:5: error: YAML: duplicate key 'check' in a mapping (first at 7:5)"])
        check("pack: t.bad\nversion: 1\nrules:\n  - {id: a.b, check: {Rows: present, Rows: absent}}\n  - {id: a.b, id: c.d}\n",
              ["bad.yaml:4:38: error: YAML: duplicate key 'Rows' in a mapping (first at 4:23)"])
        check("pack: t.bad\nversion: 1\npack: t.other\nrules: []\nversion: 2\n",
              ["bad.yaml:3:1: error: YAML: duplicate key 'pack' in a mapping (first at 1:1); also duplicate: 'version'"])
    }

    func testUnknownKeysEverywhere() {
        check("""
        pack: t.bad
        version: 1
        titel: x
        rules:
          - id: a.b
            severity: eror
            chek: {PatientID: present}
            check: {KVP: {rnage: [70, 140]}}
        """, [
            "bad.yaml:3:1: error: unknown key 'titel' in a pack (did you mean 'title'?)",
            "bad.yaml:6:15: error: unknown severity 'eror': use error, warning or info (did you mean 'error'?)",
            "bad.yaml:7:5: error: unknown key 'chek' in a rule (did you mean 'check'?)",
            "bad.yaml:8:19: error: unknown operator 'rnage' (did you mean 'range'?)",
        ])
    }

    func testUnknownKeyword() {
        check("""
        pack: t.bad
        version: 1
        rules:
          - id: a.b
            check: {PatientNmae: present}
          - id: a.c
            check: {'ReferencedImageSequence[*].ReferencedSOPClasUID': present}
        """, [
            "bad.yaml:5:13: error: unknown keyword 'PatientNmae' (did you mean 'PatientName'?)",
            "bad.yaml:7:41: error: unknown keyword 'ReferencedSOPClasUID' (did you mean 'ReferencedSOPClassUID'?)",
        ])
    }

    func testRangeOnNonNumericVR() {
        check("""
        pack: t.bad
        version: 1
        rules:
          - id: a.b
            check: {PatientName: {range: [1, 2]}}
          - id: a.c
            check: {SliceThickness: {gt: thick}}
        """, [
            "bad.yaml:5:27: error: 'range' needs a numeric, date or time attribute, but PatientName has VR PN",
            "bad.yaml:7:34: error: 'thick' is not a number, and SliceThickness has VR DS",
        ])
    }

    func testBadRegex() {
        let d = diagnostics("""
        pack: t.bad
        version: 1
        rules:
          - id: a.b
            check: {Manufacturer: {matches: "(?i)siem(ens"}}
        """)
        XCTAssertEqual(d.count, 1)
        XCTAssertTrue(d[0].hasPrefix("bad.yaml:5:37: error: bad regular expression '(?i)siem(ens'"), d[0])
    }

    func testDuplicateRuleIDsAndConditions() {
        check("""
        pack: t.bad
        version: 1
        rules:
          - id: a.b
            check: {PatientID: present}
          - id: a.b
            when: [mri]
            check: {PatientID: present}
        """, [
            "bad.yaml:7:12: error: unknown condition 'mri'",
            "bad.yaml:6:5: error: duplicate rule id 'a.b' (first defined at bad.yaml:4:5)",
        ])
    }

    /// A pack file with other errors still has its duplicate rule ids
    /// said (`rules validate`, `check --rules`): a failed pack was left out
    /// of the check of duplicates, so the duplicate showed only once the
    /// other errors were fixed ("every error at once").
    func testDuplicateRuleIDsInAPackFileWithOtherErrors() throws {
        let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("dcmaudit-dup-\(getpid())")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let f = dir + "/bad.yaml"
        let body = "pack: t.bad\nversion: 1\nrules:\n  - id: a.b\n    check: {KVP: {rnage: [70, 140]}}\n  - id: c.d\n    check: {KVP: present}\n  - id: c.d\n    check: {Rows: present}\n"
        XCTAssertTrue(FileManager.default.createFile(atPath: f, contents: Data(body.utf8)))
        XCTAssertEqual(PackLoader(libraries: []).validate(files: [f]).map(\.description), [
            "\(f):5:19: error: unknown operator 'rnage' (did you mean 'range'?)",
            "\(f):8:5: error: duplicate rule id 'c.d' (first defined at \(f):6:5)",
        ])
    }

    /// The same rule id in two packs of a run (a site pack reusing
    /// vendor.siemens' siemens.csa-image) says what to do; the shipped packs,
    /// examples included, share no rule id.
    func testDuplicateRuleIDAcrossPacksSaysWhatToDo() throws {
        let rules = repoRoot + "/Rules"
        let f = NSTemporaryDirectory() + "dcmaudit-dup-\(getpid()).yaml"
        try "pack: site.mr\nversion: 1\nrules:\n  - id: siemens.csa-image\n    check: {Modality: present}\n".write(toFile: f, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: f) }
        XCTAssertThrowsError(try PackLoader(libraries: [rules]).load(files: [f], ids: ["vendor.siemens"])) { e in
            let d = (e as? PackErrors)?.diagnostics.map(\.description) ?? []
            XCTAssertEqual(d.count, 1, "\(d)")
            XCTAssertTrue(d.first?.hasSuffix("error: duplicate rule id 'siemens.csa-image' (first defined at \(rules)/vendor.siemens.yaml:19:5); the packs of one run need distinct rule ids: rename one, or run 'vendor.siemens' and 'site.mr' separately") ?? false, "\(d)")
        }
        let all = try FileManager.default.contentsOfDirectory(atPath: rules).filter { $0.hasSuffix(".yaml") }.map { rules + "/" + $0 }
            + FileManager.default.contentsOfDirectory(atPath: rules + "/examples").filter { $0.hasSuffix(".yaml") }.map { rules + "/examples/" + $0 }
        XCTAssertNoThrow(try PackLoader(libraries: [rules]).load(files: all, ids: []))
    }

    /// YAML aliases nested in aliases ("billion laughs"): 14 lines expanded
    /// to 43 million nodes and memory ran out (SIGSEGV under a 4 GB limit
    /// after 19 s). Past a budget of nodes (twice the bytes + 100,000) the
    /// file is an error; an anchor used a few times is fine.
    func testAliasBomb() {
        var yaml = "pack: t.bomb\nversion: 1\nconditions:\n  a: &a {all: [" + Array(repeating: "{Modality: MR}", count: 9).joined(separator: ",") + "]}\n"
        for (x, y) in zip("bcdefghi", "abcdefgh") { yaml += "  \(x): &\(x) {all: [" + Array(repeating: "*\(y)", count: 9).joined(separator: ",") + "]}\n" }
        yaml += "rules:\n  - id: a.b\n    when: [i]\n    check: {Modality: present}\n"
        let d = diagnostics(yaml)
        XCTAssertEqual(d.count, 1)
        XCTAssertTrue(d.first?.hasPrefix("bad.yaml:1:1: error: YAML: aliases expand the file to more than ") == true, "\(d)")
        XCTAssertEqual(diagnostics("""
        pack: t.anchor
        version: 1
        conditions:
          mr: &mr {Modality: MR, Manufacturer: {matches: "(?i)siemens"}}
        rules:
          - {id: a.one, when: *mr, check: {EchoTime: present}}
          - {id: a.two, when: *mr, check: {RepetitionTime: present}}
        """), [])
    }

    /// A sequence has items, not values: value operators on one tested
    /// nothing and passed (`{ReferencedPatientSequence: {equals: x}}` held on
    /// a file with that sequence). They are errors, like `range` on one.
    func testValueOperatorsOnASequence() {
        let msg = { (op: String) in "'\(op)' tests values, but ReferencedImageSequence is a sequence (VR SQ), which has items: test an attribute of its items ('ReferencedImageSequence[*].X') or use present, absent, empty, not_empty, vm or items" }
        check("""
        pack: t.bad
        version: 1
        rules:
          - id: a.eq
            check: {ReferencedImageSequence: {equals: x}}
          - id: a.short
            check: {ReferencedImageSequence: x}
          - id: a.in
            check: {ReferencedImageSequence: {in: [x, y]}}
          - id: a.list
            check: {ReferencedImageSequence: [x, y]}
          - id: a.matches
            check: {ReferencedImageSequence: {matches: "x"}}
          - id: a.length
            check: {ReferencedImageSequence: {length: [1, 2]}}
          - id: a.fine
            check: {ReferencedImageSequence: {vm: 1, not_empty: true}, 'ReferencedImageSequence[*].ReferencedSOPInstanceUID': {matches: "^1"}}
        """, [
            "bad.yaml:5:39: error: " + msg("equals"),
            "bad.yaml:7:38: error: " + msg("equals"),
            "bad.yaml:9:39: error: " + msg("in"),
            "bad.yaml:11:38: error: " + msg("in"),
            "bad.yaml:13:39: error: " + msg("matches"),
            "bad.yaml:15:39: error: " + msg("length"),
        ])
    }

    /// Named conditions that name each other nest without YAML seeing it: a
    /// chain of 20,000 overflowed the stack (a crash, not an error). A
    /// condition deeper than `PackCompiler.maxConditionDepth` is an error at
    /// its name, once; the conditions above it are not blamed again.
    func testConditionChainTooDeep() {
        let n = 20_000
        var yaml = "pack: t.deep\nversion: 1\nconditions:\n  c0: {Modality: MR}\n"
        for i in 1...n { yaml += "  c\(i): [c\(i - 1)]\n" }
        yaml += "rules:\n  - id: a.b\n    when: [c\(n)]\n    check: {PatientID: present}\n"
        let d = diagnostics(yaml)
        // c0 is 2 levels deep and each link adds 2: c499 is 1000 deep, c500 1002
        XCTAssertEqual(d.first, "bad.yaml:504:3: error: condition 'c500' nests 1002 levels deep, with the conditions it names; at most 1000")
        XCTAssertEqual(d.count, Array(stride(from: 500, through: n, by: 501)).count)
        // a chain within the limit compiles
        var ok = "pack: t.ok\nversion: 1\nconditions:\n  c0: {Modality: MR}\n"
        for i in 1...400 { ok += "  c\(i): [c\(i - 1)]\n" }
        ok += "rules:\n  - id: a.b\n    when: [c400]\n    check: {PatientID: present}\n"
        XCTAssertEqual(diagnostics(ok), [])
    }

    func testExtendsCycle() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-cycle-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "pack: t.a\nversion: 1\nextends: [b.yaml]\nrules: []\n".write(toFile: dir + "/a.yaml", atomically: true, encoding: .utf8)
        try "pack: t.b\nversion: 1\nextends: [a.yaml]\nrules: []\n".write(toFile: dir + "/b.yaml", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PackLoader().load(files: [dir + "/a.yaml"])) { e in
            XCTAssertEqual((e as? PackErrors)?.description, "\(dir)/b.yaml:3:11: error: extends cycle: a.yaml → b.yaml → a.yaml")
        }
        check("pack: t.c\nversion: 1\nextends: [dicom.cor]\nrules: []\n", ["bad.yaml:3:11: error: unknown pack 'dicom.cor' in extends (did you mean 'dicom.core'?)"])
    }

    /// The cycle back to a file given by a relative path through
    /// `extends: [./a.yaml]`: `./a.yaml` was another file than `a.yaml`, so
    /// it was loaded twice and each of its rules a "duplicate rule id".
    func testExtendsCycleThroughDotSlash() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-cycle2-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "pack: t.a\nversion: 1\nextends: [./b.yaml]\nrules:\n  - {id: a.one, check: {Rows: present}}\n".write(toFile: dir + "/a.yaml", atomically: true, encoding: .utf8)
        try "pack: t.b\nversion: 1\nextends: [./a.yaml]\nrules:\n  - {id: b.one, check: {Rows: present}}\n".write(toFile: dir + "/b.yaml", atomically: true, encoding: .utf8)
        let cwd = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(dir))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(cwd) }
        XCTAssertEqual(PackLoader().validate(files: ["a.yaml"]).map(\.description), ["b.yaml:3:11: error: extends cycle: a.yaml → b.yaml → a.yaml"])
        XCTAssertEqual(PackLoader().validate(files: ["./a.yaml"]).map(\.description), ["b.yaml:3:11: error: extends cycle: a.yaml → b.yaml → a.yaml"])
    }

    /// Packs loaded side by side (`PackLoader.threads`) give what loading
    /// them one after the other gives: the same rules in the same order, and
    /// the same diagnostics for broken packs and `extends` among them.
    func testPacksLoadedOnThreadsAsInOrder() throws {
        let dir = NSTemporaryDirectory() + "dcmaudit-threads-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "pack: t.base\nversion: 1\nconditions: {ct: {Modality: {equals: CT}}}\nrules:\n  - {id: t.base.a, check: {PatientID: present}}\n"
            .write(toFile: dir + "/base.yaml", atomically: true, encoding: .utf8)
        try "pack: t.ext\nversion: 1\nextends: [base.yaml]\nrules:\n  - {id: t.ext.a, when: [ct], check: {KVP: present}}\n"
            .write(toFile: dir + "/ext.yaml", atomically: true, encoding: .utf8)
        try "pack: t.bad\nversion: 1\nrules:\n  - {id: t.bad.a, when: [mri], check: {PatientID: present}}\n  - {id: t.bad.b, check: {PatientAge: {equals: 3}}}\n"
            .write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        try "pack: t.dup\nversion: 1\nrules:\n  - {id: t.base.a, check: {PatientID: present}}\n"
            .write(toFile: dir + "/dup.yaml", atomically: true, encoding: .utf8)
        func load(_ threads: Int, files: [String], ids: [String] = []) -> (rules: [String], errors: String) {
            var l = PackLoader(libraries: [repoRoot + "/Rules"])
            l.buildExamples = false
            l.threads = threads
            do { return (try l.load(files: files, ids: ids).rules.map { $0.packID + "/" + $0.id }, "") }
            catch { return ([], "\(error)") }
        }
        let builtin = ["dicom.core", "dicom.meta", "dicom.values", "dicom.iod", "vendor.private", "vendor.siemens"]
        let cases: [([String], [String])] = [
            ([], builtin),
            ([dir + "/ext.yaml", dir + "/base.yaml"], ["dicom.core"]),
            ([dir + "/bad.yaml", dir + "/ext.yaml"], ["dicom.meta"]),
            ([dir + "/dup.yaml", dir + "/base.yaml", dir + "/nowhere.yaml"], ["dicom.core", "no.such.pack"]),
        ]
        for (files, ids) in cases {
            let one = load(1, files: files, ids: ids)
            XCTAssertFalse(one.rules.isEmpty && one.errors.isEmpty)
            for threads in [2, 3] {
                let many = load(threads, files: files, ids: ids)
                XCTAssertEqual(many.rules, one.rules, "\(files) \(ids), \(threads) threads")
                XCTAssertEqual(many.errors, one.errors, "\(files) \(ids), \(threads) threads")
            }
        }
        // a pack large enough to be compiled in parts (PackCompiler.compileRules),
        // with errors in both parts: the same rules and diagnostics, in order
        var big = "pack: t.big\nversion: 1\nrules:\n"
        for k in 0..<(PackCompiler.parallelRules + 100) {
            let check = k == 10 || k == PackCompiler.parallelRules + 50 ? "{PatientAge: {range: [1, 2]}}" : "{PatientID: present}"
            big += "  - {id: t.big.r\(k), when: [{Modality: CT}], check: \(check)}\n"
        }
        try big.write(toFile: dir + "/big.yaml", atomically: true, encoding: .utf8)
        let bigOne = load(1, files: [dir + "/big.yaml"])
        XCTAssertEqual(bigOne.errors.components(separatedBy: "range").count - 1, 2, bigOne.errors)
        XCTAssertEqual(load(2, files: [dir + "/big.yaml"]).errors, bigOne.errors)
        try big.replacingOccurrences(of: "{PatientAge: {range: [1, 2]}}", with: "{PatientID: present}")
            .write(toFile: dir + "/big.yaml", atomically: true, encoding: .utf8)
        let bigRules = load(1, files: [dir + "/big.yaml"]).rules
        XCTAssertEqual(bigRules.count, PackCompiler.parallelRules + 100)
        XCTAssertEqual(load(2, files: [dir + "/big.yaml"]).rules, bigRules)
        XCTAssertEqual(load(3, files: [dir + "/big.yaml"]).rules, bigRules)
        XCTAssertGreaterThan(load(2, files: [], ids: builtin).rules.count, 1000)
        XCTAssertTrue(load(2, files: [dir + "/bad.yaml"]).errors.contains("unknown condition 'mri'"))
    }

    func testLevelsAndOperandsAndTemplates() {
        check("""
        pack: t.bad
        version: 1
        rules:
          - id: a.b
            level: serie
            check: {consistent: [Rows]}
          - id: a.c
            level: series
            check: {consistant: [Rows]}
          - id: a.d
            check: {EchoTime: {type: 1C}}
            message: "TE {EchoTme}"
          - id: a.e
            check: {PixelSpacing: {vm: two}}
          - id: nodot
            check: {Rows: present}
        """, [
            "bad.yaml:5:12: error: unknown level 'serie': use instance, series, study, patient or dataset (did you mean 'series'?)",
            "bad.yaml:9:13: error: unknown series check 'consistant' (did you mean 'consistent'?)",
            "bad.yaml:11:30: error: type 1C needs its condition: add 'if:' with a selector",
            "bad.yaml:12:14: error: unknown keyword 'EchoTme' (did you mean 'EchoTime'?)",
            "bad.yaml:14:32: error: 'vm' takes a count like 2, \\\"1-3\\\", \\\"1-n\\\", \\\"2-2n\\\" or [min, max]".replacingOccurrences(of: "\\\"", with: "\""),
            "bad.yaml:15:9: error: rule id 'nodot' must be dotted words of letters, digits, '-' and '_' (e.g. 'mr.tr-range')",
        ])
    }

    func testExamplesAreCheckedToo() {
        check("""
        pack: t.bad
        version: 1
        rules:
          - id: a.b
            check: {Rows: present}
            examples:
              pass: [{Rowz: "1"}]
              fial: []
        """, [
            "bad.yaml:7:15: error: unknown keyword 'Rowz' (did you mean 'Rows'?)",
            "bad.yaml:8:7: error: unknown key 'fial' in 'examples' (did you mean 'fail'?)",
        ])
    }

    /// A YAML null (`~`, `null`, nothing) as a title, description, message
    /// or reference is no text (it was the text "~": findings said "~");
    /// as a pack or rule id it is an error that says so (it was the id "~").
    func testNullTextsAndIDs() throws {
        let set = try pack("""
        pack: t.null
        version: 1
        title: ~
        rules:
          - id: a.b
            title: ~
            description: null
            message: ~
            reference:
            check: {Rows: present}
        """)
        let r = try XCTUnwrap(set.rules.first)
        XCTAssertNil(r.title); XCTAssertNil(r.description); XCTAssertNil(r.messageText); XCTAssertNil(r.reference)
        XCTAssertNil(set.packs.first?.title)
        check("""
        pack: ~
        version: 1
        rules:
          - id: ~
            check: {Rows: present}
        """, [
            "bad.yaml:1:7: error: 'pack' must be an id, not null (~)",
            "bad.yaml:4:9: error: 'id' must be an id, not null (~)",
            "bad.yaml:4:5: error: a rule needs an 'id'",
        ])
    }

    /// A YAML null (`~`, `null`, nothing) for a protocol key, a rule's
    /// severity or level, or an acquisition's keys is an error naming the
    /// key and what it takes, at the value (`session: ~` was the attribute
    /// "~": "unexpected '~' (did you mean 'if'?)"; `session: null` "unknown
    /// keyword 'null' (did you mean 'all'?)"; `severity: ~` "unknown severity '~'").
    func testNullProtocolKeysAndRuleSettings() {
        check("""
        pack: t.null
        version: 1
        protocol:
          session: ~
          exclude: [derived, ~]
          severity: null
          unexpected:
          acquisitions:
            - name: a
              match: {Modality: MR}
              required: ~
              parameters: ~
              overrides: ~
            - {name: b, match: {Modality: CT}, severity: ~, overrides: [{when: {Modality: CT}, parameters: ~}]}
        rules:
          - {id: t.a, check: {Rows: present}, level: ~, severity: ~}
        """, [
            "bad.yaml:16:46: error: 'level' takes instance, series, study, patient or dataset, not null (~)",
            "bad.yaml:16:59: error: 'severity' takes error, warning or info, not null (~)",
            "bad.yaml:4:12: error: 'session' takes an attribute or a list of attributes (without it: StudyInstanceUID), not null (~)",
            "bad.yaml:5:22: error: 'exclude' takes built-in names or {name: N, when: selector}, not null (~)",
            "bad.yaml:6:13: error: 'severity' takes error, warning or info, not null (~)",
            "bad.yaml:7:14: error: 'unexpected' takes a severity or ignore, not null (~)",
            "bad.yaml:11:17: error: 'required' takes true or false, not null (~)",
            "bad.yaml:12:19: error: 'parameters' takes a mapping of attribute → expected value, not null (~)",
            "bad.yaml:13:18: error: 'overrides' takes a list of {when: selector, parameters: {…}}, not null (~)",
            "bad.yaml:14:50: error: 'severity' takes error, warning or info, not null (~)",
            "bad.yaml:14:100: error: 'parameters' takes a mapping of attribute → expected value or ignore, not null (~)",
        ])
        check("pack: t.null\nversion: 1\nprotocol:\n  session: [~, PatientID]\n  acquisitions: ~\n", [
            "bad.yaml:4:13: error: 'session' takes an attribute, not null (~)",
            "bad.yaml:5:17: error: 'acquisitions' takes a list of acquisitions, not null (~)",
        ])
    }

    func testScalarsStayStrings() throws {
        // NO, ON, 1.0 and 0010 are strings, not booleans or numbers
        let set = try pack("""
        pack: t.ok
        version: 1
        rules:
          - id: a.b
            check: {BurnedInAnnotation: {in: [NO, ON, 1.0, 0010]}}
            examples:
              pass: [{BurnedInAnnotation: NO}, {BurnedInAnnotation: "0010"}]
              fail: [{BurnedInAnnotation: "false"}, {BurnedInAnnotation: "1"}]
        """)
        XCTAssertEqual(set.runExamples().failures.map(\.description), [])
    }
}
