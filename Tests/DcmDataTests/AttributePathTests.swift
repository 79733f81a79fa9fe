import XCTest
import DcmDictionary
@testable import DcmData

/// Attribute paths (DESIGN.md item 4): every form, errors with column and
/// suggestion, and resolution in nested data sets.
final class AttributePathTests: XCTestCase {
    typealias Step = AttributePath.Step

    func steps(_ s: String, file: StaticString = #filePath, line: UInt = #line) throws -> [Step] {
        do { return try AttributePath(parsing: s).steps } catch {
            XCTFail("'\(s)' does not parse: \(error)", file: file, line: line)
            throw error
        }
    }
    func tagStep(_ g: UInt16, _ e: UInt16, _ i: AttributePath.Index = .none) -> Step {
        Step(reference: .tag(Tag(g, e)), index: i)
    }

    // MARK: Forms

    func testKeyword() throws {
        XCTAssertEqual(try steps("PatientName"), [tagStep(0x0010, 0x0010)])
        XCTAssertEqual(try steps("SOPInstanceUID"), [tagStep(0x0008, 0x0018)])
        XCTAssertEqual(try AttributePath(parsing: "PatientName").simpleTag, Tag(0x0010, 0x0010))
    }

    func testTagForms() throws {
        XCTAssertEqual(try steps("(0010,0010)"), [tagStep(0x0010, 0x0010)])
        XCTAssertEqual(try steps("(7fe0,0010)"), [tagStep(0x7FE0, 0x0010)])
        XCTAssertEqual(try steps("(0010, 0010)"), [tagStep(0x0010, 0x0010)])
        XCTAssertEqual(try steps("00100010"), [tagStep(0x0010, 0x0010)])
        XCTAssertEqual(try steps("7FE00010"), [tagStep(0x7FE0, 0x0010)])
        // a private tag by number, and a tag no dictionary knows
        XCTAssertEqual(try steps("(0029,1010)"), [tagStep(0x0029, 0x1010)])
        XCTAssertEqual(try steps("(0009,0010)"), [tagStep(0x0009, 0x0010)])
        XCTAssertEqual(try AttributePath(parsing: "(0010,0010)"), try AttributePath(parsing: "PatientName"))
        XCTAssertEqual(try AttributePath(parsing: "00100010").hashValue, try AttributePath(parsing: "PatientName").hashValue)
        XCTAssertEqual(try AttributePath(parsing: "(0010,0010)").description, "(0010,0010)", "text kept as written")
    }

    func testNestedAndIndexed() throws {
        XCTAssertEqual(try steps("ReferencedImageSequence[0].ReferencedSOPInstanceUID"),
                       [tagStep(0x0008, 0x1140, .at(0)), tagStep(0x0008, 0x1155)])
        XCTAssertEqual(try steps("ReferencedSeriesSequence[*].ReferencedImageSequence[12].(0008,1155)"),
                       [tagStep(0x0008, 0x1115, .all), tagStep(0x0008, 0x1140, .at(12)), tagStep(0x0008, 0x1155)])
        XCTAssertEqual(try steps("ReferencedImageSequence.ReferencedSOPInstanceUID"),
                       [tagStep(0x0008, 0x1140), tagStep(0x0008, 0x1155)])
        XCTAssertEqual(try steps("ImageType[0]"), [tagStep(0x0008, 0x0008, .at(0))])
        XCTAssertEqual(try steps("(0008,0008)[2]"), [tagStep(0x0008, 0x0008, .at(2))])
        XCTAssertNil(try AttributePath(parsing: "ImageType[0]").simpleTag)
    }

    func testPrivateByCreator() throws {
        XCTAssertEqual(try steps("(0029,\"SIEMENS CSA HEADER\",10)"),
                       [Step(reference: .privateTag(group: 0x0029, creator: "SIEMENS CSA HEADER", elementByte: 0x10), index: .none)])
        XCTAssertEqual(try steps("(0029, \"SIEMENS CSA HEADER\", 0A)"),
                       [Step(reference: .privateTag(group: 0x0029, creator: "SIEMENS CSA HEADER", elementByte: 0x0A), index: .none)])
        // a creator may contain commas, brackets and dots
        XCTAssertEqual(try steps("(0019,\"GEMS_ACQU_01, v1.0 [x]\",1A)"),
                       [Step(reference: .privateTag(group: 0x0019, creator: "GEMS_ACQU_01, v1.0 [x]", elementByte: 0x1A), index: .none)])
        XCTAssertEqual(try steps("ReferencedImageSequence[*].(0029,\"ACME\",01)[1]"),
                       [tagStep(0x0008, 0x1140, .all),
                        Step(reference: .privateTag(group: 0x0029, creator: "ACME", elementByte: 0x01), index: .at(1))])
    }

    /// A creator containing ')': the private dictionary has such creators,
    /// e.g. "Image (ID, Version, Size, Dump, GUID)" with (8003,xx10) Version.
    func testPrivateCreatorContainingParenthesis() throws {
        let creator = "Image (ID, Version, Size, Dump, GUID)"
        XCTAssertNotNil(PrivateDictionary.entry(creator: creator, group: 0x8003, elementByte: 0x10))
        let text = "(8003,\"\(creator)\",10)"
        let parsed: [Step]
        do { parsed = try AttributePath(parsing: text).steps } catch {
            return XCTFail("regression (bug fixed earlier): '\(text)' fails to parse (\(error)): the first ')' — inside the quoted creator — ends the step")
        }
        XCTAssertEqual(parsed, [Step(reference: .privateTag(group: 0x8003, creator: creator, elementByte: 0x10), index: .none)])
    }

    // MARK: Errors: message, 1-based column, suggestion

    func assertError(_ text: String, column: Int, contains: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try AttributePath(parsing: text), text, file: file, line: line) { e in
            guard let pe = e as? AttributePath.ParseError else { return XCTFail("\(e)", file: file, line: line) }
            XCTAssertEqual(pe.column, column, "\(text): \(pe)", file: file, line: line)
            XCTAssertTrue(pe.message.contains(contains), "\(text): '\(pe.message)' lacks '\(contains)'", file: file, line: line)
            XCTAssertEqual(pe.description, "column \(pe.column): \(pe.message)", file: file, line: line)
        }
    }

    func testUnknownKeywordWithSuggestion() {
        assertError("PatientNmae", column: 1, contains: "unknown keyword 'PatientNmae' (did you mean 'PatientName'?)")
        assertError("ReferencedImageSequence[0].ReferencedSOPInstanceUDI", column: 28,
                    contains: "unknown keyword 'ReferencedSOPInstanceUDI' (did you mean 'ReferencedSOPInstanceUID'?)")
        assertError("patientname", column: 1, contains: "(did you mean 'PatientName'?)")
        assertError("Xyzzyplugh", column: 1, contains: "unknown keyword 'Xyzzyplugh'")
    }

    func testSyntaxErrors() {
        assertError("", column: 1, contains: "missing attribute name")
        assertError("PatientName.", column: 13, contains: "missing attribute name")
        assertError("PatientName..PatientID", column: 13, contains: "unexpected '.'")
        assertError("PatientName PatientID", column: 12, contains: "expected '.' or the end, found ' '")
        assertError("PatientName[", column: 12, contains: "missing ']'")
        assertError("PatientName[x]", column: 12, contains: "bad index '[x]'")
        assertError("PatientName[-1]", column: 12, contains: "bad index '[-1]'")
        assertError("ImageType[0]PatientName", column: 13, contains: "expected '.'")
        assertError("(0010,0010", column: 1, contains: "missing ')'")
        assertError("(0010,001G)", column: 1, contains: "bad tag '(0010,001G)'")
        assertError("(10,10)", column: 1, contains: "bad tag")
        assertError("PatientName.(0010,00100)", column: 13, contains: "bad tag")
        assertError("0010001", column: 1, contains: "unknown keyword '0010001'")
    }

    func testPrivateErrors() {
        assertError("(0028,\"ACME\",10)", column: 1, contains: "group 0028 is not private (odd)")
        assertError("(29,\"ACME\",10)", column: 1, contains: "bad group '29'")
        assertError("(0029,\"ACME\",100)", column: 1, contains: "bad element byte '100'")
        assertError("(0029,\"ACME\",1010)", column: 1, contains: "bad element byte '1010'")
        assertError("(0029,\"ACME\",ZZ)", column: 1, contains: "bad element byte 'ZZ'")
        assertError("(0029,\"ACME,10)", column: 1, contains: "unbalanced quotes")
        assertError("ReferencedImageSequence[0].(0028,\"ACME\",10)", column: 28, contains: "not private")
    }

    // MARK: Resolution

    /// ImageType, a two-level nested sequence, and private blocks at two levels.
    ///
    ///     ImageType                     ORIGINAL\PRIMARY\AXIAL
    ///     ReferencedSeriesSequence      item 0: SeriesInstanceUID 1.1, ReferencedImageSequence [2.1, 2.2]
    ///                                   item 1: SeriesInstanceUID 1.2, ReferencedImageSequence [2.3]
    ///                                           (0029,0010) ACME, (0029,1001) "in item"
    ///     (0029,0011) SIEMENS CSA HEADER, (0029,1110) OB 01 02
    func sample() throws -> DataSet {
        var b = Bytes()
        b.explicit(0x0008, 0x0008, "CS", "ORIGINAL\\PRIMARY\\AXIAL")
        b.sequenceStart(0x0008, 0x1115)
        for (series, images, priv) in [("1.1", ["2.1", "2.2"], false), ("1.2", ["2.3"], true)] {
            b.item()
            b.sequenceStart(0x0008, 0x1140)
            for image in images {
                b.item()
                b.explicit(0x0008, 0x1155, "UI", uid(image))
                b.itemDelimiter()
            }
            b.sequenceDelimiter()
            b.explicit(0x0020, 0x000E, "UI", uid(series))
            if priv {
                b.explicit(0x0029, 0x0010, "LO", "ACME")
                b.explicit(0x0029, 0x1001, "LO", "in item ")
            }
            b.itemDelimiter()
        }
        b.sequenceDelimiter()
        b.explicit(0x0029, 0x0011, "LO", text("SIEMENS CSA HEADER"))
        b.explicit(0x0029, 0x1110, "OB", [1, 2])
        let f = try readBytes(b.bytes)
        XCTAssertEqual(Set(f.anomalies.map(\.kind)), [.noPreamble, .missingMeta])
        return f.dataSet
    }

    func values(_ path: String, in ds: DataSet, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        try AttributePath(parsing: path).resolve(in: ds).flatMap { m -> [String] in
            let all = m.dataSet.strings(m.element)
            if let i = m.valueIndex { return i < all.count ? [all[i]] : [] }
            return all
        }
    }

    func testResolveTopLevelAndValueIndex() throws {
        let ds = try sample()
        XCTAssertEqual(try values("ImageType", in: ds), ["ORIGINAL", "PRIMARY", "AXIAL"])
        XCTAssertEqual(try values("(0008,0008)", in: ds), ["ORIGINAL", "PRIMARY", "AXIAL"])
        let m = try AttributePath(parsing: "ImageType[1]").resolve(in: ds)
        XCTAssertEqual(m.count, 1)
        XCTAssertEqual(m.first?.valueIndex, 1)
        XCTAssertEqual(try values("ImageType[1]", in: ds), ["PRIMARY"])
        XCTAssertEqual(try AttributePath(parsing: "PatientName").resolve(in: ds).count, 0)
    }

    func testResolveNested() throws {
        let ds = try sample()
        XCTAssertEqual(try values("ReferencedSeriesSequence[*].ReferencedImageSequence[*].ReferencedSOPInstanceUID", in: ds),
                       ["2.1", "2.2", "2.3"])
        XCTAssertEqual(try values("ReferencedSeriesSequence.ReferencedImageSequence.ReferencedSOPInstanceUID", in: ds),
                       ["2.1", "2.2", "2.3"], "no index means every item")
        XCTAssertEqual(try values("ReferencedSeriesSequence[0].ReferencedImageSequence[1].ReferencedSOPInstanceUID", in: ds), ["2.2"])
        XCTAssertEqual(try values("ReferencedSeriesSequence[*].ReferencedImageSequence[0].ReferencedSOPInstanceUID", in: ds),
                       ["2.1", "2.3"])
        XCTAssertEqual(try values("ReferencedSeriesSequence[1].SeriesInstanceUID", in: ds), ["1.2"])
        XCTAssertEqual(try values("(0008,1115)[1].(0020,000E)", in: ds), ["1.2"])
        XCTAssertEqual(try values("ReferencedSeriesSequence[2].SeriesInstanceUID", in: ds), [])
        XCTAssertEqual(try values("ImageType.SeriesInstanceUID", in: ds), [], "not a sequence")
        // the data set of a match is the item that holds the element
        let m = try AttributePath(parsing: "ReferencedSeriesSequence[*].SeriesInstanceUID").resolve(in: ds)
        XCTAssertEqual(m.map { $0.dataSet.strings(Tag(0x0020, 0x000E)) ?? [] }, [["1.1"], ["1.2"]])
    }

    /// `Seq[k]` as the last step names item k: when there is no item k, nothing matches.
    func testResolveMissingItemAsLastStep() throws {
        let ds = try sample()
        XCTAssertEqual(try AttributePath(parsing: "ReferencedSeriesSequence").resolve(in: ds).count, 1)
        let m = try AttributePath(parsing: "ReferencedSeriesSequence[7]").resolve(in: ds)
        if m.count == 1 && m[0].valueIndex == nil {
            return XCTFail("regression (bug fixed earlier): 'ReferencedSeriesSequence[7]' (2 items) resolves to the whole sequence; the index is dropped when the last step is a sequence")
        }
        XCTAssertEqual(m.count, 0)
    }

    func testResolvePrivateByCreator() throws {
        let ds = try sample()
        let top = try AttributePath(parsing: "(0029,\"SIEMENS CSA HEADER\",10)").resolve(in: ds)
        XCTAssertEqual(top.map(\.element.tag), [Tag(0x0029, 0x1110)])
        XCTAssertEqual(top.first.map { $0.dataSet.valueBytes($0.element) }, [1, 2])
        XCTAssertEqual(try values("ReferencedSeriesSequence[*].(0029,\"ACME\",01)", in: ds), ["in item"])
        XCTAssertEqual(try AttributePath(parsing: "(0029,\"ACME\",01)").resolve(in: ds).count, 0, "ACME is only in item 1")
        XCTAssertEqual(try AttributePath(parsing: "(0029,\"SIEMENS CSA HEADER\",20)").resolve(in: ds).count, 0)
    }

    // MARK: AttributeLocation (anomaly paths) renders in the same syntax

    func testLocationDescription() throws {
        XCTAssertEqual(loc((0x0008, 0x1140, 0), (0x0008, 0x1155, -1)).description, "ReferencedImageSequence[0].ReferencedSOPInstanceUID")
        XCTAssertEqual(loc((0x0029, 0x1010, -1)).description, "(0029,1010)")
        XCTAssertEqual(AttributeLocation().description, "")
        // and what it renders parses back to the same element
        let text = loc((0x0008, 0x1115, 1), (0x0020, 0x000E, -1)).description
        XCTAssertEqual(try values(text, in: try sample()), ["1.2"])
    }
}
