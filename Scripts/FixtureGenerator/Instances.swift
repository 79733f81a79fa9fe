import DcmData
import DcmDictionary

/// Who and what an image belongs to.
struct Patient {
    var name: String
    var id: String?
    var birthDate: String
    var sex: String
    var charset: String = ""          // (0008,0005), empty: none
    var nameBytes: [UInt8]? = nil     // pre-encoded PatientName (ISO 2022)
}

struct Study {
    var uid: String
    var date: String
    var time: String
    var accession: String
    var id: String
    var description: String
}

enum Vendor { case siemens, ge, philips, generic }

struct Series {
    var uid: String
    var number: Int
    var modality: String      // CT, MR, US
    var description: String
    var vendor: Vendor
    var frameOfReference: String
    var rows: Int = 16
    var cols: Int = 16
    var pixelSpacing: Double = 1.0
    var sliceThickness: Double = 5.0
    var z0: Double = 0
    var repetitionTime: Double = 2300
    var echoTime: Double = 2.98
    var imageType: String = "ORIGINAL\\PRIMARY\\AXIAL"
    var bodyPart: String = "CHEST"
    var protocolName: String = ""
}

/// A CT, MR or US image with the attributes the modality's IOD has in
/// practice (PS3.3 A.3, A.4, A.6.1), deterministic for given inputs.
func makeImage(patient: Patient, study: Study, series: Series, instance: Int, sopUID: String,
               references: [(String, String)] = [], rng: inout SplitMix, privateDensity: Int = 8) -> DataSet {
    var d = DataSet()
    if !patient.charset.isEmpty { d.set(.specificCharacterSet, .CS, patient.charset) }
    let sopClass: String
    switch series.modality {
    case "CT": sopClass = UIDs.ctImage
    case "MR": sopClass = UIDs.mrImage
    default: sopClass = UIDs.usImage
    }
    let (manufacturer, model, software): (String, String, String) = {
        switch series.vendor {
        case .siemens: return ("SIEMENS", series.modality == "CT" ? "SOMATOM Force" : "Prisma", "syngo MR XA30")
        case .ge: return ("GE MEDICAL SYSTEMS", series.modality == "CT" ? "Revolution CT" : "SIGNA Premier", "30\\LX\\MR Software release:RX29.1")
        case .philips: return ("Philips", series.modality == "CT" ? "IQon" : "Ingenia", "5.7.1\\5.7.1.2")
        case .generic: return ("ACME Ultrasound", "SonoLite 3", "2.4.1")
        }
    }()
    let ct = series.modality == "CT", mr = series.modality == "MR", us = series.modality == "US"
    let acqTime = study.time.prefix(4) + two(min(59, instance))
    // General / SOP Common
    d.set(keyword: "ImageType", series.imageType)
    d.set(keyword: "InstanceCreationDate", study.date)
    d.set(keyword: "InstanceCreationTime", String(acqTime) + ".000000")
    d.set(keyword: "SOPClassUID", sopClass)
    d.set(keyword: "SOPInstanceUID", sopUID)
    d.set(keyword: "StudyDate", study.date)
    d.set(keyword: "SeriesDate", study.date)
    d.set(keyword: "AcquisitionDate", study.date)
    d.set(keyword: "ContentDate", study.date)
    d.set(keyword: "StudyTime", study.time)
    d.set(keyword: "SeriesTime", String(study.time.prefix(4)) + "00")
    d.set(keyword: "AcquisitionTime", String(acqTime))
    d.set(keyword: "ContentTime", String(acqTime))
    d.set(keyword: "AccessionNumber", study.accession)
    d.set(keyword: "Modality", series.modality)
    d.set(keyword: "Manufacturer", manufacturer)
    d.set(keyword: "InstitutionName", "Example General Hospital")
    d.set(keyword: "InstitutionAddress", "1 Example Street, Springfield")
    d.set(keyword: "ReferringPhysicianName", "Smith^Alan^^Dr")
    d.set(keyword: "StationName", "SCANNER\(series.number % 3 + 1)")
    d.set(keyword: "StudyDescription", study.description)
    d.set(keyword: "SeriesDescription", series.description)
    d.set(keyword: "InstitutionalDepartmentName", "Radiology")
    d.set(keyword: "OperatorsName", "Tech^Terry")
    d.set(keyword: "ManufacturerModelName", model)
    if !references.isEmpty {
        let items: [DataSet] = references.map { (cls, uid) in
            var item = DataSet()
            item.set(keyword: "ReferencedSOPClassUID", cls)
            item.set(keyword: "ReferencedSOPInstanceUID", uid)
            return item
        }
        d.setSequence(keyword: "ReferencedImageSequence", items: items)
    }
    // Patient
    if let nb = patient.nameBytes { d.setRaw(Tag(0x0010, 0x0010), .PN, nb) } else { d.set(keyword: "PatientName", patient.name) }
    if let id = patient.id { d.set(keyword: "PatientID", id) }
    d.set(keyword: "PatientBirthDate", patient.birthDate)
    d.set(keyword: "PatientSex", patient.sex)
    d.set(keyword: "PatientAge", "0\(two((2024 - (Int(patient.birthDate.prefix(4)) ?? 1970)) % 100))Y")
    d.set(keyword: "PatientSize", "1.75")
    d.set(keyword: "PatientWeight", "72")
    // Acquisition
    d.set(keyword: "BodyPartExamined", series.bodyPart)
    d.set(keyword: "DeviceSerialNumber", "\(10000 + series.number * 7)")
    d.set(keyword: "SoftwareVersions", software)
    d.set(keyword: "ProtocolName", series.protocolName.isEmpty ? series.description : series.protocolName)
    d.set(keyword: "PatientPosition", us ? "" : "HFS")
    if ct {
        d.set(keyword: "ScanOptions", "HELICAL MODE")
        d.set(keyword: "SliceThickness", ds(series.sliceThickness))
        d.set(keyword: "KVP", "120")
        d.set(keyword: "DataCollectionDiameter", "500")
        d.set(keyword: "ReconstructionDiameter", ds(series.pixelSpacing * Double(series.cols)))
        d.set(keyword: "DistanceSourceToDetector", "1085.6")
        d.set(keyword: "DistanceSourceToPatient", "595")
        d.set(keyword: "GantryDetectorTilt", "0")
        d.set(keyword: "TableHeight", "160")
        d.set(keyword: "RotationDirection", "CW")
        d.set(keyword: "ExposureTime", "500")
        d.set(keyword: "XRayTubeCurrent", "\(180 + rng.int(0...40))")
        d.set(keyword: "Exposure", "\(90 + rng.int(0...20))")
        d.set(keyword: "FilterType", "BODY FILTER")
        d.set(keyword: "GeneratorPower", "24")
        d.set(keyword: "FocalSpots", "1.2")
        d.set(keyword: "ConvolutionKernel", "STANDARD")
        d.set(keyword: "RevolutionTime", "0.5")
        d.set(keyword: "SingleCollimationWidth", "0.625")
        d.set(keyword: "TotalCollimationWidth", "40")
        d.set(keyword: "SpiralPitchFactor", "0.984")
        d.set(keyword: "CTDIvol", [Double(ds(rng.double(8, 14), 2))!])
    }
    if mr {
        d.set(keyword: "ScanningSequence", "GR\\IR")
        d.set(keyword: "SequenceVariant", "SK\\SP\\MP")
        d.set(keyword: "ScanOptions", "IR")
        d.set(keyword: "MRAcquisitionType", "3D")
        d.set(keyword: "SequenceName", "*tfl3d1_16ns")
        d.set(keyword: "AngioFlag", "N")
        d.set(keyword: "SliceThickness", ds(series.sliceThickness))
        d.set(keyword: "RepetitionTime", ds(series.repetitionTime))
        d.set(keyword: "EchoTime", ds(series.echoTime))
        d.set(keyword: "InversionTime", "900")
        d.set(keyword: "NumberOfAverages", "1")
        d.set(keyword: "ImagingFrequency", "123.2")
        d.set(keyword: "ImagedNucleus", "1H")
        d.set(keyword: "EchoNumbers", "1")
        d.set(keyword: "MagneticFieldStrength", "3")
        d.set(keyword: "SpacingBetweenSlices", ds(series.sliceThickness))
        d.set(keyword: "NumberOfPhaseEncodingSteps", "\(series.rows)")
        d.set(keyword: "EchoTrainLength", "1")
        d.set(keyword: "PercentSampling", "100")
        d.set(keyword: "PercentPhaseFieldOfView", "100")
        d.set(keyword: "PixelBandwidth", "200")
        d.set(keyword: "TransmitCoilName", "Body")
        d.set(keyword: "AcquisitionMatrix", [0, series.cols, series.rows, 0])
        d.set(keyword: "InPlanePhaseEncodingDirection", "ROW")
        d.set(keyword: "FlipAngle", "9")
        d.set(keyword: "VariableFlipAngleFlag", "N")
        d.set(keyword: "SAR", "0.0512")
        d.set(keyword: "dBdt", "0")
    }
    if us {
        d.set(keyword: "TransducerData", "C5-1")
        d.set(keyword: "ProcessingFunction", "ABDOMEN")
        d.set(keyword: "DepthOfScanField", "160")
        // Ultrasound Region Calibration (PS3.3 C.8.5.5): one region covering the image.
        var region = DataSet()
        region.set(keyword: "RegionSpatialFormat", 1)
        region.set(keyword: "RegionDataType", 1)
        region.set(keyword: "RegionFlags", 0)
        region.set(keyword: "RegionLocationMinX0", 0)
        region.set(keyword: "RegionLocationMinY0", 0)
        region.set(keyword: "RegionLocationMaxX1", series.cols - 1)
        region.set(keyword: "RegionLocationMaxY1", series.rows - 1)
        region.set(keyword: "PhysicalUnitsXDirection", 3)
        region.set(keyword: "PhysicalUnitsYDirection", 3)
        region.set(keyword: "PhysicalDeltaX", 16.0 / Double(series.cols))
        region.set(keyword: "PhysicalDeltaY", 16.0 / Double(series.rows))
        region.set(keyword: "ReferencePixelX0", series.cols / 2)
        region.set(keyword: "ReferencePixelY0", 0)
        region.set(keyword: "TransducerFrequency", 3500)
        d.setSequence(keyword: "SequenceOfUltrasoundRegions", items: [region])
    }
    // Relationship
    d.set(keyword: "StudyInstanceUID", study.uid)
    d.set(keyword: "SeriesInstanceUID", series.uid)
    d.set(keyword: "StudyID", study.id)
    d.set(keyword: "SeriesNumber", "\(series.number)")
    d.set(keyword: "AcquisitionNumber", "1")
    d.set(keyword: "InstanceNumber", "\(instance)")
    if !us {
        let z = series.z0 + Double(instance - 1) * series.sliceThickness
        let half = series.pixelSpacing * Double(series.cols) / 2
        d.set(keyword: "ImagePositionPatient", [ds(-half), ds(-half), ds(z)])
        d.set(keyword: "ImageOrientationPatient", "1\\0\\0\\0\\1\\0")
        d.set(keyword: "FrameOfReferenceUID", series.frameOfReference)
        d.set(keyword: "PositionReferenceIndicator", "")
        d.set(keyword: "SliceLocation", ds(z))
    }
    d.set(keyword: "ImageComments", "synthetic test image")
    // Image pixel
    let samples = us ? 3 : 1
    d.set(keyword: "SamplesPerPixel", samples)
    d.set(keyword: "PhotometricInterpretation", us ? "RGB" : "MONOCHROME2")
    if us { d.set(keyword: "PlanarConfiguration", 0) }
    d.set(keyword: "Rows", series.rows)
    d.set(keyword: "Columns", series.cols)
    if !us { d.set(keyword: "PixelSpacing", [ds(series.pixelSpacing), ds(series.pixelSpacing)]) }
    let bits = us ? 8 : 16
    d.set(keyword: "BitsAllocated", bits)
    d.set(keyword: "BitsStored", us ? 8 : 12)
    d.set(keyword: "HighBit", us ? 7 : 11)
    d.set(keyword: "PixelRepresentation", 0)
    if ct {
        d.set(keyword: "WindowCenter", "40")
        d.set(keyword: "WindowWidth", "400")
        d.set(keyword: "RescaleIntercept", "-1024")
        d.set(keyword: "RescaleSlope", "1")
        d.set(keyword: "RescaleType", "HU")
    } else if mr {
        d.set(keyword: "WindowCenter", "300")
        d.set(keyword: "WindowWidth", "700")
    }
    d.set(keyword: "LossyImageCompression", "00")

    // Vendor private blocks
    switch series.vendor {
    case .siemens where mr:
        d.setPrivate(0x0019, "SIEMENS MR HEADER", 0x08, "IMAGE NUM 4")
        d.setPrivate(0x0019, "SIEMENS MR HEADER", 0x09, "1.0")
        d.setPrivate(0x0019, "SIEMENS MR HEADER", 0x0B, "3100")
        d.setPrivate(0x0019, "SIEMENS MR HEADER", 0x0F, "Fast")
        d.setPrivate(0x0019, "SIEMENS MR HEADER", 0x11, "No")
        d.setPrivate(0x0019, "SIEMENS MR HEADER", 0x12, "0\\0\\-1269")
        d.setPrivate(0x0019, "SIEMENS MR HEADER", 0x13, "0\\0\\-1269")
        d.setPrivate(0x0019, "SIEMENS MR HEADER", 0x14, "0\\0\\0")
        d.setPrivate(0x0019, "SIEMENS MR HEADER", 0x15, "-128\\-128\\\(instance)")
        d.setPrivate(0x0019, "SIEMENS MR HEADER", 0x17, "1")
        d.setPrivate(0x0019, "SIEMENS MR HEADER", 0x18, "6100")
        d.setPrivate(0x0019, "SIEMENS MR HEADER", 0x28, "20.833")
        let times = (0..<4).map { ds(Double($0) * 557.5, 2) }
        d.setPrivate(0x0019, "SIEMENS MR HEADER", 0x29, times.joined(separator: "\\"))
        d.setPrivate(0x0029, "SIEMENS CSA HEADER", 0x08, "IMAGE NUM 4")
        d.setPrivate(0x0029, "SIEMENS CSA HEADER", 0x09, "20240410")
        d.setPrivateBytes(0x0029, "SIEMENS CSA HEADER", 0x10, csa2([
            CSATag(name: "EchoLinePosition", vr: "IS", vm: 1, syngoDT: 6, items: ["\(series.rows / 2)"]),
            CSATag(name: "BandwidthPerPixelPhaseEncode", vr: "FD", vm: 1, syngoDT: 4, items: ["20.83300000"]),
            CSATag(name: "MosaicRefAcqTimes", vr: "FD", vm: 4, syngoDT: 4, items: times.map { $0.contains(".") ? $0 + "0000" : $0 + ".00000000" }),
            CSATag(name: "SliceNormalVector", vr: "FD", vm: 3, syngoDT: 4, items: ["0.00000000", "0.00000000", "1.00000000"]),
            CSATag(name: "NumberOfImagesInMosaic", vr: "US", vm: 1, syngoDT: 10, items: ["1"]),
            CSATag(name: "ImaCoilString", vr: "LO", vm: 1, syngoDT: 19, items: ["HEA;HEP"]),
        ]))
        d.setPrivate(0x0029, "SIEMENS CSA HEADER", 0x18, "MR")
        d.setPrivate(0x0029, "SIEMENS CSA HEADER", 0x19, "20240410")
        d.setPrivateBytes(0x0029, "SIEMENS CSA HEADER", 0x20, csa2([
            CSATag(name: "UsedPatientWeight", vr: "IS", vm: 1, syngoDT: 6, items: ["72"]),
            CSATag(name: "NumberOfPrescans", vr: "IS", vm: 1, syngoDT: 6, items: ["0"]),
            CSATag(name: "TransmitterCalibration", vr: "DS", vm: 1, syngoDT: 3, items: ["247.10"]),
            CSATag(name: "MrPhoenixProtocol", vr: "UN", vm: 1, syngoDT: 0, items: ["### ASCCONV BEGIN ###\nsProtConsistencyInfo.tBaselineString = \"N4_VE11C\"\n### ASCCONV END ###"]),
        ]))
    case .siemens:
        d.fillPrivateBlock(0x0019, "SIEMENS CT VA0  COAD", limit: privateDensity * 3, rng: &rng)
        d.setPrivate(0x0029, "SIEMENS CSA HEADER", 0x08, "IMAGE NUM 4")
        d.setPrivate(0x0029, "SIEMENS CSA HEADER", 0x09, "20240410")
        d.setPrivateBytes(0x0029, "SIEMENS CSA HEADER", 0x10, csa2([
            CSATag(name: "SliceNormalVector", vr: "FD", vm: 3, syngoDT: 4, items: ["0.00000000", "0.00000000", "1.00000000"]),
        ]))
    case .ge:
        d.fillPrivateBlock(0x0009, "GEMS_IDEN_01", limit: privateDensity, rng: &rng)
        d.fillPrivateBlock(0x0019, "GEMS_ACQU_01", limit: privateDensity * 2, rng: &rng)
        d.fillPrivateBlock(0x0021, "GEMS_RELA_01", limit: privateDensity, rng: &rng)
        d.fillPrivateBlock(0x0027, "GEMS_IMAG_01", limit: privateDensity, rng: &rng)
        d.fillPrivateBlock(0x0043, "GEMS_PARM_01", limit: privateDensity * 2, rng: &rng)
    case .philips:
        d.fillPrivateBlock(0x2001, "Philips Imaging DD 001", limit: privateDensity * 2, rng: &rng)
        d.fillPrivateBlock(0x2005, "Philips MR Imaging DD 001", limit: privateDensity * 2, rng: &rng)
    case .generic:
        d.setPrivate(0x0009, "ACME US 1.0", 0x01, "C5-1 PROBE", vr: .LO)
        d.setPrivate(0x0009, "ACME US 1.0", 0x02, "\(rng.int(1...60))", vr: .IS)
    }
    return d
}

/// Pixel Data for a series' image, after everything else.
func addPixels(_ d: inout DataSet, _ series: Series, instance: Int, cache: inout [String: [UInt8]]) {
    let us = series.modality == "US"
    let key = "\(series.rows)x\(series.cols)/\(us)/\(instance % 8)"
    let px: [UInt8]
    if let c = cache[key] { px = c } else {
        px = pixels(rows: series.rows, cols: series.cols, bits: us ? 8 : 16, samples: us ? 3 : 1, phase: instance % 8)
        cache[key] = px
    }
    d.setRaw(.pixelData, us ? .OB : .OW, px)
}
