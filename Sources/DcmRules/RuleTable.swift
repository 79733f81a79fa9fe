import DcmData

/// What `Evaluator.run` reads of each rule it visits, as plain values in
/// buffers: the rule (unretained), its `when` entries as programs with their
/// memo keys, and its check as a program or a deferred condition.
///
/// Why: reading a shared `Rule` — the object, its `when` array, its check's
/// enum payload, the per-rule array of memo keys — writes their reference
/// counts, and with `--jobs 2` both threads write the same counts for every
/// visited rule of every file (`Evaluator.run` was the first caller of
/// `swift_retain` with two threads: 4× its samples with one). The table is
/// built with the rule set and only read.
final class RuleTable: @unchecked Sendable {
    /// How a rule's check (or a `when` entry) runs.
    enum Kind: UInt8 {
        /// `FlatProgram` at `pointer`.
        case program
        /// `DeferredPredicate` at `pointer`: its program, compiled on first use.
        case deferred
        /// The tree (`Evaluator.evaluate` on the rule's predicate): a check
        /// that is not an instance predicate, or one a program does not help.
        case tree
    }
    struct Callable {
        var kind: Kind
        var pointer: UnsafeMutableRawPointer?
    }
    struct Entry {
        /// An instance rule (others give no per-file outcome).
        var isInstance: Bool
        /// The first `when` entry to evaluate (1 when `run` has decided the
        /// rule's SOP Class guard), and the rule's entries in `when`/`keys`.
        var whenFrom: Int32
        var whenStart: Int32
        var whenCount: Int32
        var check: Callable
    }

    let entries: UnsafeMutableBufferPointer<Entry>
    let when: UnsafeMutableBufferPointer<Callable>
    /// Per `when` entry: its named condition's memo key, or -1.
    let keys: UnsafeMutableBufferPointer<Int32>
    /// The rules, unretained (`owned` keeps them and the programs).
    let rules: UnsafeMutableBufferPointer<UnsafeMutableRawPointer>
    private let owned: [AnyObject]

    init(rules: [Rule], guardOf: [Int32], whenKeys: [[Int32]]) {
        var owned: [AnyObject] = rules
        func callable(_ p: Predicate) -> Callable {
            switch p {
            case .deferred(let d): return Callable(kind: .deferred, pointer: Unmanaged.passUnretained(d).toOpaque())
            case .named(_, .deferred(let d)): return Callable(kind: .deferred, pointer: Unmanaged.passUnretained(d).toOpaque())
            default:
                let prog = FlatProgram(p)
                owned.append(prog)
                return Callable(kind: .program, pointer: Unmanaged.passUnretained(prog).toOpaque())
            }
        }
        var entries: [Entry] = [], when: [Callable] = [], keys: [Int32] = []
        entries.reserveCapacity(rules.count)
        for (i, r) in rules.enumerated() {
            let from = guardOf[i] >= 0 ? 1 : 0
            let start = when.count
            for (k, w) in r.when.enumerated() {
                // (the guard's entry is decided by `run`: not evaluated here)
                when.append(k < from ? Callable(kind: .tree, pointer: nil) : callable(w))
                keys.append(k < whenKeys[i].count ? whenKeys[i][k] : -1)
            }
            var check = Callable(kind: .tree, pointer: nil)
            if let raw = r.checkProgramPointer {
                check = Callable(kind: .program, pointer: raw)
            } else if case .instance(.deferred(let d)) = r.check {
                check = Callable(kind: .deferred, pointer: Unmanaged.passUnretained(d).toOpaque())
            }
            var isInstance = false
            if case .instance = r.check { isInstance = true }
            entries.append(Entry(isInstance: isInstance, whenFrom: Int32(from), whenStart: Int32(start), whenCount: Int32(r.when.count), check: check))
        }
        self.entries = .allocate(capacity: max(1, entries.count)); _ = self.entries.initialize(from: entries)
        self.when = .allocate(capacity: max(1, when.count)); _ = self.when.initialize(from: when)
        self.keys = .allocate(capacity: max(1, keys.count)); _ = self.keys.initialize(from: keys)
        self.rules = .allocate(capacity: max(1, rules.count))
        for (i, r) in rules.enumerated() { self.rules[i] = Unmanaged.passUnretained(r).toOpaque() }
        self.owned = owned
    }

    deinit { entries.deallocate(); when.deallocate(); keys.deallocate(); rules.deallocate() }
}

extension Evaluator {
    /// `c` on `file` (a `when` entry: `selector` true; a check: false).
    @inline(__always) func run(_ c: RuleTable.Callable, _ file: DicomFile, selector: Bool) -> Truth? {
        switch c.kind {
        case .program:
            return Unmanaged<FlatProgram>.fromOpaque(c.pointer!)._withUnsafeGuaranteedRef { evaluate($0, $0.root, file, selector: selector) }
        case .deferred:
            return Unmanaged<DeferredPredicate>.fromOpaque(c.pointer!)._withUnsafeGuaranteedRef { d in
                d.withProgram { evaluate($0, $0.root, file, selector: selector) }
            }
        case .tree:
            return nil
        }
    }

    /// The outcome of rule `i` of `table` — `outcome(of:_:whenFrom:keys:)`'s,
    /// from the table's programs (the trees when `usesPrograms` is off, and
    /// for what has no program).
    func outcome(_ table: RuleTable, _ i: Int, _ file: DicomFile) -> Outcome {
        let e = table.entries[i]
        let rule = Unmanaged<Rule>.fromOpaque(table.rules[i])
        let start = Int(e.whenStart)
        return decide(whenFrom: Int(e.whenFrom), whenCount: Int(e.whenCount), key: { table.keys[start + $0] },
                      when: { k in
                          (usesPrograms ? run(table.when[start + k], file, selector: true) : nil)
                              ?? rule._withUnsafeGuaranteedRef { evaluate($0.when[k], file, selector: true) }
                      },
                      check: {
                          if usesPrograms, let v = run(e.check, file, selector: false) { return v }
                          return rule._withUnsafeGuaranteedRef { r in
                              guard case .instance(let p) = r.check else { return nil }
                              return evaluate(p, file, selector: false)
                          }
                      })
    }
}
