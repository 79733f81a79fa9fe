import Foundation
import DcmData
import DcmDictionary

/// How a named vendor value is decoded from the number its header holds
/// (docs/vendor-headers.md). A value outside the known codes is
/// *undecodable*: a rule naming it is not evaluated.
public enum VendorDecode: Sendable, Equatable {
    case none
    /// `sKSpace.ucPhasePartialFourier` / `ucSlicePartialFourier`: 1, 2, 4, 8, 16
    /// → 4/8, 5/8, 6/8, 7/8, 8/8 (GDCM's CSA dictionary, `CSAHeader.xml`;
    /// dicm2nii `asc_header` notes).
    case partialFourier
    /// `sSliceArray.ucMode`: 1 ascending, 2 descending, 4 interleaved (GDCM
    /// `CSAHeader.xml` "enum SeriesMode"; dicm2nii, which derives slice timing from it).
    case sliceOrder
    /// `sRXSPEC.alDwellTime[0]` is in ns; the named value is in seconds (BIDS `DwellTime`).
    case nanosecondsToSeconds

    static let partialFourierCodes: [(Int64, String)] = [(1, "0.5"), (2, "0.625"), (4, "0.75"), (8, "0.875"), (16, "1")]
    static let sliceOrderCodes: [(Int64, String)] = [(1, "ascending"), (2, "descending"), (4, "interleaved")]

    /// The decoded text, or `nil` when the value cannot be decoded.
    func apply(_ v: SiemensASCCONV.Value) -> String? {
        switch self {
        case .none: return v.text
        case .partialFourier:
            guard case .integer(let i) = v else { return nil }
            return Self.partialFourierCodes.first { $0.0 == i }?.1
        case .sliceOrder:
            guard case .integer(let i) = v else { return nil }
            return Self.sliceOrderCodes.first { $0.0 == i }?.1
        case .nanosecondsToSeconds:
            guard let d = v.number else { return nil }
            return "\(d * 1e-9)"
        }
    }

    /// The header's value for an example's decoded value (rule examples build real headers).
    func inverse(_ text: String) -> String {
        switch self {
        case .none: return text
        case .partialFourier:
            let d = Double(text)
            return Self.partialFourierCodes.first { Double($0.1) == d }.map { String($0.0) } ?? text
        case .sliceOrder: return Self.sliceOrderCodes.first { $0.1 == text }.map { String($0.0) } ?? text
        case .nanosecondsToSeconds: return Double(text).map { String(Int64(($0 * 1e9).rounded())) } ?? text
        }
    }
}

/// A GE or Philips value: an element of a private block, found by its
/// creator (PS3.5 §7.8.1), as `(0043,"GEMS_PARM_01",83)` names it.
public struct VendorElement: Sendable, Equatable {
    public var group: UInt16
    public var creator: String
    public var elementByte: UInt8
    public var vr: VR

    func resolve(in file: DicomFile, index: Int?) -> Resolved {
        guard let e = file.dataSet.privateElement(group: group, creator: creator, elementByte: elementByte), !e.isSequence else { return .missing }
        if e.flags.contains(.notLoaded) { return .undecodable }
        // an implicit-VR file's private element may read as UN: decode it as the block's documented VR
        // (so is one written as UN that the reader typed from the private dictionary: its bytes are as written)
        let values: [String]
        if e.vr == vr && vr.isString { values = file.dataSet.strings(e) }
        else if e.vr == vr || e.fileVR == .UN, file.transferSyntax != .explicitVRBigEndian {
            guard let v = file.dataSet.withValue(e, { Self.decode($0, as: vr) }) else { return .undecodable }
            values = v
        } else { return .undecodable }   // another VR than the block documents: not this value
        if let k = index { return k < values.count ? .one(.values([values[k]], vr: vr)) : .missing }
        return .one(.values(values, vr: vr))
    }

    /// Values of a UN element's bytes read as `vr` (little endian, as the
    /// implicit VR little endian syntax stores them); `nil` when the length does not fit.
    static func decode(_ b: UnsafeRawBufferPointer, as vr: VR) -> [String]? {
        func ints(_ size: Int, _ f: (Int) -> String) -> [String]? {
            guard b.count % size == 0 else { return nil }
            return stride(from: 0, to: b.count, by: size).map(f)
        }
        func u32(_ o: Int) -> UInt32 { UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24 }
        switch vr {
        case .FL: return ints(4) { "\(Float(bitPattern: u32($0)))" }
        case .SL: return ints(4) { "\(Int32(bitPattern: u32($0)))" }
        case .SS: return ints(2) { "\(Int16(bitPattern: UInt16(b[$0]) | UInt16(b[$0 + 1]) << 8))" }
        case .US: return ints(2) { "\(UInt16(b[$0]) | UInt16(b[$0 + 1]) << 8)" }
        default:
            let s = String(decoding: b, as: UTF8.self)
            return s.split(separator: "\\", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \0")) }
        }
    }
}

extension DerivedAttribute {
    /// `siemens.NAME` read from the ASCCONV protocol of the CSA series header
    /// (docs/vendor-headers.md says where each comes from).
    public static let siemensASCCONVNames: [(name: String, key: String, vr: VR, decode: VendorDecode)] = [
        ("ParallelReductionFactorInPlane", "sPat.lAccelFactPE", .IS, .none),
        ("ParallelReductionFactorOutOfPlane", "sPat.lAccelFact3D", .IS, .none),
        ("MultibandAccelerationFactor", "sSliceAcceleration.lMultiBandFactor", .IS, .none),
        ("RefLinesPE", "sPat.lRefLinesPE", .IS, .none),
        ("PartialFourier", "sKSpace.ucPhasePartialFourier", .DS, .partialFourier),
        ("PartialFourierSlice", "sKSpace.ucSlicePartialFourier", .DS, .partialFourier),
        ("SliceAcquisitionOrder", "sSliceArray.ucMode", .CS, .sliceOrder),
        ("EPIFactor", "sFastImaging.lEPIFactor", .IS, .none),
        ("TurboFactor", "sFastImaging.lTurboFactor", .IS, .none),
        ("PhaseResolution", "sKSpace.dPhaseResolution", .DS, .none),
        ("DwellTime", "sRXSPEC.alDwellTime[0]", .DS, .nanosecondsToSeconds),
    ]

    /// `ge.NAME` and `philips.NAME`: private elements by creator, with the
    /// value taken (`index`) and the VR of pydicom's private dictionary
    /// (`pydicom/_private_dict.py`), which is also dcm2niix's reading.
    public static let vendorNames: [(name: String, element: VendorElement, index: Int?)] = [
        ("ge.ParallelReductionFactorInPlane", VendorElement(group: 0x0043, creator: "GEMS_PARM_01", elementByte: 0x83, vr: .DS), 0),
        ("ge.AssetRFactors", VendorElement(group: 0x0043, creator: "GEMS_PARM_01", elementByte: 0x83, vr: .DS), nil),
        ("ge.PulseSequenceName", VendorElement(group: 0x0019, creator: "GEMS_ACQU_01", elementByte: 0x9C, vr: .LO), nil),
        ("ge.InternalPulseSequenceName", VendorElement(group: 0x0019, creator: "GEMS_ACQU_01", elementByte: 0x9E, vr: .LO), nil),
        ("ge.EffectiveEchoSpacing", VendorElement(group: 0x0043, creator: "GEMS_PARM_01", elementByte: 0x2C, vr: .SS), nil),
        ("philips.ScaleSlope", VendorElement(group: 0x2005, creator: "Philips MR Imaging DD 001", elementByte: 0x0E, vr: .FL), nil),
        ("philips.EPIFactor", VendorElement(group: 0x2001, creator: "Philips Imaging DD 001", elementByte: 0x13, vr: .SL), nil),
        ("philips.WaterFatShift", VendorElement(group: 0x2001, creator: "Philips Imaging DD 001", elementByte: 0x22, vr: .FL), nil),
    ]

    static func parseVendor(_ text: String) -> Result<DerivedAttribute, ParseError> {
        guard let d = vendorNames.first(where: { $0.name == text }) else {
            let prefix = text.hasPrefix("ge.") ? "ge." : "philips."
            let mine = vendorNames.map(\.name).filter { $0.hasPrefix(prefix) }
            return .failure(ParseError(message: "unknown derived attribute '\(text)' (known: \(mine.joined(separator: ", ")))",
                                       suggestion: suggest(text, among: mine)))
        }
        var a = DerivedAttribute(text: text, header: 0, name: nil, index: d.index, vr: d.element.vr)
        a.element = d.element
        return .success(a)
    }

    static func parseSiemensASCCONVName(_ text: String) -> Result<DerivedAttribute, ParseError>? {
        let n = text.dropFirst("siemens.".count)
        guard let d = siemensASCCONVNames.first(where: { $0.name == n }) else { return nil }
        var a = DerivedAttribute(text: text, header: 0x20, name: nil, index: nil, vr: d.vr)
        a.ascconvKey = d.key
        a.decode = d.decode
        return .success(a)
    }

    /// `siemens.ascconv.KEY`: KEY as written in the block (`sPat.lAccelFactPE`,
    /// `sSliceArray.asSlice[0].dThickness`), `[*]` for every index.
    static func parseASCCONV(_ text: String) -> Result<DerivedAttribute, ParseError> {
        if text == "siemens.ascconv" {   // the block's status
            var a = DerivedAttribute(text: text, header: 0x20, name: nil, index: nil, vr: .CS)
            a.ascconvKey = ""
            return .success(a)
        }
        let key = String(text.dropFirst("siemens.ascconv.".count))
        let ident = #"[A-Za-z_][A-Za-z0-9_]*"#
        guard !key.isEmpty, key.wholeMatch(of: try! Regex("\(ident)(\\.\(ident)|\\[([0-9]{1,5}|\\*)\\])*")) != nil else {
            return .failure(ParseError(message: "bad ASCCONV key in '\(text)': want siemens.ascconv.KEY, e.g. siemens.ascconv.sPat.lAccelFactPE or sRXSPEC.alDwellTime[0] ([*]: every index)"))
        }
        var a = DerivedAttribute(text: text, header: 0x20, name: nil, index: nil, vr: nil)
        a.ascconvKey = key
        return .success(a)
    }

    func resolveASCCONV(_ key: String, in file: DicomFile) -> Resolved {
        guard let parsed = CSACache.current.header(0x20, of: file.dataSet) else { return .missing }
        guard case .success(let h) = parsed else { return .undecodable }          // a malformed CSA series header
        guard let block = CSACache.current.ascconv(of: h) else { return .missing }   // no MrPhoenixProtocol
        if key.isEmpty {   // siemens.ascconv: ASCCONV or malformed
            if case .success = block { return .one(.values(["ASCCONV"], vr: .CS)) }
            return .one(.values(["malformed"], vr: .CS))
        }
        guard case .success(let asc) = block else { return .undecodable }            // an ASCCONV block that does not parse
        let found = asc.values(matching: key)
        if found.isEmpty { return .missing }
        var out: [String] = []
        for v in found {
            guard let t = decode.apply(v) else { return .undecodable }
            out.append(t)
        }
        let valueVR = vr ?? (found.allSatisfy(\.isNumber) ? VR.DS : VR.LO)
        return .one(.values(out, vr: valueVR))
    }
}

extension CSACache {
    /// The ASCCONV block of the cached series header (parsed once per file).
    func ascconv(of header: SiemensCSAHeader) -> Result<SiemensASCCONV, SiemensASCCONV.Error>? {
        if let c = ascconvEntry, let s = series, c.storage === s.storage, c.valueStart == s.valueStart { return c.result }
        // the files of a series share their protocol: reuse the last parse when the text is the same
        let text = (header["MrPhoenixProtocol"] ?? header["MrProtocol"])?.values.first
        let r: Result<SiemensASCCONV, SiemensASCCONV.Error>?
        if let text, let last = lastProtocol, last.text == text { r = last.result } else {
            r = header.ascconv
            if let text { lastProtocol = (text, r) }
        }
        if let s = series { ascconvEntry = (s.storage, s.valueStart, r) }
        return r
    }
}

extension DerivedExampleValues {
    /// `siemens.ascconv.KEY: v` and ASCCONV-based `siemens.NAME: v` become a
    /// line of an ASCCONV block in the series header's MrPhoenixProtocol
    /// (decoded names written as the code they decode from; `[*]` as [0], [1]…);
    /// `siemens.ascconv: malformed` writes a block without its END line.
    mutating func addVendor(_ a: DerivedAttribute, values: [String]) -> Bool {
        if let key = a.ascconvKey {
            present.insert(0x20)
            if key.isEmpty { if values == ["malformed"] { ascconvMalformed = true }; return true }
            for (i, v) in values.enumerated() {
                let k = key.replacingOccurrences(of: "[*]", with: "[\(i)]")
                let raw = a.decode.inverse(v)
                ascconvLines.append("\(k) = \(SiemensASCCONV.number(raw) != nil ? raw : "\"\"" + raw + "\"\"")")
            }
            return true
        }
        if let e = a.element {
            vendorElements.append((e, values))
            return true
        }
        return false
    }

    func writeVendor(into ds: inout DataSet) {
        for (e, values) in vendorElements {
            let tag = ds.privateTag(group: e.group, creator: e.creator, elementByte: e.elementByte)
            var bytes: [UInt8] = []
            func le<T: FixedWidthInteger>(_ x: T) { withUnsafeBytes(of: x.littleEndian) { bytes += $0 } }
            switch e.vr {
            case .FL: for v in values { le(Float(v).map { $0.bitPattern } ?? 0) }
            case .SL: for v in values { le(Int32(v) ?? 0) }
            case .SS: for v in values { le(Int16(v) ?? 0) }
            default: bytes = Array(values.joined(separator: "\\").utf8)
            }
            ds.setRaw(tag, e.vr, bytes)
        }
    }

    var ascconvText: String? {
        guard !ascconvLines.isEmpty || ascconvMalformed else { return nil }
        return "### ASCCONV BEGIN ###\n" + ascconvLines.joined(separator: "\n") + (ascconvMalformed ? "\n" : "\n### ASCCONV END ###\n")
    }
}
