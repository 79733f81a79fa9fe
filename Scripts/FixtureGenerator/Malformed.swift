import DcmData
import DcmDictionary

/// Files the reader's tests need, each named for its defect, each small.
func generateMalformed(out: String) {
    mkdirs(out)
    var rng = SplitMix(seed: 404)
    var rows: [(String, String)] = []

    let patient = Patient(name: "Malformed^Test", id: "BAD001", birthDate: "19800101", sex: "O")
    let study = Study(uid: UIDs.make(404, 1), date: "20240101", time: "120000", accession: "BAD1", id: "1", description: "Malformed fixtures")
    let series = Series(uid: UIDs.make(404, 1, 1), number: 1, modality: "CT", description: "base", vendor: .generic,
                        frameOfReference: UIDs.make(404, 1, 9), rows: 4, cols: 4, pixelSpacing: 1, sliceThickness: 1)
    /// A small valid CT-like data set (no vendor blocks, 4×4 pixels).
    func base(_ n: Int = 1) -> DataSet {
        var d = makeImage(patient: patient, study: study, series: series, instance: n, sopUID: series.uid + ".\(n)", rng: &rng)
        d.remove(Tag(0x0009, 0x0010)); d.remove(Tag(0x0009, 0x1001)); d.remove(Tag(0x0009, 0x1002))
        d.setRaw(.pixelData, .OW, pixels(rows: 4, cols: 4, bits: 16))
        return d
    }
    func file(_ name: String, _ bytes: [UInt8], _ expected: String) {
        writeFile(out + "/" + name, bytes)
        rows.append((name, expected))
    }
    /// Preamble + DICM + meta (for `d` in `ts`), without the data set.
    func metaPrefix(_ d: DataSet, _ ts: TransferSyntax) -> [UInt8] {
        let full = encode(d, ts)
        let gl = Int(full[140]) | Int(full[141]) << 8 | Int(full[142]) << 16 | Int(full[143]) << 24
        return Array(full[0..<(144 + gl)])
    }
    /// The data set's elements with tags in `range`, encoded raw.
    func part(_ d: DataSet, _ ts: TransferSyntax, _ keep: (Tag) -> Bool) -> [UInt8] {
        var p = d
        p.elements.removeAll { !keep($0.tag) }
        return encodeRaw(p, ts)
    }
    /// Offset of an element's header in `bytes` (explicit VR LE, tag + VR).
    func offset(of tag: Tag, in bytes: [UInt8], from: Int = 132) -> Int {
        let needle: [UInt8] = [UInt8(tag.group & 0xFF), UInt8(tag.group >> 8), UInt8(tag.element & 0xFF), UInt8(tag.element >> 8)]
        for i in from..<(bytes.count - 4) where bytes[i] == needle[0] && Array(bytes[i..<i + 4]) == needle { return i }
        fatalError("tag \(tag) not found")
    }
    let explicitLE = TransferSyntax.explicitVRLittleEndian
    let d = base()
    let good = encode(d, explicitLE)
    let patientName = Tag(0x0010, 0x0010)

    file("valid_reference.dcm", good, "none — the well-formed file the others are derived from")

    let pn = offset(of: patientName, in: good)
    let px = offset(of: .pixelData, in: good)
    file("truncated_in_header.dcm", Array(good[0..<(px + 10)]),
         "`truncated`: the file ends 10 bytes into the 12-byte header of Pixel Data (7FE0,0010) OW")
    file("truncated_in_header_short.dcm", Array(good[0..<(pn + 5)]),
         "`truncated`: the file ends 5 bytes into the 8-byte header of PatientName (0010,0010) (fewer than 8 bytes left: a reader may call it `trailing-bytes`)")
    let pnLength = Int(good[pn + 6]) | Int(good[pn + 7]) << 8
    file("truncated_in_value.dcm", Array(good[0..<(pn + 8 + 4)]),
         "`length-past-end` on PatientName (0010,0010): value length \(pnLength), 4 bytes left; element flagged truncated")

    var lpe = d
    lpe.elements.removeAll { $0.tag.raw > Tag(0x0020, 0x4000).raw }
    lpe.set(Tag(0x0020, 0x4000), .LT, "last element, declared longer than the file")
    var lpeBytes = encode(lpe, explicitLE)
    let ic = offset(of: Tag(0x0020, 0x4000), in: lpeBytes)
    lpeBytes[ic + 6] = 0xC8; lpeBytes[ic + 7] = 0x00   // 200
    file("length_past_end.dcm", lpeBytes, "`length-past-end` on ImageComments (0020,4000): declares 200 bytes, \(lpeBytes.count - ic - 8) remain")

    var odd = d
    odd.setRaw(patientName, .PN, Array("Doe^Jon".utf8), pad: false)
    var noPad = WriteOptions(); noPad.padOddLengths = false
    file("odd_length.dcm", encode(odd, explicitLE, noPad), "`odd-length` on PatientName (0010,0010): length 7")

    file("no_preamble.dcm", Array(good[128...]), "`no-preamble`: `DICM` at offset 0, no 128-byte preamble; otherwise valid")
    file("raw_implicit_le.dcm", encodeRaw(d, .implicitVRLittleEndian), "`no-preamble`, `missing-meta`: a bare data set in implicit VR little endian (encoding guessed)")
    file("raw_explicit_be.dcm", encodeRaw(d, .explicitVRBigEndian), "`no-preamble`, `missing-meta`: a bare data set in explicit VR big endian (encoding guessed)")

    var mgl = good
    mgl[140] &+= 6
    file("meta_group_length_wrong.dcm", mgl, "`meta-inconsistent`: (0002,0000) is 6 more than the group's real length")

    let unknownTS = TransferSyntax(uid: "1.2.826.0.1.3680043.10.1561.99.1", isExplicitVR: true, isBigEndian: false, isDeflated: false, isEncapsulated: false, isKnown: false)
    file("unknown_transfer_syntax.dcm", encode(d, unknownTS), "`unknown-transfer-syntax` 1.2.826.0.1.3680043.10.1561.99.1; data is explicit VR LE and reads as such")

    file("ts_explicit_but_data_implicit.dcm", metaPrefix(d, explicitLE) + encodeRaw(d, .implicitVRLittleEndian),
         "`transfer-syntax-mismatch`: meta says Explicit VR Little Endian, the data set is implicit VR")

    let dupTag = Tag(0x0008, 0x0060)
    file("duplicate_tag.dcm", metaPrefix(d, explicitLE) + part(d, explicitLE) { $0.raw < dupTag.raw } + part(d, explicitLE) { $0 == dupTag }
         + part(d, explicitLE) { $0 == dupTag } + part(d, explicitLE) { $0.raw > dupTag.raw },
         "`duplicate-tag` Modality (0008,0060) twice in a row")

    let t1 = Tag(0x0008, 0x0070), t2 = Tag(0x0008, 0x0080)
    file("out_of_order.dcm", metaPrefix(d, explicitLE) + part(d, explicitLE) { $0.raw < t1.raw } + part(d, explicitLE) { $0 == t2 }
         + part(d, explicitLE) { $0 == t1 } + part(d, explicitLE) { $0.raw > t2.raw },
         "`out-of-order`: InstitutionName (0008,0080) before Manufacturer (0008,0070)")

    var sq = d
    sq.elements.removeAll { $0.tag.raw > Tag(0x0040, 0xA730).raw }
    var item = DataSet(); item.set(keyword: "RelationshipType", "CONTAINS"); item.set(keyword: "ValueType", "TEXT"); item.set(keyword: "TextValue", "item 1")
    sq.setSequence(keyword: "ContentSequence", items: [item, item])
    let sqBytes = encode(sq, explicitLE)
    file("sequence_undefined_length_no_delimiter.dcm", Array(sqBytes.dropLast(8)),
         "`truncated`: ContentSequence (0040,A730) of undefined length, file ends after its second item without a Sequence Delimitation Item")

    var deepItem = DataSet(); deepItem.set(keyword: "TextValue", "bottom")
    for level in 0..<200 {
        var outer = DataSet(); outer.set(keyword: "ValueType", level % 2 == 0 ? "CONTAINER" : "TEXT")
        outer.setSequence(keyword: "ContentSequence", items: [deepItem])
        deepItem = outer
    }
    var deep = d
    deep.elements.removeAll { $0.tag.raw > Tag(0x0040, 0xA730).raw && $0.tag != .pixelData }
    deep.setSequence(keyword: "ContentSequence", items: deepItem[Tag(0x0040, 0xA730)]!.items!)
    file("nested_sequences_200_deep.dcm", encode(deep, explicitLE),
         "`depth-limit`: ContentSequence nested 200 deep (well-formed, but deeper than the reader's default limit of 64); Pixel Data follows the sequence")

    var un = d
    var ref = DataSet(); ref.set(keyword: "ReferencedSOPClassUID", UIDs.ctImage); ref.set(keyword: "ReferencedSOPInstanceUID", series.uid + ".0")
    un.setSequence(Tag(0x0008, 0x1140), items: [ref, ref], vr: .UN)
    file("un_undefined_length_implicit_sequence.dcm", encode(un, explicitLE),
         "none required (valid per PS3.5 §6.2.2): ReferencedImageSequence (0008,1140) written as UN of undefined length holding an implicit VR LE sequence of 2 items; the reader reads the items")

    var enc = d
    enc.remove(.pixelData)
    enc.set(keyword: "NumberOfFrames", "2")
    let frag1: [UInt8] = [0xFF, 0xD8, 0xFF, 0xDB] + [UInt8](repeating: 0x11, count: 26) + [0xFF, 0xD9]
    let frag2a: [UInt8] = [0xFF, 0xD8, 0xFF, 0xDB] + [UInt8](repeating: 0x22, count: 10)
    let frag2b: [UInt8] = [UInt8](repeating: 0x33, count: 14) + [0xFF, 0xD9]
    enc.setEncapsulatedPixelData(fragments: [frag1, frag2a, frag2b], offsets: [0, UInt32(8 + frag1.count)])
    let jpeg = TransferSyntax.forUID("1.2.840.10008.1.2.4.50")
    file("encapsulated_pixel_data.dcm", encode(enc, jpeg),
         "none: JPEG Baseline transfer syntax, 2 frames in 3 fragments with a Basic Offset Table of 2 entries (0, 40); fake JPEG bytes")

    var npc = d
    npc.set(Tag(0x0009, 0x1001), .LO, "orphan private value")
    file("private_without_creator.dcm", encode(npc, explicitLE), "`private-without-creator`: (0009,1001) with no (0009,0010)")

    let exTag = Tag(0x0008, 0x0070)
    file("explicit_vr_in_implicit_file.dcm", metaPrefix(d, .implicitVRLittleEndian) + part(d, .implicitVRLittleEndian) { $0.raw < exTag.raw }
         + part(d, explicitLE) { $0 == exTag } + part(d, .implicitVRLittleEndian) { $0.raw > exTag.raw },
         "`explicit-in-implicit`: Manufacturer (0008,0070) encoded with explicit VR `LO` in an implicit VR file")

    file("five_bytes.dcm", [0x08, 0x00, 0x05, 0x00, 0x43], "read error (not DICOM / nothing readable): a 5-byte file")
    file("not_dicom_text.dcm", Array("This is a plain text file, not DICOM.\nIt has a .dcm name to test discovery.\n".utf8),
         "read error `not-dicom`: a text file")

    let readme = """
    # Malformed fixtures

    Generated by `swift run dcmaudit-fixtures malformed --out Fixtures/malformed`
    (deterministic). Each file is a small CT-like data set (4×4 pixels, Explicit VR
    Little Endian unless stated) with one defect. The expected result is the
    anomaly kind (`Anomaly.Kind` raw value) the reader should record; "read error"
    means `DicomReader.read` should throw.

    | File | Expected |
    |---|---|
    \(rows.map { "| `\($0.0)` | \($0.1) |" }.joined(separator: "\n"))
    """
    writeText(out + "/README.md", readme + "\n")
    print("malformed: \(rows.count) files in \(out)")
}
