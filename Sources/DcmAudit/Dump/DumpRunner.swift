#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DcmData
import DcmDictionary

/// Output formats of `dcmaudit dump`.
public enum DumpFormat: String, CaseIterable, Sendable {
    case text, json, jsonl, csv
}

/// What `dcmaudit dump` was asked to do.
public struct DumpRequest: Sendable {
    public var paths: [String]
    public var format: DumpFormat = .text
    /// Attribute paths: the CSV columns; a filter for the other formats
    /// (the top-level element each path starts with is shown whole).
    public var tags: [AttributePath] = []
    public var bulkThreshold: Int = 1024
    public var jobs: Int = 0
    public var readOptions = ReadOptions()
    /// `--csa`: print the Siemens CSA headers as JSON instead (`CSADumper`).
    public var csa = false

    public init(paths: [String]) { self.paths = paths }
}

/// Runs `dump`: discovers files, reads them in parallel, writes each file's
/// output in input order to standard output and each failure as
/// `path: error: … at offset N` to standard error.
public enum DumpRunner {
    /// Anomalies that mean part of the file could not be read: `dump` says so
    /// on standard error (the file is still printed, as far as it goes).
    static let warnKinds: Set<Anomaly.Kind> = [.truncated, .lengthPastEnd, .deflate, .depthLimit, .badItem, .valueNotLoaded]

    /// A path as standard error shows it: control characters (an ESC, a line
    /// break in a file name) U+FFFD, as in the text dump and the console report.
    static func shown(_ path: String) -> String { ByteOutput.controlsReplaced(path, keepingLineBreaks: false) }

    /// Exit status: 0 when every file was read, 1 when any could not be.
    public static func run(_ req: DumpRequest) -> Int32 {
        let (files, problems) = FileDiscovery.expand(req.paths)
        var failed = !problems.isEmpty
        for p in problems { writeError("\(shown(p.path)): error: \(p.message)\n") }
        let jobs = req.jobs > 0 ? req.jobs : systemCoreCount()
        let out = ReportOutput(file: stdout)

        let filter: Set<Tag>? = req.tags.isEmpty ? nil : Set(req.tags.compactMap { p -> Tag? in
            if case .tag(let t) = p.steps[0].reference { return t }
            return nil
        })
        let csv = CSVDumper(paths: req.tags)
        let json = JSONDumper(bulkThreshold: req.bulkThreshold, filter: req.tags.contains { if case .privateTag = $0.steps[0].reference { return true }; return false } ? nil : filter)
        let text = TextDumper(filter: filter)
        let format = req.format
        let options = req.readOptions
        let asArray = format == .json && files.count != 1 && !req.csa

        if format == .csv && !req.csa {
            var o = ByteOutput(); csv.header(into: &o); out.write(o.bytes)
        }
        if asArray { out.write(Array("[".utf8)) }
        var emitted = 0
        orderedParallelMap(count: files.count, jobs: jobs, work: { i -> Result<([UInt8], [Anomaly]), ReadError> in
            let path = files[i]
            do {
                let file = try DicomReader.read(path: path, options: options)
                var o = ByteOutput(capacity: format == .csv ? 256 : 16384)
                switch format {
                case _ where req.csa:
                    CSADumper().render(file, into: &o)
                    o.byte(0x0A)
                case .csv: csv.render(file, path: path, into: &o)
                case .text: text.render(file, path: path, into: &o)
                case .json, .jsonl:
                    json.render(file, into: &o)
                    o.byte(0x0A)
                }
                return .success((o.bytes, file.anomalies.filter { DumpRunner.warnKinds.contains($0.kind) }))
            } catch let e as ReadError {
                return .failure(e)
            } catch {
                return .failure(.ioError(reason: "\(error)", offset: 0))
            }
        }, emit: { i, r in
            switch r {
            case .success(let (bytes, warnings)):
                if asArray && emitted > 0 { out.write(Array(",".utf8)) }
                emitted += 1
                out.write(bytes)
                if !warnings.isEmpty {
                    out.flush()
                    for a in warnings { writeError("\(shown(files[i])): warning: \(a)\n") }
                }
            case .failure(let e):
                failed = true
                out.flush()
                writeError("\(shown(files[i])): error: \(e)\n")
            }
        })
        if asArray { out.write(Array("]\n".utf8)) }
        if let e = out.closeReportingFailure() {
            writeError("error: cannot write the output: \(String(cString: strerror(e)))\n")
            return 2
        }
        return failed ? 1 : 0
    }
}

/// Number of cores available to this process.
public func systemCoreCount() -> Int {
    max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
}

public func writeError(_ s: String) {
    var s = s
    s.withUTF8 { u in _ = fwrite(u.baseAddress, 1, u.count, stderr) }
    fflush(stderr)
}
