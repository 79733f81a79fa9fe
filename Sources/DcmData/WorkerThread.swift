#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A joinable POSIX thread running one closure.
///
/// Its stack is ``stackSize``: 8 MiB, the size of the main thread's stack
/// by default on Linux (`ulimit -s`), on which `--jobs 1` runs the same work —
/// so a file deep enough to need it (nested sequences, up to
/// `ReadOptions.maxSequenceDepth`) cannot fail with several jobs and pass with
/// one. It is address space reserved, not memory used: only the pages touched
/// are.
public struct WorkerThread: @unchecked Sendable {
    public static let stackSize = 8 << 20
    private let id: pthread_t

    /// Starts `body` on a new thread; nil when the system cannot (no crash:
    /// `pthread_create` fails with EAGAIN when, e.g., the stack cannot be
    /// mapped under an address-space limit).
    public static func start(_ body: @escaping @Sendable () -> Void) -> WorkerThread? {
        var attr = pthread_attr_t()
        guard pthread_attr_init(&attr) == 0 else { return nil }
        defer { pthread_attr_destroy(&attr) }
        _ = pthread_attr_setstacksize(&attr, stackSize)
        let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        #if canImport(Darwin)
        var id: pthread_t? = nil
        let rc = pthread_create(&id, &attr, { p in
            Unmanaged<ThreadBody>.fromOpaque(p).takeRetainedValue().body()
            return nil
        }, box)
        guard rc == 0, let id else {
            Unmanaged<ThreadBody>.fromOpaque(box).release()
            return nil
        }
        return WorkerThread(id: id)
        #else
        var id = pthread_t()
        let rc = pthread_create(&id, &attr, { p in
            Unmanaged<ThreadBody>.fromOpaque(p!).takeRetainedValue().body()
            return nil
        }, box)
        guard rc == 0 else {
            Unmanaged<ThreadBody>.fromOpaque(box).release()
            return nil
        }
        return WorkerThread(id: id)
        #endif
    }

    /// Waits for the thread to end.
    public func join() { _ = pthread_join(id, nil) }
}

private final class ThreadBody {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}

extension WorkerThread {
    /// Runs `body(0..<count)` on the caller's thread and up to `threads - 1`
    /// started ones, each taking the next index until none is left; returns
    /// when all are done. Threads that cannot be started leave their share
    /// to the others (with none, the caller does everything, in order).
    public static func forEach(count: Int, threads: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let next = Counter()
        let run: @Sendable () -> Void = {
            while let i = next.take(below: count) { body(i) }
        }
        var started: [WorkerThread] = []
        for _ in 0..<max(0, min(threads, count) - 1) {
            guard let t = start(run) else { break }
            started.append(t)
        }
        run()
        for t in started { t.join() }
    }

    private final class Counter: @unchecked Sendable {
        private let lock = Lock()
        private var value = 0
        func take(below n: Int) -> Int? {
            lock.with {
                guard value < n else { return nil }
                value += 1
                return value - 1
            }
        }
    }
}
