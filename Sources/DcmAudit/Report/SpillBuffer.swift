#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The body of a report whose first line can only be written at the end (the
/// CSV report's `#` line holds the run's duration and counts): kept in
/// memory up to `limit` bytes, the rest moved to an unlinked temporary file,
/// then written after the head (`drain`), in order.
///
/// Kept whole in memory, a CSV report of every pack on 10,000 identified
/// files (190 MB) grew its buffer by doublings: copies and fresh pages were
/// two thirds of the run's time, and the memory grew with the number of
/// findings. When no temporary file can be made or written (a read-only or
/// full TMPDIR), the rest stays in memory: the report is the same.
struct SpillBuffer {
    var out = ByteOutput(capacity: 1 << 16)
    let limit: Int
    /// The temporary file (unlinked at once), -1 when none; `failed`: stop spilling.
    private var fd: Int32 = -1
    private var failed = false
    private(set) var spilled = 0

    init(limit: Int = 4 << 20) { self.limit = limit }

    /// Moves the buffered bytes to the file when they exceed `limit`.
    mutating func spillIfFull() {
        guard out.bytes.count >= limit, !failed else { return }
        if fd < 0 {
            let dir = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
            var template = Array((dir + "/dcmaudit-report-XXXXXX").utf8CString)
            fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else { failed = true; return }
            _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
        }
        var done = 0
        let n = out.bytes.count
        out.bytes.withUnsafeBytes { b in
            while done < n {
                let w = write(fd, b.baseAddress! + done, n - done)
                if w > 0 { done += w } else if w < 0 && errno == EINTR { continue } else { break }
            }
        }
        spilled += done
        if done < n { failed = true }   // (the unwritten rest stays in memory, after what the file holds)
        if done == n { out.bytes.removeAll(keepingCapacity: true) } else { out.bytes.removeFirst(done) }
    }

    /// The absolute offset of the next byte written to `out` (spilled bytes
    /// count: offsets taken before a spill stay valid).
    var count: Int { spilled + out.bytes.count }

    /// Gives every byte, the spilled ones then the buffered ones, to `body` in
    /// order, in pieces of at most 1 MiB; closes the file. `readFailed` is
    /// called where the spilled bytes stop when the file cannot be read back
    /// (the write succeeded: the machine's problem), before the buffered ones.
    mutating func drain(_ body: (UnsafeBufferPointer<UInt8>) -> Void, readFailed: () -> Void) {
        if fd >= 0 {
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            var offset = 0
            while offset < spilled {
                let want = min(chunk.count, spilled - offset)
                let r = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, want, off_t(offset)) }
                if r < 0 && errno == EINTR { continue }
                guard r > 0 else { readFailed(); break }
                chunk.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[0..<r])) }
                offset += r
            }
            close(fd)
            fd = -1
        }
        out.bytes.withUnsafeBufferPointer { body($0) }
        out.bytes.removeAll()
    }

    /// Writes the spilled bytes, then the buffered ones, to `sink`; closes the file.
    mutating func drain(into sink: ReportSink) {
        drain({ sink.write(Array($0)) }, readFailed: {
            // (said in the report rather than rows silently lost)
            sink.write(Array("\r\n# dcmaudit: the report's rows could not be read back from its temporary file\r\n".utf8))
        })
    }
}
