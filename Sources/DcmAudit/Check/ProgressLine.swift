#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The progress line of a long `check` on standard error: files done of the
/// total, files per second, the time left at that rate, findings so far.
/// Redrawn in place (`\r`) at most five times a second and erased at the end,
/// so it never mixes with the report on standard output. Used only when
/// standard error is a terminal (and not with `--quiet`).
final class ProgressLine {
    private let total: Int
    private var done = 0
    private let start: Double
    private var lastDraw = 0.0
    private var drawn = false

    init(total: Int) {
        self.total = total
        start = ProgressLine.now()
        lastDraw = start   // first draw after 0.2 s, when the rate means something
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// One more file done.
    func tick(findings: Int) {
        done += 1
        let t = ProgressLine.now()
        guard t - lastDraw >= 0.2 || done == total else { return }
        lastDraw = t
        let elapsed = max(t - start, 1e-6)
        let rate = Double(done) / elapsed
        let left = rate > 0 ? Double(total - done) / rate : 0
        let width = 24
        let filled = total > 0 ? min(width, done * width / total) : width
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line = "\r[\(bar)] \(done)/\(total) files  \(Int(rate)) files/s  ETA \(Self.clock(left))  \(findings) findings\u{1B}[K"
        writeError(line)
        drawn = true
    }

    /// Erases the line.
    func finish() {
        if drawn { writeError("\r\u{1B}[K") }
    }

    static func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600)h\(t % 3600 / 60)m" : "\(t / 60)m\(t % 60 < 10 ? "0" : "")\(t % 60)s"
    }
}
