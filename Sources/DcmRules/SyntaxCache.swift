import Foundation

/// A cache of parsed pack files, keyed by their content, so that a `check`
/// with the large built-in packs does not run the YAML parser every time
/// (Yams composing the generated `dicom.values` and `dicom.deid-basic` was a
/// third of a one-file `check`, docs/benchmarks.md).
///
/// The entry of a file is its `SyntaxNode` tree in a small binary form, named
/// by two 64-bit hashes of the text and its length: an edited pack has
/// another name, so an entry is never stale. Only files of at least
/// `minimumSize` bytes are cached (small packs parse in well under a
/// millisecond); YAML errors are never cached (the file is parsed again and
/// reports them). Any problem with the cache — unreadable, corrupt, not
/// writable — falls back to parsing: the cache can only make loading faster.
///
/// Location: `$DCMAUDIT_CACHE` when set (`off` disables the cache), else
/// `$XDG_CACHE_HOME/dcmaudit`, else `~/.cache/dcmaudit`.
enum SyntaxCache {
    static let magic: [UInt8] = Array("DCMSYN01".utf8)
    static let minimumSize = 4 * 1024
    /// Tests point the cache elsewhere (or turn it off) with this.
    nonisolated(unsafe) static var directoryOverride: String?? = nil

    static var directory: String? {
        if let o = directoryOverride { return o }
        let env = ProcessInfo.processInfo.environment
        if let d = env["DCMAUDIT_CACHE"], !d.isEmpty { return d == "off" ? nil : d }
        if let x = env["XDG_CACHE_HOME"], x.hasPrefix("/") { return x + "/dcmaudit" }
        if let h = env["HOME"], !h.isEmpty { return h + "/.cache/dcmaudit" }
        return nil
    }

    /// `SyntaxNode.parse(text, file:)`, through the cache.
    static func parse(_ text: String, file: String) throws -> SyntaxNode {
        let size = text.utf8.count
        guard size >= minimumSize, let dir = directory else { return try SyntaxNode.parse(text, file: file) }
        let path = dir + "/syntax-" + key(text) + ".bin"
        if let data = FileManager.default.contents(atPath: path), let node = decode([UInt8](data), file: file, textSize: size) {
            return node
        }
        let node = try SyntaxNode.parse(text, file: file)
        store(encode(node, textSize: size), at: path, in: dir)
        return node
    }

    /// Two FNV-1a 64-bit hashes (different offset bases) and the length, in hex.
    static func key(_ text: String) -> String {
        var a: UInt64 = 0xcbf29ce484222325, b: UInt64 = 0x84222325cbf29ce4
        var n = 0
        for c in text.utf8 {
            a = (a ^ UInt64(c)) &* 0x100000001b3
            b = (b ^ UInt64(c)) &* 0x100000001b3 &+ 0x9E3779B97F4A7C15
            n += 1
        }
        return String(a, radix: 16) + "-" + String(b, radix: 16) + "-" + String(n)
    }

    static func store(_ bytes: [UInt8], at path: String, in dir: String) {
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            // write aside and rename: a concurrent reader never sees half a file
            let tmp = path + ".\(ProcessInfo.processInfo.processIdentifier).tmp"
            guard fm.createFile(atPath: tmp, contents: Data(bytes)) else { return }
            if rename(tmp, path) != 0 { try? fm.removeItem(atPath: tmp) }
        } catch {}
    }

    // MARK: encoding

    static func encode(_ root: SyntaxNode, textSize: Int) -> [UInt8] {
        var o = magic
        o.reserveCapacity(textSize * 2)
        put64(&o, UInt64(textSize))
        func node(_ n: SyntaxNode) {
            switch n {
            case .scalar(let s, let l, let q):
                o.append(q ? 1 : 0); loc(l); string(s)
            case .mapping(let entries, let l):
                o.append(2); loc(l); put32(&o, UInt32(entries.count))
                for (k, kl, v) in entries { string(k); loc(kl); node(v) }
            case .sequence(let items, let l):
                o.append(3); loc(l); put32(&o, UInt32(items.count))
                for i in items { node(i) }
            }
        }
        func loc(_ l: SourceLocation) { put32(&o, UInt32(clamping: l.line)); put32(&o, UInt32(clamping: l.column)) }
        func string(_ s: String) { put32(&o, UInt32(s.utf8.count)); o.append(contentsOf: s.utf8) }
        node(root)
        return o
    }

    static func put32(_ o: inout [UInt8], _ v: UInt32) { for i in 0..<4 { o.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
    static func put64(_ o: inout [UInt8], _ v: UInt64) { for i in 0..<8 { o.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }

    /// The tree of an entry, or `nil` when the entry is not one this version
    /// wrote for a text of `textSize` bytes (or is cut short anywhere).
    static func decode(_ b: [UInt8], file: String, textSize: Int) -> SyntaxNode? {
        var p = 0
        func u32() -> UInt32? {
            guard p + 4 <= b.count else { return nil }
            let v = UInt32(b[p]) | UInt32(b[p + 1]) << 8 | UInt32(b[p + 2]) << 16 | UInt32(b[p + 3]) << 24
            p += 4; return v
        }
        guard b.count >= magic.count + 8, Array(b[0..<magic.count]) == magic else { return nil }
        p = magic.count
        var size: UInt64 = 0
        for i in 0..<8 { size |= UInt64(b[p + i]) << (8 * i) }
        p += 8
        guard size == UInt64(textSize) else { return nil }
        func loc() -> SourceLocation? {
            guard let l = u32(), let c = u32() else { return nil }
            return SourceLocation(file: file, line: Int(l), column: Int(c))
        }
        func string() -> String? {
            guard let n = u32().map(Int.init), p + n <= b.count else { return nil }
            defer { p += n }
            return b.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[p..<(p + n)]), as: UTF8.self) }
        }
        func node(_ depth: Int) -> SyntaxNode? {
            guard depth < 512, p < b.count else { return nil }
            let kind = b[p]; p += 1
            guard let l = loc() else { return nil }
            switch kind {
            case 0, 1:
                guard let s = string() else { return nil }
                return .scalar(s, l, quoted: kind == 1)
            case 2:
                guard let n = u32(), Int(n) <= b.count - p else { return nil }
                var entries: [(key: String, keyLocation: SourceLocation, value: SyntaxNode)] = []
                entries.reserveCapacity(Int(n))
                for _ in 0..<n {
                    guard let k = string(), let kl = loc(), let v = node(depth + 1) else { return nil }
                    entries.append((k, kl, v))
                }
                return .mapping(entries, l)
            case 3:
                guard let n = u32(), Int(n) <= b.count - p else { return nil }
                var items: [SyntaxNode] = []
                items.reserveCapacity(Int(n))
                for _ in 0..<n {
                    guard let v = node(depth + 1) else { return nil }
                    items.append(v)
                }
                return .sequence(items, l)
            default:
                return nil
            }
        }
        guard let root = node(0), p == b.count else { return nil }
        return root
    }
}
