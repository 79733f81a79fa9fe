import DcmData
import DcmDictionary

/// De-identification of the benchmark corpus (`corpus --deidentified yes`):
/// each instance as a de-identifier applying the Basic Application Level
/// Confidentiality Profile (PS3.15 Annex E, Table E.1-1, no options) would
/// write it, so that `dcmaudit check --pack dicom.deid-basic` — which checks
/// data *after* de-identification — can be measured on the realistic case.
///
/// Allow-list design: every public attribute `makeImage` writes has an action
/// below (the profile's code for it, and where the code leaves a choice —
/// X/Z, X/D, Z/D, X/Z/D — the one the attribute's type in the CT, MR and US
/// Image IODs requires: Type 3 removed, Type 2 emptied, Type 1 dummy). An
/// attribute with no action stops the generator (a new attribute added to
/// `makeImage` must be classified here before it can leak). Private elements
/// are removed (the Retain Safe Private Option, PS3.15 E.3.10, is not declared).
struct Deidentifier {
    /// What the profile does to one attribute.
    enum Action {
        case keep            // not in Table E.1-1 (or K)
        case remove          // X (and X/Z, X/D, X/Z/D of a Type 3 attribute)
        case empty           // Z (and Z/D, X/Z of a Type 2 attribute)
        case dummy(String)   // D, or Z replaced by a dummy (the pseudonym)
        case uid             // U: a new UID, the same for the same original
        case items           // a sequence kept, its items' attributes de-identified (X/Z/U*)
    }

    let key: UInt64
    let pseudonym: String
    private let actions: [Tag: Action]

    /// `key`: the corpus seed (UIDs and pseudonyms are deterministic for it);
    /// `pseudonym`: the patient's new Patient ID.
    init(key: UInt64, pseudonym: String) {
        self.key = key
        self.pseudonym = pseudonym
        var a: [Tag: Action] = [:]
        func set(_ keywords: [String], _ action: Action) {
            for k in keywords {
                guard let t = DataDictionary.tag(forKeyword: k) else { preconditionFailure("Deidentifier: unknown keyword \(k)") }
                a[t] = action
            }
        }
        // Table E.1-1, X (or X/… of a Type 3 attribute): removed.
        set(["InstanceCreationDate", "InstanceCreationTime",        // X/D, X/Z/D; SOP Common, Type 3
             "SeriesDate", "SeriesTime",                            // X/D; General Series, Type 3
             "AcquisitionDate", "AcquisitionTime",                  // X/Z; General Image, Type 3
             "InstitutionName", "StationName", "DeviceSerialNumber", // X/Z/D; General Equipment, Type 3
             "InstitutionAddress", "InstitutionalDepartmentName",   // X
             "OperatorsName",                                       // X/Z/D; General Series, Type 3
             "StudyDescription", "SeriesDescription", "ImageComments", // X
             "ProtocolName",                                        // X/D; General Series, Type 3
             "PatientAge", "PatientSize", "PatientWeight"],         // X
            .remove)
        // Z (or Z/D, X/Z of a Type 2 attribute): zero length.
        set(["PatientName", "PatientBirthDate", "PatientSex",       // Z; Patient, Type 2
             "StudyDate", "StudyTime", "AccessionNumber", "StudyID", "ReferringPhysicianName", // Z; General Study, Type 2
             "ContentDate", "ContentTime"],                         // Z/D; General Image, Type 2C (temporally related)
            .empty)
        // Z replaced by the pseudonym (a dummy): studies stay grouped by patient
        // (dcmaudit reports it as info: a dummy cannot be told from an original).
        set(["PatientID"], .dummy(pseudonym))
        // U: replaced, consistently (the same original UID gives the same new one).
        set(["StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "FrameOfReferenceUID",
             "ReferencedSOPInstanceUID"], .uid)
        // X/Z/U*: kept, the instance UIDs in its items replaced.
        set(["ReferencedImageSequence"], .items)
        // Not in Table E.1-1: kept (equipment type, acquisition and image parameters).
        set(["SpecificCharacterSet", "ImageType", "SOPClassUID", "Modality", "Manufacturer", "ManufacturerModelName",
             "SoftwareVersions", "ReferencedSOPClassUID", "BodyPartExamined", "PatientPosition",
             "ScanOptions", "SliceThickness", "KVP", "DataCollectionDiameter", "ReconstructionDiameter",
             "DistanceSourceToDetector", "DistanceSourceToPatient", "GantryDetectorTilt", "TableHeight",
             "RotationDirection", "ExposureTime", "XRayTubeCurrent", "Exposure", "FilterType", "GeneratorPower",
             "FocalSpots", "ConvolutionKernel", "RevolutionTime", "SingleCollimationWidth", "TotalCollimationWidth",
             "SpiralPitchFactor", "CTDIvol",
             "ScanningSequence", "SequenceVariant", "MRAcquisitionType", "SequenceName", "AngioFlag",
             "RepetitionTime", "EchoTime", "InversionTime", "NumberOfAverages", "ImagingFrequency", "ImagedNucleus",
             "EchoNumbers", "MagneticFieldStrength", "SpacingBetweenSlices", "NumberOfPhaseEncodingSteps",
             "EchoTrainLength", "PercentSampling", "PercentPhaseFieldOfView", "PixelBandwidth", "TransmitCoilName",
             "AcquisitionMatrix", "InPlanePhaseEncodingDirection", "FlipAngle", "VariableFlipAngleFlag", "SAR", "dBdt",
             "TransducerData", "ProcessingFunction", "DepthOfScanField", "SequenceOfUltrasoundRegions",
             "RegionSpatialFormat", "RegionDataType", "RegionFlags", "RegionLocationMinX0", "RegionLocationMinY0",
             "RegionLocationMaxX1", "RegionLocationMaxY1", "PhysicalUnitsXDirection", "PhysicalUnitsYDirection",
             "PhysicalDeltaX", "PhysicalDeltaY", "ReferencePixelX0", "ReferencePixelY0", "TransducerFrequency",
             "SeriesNumber", "AcquisitionNumber", "InstanceNumber", "ImagePositionPatient", "ImageOrientationPatient", "PatientOrientation",
             "PositionReferenceIndicator", "SliceLocation",
             "SamplesPerPixel", "PhotometricInterpretation", "PlanarConfiguration", "Rows", "Columns", "PixelSpacing",
             "BitsAllocated", "BitsStored", "HighBit", "PixelRepresentation", "WindowCenter", "WindowWidth",
             "RescaleIntercept", "RescaleSlope", "RescaleType", "LossyImageCompression", "PixelData"],
            .keep)
        actions = a
    }

    /// De-identifies `d` in place and adds the attributes that record it.
    func apply(_ d: inout DataSet) {
        clean(&d)
        // PS3.3 C.7.1.1 (Patient Module): identity removed, and how (CID 7050).
        d.set(keyword: "PatientIdentityRemoved", "YES")
        d.set(keyword: "DeidentificationMethod", "PS3.15 Basic Application Confidentiality Profile")
        var code = DataSet()
        code.set(keyword: "CodeValue", "113100")
        code.set(keyword: "CodingSchemeDesignator", "DCM")
        code.set(keyword: "CodeMeaning", "Basic Application Confidentiality Profile")
        d.setSequence(keyword: "DeidentificationMethodCodeSequence", items: [code])
        // PS3.3 C.7.6.1: these synthetic pixels carry no burned in text.
        d.set(keyword: "BurnedInAnnotation", "NO")
        // PS3.3 C.7.6.1 (0028,0303): the dates and times were removed or emptied.
        d.set(keyword: "LongitudinalTemporalInformationModified", "REMOVED")
    }

    /// Applies the actions to `d`'s elements (in place: an element's value
    /// lives in its own data set's storage), items of kept sequences included.
    private func clean(_ d: inout DataSet) {
        for e in d.elements {
            if e.tag.group & 1 == 1 { d.remove(e.tag); continue }   // private blocks and their creators: X
            guard let action = actions[e.tag] else {
                preconditionFailure("Deidentifier: no PS3.15 Table E.1-1 action for \(e.tag) \(DataDictionary.entry(for: e.tag)?.keyword ?? "?"): classify it in Scripts/FixtureGenerator/Deidentify.swift")
            }
            switch action {
            case .keep where e.items != nil, .items:
                guard let i = d.index(of: e.tag) else { continue }
                d.elements[i].items = (e.items ?? []).map { var item = $0; clean(&item); return item }
            case .keep: continue
            case .remove: d.remove(e.tag)
            case .empty: d.setRaw(e.tag, e.vr, [])
            case .dummy(let v): d.set(e.tag, e.vr, v)
            case .uid:
                // (the element as it is now: an earlier change may have moved its value)
                guard let now = d[e.tag], let old = d.string(now), !old.isEmpty else { d.setRaw(e.tag, e.vr, []); continue }
                d.set(e.tag, e.vr, Self.newUID(for: old, key: key))
            }
        }
    }

    /// A `2.25` UID (PS3.5 B.2: a UUID as one decimal integer) derived from the
    /// original: the same original and key give the same UID, in every file
    /// (study, series, frame of reference and references stay consistent).
    /// The UUID is name-based with version 8 (RFC 9562 §5.8) over a 128-bit
    /// SplitMix/FNV mix — fine for fixtures; a real de-identifier would use a
    /// keyed cryptographic hash or random UUIDs with a kept map.
    static func newUID(for original: String, key: UInt64) -> String {
        let (hi0, lo0) = hash128(original, key: key)
        let hi = (hi0 & ~0xF000) | 0x8000                                       // version 8
        let lo = (lo0 & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000          // variant 10
        return "2.25.\(UInt128(hi) << 64 | UInt128(lo))"
    }

    /// The pseudonymous Patient ID of an original one (a hash of it and the key,
    /// not its number: the folders do not reveal the original order).
    static func pseudonym(for patientID: String, key: UInt64) -> String {
        let (hi, _) = hash128("patient:" + patientID, key: key)
        let hex = String(hi, radix: 16, uppercase: true)
        return "ANON" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    private static func hash128(_ s: String, key: UInt64) -> (UInt64, UInt64) {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325 ^ key, b: UInt64 = 0x84222325_cbf29ce4 &+ key
        for byte in s.utf8 {
            a = (a ^ UInt64(byte)) &* 0x100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x9E37_79B9_7F4A_7C15
        }
        var ra = SplitMix(seed: a), rb = SplitMix(seed: b ^ 0xD6E8_FEB8_6659_FD93)
        return (ra.next() ^ rb.next(), rb.next() ^ ra.next())
    }
}
