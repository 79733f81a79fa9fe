#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DcmData
import DcmDictionary

/// SplitMix64: seeded and stable across platforms and Swift versions (the
/// standard library's generator is neither), so fixtures are reproducible.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
    /// Uniform in `r` without the standard library's (version-dependent) algorithms.
    mutating func int(_ r: ClosedRange<Int>) -> Int {
        let span = UInt64(r.upperBound - r.lowerBound) &+ 1
        return r.lowerBound + Int(span == 0 ? next() : next() % span)
    }
    mutating func double(_ lo: Double, _ hi: Double) -> Double {
        lo + (hi - lo) * Double(next() >> 11) / Double(1 << 53)
    }
    mutating func chance(_ p: Double) -> Bool { double(0, 1) < p }
    mutating func pick<T>(_ a: [T]) -> T { a[int(0...a.count - 1)] }
}

/// UIDs under a fixed root. `1.2.826.0.1.3680043.10.1561` is a PLACEHOLDER
/// root (the same one DicomWriter uses for its Implementation Class UID);
/// these UIDs are for synthetic test data only.
enum UIDs {
    static let root = "1.2.826.0.1.3680043.10.1561.9"
    static func make(_ seed: UInt64, _ parts: Int...) -> String {
        root + ".\(seed)." + parts.map(String.init).joined(separator: ".")
    }
    static let ctImage = "1.2.840.10008.5.1.4.1.1.2"
    static let mrImage = "1.2.840.10008.5.1.4.1.1.4"
    static let usImage = "1.2.840.10008.5.1.4.1.1.6.1"
}

// MARK: Files and directories

func eprint(_ s: String) {
    var s = s
    s.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

func mkdirs(_ path: String) {
    var cur = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
        cur += "/" + part
        _ = mkdir(cur, 0o755)
    }
}

func writeFile(_ path: String, _ bytes: [UInt8]) {
    do { try DicomWriter.save(bytes, to: path) } catch {
        eprint("dcmaudit-fixtures: \(error)\n")
        exit(1)
    }
}

func writeText(_ path: String, _ text: String) { writeFile(path, Array(text.utf8)) }

func encode(meta: DataSet? = nil, _ ds: DataSet, _ ts: TransferSyntax, _ options: WriteOptions = .default) -> [UInt8] {
    do { return try DicomWriter.write(meta: meta, dataSet: ds, transferSyntax: ts, options: options) } catch {
        eprint("dcmaudit-fixtures: \(error)\n")
        exit(1)
    }
}

func encodeRaw(_ ds: DataSet, _ ts: TransferSyntax, _ options: WriteOptions = .default) -> [UInt8] {
    do { return try DicomWriter.writeRaw(ds, transferSyntax: ts, options: options) } catch {
        eprint("dcmaudit-fixtures: \(error)\n")
        exit(1)
    }
}

// MARK: Values

func ds(_ d: Double, _ decimals: Int = 4) -> String {
    var s = String(format: d, decimals: decimals)
    if s.contains(".") {
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
    }
    if s == "-0" { s = "0" }
    return s
}

extension String {
    /// Fixed-point formatting without Foundation.
    init(format d: Double, decimals: Int) {
        var buf = [CChar](repeating: 0, count: 64)
        _ = withVaList([d]) { vsnprintf(&buf, 64, "%.\(decimals)f", $0) }
        self = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

// MARK: Private elements

extension DataSet {
    /// Sets `(group, "creator", byte)` with the VR the private dictionary
    /// gives (so implicit VR readers agree), or `fallback`.
    mutating func setPrivate(_ group: UInt16, _ creator: String, _ byte: UInt8, _ value: String, vr fallback: VR = .LO) {
        let tag = privateTag(group: group, creator: creator, elementByte: byte)
        let vr = PrivateDictionary.entry(creator: creator, group: group, elementByte: byte).flatMap { DataSet.defaultVR($0.vrs) } ?? fallback
        set(tag, vr, value)
    }

    mutating func setPrivateBytes(_ group: UInt16, _ creator: String, _ byte: UInt8, _ bytes: [UInt8], vr: VR = .OB) {
        let tag = privateTag(group: group, creator: creator, elementByte: byte)
        setRaw(tag, vr, bytes)
    }

    /// Fills a creator's block with plausible values for up to `limit` of the
    /// elements the private dictionary lists for it (a vendor-like block).
    mutating func fillPrivateBlock(_ group: UInt16, _ creator: String, limit: Int, rng: inout SplitMix) {
        let entries = privateEntries(group, creator)
        var n = 0
        for e in entries where n < limit {
            guard let vr = DataSet.defaultVR(e.vrs), vr != .SQ, vr != .UN else { continue }
            let vm = max(1, Int(e.vm.split(separator: "-").first ?? "1") ?? 1)
            let tag = privateTag(group: group, creator: creator, elementByte: e.elementByte)
            switch vr {
            case .OB, .OW: setRaw(tag, vr, (0..<16).map { _ in UInt8(rng.int(0...255)) })
            case .OF, .OD: set(tag, vr, (0..<4).map { Double($0) * 0.5 })
            case .OL, .OV: set(tag, vr, (0..<4).map { $0 * 3 })
            case .US, .UL, .SS, .SL, .UV, .SV: set(tag, vr, (0..<vm).map { _ in rng.int(0...300) })
            case .FL, .FD: set(tag, vr, (0..<vm).map { _ in ds(rng.double(-100, 100), 3) }.map { Double($0)! })
            case .DS: set(tag, vr, (0..<vm).map { _ in ds(rng.double(0, 500), 3) })
            case .IS: set(tag, vr, (0..<vm).map { _ in "\(rng.int(0...2000))" })
            case .UI: set(tag, vr, UIDs.make(7, Int(group), Int(e.elementByte), rng.int(1...99999)))
            case .DA: set(tag, vr, "20240\(rng.int(1...9))1\(rng.int(0...9))")
            case .TM: set(tag, vr, "\(two(rng.int(7...18)))\(two(rng.int(0...59)))00")
            case .AT: setTags(tag, [Tag(0x0018, 0x0050)])
            case .CS: set(tag, vr, rng.pick(["YES", "NO", "ORIGINAL", "AXIAL", "NONE"]))
            default: set(tag, vr, (0..<min(vm, 3)).map { _ in rng.pick(["AUTO", "v3.2", "PROTO_A", "SCAN 1", "HEAD", "1.0"]) })
            }
            n += 1
        }
    }
}

/// A creator's per-block entries in one group, cached (the full list has ~10,000 entries).
nonisolated(unsafe) var privateEntryCache: [String: [PrivateDictionaryEntry]] = [:]
func privateEntries(_ group: UInt16, _ creator: String) -> [PrivateDictionaryEntry] {
    let key = "\(group)/\(creator)"
    if let c = privateEntryCache[key] { return c }
    let list = PrivateDictionary.allEntries.filter {
        $0.creator == creator && $0.groupMask == 0xFFFF && $0.group == group && $0.block == nil && !$0.coversWholeBlock
    }
    privateEntryCache[key] = list
    return list
}

// MARK: Siemens CSA2

/// One CSA2 tag: name, VR, syngo data type, and its item strings.
struct CSATag {
    var name: String
    var vr: String
    var vm: Int
    var syngoDT: Int32
    var items: [String]
}

/// A Siemens CSA2 header ("SV10"): magic, 4 unused bytes, uint32 tag count,
/// uint32 77; per tag: name[64], vm int32, vr[4], syngodt int32, nitems int32,
/// 77; per item: 4 int32 (the length in the first two and the fourth, 77 in
/// the third), then the data (NUL-terminated text) padded to 4 bytes.
func csa2(_ tags: [CSATag]) -> [UInt8] {
    var b: [UInt8] = Array("SV10".utf8) + [0x04, 0x03, 0x02, 0x01]
    func i32(_ v: Int32) { withUnsafeBytes(of: v.littleEndian) { b.append(contentsOf: $0) } }
    i32(Int32(tags.count)); i32(77)
    for t in tags {
        var name = Array(t.name.utf8.prefix(63))
        name += [UInt8](repeating: 0, count: 64 - name.count)
        b += name
        i32(Int32(t.vm))
        var vr = Array(t.vr.utf8.prefix(3)); vr += [UInt8](repeating: 0, count: 4 - vr.count)
        b += vr
        i32(t.syngoDT); i32(Int32(t.items.count)); i32(77)
        for item in t.items {
            let data = Array(item.utf8) + [0]
            let len = Int32(data.count)
            i32(len); i32(len); i32(77); i32(len)
            b += data
            while b.count % 4 != 0 { b.append(0) }
        }
    }
    return b
}

// MARK: Pixel data

/// A small deterministic image: a gradient with a bright disc, as 16-bit
/// (or 8-bit, or 8-bit RGB) little endian samples.
func pixels(rows: Int, cols: Int, bits: Int, samples: Int = 1, phase: Int = 0, offset: Int = 0) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: rows * cols * samples * (bits / 8))
    let cr = rows / 2, cc = cols / 2, r2 = (rows / 3) * (rows / 3)
    var i = 0
    for r in 0..<rows {
        for c in 0..<cols {
            let dr = r - cr, dc = c - cc + (phase % 7) - 3
            var v = (r * 7 + c * 3 + phase * 11) % 400 + offset
            if dr * dr + dc * dc < r2 { v += 600 }
            for s in 0..<samples {
                if bits == 16 {
                    out[i] = UInt8(truncatingIfNeeded: v); out[i + 1] = UInt8(truncatingIfNeeded: v >> 8); i += 2
                } else {
                    out[i] = UInt8(truncatingIfNeeded: (v >> 2) + s * 40); i += 1
                }
            }
        }
    }
    return out
}
