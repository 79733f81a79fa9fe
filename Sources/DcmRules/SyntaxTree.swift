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
        let root: Node?
        do {
            // the basic resolver: every scalar stays a string (the language types
            // values itself), and no regular expression runs per scalar to
            // resolve its tag — that was a third of a large pack's load time
            root = try Yams.compose(yaml: text, .basic)
        } catch let e as YamlError {
            var d = diagnostic(for: e, file: file)
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
        guard let root else { throw PackErrors([PackDiagnostic(SourceLocation(file: file, line: 1, column: 1), "the file is empty")]) }
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
