import Foundation
import DcmData

/// Loads rule packs: files and directories given by the user, packs named by
/// id from a library of known packs (the built-in `Rules/` directory), and
/// everything they `extends`, in dependency order, with no cycles. Every error
/// of every file is collected before giving up.
public struct PackLoader {
    /// Known pack files by id (from the library directories).
    public private(set) var index: [String: String] = [:]
    /// The ids of the packs under an `examples/` folder of a library
    /// (Rules/examples/: packs that show the rule language and protocols on
    /// the demo data). They load with `--pack` like the others, but are not
    /// among the standard's and the vendors' packs that `rules list` and
    /// `rules coverage` cover by default, and an unknown id's error lists
    /// them apart.
    public private(set) var exampleIDs: Set<String> = []
    /// The built-in pack ids but the examples, sorted.
    public var standardIDs: [String] { index.keys.filter { !exampleIDs.contains($0) }.sorted() }
    /// The known ids as an error names them: "a, b; examples: c".
    var knownList: String {
        let ex = exampleIDs.sorted()
        return standardIDs.joined(separator: ", ") + (ex.isEmpty ? "" : "; examples: " + ex.joined(separator: ", "))
    }
    var indexErrors: [PackDiagnostic] = []
    /// Whether rules' examples are built into data sets. `check` does not need
    /// them, and building them is most of a large pack's load time (the
    /// generated dicom.values has over a thousand); `rules validate|test|explain`
    /// and the tests build them, so malformed examples are still reported there.
    public var buildExamples = true
    /// Threads that may load the packs named at once (`load`): each pack
    /// that extends nothing is read, parsed and compiled on its own, the
    /// largest first, and then taken in order. 1: one after the other. The
    /// generated dicom.iod is most of the built-in packs' load time; with two
    /// threads the others load beside it (docs/benchmarks.md).
    public var threads = 1

    public init(libraries: [String] = []) {
        for dir in libraries { indexDirectory(dir) }
    }

    /// The `.yaml`/`.yml` files under `dir`, recursively, sorted.
    public static func packFiles(in dir: String) -> [String] {
        guard let en = FileManager.default.enumerator(atPath: dir) else { return [] }
        var out: [String] = []
        while let rel = en.nextObject() as? String {
            if rel.hasSuffix(".yaml") || rel.hasSuffix(".yml") { out.append((dir as NSString).appendingPathComponent(rel)) }
        }
        return out.sorted()
    }

    mutating func indexDirectory(_ dir: String) {
        for f in Self.packFiles(in: dir) {
            // a top-level `pack: id` line in the first 16 KB is enough (large
            // generated packs are neither read whole nor parsed just to be
            // indexed); otherwise parse the YAML
            let id: String
            if let head = Self.head(of: f), let quick = Self.quickPackID(head) { id = quick }
            else {
                guard let text = try? String(contentsOfFile: f, encoding: .utf8) else { continue }
                guard let root = try? SyntaxNode.parse(text, file: f),
                      let h = PackCompiler.header(of: root, file: f), !h.id.isEmpty else { continue }
                id = h.id
            }
            if index[id] == nil {
                index[id] = f
                if f.dropFirst(dir.count).split(separator: "/").dropLast().contains("examples") { exampleIDs.insert(id) }
            }
        }
    }

    /// The first 16 KB of a file, cut at its last line break (nil if unreadable).
    static func head(of path: String) -> String? {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? h.close() }
        guard let d = try? h.read(upToCount: 16384) else { return nil }
        let bytes = [UInt8](d)
        let end = bytes.count < 16384 ? bytes.count : (bytes.lastIndex(of: 0x0A) ?? 0)
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// The id of a `pack: dotted.id` line at the top level, when it is written plainly.
    static func quickPackID(_ text: String) -> String? {
        // line by line, stopping at the first `pack:` (no split of the whole file)
        var rest = Substring(text)
        while !rest.isEmpty {
            let end = rest.firstIndex(of: "\n") ?? rest.endIndex
            let line = rest[..<end]
            rest = end == rest.endIndex ? "" : rest[rest.index(after: end)...]
            guard line.hasPrefix("pack:") else { continue }
            var v = line.dropFirst(5)
            if let hash = v.firstIndex(of: "#") { v = v[..<hash] }
            let id = v.trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") }) else { return nil }
            return id
        }
        return nil
    }

    /// An error for each of `paths` that is a directory without any pack
    /// file (a mistyped or emptied `--rules site/`): it was silently no
    /// rules at all, and `check` passed every file, `rules test` printed
    /// nothing and exited 0. `origins` as for `load`.
    public static func emptyDirectories(_ paths: [String], origins: [String: SourceLocation] = [:]) -> [PackDiagnostic] {
        paths.compactMap { p in
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue, packFiles(in: p).isEmpty else { return nil }
            return PackDiagnostic(origins[p] ?? SourceLocation(file: p, line: 1, column: 1), "no pack file (*.yaml, *.yml) in the directory '\(p)'")
        }
    }

    /// What to do when no built-in pack is known (the binary copied without
    /// its `Rules/`): said where a pack id was looked up in vain.
    public static let noBuiltinPacks = "the built-in rule packs (Rules/) were not found: set DCMAUDIT_RULES to the directory that holds dicom.core.yaml"

    /// Expands files and directories into pack files.
    public static func expand(_ paths: [String]) -> [String] {
        var out: [String] = []
        for p in paths {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue { out += packFiles(in: p) } else { out.append(p) }
        }
        return out
    }

    /// Loads `files` and the library packs named in `ids`, with what they extend.
    /// `origins`: where a pack id or a file of `files` was named (a config
    /// file's line), for the errors about it; else `--pack` and the file itself.
    public func load(files: [String], ids: [String] = [], origins: [String: SourceLocation] = [:]) throws -> RuleSet {
        var diags: [PackDiagnostic] = []
        var roots: [String] = []
        for id in ids {
            if let f = index[id] { roots.append(f) }
            else {
                let known = index.keys.sorted()
                // a pack file given as an id (`--pack site.yaml`, `packs: [site/]`): say where files go
                let file = id.hasSuffix(".yaml") || id.hasSuffix(".yml") || id.contains("/")
                let hint = file ? "; a pack file or directory goes in --rules (the config's 'rules')"
                    : known.isEmpty ? "; " + Self.noBuiltinPacks : "; known: " + knownList
                diags.append(PackDiagnostic(origins[id] ?? PackDiagnostic.commandLine, "no pack with id '\(id)'\(hint)", suggestion: file ? nil : suggest(id, among: known)))
            }
        }
        var from: [String: SourceLocation] = [:]
        for f in files { if let o = origins[f] { from[Self.normalized(f)] = o } }
        diags += Self.emptyDirectories(files, origins: origins)
        roots += Self.expand(files).map(Self.normalized)
        // one file reached by two paths (`--rules site/ --rules /abs/site/mr.yaml`,
        // `m.yaml ./m.yaml`) is loaded once, as `check` reads a DICOM file
        // once: it was loaded twice, and every rule of it a "duplicate rule id"
        var seenFiles = Set<String>()
        roots = roots.filter { p in
            var st = stat()
            guard stat(p, &st) == 0 else { return true }
            return seenFiles.insert("\(st.st_dev):\(st.st_ino)").inserted
        }
        var state = LoadState()
        if threads > 1 && roots.count > 1 { state.prepared = prepare(roots) }
        for f in roots { _ = loadFile(f, from: from[f], state: &state, diags: &diags) }
        // duplicate rule ids across everything loaded
        // (by index: a location per rule copied into a growing dictionary was ~2% of a one-file check)
        var seen: [String: (pack: Int, rule: Int)] = [:]
        seen.reserveCapacity(state.ordered.reduce(0) { $0 + $1.rules.count })
        for (pi, p) in state.ordered.enumerated() {
            for (ri, r) in p.rules.enumerated() {
                if let first = seen[r.id] {
                    // two packs of the run (`--pack vendor.siemens --rules
                    // Rules/examples/example.ct-mr.yaml`): say what to do
                    let other = state.ordered[first.pack]
                    let hint = first.pack == pi ? "" : "; the packs of one run need distinct rule ids: rename one, or run '\(other.id)' and '\(p.id)' separately"
                    diags.append(PackDiagnostic(r.location, "duplicate rule id '\(r.id)' (first defined at \(other.rules[first.rule].location))\(hint)"))
                }
                else { seen[r.id] = (pi, ri) }
            }
        }
        if !diags.isEmpty { throw PackErrors(diags) }
        return RuleSet(packs: state.ordered)
    }

    struct LoadState {
        var done: [String: (RulePack, [String: Predicate])] = [:]
        var stack: [String] = []
        var ordered: [RulePack] = []
        var failed: Set<String> = []
        /// Packs loaded ahead of their turn (`prepare`), by path.
        var prepared: [String: Prepared] = [:]
    }

    /// A pack loaded on its own, before its turn: it extends nothing and
    /// compiled without a diagnostic.
    struct Prepared: @unchecked Sendable {
        let pack: RulePack
        let conditions: [String: Predicate]
        let root: SyntaxNode
        let entry: SyntaxCache.Entry?
    }

    /// A pack file's syntax tree (`SyntaxCache`). For `check` (no examples
    /// built) a cached tree comes without its conditions' and rules' checks
    /// (`ElidedSyntax`), which the compiler decodes as it needs them.
    func syntax(_ data: [UInt8], _ path: String) throws -> SyntaxCache.Parsed {
        try SyntaxCache.parse(bytes: data, file: path, elide: !buildExamples)
    }

    /// Loads, on `threads` threads, the packs of `paths` that extend nothing
    /// (the largest first); a pack that extends another, cannot be read or
    /// has any diagnostic is left to `loadFile`, which reports it as it
    /// would have.
    func prepare(_ paths: [String]) -> [String: Prepared] {
        var seen = Set<String>()
        // (regular files only: a pipe read here, `--rules <(…)`, would be empty for `loadFile`)
        var regular: [(path: String, size: Int)] = []
        for p in paths where seen.insert(p).inserted {
            var st = stat()
            if stat(p, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG { regular.append((p, Int(st.st_size))) }
        }
        let unique = regular.map(\.path), sizes = regular.map(\.size)
        let order = unique.indices.sorted { sizes[$0] > sizes[$1] }
        final class Results: @unchecked Sendable {
            let lock = Lock()
            var byPath: [String: Prepared] = [:]
        }
        let results = Results(), loader = self
        WorkerThread.forEach(count: order.count, threads: threads) { k in
            let path = unique[order[k]]
            guard let p = loader.prepareOne(path) else { return }
            results.lock.with { results.byPath[path] = p }
        }
        return results.byPath
    }

    /// One pack for `prepare`: nil unless it extends nothing and compiles cleanly.
    func prepareOne(_ path: String) -> Prepared? {
        guard let data = readFileBytes(path), let parsed = try? syntax(data, path) else { return nil }
        let (root, cached, entry) = (parsed.root, parsed.cached, parsed.entry)
        if let h = PackCompiler.header(of: root, file: path), !h.extends.isEmpty { return nil }
        let c = compiler(path, cached: cached)
        c.elided = parsed.elided
        guard let pack = c.compilePack(root, inherited: [:]), c.diagnostics.isEmpty else { return nil }
        return Prepared(pack: pack, conditions: c.conditions, root: root, entry: entry)
    }

    /// The compiler of one pack file, set up as this loader loads (the same
    /// for `prepareOne` and `loadFile`). A pack from the syntax cache compiled
    /// cleanly before: its conditions compile on first use.
    func compiler(_ path: String, cached: Bool) -> PackCompiler {
        let c = PackCompiler(file: path)
        c.buildExamples = buildExamples
        c.deferConditions = cached && !buildExamples
        c.threads = threads
        return c
    }

    /// Loads one file (after what it extends); returns its conditions for packs extending it.
    func loadFile(_ path: String, from: SourceLocation?, state: inout LoadState, diags: inout [PackDiagnostic]) -> [String: Predicate]? {
        if let d = state.done[path] { return d.1 }
        if state.failed.contains(path) { return nil }
        if let p = state.prepared.removeValue(forKey: path) {
            if let entry = p.entry { SyntaxCache.store(p.root, entry) }
            KeptUntilExit.keep(p.root)
            state.done[path] = (p.pack, p.conditions)
            state.ordered.append(p.pack)
            return p.conditions
        }
        // (bytes: a pack found in the syntax cache is never decoded as text)
        guard let data = readFileBytes(path) else {
            // why, and a built-in pack's id given as a file (`--rules
            // dicom.iod`): where it goes — it was "cannot read pack file
            // 'dicom.iod'" alone
            var isDir: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
            var why = exists ? "" : ": no such file"
            if !exists, index[path] != nil { why += "; '\(path)' is a built-in pack: name it with --pack \(path) (the config's 'packs')" }
            diags.append(PackDiagnostic(from ?? SourceLocation(file: path, line: 1, column: 1), "cannot read pack file '\(path)'\(why)"))
            state.failed.insert(path); return nil
        }
        let parsed: SyntaxCache.Parsed
        do { parsed = try syntax(data, path) }   // large packs: from the compiled cache
        catch is SyntaxCache.NotUTF8 {
            diags.append(PackDiagnostic(from ?? SourceLocation(file: path, line: 1, column: 1), "cannot read pack file '\(path)': not UTF-8 text"))
            state.failed.insert(path); return nil
        }
        catch let e as PackErrors { diags += e.diagnostics; state.failed.insert(path); return nil }
        catch { return nil }
        let (root, cached, entry) = (parsed.root, parsed.cached, parsed.entry)
        state.stack.append(path)
        defer { state.stack.removeLast() }
        var inherited: [String: Predicate] = [:]
        var extendsAny = false
        if let h = PackCompiler.header(of: root, file: path) {
            extendsAny = !h.extends.isEmpty
            for (ext, loc) in h.extends {
                guard let target = resolveExtends(ext, relativeTo: path) else {
                    let known = index.keys.sorted()
                    diags.append(PackDiagnostic(loc, "unknown pack '\(ext)' in extends", suggestion: suggest(ext, among: known)))
                    continue
                }
                if state.stack.contains(target) {
                    let cycle = (state.stack.drop { $0 != target } + [target]).map { ($0 as NSString).lastPathComponent }.joined(separator: " → ")
                    diags.append(PackDiagnostic(loc, "extends cycle: \(cycle)"))
                    continue
                }
                if let conds = loadFile(target, from: loc, state: &state, diags: &diags) { inherited.merge(conds) { a, _ in a } }
            }
        }
        // (a pack that extends another compiles now, even from the cache: it
        // compiled cleanly with what it extends then, which may have changed)
        let c = compiler(path, cached: cached && !extendsAny)
        c.elided = parsed.elided
        let pack = c.compilePack(root, inherited: inherited)
        diags += c.diagnostics
        guard let pack, c.diagnostics.isEmpty else {
            // a pack that failed is left out of the check of duplicate ids
            // across everything loaded (`load`): its own duplicates are said
            // here, with its other errors: `rules validate` and `check`
            // said them only once the rest was fixed (`compile(text:)`,
            // which the tests use, always said them)
            if let pack { diags += Self.duplicateRuleIDs(pack.rules) }
            state.failed.insert(path); return nil
        }
        if let entry { SyntaxCache.store(root, entry) }
        KeptUntilExit.keep(root)
        state.done[path] = (pack, c.conditions)
        state.ordered.append(pack)
        return c.conditions
    }

    /// A "duplicate rule id" error at each repetition of an id in `rules`.
    static func duplicateRuleIDs(_ rules: [Rule]) -> [PackDiagnostic] {
        var seen: [String: SourceLocation] = [:], out: [PackDiagnostic] = []
        for r in rules {
            if let first = seen[r.id] { out.append(PackDiagnostic(r.location, "duplicate rule id '\(r.id)' (first defined at \(first))")) } else { seen[r.id] = r.location }
        }
        return out
    }

    /// A pack file's path as the loader keys it: standardized, without a
    /// leading `./` — `extends: [./b.yaml]` of a file given as `a.yaml`
    /// resolves to `./b.yaml`, and `./a.yaml` was then another file than
    /// the `a.yaml` being loaded: an extends cycle back to it loaded it twice
    /// ("duplicate rule id … (first defined at ./a.yaml…)" for each of its rules).
    static func normalized(_ path: String) -> String {
        var p = (path as NSString).standardizingPath
        while p.hasPrefix("./") { p.removeFirst(2) }
        return p
    }

    func resolveExtends(_ ext: String, relativeTo file: String) -> String? {
        if ext.hasSuffix(".yaml") || ext.hasSuffix(".yml") || ext.contains("/") {
            let dir = (file as NSString).deletingLastPathComponent
            let p = Self.normalized(ext.hasPrefix("/") ? ext : (dir as NSString).appendingPathComponent(ext))
            return FileManager.default.fileExists(atPath: p) ? p : nil
        }
        return index[ext].map(Self.normalized)
    }

    /// Checks pack files and reports every error of each (for `rules validate`).
    public func validate(files: [String]) -> [PackDiagnostic] {
        var all = Self.emptyDirectories(files)
        for f in Self.expand(files) {
            do { _ = try load(files: [f]) } catch let e as PackErrors { all += e.diagnostics } catch {}
        }
        var seen = Set<PackDiagnostic>()
        return all.filter { seen.insert($0).inserted }
    }
}

/// What is not freed when the process ends with its command (`enabled` by
/// `dcmaudit check`; a library user or the tests load packs many times in one
/// process): the compiled rule sets (releasing ~4,000 rules one object at a
/// time was 6% of a one-file check) and the packs' syntax trees (the rules
/// keep the parts they compile on first use; freeing the rest of
/// `dicom.iod`'s tree node by node was another ~6%).
public enum KeptUntilExit {
    nonisolated(unsafe) public static var enabled = false
    nonisolated(unsafe) private static var kept: [Any] = []
    private static let lock = Lock()
    public static func keep(_ object: Any) {
        guard enabled else { return }
        lock.with { kept.append(object) }
    }
}
