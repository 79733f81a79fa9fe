import DcmData
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `work` over `count` inputs on `jobs` threads and hands the results to
/// `emit` in input order, as soon as each next one is ready. `emit` runs on the
/// caller's thread, one call at a time, but (with `jobs` > 1) at the same time
/// as `work` runs on other inputs: whatever both closures touch must be safe
/// to share (docs/architecture.md, "DcmAudit: running many files").
///
/// Memory stays bounded: at most `max(window, 8 × jobs)` results wait for
/// `emit` (plus the one being emitted and one being computed per thread),
/// however many files there are and however slow `emit` is — a thread that
/// would run further ahead waits.
///
/// `shouldStop` (e.g. after Ctrl-C) is asked on the caller's thread before
/// each result is emitted: once it says yes nothing more is emitted, no new
/// input is taken, and the call returns when the inputs in progress are done.
/// What was emitted is always inputs `0..<k`, with any `jobs` the same `k` (a
/// result computed but not yet emitted is dropped).
///
/// With `jobs` > 1 the caller's thread and `min(jobs, count, cores) - 1`
/// threads started for this call do the work (``OrderedPipeline``). More
/// threads than cores would not read faster (the work is CPU-bound), and each
/// costs address space (its stack, a malloc arena), which is what runs under
/// `ulimit -v` lack — `concurrentPerform`, used before, never ran more either.
/// If the system cannot start the threads (e.g. under an address-space limit)
/// the run goes on with those it could start — with none, on the caller's
/// thread alone.
///
/// A thread claims up to `batch` consecutive inputs at a time (fewer when
/// the window or the inputs run out): the files of a series, which `check`'s
/// shape memo replays from one another (docs/architecture.md), then mostly
/// go to the same thread, and the lock is taken once per batch.
public func orderedParallelMap<R>(count: Int, jobs: Int, window: Int = 512, batch: Int = 1, shouldStop: () -> Bool = { false },
                                  work: @escaping @Sendable (Int) -> R, emit: (Int, R) -> Void) {
    orderedParallelMap(count: count, jobs: min(jobs, systemCoreCount()), window: window, batch: batch, shouldStop: shouldStop,
                       startThread: WorkerThread.start, work: work, emit: emit)
}

/// `orderedParallelMap` with the way threads are started as a parameter
/// (tests make it fail, as `pthread_create` can).
func orderedParallelMap<R>(count: Int, jobs: Int, window: Int = 512, batch: Int = 1, shouldStop: () -> Bool = { false },
                           startThread: (@escaping @Sendable () -> Void) -> WorkerThread?,
                           work: @escaping @Sendable (Int) -> R, emit: (Int, R) -> Void) {
    let threads = max(1, min(jobs, count))
    guard threads > 1 else {
        for i in 0..<count {
            if shouldStop() { return }
            emit(i, work(i))
        }
        return
    }
    _ = MallocArenas.limitedForAddressSpace   // (before the threads allocate)
    let pipe = OrderedPipeline<R>(count: count, capacity: max(window, threads * 8), batch: batch, work: work)
    pipe.start(threads: threads - 1, startThread: startThread)
    defer { pipe.finish() }
    for i in 0..<count {
        if shouldStop() { return }
        emit(i, pipe.take(i))
    }
}

/// The worker threads of one `orderedParallelMap` call and the ring of result
/// slots between them and the caller's (emitting) thread.
///
/// Input `i` goes to slot `i % capacity`. A thread takes the next inputs
/// (up to `batch` of them) from a shared counter only while they are less
/// than `capacity` ahead of the next result to emit (a worker waits on
/// `space` otherwise), computes them without the lock and stores each. The
/// caller, for the next result to emit, takes it out of its slot if it is
/// there; if not, it computes the next inputs itself when there are any it
/// may take, else waits on `ready` — so `jobs` threads in all do the work,
/// the caller's included, as `concurrentPerform` did, and with no worker
/// started it does all of it. Taking a result out frees its
/// slot and wakes a waiting worker. One mutex guards the counters and slots;
/// both waits are on condition variables (no polling).
final class OrderedPipeline<R>: @unchecked Sendable {
    private let count: Int
    private let capacity: Int
    private let batch: Int
    private let work: @Sendable (Int) -> R
    private let slots: UnsafeMutablePointer<R?>
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let ready = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let space = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// The next input a thread will take.
    private var next = 0
    /// The next index to emit: results `< emitted` have been taken out.
    private var emitted = 0
    private var stopping = false
    private var emitterWaits = false
    private var workersWaiting = 0
    private var threads: [WorkerThread] = []

    init(count: Int, capacity: Int, batch: Int = 1, work: @escaping @Sendable (Int) -> R) {
        self.count = count
        self.capacity = capacity
        self.batch = max(1, min(batch, capacity))
        self.work = work
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: nil, count: capacity)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        for c in [ready, space] {
            c.initialize(to: pthread_cond_t())
            pthread_cond_init(c, nil)
        }
    }

    deinit {
        slots.deinitialize(count: capacity)
        slots.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1); mutex.deallocate()
        for c in [ready, space] {
            pthread_cond_destroy(c)
            c.deinitialize(count: 1); c.deallocate()
        }
    }

    /// Starts up to `n` workers; returns how many started (it stops at the
    /// first that cannot be).
    @discardableResult
    func start(threads n: Int, startThread: (@escaping @Sendable () -> Void) -> WorkerThread?) -> Int {
        for _ in 0..<n {
            guard let t = startThread({ [self] in runWorker() }) else { break }
            threads.append(t)
        }
        return threads.count
    }

    private func runWorker() {
        pthread_mutex_lock(mutex)
        while !stopping && next < count {
            if next - emitted >= capacity {
                workersWaiting += 1
                pthread_cond_wait(space, mutex)
                workersWaiting -= 1
                continue
            }
            claimAndWork(signal: true)
        }
        pthread_mutex_unlock(mutex)
    }

    /// Claims the next inputs (the mutex held; at least one may be taken),
    /// works on each with the mutex released and stores its result (the
    /// mutex held again), waking the emitter when it waits for that one
    /// (`signal`: the caller's own thread never waits while it works).
    private func claimAndWork(signal: Bool) {
        let first = next
        let end = min(count, first + batch, emitted + capacity)
        next = end
        for i in first..<end {
            if stopping { return }   // (the run ends: the rest is not emitted)
            pthread_mutex_unlock(mutex)
            let r = work(i)
            pthread_mutex_lock(mutex)
            slots[i % capacity] = r
            if signal && emitterWaits && i == emitted { pthread_cond_signal(ready) }
        }
    }

    /// The result of input `i`, the next one to emit, once it is ready;
    /// meanwhile the caller's thread works on inputs as the workers do.
    func take(_ i: Int) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        precondition(i == emitted, "results are taken in input order")
        let k = i % capacity
        while slots[k] == nil {
            if next < count && next - emitted < capacity {
                claimAndWork(signal: false)
                continue
            }
            emitterWaits = true
            pthread_cond_wait(ready, mutex)
        }
        emitterWaits = false
        let r = slots[k].take()!
        emitted = i + 1
        if workersWaiting > 0 { pthread_cond_signal(space) }
        return r
    }

    /// Lets the workers finish the inputs they hold, take no other, and end;
    /// waits for them.
    func finish() {
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_broadcast(space)
        pthread_mutex_unlock(mutex)
        for t in threads { t.join() }
        threads.removeAll()
    }
}

/// Ctrl-C during `check`: the first SIGINT asks the run to stop (no further
/// file is reported or started; those in progress finish) and still write its
/// reports, for the files reported until then, marked incomplete;
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
