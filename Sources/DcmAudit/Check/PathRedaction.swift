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

    /// Normalised values matched anywhere in a component, and their longest length.
    private var long: Set<String> = []
    private var longest = 0
    /// Normalised short values, matched as whole words.
    private var short: Set<String> = []
    /// Components already decided, valid while no value is learnt.
    private var decided: [Substring: Bool] = [:]

    /// The values of one file to look for in paths (run in the workers).
    static func values(of ds: DataSet) -> [String] {
        var out: [String] = []
        for tag in tags {
            guard let e = ds[tag] else { continue }
            for v in ds.strings(e) {
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

    /// Upper case, letters and digits only.
    static func normalize<S: StringProtocol>(_ s: S) -> String {
        var o = ""
        for c in s.uppercased() where c.isLetter || c.isNumber { o.append(c) }
        return o
    }

    func learn(_ values: [String]) {
        var grew = false
        for v in values {
            let n = PathRedactor.normalize(v)
            guard !n.isEmpty else { continue }
            if n.count >= PathRedactor.minimumSubstring {
                if long.insert(n).inserted { grew = true; longest = max(longest, n.count) }
            } else if short.insert(n).inserted { grew = true }
        }
        if grew { decided.removeAll(keepingCapacity: true) }
    }

    var isEmpty: Bool { long.isEmpty && short.isEmpty }

    /// Whether a path component holds a learnt value.
    func holdsValue(_ component: Substring) -> Bool {
        if let d = decided[component] { return d }
        var found = false
        if !short.isEmpty {
            found = component.split { !($0.isLetter || $0.isNumber) }.contains { short.contains(PathRedactor.normalize($0)) }
        }
        if !found && !long.isEmpty {
            let n = Array(PathRedactor.normalize(component))
            let minLength = PathRedactor.minimumSubstring
            if n.count >= minLength {
                search: for i in 0...(n.count - minLength) {
                    for j in (i + minLength)...min(n.count, i + longest) where long.contains(String(n[i..<j])) {
                        found = true
                        break search
                    }
                }
            }
        }
        decided[component] = found
        return found
    }

    /// The path with every component that holds a value replaced.
    func redact(_ path: String) -> String {
        guard !isEmpty else { return path }
        var changed = false
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map { c -> String in
            guard !c.isEmpty, c != ".", c != "..", holdsValue(c) else { return String(c) }
            changed = true
            return Redaction.redact(String(c))
        }
        return changed ? parts.joined(separator: "/") : path
    }

    /// A finding with its file, related files, and any mention of them in its
    /// texts (a uniqueness finding names the other file), redacted.
    func redact(_ f: Finding) -> Finding {
        guard !isEmpty else { return f }
        var f = f
        var replaced: [(String, String)] = []
        func one(_ p: String) -> String {
            let r = redact(p)
            if r != p { replaced.append((p, r)) }
            return r
        }
        if let p = f.file { f.file = one(p) }
        f.relatedFiles = f.relatedFiles.map(one)
        if !replaced.isEmpty {
            replaced.sort { $0.0.count > $1.0.count }   // a path before its prefixes
            func text(_ s: String?) -> String? {
                guard var s else { return nil }
                for (a, b) in replaced where s.contains(a) { s = s.replacing(a, with: b) }
                return s
            }
            f.message = text(f.message)!
            f.because = text(f.because); f.observed = text(f.observed); f.expected = text(f.expected)
        }
        return f
    }
}
