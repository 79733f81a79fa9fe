import DcmData
import DcmDictionary

/// Series-level attributes a protocol audit keeps of every series, to name it
/// and its scanner in findings and reports.
public enum SeriesInfo {
    public static let keywords = ["Modality", "SeriesNumber", "SeriesDescription", "ProtocolName", "Manufacturer",
                                  "ManufacturerModelName", "StationName", "SoftwareVersions", "MagneticFieldStrength",
                                  "ImageType", "SequenceName", "SOPClassUID"]
    static let refs: [AttributeRef] = keywords.map { .tag(DataDictionary.tag(forKeyword: $0)!, text: $0) }
    public static func index(_ k: String) -> Int { keywords.firstIndex(of: k)! }
}

/// What a protocol audit keeps of one file: its session and series keys,
/// which exclusion and acquisitions its selectors chose, and the text of each
/// attribute the protocol needs. A few strings: never the data set.
public struct ProtocolSample: Sendable {
    public var session: String?
    public var series: String?
    public var excludedBy: Int?
    public var matches: [Int]
    /// The overrides of `matches[0]` whose selectors hold.
    public var overrides: [Int]
    /// Indexed like `ProtocolSpec.refs` (`nil`: absent).
    public var values: [String?]
    /// Indexed like `SeriesInfo.keywords`.
    public var info: [String?]
}

/// What an evaluator remembers of the last file it sampled for a protocol:
/// the choices of the selectors, which are made per series.
final class ProtocolChoiceCache {
    var series: String
    var order: Int
    var excluded: Int?
    var matches: [Int]
    var overrides: [Int]
    var info: [String?]
    /// The refs the series' parameters name (`nil`: all of them).
    var needed: [Int]?
    init(series: String, order: Int, excluded: Int?, matches: [Int], overrides: [Int], info: [String?], needed: [Int]?) {
        self.series = series; self.order = order; self.excluded = excluded; self.matches = matches; self.overrides = overrides
        self.info = info; self.needed = needed
    }
}

extension Evaluator {
    /// The key of a session of several attributes (`session: [A, B]`): the
    /// values joined with `|`, a `|` or `\` within a value escaped with `\`
    /// (`a\|b|c`) — values holding a `|` ("a|b" + "c", "a" + "b|c") made
    /// one key of two sessions. One attribute's value is the key as it is.
    static func sessionKey(_ parts: [String]) -> String {
        guard parts.count > 1 else { return parts.first ?? "" }
        return parts.map { p -> String in
            guard p.contains("|") || p.contains("\\") else { return p }
            var o = ""
            for c in p.unicodeScalars {
                if c == "|" || c == "\\" { o += "\\" }
                o.unicodeScalars.append(c)
            }
            return o
        }.joined(separator: "|")
    }

    /// Samples one file for a protocol. Selectors are evaluated as `when`s are
    /// (a selector that cannot be decided does not hold).
    ///
    /// `order` (the file's position in the run) and `slot` (the protocol's)
    /// let files of a series after the first reuse the selectors' choices
    /// and series attributes of an earlier file of the same series this
    /// evaluator sampled: a series keeps its first file's choices anyway, and
    /// the first file of a series (the smallest order) is always sampled in
    /// full, so the result does not depend on which thread saw what.
    /// Only the attributes the matched acquisition's parameters name are read.
    public func protocolSample(_ spec: ProtocolSpec, _ file: DicomFile, order: Int? = nil, slot: Int = 0) -> ProtocolSample {
        let ds = file.dataSet
        func nonEmpty(_ s: String?) -> String? { s.flatMap { $0.isEmpty ? nil : $0 } }
        let parts = spec.session.map { nonEmpty(valueText($0, file)) }
        let session: String? = parts.contains { $0 == nil } ? nil : Evaluator.sessionKey(parts.map { $0! })
        let series = nonEmpty(ds.string(Evaluator.seriesUID))
        let choice: ProtocolChoiceCache
        if let order, let series, let c = protocolChoices[slot], c.series == series, c.order < order {
            choice = c
            c.order = order
        } else {
            var excluded: Int? = nil
            for (i, e) in spec.exclusions.enumerated() where evaluate(e.when, file, selector: true) == .yes { excluded = i; break }
            var matches: [Int] = []
            var overrides: [Int] = []
            if excluded == nil {
                for (i, a) in spec.acquisitions.enumerated() where a.match.allSatisfy({ evaluate($0, file, selector: true) == .yes }) { matches.append(i) }
                if let m = matches.first {
                    for (k, o) in spec.acquisitions[m].overrides.enumerated() where o.when.allSatisfy({ evaluate($0, file, selector: true) == .yes }) {
                        overrides.append(k)
                    }
                }
            }
            var needed: [Int]? = nil
            if !spec.acquisitions.isEmpty {
                // a protocol reads what the one matched acquisition checks; learn and infer read everything
                var n = Set<Int>()
                if matches.count == 1 {
                    let a = spec.acquisitions[matches[0]]
                    for p in a.parameters { if let r = p.ref { n.insert(r) } }
                    for k in overrides { for p in a.overrides[k].parameters { if let r = p.ref { n.insert(r) } } }
                }
                needed = n.sorted()
            }
            choice = ProtocolChoiceCache(series: series ?? "", order: order ?? 0, excluded: excluded, matches: matches, overrides: overrides,
                                         info: SeriesInfo.refs.map { nonEmpty(valueText($0, file)) }, needed: needed)
            if order != nil, series != nil { protocolChoices[slot] = choice }
        }
        var values = [String?](repeating: nil, count: spec.refs.count)
        if let needed = choice.needed { for i in needed { values[i] = parameterText(spec.refs[i], file) } }
        else { for i in spec.refs.indices { values[i] = parameterText(spec.refs[i], file) } }
        return ProtocolSample(session: session, series: series, excludedBy: choice.excluded, matches: choice.matches, overrides: choice.overrides,
                              values: values, info: choice.info)
    }
}

extension Evaluator {
    /// A parameter's value for protocol audits: `valueText`, or
    /// ``undecodableValue`` for a derived value that cannot be decoded (a
    /// parameter on it is then not evaluated, never passed or failed).
    func parameterText(_ ref: AttributeRef, _ file: DicomFile) -> String? {
        if case .derived = ref, case .undecodable = ref.resolve(in: file) { return undecodableValue }
        return valueText(ref, file)
    }
}

/// The stored value of a parameter that cannot be decoded (VendorDerived.swift).
public let undecodableValue = "\u{0}undecodable"

/// The distinct values of one attribute in a series, in the order first
/// seen, with how many files had each (at most `SeriesRecord.keptValues`).
public struct DistinctValues: Sendable {
    public var values: [(value: String?, files: Int)] = []
    public var overflow = false
    mutating func add(_ v: String?) {
        if let i = values.firstIndex(where: { $0.value == v }) { values[i].files += 1 }
        else if values.count < SeriesRecord.keptValues { values.append((v, 1)) }
        else { overflow = true }
    }
}

/// One series as a protocol audit sees it, built from its files' samples:
/// the selectors' choices on its first file, its instance count, and the
/// distinct values of each attribute. Memory grows with series, not files.
public final class SeriesRecord: @unchecked Sendable {
    public static let keptValues = 8
    public let session: String
    public let series: String
    public let firstFile: String
    public internal(set) var instances = 0
    public let excludedBy: Int?
    public let matches: [Int]
    public let overrides: [Int]
    public let info: [String?]
    public internal(set) var values: [DistinctValues]

    init(_ s: ProtocolSample, session: String, series: String, file: String) {
        self.session = session; self.series = series; firstFile = file
        excludedBy = s.excludedBy; matches = s.matches; overrides = s.overrides; info = s.info
        values = Array(repeating: DistinctValues(), count: s.values.count)
    }

    public func info(_ keyword: String) -> String? { info[SeriesInfo.index(keyword)] }

    /// "SIEMENS Prisma (syngo MR XA30)"; the station name (PHI) only with `showPHI`, else its hash.
    public func scanner(showPHI: Bool) -> String {
        var s = [info("Manufacturer") ?? "(no manufacturer)", info("ManufacturerModelName") ?? "(no model)"].joined(separator: " ")
        if let sw = info("SoftwareVersions") { s += " (\(sw))" }
        if let st = info("StationName") { s += " station \(showPHI ? st : Redaction.redact(st))" }
        return s
    }

    /// `series 5 "T1_MPRAGE"`.
    public var label: String {
        var s = "series " + (info("SeriesNumber") ?? "?")
        if let d = info("SeriesDescription") ?? info("ProtocolName") { s += " \"\(d)\"" }
        return s
    }
}

/// Groups the samples of a run into sessions and series, in the order first seen.
public final class ProtocolCollector {
    public let spec: ProtocolSpec
    public private(set) var records: [SeriesRecord] = []
    var byKey: [String: SeriesRecord] = [:]
    /// Files without a session key (e.g. no StudyInstanceUID): not audited, counted.
    public private(set) var filesWithoutSession = 0

    public init(_ spec: ProtocolSpec) { self.spec = spec }

    public func add(_ s: ProtocolSample, path: String) {
        guard let session = s.session else { filesWithoutSession += 1; return }
        let series = s.series ?? "(no SeriesInstanceUID: \(path))"
        let key = session + "\u{0}" + series
        let r: SeriesRecord
        if let x = byKey[key] { r = x } else {
            r = SeriesRecord(s, session: session, series: series, file: path)
            byKey[key] = r
            records.append(r)
        }
        r.instances += 1
        for (i, v) in s.values.enumerated() { r.values[i].add(v) }
    }

    /// Session keys in the order first seen, with their series.
    public var sessions: [(key: String, series: [SeriesRecord])] {
        var order: [String] = []
        var by: [String: [SeriesRecord]] = [:]
        for r in records {
            if by[r.session] == nil { order.append(r.session) }
            by[r.session, default: []].append(r)
        }
        return order.map { ($0, by[$0]!) }
    }
}
