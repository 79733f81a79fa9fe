import DcmData
import DcmDictionary

/// The demo dataset: 3 patients, 4 studies, 10 series, 44 files, with a few
/// planted defects. Everything is fixed (UIDs from seed 1561, fixed dates),
/// so running it twice gives identical bytes.
func generateDemo(out: String) {
    let seed: UInt64 = 1561
    var rng = SplitMix(seed: seed)
    var cache: [String: [UInt8]] = [:]
    var readme: [String] = []
    var count = 0

    func uid(_ parts: Int...) -> String { UIDs.root + ".\(seed)." + parts.map(String.init).joined(separator: ".") }

    let doe = Patient(name: "Doe^John", id: "DEMO001", birthDate: "19620314", sex: "M", charset: "ISO_IR 100")
    let mueller = Patient(name: "Müller^Anna", id: "DEMO002", birthDate: "19850921", sex: "F", charset: "ISO_IR 100")
    // PS3.5 Annex H.3.1, Example 1: ISO 2022 IR 87, escape sequences ESC $ B / ESC ( B.
    let yamadaJIS: [UInt8] = Array("Yamada^Tarou=".utf8)
        + [0x1B, 0x24, 0x42, 0x3B, 0x33, 0x45, 0x44, 0x1B, 0x28, 0x42, 0x5E,
           0x1B, 0x24, 0x42, 0x42, 0x40, 0x4F, 0x3A, 0x1B, 0x28, 0x42, 0x3D,
           0x1B, 0x24, 0x42, 0x24, 0x64, 0x24, 0x5E, 0x24, 0x40, 0x1B, 0x28, 0x42, 0x5E,
           0x1B, 0x24, 0x42, 0x24, 0x3F, 0x24, 0x6D, 0x24, 0x26, 0x1B, 0x28, 0x42]
    let yamada = Patient(name: "Yamada^Tarou=山田^太郎=やまだ^たろう", id: "DEMO003", birthDate: "19700101", sex: "M",
                         charset: "\\ISO 2022 IR 87", nameBytes: yamadaJIS)
    let yamadaUTF8 = Patient(name: "Yamada^Tarou=山田^太郎=やまだ^たろう", id: "DEMO003", birthDate: "19700101", sex: "M", charset: "ISO_IR 192")

    let ctStudy = Study(uid: uid(1, 1), date: "20240305", time: "091500", accession: "ACC1001", id: "1001", description: "CT CHEST W/O CONTRAST")
    let mrStudy = Study(uid: uid(1, 2), date: "20240410", time: "143000", accession: "ACC1002", id: "1002", description: "MR BRAIN")
    let kneeStudy = Study(uid: uid(2, 1), date: "20240522", time: "081000", accession: "ACC2001", id: "2001", description: "MR KNEE RIGHT")
    let usStudy = Study(uid: uid(3, 1), date: "20240615", time: "110000", accession: "ACC3001", id: "3001", description: "US ABDOMEN")

    func write(_ rel: String, _ d: DataSet, _ ts: TransferSyntax) {
        let dir = out + "/" + rel.split(separator: "/").dropLast().joined(separator: "/")
        mkdirs(dir)
        writeFile(out + "/" + rel, encode(d, ts))
        count += 1
    }

    /// One series: files IM0001.dcm… with an optional per-instance tweak.
    func series(_ p: Patient, _ st: Study, _ s: Series, dir: String, count n: Int, ts: TransferSyntax = .explicitVRLittleEndian,
                refs: [(String, String)] = [], tsFor: [Int: TransferSyntax] = [:],
                tweak: (Int, inout DataSet) -> Void = { _, _ in }) -> [String] {
        var sops: [String] = []
        for i in 1...n {
            let sop = s.uid + ".\(i)"
            var d = makeImage(patient: p, study: st, series: s, instance: i, sopUID: sop, references: refs, rng: &rng)
            tweak(i, &d)
            addPixels(&d, s, instance: i, cache: &cache)
            let t = tsFor[i] ?? ts
            write("\(dir)/IM\(i < 10 ? "000" : "00")\(i).dcm", d, t)
            sops.append(d.string(.sopInstanceUID) ?? sop)
        }
        return sops
    }

    // Patient 1, study 1: CT chest — scout, 8-slice axial, 5-slice implicit VR axial.
    let scout = Series(uid: uid(1, 1, 1), number: 1, modality: "CT", description: "Topogram 0.6 T20f", vendor: .siemens,
                       frameOfReference: uid(1, 1, 9), pixelSpacing: 31.25, sliceThickness: 0.6, imageType: "ORIGINAL\\PRIMARY\\LOCALIZER")
    let scoutSOPs = series(doe, ctStudy, scout, dir: "DEMO001/CT_CHEST_20240305/S001_TOPOGRAM", count: 1) { _, d in
        d.remove(Tag(0x0010, 0x0020))   // DEFECT: PatientID missing
    }
    readme.append("| DEMO001/CT_CHEST_20240305/S001_TOPOGRAM/IM0001.dcm | **PatientID (0010,0020) missing** (Type 1 in the Patient Module) |")
    let axial = Series(uid: uid(1, 1, 2), number: 2, modality: "CT", description: "Thorax 5.0 B31f", vendor: .siemens,
                       frameOfReference: uid(1, 1, 9), pixelSpacing: 21.875, sliceThickness: 5, z0: -250)
    _ = series(doe, ctStudy, axial, dir: "DEMO001/CT_CHEST_20240305/S002_AXIAL_5MM", count: 8,
               refs: [(UIDs.ctImage, scoutSOPs[0])])
    let thin = Series(uid: uid(1, 1, 3), number: 3, modality: "CT", description: "Thorax 2.0 B70f lung", vendor: .siemens,
                      frameOfReference: uid(1, 1, 9), pixelSpacing: 21.875, sliceThickness: 2, z0: -200)
    _ = series(doe, ctStudy, thin, dir: "DEMO001/CT_CHEST_20240305/S003_AXIAL_LUNG_IMPLICIT", count: 5, ts: .implicitVRLittleEndian) { i, d in
        if i == 3 { d.set(keyword: "PixelSpacing", ["22.5", "22.5"]) }   // DEFECT: inconsistent PixelSpacing
    }
    readme.append("| DEMO001/CT_CHEST_20240305/S003_AXIAL_LUNG_IMPLICIT/IM0003.dcm | **PixelSpacing 22.5\\\\22.5** where the rest of the series has 21.875\\\\21.875 (series inconsistency) |")

    // Patient 1, study 2: MR brain (Siemens, CSA headers) — localizer, T1 MPRAGE, T2.
    let loc = Series(uid: uid(1, 2, 1), number: 1, modality: "MR", description: "localizer", vendor: .siemens, frameOfReference: uid(1, 2, 9),
                     pixelSpacing: 16, sliceThickness: 7, z0: -20, repetitionTime: 8.6, echoTime: 4, imageType: "ORIGINAL\\PRIMARY\\M\\NORM\\DIS2D", bodyPart: "HEAD")
    let locSOPs = series(doe, mrStudy, loc, dir: "DEMO001/MR_BRAIN_20240410/S001_LOCALIZER", count: 3)
    let t1 = Series(uid: uid(1, 2, 2), number: 2, modality: "MR", description: "t1_mprage_sag_p2_iso", vendor: .siemens, frameOfReference: uid(1, 2, 9),
                    pixelSpacing: 16, sliceThickness: 1, z0: -3, repetitionTime: 2300, echoTime: 2.98, imageType: "ORIGINAL\\PRIMARY\\M\\ND\\NORM", bodyPart: "HEAD")
    _ = series(doe, mrStudy, t1, dir: "DEMO001/MR_BRAIN_20240410/S002_T1_MPRAGE", count: 6,
               refs: locSOPs.map { (UIDs.mrImage, $0) }) { i, d in
        if i == 4 { d.set(keyword: "RepetitionTime", "35000") }  // DEFECT: TR out of range
    }
    readme.append("| DEMO001/MR_BRAIN_20240410/S002_T1_MPRAGE/IM0004.dcm | **RepetitionTime 35000** ms in a T1 MPRAGE series whose other files have 2300 (out of range) |")
    let t2 = Series(uid: uid(1, 2, 3), number: 3, modality: "MR", description: "t2_tse_tra", vendor: .siemens, frameOfReference: uid(1, 2, 9),
                    pixelSpacing: 14, sliceThickness: 5, z0: -40, repetitionTime: 5000, echoTime: 98, imageType: "ORIGINAL\\PRIMARY\\M\\ND\\NORM", bodyPart: "HEAD")
    _ = series(doe, mrStudy, t2, dir: "DEMO001/MR_BRAIN_20240410/S003_T2_TSE", count: 5) { i, d in
        if i == 2 { d.set(keyword: "ContentDate", "2024-04-10") }  // DEFECT: not a DA value
    }
    readme.append("| DEMO001/MR_BRAIN_20240410/S003_T2_TSE/IM0002.dcm | **ContentDate `2024-04-10`**: not a valid DA (YYYYMMDD) |")

    // Patient 2: MR knee, GE private blocks, Latin-1 name; one big endian, one deflated file.
    let knee = Series(uid: uid(2, 1, 1), number: 1, modality: "MR", description: "Sag PD FSE", vendor: .ge, frameOfReference: uid(2, 1, 9),
                      pixelSpacing: 10, sliceThickness: 3, z0: -9, repetitionTime: 2800, echoTime: 30, bodyPart: "KNEE")
    let kneeSOPs = series(mueller, kneeStudy, knee, dir: "DEMO002/MR_KNEE_20240522/S001_SAG_PD", count: 6,
                          tsFor: [3: .explicitVRBigEndian, 4: .deflatedExplicitVRLittleEndian]) { i, d in
        if i == 6 { d.set(keyword: "SOPInstanceUID", knee.uid + ".5") }  // DEFECT: duplicate SOP Instance UID
    }
    _ = kneeSOPs
    readme.append("| DEMO002/MR_KNEE_20240522/S001_SAG_PD/IM0006.dcm | **SOPInstanceUID duplicates IM0005.dcm's** (`\(knee.uid).5`) |")

    // Patient 3: US abdomen; ISO 2022 IR 87 (Japanese) and ISO_IR 192 (UTF-8) names.
    let usSeries = Series(uid: uid(3, 1, 1), number: 1, modality: "US", description: "Abdomen survey", vendor: .generic,
                          frameOfReference: uid(3, 1, 9), imageType: "ORIGINAL\\PRIMARY\\ABDOMINAL", bodyPart: "ABDOMEN")
    _ = series(yamada, usStudy, usSeries, dir: "DEMO003/US_ABDOMEN_20240615/S001_SURVEY", count: 4)
    let usUTF8 = Series(uid: uid(3, 1, 2), number: 2, modality: "US", description: "Υπερηχογράφημα / Ультразвук печени", vendor: .generic,
                        frameOfReference: uid(3, 1, 9), imageType: "ORIGINAL\\PRIMARY\\ABDOMINAL", bodyPart: "ABDOMEN")
    _ = series(yamadaUTF8, usStudy, usUTF8, dir: "DEMO003/US_ABDOMEN_20240615/S002_LIVER_UTF8", count: 2) { _, d in
        d.set(keyword: "InstitutionName", "Γενικό Νοσοκομείο / Городская больница")
    }
    // One series with defined-length sequences and items (as some vendors write them).
    var definedOpts = WriteOptions()
    definedOpts.undefinedLengthSequences = false
    definedOpts.undefinedLengthItems = false
    let refSeries = Series(uid: uid(3, 1, 3), number: 3, modality: "US", description: "Abdomen annotated", vendor: .generic,
                           frameOfReference: uid(3, 1, 9), imageType: "DERIVED\\SECONDARY", bodyPart: "ABDOMEN")
    for i in 1...4 {
        var d = makeImage(patient: yamada, study: usStudy, series: refSeries, instance: i, sopUID: refSeries.uid + ".\(i)",
                          references: [(UIDs.usImage, usSeries.uid + ".\(i)")], rng: &rng)
        addPixels(&d, refSeries, instance: i, cache: &cache)
        mkdirs(out + "/DEMO003/US_ABDOMEN_20240615/S003_ANNOTATED_DEFINED_LENGTH")
        writeFile(out + "/DEMO003/US_ABDOMEN_20240615/S003_ANNOTATED_DEFINED_LENGTH/IM000\(i).dcm", encode(d, .explicitVRLittleEndian, definedOpts))
        count += 1
    }

    let text = """
    # Demo dataset

    Generated by `swift run dcmaudit-fixtures demo --out Fixtures/demo` (deterministic:
    fixed UIDs under the placeholder root `\(UIDs.root).\(seed)`, fixed dates; re-running
    it gives identical bytes). All patients, names and values are synthetic.
    Images are 16×16 (CT/MR 16-bit MONOCHROME2, US 8-bit RGB).

    \(count) files: 3 patients, 4 studies, 10 series.

    | Patient | Study | Series | Files | Notes |
    |---|---|---|---|---|
    | DEMO001 Doe^John (ISO_IR 100) | CT chest 2024-03-05 | S001 topogram | 1 | Siemens CT: `SIEMENS CT VA0  COAD` (0019) block and a CSA2 image header (0029,1010), as in all 3 CT series |
    | | | S002 axial 5 mm | 8 | ImagePositionPatient steps 5 mm; ReferencedImageSequence → topogram |
    | | | S003 axial 2 mm lung | 5 | **Implicit VR Little Endian** |
    | | MR brain 2024-04-10 | S001 localizer | 3 | Siemens: `SIEMENS MR HEADER` (0019,10xx), `SIEMENS CSA HEADER` (0029,1010) CSA2 image header ("SV10": EchoLinePosition, BandwidthPerPixelPhaseEncode, MosaicRefAcqTimes, SliceNormalVector, NumberOfImagesInMosaic, ImaCoilString) and (0029,1020) series header (incl. MrPhoenixProtocol) |
    | | | S002 T1 MPRAGE | 6 | as above; ReferencedImageSequence → the 3 localizers |
    | | | S003 T2 TSE | 5 | as above |
    | DEMO002 Müller^Anna (ISO_IR 100, Latin-1 bytes) | MR knee 2024-05-22 | S001 sag PD | 6 | GE private blocks `GEMS_IDEN_01` (0009), `GEMS_ACQU_01` (0019), `GEMS_RELA_01` (0021), `GEMS_IMAG_01` (0027), `GEMS_PARM_01` (0043); **IM0003 Explicit VR Big Endian**, **IM0004 Deflated Explicit VR Little Endian** |
    | DEMO003 Yamada^Tarou | US abdomen 2024-06-15 | S001 survey | 4 | `\\ISO 2022 IR 87`: PatientName `Yamada^Tarou=山田^太郎=やまだ^たろう` with the escape sequences of PS3.5 Annex H.3.1 Example 1 |
    | | | S002 liver | 2 | `ISO_IR 192` (UTF-8): same name; Greek/Cyrillic SeriesDescription and InstitutionName |
    | | | S003 annotated | 4 | sequences and items of **defined length**; ReferencedImageSequence → S001 |

    All other files: Explicit VR Little Endian, sequences and items of undefined length (as dcmtk writes them).

    ## Planted defects

    | File | Defect |
    |---|---|
    \(readme.joined(separator: "\n"))

    Everything else should pass a conformance check.
    """
    writeText(out + "/README.md", text + "\n")
    print("demo: \(count) files in \(out)")
}
