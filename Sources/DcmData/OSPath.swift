#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File names as the operating system gives them, which are bytes, not
/// necessarily UTF-8 (an archive copied from an old Windows share: `M\xFCller.dcm`
/// in Latin-1). `String(cString:)` replaces such bytes with U+FFFD, and the
/// path made of it names no file: the file was found by the directory walk
/// and then reported as "No such file or directory".
///
/// A name is kept as a `String` that round-trips: each byte that is not part
/// of valid UTF-8 becomes the scalar U+10FF00 + byte (U+10FF80…U+10FFFF, the
/// last private-use code points of plane 16, which no file name uses), and
/// `withCString` turns those back into the bytes when the path is opened.
public enum OSPath {
    static let escapeBase: UInt32 = 0x10_FF00

    /// The name or path whose bytes are `bytes` (no terminating NUL).
    public static func decode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        let b = Array(bytes)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < b.count {
            let lead = b[i]
            let n = lead < 0x80 ? 1 : lead >= 0xC2 && lead <= 0xDF ? 2 : lead >= 0xE0 && lead <= 0xEF ? 3 : lead >= 0xF0 && lead <= 0xF4 ? 4 : 0
            if n > 0, i + n <= b.count, let s = String(validating: b[i..<(i + n)], as: UTF8.self) {
                out.append(contentsOf: s.unicodeScalars)
                i += n
            } else {
                out.append(Unicode.Scalar(escapeBase + UInt32(lead))!)
                i += 1
            }
        }
        return String(out)
    }

    /// A NUL-terminated C string from a pointer the system gave (`readdir`'s `d_name`).
    public static func decode(cString p: UnsafePointer<CChar>) -> String {
        decode(UnsafeRawBufferPointer(start: p, count: strlen(p)).bindMemory(to: UInt8.self))
    }

    /// Calls `body` with the path's bytes as the system knows them.
    public static func withCString<R>(_ path: String, _ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        // (every file's path goes through here: an escape, U+10FF80…U+10FFFF,
        // is F4 8F BE/BF xx in UTF-8, so a path without the byte F4 has none —
        // a byte scan, not a decoding of every scalar)
        guard path.utf8.contains(0xF4),
              path.unicodeScalars.contains(where: { $0.value >= escapeBase + 0x80 && $0.value <= escapeBase + 0xFF }) else {
            return try path.withCString(body)
        }
        var bytes: [CChar] = []
        for u in path.unicodeScalars {
            if u.value >= escapeBase + 0x80 && u.value <= escapeBase + 0xFF {
                bytes.append(CChar(bitPattern: UInt8(u.value - escapeBase)))
            } else {
                bytes += String(u).utf8.map { CChar(bitPattern: $0) }
            }
        }
        bytes.append(0)
        return try bytes.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }
}
