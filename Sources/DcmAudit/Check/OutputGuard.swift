#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DcmData
import DcmRules

/// Outputs that would destroy an input of the run. Every output is opened
/// (truncated) before any file is read, after the config, the packs and the
/// baseline are: `--output site.yaml --rules site.yaml` or `--report
/// csv:dcmaudit.yml` overwrote the user's pack or config with a report.
enum OutputGuard {
    /// The first output naming an input (the same device and inode), as
    /// "OUTPUT: error: …". `--write-baseline` may name the `--baseline` it
    /// updates.
    static func overwrittenInput(outputs: [String], writeBaseline: String?, _ req: CheckRequest) -> String? {
        func id(_ p: String) -> String? {
            var st = stat()
            guard OSPath.withCString(p, { stat($0, &st) }) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
            return "\(st.st_dev):\(st.st_ino)"
        }
        var inputs: [String: String] = [:]
        for f in PackLoader.expand(req.ruleFiles) { if let k = id(f) { inputs[k] = "the pack file \(f)" } }
        if let c = req.configPath, let k = id(c) { inputs[k] = "the config file" }
        if let t = req.htmlTemplate, let k = id(t) { inputs[k] = "the HTML template" }
        let baseline = req.baselinePath.flatMap(id)
        if let k = baseline { inputs[k] = "the baseline" }
        for o in outputs + [writeBaseline].compactMap({ $0 }) {
            guard let k = id(o), let what = inputs[k] else { continue }
            if o == writeBaseline && k == baseline { continue }
            return "\(o): error: is \(what) of this run, which the output would overwrite (give the output another path)"
        }
        return nil
    }
}
