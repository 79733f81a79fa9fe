/// A Siemens CSA header: the private, binary "Common Siemens Architecture"
/// header that Siemens MR (and some CT) scanners store in
/// `(0029,"SIEMENS CSA HEADER",10)` (image header) and
/// `(0029,"SIEMENS CSA HEADER",20)` (series header). It holds values that have
/// no standard attribute: bandwidth per pixel in the phase direction, slice
/// timing of a mosaic, phase-encoding polarity, the coil string, and the
/// scanner's whole protocol (`MrPhoenixProtocol`).
///
/// Siemens does not publish the layout; this parser follows the layout as
/// documented by reverse engineering, in
/// - nibabel's CSA reader, `nibabel/nicom/csareader.py` and its
///   documentation page "Siemens format DICOM with CSA header"
///   (https://nipy.org/nibabel/dicom/siemens_csa.html);
/// - dcm2niix, `nii_dicom.cpp` (`csaMultiFloat`, `readCSAImageHeader`) and
///   the "Siemens" notes of its documentation;
/// - GDCM, `gdcmCSAHeader.cxx` (`CSAHeader::LoadFromDataElement`), whose
///   documentation lists the `SV10` / `NOMAGIC` formats.
///
/// All numbers are little endian, whatever the DICOM transfer syntax.
///
/// **CSA2** (`SV10`): `"SV10"`, 4 unused bytes (`04 03 02 01`), `uint32 n_tags`,
/// `uint32 77`; **CSA1**: no magic, `uint32 n_tags`, `uint32 77` at offset 0.
/// Then `n_tags` tags, each
///
///     char   name[64]     NUL-terminated
///     int32  vm           0: as many values as items
///     char   vr[4]        NUL-terminated ("FD", "IS", "LO"…)
///     int32  syngodt      Siemens' own type code
///     int32  nitems
///     int32  77 or 205    (a check word)
///
/// followed by `nitems` items, each four `int32` lengths and the data padded to
/// a multiple of 4 bytes. In CSA2 the data length is the second int32; in
/// CSA1 it is the first minus the `nitems` of tag 1 (nibabel's reading).
///
/// Nothing is trusted: every count and length is checked against the bytes
/// left, `n_tags` is at most ``maxTags`` and `nitems` at most ``maxItems``, and
/// a malformed header is an ``Error`` with the byte offset, never a crash.
public struct SiemensCSAHeader: Sendable, Equatable {
    public enum Format: String, Sendable { case csa1 = "CSA1", csa2 = "CSA2" }

    public struct Tag: Sendable, Equatable {
        public var name: String
        public var vm: Int
        public var vr: String
        public var syngoDT: Int
        /// `nitems` as written (the number of item records read).
        public var itemCount: Int
        /// The values, one string per item, trimmed of NULs and spaces. Like
        /// nibabel: at most `vm` values (all items when `vm` is 0), and for a
        /// numeric VR the values stop at the first empty item.
        public var values: [String]

        /// The values as numbers (`nil` for one that is not a number).
        public var numbers: [Double?] { values.map { Double($0) } }
        /// The first value as a number.
        public var number: Double? { values.first.flatMap { Double($0) } }
        /// Whether the VR is numeric (nibabel converts these: FL FD DS IS SL SS UL US).
        public var isNumeric: Bool { SiemensCSAHeader.numericVRs.contains(vr) }
    }

    public struct Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        /// Byte offset in the CSA value where the problem was found.
        public var offset: Int
        public var description: String { "\(message) at offset \(offset)" }
    }

    public static let maxTags = 1000
    public static let maxItems = 10000
    static let numericVRs: Set<String> = ["FL", "FD", "DS", "IS", "SL", "SS", "UL", "US"]

    public var format: Format
    /// Tags in header order.
    public var tags: [Tag]

    /// The tag named `name` (the last, should a header repeat a name — as nibabel's dict keeps it).
    public subscript(name: String) -> Tag? { tags.last { $0.name == name } }

    public init(format: Format, tags: [Tag]) { self.format = format; self.tags = tags }

    /// Parses a CSA header (the value of `(0029,"SIEMENS CSA HEADER",10)` or `20`).
    public init(parsing bytes: [UInt8]) throws(Error) {
        let r = bytes.withUnsafeBytes { b -> Result<SiemensCSAHeader, Error> in
            do throws(Error) { return .success(try SiemensCSAHeader.parse(b)) } catch { return .failure(error) }
        }
        self = try r.get()
    }

    public static func parse(_ b: UnsafeRawBufferPointer) throws(Error) -> SiemensCSAHeader {
        let n = b.count
        var p = 0
        func need(_ k: Int, _ what: String) throws(Error) {
            if k < 0 || k > n - p { throw Error(message: "truncated \(what): needs \(k) bytes, \(n - p) left", offset: p) }
        }
        func i32() -> Int32 {
            let v = Int32(bitPattern: UInt32(b[p]) | UInt32(b[p + 1]) << 8 | UInt32(b[p + 2]) << 16 | UInt32(b[p + 3]) << 24)
            p += 4
            return v
        }
        func cString(_ len: Int) -> String {
            var end = p
            while end < p + len, b[end] != 0 { end += 1 }
            let s = latin1(UnsafeRawBufferPointer(rebasing: b[p..<end]))
            p += len
            return s
        }
        let format: Format
        if n >= 4, b[0] == 0x53, b[1] == 0x56, b[2] == 0x31, b[3] == 0x30 {  // "SV10"
            format = .csa2
            try need(8, "CSA2 header")
            p = 8
        } else {
            format = .csa1
        }
        try need(8, "tag count")
        let nTags = Int(UInt32(bitPattern: i32()))
        _ = i32()  // 77
        guard nTags > 0, nTags <= maxTags else {
            throw Error(message: "tag count \(nTags) out of range 1…\(maxTags)\(format == .csa1 ? " (not a CSA header?)" : "")", offset: p - 8)
        }
        var tags: [Tag] = []
        tags.reserveCapacity(min(nTags, 256))
        var tag1Items = 0
        for tagNo in 0..<nTags {
            try need(84, "tag \(tagNo) header")
            let tagStart = p
            let name = cString(64)
            let vm = Int(i32())
            let vr = cString(4)
            let syngoDT = Int(i32())
            let nItems = Int(i32())
            _ = i32()  // 77 or 205
            guard nItems >= 0, nItems <= maxItems else {
                throw Error(message: "tag '\(name)': item count \(nItems) out of range 0…\(maxItems)", offset: tagStart + 76)
            }
            guard vm >= 0 else { throw Error(message: "tag '\(name)': negative vm \(vm)", offset: tagStart + 64) }
            if tagNo == 1 { tag1Items = nItems }
            var nValues = vm == 0 ? nItems : vm
            let numeric = numericVRs.contains(vr)
            var values: [String] = []
            for itemNo in 0..<nItems {
                try need(16, "tag '\(name)' item \(itemNo) header")
                let x0 = Int(i32()), x1 = Int(i32())
                p += 8
                let len: Int
                if format == .csa2 {
                    len = x1
                    guard len >= 0 else { throw Error(message: "tag '\(name)' item \(itemNo): negative length \(len)", offset: p - 16) }
                    guard len <= n - p else {
                        throw Error(message: "tag '\(name)' item \(itemNo): length \(len) exceeds the \(n - p) bytes left", offset: p - 16)
                    }
                } else {
                    len = x0 - tag1Items
                    if len < 0 || len > n - p {
                        // nibabel: the CSA1 item ends the tag (an empty value in place of one expected)
                        if itemNo < vm { values.append("") }
                        break
                    }
                }
                if itemNo >= nValues {
                    // past the values: nibabel expects empty items here and does not skip data
                    guard len == 0 else {
                        throw Error(message: "tag '\(name)' item \(itemNo): \(len) bytes past the tag's \(nValues) values", offset: p - 16)
                    }
                    continue
                }
                var end = p
                while end < p + len, b[end] != 0 { end += 1 }
                let raw = UnsafeRawBufferPointer(rebasing: b[p..<end])
                if numeric && len == 0 {
                    nValues = itemNo
                    continue
                }
                values.append(trimmed(raw))
                p += len
                let pad = len % 4
                if pad != 0 { p = min(n, p + 4 - pad) }
            }
            tags.append(Tag(name: name, vm: vm, vr: vr, syngoDT: syngoDT, itemCount: nItems, values: values))
        }
        return SiemensCSAHeader(format: format, tags: tags)
    }

    /// Text of a value: Latin-1 bytes (as Siemens writes them) without leading
    /// and trailing spaces.
    static func trimmed(_ raw: UnsafeRawBufferPointer) -> String {
        var lo = 0, hi = raw.count
        while hi > lo, raw[hi - 1] == 0x20 || raw[hi - 1] == 0 { hi -= 1 }
        while lo < hi, raw[lo] == 0x20 { lo += 1 }
        return latin1(UnsafeRawBufferPointer(rebasing: raw[lo..<hi]))
    }

    /// Latin-1 text (as nibabel decodes CSA names and values).
    static func latin1(_ s: UnsafeRawBufferPointer) -> String {
        if s.allSatisfy({ $0 < 0x80 }) { return String(decoding: s, as: UTF8.self) }
        return String(String.UnicodeScalarView(s.map { Unicode.Scalar($0) }))
    }

    /// Encodes tags as a CSA2 (`SV10`) header — for tests and rule examples.
    /// Each value is one item (NUL-terminated, padded to 4 bytes).
    public static func encodeCSA2(_ tags: [(name: String, vr: String, values: [String])]) -> [UInt8] {
        var out: [UInt8] = Array("SV10".utf8) + [4, 3, 2, 1]
        func u32(_ v: Int) { let x = UInt32(truncatingIfNeeded: v); out += [UInt8(x & 0xFF), UInt8(x >> 8 & 0xFF), UInt8(x >> 16 & 0xFF), UInt8(x >> 24)] }
        func fixed(_ s: String, _ len: Int) { var b = Array(s.utf8.prefix(len - 1)); b += [UInt8](repeating: 0, count: len - b.count); out += b }
        u32(tags.count); u32(77)
        for t in tags {
            fixed(t.name, 64); u32(t.values.count); fixed(t.vr, 4); u32(3); u32(t.values.count); u32(77)
            for v in t.values {
                let data = Array(v.utf8) + [0]
                u32(data.count); u32(data.count); u32(77); u32(data.count)
                out += data
                out += [UInt8](repeating: 0, count: (4 - data.count % 4) % 4)
            }
        }
        return out
    }
}

extension DataSet {
    /// The creator of the Siemens CSA header block.
    public static let siemensCSACreator = "SIEMENS CSA HEADER"

    /// The CSA image (`0x10`) or series (`0x20`) header: `nil` when the file
    /// has none, a failure when it is malformed.
    public func siemensCSA(elementByte: UInt8) -> Result<SiemensCSAHeader, SiemensCSAHeader.Error>? {
        guard let e = privateElement(group: 0x0029, creator: DataSet.siemensCSACreator, elementByte: elementByte), !e.isSequence else { return nil }
        if e.flags.contains(.notLoaded) { return .failure(SiemensCSAHeader.Error(message: "value not loaded", offset: 0)) }
        return withValue(e) { buf in
            do throws(SiemensCSAHeader.Error) { return .success(try SiemensCSAHeader.parse(buf)) }
            catch { return .failure(error) }
        }
    }
}
