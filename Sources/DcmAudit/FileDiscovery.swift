#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DcmData

/// Expands the paths a user gives into the files to read: files as given,
/// directories recursively in sorted order (so output order is stable), with
/// symbolic links to files followed and to directories not (no cycles);
/// a link whose target is missing is listed (reading it fails: unreadable).
/// Each file is listed once, where it is first reached: a file given twice,
/// or found both in a directory given and as a file given (`DIR DIR/f`,
/// `./f f`, a link to a file beside it), was read twice, and `check` then
/// reported it as a duplicate of itself (`dataset.unique-sop`: "also in"
/// the same file) and counted it twice. Files are told apart by device and
/// inode, as the system does.
public enum FileDiscovery {
    public struct Problem: Sendable { public let path: String; public let message: String }

    /// A file's identity: device and inode.
    struct FileID: Hashable { let dev: UInt64; let ino: UInt64 }

    ///
    /// `excluding`: files that are never listed — the run's own outputs
    /// (`check --report`, `--output`, `--write-baseline`; `learn -o`), which
    /// a folder being checked may hold: `check DIR --report junit:DIR/r.xml`
    /// read its own report, just emptied, and failed on it as an unreadable
    /// file. Told apart by device and inode too (those that exist).
    public static func expand(_ paths: [String], excluding: [String] = []) -> (files: [String], problems: [Problem]) {
        var files: [String] = []
        var problems: [Problem] = []
        var seen = Set<FileID>()
        for x in excluding where x != "-" {
            var st = stat()
            if OSPath.withCString(x, { stat($0, &st) }) == 0 && (st.st_mode & S_IFMT) == S_IFREG {
                seen.insert(FileID(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino)))
            }
        }
        for p in paths {
            var st = stat()
            guard OSPath.withCString(p, { stat($0, &st) }) == 0 else {
                problems.append(Problem(path: p, message: String(cString: strerror(errno))))
                continue
            }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                walk(p, into: &files, problems: &problems, seen: &seen)
            } else if seen.insert(FileID(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))).inserted {
                files.append(p)
            }
        }
        return (files, problems)
    }

    static func walk(_ dir: String, into files: inout [String], problems: inout [Problem], seen: inout Set<FileID>) {
        guard let d = OSPath.withCString(dir, { opendir($0) }) else {
            problems.append(Problem(path: dir, message: String(cString: strerror(errno))))
            return
        }
        let dfd = dirfd(d)
        var names: [(String, Bool, FileID?)] = []
        while let ent = readdir(d) {
            // as bytes: a name that is not UTF-8 still names its file (`OSPath`)
            let name = withUnsafeBytes(of: ent.pointee.d_name) { raw in
                OSPath.decode(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name == "." || name == ".." { continue }
            let full = dir.hasSuffix("/") ? dir + name : dir + "/" + name
            var isDir: Bool
            var id: FileID? = nil   // (not known: the file is listed)
            switch Int32(ent.pointee.d_type) {
            case Int32(DT_DIR): isDir = true
            case Int32(DT_REG):
                isDir = false
                // (readdir's d_ino is not always st_ino: overlay file systems)
                var st = stat()
                let ok = withUnsafeBytes(of: ent.pointee.d_name) { fstatat(dfd, $0.baseAddress!.assumingMemoryBound(to: CChar.self), &st, AT_SYMLINK_NOFOLLOW) } == 0
                if ok { id = FileID(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino)) }
            default:
                var st = stat()
                if OSPath.withCString(full, { stat($0, &st) }) != 0 {
                    // a link to nothing (a DataLad / git-annex file whose content
                    // is not fetched): listed, so that reading it says it cannot
                    // be opened, as for such a link given; it was skipped, and a
                    // folder of them was "no file to check: none found"
                    var link = stat()
                    if OSPath.withCString(full, { lstat($0, &link) }) == 0 && (link.st_mode & S_IFMT) == S_IFLNK { names.append((full, false, nil)) }
                    continue
                }
                isDir = (st.st_mode & S_IFMT) == S_IFDIR && Int32(ent.pointee.d_type) != Int32(DT_LNK)
                if (st.st_mode & S_IFMT) != S_IFREG && !isDir { continue }
                id = FileID(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))   // a link's target
            }
            names.append((full, isDir, id))
        }
        closedir(d)
        names.sort { $0.0 < $1.0 }
        for (full, isDir, id) in names {
            if isDir { walk(full, into: &files, problems: &problems, seen: &seen) }
            else if id.map({ seen.insert($0).inserted }) ?? true { files.append(full) }
        }
    }
}

/// `FileDiscovery.expand` of a command's paths on a thread of its own, so
/// that walking the directories overlaps the loading of the packs (`check`:
/// the pack loader keeps one core busy with `dicom.iod` after the smaller
/// packs are done; walking 10,000 files in 191 folders was ~14 ms).
/// `result()` waits for it. Without `threaded` (`--jobs 1`, one core, an
/// address-space limit) or when no thread can be started, `result()` walks
/// on the caller's thread. Dropping the object waits for the thread.
public final class BackgroundDiscovery: @unchecked Sendable {
    private final class Box: @unchecked Sendable { var found: (files: [String], problems: [FileDiscovery.Problem])? }
    private let paths: [String]
    private let excluding: [String]
    private let box = Box()
    private var thread: WorkerThread?

    /// `excluding`: as `FileDiscovery.expand`'s (they must exist before a
    /// threaded walk starts).
    public init(paths: [String], excluding: [String] = [], threaded: Bool) {
        self.paths = paths
        self.excluding = excluding
        if threaded {
            let box = box
            thread = WorkerThread.start { box.found = FileDiscovery.expand(paths, excluding: excluding) }
        }
    }

    /// The files and problems (found once).
    public func result() -> (files: [String], problems: [FileDiscovery.Problem]) {
        join()
        if let f = box.found { return f }
        let f = FileDiscovery.expand(paths, excluding: excluding)
        box.found = f
        return f
    }

    private func join() {
        thread?.join()
        thread = nil
    }

    deinit { join() }
}
