import DcmData
import DcmDictionary

/// `dcmaudit-fixtures protocol --out DIR`: a small multi-site MR study for
/// protocol audits (docs/protocols.md). Three sites, one scanner each
/// (Siemens Prisma, GE SIGNA Premier, Philips Ingenia), two sessions per site,
/// the same harmonised protocol (localiser, T1w, T2w, resting-state fMRI,
/// DWI), three 8×8 instances per series. Deliberate deviations, each in one
/// session only:
///
/// | session | deviation |
/// |---|---|
/// | siteA-sub02 | software upgraded (syngo MR XA50, the others XA30) and an extra series (SWI_3D) |
/// | siteB-sub03 | fMRI_rest with RepetitionTime 850 (protocol: 800) |
/// | siteB-sub04 | a derived series (T1w_MPR_sag, ImageType DERIVED): excluded, not a finding |
/// | siteC-sub05 | T2w_SPACE missing |
///
/// Every session also has a localiser (excluded). siteA-sub01 is the
/// reference session of the tests. Deterministic: fixed UIDs and dates.
func generateProtocolStudy(out: String) {
    let seed: UInt64 = 6006
    func uid(_ parts: Int...) -> String { UIDs.root + ".\(seed)." + parts.map(String.init).joined(separator: ".") }
    struct Scanner { var manufacturer, model, software, station: String; var siemens: Bool }
    let prisma = Scanner(manufacturer: "SIEMENS", model: "Prisma", software: "syngo MR XA30", station: "SITEA-MR1", siemens: true)
    let premier = Scanner(manufacturer: "GE MEDICAL SYSTEMS", model: "SIGNA Premier", software: "30\\LX\\MR Software release:RX29.1", station: "SITEB-MR7", siemens: false)
    let ingenia = Scanner(manufacturer: "Philips", model: "Ingenia", software: "5.7.1\\5.7.1.2", station: "SITEC-MR2", siemens: false)

    /// One acquisition of the harmonised protocol.
    struct Acq {
        var description: String
        var imageType = "ORIGINAL\\PRIMARY\\M\\ND"
        var tr: Double, te: Double, ti: Double? = nil, flip: Double, etl: Int
        var sequenceName: String
        var scanning: String, variant: String
        var thickness: Double, spacing: Double? = nil
        var matrix: [Int]      // AcquisitionMatrix: freq rows, freq cols, phase rows, phase cols
        var pe: String = "ROW"
        var bandwidth: Double
        var pixelSpacing = "1\\1"
    }
    let localizer = Acq(description: "localizer", imageType: "ORIGINAL\\PRIMARY\\M\\ND\\LOCALIZER", tr: 8.6, te: 4, flip: 20, etl: 1,
                        sequenceName: "*fl2d1", scanning: "GR", variant: "SP\\OSP", thickness: 7, matrix: [0, 256, 128, 0], bandwidth: 320, pixelSpacing: "1.5\\1.5")
    let t1 = Acq(description: "T1w_MPRAGE", tr: 2300, te: 2.98, ti: 900, flip: 9, etl: 1, sequenceName: "*tfl3d1_16ns",
                 scanning: "GR\\IR", variant: "SK\\SP\\MP", thickness: 1, matrix: [0, 256, 256, 0], bandwidth: 240)
    let t2 = Acq(description: "T2w_SPACE", tr: 3200, te: 410, flip: 120, etl: 258, sequenceName: "*spc_314ns",
                 scanning: "SE", variant: "SK\\SP\\OSP", thickness: 1, matrix: [0, 256, 256, 0], bandwidth: 750)
    let bold = Acq(description: "fMRI_rest", tr: 800, te: 37, flip: 52, etl: 1, sequenceName: "epfid2d1_104",
                   scanning: "EP", variant: "SK", thickness: 2.4, spacing: 2.4, matrix: [104, 0, 0, 104], pe: "COL", bandwidth: 2290, pixelSpacing: "2.4\\2.4")
    let dwi = Acq(description: "DWI_b1000", tr: 4000, te: 90, flip: 90, etl: 1, sequenceName: "ep_b1000#1",
                  scanning: "EP", variant: "SK\\SP", thickness: 2, spacing: 2, matrix: [128, 0, 0, 128], pe: "COL", bandwidth: 1700, pixelSpacing: "2\\2")
    let swi = Acq(description: "SWI_3D", tr: 28, te: 20, flip: 15, etl: 1, sequenceName: "*swi3d1r", scanning: "GR", variant: "SP",
                  thickness: 1.5, matrix: [0, 256, 192, 0], bandwidth: 120)
    var derived = t1
    derived.description = "T1w_MPR_sag"
    derived.imageType = "DERIVED\\SECONDARY\\MPR\\ND"

    struct Session { var name: String; var scanner: Scanner; var acqs: [Acq] }
    var upgraded = prisma
    upgraded.software = "syngo MR XA50"
    var longTR = bold
    longTR.tr = 850
    let sessions = [
        Session(name: "siteA-sub01", scanner: prisma, acqs: [localizer, t1, t2, bold, dwi]),
        Session(name: "siteA-sub02", scanner: upgraded, acqs: [localizer, t1, t2, bold, dwi, swi]),
        Session(name: "siteB-sub03", scanner: premier, acqs: [localizer, t1, t2, longTR, dwi]),
        Session(name: "siteB-sub04", scanner: premier, acqs: [localizer, t1, derived, t2, bold, dwi]),
        Session(name: "siteC-sub05", scanner: ingenia, acqs: [localizer, t1, bold, dwi]),
        Session(name: "siteC-sub06", scanner: ingenia, acqs: [localizer, t1, t2, bold, dwi]),
    ]
    let px = pixels(rows: 8, cols: 8, bits: 16)
    var count = 0
    for (si, s) in sessions.enumerated() {
        let studyUID = uid(si + 1)
        let date = "202405\(10 + si)"
        for (k, a) in s.acqs.enumerated() {
            let seriesUID = uid(si + 1, k + 1)
            let dir = "\(out)/\(s.name)/S\(k + 1 < 10 ? "0" : "")\(k + 1)_\(a.description)"
            mkdirs(dir)
            for i in 1...3 {
                var d = DataSet()
                d.set(keyword: "SpecificCharacterSet", "ISO_IR 100")
                d.set(keyword: "ImageType", a.imageType)
                d.set(keyword: "SOPClassUID", UIDs.mrImage)
                d.set(keyword: "SOPInstanceUID", seriesUID + ".\(i)")
                d.set(keyword: "StudyDate", date)
                d.set(keyword: "SeriesDate", date)
                d.set(keyword: "StudyTime", "090000")
                d.set(keyword: "SeriesTime", "09\(10 + k)00")
                d.set(keyword: "AccessionNumber", "PRT\(si + 1)")
                d.set(keyword: "Modality", "MR")
                d.set(keyword: "Manufacturer", s.scanner.manufacturer)
                d.set(keyword: "InstitutionName", "Site \(s.name.prefix(5).suffix(1)) Imaging Centre")
                d.set(keyword: "ReferringPhysicianName", "")
                d.set(keyword: "StationName", s.scanner.station)
                d.set(keyword: "StudyDescription", "BRAIN^STUDY-PROTOCOL")
                d.set(keyword: "SeriesDescription", a.description)
                d.set(keyword: "ManufacturerModelName", s.scanner.model)
                // (not the folder names: those would be redacted from reports as patient data)
                d.set(keyword: "PatientName", "Participant^\(si + 1)")
                d.set(keyword: "PatientID", "P-\(1000 + si)")
                d.set(keyword: "PatientBirthDate", "")
                d.set(keyword: "PatientSex", "O")
                d.set(keyword: "ScanningSequence", a.scanning)
                d.set(keyword: "SequenceVariant", a.variant)
                d.set(keyword: "ScanOptions", "")
                d.set(keyword: "MRAcquisitionType", a.spacing == nil ? "3D" : "2D")
                d.set(keyword: "SequenceName", a.sequenceName)
                d.set(keyword: "SliceThickness", ds(a.thickness))
                d.set(keyword: "RepetitionTime", ds(a.tr))
                d.set(keyword: "EchoTime", ds(a.te))
                if let ti = a.ti { d.set(keyword: "InversionTime", ds(ti)) }
                d.set(keyword: "NumberOfAverages", "1")
                d.set(keyword: "ImagingFrequency", "123.2")
                d.set(keyword: "MagneticFieldStrength", "3")
                if let sp = a.spacing { d.set(keyword: "SpacingBetweenSlices", ds(sp)) }
                d.set(keyword: "EchoTrainLength", String(a.etl))
                d.set(keyword: "PixelBandwidth", ds(a.bandwidth))
                d.set(keyword: "DeviceSerialNumber", "\(66000 + si / 2)")
                d.set(keyword: "SoftwareVersions", s.scanner.software)
                d.set(keyword: "ProtocolName", a.description)
                d.set(Tag(0x0018, 0x1310), .US, a.matrix)   // AcquisitionMatrix
                d.set(keyword: "InPlanePhaseEncodingDirection", a.pe)
                d.set(keyword: "FlipAngle", ds(a.flip))
                d.set(keyword: "PatientPosition", "HFS")
                d.set(keyword: "StudyInstanceUID", studyUID)
                d.set(keyword: "SeriesInstanceUID", seriesUID)
                d.set(keyword: "StudyID", "\(si + 1)")
                d.set(keyword: "SeriesNumber", String(k + 1))
                d.set(keyword: "InstanceNumber", String(i))
                d.set(keyword: "ImagePositionPatient", "0\\0\\\(ds(Double(i - 1) * a.thickness))")
                d.set(keyword: "ImageOrientationPatient", "1\\0\\0\\0\\1\\0")
                d.set(keyword: "FrameOfReferenceUID", uid(si + 1, 99))
                d.set(keyword: "PositionReferenceIndicator", "")
                d.set(keyword: "SliceLocation", ds(Double(i - 1) * a.thickness))
                d.set(keyword: "SamplesPerPixel", 1)
                d.set(keyword: "PhotometricInterpretation", "MONOCHROME2")
                d.set(keyword: "Rows", 8)
                d.set(keyword: "Columns", 8)
                d.set(keyword: "PixelSpacing", a.pixelSpacing)
                d.set(keyword: "BitsAllocated", 16)
                d.set(keyword: "BitsStored", 12)
                d.set(keyword: "HighBit", 11)
                d.set(keyword: "PixelRepresentation", 0)
                if s.scanner.siemens {
                    // a CSA image header with the values protocol audits name (docs/siemens-csa.md)
                    let tag = d.privateTag(group: 0x0029, creator: DataSet.siemensCSACreator, elementByte: 0x10)
                    d.setRaw(tag, .OB, SiemensCSAHeader.encodeCSA2([
                        (name: "BandwidthPerPixelPhaseEncode", vr: "FD", values: [a.pe == "COL" ? "21.5" : "0"]),
                        (name: "PhaseEncodingDirectionPositive", vr: "IS", values: ["1"]),
                        (name: "ImaCoilString", vr: "LO", values: ["HC1-7"]),
                    ]))
                }
                d.setRaw(.pixelData, .OW, px)
                writeFile("\(dir)/IM000\(i).dcm", encode(d, .explicitVRLittleEndian))
                count += 1
            }
        }
    }
    print("wrote \(count) files in \(sessions.count) sessions to \(out)")
}
