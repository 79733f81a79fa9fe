import Foundation
import XCTest
import DcmDictionary
@testable import DcmData

/// Sequences, nesting, UN as sequence, Pixel Data, private elements,
/// deflate and byte order (PS3.5 §7.5, §6.2.2, §A.4, §7.8, §A.5, §7.3).
final class ParserStructureTests: XCTestCase {
    let refImageSeq = Tag(0x0008, 0x1140), refSOPClass = Tag(0x0008, 0x1150), refSOPInstance = Tag(0x0008, 0x1155)
    let patientName = Tag(0x0010, 0x0010)
    let rawBaseline: Set<Anomaly.Kind> = [.noPreamble, .missingMeta]
    func kinds(_ f: DicomFile) -> Set<Anomaly.Kind> { Set(f.anomalies.map(\.kind)) }

    // MARK: Sequences (PS3.5 §7.5)

    func testDefinedAndUndefinedLengthSequencesAndItems() throws {
        var b = Bytes()
        b.explicit(0x0008, 0x0060, "CS", "OT")               // 0..<10
        b.sequenceStart(0x0008, 0x1140)                      // 10..<22  SQ, undefined length
        b.item()                                             // 22..<30  item, undefined length
        b.explicit(0x0008, 0x1150, "UI", uid("1.2.3"))       // 30..<44
        b.itemDelimiter()                                    // 44..<52
        b.item(length: 14)                                   // 52..<60  item, defined length
        b.explicit(0x0008, 0x1150, "UI", uid("1.2.4"))       // 60..<74
        b.sequenceDelimiter()                                // 74..<82
        b.explicit(0x0008, 0x1199, "SQ", [], length: 26)     // 82..<94  SQ, defined length
        b.item()                                             // 94..<102 item, undefined length
        b.explicit(0x0008, 0x1150, "UI", uid("9"))           // 102..<112
        b.itemDelimiter()                                    // 112..<120
        b.explicit(0x0008, 0x1200, "SQ", [], length: 0)      // 120..<132 empty sequence
        b.explicit(0x0010, 0x0010, "PN", text("Doe^J"))      // 132..<146
        let f = try readBytes(b.bytes)
        XCTAssertEqual(kinds(f), rawBaseline)

        let s1 = try XCTUnwrap(f.dataSet[refImageSeq])
        XCTAssertEqual(s1.vr, .SQ)
        XCTAssertTrue(s1.flags.contains(.undefinedLength))
        XCTAssertEqual(s1.declaredLength, 0xFFFF_FFFF)
        XCTAssertEqual(s1.fileOffset, 10)
        let items = try XCTUnwrap(s1.items)
        XCTAssertEqual(items.count, 2)
        XCTAssertEqual(items[0].strings(refSOPClass), ["1.2.3"])
        XCTAssertEqual(items[0][refSOPClass]?.fileOffset, 30)
        XCTAssertEqual(items[1].strings(refSOPClass), ["1.2.4"])
        XCTAssertEqual(items[1][refSOPClass]?.fileOffset, 60)

        let s2 = try XCTUnwrap(f.dataSet[Tag(0x0008, 0x1199)])
        XCTAssertEqual(s2.declaredLength, 26)
        XCTAssertFalse(s2.flags.contains(.undefinedLength))
        XCTAssertEqual(s2.items?.count, 1)
        XCTAssertEqual(s2.items?.first?.strings(refSOPClass), ["9"])

        let s3 = try XCTUnwrap(f.dataSet[Tag(0x0008, 0x1200)])
        XCTAssertEqual(s3.items?.count, 0)
        XCTAssertTrue(s3.isSequence)
        XCTAssertEqual(f.dataSet.strings(patientName), ["Doe^J"])
        XCTAssertEqual(f.dataSet[patientName]?.fileOffset, 132)
    }

    /// Implicit VR: SQ known from the dictionary; items of both lengths.
    func testImplicitVRSequence() throws {
        var b = Bytes()
        b.implicit(0x0008, 0x0060, "OT")                     // 0..<10
        b.implicit(0x0008, 0x1140, [], length: 0xFFFF_FFFF)  // 10..<18
        b.item(length: 14)                                   // 18..<26
        b.implicit(0x0008, 0x1150, uid("1.2.3"))             // 26..<40
        b.sequenceDelimiter()
        b.implicit(0x0010, 0x0010, text("Doe^J"))
        let f = try readBytes(b.bytes)
        XCTAssertEqual(f.transferSyntax, .implicitVRLittleEndian)
        XCTAssertEqual(kinds(f), rawBaseline)
        XCTAssertEqual(f.dataSet[refImageSeq]?.vr, .SQ)
        XCTAssertEqual(f.dataSet[refImageSeq]?.items?.first?.strings(refSOPClass), ["1.2.3"])
        XCTAssertEqual(f.dataSet[refImageSeq]?.items?.first?[refSOPClass]?.vr, .UI)
        XCTAssertEqual(f.dataSet.strings(patientName), ["Doe^J"])
    }

    /// 200 nested sequences of undefined length: bytes, item by item, nest by nest.
    func nested(_ depth: Int, definedLength: Bool) -> [UInt8] {
        // innermost item content
        var inner = Bytes()
        inner.explicit(0x0008, 0x1150, "UI", uid("1.2"))     // 12 bytes
        var content = inner.bytes
        for _ in 0..<depth {
            var s = Bytes()
            if definedLength {
                var item = Bytes(); item.item(length: UInt32(content.count)); item.raw(content)
                s.explicit(0x0008, 0x1140, "SQ", item.bytes)
            } else {
                s.sequenceStart(0x0008, 0x1140)
                s.item(); s.raw(content); s.itemDelimiter()
                s.sequenceDelimiter()
            }
            content = s.bytes
        }
        var b = Bytes()
        b.explicit(0x0008, 0x0060, "CS", "OT")               // 0..<10
        b.raw(content)
        b.explicit(0x0010, 0x0010, "PN", text("After"))
        return b.bytes
    }

    func depthReached(_ ds: DataSet) -> (Int, DataSet) {
        var d = 0, cur = ds
        while let next = cur[refImageSeq]?.items?.first { d += 1; cur = next }
        return (d, cur)
    }

    func testDeepNestingOverTheLimitUndefinedLength() throws {
        let f = try readBytes(nested(200, definedLength: false))
        XCTAssertEqual(kinds(f), rawBaseline.union([.depthLimit]))
        // the 65th sequence (depth 64) is at 10 + 64 × (12-byte SQ header + 8-byte item header)
        let steps = (0..<64).map { _ in (tag: refImageSeq, item: 0) } + [(tag: refImageSeq, item: -1)]
        let a = assertAnomaly(f, .depthLimit, offset: 10 + 64 * 20, path: AttributeLocation(steps: steps))
        XCTAssertTrue(a?.path.description.hasPrefix("ReferencedImageSequence[0].ReferencedImageSequence[0].") ?? false)
        XCTAssertEqual(depthReached(f.dataSet).0, 64)
        XCTAssertEqual(f.dataSet.strings(patientName), ["After"], "skipped to the matching delimiter, then read on")
    }

    func testDeepNestingOverTheLimitDefinedLengthSkipsAndGoesOn() throws {
        let f = try readBytes(nested(200, definedLength: true))
        XCTAssertEqual(kinds(f), rawBaseline.union([.depthLimit]))
        let steps = (0..<64).map { _ in (tag: refImageSeq, item: 0) } + [(tag: refImageSeq, item: -1)]
        assertAnomaly(f, .depthLimit, offset: 10 + 64 * 20, path: AttributeLocation(steps: steps))
        XCTAssertEqual(depthReached(f.dataSet).0, 64)
        XCTAssertEqual(f.dataSet.strings(patientName), ["After"], "the element after the deep sequence is read")
    }

    /// With the limit raised, 200 levels are read without overflowing the stack.
    func testDeepNestingUnderARaisedLimit() throws {
        var o = ReadOptions()
        o.maxSequenceDepth = 1000
        for defined in [false, true] {
            let f = try readBytes(nested(200, definedLength: defined), options: o)
            XCTAssertEqual(kinds(f), rawBaseline)
            let (d, innermost) = depthReached(f.dataSet)
            XCTAssertEqual(d, 200)
            XCTAssertEqual(innermost.strings(refSOPClass), ["1.2"])
            XCTAssertEqual(f.dataSet.strings(patientName), ["After"])
            // and an attribute path can reach it
            let text = Array(repeating: "ReferencedImageSequence[0]", count: 200).joined(separator: ".") + ".ReferencedSOPClassUID"
            let m = try AttributePath(parsing: text).resolve(in: f.dataSet)
            XCTAssertEqual(m.count, 1)
            XCTAssertEqual(m.first.map { $0.dataSet.strings($0.element) }, ["1.2"])
        }
    }

    /// 5,000 levels under an unlimited depth: deep recursion must not crash
    /// (each level is two stack frames in the recursive parser).
    func testVeryDeepNestingWithDefaultLimitIsCheap() throws {
        let f = try readBytes(nested(5000, definedLength: false))
        XCTAssertEqual(f.anomalies(.depthLimit).count, 1)
    }

    // MARK: UN of undefined length (PS3.5 §6.2.2): an implicit VR LE sequence

    func testUNOfUndefinedLengthIsAnImplicitSequence() throws {
        var b = Bytes()
        b.explicit(0x0008, 0x0060, "CS", "OT")               // 0..<10
        b.explicit(0x0008, 0x1140, "UN", [], length: 0xFFFF_FFFF)  // 10..<22
        b.item()                                             // 22..<30
        b.implicit(0x0008, 0x1150, uid("1.2.3"))             // 30..<44 implicit VR inside
        b.implicit(0x0008, 0x1155, uid("4.5"))               // 44..<56
        b.itemDelimiter()                                    // 56..<64
        b.sequenceDelimiter()                                // 64..<72
        b.explicit(0x0010, 0x0010, "PN", text("Doe^J"))      // 72..  explicit again
        let f = try readBytes(b.bytes)
        XCTAssertEqual(kinds(f), rawBaseline)
        let e = try XCTUnwrap(f.dataSet[refImageSeq])
        XCTAssertTrue(e.flags.contains(.unAsSequence))
        XCTAssertEqual(e.vr, .SQ, "presented as the sequence it was read as")
        XCTAssertTrue(e.flags.contains(.undefinedLength))
        let items = try XCTUnwrap(e.items)
        XCTAssertEqual(items.count, 1)
        XCTAssertEqual(items[0][refSOPClass]?.vr, .UI)
        XCTAssertTrue(items[0][refSOPClass]?.flags.contains(.vrFromDictionary) ?? false)
        XCTAssertEqual(items[0].strings(refSOPClass), ["1.2.3"])
        XCTAssertEqual(items[0].strings(refSOPInstance), ["4.5"])
        XCTAssertEqual(items[0][refSOPInstance]?.fileOffset, 44)
        XCTAssertEqual(f.dataSet.strings(patientName), ["Doe^J"])
        XCTAssertEqual(f.dataSet[patientName]?.vr, .PN)
        // and the path syntax walks into it like any sequence
        let m = try AttributePath(parsing: "ReferencedImageSequence[0].ReferencedSOPInstanceUID").resolve(in: f.dataSet)
        XCTAssertEqual(m.first.map { $0.dataSet.strings($0.element) }, ["4.5"])
    }

    /// A UN of defined length stays bytes.
    func testUNOfDefinedLengthStaysBytes() throws {
        var b = Bytes()
        b.explicit(0x0008, 0x0060, "CS", "OT")
        b.explicit(0x0011, 0x1001, "UN", [1, 2, 3, 4])
        let f = try readBytes(b.bytes)
        let e = try XCTUnwrap(f.dataSet[Tag(0x0011, 0x1001)])
        XCTAssertNil(e.items)
        XCTAssertEqual(f.dataSet.valueBytes(e), [1, 2, 3, 4])
        XCTAssertEqual(f.dataSet.valueMultiplicity(e), 1)
    }

    // MARK: Pixel Data

    /// Encapsulated (PS3.5 §A.4): Basic Offset Table item, fragments, delimiter;
    /// the elements after Pixel Data are still read.
    func encapsulatedFile(fragment1 n: Int = 10) -> (bytes: [UInt8], start: Int) {
        let ts = "1.2.840.10008.1.2.4.50"
        var body = Bytes()
        body.explicit(0x0028, 0x0010, "US", le16(2))                      // +0..<10
        body.explicit(0x7FE0, 0x0010, "OB", [], length: 0xFFFF_FFFF)      // +10..<22
        body.item(length: 4); body.raw(le32(0))                           // +22..<34 BOT
        body.item(length: UInt32(n)); body.raw([UInt8](repeating: 0xAA, count: n))  // +34..<42+n
        body.item(length: 6); body.raw([UInt8](repeating: 0xBB, count: 6))    // +42+n..<56+n
        body.sequenceDelimiter()                                          // +56+n..<64+n
        body.explicit(0xFFFC, 0xFFFC, "OB", [0, 0])                       // +64+n..<78+n
        return (part10(transferSyntax: ts, body: body.bytes), part10BodyOffset(transferSyntax: ts))
    }

    func checkEncapsulated(_ f: DicomFile, start s: Int, fragment1 n: Int = 10, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(f.anomalies, [], file: file, line: line)
        XCTAssertTrue(f.transferSyntax.isEncapsulated, file: file, line: line)
        let p = try XCTUnwrap(f.pixelData, file: file, line: line)
        XCTAssertEqual(p.tag, .pixelData, file: file, line: line)
        XCTAssertEqual(p.vr, .OB, file: file, line: line)
        XCTAssertEqual(p.fileOffset, s + 10, file: file, line: line)
        XCTAssertEqual(p.valueOffset, s + 22, file: file, line: line)
        XCTAssertEqual(p.declaredLength, 0xFFFF_FFFF, file: file, line: line)
        XCTAssertTrue(p.isEncapsulated, file: file, line: line)
        XCTAssertEqual(p.fragments, [Fragment(fileOffset: s + 30, length: 4), Fragment(fileOffset: s + 42, length: n),
                                     Fragment(fileOffset: s + 50 + n, length: 6)], file: file, line: line)
        let pe = try XCTUnwrap(f.dataSet[.pixelData], file: file, line: line)
        XCTAssertTrue(pe.flags.contains(.notLoaded), file: file, line: line)
        let trailing = try XCTUnwrap(f.dataSet[Tag(0xFFFC, 0xFFFC)], "element after Pixel Data", file: file, line: line)
        XCTAssertEqual(trailing.fileOffset, s + 64 + n, file: file, line: line)
        XCTAssertEqual(f.dataSet.valueBytes(trailing), [0, 0], file: file, line: line)
        XCTAssertEqual(f.dataSet.integers(Tag(0x0028, 0x0010)), [2], file: file, line: line)
    }

    func testEncapsulatedPixelDataInMemory() throws {
        let (bytes, s) = encapsulatedFile()
        try checkEncapsulated(try readBytes(bytes), start: s)
        var o = ReadOptions()
        o.stopBeforePixelData = false  // encapsulated data is never loaded as one value
        try checkEncapsulated(try readBytes(bytes, options: o), start: s)
    }

    /// The same from a file, with a first read too small to hold the pixel
    /// data, so that fragment headers are read with pread and storage has a gap.
    func testEncapsulatedPixelDataFromFileWithSmallReads() throws {
        let (bytes, s) = encapsulatedFile(fragment1: 5000)
        let path = try temporaryFile(bytes)
        defer { unlink(path) }
        var o = ReadOptions()
        o.initialReadSize = s + 16
        try checkEncapsulated(try DicomReader.read(path: path, options: o), start: s, fragment1: 5000)
        try checkEncapsulated(try DicomReader.read(path: path), start: s, fragment1: 5000)
        try checkEncapsulated(try readBytes(bytes), start: s, fragment1: 5000)
    }

    func nativeFile(pixels: Int) -> (bytes: [UInt8], start: Int) {
        var body = Bytes()
        body.explicit(0x0028, 0x0010, "US", le16(2))                       // +0..<10
        body.explicit(0x7FE0, 0x0010, "OW", (0..<pixels).flatMap { le16(UInt16($0)) })  // +10..<22+2n
        body.explicit(0xFFFC, 0xFFFC, "OB", [1, 2])
        return (part10(transferSyntax: explicitLE, body: body.bytes), part10BodyOffset(transferSyntax: explicitLE))
    }

    func testNativePixelDataSkippedAndFollowingElementRead() throws {
        let (bytes, s) = nativeFile(pixels: 4000)
        let path = try temporaryFile(bytes)
        defer { unlink(path) }
        var small = ReadOptions()
        small.initialReadSize = 256
        for f in [try readBytes(bytes), try DicomReader.read(path: path), try DicomReader.read(path: path, options: small)] {
            XCTAssertEqual(f.anomalies, [])
            let p = try XCTUnwrap(f.pixelData)
            XCTAssertEqual(p.fileOffset, s + 10)
            XCTAssertEqual(p.valueOffset, s + 22)
            XCTAssertEqual(p.declaredLength, 8000)
            XCTAssertFalse(p.isEncapsulated)
            XCTAssertTrue(f.dataSet[.pixelData]?.flags.contains(.notLoaded) ?? false)
            let t = try XCTUnwrap(f.dataSet[Tag(0xFFFC, 0xFFFC)])
            XCTAssertEqual(t.fileOffset, s + 22 + 8000)
            XCTAssertEqual(f.dataSet.valueBytes(t), [1, 2])
        }
    }

    func testNativePixelDataLoadedWhenAsked() throws {
        let (bytes, _) = nativeFile(pixels: 8)
        var o = ReadOptions()
        o.stopBeforePixelData = false
        let f = try readBytes(bytes, options: o)
        XCTAssertNil(f.pixelData)
        XCTAssertEqual(f.dataSet.integers(.pixelData), [0, 1, 2, 3, 4, 5, 6, 7])
        XCTAssertEqual(f.dataSet.valueBytes(f.dataSet[Tag(0xFFFC, 0xFFFC)]!), [1, 2])
    }

    func testEncapsulatedWithoutDelimiter() throws {
        var body = Bytes()
        body.explicit(0x7FE0, 0x0010, "OB", [], length: 0xFFFF_FFFF)     // +0..<12
        body.item(length: 0)                                             // +12..<20
        body.item(length: 4); body.raw([1, 2, 3, 4])                     // +20..<32, EOF
        let ts = "1.2.840.10008.1.2.4.50"
        let s = part10BodyOffset(transferSyntax: ts)
        let f = try readBytes(part10(transferSyntax: ts, body: body.bytes))
        XCTAssertEqual(kinds(f), [.truncated])
        assertAnomaly(f, .truncated, offset: s + 12, path: loc((0x7FE0, 0x0010, -1)))
        XCTAssertEqual(f.pixelData?.fragments, [Fragment(fileOffset: s + 20, length: 0), Fragment(fileOffset: s + 28, length: 4)])
    }

    // MARK: Private elements (PS3.5 §7.8)

    func privateDataSet(implicitVR: Bool) throws -> DicomFile {
        var b = Bytes()
        func el(_ g: UInt16, _ e: UInt16, _ vr: String, _ v: [UInt8]) {
            if implicitVR { b.implicit(g, e, v) } else { b.explicit(g, e, vr, v) }
        }
        el(0x0008, 0x0060, "CS", text("OT"))
        el(0x0029, 0x0010, "LO", text("ACME 1.0"))
        el(0x0029, 0x0011, "LO", text("SIEMENS CSA HEADER"))
        el(0x0029, 0x0012, "LO", text("NOBODY KNOWS ME"))
        el(0x0029, 0x1010, "LO", text("acme"))
        el(0x0029, 0x1108, "CS", text("IMAGE NUM 4"))
        el(0x0029, 0x1110, "OB", [1, 2, 3, 4])
        el(0x0029, 0x1118, "CS", text("MR"))
        el(0x0029, 0x1210, "SH", text("?"))
        el(0x0031, 0x1010, "LT", text("no creator"))
        return try readBytes(b.bytes)
    }

    func testPrivateCreatorLookup() throws {
        for implicitVR in [false, true] {
            let ds = try privateDataSet(implicitVR: implicitVR).dataSet
            XCTAssertEqual(ds.privateCreator(of: Tag(0x0029, 0x1010)), "ACME 1.0")
            XCTAssertEqual(ds.privateCreator(of: Tag(0x0029, 0x1110)), "SIEMENS CSA HEADER")
            XCTAssertEqual(ds.privateCreator(of: Tag(0x0029, 0x11FF)), "SIEMENS CSA HEADER")
            XCTAssertEqual(ds.privateCreator(of: Tag(0x0029, 0x1210)), "NOBODY KNOWS ME")
            XCTAssertNil(ds.privateCreator(of: Tag(0x0029, 0x1310)))
            XCTAssertNil(ds.privateCreator(of: Tag(0x0031, 0x1010)))
            XCTAssertNil(ds.privateCreator(of: Tag(0x0029, 0x0010)), "a creator has no creator")
            XCTAssertNil(ds.privateCreator(of: Tag(0x0008, 0x0060)), "not private")

            // (gggg,"creator",ee): the block is found by the creator string, whatever it is
            XCTAssertEqual(ds.privateElement(group: 0x0029, creator: "SIEMENS CSA HEADER", elementByte: 0x10)?.tag, Tag(0x0029, 0x1110))
            XCTAssertEqual(ds.privateElement(group: 0x0029, creator: "SIEMENS CSA HEADER ", elementByte: 0x08)?.tag, Tag(0x0029, 0x1108))
            XCTAssertEqual(ds.privateElement(group: 0x0029, creator: "ACME 1.0", elementByte: 0x10)?.tag, Tag(0x0029, 0x1010))
            XCTAssertNil(ds.privateElement(group: 0x0029, creator: "SIEMENS CSA HEADER", elementByte: 0x20))
            XCTAssertNil(ds.privateElement(group: 0x0029, creator: "siemens csa header", elementByte: 0x10), "creators are case-sensitive")
            XCTAssertNil(ds.privateElement(group: 0x0019, creator: "SIEMENS CSA HEADER", elementByte: 0x10))
        }
    }

    /// Implicit VR: a private element's VR comes from the private dictionary
    /// through its creator (SIEMENS CSA HEADER: xx08 CS, xx10 OB, xx18 CS);
    /// creators are LO; unknown creators or none give UN.
    func testImplicitPrivateVRFromPrivateDictionary() throws {
        let f = try privateDataSet(implicitVR: true)
        XCTAssertEqual(f.transferSyntax, .implicitVRLittleEndian)
        let ds = f.dataSet
        XCTAssertEqual(ds[Tag(0x0029, 0x0011)]?.vr, .LO)
        XCTAssertEqual(ds[Tag(0x0029, 0x1108)]?.vr, .CS)
        XCTAssertEqual(ds.strings(Tag(0x0029, 0x1108)), ["IMAGE NUM 4"])
        XCTAssertEqual(ds[Tag(0x0029, 0x1110)]?.vr, .OB)
        XCTAssertEqual(ds[Tag(0x0029, 0x1118)]?.vr, .CS)
        XCTAssertEqual(ds[Tag(0x0029, 0x1010)]?.vr, .UN, "ACME 1.0 is in no dictionary")
        XCTAssertEqual(ds[Tag(0x0029, 0x1210)]?.vr, .UN)
        XCTAssertEqual(ds[Tag(0x0031, 0x1010)]?.vr, .UN)
        XCTAssertNotNil(PrivateDictionary.entry(creator: "SIEMENS CSA HEADER", group: 0x0029, elementByte: 0x10))
    }

    // MARK: Deflate (PS3.5 §A.5)

    /// pydicom's image_dfl.dcm; values as pydicom 3.0.2 reads them.
    func testDeflatedReferenceFile() throws {
        let f = try DicomReader.read(path: fixture("pydicom/image_dfl.dcm"))
        XCTAssertEqual(f.anomalies, [])
        XCTAssertEqual(f.transferSyntax, .deflatedExplicitVRLittleEndian)
        let ds = f.dataSet
        XCTAssertEqual(ds.count, 29)
        XCTAssertEqual(ds.strings(Tag(0x0008, 0x0016)), ["1.2.840.10008.5.1.4.1.1.7"])
        XCTAssertEqual(ds.strings(Tag(0x0008, 0x0018)), ["1.3.6.1.4.1.5962.1.1.0.0.0.977067309.6001.0"])
        XCTAssertEqual(ds.strings(Tag(0x0008, 0x0060)), ["OT"])
        XCTAssertEqual(ds.strings(Tag(0x0008, 0x0064)), ["WSD"])
        XCTAssertEqual(ds.strings(patientName), ["^^^^"])
        XCTAssertEqual(ds.integers(Tag(0x0028, 0x0010)), [512])
        XCTAssertEqual(ds.integers(Tag(0x0028, 0x0011)), [512])
        XCTAssertEqual(ds.integers(Tag(0x0028, 0x0100)), [8])
        XCTAssertEqual(ds.string(Tag(0x0020, 0x4000))?.hasPrefix("THE OUTPUT OF THIS SOFTWARE IS FOR INVESTIGATIONAL USE ONLY"), true)
        XCTAssertEqual(ds.strings(Tag(0x0020, 0x0011)), [], "empty IS")
        let p = try XCTUnwrap(f.pixelData)
        XCTAssertEqual(p.vr, .OB)
        XCTAssertEqual(p.declaredLength, 262_144)
    }

    /// Anomaly offsets inside a deflated data set are offsets in the inflated stream.
    func testDeflatedAnomalyOffsetsAreInflatedOffsets() throws {
        var body = Bytes()
        body.explicit(0x0008, 0x0060, "CS", "OT")                   // 0..<10
        body.explicit(0x0010, 0x0010, "PN", Array("Doe".utf8))      // 10..<21: odd
        body.explicit(0x0010, 0x0020, "LO", "ID")
        let ts = "1.2.840.10008.1.2.1.99"
        let f = try readBytes(part10(transferSyntax: ts, body: Deflate.deflate(body.bytes)))
        XCTAssertEqual(kinds(f), [.oddLength])
        let a = assertAnomaly(f, .oddLength, offset: 10, path: loc((0x0010, 0x0010, -1)))
        XCTAssertEqual(a?.inInflatedStream, true)
        XCTAssertEqual(f.dataSet[Tag(0x0010, 0x0020)]?.fileOffset, 21)
        XCTAssertEqual(f.dataSet.strings(Tag(0x0010, 0x0020)), ["ID"])
    }

    func testTruncatedDeflateStream() throws {
        var body = Bytes()
        body.explicit(0x0008, 0x0060, "CS", "OT")
        var rng = SystemRandomNumberGenerator()
        body.explicit(0x0042, 0x0011, "OB", (0..<4000).map { _ in UInt8.random(in: 0...255, using: &rng) })  // incompressible
        let ts = "1.2.840.10008.1.2.1.99"
        let z = Deflate.deflate(body.bytes)
        let f = try readBytes(part10(transferSyntax: ts, body: Array(z.prefix(z.count * 3 / 4))))
        let d = f.anomalies(.deflate)
        XCTAssertEqual(d.count, 1, "\(f.anomalies)")
        // reported at the start of the inflated stream, where the deflated data begins
        XCTAssertEqual(d.first?.offset, 0)
        XCTAssertEqual(d.first?.inInflatedStream, true)
        XCTAssertEqual(f.dataSet.strings(Tag(0x0008, 0x0060)), ["OT"], "what was inflated is read: \(f.anomalies)")
        assertAnomaly(f, .lengthPastEnd, offset: 10, path: loc((0x0042, 0x0011, -1)))
    }

    // MARK: Big endian (PS3.5 §7.3; retired Explicit VR Big Endian)

    /// pydicom's MR_small_bigendian.dcm; values as pydicom 3.0.2 reads them.
    func testBigEndianReferenceFile() throws {
        let f = try DicomReader.read(path: fixture("pydicom/MR_small_bigendian.dcm"))
        XCTAssertEqual(f.anomalies, [])
        XCTAssertEqual(f.transferSyntax, .explicitVRBigEndian)
        let ds = f.dataSet
        XCTAssertTrue(ds.isBigEndian)
        XCTAssertEqual(ds.count, 72)
        XCTAssertEqual(ds.strings(Tag(0x0008, 0x0008)), ["DERIVED", "SECONDARY", "OTHER"])
        XCTAssertEqual(ds.strings(patientName), ["CompressedSamples^MR1"])
        XCTAssertEqual(ds.strings(Tag(0x0008, 0x0201)), ["-0400"])
        XCTAssertEqual(ds.integers(Tag(0x0028, 0x0010)), [64])
        XCTAssertEqual(ds.integers(Tag(0x0028, 0x0011)), [64])
        XCTAssertEqual(ds.integers(Tag(0x0028, 0x0100)), [16])
        XCTAssertEqual(ds.integers(Tag(0x0028, 0x0103)), [1])
        XCTAssertEqual(ds[Tag(0x0028, 0x0106)]?.vr, .SS)
        XCTAssertEqual(ds.integers(Tag(0x0028, 0x0106)), [0])
        XCTAssertEqual(ds.integers(Tag(0x0028, 0x0107)), [4000])
        XCTAssertEqual(ds.doubles(Tag(0x0028, 0x0030)), [0.3125, 0.3125])
        XCTAssertEqual(ds.doubles(Tag(0x0020, 0x0032)), [-83.9063, -91.2, 6.6406])
        XCTAssertEqual(ds.doubles(Tag(0x0020, 0x0037)), [1, 0, 0, 0, 1, 0])
        XCTAssertEqual(ds.doubles(Tag(0x0018, 0x0084)), [63.924339])
        XCTAssertEqual(ds.doubles(Tag(0x0010, 0x1020)), [], "empty DS")
        XCTAssertEqual(ds.string(Tag(0x0020, 0x4000)), "Uncompressed")
        let p = try XCTUnwrap(f.pixelData)
        XCTAssertEqual(p.vr, .OW)
        XCTAssertEqual(p.declaredLength, 8192)
        XCTAssertEqual(p.fileOffset, 9708 - 8192 - 12)
        XCTAssertEqual(f.fileSize, 9708)
    }

    func testBigEndianSequence() throws {
        var b = Bytes(bigEndian: true)
        b.explicit(0x0008, 0x0060, "CS", "OT")
        b.sequenceStart(0x0008, 0x1140)
        b.item()
        b.explicit(0x0028, 0x0010, "US", be16(300))
        b.itemDelimiter()
        b.sequenceDelimiter()
        b.explicit(0x0028, 0x0011, "US", be16(400))
        let f = try readBytes(b.bytes)
        XCTAssertEqual(kinds(f), rawBaseline)
        XCTAssertEqual(f.transferSyntax, .explicitVRBigEndian)
        XCTAssertEqual(f.dataSet[refImageSeq]?.items?.first?.integers(Tag(0x0028, 0x0010)), [300])
        XCTAssertEqual(f.dataSet.integers(Tag(0x0028, 0x0011)), [400])
    }
}

/// Writes bytes to a new temporary file; returns its path.
func temporaryFile(_ bytes: [UInt8]) throws -> String {
    let path = NSTemporaryDirectoryPath() + "/dcmaudit-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).dcm"
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
        throw NSError(domain: "test", code: 1)
    }
    return path
}
