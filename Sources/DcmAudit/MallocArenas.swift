#if canImport(Glibc)
import Glibc
import CMalloc
#endif

/// Address space under `ulimit -v` (RLIMIT_AS: SGE's `h_vmem`, some batch
/// systems' per-job limits).
///
/// glibc gives each thread that allocates its own malloc arena, and a new
/// arena reserves 64 MiB of address space (128 MiB while it aligns it) before
/// it holds a byte: a second thread raised the peak virtual size of a `check`
/// with every pack from 110 MB to 240 MB (VmPeak, 2,000 files). Under a limit
/// between the two, `--jobs 1` ran and `--jobs 2` died in malloc (a Swift
/// allocation failure is a crash, not an error to report). When an
/// address-space limit is set, the process keeps to one arena (`M_ARENA_MAX`
/// = 1, before any worker thread starts): the threads then share the main
/// arena — each keeps its per-thread cache of small blocks (tcache), so the
/// cost is lock traffic on the larger allocations (~15–20% more wall time
/// with two threads on a run with many findings, measured), paid only by runs
/// under a limit. Without a limit nothing changes.
enum MallocArenas {
    /// Whether the arenas were limited (the limit was found on first call).
    static let limitedForAddressSpace: Bool = {
        #if canImport(Glibc)
        var r = rlimit()
        guard getrlimit(RLIMIT_AS_VALUE, &r) == 0, r.rlim_cur != rlim_t.max else { return false }
        return mallopt(M_ARENA_MAX, 1) == 1
        #else
        return false
        #endif
    }()

    #if canImport(Glibc)
    /// `RLIMIT_AS` (an enum case in Glibc's Swift overlay, its raw value here).
    private static var RLIMIT_AS_VALUE: __rlimit_resource_t { __rlimit_resource_t(RLIMIT_AS.rawValue) }
    #endif
}
