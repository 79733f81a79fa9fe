#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DcmData
import DcmRules

/// What every report carries so that an audit can be reproduced: the tool
/// version, the packs with their versions and content hashes, the command
/// line, the start time and (at the end) the duration, and whether patient
/// data was shown.
public struct RunInfo: Sendable {
    public struct Pack: Sendable {
        public var id: String
        public var version: String
        public var path: String
        /// SHA-256 of the pack file's bytes (hex), or "" when it cannot be read:
        /// computed when a report first asks (the text report does not; the
        /// built-in packs are 2 MB, ~15 ms of a run).
        public var sha256: String {
            get { hash.value }
            set { hash = LazyHash(value: newValue) }
        }
        private var hash: LazyHash
        public init(id: String, version: String, path: String, sha256: String) {
            self.id = id; self.version = version; self.path = path; self.hash = LazyHash(value: sha256)
        }
        /// A pack whose hash is read from its file on first use.
        init(id: String, version: String, path: String) {
            self.id = id; self.version = version; self.path = path; self.hash = LazyHash(path: path)
        }
    }

    final class LazyHash: @unchecked Sendable {
        private var cached: String?
        private let path: String?
        private let lock = Lock()
        init(value: String) { cached = value; path = nil }
        init(path: String) { cached = nil; self.path = path }
        var value: String {
            lock.with {
                if let c = cached { return c }
                let v = path.flatMap { SHA256.hex(ofFile: $0) } ?? ""
                cached = v
                return v
            }
        }
    }
    public var toolVersion: String
    public var commandLine: [String]
    /// Seconds since 1970 (UTC) when the run started.
    public var startEpoch: Double
    public var packs: [Pack]
    public var showPHI: Bool
    /// The duration every reporter prints instead of the measured one
    /// (golden tests: byte-identical reports).
    public var fixedDuration: Double?
    /// The start time as written (golden tests put a placeholder here).
    public var startTimeOverride: String?

    public init(toolVersion: String = dcmauditVersion, commandLine: [String], startEpoch: Double, packs: [Pack], showPHI: Bool) {
        self.toolVersion = toolVersion; self.commandLine = commandLine; self.startEpoch = startEpoch
        self.packs = packs; self.showPHI = showPHI
    }

    /// A run starting now, with the packs' hashes read from their files.
    public static func starting(commandLine: [String], packs: [RulePack], showPHI: Bool) -> RunInfo {
        RunInfo(commandLine: commandLine, startEpoch: now(),
                packs: packs.map { Pack(id: $0.id, version: $0.version, path: $0.path) },
                showPHI: showPHI)
    }

    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// `2026-11-26T15:54:31Z`.
    public var startTime: String { startTimeOverride ?? RunInfo.iso8601(startEpoch) }
    public func endTime(duration: Double) -> String {
        startTimeOverride ?? RunInfo.iso8601(startEpoch + duration)
    }
    public func duration(measured: Double) -> Double { fixedDuration ?? measured }

    /// The measured duration so far.
    public var elapsed: Double { duration(measured: max(0, RunInfo.now() - startEpoch)) }

    public static func iso8601(_ epoch: Double) -> String {
        var t = time_t(epoch.rounded(.down))
        var tmv = tm()
        gmtime_r(&t, &tmv)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(tmv.tm_year + 1900)-\(two(tmv.tm_mon + 1))-\(two(tmv.tm_mday))T\(two(tmv.tm_hour)):\(two(tmv.tm_min)):\(two(tmv.tm_sec))Z"
    }

    /// The command line as one shell-quoted string.
    public var commandLineText: String { RunInfo.quoted(commandLine) }

    /// A command line as one shell-quoted string.
    public static func quoted(_ commandLine: [String]) -> String {
        commandLine.map { a in
            let safe = !a.isEmpty && a.utf8.allSatisfy { c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || "-_./:=,+@%".utf8.contains(c)
            }
            return safe ? a : "'" + a.replacingAll("'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }

    /// Seconds with millisecond precision: `1.234`.
    public static func seconds(_ d: Double) -> String {
        let ms = Int((d * 1000).rounded())
        let frac = ms % 1000
        return "\(ms / 1000)." + (frac < 10 ? "00" : frac < 100 ? "0" : "") + "\(frac)"
    }
}

extension String {
    func replacingAll(_ a: Character, with b: String) -> String {
        var out = ""
        for c in self { if c == a { out += b } else { out.append(c) } }
        return out
    }
}

/// SHA-256 (FIPS 180-4), for the content hashes of rule packs.
public enum SHA256 {
    static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    public static func hex(_ data: [UInt8]) -> String {
        var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        var msg = data
        let bitLength = UInt64(data.count) * 8
        msg.append(0x80)
        while msg.count % 64 != 56 { msg.append(0) }
        for i in (0..<8).reversed() { msg.append(UInt8(truncatingIfNeeded: bitLength >> (UInt64(i) * 8))) }
        var w = [UInt32](repeating: 0, count: 64)
        @inline(__always) func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        // unchecked buffers: the packs' hashes are computed at every run (1.9 MB with dicom.iod)
        msg.withUnsafeBufferPointer { m in
        w.withUnsafeMutableBufferPointer { w in
        k.withUnsafeBufferPointer { k in
        for chunk in stride(from: 0, to: m.count, by: 64) {
            for i in 0..<16 {
                let j = chunk + i * 4
                w[i] = UInt32(m[j]) << 24 | UInt32(m[j + 1]) << 16 | UInt32(m[j + 2]) << 8 | UInt32(m[j + 3])
            }
            for i in 16..<64 {
                let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7]
            for i in 0..<64 {
                let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                let ch = (e & f) ^ (~e & g)
                let t1 = hh &+ s1 &+ ch &+ k[i] &+ w[i]
                let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                let maj = (a & b) ^ (a & c) ^ (b & c)
                let t2 = s0 &+ maj
                hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
            }
            h[0] = h[0] &+ a; h[1] = h[1] &+ b; h[2] = h[2] &+ c; h[3] = h[3] &+ d
            h[4] = h[4] &+ e; h[5] = h[5] &+ f; h[6] = h[6] &+ g; h[7] = h[7] &+ hh
        }
        }
        }
        }
        var out = ""
        for v in h {
            let s = String(v, radix: 16)
            out += String(repeating: "0", count: 8 - s.count) + s
        }
        return out
    }

    public static func hex(ofFile path: String) -> String? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            data.append(contentsOf: buf[0..<n])
        }
        return hex(data)
    }
}
