import Foundation
import DcmData

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
///
/// Lazily: `check` asks for the tree without the subtrees it may never need
/// (`parse(bytes:file:elide:)`, `ElidedSyntax`) — the values of the named
/// conditions and the rules' `check`, three quarters of `dicom.iod`'s nodes,
/// most for IODs the files are not. Each mapping and list is written with the
/// length of its children, so the decoder steps over those; the compiler
/// decodes one when it compiles it (`DeferredPredicate`) or renders its text.
/// The strings of the table are made on first use. A body hash in the header
/// makes a damaged entry fall back to parsing whole, before any of it is used.
public enum SyntaxCache {
    public static let minimumSize = 1024
    /// DCMSYN02: a mapping's or list's children prefixed with their length
    /// in bytes (so a subtree can be stepped over), and the body's hash.
    static let magic: [UInt8] = Array("DCMSYN02".utf8)

    /// Where a parsed tree goes once its pack compiled without error.
    public struct Entry { let hash: UInt64, length: Int, dir: String, path: String }

    /// A pack file that is not valid UTF-8.
    public struct NotUTF8: Error {}

    /// A pack's syntax tree: from the cache (`cached` true: the pack compiled
    /// cleanly before), or parsed, with the entry to `store` it under once it
    /// compiles (nil when the cache is not used). `elided`: the subtrees left
    /// out of a cached tree (`parse(bytes:file:elide:)`).
    public struct Parsed {
        public let root: SyntaxNode
        public let cached: Bool
        public let entry: Entry?
        public let elided: ElidedSyntax?
    }

    /// The syntax tree of a pack file's bytes: from the cache (`cached` true:
    /// the pack compiled cleanly before), or parsed, with the entry to `store`
    /// it under once it compiles (nil when the cache is not used). The bytes
    /// are made text (and validated as UTF-8) only when the cache does not
    /// have the pack — reading a 3 MB generated pack as a `String` was a tenth
    /// of a one-file `check`.
    public static func parse(bytes: [UInt8], file: String) throws -> (root: SyntaxNode, cached: Bool, entry: Entry?) {
        let p = try parse(bytes: bytes, file: file, elide: false)
        return (p.root, p.cached, p.entry)
    }

    /// `parse(bytes:file:)`; with `elide`, a tree from the cache comes
    /// without the values of its named conditions and its rules' `check`
    /// (`ElidedSyntax`: decoded when the compiler asks for one). Most of
    /// `dicom.iod`'s tree is those, and a run compiles the few of its files'
    /// IODs: decoding all of it was ~11% of a one-file `check`.
    public static func parse(bytes: [UInt8], file: String, elide: Bool) throws -> Parsed {
        // (a byte order mark is not part of the text, as String(contentsOfFile:) read it)
        let bytes = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        let env = ProcessInfo.processInfo.environment
        var entry: Entry? = nil
        if bytes.count >= minimumSize, env["DCMAUDIT_NO_CACHE"] == nil, let dir = directory(env) {
            let (hash, length) = bytes.withUnsafeBytes { fingerprint($0) }
            let path = dir + "/" + String(hash, radix: 16) + "-" + String(length) + ".syntax"
            if let data = readFileBytes(path), let source = CachedSyntax(data, hash: hash, length: length, file: file) {
                if elide, let (root, elided) = source.decodeEliding() { return Parsed(root: root, cached: true, entry: nil, elided: elided) }
                if !elide, let root = source.decodeWhole() { return Parsed(root: root, cached: true, entry: nil, elided: nil) }
            }
            entry = Entry(hash: hash, length: length, dir: dir, path: path)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw NotUTF8() }
        return Parsed(root: try SyntaxNode.parse(text, file: file), cached: false, entry: entry, elided: nil)
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
        w.node(root, depth: 0)
        // (a tree the reader would refuse is not written: a subtree stepped
        // over is decoded late, when a refusal could no longer fall back)
        guard w.depth < maximumDepth else { return }
        // header, string table, tree
        var out = Writer()
        out.bytes.append(contentsOf: magic)
        out.u64(hash); out.u64(UInt64(length)); out.u64(0)
        out.varint(w.strings.count)
        for s in w.strings { out.varint(s.utf8.count); out.bytes.append(contentsOf: s.utf8) }
        out.bytes.append(contentsOf: w.bytes)
        let body = bodyHash(out.bytes)
        for k in 0..<8 { out.bytes[24 + k] = UInt8(truncatingIfNeeded: body >> (8 * UInt64(k))) }
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
        /// The deepest node written (the root is at 0).
        var depth = 0
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
        mutating func node(_ n: SyntaxNode, depth d: Int) {
            depth = max(depth, d)
            switch n {
            case .scalar(let s, let l, let quoted):
                bytes.append(quoted ? 1 : 0); location(l); string(s)
            case .mapping(let entries, let l):
                bytes.append(2); location(l); varint(entries.count)
                let at = lengthPlaceholder()
                for (k, kl, v) in entries { string(k); location(kl); node(v, depth: d + 1) }
                patchLength(at)
            case .sequence(let items, let l):
                bytes.append(3); location(l); varint(items.count)
                let at = lengthPlaceholder()
                for i in items { node(i, depth: d + 1) }
                patchLength(at)
            }
        }
        /// Four bytes for the length of the children that follow.
        mutating func lengthPlaceholder() -> Int { bytes.append(contentsOf: [0, 0, 0, 0]); return bytes.count }
        mutating func patchLength(_ at: Int) {
            let n = bytes.count - at
            for k in 0..<4 { bytes[at - 4 + k] = UInt8(truncatingIfNeeded: n >> (8 * k)) }
        }
    }

    // MARK: reading

    /// Nodes at this depth or deeper are refused by the reader (a damaged
    /// entry must not overflow the stack) and never written.
    static let maximumDepth = 200

    /// Header: magic, the text's hash and length, the body's hash.
    static let headerSize = 32

    /// The tree, or nil when the entry is not this text's (or is damaged).
    static func decode(_ b: [UInt8], hash: UInt64, length: Int, file: String) -> SyntaxNode? {
        guard let source = CachedSyntax(b, hash: hash, length: length, file: file) else { return nil }
        return source.decodeWhole()
    }

    /// A 64-bit hash of an entry's body (the string table and the tree), so
    /// that a damaged entry is refused whole — a subtree decoded late
    /// (`CachedSyntax.node(at:)`) cannot fail.
    static func bodyHash(_ b: [UInt8]) -> UInt64 {
        b.withUnsafeBytes { buf -> UInt64 in
            var h: UInt64 = 0xcbf29ce484222325
            let n = buf.count
            var i = headerSize
            while i + 8 <= n {
                h = (h ^ buf.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x100000001b3
                h ^= h >> 29
                i += 8
            }
            while i < n { h = (h ^ UInt64(buf[i])) &* 0x100000001b3; i += 1 }
            return h
        }
    }
}

/// A syntax subtree: in hand, or still in a syntax cache entry, decoded when
/// asked for (`node`). The compiler takes the named conditions and the rules'
/// `check` of a cached pack this way (`ElidedSyntax`): a run decodes only
/// those its files' IODs compile (docs/architecture.md).
public enum SyntaxRef: @unchecked Sendable {
    case node(SyntaxNode)
    case cached(CachedSyntax, offset: Int)

    /// The subtree (decoded from the entry each time it is asked for: the
    /// callers keep what they make of it).
    public var node: SyntaxNode {
        switch self {
        case .node(let n): return n
        case .cached(let c, let o): return c.node(at: o)
        }
    }
}

/// The subtrees left out of a cached pack's tree (`SyntaxCache.parse(…,
/// elide: true)`), in the tree's order: the value of each entry of the
/// top-level `conditions` mapping, and the `check` of each rule (by its index
/// in the top-level `rules` list). In the tree each stands as an empty
/// scalar at the subtree's position: the compiler reads them from here
/// (`PackCompiler.elided`), never from the tree.
public struct ElidedSyntax: @unchecked Sendable {
    public internal(set) var conditions: [SyntaxRef] = []
    public internal(set) var ruleChecks: [SyntaxRef?] = []
    /// The value of the `i`th named condition.
    func condition(_ i: Int) -> SyntaxRef? { i < conditions.count ? conditions[i] : nil }
    /// The `check` of the rule at index `i` of `rules`.
    func ruleCheck(_ i: Int) -> SyntaxRef? { i < ruleChecks.count ? ruleChecks[i] : nil }
}

/// A syntax cache entry whose header and body hash were checked: decodes the
/// tree whole (`decodeWhole`), or without the subtrees a run may never need
/// (`decodeEliding`), those then one by one (`node(at:)`). Strings are made
/// from the table on first use (most of `dicom.iod`'s 20,000 are in the
/// subtrees a run does not decode). Thread-safe: worker threads compile
/// deferred conditions and render rule texts.
public final class CachedSyntax: @unchecked Sendable {
    let bytes: [UInt8]
    let file: String
    /// Where the string table's strings start and end in `bytes`.
    private var starts: [Int] = [], ends: [Int] = []
    /// The strings made so far (by index in the table).
    private var strings: [String?] = []
    /// Where the tree starts.
    private var treeStart = 0
    private let lock = Lock()

    /// nil when the entry is not for this text, or is damaged or truncated.
    init?(_ b: [UInt8], hash: UInt64, length: Int, file: String) {
        bytes = b; self.file = file
        let h = SyntaxCache.headerSize
        guard b.count > h, Array(b[0..<8]) == SyntaxCache.magic else { return nil }
        var r = SyntaxCache.Reader(b: b, file: file)
        guard r.u64(at: 8) == hash, r.u64(at: 16) == UInt64(length), r.u64(at: 24) == SyntaxCache.bodyHash(b) else { return nil }
        r.i = h
        guard let n = r.varint(), n < b.count else { return nil }
        starts.reserveCapacity(n); ends.reserveCapacity(n)
        for _ in 0..<n {
            guard let len = r.varint(), r.i + len <= b.count else { return nil }
            starts.append(r.i); ends.append(r.i + len)
            r.i += len
        }
        strings = Array(repeating: nil, count: n)
        treeStart = r.i
    }

    /// `body` with a reader at `offset` that makes strings from this table.
    private func reading<T>(at offset: Int, _ body: (inout SyntaxCache.Reader) -> T) -> T {
        lock.with {
            var r = SyntaxCache.Reader(b: bytes, file: file)
            r.i = offset
            r.starts = starts; r.ends = ends
            r.strings = strings; strings = []   // (moved: no copy on write)
            defer { strings = r.strings }
            return body(&r)
        }
    }

    /// The whole tree (nil if damaged).
    func decodeWhole() -> SyntaxNode? {
        reading(at: treeStart) { r in
            guard let root = r.node(depth: 0), r.i == r.b.count else { return nil }
            return root
        }
    }

    /// The tree without the subtrees of `ElidedSyntax` (nil if damaged).
    func decodeEliding() -> (SyntaxNode, ElidedSyntax)? {
        reading(at: treeStart) { r in
            var elided = ElidedSyntax()
            guard let root = r.packRoot(self, &elided), r.i == r.b.count else { return nil }
            return (root, elided)
        }
    }

    /// The subtree at `offset` (one `decodeEliding` left out).
    func node(at offset: Int) -> SyntaxNode {
        let n = reading(at: offset) { r in r.node(depth: 1) }
        // (the body's hash was checked and the subtree's extent read: only a
        // reader that disagrees with the writer could get here)
        guard let n else { fatalError("dcmaudit: syntax cache entry for \(file) unreadable at \(offset)") }
        return n
    }
}

extension SyntaxCache {
    struct Reader {
        let b: [UInt8]
        let file: String
        var i = 0
        var starts: [Int] = [], ends: [Int] = []
        var strings: [String?] = []
        init(b: [UInt8], file: String) { self.b = b; self.file = file }
        func u64(at o: Int) -> UInt64 {
            var v: UInt64 = 0
            for k in 0..<8 { v |= UInt64(b[o + k]) << (8 * UInt64(k)) }
            return v
        }
        @inline(__always) mutating func varint() -> Int? {
            // (most are one byte: line and column numbers, string indexes under 128)
            if i < b.count, b[i] < 0x80 { i += 1; return Int(b[i - 1]) }
            return longVarint()
        }
        mutating func longVarint() -> Int? {
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
        mutating func u32() -> Int? {
            guard i + 4 <= b.count else { return nil }
            let v = Int(b[i]) | Int(b[i + 1]) << 8 | Int(b[i + 2]) << 16 | Int(b[i + 3]) << 24
            i += 4
            return v
        }
        mutating func location() -> SourceLocation? {
            guard let l = varint(), let c = varint() else { return nil }
            return SourceLocation(file: file, line: l, column: c)
        }
        mutating func string() -> String? {
            guard let k = varint() else { return nil }
            return string(k)
        }
        /// The string at index `k` of the table (made on first use).
        mutating func string(_ k: Int) -> String? {
            guard k < strings.count else { return nil }
            if let s = strings[k] { return s }
            let s = String(decoding: b[starts[k]..<ends[k]], as: UTF8.self)
            strings[k] = s
            return s
        }
        /// The index of `s` in the string table, or -1.
        func index(of s: String) -> Int {
            let u = Array(s.utf8)
            for k in 0..<starts.count where ends[k] - starts[k] == u.count && b[starts[k]..<ends[k]].elementsEqual(u) { return k }
            return -1
        }

        /// The kind of the node at `i` (0/1 scalar, 2 mapping, 3 sequence).
        var kind: UInt8? { i < b.count ? b[i] : nil }

        /// A mapping's or sequence's count and the end of its children.
        mutating func children() -> (count: Int, end: Int)? {
            guard let n = varint(), n <= b.count, let len = u32(), i + len <= b.count else { return nil }
            return (n, i + len)
        }

        mutating func node(depth: Int) -> SyntaxNode? {
            guard depth < SyntaxCache.maximumDepth, i < b.count else { return nil }
            let kind = b[i]; i += 1
            guard let l = location() else { return nil }
            switch kind {
            case 0, 1:
                guard let s = string() else { return nil }
                return .scalar(s, l, quoted: kind == 1)
            case 2:
                guard let (n, end) = children() else { return nil }
                var entries: [(key: String, keyLocation: SourceLocation, value: SyntaxNode)] = []
                entries.reserveCapacity(n)
                for _ in 0..<n {
                    guard let k = string(), let kl = location(), let v = node(depth: depth + 1) else { return nil }
                    entries.append((k, kl, v))
                }
                guard i == end else { return nil }
                return .mapping(entries, l)
            case 3:
                guard let (n, end) = children() else { return nil }
                var items: [SyntaxNode] = []
                items.reserveCapacity(n)
                for _ in 0..<n {
                    guard let v = node(depth: depth + 1) else { return nil }
                    items.append(v)
                }
                guard i == end else { return nil }
                return .sequence(items, l)
            default: return nil
            }
        }

        /// Steps over the node at `i`, returning where it starts and the
        /// empty scalar that stands for it (at its position).
        mutating func skip(_ source: CachedSyntax) -> (SyntaxRef, SyntaxNode)? {
            let start = i
            guard i < b.count else { return nil }
            let kind = b[i]; i += 1
            guard let l = location() else { return nil }
            switch kind {
            case 0, 1: guard let k = varint(), k < strings.count else { return nil }
            case 2, 3: guard let (_, end) = children() else { return nil }; i = end
            default: return nil
            }
            return (.cached(source, offset: start), .scalar("", l, quoted: false))
        }

        /// A pack's root with the values of `conditions` and the rules'
        /// `check` stepped over (recorded in `elided`); anything else as `node`.
        mutating func packRoot(_ source: CachedSyntax, _ elided: inout ElidedSyntax) -> SyntaxNode? {
            guard kind == 2 else { return node(depth: 0) }
            i += 1
            guard let l = location(), let (n, end) = children() else { return nil }
            var entries: [(key: String, keyLocation: SourceLocation, value: SyntaxNode)] = []
            entries.reserveCapacity(n)
            for _ in 0..<n {
                guard let k = string(), let kl = location() else { return nil }
                let v: SyntaxNode?
                if k == "conditions" && kind == 2 { v = mapping { r, _ in r.skip(source).map { elided.conditions.append($0.0); return $0.1 } } }
                else if k == "rules" && kind == 3 { v = rules(source, &elided) }
                else { v = node(depth: 1) }
                guard let v else { return nil }
                entries.append((k, kl, v))
            }
            guard i == end else { return nil }
            return .mapping(entries, l)
        }

        /// The mapping at `i`, each entry's value read by `value` (given the
        /// index of the entry's key in the string table).
        mutating func mapping(value: (inout Reader, Int) -> SyntaxNode?) -> SyntaxNode? {
            i += 1
            guard let l = location(), let (n, end) = children() else { return nil }
            var entries: [(key: String, keyLocation: SourceLocation, value: SyntaxNode)] = []
            entries.reserveCapacity(n)
            for _ in 0..<n {
                guard let keyIndex = varint(), let k = string(keyIndex), let kl = location(), let v = value(&self, keyIndex) else { return nil }
                entries.append((k, kl, v))
            }
            guard i == end else { return nil }
            return .mapping(entries, l)
        }

        /// The `rules` list, each rule's `check` stepped over.
        mutating func rules(_ source: CachedSyntax, _ elided: inout ElidedSyntax) -> SyntaxNode? {
            i += 1
            guard let l = location(), let (n, end) = children() else { return nil }
            var items: [SyntaxNode] = []
            items.reserveCapacity(n)
            elided.ruleChecks = Array(repeating: nil, count: n)
            // (keys compared by their index in the string table, not as strings)
            let check = index(of: "check")
            for index in 0..<n {
                let item: SyntaxNode?
                if kind == 2 {
                    // (a key is never repeated: YAML refuses a duplicate key)
                    item = mapping { r, key in
                        guard key == check else { return r.node(depth: 3) }
                        return r.skip(source).map { elided.ruleChecks[index] = $0.0; return $0.1 }
                    }
                } else { item = node(depth: 2) }
                guard let item else { return nil }
                items.append(item)
            }
            guard i == end else { return nil }
            return .sequence(items, l)
        }
    }
}
