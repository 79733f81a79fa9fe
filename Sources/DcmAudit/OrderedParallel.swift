import Dispatch
import DcmData
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `work` over `count` inputs on `jobs` threads and hands the results to
/// `emit` in input order, holding at most one window of results in memory
/// (so memory does not grow with the number of files). `emit` runs on the
/// caller's thread, never at the same time as `work`.
///
/// `shouldStop` (e.g. after Ctrl-C) is asked before each file with one job and
/// before each window with several: the run ends early, and what was done has
/// been emitted.
public func orderedParallelMap<R>(count: Int, jobs: Int, window: Int = 512, shouldStop: () -> Bool = { false },
                                  work: @escaping @Sendable (Int) -> R, emit: (Int, R) -> Void) {
    let jobs = max(1, jobs)
    if jobs == 1 {
        for i in 0..<count {
            if shouldStop() { return }
            emit(i, work(i))
        }
        return
    }
    var start = 0
    let window = max(window, jobs * 8)
    while start < count && !shouldStop() {
        let n = min(window, count - start)
        let box = ResultBox<R>(n)
        let base = start
        let counter = SharedCounter(limit: n)
        DispatchQueue.concurrentPerform(iterations: jobs) { _ in
            while let i = counter.next() { box.set(i, work(base + i)) }
        }
        for i in 0..<n { emit(base + i, box.take(i)) }
        start += n
    }
}

/// Slots written by distinct threads at distinct indices, read after the barrier.
final class ResultBox<R>: @unchecked Sendable {
    private var slots: UnsafeMutablePointer<R?>
    private let n: Int
    init(_ n: Int) {
        self.n = n
        slots = .allocate(capacity: n)
        slots.initialize(repeating: nil, count: n)
    }
    deinit { slots.deinitialize(count: n); slots.deallocate() }
    func set(_ i: Int, _ v: R) { slots[i] = v }
    func take(_ i: Int) -> R { let v = slots[i]!; slots[i] = nil; return v }
}

/// A mutex-protected "next index" shared by the worker threads.
final class SharedCounter: @unchecked Sendable {
    private var value = 0
    private let limit: Int
    private let mutex = Lock()
    init(limit: Int) { self.limit = limit }
    func next() -> Int? {
        mutex.with { () -> Int? in
            guard value < limit else { return nil }
            value += 1
            return value - 1
        }
    }
}

/// Ctrl-C during `check`: the first SIGINT asks the run to stop after the
/// current window of files and still write its reports, marked incomplete;
/// a second one ends the process at once.
public enum Interrupt {
    private static let flag: UnsafeMutablePointer<Int32> = {
        let p = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        p.pointee = 0
        return p
    }()
    public static var requested: Bool { flag.pointee != 0 }

    /// Asks the run to stop as Ctrl-C does, or clears the request: for a
    /// program embedding the engine, and for tests.
    public static func setRequested(_ on: Bool) { flag.pointee = on ? 1 : 0 }

    /// Installs the SIGINT handler.
    public static func install() {
        interruptFlagPointer = flag
        signal(SIGINT) { _ in
            if let p = interruptFlagPointer {
                if p.pointee != 0 { _exit(130) }
                p.pointee = 1
            }
        }
    }
}

/// Read by the signal handler (a C function: no captures, no lazy globals).
nonisolated(unsafe) var interruptFlagPointer: UnsafeMutablePointer<Int32>? = nil
