import DcmData
import DcmDictionary
import DcmRules

/// Patient data in file paths. Folders and files are often named after the
/// patient (`/data/DOE^JOHN/…`, `Smith_John_19800101/`, `PID12345.dcm`), so a
/// path is patient data as much as a PatientName value (PS3.15 Annex E).
///
/// Policy (docs/reports.md, *Patient data in paths*): unless `--show-phi`,
/// every component of a reported path — folders of the input root included —
/// that holds a patient value read in this run becomes `<redacted:hash>`
/// (the hash of the component, as for attribute values, so equal folders stay
/// equal). A component holds a value when, both upper-cased and reduced to
/// letters and digits, the component contains the value (values of 3
/// characters or more: `Smith_John_19800101` holds `SMITH`, `JOHN` and the
/// birth date `19800101`; `1980-01-01` holds it too), or one of the
/// component's words equals it (shorter values: a given name `LI` does not
/// redact `LOCALIZER`).
///
/// Matching is a rolling hash over the component's substrings of every
/// learnt value length, and each component is looked at once (then only
/// against the values learnt since), so a path costs microseconds however
/// many patients the run has seen.
///
/// The values are those of `keywords`, learnt file by file in input order:
/// a path is checked against every value of its own file and of the files
/// before it. Unreadable and non-DICOM files have no values of their own, so
/// their findings are delivered after every readable file (when all values
/// are known); the command line and the input paths are redacted at the end
/// of the run, with every value.
final class PathRedactor {
    /// The patient-identifying attributes looked for in paths: the patient's
    /// names, IDs, birth date, address and telephone, and the accession number.
    /// (Institution, station and physician names are redacted as values, but
    /// folders named after a scanner or a site are not patient data.)
    static let keywords = ["PatientName", "PatientID", "PatientBirthDate", "OtherPatientIDs", "OtherPatientNames",
                           "PatientBirthName", "PatientMotherBirthName", "PatientAddress", "PatientTelephoneNumbers",
                           "AccessionNumber", "MedicalRecordLocator"]
    static let tags: [Tag] = keywords.compactMap { DataDictionary.tag(forKeyword: $0) }
    /// Values shorter than this are matched as whole words only.
    static let minimumSubstring = 3

    /// Long values as (length, rolling hash) keys; their distinct lengths.
    private var hashes: Set<UInt64> = []
    private var lengths: [Int] = []
    /// Short values, matched as whole words.
    private var short: Set<[UInt8]> = []
    /// Every distinct normalised value, in the order learnt.
    private var values: [[UInt8]] = []
    private var known: Set<[UInt8]> = []
    /// Components already looked at: whether one holds a value, checked
    /// against the first `checked` values (later values are checked on the
    /// next look), with its normalised bytes and words.
    private struct Entry { var held: Bool; var checked: Int; var bytes: [UInt8]; var words: [[UInt8]] }
    private var cache: [Substring: Entry] = [:]
    static let cacheLimit = 200_000

    /// The values of one file to look for in paths (run in the workers).
    static func values(of ds: DataSet) -> [[UInt8]] {
        rawValues(of: ds).compactMap { v in
            let n = normalizedBytes(v)
            return n.isEmpty ? nil : n
        }
    }

    /// The bytes `values(of:)` reads, with their tags and lengths, and the
    /// Specific Character Set they are decoded with (`PHIValueCache`'s key).
    static let keyTags = [Tag(0x0008, 0x0005)] + tags
    static func writeValueBytes(of ds: DataSet, into key: inout [UInt8]) {
        for tag in keyTags {
            guard let e = ds[tag] else { continue }
            withUnsafeBytes(of: tag.raw) { key.append(contentsOf: $0) }
            withUnsafeBytes(of: UInt32(truncatingIfNeeded: e.valueLength)) { key.append(contentsOf: $0) }
            ds.withValue(e) { key.append(contentsOf: $0) }
        }
    }

    /// The characters of a value looked at: five times the longest valid
    /// value of these attributes (PN: three groups of 64 characters; LO: 64).
    /// A damaged file whose PatientName's length runs to the end of the file
    /// has a value of the file's size — thousands of "words" of pixel bytes:
    /// they were ~0.25 s per 200 KB file, and kept for the rest of the run.
    static let valueCharacters = 1024

    /// The values as read, before normalisation.
    static func rawValues(of ds: DataSet) -> [String] {
        var out: [String] = []
        for tag in tags {
            guard let e = ds[tag] else { continue }
            for var v in ds.strings(e) {
                if v.utf8.count > valueCharacters { v = String(v.prefix(valueCharacters)) }
                if e.vr == .PN {
                    // every component group; its family, given and middle
                    // names (not prefix or suffix: `Dr`, `Jr`), and their words
                    for group in v.split(separator: "=", omittingEmptySubsequences: true) {
                        out.append(String(group))
                        for comp in group.split(separator: "^", omittingEmptySubsequences: false).prefix(3) where !comp.isEmpty {
                            out.append(String(comp))
                            let words = comp.split { $0 == " " || $0 == "-" }
                            if words.count > 1 { out += words.map(String.init) }
                        }
                    }
                } else if e.vr == .DA {
                    out.append(v)
                    let d = Array(v.utf8)
                    if d.count == 8, d.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                        let y = String(v.prefix(4)), m = String(v.dropFirst(4).prefix(2)), dd = String(v.suffix(2))
                        out += [dd + m + y, m + dd + y]   // 17.03.1945, 03/17/1945
                    }
                } else {
                    out.append(v)
                }
            }
        }
        return out
    }

    /// `normalize(s).bytes` without the words (a file's values are learnt as
    /// bytes only: this runs for every file).
    static func normalizedBytes(_ s: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for b in s.utf8 {
            guard b < 0x80 else { return normalize(s).bytes }
            let u = b >= 0x61 && b <= 0x7A ? b - 0x20 : b
            if (u >= 0x30 && u <= 0x39) || (u >= 0x41 && u <= 0x5A) { bytes.append(u) }
        }
        return bytes
    }

    /// Upper case, letters and digits only, as UTF-8; and the words (runs of
    /// letters and digits) of `s`. ASCII without `String.uppercased()`.
    static func normalize<S: StringProtocol>(_ s: S) -> (bytes: [UInt8], words: [[UInt8]]) {
        var bytes: [UInt8] = [], words: [[UInt8]] = [], word: [UInt8] = []
        if s.utf8.allSatisfy({ $0 < 0x80 }) {
            for var b in s.utf8 {
                if b >= 0x61 && b <= 0x7A { b -= 0x20 }
                if (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) { bytes.append(b); word.append(b) }
                else if !word.isEmpty { words.append(word); word = [] }
            }
        } else {
            for c in s.uppercased() {
                if c.isLetter || c.isNumber { bytes += c.utf8; word += c.utf8 }
                else if !word.isEmpty { words.append(word); word = [] }
            }
        }
        if !word.isEmpty { words.append(word) }
        return (bytes, words)
    }

    /// A polynomial hash of `b[i..<i+n]` from prefix hashes, keyed with its length.
    static let base: UInt64 = 1_099_511_628_211
    @inline(__always) static func key(_ hash: UInt64, _ n: Int) -> UInt64 { hash ^ (UInt64(n) &* 0x9E37_79B9_7F4A_7C15) }
    static func hash(_ b: [UInt8]) -> UInt64 {
        var h: UInt64 = 0
        for x in b { h = h &* base &+ UInt64(x) &+ 1 }
        return key(h, b.count)
    }

    /// Learns one file's values (`values(of:)`: normalised in the workers).
    func learn(_ newValues: [[UInt8]]) {
        // (the files of a patient come together: the same values again are
        // known without hashing each of them into `known`)
        if newValues == lastLearnt { return }
        lastLearnt = newValues
        for n in newValues {
            guard !n.isEmpty, known.insert(n).inserted else { continue }
            values.append(n)
            if n.count >= PathRedactor.minimumSubstring {
                hashes.insert(PathRedactor.hash(n))
                if !lengths.contains(n.count) { lengths.append(n.count); lengths.sort() }
            } else {
                short.insert(n)
            }
        }
    }

    /// The values `learn` was last given.
    private var lastLearnt: [[UInt8]] = []

    var isEmpty: Bool { values.isEmpty }

    /// Whether a path component holds a learnt value.
    func holdsValue(_ component: Substring) -> Bool {
        if var e = cache[component] {
            if e.held || e.checked == values.count { return e.held }
            // only the values learnt since the last look
            for v in values[e.checked...] where PathRedactor.holds(e, v) { e.held = true; break }
            e.checked = values.count
            cache[component] = e
            return e.held
        }
        let (bytes, words) = PathRedactor.normalize(component)
        var held = words.contains { short.contains($0) }
        if !held && bytes.count >= PathRedactor.minimumSubstring && !hashes.isEmpty {
            // every substring of every learnt length, by rolling hash
            var prefix = [UInt64](repeating: 0, count: bytes.count + 1)
            for (i, x) in bytes.enumerated() { prefix[i + 1] = prefix[i] &* PathRedactor.base &+ UInt64(x) &+ 1 }
            var power: UInt64 = 1, lastLength = 0
            search: for n in lengths {
                guard n <= bytes.count else { break }
                while lastLength < n { power = power &* PathRedactor.base; lastLength += 1 }
                for i in 0...(bytes.count - n) where hashes.contains(PathRedactor.key(prefix[i + n] &- prefix[i] &* power, n)) {
                    held = true
                    break search
                }
            }
        }
        if cache.count >= PathRedactor.cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[component] = Entry(held: held, checked: values.count, bytes: bytes, words: words)
        return held
    }

    private static func holds(_ e: Entry, _ v: [UInt8]) -> Bool {
        if v.count < minimumSubstring { return e.words.contains(v) }
        guard v.count <= e.bytes.count else { return false }
        for i in 0...(e.bytes.count - v.count) where e.bytes[i] == v[0] && e.bytes[i..<(i + v.count)].elementsEqual(v) { return true }
        return false
    }

    /// The path with every component that holds a value replaced.
    /// The last directory redacted, valid while no value is learnt (the
    /// files of a folder come together).
    private var lastDirectory: (dir: Substring, values: Int, redacted: String)? = nil

    /// The last path redacted, valid while no value is learnt (a file's
    /// findings come together: ~35 per file with every pack on identified data).
    private var lastPath: (path: String, values: Int, redacted: String)? = nil

    /// The last file fields redacted (`Finding.FileTexts`, shared by a
    /// file's findings) and their redaction, valid while no value is learnt.
    private var lastFileTexts: (of: Finding.FileTexts, values: Int, redacted: Finding.FileTexts)? = nil

    func redact(_ path: String) -> String {
        guard !isEmpty else { return path }
        if let m = lastPath, m.values == values.count, m.path == path { return m.redacted }
        let r = redactUncached(path)
        lastPath = (path, values.count, r)
        return r
    }

    private func redactUncached(_ path: String) -> String {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            let dir = path[..<slash], name = path[path.index(after: slash)...]
            let redactedDir: String
            if let m = lastDirectory, m.values == values.count, m.dir == dir { redactedDir = m.redacted } else {
                redactedDir = redactComponents(String(dir))
                lastDirectory = (dir, values.count, redactedDir)
            }
            let redactedName = name.isEmpty || name == "." || name == ".." || !holdsValue(name) ? String(name) : Redaction.redact(String(name))
            return redactedDir + "/" + redactedName
        }
        return redactComponents(path)
    }

    func redactComponents(_ path: String) -> String {
        var changed = false
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map { c -> String in
            guard !c.isEmpty, c != ".", c != "..", holdsValue(c) else { return String(c) }
            changed = true
            return Redaction.redact(String(c))
        }
        return changed ? parts.joined(separator: "/") : path
    }

    /// Options of `check` whose values are never paths nor patient data (a
    /// number, a format, a pack id, a severity): their values, like the
    /// option names themselves, are left as typed — `--jobs 1` stays readable
    /// when a Patient ID is `1`. Every other argument (input paths, and the
    /// values of --rules, --report, --output, --config, --baseline…) is
    /// redacted as a path.
    static let plainOptions: Set<String> = ["--jobs", "--format", "--pack", "--fail-on", "--group-by", "--not-evaluated"]

    /// A command line with the arguments that are paths redacted.
    func redactCommandLine(_ args: [String]) -> [String] {
        var out: [String] = []
        out.reserveCapacity(args.count)
        var plainValue = false, operands = false
        for (k, a) in args.enumerated() {
            if k == 0 || plainValue {
                out.append(a); plainValue = false; continue
            }
            if operands { out.append(redact(a)); continue }
            if a == "--" { out.append(a); operands = true; continue }   // then only paths
            if a.hasPrefix("--"), let eq = a.firstIndex(of: "=") {
                let name = String(a[..<eq])
                out.append(Self.plainOptions.contains(name) ? a : name + "=" + redact(String(a[a.index(after: eq)...])))
                continue
            }
            if a.hasPrefix("-") && a.count > 1 && !a.hasPrefix("-/") {
                out.append(a)
                plainValue = Self.plainOptions.contains(a)
                continue
            }
            out.append(redact(a))
        }
        return out
    }

    /// A finding with its file, related files, and any mention of them in its
    /// texts (a uniqueness finding names the other file), redacted.
    func redact(_ f: Finding) -> Finding {
        var f = f
        redact(&f)
        return f
    }

    /// The positions of the findings whose texts (message, because,
    /// observed, expected) contain `path`: searched in the workers, so that
    /// `redact(_:searchTexts:)` rewrites only these on the thread that
    /// reports (with every pack on identified data, ~35 findings per file,
    /// almost none naming their file).
    static func findingsNaming(_ path: String, _ fs: [Finding]) -> [Int] {
        var out: [Int] = []
        let needle = UTF8Needle(path)
        for k in fs.indices {
            // (stored fields read: a method of the finding copied it whole)
            if needle.occurs(in: fs[k].message)
                || (fs[k].becauseReason.map { Finding.joined(fs[k].becauseHasWhen ? fs[k].ruleTexts.when : nil, $0, contains: needle) } ?? false)
                || (fs[k].observed.map { needle.occurs(in: $0) } ?? false) || (fs[k].expected.map { needle.occurs(in: $0) } ?? false) { out.append(k) }
        }
        return out
    }

    /// `redact(_:searchTexts:)` of one file's findings, the texts searched
    /// only at the positions `named` (ascending, `findingsNaming`). The
    /// findings of a file share one `Finding.FileTexts`: after the first, a
    /// finding on the same one and without related files or texts to search
    /// takes the first's result — one comparison, not the redactor's cache
    /// looked up per finding (~35 a file with every pack on identified data).
    func redact(_ batch: inout [Finding], naming named: [Int]) {
        guard !isEmpty else { return }
        var next = 0
        var from: Finding.FileTexts? = nil, to: Finding.FileTexts? = nil
        for k in batch.indices {
            let search = next < named.count && named[next] == k
            if search { next += 1 }
            if !search, let a = from, batch[k].fileTexts === a, batch[k].relatedFiles.isEmpty {
                if to !== a { batch[k].fileTexts = to! }
                continue
            }
            let before = batch[k].fileTexts
            redact(&batch[k], searchTexts: search)
            from = before; to = batch[k].fileTexts
        }
    }

    /// `redact(_:)` in place (no copy of the finding's dozen strings: a run
    /// with every pack on identified data redacts ~35 findings per file). Without
    /// `searchTexts` (the finding's texts are known not to name its file,
    /// `findingsNaming`, and it has no related files) only `file` is redacted.
    func redact(_ f: inout Finding, searchTexts: Bool = true) {
        guard !isEmpty else { return }
        var fileReplaced: (String, String)? = nil
        if let p = f.fileTexts.file {
            // (a file's findings share one `Finding.FileTexts`: redacted once, the result shared)
            let before = f.fileTexts
            if let m = lastFileTexts, m.of === before, m.values == values.count {
                f.fileTexts = m.redacted
            } else {
                let r = redact(p)
                let t = r == p ? before : before.with(file: r)
                lastFileTexts = (before, values.count, t)
                f.fileTexts = t
            }
            if f.fileTexts !== before { fileReplaced = (p, f.fileTexts.file ?? "") }
        }
        if !searchTexts && f.relatedFiles.isEmpty { return }
        var replaced: [(String, String)] = fileReplaced.map { [$0] } ?? []
        func one(_ p: String) -> String {
            let r = redact(p)
            if r != p { replaced.append((p, r)) }
            return r
        }
        if !f.relatedFiles.isEmpty { f.relatedFiles = f.relatedFiles.map(one) }
        guard !replaced.isEmpty else { return }
        replaced.sort { $0.0.count > $1.0.count }   // a path before its prefixes
        // (most texts hold no path: searched first, written back only when
        // one is there — an unconditional `s = s.utf8Replacing(…)` wrote
        // reference counts on every text of every finding)
        let shortest = replaced.lazy.map { $0.0.utf8.count }.min() ?? 0
        func text(_ s: inout String) {
            guard s.utf8.count >= shortest else { return }
            for k in replaced.indices where s.utf8Contains(replaced[k].0) {
                s = s.utf8Replacing(replaced[k].0, with: replaced[k].1)
            }
        }
        text(&f.message)
        // (`because` joined only when a path is in it)
        if replaced.contains(where: { f.becauseContains($0.0) }), var b = f.because { text(&b); f.because = b }
        if f.observed != nil { text(&f.observed!) }
        if f.expected != nil { text(&f.expected!) }
    }
}

/// `PathRedactor.values(of:)` of the last file a worker thread read, kept by
/// the bytes it was made from (`PathRedactor.writeValueBytes`): a thread gets
/// consecutive files, and the files of a series have the same patient — the
/// splitting and normalising of every file's names, IDs and dates was ~3% of
/// a check of identified files.
final class PHIValueCache {
    private var key: [UInt8] = []
    private var scratch: [UInt8] = []
    private var last: [[UInt8]] = []

    func values(of ds: DataSet) -> [[UInt8]] {
        scratch.removeAll(keepingCapacity: true)
        PathRedactor.writeValueBytes(of: ds, into: &scratch)
        if scratch == key { return last }
        swap(&key, &scratch)
        last = PathRedactor.values(of: ds)
        return last
    }
}
