#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DcmDictionary

/// How the writer lays out what the standard leaves open.
public struct WriteOptions: Sendable {
    /// Sequences with undefined length and a Sequence Delimitation Item
    /// (dcmtk's default), or with their byte length (PS3.5 §7.5.1).
    public var undefinedLengthSequences: Bool = true
    /// Items with undefined length and an Item Delimitation Item, or with
    /// their byte length (PS3.5 §7.5.2).
    public var undefinedLengthItems: Bool = true
    /// Pad odd-length values with the VR's padding byte (PS3.5 §7.1.1). Off
    /// only to write deliberately malformed files.
    public var padOddLengths: Bool = true
    /// Drop group length elements `(gggg,0000)` of the data set (they would be
    /// stale after re-encoding; PS3.5 §7.2 makes them optional). The meta's
    /// (0002,0000) is always computed.
    public var dropGroupLengths: Bool = true
    /// Leave out values that were not loaded (Pixel Data the reader skipped)
    /// instead of failing with `WriteError.valueNotLoaded`.
    public var omitUnloadedValues: Bool = false
    /// Raw deflate level for the Deflated Explicit VR Little Endian transfer syntax.
    public var deflateLevel: Int32 = 6

    public init() {}
    public static let `default` = WriteOptions()
}

/// Why a data set could not be written.
public enum WriteError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The element's value was not read (Pixel Data the reader stopped
    /// before, or a value too large to load): there is nothing to write.
    case valueNotLoaded(tag: Tag)
    /// Encapsulated Pixel Data (PS3.5 §A.4) exists only in little endian transfer syntaxes.
    case encapsulatedInBigEndian(tag: Tag)
    /// A value or item too long for a 32-bit length.
    case valueTooLong(tag: Tag, length: Int)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .valueNotLoaded(let t): return "\(t): value was not loaded by the reader (Pixel Data it stopped before — read with stopBeforePixelData = false — or encapsulated Pixel Data, which it never loads); cannot write it"
        case .encapsulatedInBigEndian(let t): return "\(t): encapsulated pixel data cannot be written in a big endian transfer syntax"
        case let .valueTooLong(t, n): return "\(t): value of \(n) bytes exceeds the 32-bit length"
        case let .cannotWrite(p, r): return "\(p): cannot write: \(r)"
        }
    }
}

/// Writes DICOM: Part 10 files (PS3.10 §7.1) and raw data sets.
///
/// The encoding of elements follows PS3.5 §7.1 (§7.1.2 explicit VR with the
/// 16- or 32-bit length forms of Table 7.1-1, §7.1.3 implicit VR), sequences
/// and items PS3.5 §7.5 (defined or undefined length, as `WriteOptions`
/// says), byte order PS3.5 §7.3, and the deflated transfer syntax PS3.5 §A.5.
/// Data sets read from big endian files (`isBigEndian`) are converted to the
/// target byte order value by value, by the VR's value size.
public enum DicomWriter {
    /// Implementation Class UID (0002,0012). The root `1.2.826.0.1.3680043.10.1561`
    /// is a PLACEHOLDER, not a registered root: replace it with the project's
    /// own root (e.g. from Medical Connections' free UID service) before release.
    public static let implementationClassUID = "1.2.826.0.1.3680043.10.1561.1.0.1"
    /// Implementation Version Name (0002,0013), at most 16 characters.
    public static let implementationVersionName = "DCMAUDIT_0.1"

    /// A Part 10 file: 128-byte preamble (zeros), `DICM`, File Meta
    /// Information (group 0002, explicit VR little endian, PS3.10 §7.1) with a
    /// computed (0002,0000), then the data set in `transferSyntax`.
    public static func write(_ file: DicomFile, transferSyntax: TransferSyntax? = nil, options: WriteOptions = .default) throws -> [UInt8] {
        try write(meta: file.meta.isEmpty ? nil : file.meta, dataSet: file.dataSet,
                  transferSyntax: transferSyntax ?? consistent(file.transferSyntax), options: options)
    }

    /// A transfer syntax whose UID says what its flags say. The reader keeps
    /// the declared UID when the data set turned out to be encoded otherwise
    /// (a `transfer-syntax-mismatch`); writing that UID again would repeat the
    /// defect, so the standard syntax matching the actual encoding is used.
    static func consistent(_ ts: TransferSyntax) -> TransferSyntax {
        let declared = TransferSyntax.forUID(ts.uid)
        if declared.isKnown && declared.isExplicitVR == ts.isExplicitVR && declared.isBigEndian == ts.isBigEndian { return ts }
        if !ts.isExplicitVR { return .implicitVRLittleEndian }
        if ts.isBigEndian { return .explicitVRBigEndian }
        if ts.isDeflated { return .deflatedExplicitVRLittleEndian }
        return ts.isKnown ? ts : .explicitVRLittleEndian
    }

    /// A Part 10 file from a data set and optionally a meta to start from.
    ///
    /// The meta's elements are kept except (0002,0000) (computed), (0002,0010)
    /// (set to `transferSyntax`), (0002,0012) and (0002,0013) (this
    /// implementation). Missing (0002,0001) becomes `00\01`; missing
    /// (0002,0002)/(0002,0003) come from SOP Class/Instance UID (0008,0016)/(0008,0018).
    public static func write(meta: DataSet? = nil, dataSet: DataSet, transferSyntax: TransferSyntax = .explicitVRLittleEndian, options: WriteOptions = .default) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        out.append(contentsOf: repeatElement(0, count: 128))
        out.append(contentsOf: Array("DICM".utf8))
        let m = fileMeta(meta: meta, dataSet: dataSet, transferSyntax: transferSyntax)
        var enc = Encoder(explicit: true, bigEndian: false, options: options)
        enc.out = out
        try enc.writeMeta(m)
        out = enc.out
        let body = try encodeDataSet(dataSet, transferSyntax: transferSyntax, options: options)
        if transferSyntax.isDeflated {
            out.append(contentsOf: Deflate.deflate(body, level: options.deflateLevel))
        } else {
            out.append(contentsOf: body)
        }
        return out
    }

    /// Only the data set, with neither preamble nor meta (for tests and
    /// deliberately malformed files). Deflated syntaxes are deflated.
    public static func writeRaw(_ dataSet: DataSet, transferSyntax: TransferSyntax = .implicitVRLittleEndian, options: WriteOptions = .default) throws -> [UInt8] {
        let body = try encodeDataSet(dataSet, transferSyntax: transferSyntax, options: options)
        return transferSyntax.isDeflated ? Deflate.deflate(body, level: options.deflateLevel) : body
    }

    /// Writes bytes to a file, replacing it.
    public static func save(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WriteError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var done = 0
        try bytes.withUnsafeBytes { buf in
            while done < buf.count {
                let r = sysWrite(fd, buf.baseAddress! + done, buf.count - done)
                if r < 0 {
                    if errno == EINTR { continue }
                    throw WriteError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
                }
                done += r
            }
        }
    }

    /// The data set's elements encoded in `transferSyntax` (not deflated).
    static func encodeDataSet(_ ds: DataSet, transferSyntax ts: TransferSyntax, options: WriteOptions) throws -> [UInt8] {
        var enc = Encoder(explicit: ts.isExplicitVR, bigEndian: ts.isBigEndian, options: options)
        enc.out.reserveCapacity(ds.elements.reduce(256) { $0 + $1.valueLength + 12 })
        try enc.writeDataSet(ds)
        return enc.out
    }

    /// The File Meta Information to write (PS3.10 §7.1, Table 7.1-1), without (0002,0000).
    static func fileMeta(meta: DataSet?, dataSet: DataSet, transferSyntax: TransferSyntax) -> DataSet {
        var m = DataSet()
        if let meta {
            for e in meta.elements where e.tag.group == 0x0002 && e.tag.element != 0 && !e.flags.contains(.notLoaded) {
                let b = meta.valueBytes(e)
                m.setRaw(e.tag, e.vr, meta.isBigEndian ? swapped(b, vr: e.vr) : b)
            }
        }
        if m[Tag(0x0002, 0x0001)] == nil { m.setRaw(Tag(0x0002, 0x0001), .OB, [0x00, 0x01]) }
        if m[.mediaStorageSOPClassUID] == nil, let s = dataSet.string(.sopClassUID) { m.set(.mediaStorageSOPClassUID, .UI, s) }
        if m[.mediaStorageSOPInstanceUID] == nil, let s = dataSet.string(.sopInstanceUID) { m.set(.mediaStorageSOPInstanceUID, .UI, s) }
        m.set(.transferSyntaxUID, .UI, transferSyntax.uid)
        m.set(Tag(0x0002, 0x0012), .UI, implementationClassUID)
        m.set(Tag(0x0002, 0x0013), .SH, implementationVersionName)
        return m
    }
}

@inline(__always) func sysWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }

/// Byte-swaps binary values by their VR's value size (US/SS/OW 2, AT as
/// pairs of 2, UL/SL/FL/OF/OL 4, FD/OD/SV/UV/OV 8); text, OB and UN unchanged.
func swapped(_ bytes: [UInt8], vr: VR) -> [UInt8] {
    let size = vr.binaryValueSize
    guard size > 1 else { return bytes }
    var b = bytes
    let n = b.count - b.count % size
    var i = 0
    while i < n {
        var lo = i, hi = i + size - 1
        while lo < hi { b.swapAt(lo, hi); lo += 1; hi -= 1 }
        i += size
    }
    return b
}

/// Encodes elements into a growing byte array.
struct Encoder {
    var out: [UInt8] = []
    var explicit: Bool
    var bigEndian: Bool
    let options: WriteOptions

    init(explicit: Bool, bigEndian: Bool, options: WriteOptions) {
        self.explicit = explicit; self.bigEndian = bigEndian; self.options = options
    }

    @inline(__always) mutating func u16(_ v: UInt16) {
        if bigEndian { out.append(UInt8(v >> 8)); out.append(UInt8(v & 0xFF)) }
        else { out.append(UInt8(v & 0xFF)); out.append(UInt8(v >> 8)) }
    }

    @inline(__always) mutating func u32(_ v: UInt32) {
        if bigEndian {
            out.append(UInt8(v >> 24)); out.append(UInt8(v >> 16 & 0xFF)); out.append(UInt8(v >> 8 & 0xFF)); out.append(UInt8(v & 0xFF))
        } else {
            out.append(UInt8(v & 0xFF)); out.append(UInt8(v >> 8 & 0xFF)); out.append(UInt8(v >> 16 & 0xFF)); out.append(UInt8(v >> 24))
        }
    }

    mutating func patch32(at i: Int, _ v: UInt32) {
        if bigEndian {
            out[i] = UInt8(v >> 24); out[i + 1] = UInt8(v >> 16 & 0xFF); out[i + 2] = UInt8(v >> 8 & 0xFF); out[i + 3] = UInt8(v & 0xFF)
        } else {
            out[i] = UInt8(v & 0xFF); out[i + 1] = UInt8(v >> 8 & 0xFF); out[i + 2] = UInt8(v >> 16 & 0xFF); out[i + 3] = UInt8(v >> 24)
        }
    }

    /// Element header (PS3.5 §7.1.2 / §7.1.3). Returns the index of the length field.
    @discardableResult
    mutating func header(_ tag: Tag, _ vr: VR, _ length: UInt32) -> Int {
        u16(tag.group); u16(tag.element)
        if explicit {
            out.append(UInt8(vr.rawValue >> 8)); out.append(UInt8(vr.rawValue & 0xFF))
            if vr.hasLongExplicitLength {
                out.append(0); out.append(0)
                let at = out.count
                u32(length)
                return at
            }
            let at = out.count
            u16(UInt16(truncatingIfNeeded: length))
            return at
        }
        let at = out.count
        u32(length)
        return at
    }

    /// Group 0002 with a computed (0002,0000) (PS3.10 §7.1).
    mutating func writeMeta(_ m: DataSet) throws {
        let start = out.count
        header(.fileMetaGroupLength, .UL, 4)
        let lengthAt = out.count
        u32(0)
        let groupStart = out.count
        for e in m.elements where e.tag != .fileMetaGroupLength { try writeElement(e, in: m) }
        patch32(at: lengthAt, UInt32(out.count - groupStart))
        _ = start
    }

    mutating func writeDataSet(_ ds: DataSet) throws {
        let elements = ds.isSorted ? ds.elements : ds.elements.enumerated().sorted { ($0.element.tag.raw, $0.offset) < ($1.element.tag.raw, $1.offset) }.map(\.element)
        for e in elements {
            if options.dropGroupLengths && e.tag.element == 0 && e.tag.group != 0x0002 { continue }
            try writeElement(e, in: ds)
        }
    }

    mutating func writeElement(_ e: Element, in ds: DataSet) throws {
        if let items = e.items {
            try writeSequence(e, items)
            return
        }
        if e.flags.contains(.notLoaded) {
            if options.omitUnloadedValues { return }
            throw WriteError.valueNotLoaded(tag: e.tag)
        }
        var vr = e.vr
        // Written as UN in the file and typed from the dictionary by the
        // reader: UN again, its bytes as read (little endian, never swapped:
        // PS3.5 §6.2.2).
        let asUN = e.flags.contains(.explicitUN)
        if asUN { vr = .UN }
        if e.flags.contains(.undefinedLength) {
            // Encapsulated pixel data held as its encoded items (little endian).
            if bigEndian { throw WriteError.encapsulatedInBigEndian(tag: e.tag) }
            header(e.tag, vr, 0xFFFFFFFF)
            ds.withValue(e) { out.append(contentsOf: $0) }
            return
        }
        var length = e.valueLength
        let pad = options.padOddLengths && length & 1 == 1
        if pad { length += 1 }
        guard length <= 0xFFFF_FFFE else { throw WriteError.valueTooLong(tag: e.tag, length: length) }
        // PS3.5 §6.2.2: a value too long for the 16-bit length of its VR is written as UN.
        if explicit && !vr.hasLongExplicitLength && length > 0xFFFF { vr = .UN }
        header(e.tag, vr, UInt32(length))
        let swap = !asUN && ds.isBigEndian != bigEndian && e.vr.binaryValueSize > 1
        if swap {
            out.append(contentsOf: swapped(ds.valueBytes(e), vr: e.vr))
        } else {
            ds.withValue(e) { out.append(contentsOf: $0) }
        }
        if pad { out.append(e.vr.paddingByte) }
    }

    /// A sequence (PS3.5 §7.5). UN sequences (built with VR UN, or read from
    /// a file that wrote them as UN: `explicitUN`) are written as UN with
    /// implicit VR little endian items, as PS3.5 §6.2.2 requires: with
    /// undefined length, or — one read from a defined-length UN — with its length.
    mutating func writeSequence(_ e: Element, _ items: [DataSet]) throws {
        let isUN = e.vr == .UN || e.flags.contains(.explicitUN)
        let undefined = isUN ? (e.vr == .UN || e.flags.contains(.undefinedLength)) : options.undefinedLengthSequences
        let lengthAt = header(e.tag, isUN ? .UN : .SQ, undefined ? 0xFFFFFFFF : 0)
        let start = out.count
        let saved = (explicit, bigEndian)
        if isUN { explicit = false; bigEndian = false }
        for item in items {
            u16(0xFFFE); u16(0xE000)
            let itemLengthAt = out.count
            let itemUndefined = options.undefinedLengthItems
            u32(itemUndefined ? 0xFFFFFFFF : 0)
            let itemStart = out.count
            try writeDataSet(item)
            if itemUndefined {
                u16(0xFFFE); u16(0xE00D); u32(0)
            } else {
                let n = out.count - itemStart
                guard n <= 0xFFFF_FFFE else { throw WriteError.valueTooLong(tag: e.tag, length: n) }
                patch32(at: itemLengthAt, UInt32(n))
            }
        }
        if undefined {
            u16(0xFFFE); u16(0xE0DD); u32(0)
        }
        (explicit, bigEndian) = saved
        if !undefined {
            let n = out.count - start
            guard n <= 0xFFFF_FFFE else { throw WriteError.valueTooLong(tag: e.tag, length: n) }
            patch32(at: lengthAt, UInt32(n))
        }
    }
}
