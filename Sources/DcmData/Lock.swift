#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutual-exclusion lock over a `pthread_mutex_t` kept on the heap (a mutex
/// must never move or be copied, which a Swift stored `pthread_mutex_t` or a
/// `&global` temporary could do). The one lock type of the package: the iconv
/// pool, the work counter and evaluator pool of parallel runs, and the rules'
/// lazily rendered texts and deferred conditions use it.
public final class Lock: @unchecked Sendable {
    private let m: UnsafeMutablePointer<pthread_mutex_t> = .allocate(capacity: 1)

    public init() {
        m.initialize(to: pthread_mutex_t())
        pthread_mutex_init(m, nil)
    }

    deinit {
        pthread_mutex_destroy(m)
        m.deinitialize(count: 1)
        m.deallocate()
    }

    /// Runs `body` holding the lock.
    @inline(__always) public func with<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(m)
        defer { pthread_mutex_unlock(m) }
        return try body()
    }
}
