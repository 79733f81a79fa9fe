import Yams

/// Where a node of a rule pack stands in its file: 1-based line and column
/// (columns counted in Unicode scalars, as libYAML does).
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int) { self.file = file; self.line = line; self.column = column }
    public var description: String { "\(file):\(line):\(column)" }
}

/// One error in a rule pack, formatted the way compilers print them:
/// `path:line:column: error: message (did you mean 'x'?)`.
public struct PackDiagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String
    public var suggestion: String?
    public init(_ location: SourceLocation, _ message: String, suggestion: String? = nil) {
        self.location = location; self.message = message; self.suggestion = suggestion
    }
    public var description: String {
        // line 0: not in a file (a pack id given on the command line), which
        // printed as the made-up position `--pack:1:1`
        (location.line == 0 ? "" : "\(location): ") + "error: \(message)" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "")
    }
    /// Where a diagnostic about the command line stands: nowhere in a file.
    public static let commandLine = SourceLocation(file: "", line: 0, column: 0)
}

/// Every error found in one or more pack files.
public struct PackErrors: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [PackDiagnostic]
    public init(_ d: [PackDiagnostic]) { diagnostics = d }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// The syntax tree of a pack file: YAML mappings, sequences and scalars with
/// their positions. Every scalar is a string; the schema types it later, so
/// `NO`, `ON`, `1.0` and `0010` are never turned into booleans or numbers
/// behind the author's back (DESIGN.md item 5).
public indirect enum SyntaxNode: Sendable {
    case scalar(String, SourceLocation, quoted: Bool)
    case mapping([(key: String, keyLocation: SourceLocation, value: SyntaxNode)], SourceLocation)
    case sequence([SyntaxNode], SourceLocation)

    public var location: SourceLocation {
        switch self {
        case .scalar(_, let l, _), .mapping(_, let l), .sequence(_, let l): return l
        }
    }
    public var scalar: String? { if case .scalar(let s, _, _) = self { return s }; return nil }
    public var entries: [(key: String, keyLocation: SourceLocation, value: SyntaxNode)]? {
        if case .mapping(let e, _) = self { return e }; return nil
    }
    public var items: [SyntaxNode]? { if case .sequence(let i, _) = self { return i }; return nil }
    /// A YAML null (`~`, `null`, or nothing) written without quotes.
    public var isNull: Bool {
        if case .scalar(let s, _, let q) = self, !q { return s.isEmpty || s == "~" || s == "null" || s == "Null" || s == "NULL" }
        return false
    }
    var kindName: String {
        switch self {
        case .scalar: return "a scalar"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }

    /// Parses YAML text into a syntax tree. YAML errors (syntax, duplicate
    /// keys) come back as a diagnostic with the position libYAML reported.
    public static func parse(_ text: String, file: String) throws -> SyntaxNode {
        guard let tree = try parseDocument(text, file: file) else {
            throw PackErrors([PackDiagnostic(SourceLocation(file: file, line: 1, column: 1), "the file is empty")])
        }
        return tree
    }

    /// As `parse`, but nil for a text with no YAML node: empty, or only
    /// comments and blank lines (a config that sets nothing is valid).
    public static func parseDocument(_ text: String, file: String) throws -> SyntaxNode? {
        let root: Node?
        do {
            // the basic resolver: every scalar stays a string (the language types
            // values itself), and no regular expression runs per scalar to
            // resolve its tag — that was a third of a large pack's load time
            root = try Yams.compose(yaml: text, .basic)
        } catch let e as YamlError {
            var d = diagnostic(for: e, file: file)
            // libYAML (Yams) names the first occurrence of a duplicate key:
            // point at the duplicate, the line to fix, and say where the first is
            if case let .duplicatedKeysInMapping(dups, ctx) = e, let key = dups.first,
               let (first, second) = secondOccurrence(of: key, first: ctx.mark, in: text) {
                d = PackDiagnostic(SourceLocation(file: file, line: second.line, column: second.column),
                                   "YAML: duplicate key '\(key)' in a mapping (first at \(first.line):\(first.column))"
                                   + (dups.count > 1 ? "; also duplicate: " + dups.dropFirst().map { "'\($0)'" }.joined(separator: ", ") : ""))
            }
            // a tab where YAML wants indentation: libYAML says only "found
            // character that cannot start any token" — say which
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            if d.location.line >= 1, d.location.line <= lines.count,
               let c = Array(lines[d.location.line - 1].unicodeScalars).dropFirst(d.location.column - 1).first, c == "\t",
               !d.message.contains("tab") {
                d.message += " (a tab: YAML indents with spaces only)"
            }
            throw PackErrors([d])
        }
        guard let root else { return nil }
        // YAML aliases (`*a`) repeat their anchor's node: nested, each
        // level multiplies ("billion laughs"). A 14-line pack expanded to
        // 43 million nodes and the run died when memory ran out. Without
        // aliases a file has fewer nodes than bytes; the budget leaves room
        // for aliases used as they are meant to be.
        var budget = 2 * text.utf8.count + 100_000
        guard let tree = convert(root, file: file, budget: &budget) else {
            throw PackErrors([PackDiagnostic(SourceLocation(file: file, line: 1, column: 1),
                                             "YAML: aliases expand the file to more than \(2 * text.utf8.count + 100_000) nodes (an alias used within an alias, over and over?)")])
        }
        return tree
    }

    /// Where the second occurrence of a duplicate key stands, given the first
    /// (what libYAML reports). Composes the text again with the reported
    /// occurrence's first character replaced by a private-use character — one
    /// character for one, so that no line or column moves — until no duplicate
    /// is left (a mapping may repeat several keys, several mappings may have
    /// duplicates), then looks in the mapping of the first occurrence for the
    /// next one of the same key. Both positions are the key's text (after
    /// an opening quote), as for every key. nil when that fails (the caller
    /// keeps libYAML's position).
    static func secondOccurrence(of key: String, first: Mark, in text: String) -> (first: (line: Int, column: Int), second: (line: Int, column: Int))? {
        var scalars = Array(text.unicodeScalars)
        /// The index of the scalar at a line and column (libYAML: lines
        /// broken by LF, CR LF or CR; columns in scalars).
        func index(_ m: Mark) -> Int? {
            var line = 1, col = 1, i = 0
            while i < scalars.count {
                if line == m.line && col == m.column { return i }
                let c = scalars[i]
                if c == "\r" && i + 1 < scalars.count && scalars[i + 1] == "\n" { i += 1 }
                if c == "\n" || c == "\r" { line += 1; col = 1 } else { col += 1 }
                i += 1
            }
            return nil
        }
        var originalKey: [Int: String] = [:]   // scalar index of a renamed key → its key
        var root: Node? = nil
        for round in 0..<64 {
            do {
                root = try Yams.compose(yaml: String(String.UnicodeScalarView(scalars)), .basic)
                break
            } catch let YamlError.duplicatedKeysInMapping(dups, ctx) {
                guard var i = index(ctx.mark), let k = dups.first else { return nil }
                if scalars[i] == "\"" || scalars[i] == "'" { i += 1 }
                guard i < scalars.count, !"\"'\r\n".unicodeScalars.contains(scalars[i]) else { return nil }
                originalKey[i] = k
                scalars[i] = Unicode.Scalar(0xE000 + UInt32(round))!
            } catch { return nil }
        }
        guard let root else { return nil }
        var budget = 2 * scalars.count + 100_000
        /// The mapping holding the key at `first`, depth first.
        func find(_ n: Node) -> Node.Mapping? {
            budget -= 1
            if budget < 0 { return nil }
            switch n {
            case .mapping(let m):
                if m.keys.contains(where: { $0.mark?.line == first.line && $0.mark?.column == first.column }) { return m }
                for (k, v) in m { if let r = find(k) ?? find(v) { return r } }
                return nil
            case .sequence(let s):
                for x in s { if let r = find(x) { return r } }
                return nil
            default: return nil
            }
        }
        guard let mapping = find(root) else { return nil }
        var best: Mark? = nil
        for k in mapping.keys {
            guard let m = k.mark, !(m.line == first.line && m.column == first.column), let i = index(m) else { continue }
            let at = (scalars[i] == "\"" || scalars[i] == "'") ? i + 1 : i   // (where a renamed key was renamed)
            guard (originalKey[at] ?? k.string) == key else { continue }
            if best == nil || (m.line, m.column) < (best!.line, best!.column) { best = m }
        }
        func keyText(_ m: Mark) -> (line: Int, column: Int) {
            guard let i = index(m), scalars[i] == "\"" || scalars[i] == "'" else { return (m.line, m.column) }
            return (m.line, m.column + 1)
        }
        return best.map { (keyText(first), keyText($0)) }
    }

    /// nil when the tree has more nodes than `budget`.
    static func convert(_ n: Node, file: String, budget: inout Int) -> SyntaxNode? {
        budget -= 1
        if budget < 0 { return nil }
        func loc(_ m: Mark?) -> SourceLocation { SourceLocation(file: file, line: m?.line ?? 1, column: m?.column ?? 1) }
        switch n {
        case .scalar(let s):
            return .scalar(s.string, loc(s.mark), quoted: s.style == .singleQuoted || s.style == .doubleQuoted || s.style == .literal || s.style == .folded)
        case .mapping(let m):
            var entries: [(key: String, keyLocation: SourceLocation, value: SyntaxNode)] = []
            for (k, v) in m {
                let key: String
                var kl = loc(k.mark)
                switch k {
                case .scalar(let s):
                    key = s.string
                    // point at the text, not at the opening quote
                    if s.style == .singleQuoted || s.style == .doubleQuoted { kl.column += 1 }
                default: key = "<non-scalar key>"
                }
                guard let value = convert(v, file: file, budget: &budget) else { return nil }
                entries.append((key, kl, value))
            }
            return .mapping(entries, loc(m.mark))
        case .sequence(let s):
            var items: [SyntaxNode] = []
            items.reserveCapacity(s.count)
            for x in s {
                guard let item = convert(x, file: file, budget: &budget) else { return nil }
                items.append(item)
            }
            return .sequence(items, loc(s.mark))
        case .alias(let a):
            return .scalar("", loc(a.mark), quoted: false)
        }
    }

    static func diagnostic(for e: YamlError, file: String) -> PackDiagnostic {
        switch e {
        case let .scanner(ctx, problem, mark, _), let .parser(ctx, problem, mark, _), let .composer(ctx, problem, mark, _):
            let c = ctx.map { "\($0.text) " } ?? ""
            return PackDiagnostic(SourceLocation(file: file, line: mark.line, column: mark.column), "YAML: \(c)\(problem)")
        case let .duplicatedKeysInMapping(dups, ctx):
            let m = ctx.mark
            return PackDiagnostic(SourceLocation(file: file, line: m.line, column: m.column), "YAML: duplicate key \(dups.map { "'\($0)'" }.joined(separator: ", ")) in a mapping")
        default:
            return PackDiagnostic(SourceLocation(file: file, line: 1, column: 1), "YAML: \(e)")
        }
    }
}

/// Edit distance, for "did you mean" suggestions.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.lowercased().utf8), b = Array(b.lowercased().utf8)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var prev = Array(0...b.count), cur = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        cur[0] = i
        for j in 1...b.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&prev, &cur)
    }
    return prev[b.count]
}

/// The closest of `candidates` to `word`, if close enough to be a plausible typo.
func suggest(_ word: String, among candidates: [String]) -> String? {
    var best: (String, Int)? = nil
    for c in candidates {
        let d = editDistance(word, c)
        if best == nil || d < best!.1 { best = (c, d) }
    }
    guard let (c, d) = best, d <= max(2, word.count / 3) else { return nil }
    return c
}
