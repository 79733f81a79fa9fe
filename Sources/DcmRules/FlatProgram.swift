import DcmData
import DcmDictionary

/// A compiled predicate laid out as plain values in one buffer, evaluated
/// through pointers: no reference counting while it runs.
///
/// Why: the predicate trees (`Predicate`, `ValueTest`: indirect enums, arrays,
/// strings) are shared by the worker threads, and walking them writes the
/// reference counts of their boxes and arrays at every node — a few atomic
/// increments and decrements per node, on cache lines both threads write
/// (with `--jobs 2`, `swift_retain`/`swift_release` called from the evaluator
/// took 2.2× the samples of `--jobs 1`, and the run 18% more CPU). A
/// program is read-only once built, so threads share it without writing.
///
/// What is flattened: `all`/`any`/`not`, named conditions (inlined),
/// `not_evaluated`, deferred conditions (a call: the callee's program, built
/// when it is compiled), and `{Keyword: test}` on a top-level attribute with
/// the presence, Type, `items`, `empty` and combination tests — dicom.iod's
/// module checks and item conditions, the `when` conditions of most packs.
/// Everything else (paths, `each_element`, value comparisons, derived
/// attributes) is a leaf evaluated by `Evaluator.evaluate`/`test` on the
/// original tree: same verdicts by construction, and `FlatProgramTests`
/// compares both on every shipped pack's examples.
final class FlatProgram: @unchecked Sendable {
    enum Op: UInt8 {
        // predicates (on the data set of the file given)
        case always, unknown, all, any, not
        /// `{tag: test}` on a top-level element: `a` the tag, `b` the test
        /// node, `kind` the verdict when absent (`absentKind`).
        case tag
        /// A deferred condition: `a` indexes `callees`.
        case call
        /// A predicate evaluated on the tree: `a` indexes `predicates`.
        case predicate
        /// `top:` (`kind` 0) / `parent:` (1): predicate node `b` in that scope.
        case scoped
        // value tests (on one top-level element, or none)
        case present, absent, empty, notEmpty
        /// Type `kind` (`RequirementType` code), condition node `b` or -1.
        case type
        /// `items`: predicate node `b` on each item.
        case items
        case testNot, testAll, testAny
        /// A value test evaluated on the tree: `a` indexes `tests`.
        case test
    }

    struct Node {
        var op: Op
        var kind: UInt8 = 0
        var count: UInt16 = 0
        /// Tag, first child (in `kids`), or table index.
        var a: UInt32 = 0
        /// Child node, or -1.
        var b: Int32 = -1
    }

    /// `Node.kind` of a `.tag` node: the verdict of its test on an absent
    /// element when fixed (`ValueTest.absentVerdict`), or `dynamic`.
    static let absentNo: UInt8 = 0, absentYes: UInt8 = 1, absentUnknown: UInt8 = 2, dynamic: UInt8 = 3

    let nodes: UnsafeMutableBufferPointer<Node>
    let kids: UnsafeMutableBufferPointer<Int32>
    /// The deferred conditions called, unretained (`callees` keeps them).
    let calls: UnsafeMutableBufferPointer<UnsafeMutableRawPointer>
    let callees: [DeferredPredicate]
    /// The leaves evaluated on the tree, each in a box read unretained
    /// (`leafPredicates`, `leafTests`): an array element read is a count
    /// written on the shared payload.
    final class PredicateBox { let predicate: Predicate; init(_ p: Predicate) { predicate = p } }
    final class TestBox { let test: ValueTest; init(_ t: ValueTest) { test = t } }
    let predicates: [PredicateBox]
    let tests: [TestBox]
    let leafPredicates: UnsafeMutableBufferPointer<UnsafeMutableRawPointer>
    let leafTests: UnsafeMutableBufferPointer<UnsafeMutableRawPointer>
    let root: Int32

    init(_ p: Predicate) {
        var b = Builder()
        root = b.predicate(p)
        nodes = .allocate(capacity: b.nodes.count)
        _ = nodes.initialize(from: b.nodes)
        kids = .allocate(capacity: max(1, b.kids.count))
        _ = kids.initialize(from: b.kids)
        calls = .allocate(capacity: max(1, b.callees.count))
        for (k, d) in b.callees.enumerated() { calls[k] = Unmanaged.passUnretained(d).toOpaque() }
        callees = b.callees
        predicates = b.predicates.map(PredicateBox.init)
        tests = b.tests.map(TestBox.init)
        leafPredicates = .allocate(capacity: max(1, predicates.count))
        for (k, x) in predicates.enumerated() { leafPredicates[k] = Unmanaged.passUnretained(x).toOpaque() }
        leafTests = .allocate(capacity: max(1, tests.count))
        for (k, x) in tests.enumerated() { leafTests[k] = Unmanaged.passUnretained(x).toOpaque() }
    }

    deinit {
        nodes.deallocate(); kids.deallocate(); calls.deallocate(); leafPredicates.deallocate(); leafTests.deallocate()
    }

    static func code(_ rt: RequirementType) -> UInt8 {
        switch rt { case .t1: return 0; case .t1C: return 1; case .t2: return 2; case .t2C: return 3; case .t3: return 4 }
    }

    private struct Builder {
        var nodes: [Node] = []
        var kids: [Int32] = []
        var callees: [DeferredPredicate] = []
        var calleeIndex: [ObjectIdentifier: UInt32] = [:]
        var predicates: [Predicate] = []
        var tests: [ValueTest] = []

        mutating func add(_ n: Node) -> Int32 { nodes.append(n); return Int32(nodes.count - 1) }

        /// Children first, then their indexes stored contiguously.
        mutating func list(_ op: Op, _ children: [Int32]) -> Int32 {
            let start = UInt32(kids.count)
            kids += children
            return add(Node(op: op, count: UInt16(children.count), a: start))
        }

        mutating func predicate(_ p: Predicate) -> Int32 {
            switch p {
            case .always: return add(Node(op: .always))
            case .notEvaluated: return add(Node(op: .unknown))
            case .named(_, let q), .described(_, let q): return predicate(q)
            case .scoped(let scope, let q): let c = predicate(q); return add(Node(op: .scoped, kind: scope == .top ? 0 : 1, b: c))
            case .not(let q): let c = predicate(q); return add(Node(op: .not, b: c))
            case .all(let ps) where ps.count <= Int(UInt16.max): return list(.all, ps.map { predicate($0) })
            case .planned(let plan) where plan.parts.count <= Int(UInt16.max): return list(.all, plan.parts.map { predicate($0) })
            case .any(let ps) where ps.count <= Int(UInt16.max): return list(.any, ps.map { predicate($0) })
            case .deferred(let d):
                let id = ObjectIdentifier(d)
                let k: UInt32
                if let known = calleeIndex[id] { k = known } else {
                    k = UInt32(callees.count); callees.append(d); calleeIndex[id] = k
                }
                return add(Node(op: .call, a: k))
            case .attribute(.tag(let t, _), let test):
                let v = test.absentVerdict
                let kind = v == .no ? FlatProgram.absentNo : v == .yes ? FlatProgram.absentYes : v == .unknown ? FlatProgram.absentUnknown : FlatProgram.dynamic
                let c = self.test(test)
                return add(Node(op: .tag, kind: kind, a: t.raw, b: c))
            default:
                predicates.append(p)
                return add(Node(op: .predicate, a: UInt32(predicates.count - 1)))
            }
        }

        mutating func test(_ t: ValueTest) -> Int32 {
            switch t {
            case .present: return add(Node(op: .present))
            case .absent: return add(Node(op: .absent))
            case .empty: return add(Node(op: .empty))
            case .notEmpty: return add(Node(op: .notEmpty))
            case .type(let rt, let cond):
                let c = cond.map { predicate($0) } ?? -1
                return add(Node(op: .type, kind: FlatProgram.code(rt), b: c))
            case .items(let p): let c = predicate(p); return add(Node(op: .items, b: c))
            case .not(let x): let c = test(x); return add(Node(op: .testNot, b: c))
            case .all(let ts) where ts.count <= Int(UInt16.max): return list(.testAll, ts.map { test($0) })
            case .any(let ts) where ts.count <= Int(UInt16.max): return list(.testAny, ts.map { test($0) })
            default:
                tests.append(t)
                return add(Node(op: .test, a: UInt32(tests.count - 1)))
            }
        }
    }
}

extension Evaluator {
    /// The program's verdict on `file`: that of `evaluate` on the predicate
    /// it was built from.
    func evaluate(_ prog: FlatProgram, _ file: DicomFile, selector: Bool) -> Truth {
        evaluate(prog, prog.root, file, selector: selector)
    }

    func evaluate(_ prog: FlatProgram, _ i: Int32, _ file: DicomFile, selector: Bool) -> Truth {
        let n = prog.nodes[Int(i)]
        switch n.op {
        case .always: return .yes
        case .unknown: return .unknown
        case .not: return evaluate(prog, n.b, file, selector: selector).negated
        case .scoped:
            return inScope(n.kind == 0 ? .top : .parent, file) { evaluate(prog, n.b, $0, selector: selector) }
        case .all:
            var r = Truth.yes
            let start = Int(n.a)
            for k in start..<(start + Int(n.count)) {
                let t = evaluate(prog, prog.kids[k], file, selector: selector)
                if t == .no { return .no }
                if t == .unknown { r = .unknown }
            }
            return r
        case .any:
            var r = Truth.no
            let start = Int(n.a)
            for k in start..<(start + Int(n.count)) {
                let t = evaluate(prog, prog.kids[k], file, selector: selector)
                if t == .yes { return .yes }
                if t == .unknown { r = .unknown }
            }
            return r
        case .tag:
            // (the data set is not copied out of `file`: a copy is a
            // reference count written per node)
            let tag = Tag(raw: n.a)
            let meta = tag.group == 0x0002
            guard let e = meta ? file.meta.index(of: tag) : file.dataSet.index(of: tag) else {
                switch n.kind {
                case FlatProgram.absentNo: return .no
                case FlatProgram.absentYes: return .yes
                case FlatProgram.absentUnknown: return .unknown
                default: return test(prog, n.b, .absent, file)
                }
            }
            return test(prog, n.b, meta ? .meta(e) : .dataSet(e), file)
        case .call:
            if !usesPrograms {
                return Unmanaged<DeferredPredicate>.fromOpaque(prog.calls[Int(n.a)])._withUnsafeGuaranteedRef { evaluate($0.predicate, file, selector: selector) }
            }
            return Unmanaged<DeferredPredicate>.fromOpaque(prog.calls[Int(n.a)])._withUnsafeGuaranteedRef { d in
                d.withProgram { callee in evaluate(callee, callee.root, file, selector: selector) }
            }
        case .predicate:
            return Unmanaged<FlatProgram.PredicateBox>.fromOpaque(prog.leafPredicates[Int(n.a)])._withUnsafeGuaranteedRef {
                evaluate($0.predicate, file, selector: selector)
            }
        default:
            preconditionFailure("a value test where a predicate is expected")
        }
    }

    /// Where a test's element is: absent, or its index in the file's meta
    /// information or data set.
    enum FlatElement { case absent, meta(Int), dataSet(Int) }

    /// Whether the element has a value (`Target.hasValue`).
    @inline(__always) func hasValue(_ x: FlatElement, _ file: DicomFile) -> Bool {
        switch x {
        case .absent: return false
        case .meta(let e): return Target.hasValue(file.meta, file.meta.elements[e])
        case .dataSet(let e): return Target.hasValue(file.dataSet, file.dataSet.elements[e])
        }
    }

    /// Test node `i` on element `x` — `test(_:_:_:)`'s verdicts.
    func test(_ prog: FlatProgram, _ i: Int32, _ x: FlatElement, _ file: DicomFile) -> Truth {
        let n = prog.nodes[Int(i)]
        let present: Bool
        if case .absent = x { present = false } else { present = true }
        switch n.op {
        case .present: return Truth.from(present)
        case .absent: return Truth.from(!present)
        case .empty, .notEmpty:
            guard present else { return .no }   // a check on a missing attribute fails
            let has = hasValue(x, file)
            return Truth.from(n.op == .empty ? !has : has)
        case .type:
            switch n.kind {
            case 4: return .yes                                  // type 3
            case 2: return Truth.from(present)                   // type 2
            case 0: return Truth.from(hasValue(x, file))         // type 1
            default:                                             // 1C, 2C
                // (present — with a value for 1C — meets the requirement
                // whatever the condition says: not evaluated, as `Evaluator.test`)
                if present && (n.kind == 3 || hasValue(x, file)) { return .yes }
                let c = n.b >= 0 ? evaluate(prog, n.b, file, selector: true) : .yes
                if c == .no { return .yes }
                if c == .unknown { return present ? .yes : .unknown }
                if n.kind == 3 { return Truth.from(present) }
                return Truth.from(hasValue(x, file))
            }
        case .items:
            let items: [DataSet]?
            let meta: Bool
            switch x {
            case .absent: return .yes
            case .meta(let e): items = file.meta.elements[e].items; meta = true
            case .dataSet(let e): items = file.dataSet.elements[e].items; meta = false
            }
            guard let items else { return .yes }
            return inItems(of: meta ? file.meta : file.dataSet, in: file) {
                var r = Truth.yes
                var sub = file
                for item in items {
                    sub.dataSet = item
                    let t = evaluate(prog, n.b, sub, selector: false)
                    if t == .no { return .no }
                    if t == .unknown { r = .unknown }
                }
                return r
            }
        case .testNot: return test(prog, n.b, x, file).negated
        case .testAll:
            var r = Truth.yes
            let start = Int(n.a)
            for k in start..<(start + Int(n.count)) {
                let v = test(prog, prog.kids[k], x, file)
                if v == .no { return .no }
                if v == .unknown { r = .unknown }
            }
            return r
        case .testAny:
            var r = Truth.no
            let start = Int(n.a)
            for k in start..<(start + Int(n.count)) {
                let v = test(prog, prog.kids[k], x, file)
                if v == .yes { return .yes }
                if v == .unknown { r = .unknown }
            }
            return r
        case .test:
            return Unmanaged<FlatProgram.TestBox>.fromOpaque(prog.leafTests[Int(n.a)])._withUnsafeGuaranteedRef { box in
                switch x {
                case .absent: return test(box.test, nil, file)
                case .meta(let e): return test(box.test, .element(file.meta, file.meta.elements[e], index: nil), file)
                case .dataSet(let e): return test(box.test, .element(file.dataSet, file.dataSet.elements[e], index: nil), file)
                }
            }
        default:
            preconditionFailure("a predicate where a value test is expected")
        }
    }
}
