import DcmData
import DcmDictionary

/// `dcmaudit-fixtures iod --out Fixtures/iod`: three files built to conform
/// to their IOD (PS3.3), for the test that `dicom.iod` finds no error in
/// them (and for dciodvfy to agree): a CT Image (A.3), an MR Image (A.4)
/// and an Enhanced MR Image (A.36.2) with its functional groups (C.7.6.16,
/// Shared and Per-frame). Deterministic: fixed UIDs, dates and pixels.
func generateIOD(out: String) {
    mkdirs(out)
    var rng = SplitMix(seed: 909)
    var cache: [String: [UInt8]] = [:]
    func uid(_ parts: Int...) -> String { UIDs.root + ".909." + parts.map(String.init).joined(separator: ".") }
    let patient = Patient(name: "Conformant^Iod", id: "IOD001", birthDate: "19700101", sex: "O", charset: "ISO_IR 100")
    let study = Study(uid: uid(1), date: "20240701", time: "100000", accession: "ACC9001", id: "9001", description: "IOD FIXTURES")

    for (name, modality) in [("CT.dcm", "CT"), ("MR.dcm", "MR")] {
        let s = Series(uid: uid(modality == "CT" ? 2 : 3), number: modality == "CT" ? 1 : 2, modality: modality,
                       description: "\(modality) conformant", vendor: .generic, frameOfReference: uid(9))
        var d = makeImage(patient: patient, study: study, series: s, instance: 1, sopUID: s.uid + ".1", rng: &rng, privateDensity: 0)
        d.elements.removeAll { $0.tag.group & 1 == 1 }     // no private blocks: the IOD is what is tested
        conformIOD(&d)
        addPixels(&d, s, instance: 1, cache: &cache)
        writeFile(out + "/" + name, encode(d, .explicitVRLittleEndian))
    }
    var e = enhancedMR(patient: patient, study: study, uid: uid)
    e.setRaw(.pixelData, .OW, pixels(rows: 16, cols: 16, bits: 16, samples: 1, phase: 0) + pixels(rows: 16, cols: 16, bits: 16, samples: 1, phase: 1))
    writeFile(out + "/EnhancedMR.dcm", encode(e, .explicitVRLittleEndian))
    writeText(out + "/README.md", """
    # IOD fixtures (generated: `dcmaudit-fixtures iod --out Fixtures/iod`)

    Files built to conform to their PS3.3 IOD, for `IODFixtureTests`: the
    generated `dicom.iod` pack finds no error in any of them, and dciodvfy
    (dicom3tools) reports no error either.

    | file | IOD |
    |---|---|
    | `CT.dcm` | CT Image (PS3.3 A.3) |
    | `MR.dcm` | MR Image (PS3.3 A.4) |
    | `EnhancedMR.dcm` | Enhanced MR Image (PS3.3 A.36.2), 2 frames, functional groups shared and per frame |

    """)
}

/// What makeImage leaves out of a conformant CT/MR image: Type 2 and 1C
/// attributes of the General Image, Frame of Reference and Image Pixel
/// modules (PS3.3 C.7.6.1, C.7.4.1, C.7.6.3) it does not set.
func conformIOD(_ d: inout DataSet) {
    d.set(keyword: "PatientOrientation", "")
    d.set(keyword: "ReferringPhysicianName", "")
    d.set(keyword: "PositionReferenceIndicator", "")
    d.set(keyword: "BurnedInAnnotation", "NO")
    d.set(keyword: "PresentationLUTShape", "IDENTITY")
}

private func code(_ value: String, _ scheme: String, _ meaning: String) -> DataSet {
    var c = DataSet()
    c.set(keyword: "CodeValue", value)
    c.set(keyword: "CodingSchemeDesignator", scheme)
    c.set(keyword: "CodeMeaning", meaning)
    return c
}

/// An Enhanced MR Image (PS3.3 A.36.2.3) of two frames, ORIGINAL, with the
/// M and the C functional group macros an original image needs.
func enhancedMR(patient: Patient, study: Study, uid: (Int...) -> String) -> DataSet {
    var d = DataSet()
    d.set(keyword: "SpecificCharacterSet", patient.charset)
    d.set(keyword: "ImageType", "ORIGINAL\\PRIMARY\\M_SE\\NONE")
    d.set(keyword: "InstanceCreationDate", study.date)
    d.set(keyword: "InstanceCreationTime", "100500")
    d.set(keyword: "SOPClassUID", "1.2.840.10008.5.1.4.1.1.4.1")
    d.set(keyword: "SOPInstanceUID", uid(4, 1))
    d.set(keyword: "StudyDate", study.date)
    d.set(keyword: "ContentDate", study.date)
    d.set(keyword: "AcquisitionDateTime", study.date + "100200")
    d.set(keyword: "StudyTime", study.time)
    d.set(keyword: "ContentTime", "100500")
    d.set(keyword: "AccessionNumber", study.accession)
    d.set(keyword: "Modality", "MR")
    d.set(keyword: "Manufacturer", "ACME")
    d.set(keyword: "ReferringPhysicianName", "")
    d.set(keyword: "ManufacturerModelName", "Magnet 3")
    d.set(keyword: "PatientName", patient.name)
    d.set(keyword: "PatientID", patient.id ?? "")
    d.set(keyword: "PatientBirthDate", patient.birthDate)
    d.set(keyword: "PatientSex", patient.sex)
    d.set(keyword: "DeviceSerialNumber", "90001")
    d.set(keyword: "SoftwareVersions", "1.0")
    d.set(keyword: "StudyInstanceUID", study.uid)
    d.set(keyword: "SeriesInstanceUID", uid(4))
    d.set(keyword: "StudyID", study.id)
    d.set(keyword: "SeriesNumber", "4")
    d.set(keyword: "InstanceNumber", "1")
    d.set(keyword: "FrameOfReferenceUID", uid(9))
    d.set(keyword: "PositionReferenceIndicator", "")
    d.set(keyword: "PatientPosition", "HFS")
    d.set(keyword: "AcquisitionDuration", "2")
    // Image Pixel (C.7.6.3) and Enhanced MR Image (C.8.13.1)
    d.set(keyword: "SamplesPerPixel", 1)
    d.set(keyword: "PhotometricInterpretation", "MONOCHROME2")
    d.set(keyword: "NumberOfFrames", "2")
    d.set(keyword: "Rows", 16)
    d.set(keyword: "Columns", 16)
    d.set(keyword: "BitsAllocated", 16)
    d.set(keyword: "BitsStored", 12)
    d.set(keyword: "HighBit", 11)
    d.set(keyword: "PixelRepresentation", 0)
    d.set(keyword: "PixelPresentation", "MONOCHROME")
    d.set(keyword: "VolumetricProperties", "VOLUME")
    d.set(keyword: "VolumeBasedCalculationTechnique", "NONE")
    d.set(keyword: "ComplexImageComponent", "MAGNITUDE")
    d.set(keyword: "AcquisitionContrast", "T1")
    d.set(keyword: "BurnedInAnnotation", "NO")
    d.set(keyword: "LossyImageCompression", "00")
    d.set(keyword: "PresentationLUTShape", "IDENTITY")
    d.set(keyword: "ContentQualification", "PRODUCT")
    d.set(keyword: "ResonantNucleus", "1H")
    d.set(keyword: "KSpaceFiltering", "NONE")
    d.set(keyword: "MagneticFieldStrength", "3")
    d.set(keyword: "ApplicableSafetyStandardAgency", "IEC")
    d.set(keyword: "ImageComments", "synthetic enhanced MR")
    // MR Pulse Sequence (C.8.13.4), for an ORIGINAL image
    d.set(keyword: "PulseSequenceName", "SE2D")
    d.set(keyword: "MRAcquisitionType", "2D")
    d.set(keyword: "EchoPulseSequence", "SPIN")
    d.set(keyword: "MultipleSpinEcho", "NO")
    d.set(keyword: "MultiPlanarExcitation", "NO")
    d.set(keyword: "PhaseContrast", "NO")
    d.set(keyword: "TimeOfFlightContrast", "NO")
    d.set(keyword: "SteadyStatePulseSequence", "NONE")
    d.set(keyword: "EchoPlanarPulseSequence", "NO")
    d.set(keyword: "SaturationRecovery", "NO")
    d.set(keyword: "SpectrallySelectedSuppression", "NONE")
    d.set(keyword: "OversamplingPhase", "NONE")
    d.set(keyword: "GeometryOfKSpaceTraversal", "RECTILINEAR")
    d.set(keyword: "RectilinearPhaseEncodeReordering", "LINEAR")
    d.set(keyword: "SegmentedKSpaceTraversal", "SINGLE")
    d.set(keyword: "NumberOfKSpaceTrajectories", "1")
    // Multi-frame Dimension (C.7.6.17)
    var org = DataSet(); org.set(keyword: "DimensionOrganizationUID", uid(4, 9))
    d.setSequence(keyword: "DimensionOrganizationSequence", items: [org])
    var idx = DataSet()
    idx.set(keyword: "DimensionOrganizationUID", uid(4, 9))
    idx.set(Tag(0x0020, 0x9165), .AT, "00209056")   // Dimension Index Pointer: Stack ID
    idx.set(Tag(0x0020, 0x9167), .AT, "00209111")   // Functional Group Pointer: Frame Content Sequence
    var idx2 = idx
    idx2.set(Tag(0x0020, 0x9165), .AT, "00209057")   // In-Stack Position Number
    d.setSequence(keyword: "DimensionIndexSequence", items: [idx, idx2])
    // Acquisition Context (C.7.6.14): Type 2, empty
    d.setSequence(keyword: "AcquisitionContextSequence", items: [])

    // Shared functional groups (C.7.6.16): the M macros and the C macros an ORIGINAL frame needs
    var shared = DataSet()
    var pm = DataSet(); pm.set(keyword: "PixelSpacing", "1\\1"); pm.set(keyword: "SliceThickness", "5"); pm.set(keyword: "SpacingBetweenSlices", "5")
    shared.setSequence(keyword: "PixelMeasuresSequence", items: [pm])
    var po = DataSet(); po.set(keyword: "ImageOrientationPatient", "1\\0\\0\\0\\1\\0")
    shared.setSequence(keyword: "PlaneOrientationSequence", items: [po])
    var anat = DataSet()
    anat.set(keyword: "FrameLaterality", "U")
    anat.setSequence(keyword: "AnatomicRegionSequence", items: [code("12738006", "SCT", "Brain")])
    shared.setSequence(keyword: "FrameAnatomySequence", items: [anat])
    var ft = DataSet()
    ft.set(keyword: "FrameType", "ORIGINAL\\PRIMARY\\M_SE\\NONE")
    ft.set(keyword: "PixelPresentation", "MONOCHROME")
    ft.set(keyword: "VolumetricProperties", "VOLUME")
    ft.set(keyword: "VolumeBasedCalculationTechnique", "NONE")
    ft.set(keyword: "ComplexImageComponent", "MAGNITUDE")
    ft.set(keyword: "AcquisitionContrast", "T1")
    shared.setSequence(keyword: "MRImageFrameTypeSequence", items: [ft])
    var pvt = DataSet(); pvt.set(keyword: "RescaleIntercept", "0"); pvt.set(keyword: "RescaleSlope", "1"); pvt.set(keyword: "RescaleType", "US")
    shared.setSequence(keyword: "PixelValueTransformationSequence", items: [pvt])
    var timing = DataSet()
    timing.set(keyword: "RepetitionTime", "500")
    timing.set(keyword: "FlipAngle", "90")
    timing.set(keyword: "EchoTrainLength", "1")
    timing.set(keyword: "RFEchoTrainLength", "1")
    timing.set(keyword: "GradientEchoTrainLength", "0")
    var sar = DataSet(); sar.set(keyword: "SpecificAbsorptionRateDefinition", "IEC_WHOLE_BODY"); sar.set(keyword: "SpecificAbsorptionRateValue", "0.5")
    timing.setSequence(keyword: "SpecificAbsorptionRateSequence", items: [sar])
    var mode = DataSet(); mode.set(keyword: "OperatingModeType", "RF"); mode.set(keyword: "OperatingMode", "IEC_NORMAL")
    timing.setSequence(keyword: "OperatingModeSequence", items: [mode])
    shared.setSequence(keyword: "MRTimingAndRelatedParametersSequence", items: [timing])
    var fov = DataSet()
    fov.set(keyword: "InPlanePhaseEncodingDirection", "ROW")
    fov.set(keyword: "MRAcquisitionFrequencyEncodingSteps", "16")
    fov.set(keyword: "MRAcquisitionPhaseEncodingStepsInPlane", "16")
    fov.set(keyword: "PercentSampling", "100")
    fov.set(keyword: "PercentPhaseFieldOfView", "100")
    shared.setSequence(keyword: "MRFOVGeometrySequence", items: [fov])
    var echo = DataSet(); echo.set(keyword: "EffectiveEchoTime", "15")
    shared.setSequence(keyword: "MREchoSequence", items: [echo])
    var mod = DataSet()
    for (k, v) in [("InversionRecovery", "NO"), ("FlowCompensation", "NONE"), ("T2Preparation", "NO"), ("SpectrallySelectedExcitation", "NONE"),
                   ("SpatialPresaturation", "NONE"), ("PartialFourier", "NO"), ("ParallelAcquisition", "NO")] { mod.set(keyword: k, v) }
    shared.setSequence(keyword: "MRModifierSequence", items: [mod])
    var imod = DataSet()
    for (k, v) in [("MagnetizationTransfer", "NONE"), ("BloodSignalNulling", "NO"), ("Tagging", "NONE"),
                   ("TransmitterFrequency", "123.2"), ("PixelBandwidth", "200")] { imod.set(keyword: k, v) }
    shared.setSequence(keyword: "MRImagingModifierSequence", items: [imod])
    var rx = DataSet()
    for (k, v) in [("ReceiveCoilName", "Head 8"), ("ReceiveCoilManufacturerName", "ACME"), ("ReceiveCoilType", "VOLUME"), ("QuadratureReceiveCoil", "YES")] { rx.set(keyword: k, v) }
    shared.setSequence(keyword: "MRReceiveCoilSequence", items: [rx])
    var tx = DataSet()
    for (k, v) in [("TransmitCoilName", "Body"), ("TransmitCoilManufacturerName", "ACME"), ("TransmitCoilType", "BODY")] { tx.set(keyword: k, v) }
    shared.setSequence(keyword: "MRTransmitCoilSequence", items: [tx])
    var avg = DataSet(); avg.set(keyword: "NumberOfAverages", "1")
    shared.setSequence(keyword: "MRAveragesSequence", items: [avg])
    d.setSequence(keyword: "SharedFunctionalGroupsSequence", items: [shared])

    // Per-frame functional groups: Frame Content and Plane Position per frame
    var frames: [DataSet] = []
    for f in 1...2 {
        var item = DataSet()
        var fc = DataSet()
        fc.set(keyword: "FrameAcquisitionNumber", "1")
        fc.set(keyword: "FrameReferenceDateTime", study.date + "10020\(f)")
        fc.set(keyword: "FrameAcquisitionDateTime", study.date + "10020\(f)")
        fc.set(keyword: "FrameAcquisitionDuration", "1000")
        fc.set(Tag(0x0020, 0x9157), .UL, [1, f])   // Dimension Index Values
        fc.set(keyword: "StackID", "1")
        fc.set(keyword: "InStackPositionNumber", "\(f)")
        item.setSequence(keyword: "FrameContentSequence", items: [fc])
        var pp = DataSet(); pp.set(keyword: "ImagePositionPatient", "-8\\-8\\\(f * 5)")
        item.setSequence(keyword: "PlanePositionSequence", items: [pp])
        frames.append(item)
    }
    d.setSequence(keyword: "PerFrameFunctionalGroupsSequence", items: frames)
    return d
}
