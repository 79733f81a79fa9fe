import Foundation
import DcmData

/// `dcmaudit.yml`: which packs, rules disabled, severities re-graded, paths
/// included or excluded, default reports and fail-on, and waivers. Loaded
/// like a pack: every node keeps its line and column, every scalar stays a
/// string, and unknown keys are errors with a suggestion.
public struct AuditConfig: Sendable {
    public struct Located<T: Sendable>: Sendable {
        public var value: T
        public var location: SourceLocation
    }
    /// A selector on a file's attributes, in the rule language's selector
    /// syntax (`{Manufacturer: GE}`, `{ManufacturerModelName: {matches: "(?i)signa"}}`,
    /// a list meaning all of them): it holds for a finding when every part
    /// holds (is true, not unknown) on the finding's file — for series,
    /// study and data-set findings, on the file the finding names.
    public struct Selector: Sendable {
        public var predicates: [Predicate]
        /// The selector as written (flow style), for messages and reports.
        public var text: String
        public var location: SourceLocation
    }
    /// `severity:` — a rule re-graded everywhere (`when` nil) or only for
    /// the findings whose file the selector holds for.
    public struct SeverityOverride: Sendable {
        public var rule: Located<String>
        public var when: Selector?
        public var severity: Severity
    }
    public struct Waiver: Sendable {
        public var rule: Located<String>
        /// Globs on the finding's file path (`*` also matches `/`); empty: every file.
        public var paths: [String]
        /// A selector on the finding's file; nil: every file. With `paths`,
        /// both must hold.
        public var when: Selector?
        public var reason: String
        /// `YYYY-MM-DD`: the waiver holds through that day (UTC).
        public var expires: String?
        public var location: SourceLocation
    }

    public var file: String
    public var packs: [String] = []
    /// Pack files or directories, relative to the config file's directory.
    public var rules: [String] = []
    public var disable: [Located<String>] = []
    public var severity: [SeverityOverride] = []
    public var include: [String] = []
    public var exclude: [String] = []
    public var reports: [Located<String>] = []
    public var failOn: Located<String>?
    public var waivers: [Waiver] = []
    /// Where each entry of `packs` (by id) and `rules` (by path, as in
    /// `rules`) is written, for the loader's errors about them.
    public var origins: [String: SourceLocation] = [:]

    public static let keys = ["version", "packs", "rules", "disable", "severity", "include", "exclude", "reports", "fail-on", "waivers"]
    public static let waiverKeys = ["rule", "when", "paths", "reason", "expires"]
    public static let severityKeys = ["rule", "when", "severity"]

    public init(file: String) { self.file = file }

    /// Loads and checks a config file; every error at once (`PackErrors`).
    public static func load(path: String) throws -> AuditConfig {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw PackErrors([PackDiagnostic(SourceLocation(file: path, line: 1, column: 1), "cannot read the config file: " + unreadableReason(path))])
        }
        return try parse(text, file: path)
    }

    /// Why a config file could not be read as text (the message said only
    /// "cannot read the config file": a missing file, a directory and a
    /// Latin-1 comment looked the same).
    static func unreadableReason(_ path: String) -> String {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return "no such file" }
        if isDir.boolValue { return "it is a directory" }
        guard let data = FileManager.default.contents(atPath: path) else { return "it cannot be opened for reading" }
        if String(data: data, encoding: .utf8) == nil {
            let bytes = [UInt8](data)
            let valid = String(decoding: bytes, as: UTF8.self).unicodeScalars.prefix { $0 != "\u{FFFD}" }
            let line = 1 + valid.filter { $0 == "\n" }.count
            return "not UTF-8 text (line \(line); save it as UTF-8)"
        }
        return "unknown error"
    }

    public static func parse(_ text: String, file: String) throws -> AuditConfig {
        var c = AuditConfig(file: file)
        // nothing but comments and blank lines (tabs too, which libYAML
        // refuses as indentation), or a document of nothing (`---`, `~`):
        // a config that sets nothing, as without one
        let blank = text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }).allSatisfy { line in
            let t = line.drop { $0 == " " || $0 == "\t" }
            return t.isEmpty || t.first == "#"
        }
        if blank { return c }
        guard let root = try SyntaxNode.parseDocument(text, file: file), !root.isNull else { return c }
        var diags: [PackDiagnostic] = []
        guard let entries = root.entries else {
            throw PackErrors([PackDiagnostic(root.location, "a config is a mapping of \(keys.joined(separator: ", "))")])
        }
        let dir: String = {
            guard let i = file.lastIndex(of: "/") else { return "" }
            return String(file[...i])
        }()
        /// What a node is, for messages: a YAML null (`~`, `null`, nothing)
        /// is said as such — "not a scalar" did not tell `paths: ~` apart
        /// from a typo'd glob.
        func kind(_ n: SyntaxNode) -> String { n.isNull ? "null (~)" : n.kindName }
        func strings(_ n: SyntaxNode, _ what: String) -> [Located<String>] {
            if let s = n.scalar, !n.isNull { return [Located(value: s, location: n.location)] }
            guard let items = n.items else { diags.append(PackDiagnostic(n.location, "\(what) is a list of strings, not \(kind(n))")); return [] }
            var out: [Located<String>] = []
            for i in items {
                // `[~]` was the string "~": a rule, glob or report of that name
                guard let s = i.scalar, !i.isNull else { diags.append(PackDiagnostic(i.location, "\(what): expected a string, not \(kind(i))")); continue }
                out.append(Located(value: s, location: i.location))
            }
            return out
        }
        func severityValue(_ n: SyntaxNode) -> Severity? {
            guard let s = n.scalar, let v = Severity(rawValue: s) else {
                diags.append(PackDiagnostic(n.location, "a severity is error, warning or info" + (n.isNull ? ", not null (~)" : ""),
                                            suggestion: n.isNull ? nil : n.scalar.flatMap { suggest($0, among: Severity.allCases.map(\.rawValue)) }))
                return nil
            }
            return v
        }
        /// A selector compiled by the pack compiler (no named conditions:
        /// a config has none); its errors join the config's.
        func selector(_ n: SyntaxNode) -> Selector? {
            guard n.entries != nil || n.items != nil else {
                diags.append(PackDiagnostic(n.location, "when is a selector: a mapping of attribute to test, e.g. {Manufacturer: GE}, or a list of them"))
                return nil
            }
            let compiler = PackCompiler(file: file)
            let ps = compiler.compileWhen(n)
            guard compiler.diagnostics.isEmpty else { diags += compiler.diagnostics; return nil }
            return Selector(predicates: ps, text: n.flowText, location: n.location)
        }
        for (key, kl, value) in entries {
            switch key {
            case "version":
                if value.isNull { diags.append(PackDiagnostic(value.location, "version is 1, not null (~)")) }
                else if value.scalar != "1" { diags.append(PackDiagnostic(value.location, "unsupported config version '\(value.scalar ?? "")' (this dcmaudit reads version 1)")) }
            case "packs":
                for p in strings(value, "packs") { c.packs.append(p.value); c.origins[p.value] = c.origins[p.value] ?? p.location }
            case "rules":
                for r in strings(value, "rules") {
                    let path = r.value.hasPrefix("/") ? r.value : dir + r.value
                    c.rules.append(path); c.origins[path] = c.origins[path] ?? r.location
                }
            case "disable": c.disable = strings(value, "disable")
            case "severity":
                if let m = value.entries {
                    for (rule, rl, v) in m { if let s = severityValue(v) { c.severity.append(SeverityOverride(rule: Located(value: rule, location: rl), when: nil, severity: s)) } }
                    continue
                }
                guard let items = value.items else {
                    diags.append(PackDiagnostic(value.location, "severity is a mapping of rule id to error, warning or info, or a list of {rule, when, severity}" + (value.isNull ? ", not null (~)" : ""))); continue
                }
                for item in items {
                    guard let m = item.entries else { diags.append(PackDiagnostic(item.location, "a severity override is a mapping of rule, when and severity")); continue }
                    var rule: Located<String>?, when: Selector?, sev: Severity?, sawSeverity = false
                    for (k, kl, v) in m {
                        switch k {
                        case "rule":
                            if let s = v.scalar, !v.isNull { rule = Located(value: s, location: v.location) }
                            else { diags.append(PackDiagnostic(v.location, "rule is a rule id, not \(kind(v))")) }
                        case "when": when = selector(v)
                        case "severity": sawSeverity = true; sev = severityValue(v)
                        default: diags.append(PackDiagnostic(kl, "unknown severity key '\(k)'", suggestion: suggest(k, among: severityKeys)))
                        }
                    }
                    if rule == nil { diags.append(PackDiagnostic(item.location, "a severity override needs a rule")) }
                    if !sawSeverity { diags.append(PackDiagnostic(item.location, "a severity override needs a severity (error, warning or info)")) }
                    if let rule, let sev { c.severity.append(SeverityOverride(rule: rule, when: when, severity: sev)) }
                }
            case "include": c.include = strings(value, "include").map(\.value)
            case "exclude": c.exclude = strings(value, "exclude").map(\.value)
            case "reports": c.reports = strings(value, "reports")
            case "fail-on":
                if let s = value.scalar, ["error", "warning", "info", "never"].contains(s) { c.failOn = Located(value: s, location: value.location) }
                else {
                    let all = ["error", "warning", "info", "never"]
                    let hint = value.scalar.flatMap { s in all.first { !s.isEmpty && $0.hasPrefix(s.lowercased()) } ?? suggest(s, among: all) }
                    diags.append(PackDiagnostic(value.location, "fail-on is error, warning, info or never" + (value.isNull ? ", not null (~)" : ""), suggestion: hint))
                }
            case "waivers":
                guard let items = value.items else { diags.append(PackDiagnostic(value.location, "waivers is a list of {rule, paths, reason, expires}" + (value.isNull ? ", not null (~)" : ""))); continue }
                for item in items {
                    guard let m = item.entries else { diags.append(PackDiagnostic(item.location, "a waiver is a mapping of rule, paths, reason and expires")); continue }
                    var rule: Located<String>?, paths: [String] = [], reason: String?, expires: String?, when: Selector?, badReason = false
                    for (k, wl, v) in m {
                        switch k {
                        case "rule":
                            // `rule: ~` was the rule '~' ("no rule '~' in the packs")
                            if let s = v.scalar, !v.isNull { rule = Located(value: s, location: v.location) }
                            else { diags.append(PackDiagnostic(v.location, "rule is a rule id, not \(kind(v))")) }
                        case "paths": paths = strings(v, "paths").map(\.value)
                        case "when": when = selector(v)
                        case "reason":
                            // `reason: ~` was the reason "~": a waiver without one
                            reason = v.isNull ? nil : v.scalar
                            if reason == nil { badReason = true; diags.append(PackDiagnostic(v.location, "reason is a text, not \(kind(v))")) }
                        case "expires":
                            if let s = v.scalar, isDate(s) { expires = s }
                            else { diags.append(PackDiagnostic(v.location, "expires is a date, YYYY-MM-DD")) }
                        default: diags.append(PackDiagnostic(wl, "unknown waiver key '\(k)'", suggestion: suggest(k, among: waiverKeys)))
                        }
                    }
                    if rule == nil { diags.append(PackDiagnostic(item.location, "a waiver needs a rule")) }
                    if (reason ?? "").trimmingSpaces.isEmpty && !badReason { diags.append(PackDiagnostic(item.location, "a waiver needs a reason")) }
                    if let rule, let reason, !reason.trimmingSpaces.isEmpty {
                        c.waivers.append(Waiver(rule: rule, paths: paths, when: when, reason: reason, expires: expires, location: item.location))
                    }
                }
            default:
                diags.append(Self.unknownKeyDiagnostic(key, kl))
            }
        }
        if !diags.isEmpty { throw PackErrors(diags) }
        return c
    }

    /// An unknown top-level key: a key of a rule pack or of its `protocol:`
    /// section (written in the config by mistake) is named as such — the
    /// spelling suggestion offered for `session` was `version`.
    static func unknownKeyDiagnostic(_ key: String, _ at: SourceLocation) -> PackDiagnostic {
        if Keys.protocolSection.contains(key) && !keys.contains(key) {
            return PackDiagnostic(at, "unknown key '\(key)': it is a key of a rule pack's 'protocol:' section (docs/protocols.md), "
                                  + "not of a config, which names its packs with 'packs' or 'rules' (docs/configuration.md)")
        }
        if Keys.pack.contains(key) && !keys.contains(key) {
            return PackDiagnostic(at, "unknown key '\(key)': it is a key of a rule pack, not of a config, "
                                  + "which names its packs with 'packs' or 'rules' (docs/configuration.md)")
        }
        return PackDiagnostic(at, "unknown key '\(key)'", suggestion: suggest(key, among: keys))
    }

    static func isDate(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 10, u[4] == 0x2D, u[7] == 0x2D else { return false }
        for (i, b) in u.enumerated() where i != 4 && i != 7 { if b < 0x30 || b > 0x39 { return false } }
        // a day of the month: 2026-02-30 or 2027-04-31 name no day (and,
        // compared as text with today, would expire or hold by accident)
        let y = Int(s.prefix(4))!, m = Int(s.dropFirst(5).prefix(2))!, d = Int(s.suffix(2))!
        return (1...12).contains(m) && (1...DicomDate.daysIn(month: m, year: y)).contains(d)
    }

    /// Checks rule ids named by the config against the loaded rules.
    /// `builtin` rules (file.unreadable, file.not-dicom) can be waived, not
    /// disabled or re-graded.
    public func checkRuleIDs(_ known: [String], builtin: [String]) -> [PackDiagnostic] {
        let set = Set(known), all = Set(known + builtin)
        var out: [(Located<String>, Bool)] = (disable + severity.map(\.rule)).map { ($0, set.contains($0.value)) }
        out += waivers.map { ($0.rule, all.contains($0.rule.value)) }
        out.sort { ($0.0.location.line, $0.0.location.column) < ($1.0.location.line, $1.0.location.column) }
        return out.filter { !$0.1 }.map { r, _ in
            builtin.contains(r.value)
                ? PackDiagnostic(r.location, "the built-in rule '\(r.value)' can be waived, not disabled or re-graded")
                : PackDiagnostic(r.location, "no rule '\(r.value)' in the packs of this run", suggestion: suggest(r.value, among: known + builtin))
        }
    }

    /// The severity overrides that hold only under a selector, in file order
    /// (applied per finding by the check runner; the first that holds wins).
    public var selectorOverrides: [SeverityOverride] { severity.filter { $0.when != nil } }

    /// The rules after `disable` and the per-rule `severity` entries (those
    /// without `when`; the last one of a rule wins).
    public func apply(to set: RuleSet) -> RuleSet {
        let disabled = Set(disable.map(\.value))
        var regrade: [String: Severity] = [:]
        for s in severity where s.when == nil { regrade[s.rule.value] = s.severity }
        var out = set
        out.rules = set.rules.compactMap { r in
            if disabled.contains(r.id) { return nil }
            guard let s = regrade[r.id], s != r.severity else { return r }
            return Rule(id: r.id, title: r.title, severity: s, level: r.level, when: r.when, check: r.check, message: r.message,
                        messageText: r.messageText, reference: r.reference, examples: r.examples, packID: r.packID,
                        location: r.location, checkText: r.checkText, whenText: r.whenText, description: r.description)
        }
        return out
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\n" || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\n" || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
