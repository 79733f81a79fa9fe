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

    static func search(_ h: UnsafeBufferPointer<UInt8>, _ n: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        if n.isEmpty { return start <= h.count ? start : nil }
        let last = h.count - n.count
        guard start >= 0, start <= last, let hb = h.baseAddress, let nb = n.baseAddress else { return nil }
        var i = start
        while i <= last {
            // (memchr for the first byte, memcmp for the rest: most texts hold no path)
            guard let hit = memchr(hb + i, Int32(nb[0]), last - i + 1) else { return nil }
            i = UnsafeRawPointer(hit) - UnsafeRawPointer(hb)
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
