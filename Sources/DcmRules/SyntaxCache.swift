import Foundation

/// A compiled cache of large packs' syntax trees, so that `check` does not
/// parse megabytes of YAML at every run (the generated `dicom.iod` pack is
/// 1.4 MB: Yams took ~200 ms of a 450 ms run, docs/packs.md).
///
/// The tree (`SyntaxNode`: scalars, mappings, sequences with their line and
/// column) is written in a compact binary form under the cache directory
/// (`$DCMAUDIT_CACHE`, else `$XDG_CACHE_HOME/dcmaudit`, else
/// `~/.cache/dcmaudit`), named by a 64-bit FNV-1a hash and the length of the
/// pack's text and of the dcmaudit executable's size and modification time,
/// so an edited pack (or a new dcmaudit) is never read from a stale entry.
/// The tree is written only after the pack **compiled without error**, so a
/// pack read from the cache is known to be valid and its named conditions can
/// be compiled on first use (`DeferredPredicate`); diagnostics carry the
/// same positions either way. Packs under `minimumSize` are parsed directly.
/// Any problem with the cache (unwritable directory, truncated or foreign
/// entry) falls back to parsing; `DCMAUDIT_NO_CACHE=1` turns it off. The
/// newest `keptEntries` entries are kept.
public enum SyntaxCache {
    public static let minimumSize = 1024
    static let magic: [UInt8] = Array("DCMSYN01".utf8)

    /// Where a parsed tree goes once its pack compiled without error.
    public struct Entry { let hash: UInt64, length: Int, dir: String, path: String }

    /// A pack file that is not valid UTF-8.
    public struct NotUTF8: Error {}

    /// The syntax tree of a pack file's bytes: from the cache (`cached` true:
    /// the pack compiled cleanly before), or parsed, with the entry to `store`
    /// it under once it compiles (nil when the cache is not used). The bytes
    /// are made text (and validated as UTF-8) only when the cache does not
    /// have the pack — reading a 3 MB generated pack as a `String` was a tenth
    /// of a one-file `check`.
    public static func parse(bytes: [UInt8], file: String) throws -> (root: SyntaxNode, cached: Bool, entry: Entry?) {
        // (a byte order mark is not part of the text, as String(contentsOfFile:) read it)
        let bytes = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        let env = ProcessInfo.processInfo.environment
        var entry: Entry? = nil
        if bytes.count >= minimumSize, env["DCMAUDIT_NO_CACHE"] == nil, let dir = directory(env) {
            let (hash, length) = bytes.withUnsafeBytes { fingerprint($0) }
            let path = dir + "/" + String(hash, radix: 16) + "-" + String(length) + ".syntax"
            if let data = readFileBytes(path), let root = decode(data, hash: hash, length: length, file: file) {
                return (root, true, nil)
            }
            entry = Entry(hash: hash, length: length, dir: dir, path: path)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw NotUTF8() }
        return (try SyntaxNode.parse(text, file: file), false, entry)
    }

    /// `parse(bytes:file:)` of a text.
    public static func parse(_ text: String, file: String) throws -> (root: SyntaxNode, cached: Bool, entry: Entry?) {
        try parse(bytes: Array(text.utf8), file: file)
    }

    /// Writes the tree of a pack that compiled without error.
    public static func store(_ root: SyntaxNode, _ e: Entry) {
        store(root, hash: e.hash, length: e.length, dir: e.dir, path: e.path)
    }

    static func directory(_ env: [String: String]) -> String? {
        if let d = env["DCMAUDIT_CACHE"], !d.isEmpty { return d }
        if let x = env["XDG_CACHE_HOME"], !x.isEmpty { return x + "/dcmaudit" }
        if let h = env["HOME"], !h.isEmpty { return h + "/.cache/dcmaudit" }
        return nil
    }

    /// A 64-bit hash of the bytes (8 at a time: FNV-1a-like multiply and
    /// xor-shift; byte by byte was 4 ms of a 3 MB pack) and the executable,
    /// and the length.
    static func fingerprint(_ buf: UnsafeRawBufferPointer) -> (UInt64, Int) {
        var h: UInt64 = 0xcbf29ce484222325
        let n = buf.count
        var i = 0
        while i + 8 <= n {
            h = (h ^ buf.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x100000001b3
            h ^= h >> 29
            i += 8
        }
        while i < n { h = (h ^ UInt64(buf[i])) &* 0x100000001b3; i += 1 }
        // the executable that compiled it (a new dcmaudit may judge a pack differently)
        for b in executableIdentity.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return (h, n)
    }

    static let executableIdentity: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first ?? ""
        guard let a = try? FileManager.default.attributesOfItem(atPath: exe) else { return exe }
        let size = (a[.size] as? NSNumber)?.int64Value ?? 0
        let mtime = (a[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(exe)|\(size)|\(mtime)"
    }()

    // MARK: writing

    static func store(_ root: SyntaxNode, hash: UInt64, length: Int, dir: String, path: String) {
        var w = Writer()
        w.bytes.append(contentsOf: magic)
        w.u64(hash); w.u64(UInt64(length))
        w.node(root)
        var out = Writer()
        out.bytes = Array(w.bytes[0..<24])
        out.varint(w.strings.count)
        for s in w.strings { out.varint(s.utf8.count); out.bytes.append(contentsOf: s.utf8) }
        out.bytes.append(contentsOf: w.bytes[24...])
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            // write then rename: a concurrent reader never sees half a file
            let tmp = path + ".\(ProcessInfo.processInfo.processIdentifier).tmp"
            try Data(out.bytes).write(to: URL(fileURLWithPath: tmp))
            if rename(tmp, path) != 0 { try? FileManager.default.removeItem(atPath: tmp) }
            prune(dir)
        } catch {}
    }

    /// At most `keptEntries` entries: every new dcmaudit build or edited pack
    /// adds one, so the oldest go (a removed entry is only parsed again).
    static let keptEntries = 64
    static func prune(_ dir: String) {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: dir) else { return }
        let entries = names.filter { $0.hasSuffix(".syntax") }.map { dir + "/" + $0 }
        guard entries.count > keptEntries else { return }
        let dated = entries.map { p in (p, ((try? fm.attributesOfItem(atPath: p))?[.modificationDate] as? Date) ?? .distantPast) }
        for (p, _) in dated.sorted(by: { $0.1 < $1.1 }).prefix(entries.count - keptEntries) { try? fm.removeItem(atPath: p) }
    }

    struct Writer {
        var bytes: [UInt8] = []
        var strings: [String] = []
        var index: [String: Int] = [:]
        mutating func u64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
        mutating func varint(_ v: Int) {
            var x = UInt64(v)
            while x >= 0x80 { bytes.append(UInt8(x & 0x7F) | 0x80); x >>= 7 }
            bytes.append(UInt8(x))
        }
        mutating func string(_ s: String) {
            if let i = index[s] { varint(i); return }
            index[s] = strings.count; varint(strings.count); strings.append(s)
        }
        mutating func location(_ l: SourceLocation) { varint(l.line); varint(l.column) }
        mutating func node(_ n: SyntaxNode) {
            switch n {
            case .scalar(let s, let l, let quoted):
                bytes.append(quoted ? 1 : 0); location(l); string(s)
            case .mapping(let entries, let l):
                bytes.append(2); location(l); varint(entries.count)
                for (k, kl, v) in entries { string(k); location(kl); node(v) }
            case .sequence(let items, let l):
                bytes.append(3); location(l); varint(items.count)
                for i in items { node(i) }
            }
        }
    }

    // MARK: reading

    /// The tree, or nil when the entry is not this text's (or is damaged).
    static func decode(_ b: [UInt8], hash: UInt64, length: Int, file: String) -> SyntaxNode? {
        var r = Reader(b: b, file: file)
        guard b.count > 24, Array(b[0..<8]) == magic, r.u64(at: 8) == hash, r.u64(at: 16) == UInt64(length) else { return nil }
        r.i = 24
        guard let n = r.varint(), n < b.count else { return nil }
        r.strings.reserveCapacity(n)
        for _ in 0..<n {
            guard let len = r.varint(), r.i + len <= b.count else { return nil }
            r.strings.append(String(decoding: b[r.i..<r.i + len], as: UTF8.self))
            r.i += len
        }
        guard let root = r.node(depth: 0), r.i == b.count else { return nil }
        return root
    }

    struct Reader {
        let b: [UInt8]
        let file: String
        var i = 0
        var strings: [String] = []
        init(b: [UInt8], file: String) { self.b = b; self.file = file }
        func u64(at o: Int) -> UInt64 {
            var v: UInt64 = 0
            for k in 0..<8 { v |= UInt64(b[o + k]) << (8 * UInt64(k)) }
            return v
        }
        mutating func varint() -> Int? {
            var v: UInt64 = 0, shift: UInt64 = 0
            while i < b.count {
                let x = b[i]; i += 1
                v |= UInt64(x & 0x7F) << shift
                if x < 0x80 { return v < UInt64(Int.max) ? Int(v) : nil }
                shift += 7
                if shift > 56 { return nil }
            }
            return nil
        }
        mutating func location() -> SourceLocation? {
            guard let l = varint(), let c = varint() else { return nil }
            return SourceLocation(file: file, line: l, column: c)
        }
        mutating func string() -> String? {
            guard let k = varint(), k < strings.count else { return nil }
            return strings[k]
        }
        mutating func node(depth: Int) -> SyntaxNode? {
            guard depth < 200, i < b.count else { return nil }
            let kind = b[i]; i += 1
            guard let l = location() else { return nil }
            switch kind {
            case 0, 1:
                guard let s = string() else { return nil }
                return .scalar(s, l, quoted: kind == 1)
            case 2:
                guard let n = varint(), n <= b.count else { return nil }
                var entries: [(key: String, keyLocation: SourceLocation, value: SyntaxNode)] = []
                entries.reserveCapacity(n)
                for _ in 0..<n {
                    guard let k = string(), let kl = location(), let v = node(depth: depth + 1) else { return nil }
                    entries.append((k, kl, v))
                }
                return .mapping(entries, l)
            case 3:
                guard let n = varint(), n <= b.count else { return nil }
                var items: [SyntaxNode] = []
                items.reserveCapacity(n)
                for _ in 0..<n {
                    guard let v = node(depth: depth + 1) else { return nil }
                    items.append(v)
                }
                return .sequence(items, l)
            default: return nil
            }
        }
    }
}
