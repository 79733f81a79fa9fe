import DcmData
import DcmDictionary
import DcmRules

/// Files or series by their worst finding: with an error, with warnings (and
/// no error), clean (no finding, or info only).
public struct ComplianceCounts: Sendable, Equatable {
    public var errors = 0
    public var warnings = 0
    public var clean = 0
    public var total: Int { errors + warnings + clean }
    public init() {}
    mutating func add(_ worst: Severity?) {
        switch worst {
        case .error: errors += 1
        case .warning: warnings += 1
        default: clean += 1
        }
    }
}

/// Compliance of one scanner: Manufacturer (0008,0070), Manufacturer's Model
/// Name (0008,1090), Station Name (0008,1010) and Software Versions
/// (0018,1020) of the General Equipment Module (PS3.3 §C.7.5.1). The station
/// name is patient-identifying in PS3.15 Annex E (it can name a site): it is
/// `<redacted:hash>` unless --show-phi.
public struct ScannerCompliance: Sendable {
    public var manufacturer: String
    public var model: String
    public var station: String
    public var softwareVersions: String
    public var files = ComplianceCounts()
    public var series = ComplianceCounts()
    public var label: String {
        [manufacturer, model, station, softwareVersions].map { $0.isEmpty ? "?" : $0 }.joined(separator: " · ")
    }
}

/// Compliance of one series.
public struct SeriesCompliance: Sendable {
    public var uid: String
    public var modality: String
    /// Index in `Compliance.scanners` of the series' first file's scanner.
    public var scanner: Int
    public var files = ComplianceCounts()
    /// The worst finding of the series: of its files, or a series-level finding.
    public var worst: Severity?
}

/// Files and series with errors vs clean, over all and per scanner and per
/// series (the HTML report's compliance charts; JSON `compliance`). Counted
/// on the findings the run reports: after severity overrides, waivers and the
/// baseline. Instance findings count for their file and its series;
/// series-level findings for their series; study, patient and data-set
/// findings for neither. Unreadable and non-DICOM files have no series or
/// scanner and are left out (they are counted as such elsewhere).
public struct Compliance: Sendable {
    public var files = ComplianceCounts()
    public var series = ComplianceCounts()
    public var scanners: [ScannerCompliance] = []
    /// Every series, in input order.
    public var seriesList: [SeriesCompliance] = []
    public init() {}
}

/// Builds `Compliance` as files are emitted (one thread: the runner's).
final class ComplianceTally {
    private var scannerIndex: [[String]: Int] = [:]
    private var scanners: [ScannerCompliance] = []
    private var seriesIndex: [String: Int] = [:]
    private var series: [SeriesCompliance] = []
    /// Scanners each series was seen with.
    private var seriesScanners: [Set<Int>] = []
    private var files = ComplianceCounts()
    let showPHI: Bool

    init(showPHI: Bool) { self.showPHI = showPHI }

    static let scannerTags = [Tag(0x0008, 0x0070), Tag(0x0008, 0x1090), Tag(0x0008, 0x1010), Tag(0x0018, 0x1020)]

    /// The scanner of a data set: the four attributes, multiple values joined by `\`.
    static func scanner(of ds: DataSet) -> [String] {
        scannerTags.map { t in (ds.strings(t) ?? []).joined(separator: "\\") }
    }

    /// A file read and checked, with the worst of its reported instance findings.
    func add(scanner key: [String], series uid: String?, modality: String?, worst: Severity?) {
        let sc: Int
        if let i = scannerIndex[key] { sc = i } else {
            sc = scanners.count
            scannerIndex[key] = sc
            let station = key[2].isEmpty || showPHI ? key[2] : Redaction.redact(key[2])
            scanners.append(ScannerCompliance(manufacturer: key[0], model: key[1], station: station, softwareVersions: key[3]))
        }
        scanners[sc].files.add(worst)
        files.add(worst)
        guard let uid, !uid.isEmpty else { return }
        let s: Int
        if let i = seriesIndex[uid] { s = i } else {
            s = series.count
            seriesIndex[uid] = s
            series.append(SeriesCompliance(uid: uid, modality: modality ?? "", scanner: sc))
            seriesScanners.append([])
        }
        series[s].files.add(worst)
        seriesScanners[s].insert(sc)
        series[s].worst = ComplianceTally.worse(series[s].worst, worst)
    }

    /// A series-level finding.
    func markSeries(_ uid: String, _ severity: Severity) {
        guard let s = seriesIndex[uid] else { return }
        series[s].worst = ComplianceTally.worse(series[s].worst, severity)
    }

    static func worse(_ a: Severity?, _ b: Severity?) -> Severity? {
        guard let a else { return b }
        guard let b else { return a }
        return max(a, b)
    }

    func finish() -> Compliance {
        var c = Compliance()
        c.files = files
        var sc = scanners
        for (k, s) in series.enumerated() {
            c.series.add(s.worst)
            for i in seriesScanners[k] { sc[i].series.add(s.worst) }
        }
        c.scanners = sc
        c.seriesList = series
        return c
    }
}
