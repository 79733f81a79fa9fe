import XCTest
import DcmDictionary
@testable import DcmData

/// The repository root, found from this file's path (Tests/DcmDataTests/…).
let repoRoot: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}()

func fixture(_ relative: String) -> String { repoRoot + "/Fixtures/" + relative }

/// Builds DICOM byte streams by hand, byte for byte as PS3.5 §7.1 lays them
/// out, so that the reader is judged against the standard's encoding and not
/// against our own writer.
struct Bytes {
    var bytes: [UInt8] = []
    var bigEndian = false

    init(bigEndian: Bool = false) { self.bigEndian = bigEndian }

    var count: Int { bytes.count }

    mutating func u16(_ v: UInt16) {
        let x = bigEndian ? v.bigEndian : v.littleEndian
        withUnsafeBytes(of: x) { bytes.append(contentsOf: $0) }
    }
    mutating func u32(_ v: UInt32) {
        let x = bigEndian ? v.bigEndian : v.littleEndian
        withUnsafeBytes(of: x) { bytes.append(contentsOf: $0) }
    }
    mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }
    mutating func ascii(_ s: String) { bytes.append(contentsOf: Array(s.utf8)) }

    mutating func tag(_ g: UInt16, _ e: UInt16) { u16(g); u16(e) }

    /// Explicit VR element (PS3.5 §7.1.2): 16-bit length for most VRs, two
    /// reserved bytes and a 32-bit length for OB, OD, OF, OL, OV, OW, SQ, SV,
    /// UC, UN, UR, UT, UV. `length` overrides the value's byte count.
    mutating func explicit(_ g: UInt16, _ e: UInt16, _ vr: String, _ value: [UInt8], length: UInt32? = nil) {
        tag(g, e)
        ascii(vr)
        let long = ["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"].contains(vr)
        let len = length ?? UInt32(value.count)
        if long { u16(0); u32(len) } else { u16(UInt16(truncatingIfNeeded: len)) }
        raw(value)
    }
    mutating func explicit(_ g: UInt16, _ e: UInt16, _ vr: String, _ text: String) {
        explicit(g, e, vr, Array(text.utf8))
    }

    /// Implicit VR element (PS3.5 §7.1.3): tag, 32-bit length, value.
    mutating func implicit(_ g: UInt16, _ e: UInt16, _ value: [UInt8], length: UInt32? = nil) {
        tag(g, e)
        u32(length ?? UInt32(value.count))
        raw(value)
    }
    mutating func implicit(_ g: UInt16, _ e: UInt16, _ text: String) { implicit(g, e, Array(text.utf8)) }

    /// Item (FFFE,E000), Item Delimitation (FFFE,E00D), Sequence Delimitation (FFFE,E0DD).
    mutating func item(length: UInt32 = 0xFFFF_FFFF) { tag(0xFFFE, 0xE000); u32(length) }
    mutating func itemDelimiter() { tag(0xFFFE, 0xE00D); u32(0) }
    mutating func sequenceDelimiter() { tag(0xFFFE, 0xE0DD); u32(0) }

    /// Explicit VR SQ header of undefined length.
    mutating func sequenceStart(_ g: UInt16, _ e: UInt16, vr: String = "SQ", explicitVR: Bool = true) {
        tag(g, e)
        if explicitVR { ascii(vr); u16(0) }
        u32(0xFFFF_FFFF)
    }
}

/// A 128-byte preamble, `DICM` and File Meta Information (always explicit VR
/// little endian, PS3.10 §7.1) with a correct group length, then `body`.
func part10(transferSyntax ts: String, body: [UInt8], preamble: Bool = true, groupLengthDelta: Int = 0,
            sopClass: String? = "1.2.840.10008.5.1.4.1.1.7", sopInstance: String? = "1.2.3.4") -> [UInt8] {
    var meta = Bytes()
    meta.explicit(0x0002, 0x0001, "OB", [0x00, 0x01])
    if let sopClass { meta.explicit(0x0002, 0x0002, "UI", uid(sopClass)) }
    if let sopInstance { meta.explicit(0x0002, 0x0003, "UI", uid(sopInstance)) }
    meta.explicit(0x0002, 0x0010, "UI", uid(ts))
    var out = Bytes()
    if preamble { out.raw([UInt8](repeating: 0, count: 128)) }
    out.ascii("DICM")
    out.explicit(0x0002, 0x0000, "UL", le32(UInt32(meta.count + groupLengthDelta)))
    out.raw(meta.bytes)
    out.raw(body)
    return out.bytes
}

/// Offset of the data set in a `part10` file with the default meta.
func part10BodyOffset(transferSyntax ts: String, preamble: Bool = true) -> Int {
    part10(transferSyntax: ts, body: [], preamble: preamble).count
}

let implicitLE = "1.2.840.10008.1.2"
let explicitLE = "1.2.840.10008.1.2.1"
let explicitBE = "1.2.840.10008.1.2.2"

/// A UI value padded to even length with NUL (PS3.5 §9.1).
func uid(_ s: String) -> [UInt8] {
    var b = Array(s.utf8)
    if b.count & 1 == 1 { b.append(0) }
    return b
}
/// A text value padded to even length with a space.
func text(_ s: String) -> [UInt8] {
    var b = Array(s.utf8)
    if b.count & 1 == 1 { b.append(0x20) }
    return b
}
func le16(_ v: UInt16) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
func be16(_ v: UInt16) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }
func be32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }

func hexBytes(_ s: String) -> [UInt8] {
    var out: [UInt8] = []
    var it = s.utf8.makeIterator()
    while let a = it.next(), let b = it.next() {
        out.append(UInt8(String(decoding: [a, b], as: UTF8.self), radix: 16)!)
    }
    return out
}

/// Reads in-memory bytes; fails the test on a thrown error.
func readBytes(_ b: [UInt8], options: ReadOptions = .default, file: StaticString = #filePath, line: UInt = #line) throws -> DicomFile {
    do { return try DicomReader.read(bytes: b, options: options) } catch {
        XCTFail("read threw \(error)", file: file, line: line)
        throw error
    }
}

/// A location for anomaly assertions: `loc((0x0010, 0x0010))`, or with items.
func loc(_ steps: (UInt16, UInt16, Int)...) -> AttributeLocation {
    AttributeLocation(steps: steps.map { (Tag($0.0, $0.1), $0.2) })
}

extension DicomFile {
    func anomalies(_ kind: Anomaly.Kind) -> [Anomaly] { anomalies.filter { $0.kind == kind } }
}

/// Asserts exactly one anomaly of `kind`, at `offset`, with `path`.
@discardableResult
func assertAnomaly(_ f: DicomFile, _ kind: Anomaly.Kind, offset: Int, path: AttributeLocation = AttributeLocation(),
                   file: StaticString = #filePath, line: UInt = #line) -> Anomaly? {
    let found = f.anomalies(kind)
    guard found.count == 1, let a = found.first else {
        XCTFail("want one \(kind.rawValue) anomaly, got \(f.anomalies.map(\.description))", file: file, line: line)
        return nil
    }
    XCTAssertEqual(a.offset, offset, "offset of \(a)", file: file, line: line)
    XCTAssertEqual(a.path, path, "path of \(a): \(a.path) vs \(path)", file: file, line: line)
    return a
}
