// Byte-level substring search for the hot paths of the reporters.
//
// On Linux, `String.contains(_:)` and `range(of:)` with Foundation imported go
// through NSString (UTF-16 conversion, locale-aware search): a path-redaction
// pass over 280,000 findings spent a fifth of a `check` run there. Every
// caller here compares exact byte sequences (paths, attribute keywords), for
// which UTF-8 byte equality is string equality up to normalisation, which the
// reports never apply.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension String {
    /// Whether `needle` occurs in this string, compared as UTF-8 bytes.
    public func utf8Contains(_ needle: String) -> Bool { utf8FirstOffset(of: needle, from: 0) != nil }

    /// The UTF-8 offset of the first occurrence of `needle` at or after `start`.
    public func utf8FirstOffset(of needle: String, from start: Int) -> Int? {
        // (contiguous UTF-8 views borrowed: no copy or retain of either string)
        if let inner = utf8.withContiguousStorageIfAvailable({ h in
            needle.utf8.withContiguousStorageIfAvailable { n in Self.search(h, n, from: start) }
        }), let found = inner {
            return found
        }
        // bridged or non-contiguous strings (not made by this program's readers)
        return Self.search(Array(utf8), Array(needle.utf8), from: start)
    }

    /// The first occurrence at or after `start` of `n` in `h`: memchr for
    /// the needle's byte at `key`, memcmp for the whole (most texts hold no path).
    static func search(_ h: UnsafeBufferPointer<UInt8>, _ n: UnsafeBufferPointer<UInt8>, from start: Int, key: Int = 0) -> Int? {
        if n.isEmpty { return start <= h.count ? start : nil }
        let last = h.count - n.count
        guard start >= 0, start <= last, let hb = h.baseAddress, let nb = n.baseAddress else { return nil }
        let k = Int32(nb[key])
        var i = start
        while i <= last {
            guard let hit = memchr(hb + i + key, k, last - i + 1) else { return nil }
            i = UnsafeRawPointer(hit) - UnsafeRawPointer(hb) - key
            if memcmp(hb + i, nb, n.count) == 0 { return i }
            i += 1
        }
        return nil
    }

    static func search(_ h: [UInt8], _ n: [UInt8], from start: Int) -> Int? {
        h.withUnsafeBufferPointer { hp in n.withUnsafeBufferPointer { np in search(hp, np, from: start) } }
    }

    /// Every occurrence of `needle` replaced by `replacement` (UTF-8 bytes;
    /// left to right, not overlapping). Returns `self` when there is none.
    public func utf8Replacing(_ needle: String, with replacement: String) -> String {
        guard !needle.isEmpty, var at = utf8FirstOffset(of: needle, from: 0) else { return self }
        let bytes = Array(utf8), n = needle.utf8.count
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + replacement.utf8.count)
        var from = 0
        while true {
            out.append(contentsOf: bytes[from..<at])
            out.append(contentsOf: replacement.utf8)
            from = at + n
            guard let next = utf8FirstOffset(of: needle, from: from) else { break }
            at = next
        }
        out.append(contentsOf: bytes[from...])
        return String(decoding: out, as: UTF8.self)
    }
}

/// A needle searched in many texts — a file's path in every text of its
/// findings (`PathRedactor.findingsNaming`: ~35 findings per file with every
/// pack on identified data) —: its bytes, and the byte memchr looks for,
/// chosen once as the one least likely in a report's texts ("/" of a path
/// rather than the "c" of "c10k/…", which stopped memchr at every "c").
public struct UTF8Needle: Sendable {
    public let bytes: [UInt8]
    let key: Int
    /// Whether the needle holds a space (a match across a joint of " and " needs one).
    public let hasSpace: Bool

    public init(_ s: String) {
        bytes = Array(s.utf8)
        hasSpace = bytes.contains(0x20)
        func rank(_ b: UInt8) -> Int {
            switch b {
            case 0x2F: return 4                                   // the separator of a path
            case 0x61...0x7A, 0x20: return 0                      // lower-case words
            case 0x28, 0x29, 0x2C, 0x2E, 0x3A, 0x5B, 0x5D, 0x22: return 1   // ( ) , . : [ ] " of tags and lists
            case 0x30...0x39, 0x41...0x5A, 0x80...: return 2      // digits, capitals (keywords), non-ASCII
            default: return 3                                     // other punctuation
            }
        }
        var best = 0, bestRank = -1
        for (k, b) in bytes.enumerated() {
            let r = rank(b)
            if r > bestRank { best = k; bestRank = r; if r == 4 { break } }
        }
        key = best
    }

    /// Whether the needle occurs in `s` (UTF-8 bytes).
    public func occurs(in s: String) -> Bool {
        if let r = s.utf8.withContiguousStorageIfAvailable({ occurs(in: $0) }) { return r }
        return Array(s.utf8).withUnsafeBufferPointer { occurs(in: $0) }
    }

    /// Whether the needle occurs in `h`.
    public func occurs(in h: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.withUnsafeBufferPointer { String.search(h, $0, from: 0, key: key) != nil }
    }
}
