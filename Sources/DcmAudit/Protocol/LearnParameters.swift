import DcmRules

/// The parameters `dcmaudit learn` writes per modality (docs/protocols.md,
/// "Learned parameters"), with the tolerance each gets. Only those present in
/// the reference are written.
public struct LearnedParameter: Sendable {
    public enum Tolerance: Sendable {
        /// Compared as text (or exactly, for numbers).
        case exact
        /// An absolute tolerance, in the attribute's unit.
        case absolute(Double)
        /// A fraction of the reference value (0.01: 1 %).
        case relative(Double)
    }
    public var name: String
    public var tolerance: Tolerance
    /// Why it is there, written as a YAML comment.
    public var note: String
    init(_ name: String, _ t: Tolerance, _ note: String) { self.name = name; tolerance = t; self.note = note }
}

public enum LearnParameters {
    /// MR: the acquisition parameters of PS3.3 C.8.3.1 (MR Image Module) and
    /// C.7.6.2 / C.7.6.3 (geometry, matrix), plus the number of instances.
    public static let mr: [LearnedParameter] = [
        .init("ScanningSequence", .exact, "PS3.3 C.8.3.1"),
        .init("SequenceVariant", .exact, ""),
        .init("MRAcquisitionType", .exact, "2D or 3D"),
        .init("RepetitionTime", .relative(0.01), "ms, ±1 %"),
        .init("EchoTime", .relative(0.01), "ms, ±1 %"),
        .init("InversionTime", .relative(0.01), "ms, ±1 %"),
        .init("FlipAngle", .absolute(0.5), "degrees"),
        .init("EchoTrainLength", .exact, ""),
        .init("MagneticFieldStrength", .absolute(0.15), "T (Siemens 3 T scanners report 2.89)"),
        .init("AcquisitionMatrix", .exact, "frequency rows\\frequency columns\\phase rows\\phase columns"),
        .init("Rows", .exact, ""),
        .init("Columns", .exact, ""),
        .init("PixelSpacing", .absolute(0.01), "mm"),
        .init("SliceThickness", .absolute(0.01), "mm"),
        .init("SpacingBetweenSlices", .absolute(0.01), "mm (thickness + gap)"),
        .init("InPlanePhaseEncodingDirection", .exact, "ROW or COL"),
        .init("ParallelReductionFactorInPlane", .absolute(0.01), "parallel imaging factor (enhanced MR)"),
        .init("PixelBandwidth", .relative(0.01), "Hz/pixel, ±1 %"),
        .init("NumberOfAverages", .exact, ""),
        .init(seriesInstancesParameter, .exact, "instances in the series: slices of a 2D acquisition"),
    ]
    /// CT: PS3.3 C.8.2.1 (CT Image Module) and C.8.15.3.8 (CTDIvol).
    public static let ct: [LearnedParameter] = [
        .init("KVP", .exact, "kV"),
        .init("XRayTubeCurrent", .relative(0.2), "mA, ±20 % (tube current modulation varies it)"),
        .init("Exposure", .relative(0.2), "mAs, ±20 %"),
        .init("ExposureTime", .relative(0.1), "ms, ±10 %"),
        .init("ConvolutionKernel", .exact, "reconstruction kernel"),
        .init("FilterType", .exact, ""),
        .init("SliceThickness", .absolute(0.01), "mm"),
        .init("SpacingBetweenSlices", .absolute(0.01), "mm"),
        .init("SpiralPitchFactor", .absolute(0.01), ""),
        .init("RevolutionTime", .absolute(0.01), "s"),
        .init("SingleCollimationWidth", .absolute(0.01), "mm"),
        .init("TotalCollimationWidth", .absolute(0.01), "mm"),
        .init("CTDIvol", .relative(0.1), "mGy, ±10 %"),
        .init("ReconstructionDiameter", .absolute(1), "mm"),
        .init("Rows", .exact, ""),
        .init("Columns", .exact, ""),
    ]
    /// Written per scanner (Manufacturer + ManufacturerModelName), in an override.
    public static let perScanner: [LearnedParameter] = [
        .init("SoftwareVersions", .exact, "software version of this scanner model"),
        .init("SequenceName", .exact, "the vendor's sequence name"),
    ]
    /// Written per scanner when the manufacturer is Siemens (CSA headers, docs/siemens-csa.md).
    public static let siemens: [LearnedParameter] = [
        .init("siemens.BandwidthPerPixelPhaseEncode", .relative(0.01), "Hz/pixel along phase encoding (CSA)"),
        .init("siemens.PhaseEncodingDirectionPositive", .exact, "phase-encoding polarity (CSA)"),
    ]
    public static func list(for modality: String?) -> [LearnedParameter] {
        switch modality {
        case "CT": return ct
        case "MR": return mr
        default: return []
        }
    }
    static var all: [LearnedParameter] {
        var seen = Set<String>(), out: [LearnedParameter] = []
        for p in mr + ct + perScanner + siemens where seen.insert(p.name).inserted { out.append(p) }
        return out
    }
}
