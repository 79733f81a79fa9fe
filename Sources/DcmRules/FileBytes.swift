#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The whole content of a regular file as bytes, read straight into the
/// array (one copy from the page cache). `FileManager.contents(atPath:)`
/// followed by `[UInt8](data)` copied a pack twice into fresh memory: the
/// 3 MB `dicom.iod` pack and its 2 MB syntax-cache entry were ~5% of a
/// one-file `check` (docs/benchmarks.md). nil when the file cannot be opened
/// or read, or is a directory (a pipe is read to its end).
func readFileBytes(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) != S_IFDIR else { return nil }
    var result: [UInt8] = []
    var size = max(Int(st.st_size), 0) + 1   // (+1: a file that grew meanwhile is read to its end)
    while true {
        var failed = false
        let chunk = [UInt8](unsafeUninitializedCapacity: size) { buf, initialized in
            initialized = 0
            while initialized < buf.count {
                let r = read(fd, buf.baseAddress! + initialized, buf.count - initialized)
                if r < 0 { if errno == EINTR { continue }; failed = true; break }
                if r == 0 { break }
                initialized += r
            }
        }
        if failed { return nil }
        if result.isEmpty { result = chunk } else { result += chunk }
        if chunk.count < size { return result }
        size *= 2   // (the file grew: read on)
    }
}
