import DcmRules

/// The compliance tables of protocol audits (docs/protocols.md, "Reports"):
/// per acquisition, per session (the sessions × acquisitions matrix), per
/// scanner and per parameter — in the JSON report (`protocols`), in the
/// `compliance-csv` report, and as a section of the HTML report. Session keys
/// and station names come redacted from the audit unless `--show-phi`.
enum ProtocolTables {
    static func scannerFields(_ key: [String]) -> (manufacturer: String, model: String, station: String, software: String) {
        let k = key + Array(repeating: "", count: max(0, 4 - key.count))
        return (k[0], k[1], k[2], k[3])
    }

    // MARK: JSON

    static func json(_ ps: [ProtocolCompliance], _ o: inout ByteOutput) {
        o.write(",\n  \"protocols\": [")
        for (i, p) in ps.enumerated() {
            o.write(i == 0 ? "\n    " : ",\n    ")
            o.write("{\"pack\": "); o.jsonString(p.pack)
            o.write(", \"tooFewSessions\": \(p.tooFewSessions), \"acquisitions\": [")
            for (k, a) in p.acquisitions.enumerated() { if k > 0 { o.write(", ") }; o.jsonString(a) }
            o.write("],\n     \"sessions\": [")
            for (k, s) in p.sessions.enumerated() {
                o.write(k == 0 ? "\n      " : ",\n      ")
                o.write("{\"session\": "); o.jsonString(s.session); o.write(", \"scanner\": "); o.jsonString(s.scanner)
                o.write(", \"compliant\": \(s.compliant), \"unexpected\": \(s.unexpected), \"excluded\": \(s.excluded), \"cells\": [")
                for (j, c) in s.cells.enumerated() {
                    if j > 0 { o.write(", ") }
                    o.write("{\"acquisition\": "); o.jsonString(p.acquisitions[j])
                    o.write(", \"status\": \"\(c.status.rawValue)\", \"series\": \(c.series), \"deviations\": [")
                    for (d, x) in c.deviations.enumerated() { if d > 0 { o.write(", ") }; o.jsonString(x) }
                    o.write("]}")
                }
                o.write("]}")
            }
            o.write(p.sessions.isEmpty ? "]" : "\n     ]")
            o.write(",\n     \"byAcquisition\": [")
            for (k, c) in p.byAcquisition.enumerated() {
                o.write(k == 0 ? "\n      " : ",\n      ")
                o.write("{\"acquisition\": "); o.jsonString(c.key.first ?? "")
                o.write(", \"series\": \(c.checked), \"compliantSessions\": \(c.compliant), \"deviatingSessions\": \(c.deviating), \"missingSessions\": \(c.missing), \"notEvaluatedSessions\": \(c.notEvaluated)}")
            }
            o.write(p.byAcquisition.isEmpty ? "]" : "\n     ]")
            o.write(",\n     \"byScanner\": [")
            for (k, c) in p.byScanner.enumerated() {
                let f = scannerFields(c.key)
                o.write(k == 0 ? "\n      " : ",\n      ")
                o.write("{\"manufacturer\": "); o.jsonString(f.manufacturer); o.write(", \"model\": "); o.jsonString(f.model)
                o.write(", \"station\": "); o.jsonString(f.station); o.write(", \"software\": "); o.jsonString(f.software)
                o.write(", \"series\": \(c.checked), \"compliant\": \(c.compliant), \"deviating\": \(c.deviating), \"notEvaluated\": \(c.notEvaluated)}")
            }
            o.write(p.byScanner.isEmpty ? "]" : "\n     ]")
            o.write(",\n     \"byParameter\": [")
            for (k, c) in p.byParameter.enumerated() {
                o.write(k == 0 ? "\n      " : ",\n      ")
                o.write("{\"acquisition\": "); o.jsonString(c.key.first ?? ""); o.write(", \"parameter\": "); o.jsonString(c.key.count > 1 ? c.key[1] : "")
                o.write(", \"series\": \(c.checked), \"deviating\": \(c.deviating), \"notEvaluated\": \(c.notEvaluated)}")
            }
            o.write(p.byParameter.isEmpty ? "]}" : "\n     ]}")
        }
        o.write("\n  ]")
    }

    // MARK: HTML

    /// Cell colours of the matrix (inline styles: the page's CSP allows them).
    static func style(_ s: CellStatus) -> String {
        switch s {
        case .compliant: return "background:#c8e6c9"
        case .deviating: return "background:#ffcdd2"
        case .missing: return "background:#e57373;color:#fff"
        case .absent: return "background:#f5f5f5;color:#999"
        case .ambiguous: return "background:#ffe0b2"
        case .notEvaluated: return "background:#fff9c4"
        }
    }

    /// The `protocols` list of the HTML template's context (docs/reports.md).
    static func htmlContext(_ ps: [ProtocolCompliance]) -> [[String: Any]] {
        ps.map { p -> [String: Any] in
            var acqRows: [[String: Any]] = []
            for c in p.byAcquisition {
                acqRows.append(["acquisition": c.key.first ?? "", "series": c.checked, "compliant": c.compliant, "deviating": c.deviating,
                                "missing": c.missing, "notEvaluated": c.notEvaluated])
            }
            return [
                "pack": p.pack, "tooFewSessions": p.tooFewSessions,
                "acquisitions": p.acquisitions.map { ["name": $0] },
                "sessions": p.sessions.map { s -> [String: Any] in
                    ["session": s.session, "scanner": s.scanner, "compliant": s.compliant, "verdict": s.compliant ? "compliant" : "not compliant",
                     "unexpected": s.unexpected, "excluded": s.excluded,
                     "cells": s.cells.map { c -> [String: Any] in
                         ["status": c.status.rawValue, "style": style(c.status), "series": c.series,
                          "detail": c.deviations.isEmpty ? c.status.rawValue : c.status.rawValue + ": " + c.deviations.joined(separator: ", ")]
                     }]
                },
                "byAcquisition": acqRows,
                "byScanner": p.byScanner.map { c -> [String: Any] in
                    let f = scannerFields(c.key)
                    return ["manufacturer": f.manufacturer, "model": f.model, "station": f.station, "software": f.software,
                            "series": c.checked, "compliant": c.compliant, "deviating": c.deviating, "notEvaluated": c.notEvaluated]
                },
                "byParameter": p.byParameter.map { c -> [String: Any] in
                    ["acquisition": c.key.first ?? "", "parameter": c.key.count > 1 ? c.key[1] : "", "series": c.checked,
                     "deviating": c.deviating, "notEvaluated": c.notEvaluated]
                },
            ]
        }
    }

    /// Where the built-in template takes the protocol section (one marker
    /// line, so that other report sections merge without conflict).
    static let htmlMarker = "<!-- dcmaudit:protocol-compliance -->\n"

    /// The HTML section of protocol compliance; every value escaped by mustache.
    static let htmlSection = """
    {{#protocols}}
    <!-- protocol compliance (docs/protocols.md) -->
    <section class="protocol" id="protocol-{{pack}}">
    <h2>Protocol compliance: <code>{{pack}}</code></h2>
    {{#tooFewSessions}}<p class="warning">Too few sessions for some acquisitions: they were not compared.</p>{{/tooFewSessions}}
    <table class="protocol-matrix">
    <thead><tr><th>session</th><th>scanner</th>{{#acquisitions}}<th>{{name}}</th>{{/acquisitions}}<th>unexpected</th><th>excluded</th></tr></thead>
    <tbody>
    {{#sessions}}<tr><td class="mono" title="{{verdict}}">{{session}}</td><td>{{scanner}}</td>{{#cells}}<td style="{{style}}" title="{{detail}}">{{status}}</td>{{/cells}}<td class="n">{{unexpected}}</td><td class="n">{{excluded}}</td></tr>
    {{/sessions}}
    </tbody></table>
    <p class="muted">compliant · deviating (a parameter differs) · missing (required and absent) · absent (not required) · ambiguous (a series matched two acquisitions) · not-evaluated</p>
    <h3>Per acquisition</h3>
    <table><thead><tr><th>acquisition</th><th>series</th><th>compliant sessions</th><th>deviating sessions</th><th>missing sessions</th><th>not evaluated</th></tr></thead><tbody>
    {{#byAcquisition}}<tr><td>{{acquisition}}</td><td class="n">{{series}}</td><td class="n">{{compliant}}</td><td class="n">{{deviating}}</td><td class="n">{{missing}}</td><td class="n">{{notEvaluated}}</td></tr>
    {{/byAcquisition}}</tbody></table>
    <h3>Per scanner</h3>
    <table><thead><tr><th>manufacturer</th><th>model</th><th>station</th><th>software</th><th>series</th><th>compliant</th><th>deviating</th><th>not evaluated</th></tr></thead><tbody>
    {{#byScanner}}<tr><td>{{manufacturer}}</td><td>{{model}}</td><td class="mono">{{station}}</td><td>{{software}}</td><td class="n">{{series}}</td><td class="n">{{compliant}}</td><td class="n">{{deviating}}</td><td class="n">{{notEvaluated}}</td></tr>
    {{/byScanner}}</tbody></table>
    <h3>Per parameter</h3>
    <table><thead><tr><th>acquisition</th><th>parameter</th><th>series checked</th><th>deviating</th><th>not evaluated</th></tr></thead><tbody>
    {{#byParameter}}<tr><td>{{acquisition}}</td><td><code>{{parameter}}</code></td><td class="n">{{series}}</td><td class="n">{{deviating}}</td><td class="n">{{notEvaluated}}</td></tr>
    {{/byParameter}}</tbody></table>
    </section>
    {{/protocols}}

    """
}

// MARK: - CSV

/// `compliance-csv`: the protocol compliance tables as one CSV (RFC 4180),
/// one row per table entry, the `table` column saying which: `session`
/// (a matrix cell: session × acquisition), `acquisition`, `scanner`,
/// `parameter`. Line 1 is a `#` comment with the run facts.
public final class ComplianceCSVReport: Reporter {
    public static let format = "compliance-csv"
    public static let summary = "protocol compliance tables: per session × acquisition, acquisition, scanner, parameter"
    public static let columns = ["table", "pack", "session", "scanner", "acquisition", "parameter", "status", "deviations",
                                 "manufacturer", "model", "station", "software", "series", "compliant", "deviating", "missing", "not_evaluated"]
    let out: ReportSink
    let run: RunInfo
    public init(run: RunInfo, options: ReporterOptions, out: ReportSink) { self.out = out; self.run = run }
    public func add(_ batch: [Finding]) {}
    public func finish(_ r: CheckReport, duration: Double) {
        var o = ByteOutput(capacity: 4096)
        let head = ("# dcmaudit \(run.toolVersion) compliance tables; started \(run.startTime); packs: " + run.packs.map { "\($0.id)@\($0.version)" }.joined(separator: ", ")
            + "; patient data " + (run.showPHI ? "PATIENT DATA SHOWN (--show-phi)" : "redacted") + "; command: " + r.commandLineText(run)
            + (r.incomplete ? "; INCOMPLETE: " + incompleteNotice(r) : ""))
        o.write(ByteOutput.oneLine(head) + "\r\n")
        o.write(Self.columns.joined(separator: ",") + "\r\n")
        func row(_ fields: [String]) {
            for (i, v) in fields.enumerated() { if i > 0 { o.byte(0x2C) }; o.csvField(v) }
            o.write("\r\n")
        }
        for p in r.protocols {
            for s in p.sessions {
                for (j, c) in s.cells.enumerated() {
                    row(["session", p.pack, s.session, s.scanner, p.acquisitions[j], "", c.status.rawValue, c.deviations.joined(separator: " "),
                         "", "", "", "", String(c.series), "", "", "", ""])
                }
            }
            for c in p.byAcquisition {
                row(["acquisition", p.pack, "", "", c.key.first ?? "", "", "", "", "", "", "", "", String(c.checked), String(c.compliant),
                     String(c.deviating), String(c.missing), String(c.notEvaluated)])
            }
            for c in p.byScanner {
                let f = ProtocolTables.scannerFields(c.key)
                row(["scanner", p.pack, "", "", "", "", "", "", f.manufacturer, f.model, f.station, f.software, String(c.checked), String(c.compliant),
                     String(c.deviating), "", String(c.notEvaluated)])
            }
            for c in p.byParameter {
                row(["parameter", p.pack, "", "", c.key.first ?? "", c.key.count > 1 ? c.key[1] : "", "", "", "", "", "", "", String(c.checked),
                     String(c.checked - c.deviating - c.notEvaluated), String(c.deviating), "", String(c.notEvaluated)])
            }
        }
        out.write(o.bytes)
    }
}
