import XCTest
import DcmDictionary
@testable import DcmData

/// Elements written with the explicit VR UN whose VR the dictionary knows
/// (PS3.5 §6.2.2 and its Note 2: the value is that VR's, little endian,
/// implicit VR, whatever the transfer syntax): typed with the dictionary's VR
/// (`Element.Flags.explicitUN`), a sequence's bytes read as items — as
/// pydicom 3.0.2 does (`config.replace_un_with_known_vr`).
final class UNValueTests: XCTestCase {
    let refImageSeq = Tag(0x0008, 0x1140), refSOPClass = Tag(0x0008, 0x1150), refSOPInstance = Tag(0x0008, 0x1155)
    let patientName = Tag(0x0010, 0x0010)
    let rawBaseline: Set<Anomaly.Kind> = [.noPreamble, .missingMeta]
    func kinds(_ f: DicomFile) -> Set<Anomaly.Kind> { Set(f.anomalies.map(\.kind)) }

    /// Implicit VR little endian items: one of defined length holding a
    /// nested defined-length SQ (implicit), one of undefined length.
    func unSequenceValue(_ firstUID: String = "1.2.3") -> [UInt8] {
        var v = Bytes()
        var inner = Bytes()
        inner.implicit(0x0008, 0x1150, uid(firstUID))
        var nested = Bytes()                                  // (0008,1199) SQ, one item with (0008,1155)
        var nestedItem = Bytes()
        nestedItem.implicit(0x0008, 0x1155, uid("7.8"))
        nested.item(length: UInt32(nestedItem.count)); nested.raw(nestedItem.bytes)
        inner.implicit(0x0008, 0x1199, nested.bytes)
        v.item(length: UInt32(inner.count)); v.raw(inner.bytes)
        v.item()
        v.implicit(0x0008, 0x1155, uid("4.5"))
        v.itemDelimiter()
        return v.bytes
    }

    func testDefinedLengthUNOfASequenceIsReadAsImplicitItems() throws {
        var b = Bytes()
        b.explicit(0x0008, 0x0060, "CS", "OT")
        let value = unSequenceValue()
        b.explicit(0x0008, 0x1140, "UN", value)
        b.explicit(0x0010, 0x0010, "PN", text("Doe^J"))      // explicit VR again after it
        let f = try readBytes(b.bytes)
        XCTAssertEqual(kinds(f), rawBaseline)
        let e = try XCTUnwrap(f.dataSet[refImageSeq])
        XCTAssertEqual(e.vr, .SQ)
        XCTAssertEqual(e.fileVR, .UN)
        XCTAssertTrue(e.flags.isSuperset(of: [.unAsSequence, .explicitUN]))
        XCTAssertFalse(e.flags.contains(.undefinedLength))
        XCTAssertEqual(e.declaredLength, UInt32(value.count))
        let items = try XCTUnwrap(e.items)
        XCTAssertEqual(items.count, 2)
        XCTAssertEqual(items[0].strings(refSOPClass), ["1.2.3"])
        XCTAssertEqual(items[0][refSOPClass]?.vr, .UI)
        let nested = try XCTUnwrap(items[0][Tag(0x0008, 0x1199)]?.items)
        XCTAssertEqual(nested.first?.strings(refSOPInstance), ["7.8"])
        XCTAssertEqual(items[1].strings(refSOPInstance), ["4.5"])
        XCTAssertEqual(f.dataSet.strings(patientName), ["Doe^J"])
        XCTAssertEqual(f.dataSet[patientName]?.vr, .PN)
        let m = try AttributePath(parsing: "ReferencedImageSequence[0].ReferencedSOPClassUID").resolve(in: f.dataSet)
        XCTAssertEqual(m.first.map { $0.dataSet.strings($0.element) }, ["1.2.3"])
    }

    /// Explicit VR big endian: the UN sequence's items are still little endian
    /// (PS3.5 §6.2.2 Note 2); a UN binary value stays UN (its bytes are not
    /// the data set's byte order), a UN text value is typed.
    func testBigEndianDataSetReadsUNItemsLittleEndian() throws {
        var b = Bytes(bigEndian: true)
        b.explicit(0x0008, 0x0060, "CS", "OT")
        b.explicit(0x0008, 0x1140, "UN", unSequenceValue())
        b.explicit(0x0018, 0x0050, "UN", text("2.5"))                 // DS: typed
        b.explicit(0x0028, 0x0010, "UN", le16(512))                  // US: stays UN
        let f = try readBytes(part10(transferSyntax: explicitBE, body: b.bytes))
        XCTAssertEqual(Set(f.anomalies.map(\.kind)), [])
        let items = try XCTUnwrap(f.dataSet[refImageSeq]?.items)
        XCTAssertEqual(items.map { $0.isBigEndian }, [false, false])
        XCTAssertEqual(items[1].strings(refSOPInstance), ["4.5"])
        XCTAssertEqual(f.dataSet[Tag(0x0018, 0x0050)]?.vr, .DS)
        XCTAssertEqual(f.dataSet.strings(Tag(0x0018, 0x0050)), ["2.5"])
        let rows = try XCTUnwrap(f.dataSet[Tag(0x0028, 0x0010)])
        XCTAssertEqual(rows.vr, .UN)
        XCTAssertFalse(rows.flags.contains(.explicitUN))
    }

    /// Bytes that are not items ending at the value's end: the element stays
    /// UN bytes, one `bad-item` anomaly names it, and reading goes on.
    func testUNOfASequenceThatIsNotItemsStaysBytes() throws {
        let cases: [(String, [UInt8])] = [
            ("not an item tag", Array("1.2.840.10008.1.2".utf8) + [0]),
            ("item longer than the value", { var v = Bytes(); v.item(length: 40); v.implicit(0x0008, 0x1150, uid("1.2")); return v.bytes }()),
            ("bytes after the last item", { var v = Bytes(); v.item(length: 10); v.implicit(0x0008, 0x1150, uid("1")); v.raw([1, 2, 3, 4]); return v.bytes }()),
            ("undefined-length item without its delimiter", { var v = Bytes(); v.item(); v.implicit(0x0008, 0x1150, uid("1.2")); return v.bytes }()),
        ]
        for (name, value) in cases {
            var b = Bytes()
            b.explicit(0x0008, 0x0060, "CS", "OT")
            b.explicit(0x0008, 0x1140, "UN", value)
            b.explicit(0x0010, 0x0010, "PN", text("Doe^J"))
            let f = try readBytes(b.bytes)
            XCTAssertEqual(kinds(f), rawBaseline.union([.badItem]), name)
            XCTAssertEqual(f.anomalies(.badItem).count, 1, name)
            XCTAssertEqual(f.anomalies(.badItem).first?.path, loc((0x0008, 0x1140, -1)), name)
            let e = try XCTUnwrap(f.dataSet[refImageSeq], name)
            XCTAssertNil(e.items, name)
            XCTAssertEqual(e.vr, .UN, name)
            XCTAssertEqual(f.dataSet.valueBytes(e), value, name)
            XCTAssertEqual(f.dataSet.strings(patientName), ["Doe^J"], name)
        }
    }

    /// UN values of other VRs are read as their dictionary VR: split at `\`,
    /// binary numbers and AT decoded; a private element through its creator's
    /// private dictionary; an unknown private element stays UN.
    func testUNValuesTakeTheDictionaryVR() throws {
        var b = Bytes()
        b.explicit(0x0008, 0x0060, "UN", text("CT"))
        b.explicit(0x0020, 0x0032, "UN", text("1.5\\-2\\3"))
        b.explicit(0x0028, 0x0009, "UN", le16(0x0018) + le16(0x1063))
        b.explicit(0x0028, 0x0010, "UN", le16(512))
        b.explicit(0x0043, 0x0010, "LO", text("GEMS_PARM_01"))
        b.explicit(0x0043, 0x1039, "UN", text("1000\\0\\0\\0"))
        b.explicit(0x0043, 0x10FE, "UN", [1, 2])
        let f = try readBytes(b.bytes)
        XCTAssertEqual(kinds(f), rawBaseline)
        let ds = f.dataSet
        XCTAssertEqual(ds.strings(Tag(0x0008, 0x0060)), ["CT"])
        let ipp = try XCTUnwrap(ds[Tag(0x0020, 0x0032)])
        XCTAssertEqual(ipp.vr, .DS)
        XCTAssertEqual(ipp.fileVR, .UN)
        XCTAssertEqual(ds.valueMultiplicity(ipp), 3)
        XCTAssertEqual(ds.strings(ipp), ["1.5", "-2", "3"])
        XCTAssertEqual(ds[Tag(0x0028, 0x0009)]?.vr, .AT)
        XCTAssertEqual(ds.tags(try XCTUnwrap(ds[Tag(0x0028, 0x0009)])), [Tag(0x0018, 0x1063)])
        XCTAssertEqual(ds[Tag(0x0028, 0x0010)].flatMap { ds.integers($0) }, [512])
        let priv = try XCTUnwrap(ds[Tag(0x0043, 0x1039)])
        XCTAssertEqual(priv.vr, .IS)
        XCTAssertTrue(priv.flags.contains(.explicitUN))
        XCTAssertEqual(ds.strings(priv), ["1000", "0", "0", "0"])
        let unknown = try XCTUnwrap(ds[Tag(0x0043, 0x10FE)])
        XCTAssertEqual(unknown.vr, .UN)
        XCTAssertEqual(unknown.fileVR, .UN)
        XCTAssertFalse(unknown.flags.contains(.explicitUN))
    }

    /// A UN value longer than `maxLoadedValueLength` stays UN bulk data, not
    /// loaded (typed, it would be loaded as text).
    func testLongUNValueStaysUnloadedUN() throws {
        var o = ReadOptions()
        o.maxLoadedValueLength = 8
        var b = Bytes()
        b.explicit(0x0020, 0x0032, "UN", text("1.5\\-2\\3.25"))   // 12 bytes
        b.explicit(0x0008, 0x0060, "UN", text("CT"))
        let f = try readBytes(b.bytes, options: o)
        let ipp = try XCTUnwrap(f.dataSet[Tag(0x0020, 0x0032)])
        XCTAssertEqual(ipp.vr, .UN)
        XCTAssertTrue(ipp.flags.contains(.notLoaded))
        XCTAssertEqual(f.dataSet[Tag(0x0008, 0x0060)]?.vr, .CS)
    }

    /// Past the depth limit a UN sequence is not read as items: a
    /// `depth-limit` anomaly, its bytes kept.
    func testUNSequencePastTheDepthLimitStaysBytes() throws {
        var o = ReadOptions()
        o.maxSequenceDepth = 0
        var b = Bytes()
        b.explicit(0x0008, 0x1140, "UN", unSequenceValue())
        let f = try readBytes(b.bytes, options: o)
        XCTAssertEqual(kinds(f), rawBaseline.union([.depthLimit]))
        XCTAssertNil(f.dataSet[refImageSeq]?.items)
        XCTAssertEqual(f.dataSet[refImageSeq]?.vr, .UN)
    }

    /// The writer writes what the file wrote: UN again (a sequence with its
    /// implicit VR little endian items and its defined length), in explicit
    /// VR little and big endian; read back, the same elements.
    func testWriterWritesUNAgain() throws {
        var b = Bytes()
        b.explicit(0x0008, 0x0060, "CS", "OT")
        b.explicit(0x0008, 0x1140, "UN", unSequenceValue())
        b.explicit(0x0020, 0x0032, "UN", text("1.5\\-2\\3"))
        b.explicit(0x0028, 0x0010, "UN", le16(512))
        let f = try readBytes(b.bytes)
        for ts in [TransferSyntax.explicitVRLittleEndian, .explicitVRBigEndian] {
            let out = try DicomWriter.write(dataSet: f.dataSet, transferSyntax: ts)
            // (0008,1140) with VR UN and its defined length in the output
            let seqAt = try XCTUnwrap(indexOf(ts.isBigEndian ? [0x00, 0x08, 0x11, 0x40] : [0x08, 0x00, 0x40, 0x11], in: out))
            XCTAssertEqual(Array(out[seqAt + 4 ..< seqAt + 6]), Array("UN".utf8))
            XCTAssertNotEqual(Array(out[seqAt + 8 ..< seqAt + 12]), [0xFF, 0xFF, 0xFF, 0xFF])
            let g = try DicomReader.read(bytes: out)
            XCTAssertEqual(g.transferSyntax.uid, ts.uid)
            XCTAssertEqual(Set(g.anomalies.map(\.kind)).subtracting([.metaInconsistent]), [], "\(ts.uid)")   // (no SOP UIDs for the meta)
            let seq = try XCTUnwrap(g.dataSet[refImageSeq])
            XCTAssertTrue(seq.flags.contains(.explicitUN))
            XCTAssertEqual(seq.items?.count, 2, "\(ts.uid)")
            XCTAssertEqual(seq.items?[0][Tag(0x0008, 0x1199)]?.items?.first?.strings(refSOPInstance), ["7.8"])
            XCTAssertEqual(seq.items?[1].strings(refSOPInstance), ["4.5"])
            XCTAssertEqual(g.dataSet.strings(Tag(0x0020, 0x0032)), ["1.5", "-2", "3"])
            let rows = try XCTUnwrap(g.dataSet[Tag(0x0028, 0x0010)])
            XCTAssertEqual(g.dataSet.valueBytes(rows), le16(512), "UN bytes are never swapped (\(ts.uid))")
        }
    }

    func indexOf(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where Array(hay[i ..< i + needle.count]) == needle { return i }
        return nil
    }
}
