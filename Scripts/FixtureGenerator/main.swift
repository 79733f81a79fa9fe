#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// dcmaudit-fixtures: deterministic DICOM test data for dcmaudit.
//
//   dcmaudit-fixtures demo      --out Fixtures/demo
//   dcmaudit-fixtures malformed --out Fixtures/malformed
//   dcmaudit-fixtures iod       --out Fixtures/iod
//   dcmaudit-fixtures corpus    --count N --out DIR [--seed S] [--pixels P] [--deidentified yes]
//   dcmaudit-fixtures protocol  --out Fixtures/protocol
//
// (No ArgumentParser here: only the dcmaudit CLI target depends on it.)

let usage = """
usage: dcmaudit-fixtures demo --out DIR
       dcmaudit-fixtures malformed --out DIR
       dcmaudit-fixtures iod --out DIR   (a CT, an MR and an Enhanced MR conformant to their IODs)
       dcmaudit-fixtures corpus --count N --out DIR [--seed S] [--pixels P] [--deidentified yes|no]
       dcmaudit-fixtures protocol --out DIR   (a small multi-site MR study, docs/protocols.md)
       dcmaudit-fixtures check DIR...   (read every file with DcmData, print anomalies)
         --pixels P   rows = columns of CT/MR images (default 128; US half of it)
         --deidentified yes   each file as the PS3.15 Annex E Basic Application Level
                      Confidentiality Profile leaves it (identifiers removed or emptied,
                      UIDs replaced by 2.25 UIDs consistently, private blocks removed,
                      Patient Identity Removed YES), patient folders named by pseudonym;
                      the same files, modalities and sizes as without it (default no)
"""

func fail(_ msg: String) -> Never {
    eprint("dcmaudit-fixtures: \(msg)\n\(usage)\n")
    exit(2)
}

var args = Array(CommandLine.arguments.dropFirst())
guard let command = args.first else { fail("missing command") }
args.removeFirst()
var opts: [String: String] = [:]
while command != "check", !args.isEmpty {
    let a = args.removeFirst()
    guard a.hasPrefix("--"), !args.isEmpty else { fail("unexpected argument '\(a)'") }
    opts[String(a.dropFirst(2))] = args.removeFirst()
}
if command == "check" {
    for a in args { checkFiles(a) }
    exit(0)
}
let allowed: Set<String> = command == "corpus" ? ["out", "count", "seed", "pixels", "deidentified"] : ["out"]
for k in opts.keys where !allowed.contains(k) { fail("unknown option --\(k) for \(command)") }
guard let out = opts["out"] else { fail("--out is required") }

switch command {
case "demo": generateDemo(out: out)
case "malformed": generateMalformed(out: out)
case "iod": generateIOD(out: out)
case "protocol": generateProtocolStudy(out: out)
case "corpus":
    guard let c = opts["count"].flatMap({ Int($0) }), c > 0 else { fail("--count N (N > 0) is required") }
    let seed = opts["seed"].map { UInt64($0) ?? 0 } ?? 20240101
    let px = opts["pixels"].map { Int($0) ?? 128 } ?? 128
    guard px >= 4 && px <= 4096 else { fail("--pixels must be 4…4096") }
    let deid: Bool
    switch opts["deidentified"] ?? "no" {
    case "yes": deid = true
    case "no": deid = false
    case let v: fail("--deidentified must be yes or no, not '\(v)'")
    }
    generateCorpus(count: c, out: out, seed: seed, pixels: px, deidentified: deid)
case "-h", "--help", "help": print(usage)
default: fail("unknown command '\(command)'")
}
