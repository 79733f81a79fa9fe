import DcmData
import DcmDictionary
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// SplitMix64: small, fast, seeded.
struct SeededRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}

/// Random data sets with valid values for every VR.
struct RandomDataSets {
    var rng: SeededRNG
    /// Standard elements with exactly one VR (multi-VR entries are resolved
    /// by context in implicit VR; they are covered by dedicated tests).
    static let plain: [DictionaryEntry] = DataDictionary.allEntries.filter {
        $0.mask == 0xFFFF_FFFF && $0.vrs.count == 1 && $0.tag.group > 0x0002 && $0.tag.group != 0xFFFE
            && $0.tag.element != 0 && $0.tag.group != 0x7FE0 && $0.tag != .specificCharacterSet
    }
    static let nonSequence = plain.filter { $0.vrs[0] != .SQ }
    static let sequences = plain.filter { $0.vrs[0] == .SQ }
    static let privateVRs: [VR] = [.LO, .SH, .US, .UL, .SS, .SL, .FL, .FD, .DS, .IS, .OB, .OW, .UN, .UT, .CS, .UI]

    init(seed: UInt64) { rng = SeededRNG(seed: seed) }

    mutating func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func pick<T>(_ a: [T]) -> T { a[int(0...a.count - 1)] }

    mutating func chars(_ alphabet: String, _ n: ClosedRange<Int>) -> String {
        let a = Array(alphabet)
        return String((0..<int(n)).map { _ in pick(a) })
    }

    /// Text without leading/trailing spaces (they are padding for most VRs).
    mutating func text(_ alphabet: String, _ n: ClosedRange<Int>) -> String {
        var s = chars(alphabet, n)
        while s.hasPrefix(" ") || s.hasSuffix(" ") { s = s.trimmingCharacters(" ") + pick(["A", "b", "7"]) }
        return s
    }

    static let upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ "
    static let printable = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,-_()/:;+*#"
    static let latin1 = printable + "éüßøÅç"

    mutating func value(_ vr: VR, vm: Int) -> [String] {
        (0..<vm).map { _ in oneValue(vr) }
    }

    mutating func oneValue(_ vr: VR) -> String {
        switch vr {
        case .AE: return text(Self.upper, 1...16)
        case .AS: return String(format3(int(0...120))) + pick(["D", "W", "M", "Y"])
        case .CS: return text(Self.upper, 1...16)
        case .DA: return "\(int(1900...2099))" + two(int(1...12)) + two(int(1...28))
        case .DS: return pick(["0", "1.5", "-2.25", "3e2", "\(int(-9999...9999))", "0.001", "\(int(0...999)).\(int(0...99))"])
        case .DT: return "\(int(1900...2099))" + two(int(1...12)) + two(int(1...28)) + two(int(0...23)) + two(int(0...59)) + two(int(0...59)) + ".\(int(100000...999999))"
        case .IS: return "\(int(-99999...99999))"
        case .LO: return text(Self.latin1, 1...64)
        case .SH: return text(Self.latin1, 1...16)
        case .LT: return text(Self.latin1 + "\\", 1...200)
        case .ST: return text(Self.printable + "\\", 1...200)
        case .UT: return text(Self.latin1 + "\\", 1...400)
        case .UC: return text(Self.latin1, 1...80)
        case .UR: return "http://example.org/" + chars("abcdefghij0123456789/", 1...40) + "x"
        case .PN:
            var groups = [text("ABCDEFGHIJabcdefghij", 1...10) + "^" + text("ABCDEFGHIJabcdefghij", 1...10)]
            if chance(0.3) { groups.append(text("KLMNOP", 1...5) + "^" + text("QRST", 1...4)) }
            if groups.count == 2 && chance(0.5) { groups.append(text("xyz", 1...4)) }
            if chance(0.2) { groups[0] += "^^Dr^" }
            return groups.joined(separator: "=")
        case .TM: return two(int(0...23)) + two(int(0...59)) + two(int(0...59)) + pick(["", ".5", ".123456"])
        case .UI: return "1.2." + (0..<int(1...8)).map { _ in "\(int(1...99999))" }.joined(separator: ".")
        default: return ""
        }
    }

    func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
    func format3(_ v: Int) -> String { v < 10 ? "00\(v)" : v < 100 ? "0\(v)" : "\(v)" }

    mutating func vm(_ e: DictionaryEntry) -> Int {
        let lo = max(1, e.vmMin)
        let hi = max(lo, min(e.vmMax ?? lo + 3, lo + 3))
        var n = int(lo...hi)
        if e.vmStep > 1 { n = lo + ((n - lo) / e.vmStep) * e.vmStep }
        return n
    }

    /// Sets a random valid value of `vr` with `vm` values.
    mutating func setValue(_ ds: inout DataSet, _ tag: Tag, _ vr: VR, vm: Int) {
        switch vr {
        case .US: ds.set(tag, vr, (0..<vm).map { _ in int(0...65535) })
        case .SS: ds.set(tag, vr, (0..<vm).map { _ in int(-32768...32767) })
        case .UL: ds.set(tag, vr, (0..<vm).map { _ in int(0...Int(UInt32.max)) })
        case .SL: ds.set(tag, vr, (0..<vm).map { _ in int(Int(Int32.min)...Int(Int32.max)) })
        case .SV: ds.set(tag, vr, (0..<vm).map { _ in int(Int.min...Int.max) })
        case .UV: ds.set(tag, vr, bitPatterns: (0..<vm).map { _ in rng.next() })
        case .FL: ds.set(tag, vr, (0..<vm).map { _ in Double(Float.random(in: -1e6...1e6, using: &rng)) })
        case .FD: ds.set(tag, vr, (0..<vm).map { _ in Double.random(in: -1e12...1e12, using: &rng) })
        case .OF: ds.set(tag, vr, (0..<int(1...16)).map { _ in Double(Float.random(in: -10...10, using: &rng)) })
        case .OD: ds.set(tag, vr, (0..<int(1...16)).map { _ in Double.random(in: -10...10, using: &rng) })
        case .OW: ds.set(tag, vr, (0..<int(1...32)).map { _ in int(0...65535) })
        case .OL: ds.set(tag, vr, (0..<int(1...16)).map { _ in int(0...Int(UInt32.max)) })
        case .OV: ds.set(tag, vr, bitPatterns: (0..<int(1...8)).map { _ in rng.next() })
        case .OB, .UN: ds.setRaw(tag, vr, (0..<(2 * int(1...40))).map { _ in UInt8(int(0...255)) })
        case .AT: ds.setTags(tag, (0..<vm).map { _ in Tag(UInt16(int(0...0xFFFF)), UInt16(int(0...0xFFFF))) })
        default:
            ds.set(tag, vr, vr.isSingleValuedText ? [oneValue(vr)] : value(vr, vm: vm))
        }
    }

    mutating func dataSet(depth: Int, maxElements: Int) -> DataSet {
        var ds = DataSet()
        for _ in 0..<int(1...maxElements) {
            let e = pick(Self.nonSequence)
            setValue(&ds, e.tag, e.vrs[0], vm: vm(e))
        }
        if depth < 4 && chance(depth == 0 ? 0.9 : 0.45) {
            for _ in 0..<int(1...2) {
                let s = pick(Self.sequences)
                let items = (0..<int(0...3)).map { _ in dataSet(depth: depth + 1, maxElements: 6) }
                ds.setSequence(s.tag, items: items)
            }
        }
        if chance(depth == 0 ? 0.7 : 0.2) {
            let group = UInt16(pick([0x0009, 0x0019, 0x0029, 0x0043]))
            for b in 0..<int(1...2) {
                let creator = "DCMAUDIT RT \(b) \(int(0...9))"
                for _ in 0..<int(1...5) {
                    let tag = ds.privateTag(group: group, creator: creator, elementByte: UInt8(int(0...0xFF)))
                    setValue(&ds, tag, pick(Self.privateVRs), vm: int(1...2))
                }
            }
        }
        return ds
    }
}

extension String {
    func trimmingCharacters(_ c: Character) -> String {
        var s = Substring(self)
        while s.first == c { s = s.dropFirst() }
        while s.last == c { s = s.dropLast() }
        return String(s)
    }
}

/// Element-by-element comparison: tag, VR, decoded values, items.
/// `implicitRead`: the second data set was read from implicit VR, so private
/// elements of unknown creators have VR UN there.
func differences(_ a: DataSet, _ b: DataSet, implicitRead: Bool, path: String = "") -> [String] {
    var out: [String] = []
    let ea = a.elements.filter { $0.tag.element != 0 }, eb = b.elements.filter { $0.tag.element != 0 }
    if ea.count != eb.count {
        return ["\(path): \(ea.count) elements vs \(eb.count): \(ea.map(\.tag)) vs \(eb.map(\.tag))"]
    }
    for (x, y) in zip(ea, eb) {
        let p = path + x.tag.description
        guard x.tag == y.tag else { out.append("\(p): tag \(x.tag) vs \(y.tag)"); continue }
        let unknownPrivate = x.tag.isPrivate && !x.tag.isPrivateCreator && implicitRead
        if unknownPrivate {
            if y.vr != .UN && y.vr != x.vr { out.append("\(p): VR \(x.vr) vs \(y.vr)") }
        } else if x.vr != y.vr { out.append("\(p): VR \(x.vr) vs \(y.vr)"); continue }
        if let ia = x.items {
            guard let ib = y.items, ia.count == ib.count else { out.append("\(p): items \(ia.count) vs \(y.items?.count ?? -1)"); continue }
            for (i, (u, v)) in zip(ia, ib).enumerated() { out += differences(u, v, implicitRead: implicitRead, path: p + "[\(i)].") }
            continue
        }
        if y.items != nil { out.append("\(p): unexpected items"); continue }
        if unknownPrivate && y.vr == .UN {
            // raw bytes, little endian in both (b was read from implicit VR LE)
            if a.littleEndianBytes(x) != b.valueBytes(y) { out.append("\(p): raw bytes differ") }
            continue
        }
        let vr = x.vr
        if vr.isString {
            if a.strings(x) != b.strings(y) { out.append("\(p): \(a.strings(x)) vs \(b.strings(y))") }
        } else if vr == .AT {
            if a.tags(x) != b.tags(y) { out.append("\(p): \(a.tags(x)) vs \(b.tags(y))") }
        } else if vr == .OB || vr == .UN {
            if a.valueBytes(x) != b.valueBytes(y) { out.append("\(p): bytes differ") }
        } else if [.FL, .FD, .OF, .OD].contains(vr) {
            if a.doubles(x) != b.doubles(y) { out.append("\(p): \(a.doubles(x) ?? []) vs \(b.doubles(y) ?? [])") }
        } else {
            if a.integers(x) != b.integers(y) { out.append("\(p): \(a.integers(x) ?? []) vs \(b.integers(y) ?? [])") }
        }
    }
    return out
}

final class RoundTripTests: XCTestCase {
    static let syntaxes: [TransferSyntax] = [.implicitVRLittleEndian, .explicitVRLittleEndian, .explicitVRBigEndian, .deflatedExplicitVRLittleEndian]

    func readBack(_ bytes: [UInt8]) throws -> DicomFile {
        var o = ReadOptions()
        o.stopBeforePixelData = false
        return try DicomReader.read(bytes: bytes, options: o)
    }

    /// read(write(x)) == x for random data sets in all four transfer syntaxes,
    /// then across them (big endian data written as little endian and back).
    func testRandomRoundTrip() throws {
        var gen = RandomDataSets(seed: 0xDC4A_0D17)
        var cases = 0, elements = 0, maxDepth = 0, privates = 0
        var vrs = Set<VR>()
        func walk(_ d: DataSet, _ depth: Int) {
            maxDepth = max(maxDepth, depth)
            for e in d.elements {
                elements += 1
                vrs.insert(e.vr)
                if e.tag.isPrivate { privates += 1 }
                e.items?.forEach { walk($0, depth + 1) }
            }
        }
        for n in 0..<300 {
            var ds = gen.dataSet(depth: 0, maxElements: 25)
            ds.set(.sopClassUID, .UI, "1.2.840.10008.5.1.4.1.1.2")
            ds.set(.sopInstanceUID, .UI, "1.2.3.\(n)")
            var opts = WriteOptions()
            opts.undefinedLengthSequences = gen.chance(0.5)
            opts.undefinedLengthItems = gen.chance(0.5)
            let ts = Self.syntaxes[n % 4]
            let bytes = try DicomWriter.write(dataSet: ds, transferSyntax: ts, options: opts)
            let back = try readBack(bytes)
            XCTAssertEqual(back.anomalies.map(\.description), [], "case \(n) \(ts.name)")
            XCTAssertEqual(back.transferSyntax.uid, ts.uid)
            let diffs = differences(ds, back.dataSet, implicitRead: !ts.isExplicitVR)
            XCTAssertEqual(diffs, [], "case \(n) in \(ts.name)")
            // and on into another explicit syntax (from implicit, unknown private elements stay UN)
            let ts2 = Self.syntaxes[1 + (n / 4) % 3]
            let again = try readBack(try DicomWriter.write(back, transferSyntax: ts2, options: opts))
            XCTAssertEqual(differences(ds, again.dataSet, implicitRead: !ts.isExplicitVR), [], "case \(n) \(ts.name) → \(ts2.name)")
            XCTAssertEqual(again.anomalies.map(\.description), [])
            walk(ds, 0)
            cases += 1
        }
        XCTAssertEqual(cases, 300)
        XCTAssertEqual(maxDepth, 4)
        XCTAssertGreaterThan(elements, 10_000)
        XCTAssertGreaterThan(privates, 300)
        XCTAssertEqual(Set(VR.allCases).subtracting(vrs), [], "VRs never generated")
    }

    /// The comparison is not vacuous: corrupting one value byte is detected.
    func testCorruptionIsDetected() throws {
        var ds = DataSet()
        ds.set(keyword: "PatientName", "Doe^John")
        ds.set(keyword: "Rows", 512)
        ds.set(keyword: "SOPInstanceUID", "1.2.3")
        var bytes = try DicomWriter.write(dataSet: ds, transferSyntax: .explicitVRLittleEndian)
        let back = try readBack(bytes)
        XCTAssertEqual(differences(ds, back.dataSet, implicitRead: false), [])
        // flip the first byte of "Doe^John"
        let needle = Array("Doe^".utf8)
        let at = try XCTUnwrap((0..<bytes.count - 4).first { Array(bytes[$0..<$0 + 4]) == needle })
        bytes[at] = UInt8(ascii: "X")
        let bad = try readBack(bytes)
        XCTAssertEqual(differences(ds, bad.dataSet, implicitRead: false).count, 1)
    }

    func testBuilderBasics() throws {
        var ds = DataSet()
        ds.set(keyword: "PatientName", "Doe^John")
        ds.set(Tag(0x0008, 0x0060), .CS, "MR")
        ds.set(keyword: "PixelSpacing", [0.5, 0.5])
        ds.set(keyword: "Rows", 256)
        ds.set(keyword: "SOPInstanceUID", "1.2.3")
        ds.set(keyword: "PatientName", "Roe^Jan")  // replaces
        XCTAssertEqual(ds.elements.map(\.tag), ds.elements.map(\.tag).sorted())
        XCTAssertEqual(ds.string(Tag(0x0010, 0x0010)), "Roe^Jan")
        XCTAssertEqual(ds.count, 5)
        XCTAssertEqual(ds.strings(Tag(0x0028, 0x0030)), ["0.5", "0.5"])
        XCTAssertEqual(ds.integers(Tag(0x0028, 0x0010)), [256])
        // padding: UI with NUL, text with space
        XCTAssertEqual(ds.valueBytes(ds[.sopInstanceUID]!), Array("1.2.3".utf8) + [0])
        XCTAssertEqual(ds.valueBytes(ds[Tag(0x0010, 0x0010)]!).last, 0x20)
        // copy on write: a copy's changes leave the original alone
        var copy = ds
        copy.set(keyword: "Rows", 1)
        XCTAssertEqual(ds.integers(Tag(0x0028, 0x0010)), [256])
        XCTAssertEqual(copy.integers(Tag(0x0028, 0x0010)), [1])
        XCTAssertFalse(ds.storage === copy.storage, "the copy wrote into a storage of its own")
        // a data set that owns its storage appends in place: an element's value
        // does not move when another is set (Scripts/FixtureGenerator's
        // de-identifier reads elements taken before its changes)
        // (no reference to the storage is kept here: it would make it shared)
        let before = ds[.sopInstanceUID]!.valueStart
        XCTAssertNotEqual(before, 0, "not the first value written")
        ds.set(keyword: "Modality", "CT")
        ds.set(keyword: "StudyDescription", "x")
        XCTAssertEqual(ds[.sopInstanceUID]!.valueStart, before, "a storage owned by one data set is appended to, not copied")
        XCTAssertThrowsError(try ds.setParsing(keyword: "NoSuchKeyword", "1"))
        XCTAssertThrowsError(try ds.setParsing(keyword: "Rows", "abc"))
        // private blocks
        let t = ds.privateTag(group: 0x0029, creator: "SIEMENS CSA HEADER", elementByte: 0x10)
        XCTAssertEqual(t, Tag(0x0029, 0x1010))
        XCTAssertEqual(ds.privateTag(group: 0x0029, creator: "OTHER", elementByte: 0x01), Tag(0x0029, 0x1101))
    }

    func testMetaAndPreamble() throws {
        var ds = DataSet()
        ds.set(keyword: "SOPClassUID", "1.2.840.10008.5.1.4.1.1.4")
        ds.set(keyword: "SOPInstanceUID", "1.2.3.4.5")
        let bytes = try DicomWriter.write(dataSet: ds, transferSyntax: .implicitVRLittleEndian)
        XCTAssertEqual(Array(bytes[128..<132]), Array("DICM".utf8))
        let f = try readBack(bytes)
        XCTAssertTrue(f.hasPreamble)
        XCTAssertEqual(f.anomalies.map(\.description), [])
        XCTAssertEqual(f.meta.string(.mediaStorageSOPClassUID), "1.2.840.10008.5.1.4.1.1.4")
        XCTAssertEqual(f.meta.string(.mediaStorageSOPInstanceUID), "1.2.3.4.5")
        XCTAssertEqual(f.meta.string(.transferSyntaxUID), "1.2.840.10008.1.2")
        XCTAssertEqual(f.meta.string(Tag(0x0002, 0x0013)), "DCMAUDIT_0.1")
        XCTAssertEqual(f.meta.valueBytes(f.meta[Tag(0x0002, 0x0001)]!), [0, 1])
        let raw = try DicomWriter.writeRaw(ds, transferSyntax: .explicitVRBigEndian)
        let r = try readBack(raw)
        XCTAssertEqual(r.transferSyntax.isBigEndian, true)
        XCTAssertEqual(r.dataSet.string(.sopInstanceUID), "1.2.3.4.5")
    }

    /// PS3.5 §6.2.2: a value over 64 KiB in a 16-bit-length VR becomes UN in
    /// explicit VR; the reader types it back with the dictionary's VR (Note 2).
    func testLongValueBecomesUN() throws {
        var ds = DataSet()
        let tag = Tag(0x0028, 0x3006)  // LUTData, US or OW: use US with many values
        ds.set(tag, .US, Array(repeating: 7, count: 40000))
        let bytes = try DicomWriter.write(dataSet: ds, transferSyntax: .explicitVRLittleEndian)
        let f = try readBack(bytes)
        let e = try XCTUnwrap(f.dataSet[tag])
        XCTAssertEqual(e.fileVR, .UN)
        XCTAssertEqual(e.vr, .US)
        XCTAssertEqual(e.valueLength, 80000)
        XCTAssertEqual(f.dataSet.integers(e)?.count, 40000)
        XCTAssertEqual(f.dataSet.integers(e)?.first, 7)
        // written again as UN
        XCTAssertEqual(try DicomWriter.write(f), bytes)
    }

    func testUnloadedPixelDataIsAnError() throws {
        var ds = DataSet()
        ds.set(keyword: "SOPInstanceUID", "1.2")
        ds.setRaw(.pixelData, .OW, [UInt8](repeating: 1, count: 64))
        let bytes = try DicomWriter.write(dataSet: ds)
        let f = try DicomReader.read(bytes: bytes)  // stops before pixel data
        XCTAssertThrowsError(try DicomWriter.write(f)) { XCTAssertEqual($0 as? WriteError, .valueNotLoaded(tag: .pixelData)) }
        var o = WriteOptions(); o.omitUnloadedValues = true
        XCTAssertNoThrow(try DicomWriter.write(f, options: o))
        let g = try readBack(bytes)
        let again = try readBack(try DicomWriter.write(g, transferSyntax: .explicitVRBigEndian))
        XCTAssertEqual(again.dataSet.integers(.pixelData), Array(repeating: 0x0101, count: 32))
    }

    /// read-write-read on every fixture that reads without anomalies.
    func testFixturesReadWriteRead() throws {
        let root = URLlessPath.packageRoot() + "/Fixtures/demo"
        let files = URLlessPath.files(under: root).filter { $0.hasSuffix(".dcm") }
        try XCTSkipIf(files.isEmpty, "no fixtures yet")
        var opts = ReadOptions(); opts.stopBeforePixelData = false
        for path in files {
            let a = try DicomReader.read(path: path, options: opts)
            let bytes = try DicomWriter.write(a)
            let b = try DicomReader.read(bytes: bytes, options: opts)
            XCTAssertEqual(differences(a.dataSet, b.dataSet, implicitRead: false), [], path)
            XCTAssertEqual(b.transferSyntax.uid, a.transferSyntax.uid, path)
        }
    }
}

/// Paths without Foundation.
enum URLlessPath {
    static func packageRoot(_ file: String = #filePath) -> String {
        var parts = file.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/DcmDataTests/RoundTripTests.swift
        return parts.joined(separator: "/")
    }

    static func files(under dir: String) -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var out: [String] = []
        while let ent = readdir(d) {
            let name = withUnsafeBytes(of: ent.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            let p = dir + "/" + name
            if ent.pointee.d_type == DT_DIR { out += files(under: p) } else { out.append(p) }
        }
        return out.sorted()
    }
}
