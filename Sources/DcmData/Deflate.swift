import CZlib

/// Raw deflate (RFC 1951, no zlib header) as used by the Deflated Explicit VR
/// Little Endian transfer syntax (PS3.5 §A.5), via the system zlib.
enum Deflate {
    enum Result: Equatable { case ok, truncated, error(String), limitExceeded }

    /// Inflates `input`, handing output to `sink` in chunks, stopping at `limit` bytes.
    static func inflate(_ input: [UInt8], limit: Int, sink: ([UInt8]) -> Void) -> Result {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            return .error("inflateInit failed")
        }
        defer { inflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: 256 * 1024)
        var total = 0
        var input = input
        return input.withUnsafeMutableBufferPointer { inp -> Result in
            stream.next_in = inp.baseAddress
            stream.avail_in = uInt(inp.count)
            while true {
                let (rc, produced) = out.withUnsafeMutableBufferPointer { o -> (Int32, Int) in
                    stream.next_out = o.baseAddress
                    stream.avail_out = uInt(o.count)
                    let rc = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return (rc, o.count - Int(stream.avail_out))
                }
                if produced > 0 {
                    total += produced
                    if total > limit { return .limitExceeded }
                    sink(Array(out[0..<produced]))
                }
                if rc == Z_STREAM_END { return .ok }
                if rc == Z_BUF_ERROR || (rc == Z_OK && stream.avail_in == 0 && produced == 0) { return .truncated }
                if rc != Z_OK { return .error(stream.msg.map { String(cString: $0) } ?? "zlib error \(rc)") }
            }
        }
    }

    /// Raw deflate of `input` (used by the writer).
    static func deflate(_ input: [UInt8], level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return [] }
        defer { deflateEnd(&stream) }
        var input = input
        var result: [UInt8] = []
        var out = [UInt8](repeating: 0, count: 256 * 1024)
        input.withUnsafeMutableBufferPointer { inp in
            stream.next_in = inp.baseAddress
            stream.avail_in = uInt(inp.count)
            while true {
                let (rc, produced) = out.withUnsafeMutableBufferPointer { o -> (Int32, Int) in
                    stream.next_out = o.baseAddress
                    stream.avail_out = uInt(o.count)
                    let rc = CZlib.deflate(&stream, Z_FINISH)
                    return (rc, o.count - Int(stream.avail_out))
                }
                result.append(contentsOf: out[0..<produced])
                if rc == Z_STREAM_END || rc < 0 { break }
            }
        }
        return result
    }
}
