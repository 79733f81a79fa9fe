import Foundation
import DcmData
import DcmDictionary

/// A value a rule can name that is not one element of the file but parsed
/// from one: the Siemens CSA headers (docs/siemens-csa.md). Like
/// `file.anomalies`, these names are dotted words that no attribute path can
/// be (paths never contain a `.` before a keyword without a sequence step):
///
/// - `csa.image`, `csa.series` — the header's format, `CSA1` or `CSA2`, or
///   `malformed` when it cannot be parsed; missing when the file has none
///   (`(0029,"SIEMENS CSA HEADER",10)` / `20`);
/// - `csa.image.NAME`, `csa.series.NAME` — the values of the CSA tag NAME,
///   with an optional value index `[k]` or `[*]` (all values);
/// - `siemens.NAME` — convenient names for values vendors-neutral rules want
///   (``siemensNames``), e.g. `siemens.SliceTiming` for
///   `csa.image.MosaicRefAcqTimes`.
///
/// Values are typed by the VR Siemens gives the name (`SiemensCSAHeader.knownVRs`:
/// numbers for FD, DS, IS…); a name without a known VR compares as text.
/// Headers are parsed once per file, on the first rule that names one, and
/// kept for the next rules of the same file (a per-thread, one-file cache).
public struct DerivedAttribute: Sendable, CustomStringConvertible {
    public let text: String
    /// `0x10` the image header, `0x20` the series header.
    public let header: UInt8
    /// The CSA tag name; `nil` for the header itself (`csa.image`).
    public let name: String?
    /// The value index (`[0]`); `nil` for all values.
    public var index: Int?
    /// The VR that types comparisons (`nil`: text, or numbers for range/gt/lt…).
    public let vr: VR?
    /// Where a `siemens.ascconv.KEY` or ASCCONV-based `siemens.NAME` reads:
    /// the key (with `[*]` for every index) in the series header's ASCCONV block.
    public var ascconvKey: String? = nil
    /// How a named value is decoded from what the header holds.
    public var decode: VendorDecode = .none
    /// A GE / Philips value: an element of a private block, by creator
    /// (``vendorNames``); `index` selects one of its values.
    public var element: VendorElement? = nil

    public var description: String { text }

    /// `siemens.NAME` → (header, CSA tag name).
    public static let siemensNames: [(name: String, header: UInt8, csaName: String)] = [
        ("BandwidthPerPixelPhaseEncode", 0x10, "BandwidthPerPixelPhaseEncode"),
        ("SliceTiming", 0x10, "MosaicRefAcqTimes"),
        ("PhaseEncodingDirectionPositive", 0x10, "PhaseEncodingDirectionPositive"),
        ("ImaCoilString", 0x10, "ImaCoilString"),
    ]

    struct ParseError: Error { var message: String; var suggestion: String? }

    init(text: String, header: UInt8, name: String?, index: Int?, vr: VR?) {
        self.text = text; self.header = header; self.name = name; self.index = index; self.vr = vr
    }

    /// `nil` when `text` is not a derived name (not `csa.…`, `siemens.…`, `ge.…` or `philips.…`).
    static func parse(_ text: String) -> Result<DerivedAttribute, ParseError>? {
        let isCSA = text == "csa.image" || text == "csa.series" || text.hasPrefix("csa.")
        if text.hasPrefix("ge.") || text.hasPrefix("philips.") { return parseVendor(text) }
        if text.hasPrefix("siemens.ascconv.") || text == "siemens.ascconv" { return parseASCCONV(text) }
        if text.hasPrefix("siemens."), let r = parseSiemensASCCONVName(text) { return r }
        guard isCSA || text.hasPrefix("siemens.") else { return nil }
        var body = Substring(text)
        var index: Int? = nil
        if body.hasSuffix("]"), let open = body.lastIndex(of: "[") {
            let inner = body[body.index(after: open)..<body.index(before: body.endIndex)]
            if inner == "*" { index = nil }
            else if let k = Int(inner), k >= 0 { index = k }
            else { return .failure(ParseError(message: "bad index '[\(inner)]': want a number or *")) }
            body = body[..<open]
        }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        func validName(_ s: String) -> Bool {
            !s.isEmpty && s.unicodeScalars.allSatisfy { ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
        }
        if parts[0] == "siemens" {
            guard parts.count == 2, let d = siemensNames.first(where: { $0.name == parts[1] }) else {
                let n = parts.dropFirst().joined(separator: ".")
                let all = siemensNames.map(\.name) + siemensASCCONVNames.map(\.name)
                return .failure(ParseError(message: "unknown derived attribute 'siemens.\(n)'",
                                           suggestion: (all.first { $0.hasPrefix(n) && !n.isEmpty }
                                                        ?? suggest(n, among: all)).map { "siemens." + $0 }))
            }
            return .success(DerivedAttribute(text: text, header: d.header, name: d.csaName, index: index,
                                             vr: SiemensCSAHeader.knownVRs[d.csaName].flatMap { VR(string: $0) }))
        }
        guard parts.count >= 2, parts[1] == "image" || parts[1] == "series" else {
            return .failure(ParseError(message: "unknown derived attribute '\(text)': use csa.image.NAME or csa.series.NAME",
                                       suggestion: parts.count >= 2 ? suggest(parts[1], among: ["image", "series"]).map { "csa." + $0 } : nil))
        }
        let header: UInt8 = parts[1] == "image" ? 0x10 : 0x20
        if parts.count == 2 {
            guard !text.hasSuffix("]") else { return .failure(ParseError(message: "csa.\(parts[1]) has no values to index")) }
            return .success(DerivedAttribute(text: text, header: header, name: nil, index: nil, vr: .CS))
        }
        guard parts.count == 3, validName(parts[2]) else {
            return .failure(ParseError(message: "bad CSA tag name in '\(text)': want csa.\(parts[1]).NAME (letters, digits, _)"))
        }
        return .success(DerivedAttribute(text: text, header: header, name: parts[2], index: index,
                                         vr: SiemensCSAHeader.knownVRs[parts[2]].flatMap { VR(string: $0) }))
    }

    /// The values in `file`: missing when the header, the tag or the indexed
    /// value is absent (a malformed header has no values: `csa.image` says why).
    func resolve(in file: DicomFile) -> Resolved {
        if let element { return element.resolve(in: file, index: index) }
        if let ascconvKey { return resolveASCCONV(ascconvKey, in: file) }
        guard let parsed = CSACache.current.header(header, of: file.dataSet) else { return .missing }
        let valueVR = vr ?? .UN
        guard let name else {
            switch parsed {
            case .success(let h): return .one(.values([h.format.rawValue], vr: .CS))
            case .failure: return .one(.values(["malformed"], vr: .CS))
            }
        }
        guard case .success(let h) = parsed, let tag = h[name] else { return .missing }
        if let k = index {
            return k < tag.values.count ? .one(.values([tag.values[k]], vr: valueVR)) : .missing
        }
        return .one(.values(tag.values, vr: valueVR))
    }
}

/// The parsed CSA headers of the file being evaluated on this thread: a rule
/// set evaluates all its rules on one file before the next, so one entry per
/// header is enough. The entry holds the file's byte storage, so its identity
/// cannot be reused by another file while cached.
final class CSACache {
    struct Entry {
        var storage: ByteStorage
        var valueStart: Int
        var valueLength: Int
        var result: Result<SiemensCSAHeader, SiemensCSAHeader.Error>
    }
    var image: Entry?
    var series: Entry?
    /// The ASCCONV block of `series` (VendorDerived.swift).
    var ascconvEntry: (storage: ByteStorage, valueStart: Int, result: Result<SiemensASCCONV, SiemensASCCONV.Error>?)?
    /// The last protocol text parsed on this thread and its parse.
    var lastProtocol: (text: String, result: Result<SiemensASCCONV, SiemensASCCONV.Error>?)?

    /// This thread's cache, in a POSIX thread-specific slot (released when
    /// the thread ends). `Thread.current.threadDictionary`, used before, cost
    /// an NSString-keyed lookup on every derived attribute read.
    static var current: CSACache {
        if let p = pthread_getspecific(slot) { return Unmanaged<CSACache>.fromOpaque(p).takeUnretainedValue() }
        let c = CSACache()
        pthread_setspecific(slot, Unmanaged.passRetained(c).toOpaque())
        return c
    }
    private static let slot: pthread_key_t = {
        var k = pthread_key_t()
        let rc = pthread_key_create(&k) { p in
            #if canImport(Darwin)
            Unmanaged<CSACache>.fromOpaque(p).release()
            #else
            if let p { Unmanaged<CSACache>.fromOpaque(p).release() }
            #endif
        }
        precondition(rc == 0, "pthread_key_create failed")
        return k
    }()

    func header(_ byte: UInt8, of ds: DataSet) -> Result<SiemensCSAHeader, SiemensCSAHeader.Error>? {
        guard let e = ds.privateElement(group: 0x0029, creator: DataSet.siemensCSACreator, elementByte: byte), !e.isSequence else { return nil }
        let cached = byte == 0x10 ? image : series
        if let c = cached, c.storage === ds.storage, c.valueStart == e.valueStart, c.valueLength == e.valueLength { return c.result }
        guard let r = ds.siemensCSA(elementByte: byte) else { return nil }
        let entry = Entry(storage: ds.storage, valueStart: e.valueStart, valueLength: e.valueLength, result: r)
        if byte == 0x10 { image = entry } else { series = entry }
        return r
    }
}

/// Rule examples naming derived attributes get real CSA headers: the values
/// given for `csa.image.NAME` (and `siemens.NAME`) become a CSA2 image header
/// at `(0029,"SIEMENS CSA HEADER",10)`, `csa.series.NAME` a series header at
/// `20`; `csa.image: malformed` writes bytes that are not a CSA header.
struct DerivedExampleValues {
    var image: [(String, String, [String])] = []
    var series: [(String, String, [String])] = []
    var malformed: Set<UInt8> = []
    var present: Set<UInt8> = []
    var ascconvLines: [String] = []
    var ascconvMalformed = false
    var vendorElements: [(VendorElement, [String])] = []

    mutating func add(_ a: DerivedAttribute, values: [String]) {
        if addVendor(a, values: values) { return }
        present.insert(a.header)
        guard let name = a.name else {
            if values == ["malformed"] { malformed.insert(a.header) }
            return
        }
        let vr = SiemensCSAHeader.knownVRs[name] ?? "UN"
        if a.header == 0x10 { image.append((name, vr, values)) } else { series.append((name, vr, values)) }
    }

    func write(into ds: inout DataSet) {
        writeVendor(into: &ds)
        for byte in [UInt8(0x10), 0x20] where present.contains(byte) {
            var tags = byte == 0x10 ? image : series
            if byte == 0x20, let text = ascconvText { tags.append(("MrPhoenixProtocol", "UN", [text])) }
            if tags.isEmpty { tags = [("ExamplePlaceholder", "IS", ["0"])] }   // a header has at least one tag
            let bytes = malformed.contains(byte) ? Array("not a CSA header".utf8)
                : SiemensCSAHeader.encodeCSA2(tags.map { (name: $0.0, vr: $0.1, values: $0.2) })
            let tag = ds.privateTag(group: 0x0029, creator: DataSet.siemensCSACreator, elementByte: byte)
            ds.setRaw(tag, .OB, bytes)
        }
    }
}
