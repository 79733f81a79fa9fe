import XCTest
@testable import DcmAudit
import DcmData
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `orderedParallelMap` (OrderedParallel.swift): input order, each index once,
/// `shouldStop`, bounded memory with a slow `emit`, slow inputs, and threads
/// that cannot be started.
final class OrderedParallelTests: XCTestCase {
    /// Counters shared by the work closure (worker threads) and the test.
    final class Probe: @unchecked Sendable {
        private let lock = Lock()
        private var _worked: [Int] = []
        private var _alive = 0
        private var _maxAlive = 0
        var worked: [Int] { lock.with { _worked } }
        var maxAlive: Int { lock.with { _maxAlive } }
        /// A result came out of `work`: alive until `emit` receives it.
        func produced(_ i: Int) {
            lock.with {
                _worked.append(i)
                _alive += 1
                _maxAlive = max(_maxAlive, _alive)
            }
        }
        func emitted() { lock.with { _alive -= 1 } }
    }

    /// Emits (index, result) pairs; checks the result belongs to its index.
    private func run(count: Int, jobs: Int, window: Int = 512, batch: Int = 1, probe: Probe = Probe(),
                     shouldStop: () -> Bool = { false },
                     workDelay: @escaping @Sendable (Int) -> useconds_t = { _ in 0 },
                     emitDelay: useconds_t = 0) -> [Int] {
        var order: [Int] = []
        orderedParallelMap(count: count, jobs: jobs, window: window, batch: batch, shouldStop: shouldStop, work: { i -> String in
            let d = workDelay(i)
            if d > 0 { usleep(d) }
            probe.produced(i)
            return "r\(i)"
        }, emit: { i, r in
            probe.emitted()
            XCTAssertEqual(r, "r\(i)")
            order.append(i)
            if emitDelay > 0 { usleep(emitDelay) }
        })
        return order
    }

    func testOrderAndEveryIndexOnceForAnyJobs() {
        for jobs in [1, 2, 3, 8] {
            let probe = Probe()
            // uneven work so that results complete out of order
            let order = run(count: 3000, jobs: jobs, window: 64, probe: probe, workDelay: { i in i % 7 == 0 ? 50 : 0 })
            XCTAssertEqual(order, Array(0..<3000), "jobs \(jobs)")
            XCTAssertEqual(probe.worked.sorted(), Array(0..<3000), "jobs \(jobs): each index worked once")
        }
    }

    /// Batches (`batch`): the same order, each index once, the same bound,
    /// a stop still ends the run; and a thread works on consecutive inputs
    /// (what keeps a series' files on one thread's shape memo).
    func testBatchesOfConsecutiveInputs() {
        final class Owners: @unchecked Sendable {
            let lock = Lock()
            var owner: [Int: UInt] = [:]
            func add(_ i: Int) {
                #if canImport(Darwin)
                let t = UInt(bitPattern: pthread_self())
                #else
                let t = UInt(pthread_self())
                #endif
                lock.with { owner[i] = t }
            }
        }
        for jobs in [1, 2, 3] {
            for batch in [4, 32, 100] {
                let probe = Probe(), owners = Owners()
                var order: [Int] = []
                orderedParallelMap(count: 2000, jobs: jobs, window: 256, batch: batch, work: { i -> Int in
                    if i % 11 == 0 { usleep(30) }
                    owners.add(i)
                    probe.produced(i)
                    return i
                }, emit: { i, r in
                    probe.emitted()
                    XCTAssertEqual(r, i)
                    order.append(i)
                })
                XCTAssertEqual(order, Array(0..<2000), "jobs \(jobs) batch \(batch)")
                XCTAssertEqual(probe.worked.sorted(), Array(0..<2000), "jobs \(jobs) batch \(batch)")
                XCTAssertLessThanOrEqual(probe.maxAlive, 256 + 1, "jobs \(jobs) batch \(batch)")
                // thread changes along the inputs: at most one per claim (a
                // claim is cut short only by the window's end or the inputs')
                let switches = (1..<2000).filter { owners.owner[$0] != owners.owner[$0 - 1] }.count
                XCTAssertLessThanOrEqual(switches, 2 * 2000 / batch + 2 * 2000 / 256 + jobs, "jobs \(jobs) batch \(batch)")
                if jobs == 1 { XCTAssertEqual(switches, 0) }
            }
            // a stop: the same prefix, and no more work than the ring and a batch per thread
            let probe = Probe()
            var asked = 0
            let order = run(count: 5000, jobs: jobs, window: 64, batch: 16, probe: probe, shouldStop: {
                asked += 1
                return asked > 100
            }, workDelay: { _ in 20 })
            XCTAssertEqual(order, Array(0..<100), "jobs \(jobs)")
            XCTAssertLessThanOrEqual(probe.worked.count, 100 + 1 + max(64, jobs * 8) + jobs * 16, "jobs \(jobs)")
        }
    }

    func testCountZeroAndJobsAboveCount() {
        XCTAssertEqual(run(count: 0, jobs: 4), [])
        XCTAssertEqual(run(count: 0, jobs: 1), [])
        XCTAssertEqual(run(count: 1, jobs: 4), [0])
        let probe = Probe()
        XCTAssertEqual(run(count: 3, jobs: 16, probe: probe), [0, 1, 2])
        XCTAssertEqual(probe.worked.sorted(), [0, 1, 2])
    }

    /// Once `shouldStop` says yes nothing more is emitted: the same prefix for
    /// every `jobs`, and the workers stop taking inputs soon after.
    func testShouldStopEndsTheRunAfterAPrefix() {
        for jobs in [1, 2, 4] {
            let probe = Probe()
            var asked = 0
            let order = run(count: 5000, jobs: jobs, window: 64, probe: probe, shouldStop: {
                asked += 1
                return asked > 100
            }, workDelay: { _ in 20 })
            XCTAssertEqual(order, Array(0..<100), "jobs \(jobs)")
            // at most the ring (64) and one input per thread beyond what was emitted
            XCTAssertLessThanOrEqual(probe.worked.count, 100 + 1 + max(64, jobs * 8) + jobs, "jobs \(jobs)")
        }
    }

    func testStopBeforeTheFirstResultEmitsNothing() {
        for jobs in [1, 2] {
            let probe = Probe()
            XCTAssertEqual(run(count: 1000, jobs: jobs, probe: probe, shouldStop: { true }), [], "jobs \(jobs)")
            XCTAssertLessThanOrEqual(probe.worked.count, 512 + jobs)
        }
    }

    /// A slow `emit` must not let results pile up: the workers wait once the
    /// ring is full (`window` results, plus the one being emitted).
    func testSlowEmitKeepsMemoryBounded() {
        let probe = Probe()
        let order = run(count: 600, jobs: 4, window: 32, probe: probe, emitDelay: 300)
        XCTAssertEqual(order, Array(0..<600))
        XCTAssertLessThanOrEqual(probe.maxAlive, 32 + 1)
        // and the workers did run ahead of the emitter (the ring was used)
        XCTAssertGreaterThan(probe.maxAlive, 8)
    }

    /// Inputs that take much longer than the others hold back emission, not
    /// the order, and not the bound.
    func testSlowInputs() {
        let probe = Probe()
        let order = run(count: 400, jobs: 3, window: 48, probe: probe, workDelay: { i in i % 97 == 5 ? 40_000 : 100 })
        XCTAssertEqual(order, Array(0..<400))
        XCTAssertEqual(probe.worked.sorted(), Array(0..<400))
        XCTAssertLessThanOrEqual(probe.maxAlive, 48 + 1)
        // other inputs were computed while a slow one was in progress: they
        // finished out of order
        XCTAssertNotEqual(probe.worked, Array(0..<400))
    }

    /// Threads that cannot be started (as under an address-space limit): the
    /// run goes on with those that could, or serially with none.
    func testThreadsThatCannotStart() {
        for allowed in [0, 1, 2] {
            var started = 0
            var order: [Int] = []
            let worked = Probe()
            orderedParallelMap(count: 700, jobs: 4, window: 64, startThread: { body in
                guard started < allowed else { return nil }
                started += 1
                return WorkerThread.start(body)
            }, work: { i -> Int in worked.produced(i); return i * 2 }, emit: { i, r in
                worked.emitted()
                XCTAssertEqual(r, i * 2)
                order.append(i)
            })
            XCTAssertEqual(order, Array(0..<700), "\(allowed) threads")
            XCTAssertEqual(worked.worked.sorted(), Array(0..<700), "\(allowed) threads")
            XCTAssertEqual(started, allowed)
        }
    }

    /// With no thread started, the work runs on the caller's thread.
    func testSerialFallbackRunsOnTheCallersThread() {
        let caller = pthread_self()
        let onCaller = Probe()
        orderedParallelMap(count: 10, jobs: 2, startThread: { _ in nil }, work: { i -> Int in
            if pthread_equal(pthread_self(), caller) != 0 { onCaller.produced(i) }
            return i
        }, emit: { _, _ in })
        XCTAssertEqual(onCaller.worked, Array(0..<10))
    }

    /// With several jobs, `emit` runs on the caller's thread, and `work` on
    /// the caller's and `jobs - 1` other threads.
    func testEmitOnCallersThreadWorkOnJobsThreads() {
        let caller = pthread_self()
        final class Threads: @unchecked Sendable {
            let lock = Lock()
            var ids: [pthread_t] = []
            func add(_ t: pthread_t) { lock.with { if !ids.contains(where: { pthread_equal($0, t) != 0 }) { ids.append(t) } } }
        }
        for jobs in [2, 3] {
            let seen = Threads()
            var emitElsewhere = 0
            orderedParallelMap(count: 300, jobs: jobs, startThread: WorkerThread.start, work: { i -> Int in
                seen.add(pthread_self())
                usleep(200)
                return i
            }, emit: { _, _ in
                if pthread_equal(pthread_self(), caller) == 0 { emitElsewhere += 1 }
            })
            XCTAssertEqual(emitElsewhere, 0)
            XCTAssertEqual(seen.ids.count, jobs, "jobs \(jobs)")
            XCTAssertTrue(seen.ids.contains { pthread_equal($0, caller) != 0 }, "jobs \(jobs)")
        }
        // the public function runs no more threads than there are cores
        let seen = Threads()
        orderedParallelMap(count: 400, jobs: systemCoreCount() + 3, work: { i -> Int in
            seen.add(pthread_self())
            usleep(200)
            return i
        }, emit: { _, _ in })
        // (≤: on a machine with many cores the last threads may find no input left)
        XCTAssertLessThanOrEqual(seen.ids.count, systemCoreCount())
        XCTAssertGreaterThanOrEqual(seen.ids.count, min(2, systemCoreCount()))
    }
}
