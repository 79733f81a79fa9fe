import Foundation
import DcmData
import DcmDictionary

/// Evaluates compiled predicates on files.
///
/// Missing-value semantics (docs/rule-language.md, "Missing values"):
/// - a test on a missing attribute fails, except the tests about presence
///   (`absent`, `type 2/3`, a `1C`/`2C` whose condition does not hold); so a
///   selector on a missing attribute does not match;
/// - a wildcard path (`Seq[*].X`) tests every item; when the sequence is absent
///   or has no items there is nothing to test: a check holds (vacuously), a
///   selector does not match;
/// - a value that cannot be decoded (a DS that is not a number) makes the test
///   unknown: the rule is "not evaluated", never a pass or a fail.
///
/// An evaluator holds per-thread scratch (a one-entry memo per regular
/// expression), so use one per thread; the compiled rules are shared.
public final class Evaluator {
    /// Set while the findings of a `redact_values` rule are made
    /// (`Rule.redactsValues`, `hides`): an evaluator is one thread's.
    var redactingValues = false
    /// Per regular expression, the last few values matched and the results
    /// (values repeat across the files of a series: Manufacturer, Modality…).
    var regexMemo: [ObjectIdentifier: RegexMemo] = [:]
    final class RegexMemo {
        var entries: [(bytes: [UInt8], result: Bool)] = []
        var next = 0
        func lookup(_ b: UnsafeRawBufferPointer) -> Bool? {
            for e in entries where bytesEqual(b, e.bytes) { return e.result }
            return nil
        }
        func store(_ b: UnsafeRawBufferPointer, _ r: Bool) {
            if entries.count < 8 { entries.append((Array(b), r)) } else { entries[next] = (Array(b), r); next = (next + 1) % 8 }
        }
    }

    public init() {}

    /// Whether compiled predicates run as `FlatProgram`s (deferred
    /// conditions, rules' checks); false evaluates the trees, for the tests
    /// that compare both.
    var usesPrograms = true

    /// Whether `run` reuses the outcomes of keyed rules on files of a shape
    /// seen before (`ShapeMemo`); off with `DCMAUDIT_SHAPE_MEMO=0` (for
    /// comparisons) and in the tests that compare both.
    var usesShapeMemo = Evaluator.shapeMemoDefault
    static let shapeMemoDefault: Bool = {
        guard let v = getenv("DCMAUDIT_SHAPE_MEMO") else { return true }
        return String(cString: v) != "0"
    }()
    /// This evaluator's memo of file shapes (for the last rule set `run`).
    var shapeMemo: ShapeMemo? = nil
    /// `InstanceVarying.contains` remembered per tag, for the element walks
    /// of `fusedWalkSplit` (a dictionary lookup per element was ~2% of a
    /// replayed file).
    var varyingTags = VaryingTags()
    /// Files `run` replayed whole from the memo, replayed in part (values
    /// changed), and evaluated (a structure not seen, or no memo).
    public var shapeMemoCounts: (whole: Int, partial: Int, evaluated: Int) {
        guard let m = shapeMemo else { return (0, 0, 0) }
        return (m.hits, m.partial, m.misses)
    }

    /// Per protocol (by slot), the choices of the last file sampled (SeriesCollector.swift).
    var protocolChoices: [Int: ProtocolChoiceCache] = [:]

    /// The tags present anywhere in the data set being `run` (items of
    /// sequences included), built on first need: an `each_element` with
    /// `only: [tags]` none of which is in the file holds at once, without a
    /// walk. (The generated `dicom.values` has ~580 such rules, and most of
    /// their attributes are absent from any one file.) Only set inside `run`.
    var fileTags: [UInt32]? = nil
    var fileTagsWanted = false
    var fileTagsSource: DataSet? = nil
    /// The named `when` conditions decided on the file being `run`, by their
    /// number in `OutcomeLayout.whenKeys` (`outcome(of:_:whenFrom:keys:)`),
    /// and the numbers set, to clear them for the next file.
    var namedMemo: [Truth?] = []
    var namedTouched: [Int32] = []

    /// The data sets enclosing the one being evaluated, outermost (the
    /// file's top-level data set) first: `items` pushes the data set holding
    /// the sequence while it tests the items (`inItems`), and `top:` /
    /// `parent:` predicates read them (`inScope`). Empty at the top level.
    var enclosing: [DataSet] = []

    /// `body` with `ds` (the data set holding the sequence whose items
    /// `body` tests) pushed on `enclosing`. A sequence in an item reached
    /// from the top level without `items` (a path `Seq[*].Inner`, an element
    /// walk) has the file's top-level data set pushed under `ds`, so that
    /// `top:` is the top level there too, not the item (`file`: the file as
    /// evaluated, whose data set is the top level while `enclosing` is empty).
    @inline(__always) func inItems<R>(of ds: DataSet, in file: DicomFile, _ body: () -> R) -> R {
        let underTop = enclosing.isEmpty && !ds.isSame(as: file.dataSet) && !ds.isSame(as: file.meta)
        if underTop { enclosing.append(file.dataSet) }
        enclosing.append(ds)
        defer { enclosing.removeLast(); if underTop { enclosing.removeLast() } }
        return body()
    }

    /// `body` on `file` with the data set of `scope` as its data set, and
    /// `enclosing` as seen from there: `parent` is the innermost enclosing
    /// data set (unknown at the top level: there is none), `top` the file's
    /// top-level data set (at the top level, the data set itself).
    func inScope(_ scope: Predicate.Scope, _ file: DicomFile, _ body: (DicomFile) -> Truth) -> Truth {
        guard let outer = enclosing.last else { return scope == .top ? body(file) : .unknown }
        var sub = file
        switch scope {
        case .parent:
            enclosing.removeLast()
            defer { enclosing.append(outer) }
            sub.dataSet = outer
            return body(sub)
        case .top:
            var saved: [DataSet] = []
            swap(&saved, &enclosing)
            defer { swap(&saved, &enclosing) }
            sub.dataSet = saved[0]
            return body(sub)
        }
    }

    /// The file's tags, sorted (an array and a binary search: cheaper to build
    /// than a hash set for the ~100 tags of a file).
    func tagsOfFile() -> [UInt32]? {
        guard fileTagsWanted, let ds = fileTagsSource else { return nil }
        if let t = fileTags { return t }
        var all: [UInt32] = []
        all.reserveCapacity(ds.elements.count + 16)
        func add(_ d: DataSet) {
            for e in d.elements {
                all.append(e.tag.raw)
                if let items = e.items { for i in items { add(i) } }
            }
        }
        add(ds)
        all.sort()
        fileTags = all
        return all
    }

    /// Whether two ascending arrays share a value (one merge pass: the ~300
    /// tags of a dicom.deid-basic rule against a file's ~100).
    static func sortedIntersect(_ a: [UInt32], _ b: [UInt32]) -> Bool {
        var i = 0, j = 0
        while i < a.count && j < b.count {
            let x = a[i], y = b[j]
            if x == y { return true }
            if x < y { i += 1 } else { j += 1 }
        }
        return false
    }

    /// The index of `x` in the ascending array `a`, if there.
    @inline(__always) static func sortedIndex(_ a: [Int32], _ x: Int32) -> Int? {
        var lo = 0, hi = a.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if a[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo < a.count && a[lo] == x ? lo : nil
    }

    @inline(__always) static func sortedContains(_ a: [UInt32], _ x: UInt32) -> Bool {
        var lo = 0, hi = a.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if a[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo < a.count && a[lo] == x
    }

    // MARK: predicates

    public func evaluate(_ p: Predicate, _ file: DicomFile, selector: Bool) -> Truth {
        switch p {
        case .always: return .yes
        case .notEvaluated: return .unknown
        case .deferred(let d):
            if !usesPrograms { return evaluate(d.predicate, file, selector: selector) }
            return d.withProgram { evaluate($0, $0.root, file, selector: selector) }
        case .named(_, let q), .described(_, let q): return evaluate(q, file, selector: selector)
        case .scoped(let scope, let q): return inScope(scope, file) { evaluate(q, $0, selector: selector) }
        case .not(let q): return evaluate(q, file, selector: selector).negated
        case .all(let ps): return evaluateAll(ps, file, selector: selector)
        case .planned(let plan): return evaluate(plan, file, selector: selector)
        case .any(let ps):
            var r = Truth.no
            for q in ps {
                let t = evaluate(q, file, selector: selector)
                if t == .yes { return .yes }
                if t == .unknown { r = .unknown }
            }
            return r
        case .eachElement(let only, let test):
            if case .tags(let ts, let sorted, _) = only, let present = tagsOfFile(),
               sorted.isEmpty ? !ts.contains(where: { Self.sortedContains(present, $0.raw) }) : !Self.sortedIntersect(sorted, present) {
                return .yes
            }
            var r = Truth.yes
            // (the closure reads the file through a pointer: capturing it
            // copied the whole DicomFile — a dozen reference counts — per rule)
            withUnsafePointer(to: file) { fp in
                _ = Self.walkElements(fp.pointee.dataSet, only: only, test: test) { ds, e, _ in
                    let v = self.test(test, .element(ds, e, index: nil), fp.pointee)
                    if v == .no { r = .no; return false }
                    if v == .unknown { r = .unknown }
                    return true
                }
            }
            return r
        case .attribute(let ref, let test):
            if case .tag(let t, _) = ref {
                if test.isPresenceOnly {
                    return t.group == 0x0002 ? Self.presence(test, t, file.meta) : Self.presence(test, t, file.dataSet)
                }
                // a plain tag: the element or nothing, without a `Resolved`
                // (what `resolve` gives for `.tag`)
                return t.group == 0x0002 ? tagTest(test, t, file.meta, file) : tagTest(test, t, file.dataSet, file)
            }
            switch ref.resolve(in: file) {
            case .missing: return self.test(test, nil, file)
            case .undecodable: return .unknown
            case .one(let t): return self.test(test, t, file)
            case .many(let ts):
                if ts.isEmpty { return selector ? .no : .yes }
                var r = Truth.yes
                for t in ts {
                    let x = self.test(test, t, file)
                    if x == .no { return .no }
                    if x == .unknown { r = .unknown }
                }
                return r
            }
        }
    }

    /// `test` on the top-level element `t` of `ds` (nil when absent).
    @inline(__always) func tagTest(_ test: ValueTest, _ t: Tag, _ ds: DataSet, _ file: DicomFile) -> Truth {
        guard let i = ds.index(of: t) else { return self.test(test, nil, file) }
        return self.test(test, .element(ds, ds.elements[i], index: nil), file)
    }

    /// A presence test (`present`, `absent`, `type 1/2/3`) on a top-level
    /// element: the verdict `test` gives, decided from the element alone
    /// (most attributes of dicom.iod's modules; building a `Target` for each
    /// was most of that pack's time).
    static func presence(_ test: ValueTest, _ t: Tag, _ ds: DataSet) -> Truth {
        guard let i = ds.index(of: t) else {
            switch test {
            case .absent, .type(.t3, _): return .yes
            default: return .no
            }
        }
        switch test {
        case .absent: return .no
        case .type(.t1, _): return Truth.from(Target.hasValue(ds, ds.elements[i]))
        default: return .yes   // present, type 2, type 3
        }
    }

    /// The outcome of an instance rule on a file.
    public func outcome(of rule: Rule, _ file: DicomFile) -> Outcome { outcome(of: rule, file, whenFrom: 0) }

    /// The outcome with the first `whenFrom` selectors known to hold (`run`
    /// has evaluated a rule's SOP Class guard once for the file). With
    /// `keys` (`OutcomeLayout.whenKeys`, inside `run`), a named `when`
    /// condition is decided once per file (dicom.deid-basic's 31 rules share
    /// a dozen option conditions, each a walk of the De-identification Method
    /// Code Sequence; dicom.iod's module rules share their `u.*` conditions).
    func outcome(of rule: Rule, _ file: DicomFile, whenFrom: Int, keys: [Int32] = []) -> Outcome {
        decide(whenFrom: whenFrom, whenCount: rule.when.count, key: { $0 < keys.count ? keys[$0] : -1 },
               when: { evaluate(rule.when[$0], file, selector: true) },
               check: {
                   if usesPrograms, let raw = rule.checkProgramPointer {
                       return Unmanaged<FlatProgram>.fromOpaque(raw)._withUnsafeGuaranteedRef { evaluate($0, $0.root, file, selector: false) }
                   }
                   guard case .instance(let p) = rule.check else { return nil }
                   return evaluate(p, file, selector: false)
               })
    }

    /// A rule's outcome from its `when` entries `whenFrom..<whenCount` and its
    /// check (nil: not an instance rule): the first entry that does not hold
    /// decides — not applicable, or not evaluated when unknown; an entry with a
    /// memo `key` (≥ 0, a named condition) is decided once per file
    /// (`namedMemo`). The one place these semantics live, for the rule itself
    /// (`outcome(of:)`) and for `run`'s table (`outcome(_:_:_:)`).
    @inline(__always) func decide(whenFrom: Int, whenCount: Int, key: (Int) -> Int32,
                                  when: (Int) -> Truth, check: () -> Truth?) -> Outcome {
        var k = whenFrom
        while k < whenCount {
            let key = key(k)
            let t: Truth
            if key >= 0, let m = namedMemo[Int(key)] {
                t = m
            } else {
                t = when(k)
                if key >= 0 { namedMemo[Int(key)] = t; namedTouched.append(key) }
            }
            switch t {
            case .yes: k += 1
            case .no: return .notApplicable
            case .unknown: return .notEvaluated
            }
        }
        guard let verdict = check() else { return .notApplicable }
        switch verdict {
        case .yes: return .pass
        case .no: return .fail
        case .unknown: return .notEvaluated
        }
    }

    /// Whether `when` holds (group rules select their instances with it).
    public func applies(_ rule: Rule, _ file: DicomFile) -> Truth {
        var r = Truth.yes
        for w in rule.when {
            let t = evaluate(w, file, selector: true)
            if t == .no { return .no }
            if t == .unknown { r = .unknown }
        }
        return r
    }

    /// Whether every value of `x` matches, when `matcher` tells for each
    /// (nil: one it cannot tell, left to the pattern's `Regex`).
    @inline(__always) static func decided(_ x: Target, by matcher: (UnsafeRawBufferPointer) -> Bool?) -> Truth? {
        var undecided = false
        let r = x.forEachText { b in
            if let r = matcher(b) { return r }
            undecided = true
            return false
        }
        return undecided ? nil : Truth.from(r)
    }

    /// Visits the standard elements of `ds` and its sequences' items (private
    /// elements skipped; with `only`, just those tags) that
    /// `test` applies to: elements with a value, or any element for tests about
    /// the element itself (`retired`, `vr`). `body` gets the element's data
    /// set, the element and its position there, and returns false to stop.
    /// With a `trail`, the sequences and items above the data set are kept
    /// there while it is walked (paths and locations of explanations).
    /// Returns false when stopped.
    @discardableResult
    static func walkElements(_ ds: DataSet, only: ElementFilter, test: ValueTest, trail: WalkTrail? = nil,
                             _ body: (DataSet, Element, Int) -> Bool) -> Bool {
        let aboutElement = test.isAboutElement
        /// The items of the sequence at `k`, walked.
        func descend(_ k: Int, _ items: [DataSet]) -> Bool {
            for (i, item) in items.enumerated() {
                trail?.steps.append(WalkTrail.Step(ds: ds, at: Int32(k), item: Int32(i)))
                let go = walkElements(item, only: only, test: test, trail: trail, body)
                trail?.steps.removeLast()
                if !go { return false }
            }
            return true
        }
        if case .tags(let ts, let sorted, let order) = only {
            func visit(_ k: Int) -> Bool {
                let e = ds.elements[k]
                if aboutElement || (!e.isSequence && e.valueLength > 0 && !e.flags.contains(.notLoaded)) { return body(ds, e, k) }
                return true
            }
            if ds.isSorted && !sorted.isEmpty && ts.count > 8 {
                // many tags (dicom.deid-basic's lists of ~300): one merge pass of
                // the ascending elements with the sorted tags; the hits visited in
                // the pack's order, the first element of a repeated tag, as the
                // lookups below do
                var hits: [(at: Int32, index: Int)] = []
                var j = 0
                var last: UInt32? = nil
                for k in ds.elements.indices {
                    let raw = ds.elements[k].tag.raw
                    if raw == last { continue }
                    last = raw
                    while j < sorted.count && sorted[j] < raw { j += 1 }
                    if j == sorted.count { break }
                    if sorted[j] == raw { hits.append((order[j], k)) }
                }
                if hits.count > 1 { hits.sort { $0.at < $1.at } }
                for h in hits where !visit(h.index) { return false }
            } else {
                // a few tags: look each up (binary search)
                for t in ts {
                    guard let i = ds.index(of: t) else { continue }
                    if !visit(i) { return false }
                }
            }
            // then descend into the sequences
            for k in ds.elements.indices {
                guard let items = ds.elements[k].items, !items.isEmpty else { continue }
                if !descend(k, items) { return false }
            }
            return true
        }
        var descendInto = true
        if case .except(_, true) = only { descendInto = false }
        for k in ds.elements.indices {
            let e = ds.elements[k]
            let selected = only.selects(e.tag)
            if selected && (aboutElement || (!e.isSequence && e.valueLength > 0 && !e.flags.contains(.notLoaded))) {
                if !body(ds, e, k) { return false }
            }
            if descendInto, let items = e.items, !items.isEmpty, !descend(k, items) { return false }
        }
        return true
    }

    /// `vr: dictionary` for a private element: a Private Creator is LO (PS3.5
    /// §7.8.1); a private data element has a VR of its entry in the vendor's
    /// private dictionary, found through its block's creator. UN passes (the
    /// VR of a value whose VR the writer did not know, PS3.5 §6.2.2), and so do
    /// elements without a creator or an entry, and entries whose VR is UN.
    static func privateVRMatches(_ ds: DataSet, _ e: Element) -> Bool {
        let vr = e.fileVR
        if vr == .UN { return true }
        if e.tag.isPrivateCreator { return vr == .LO }
        guard let c = ds.privateCreator(of: e.tag), let pe = PrivateDictionary.entry(creator: c, tag: e.tag),
              !pe.vrs.isEmpty, !pe.vrs.contains(.UN) else { return true }
        return pe.vrs.contains(vr)
    }

    /// The private dictionary's entry of a private data element (via its creator).
    static func privateEntry(_ ds: DataSet, _ tag: Tag) -> PrivateDictionaryEntry? {
        guard let c = ds.privateCreator(of: tag) else { return nil }
        return PrivateDictionary.entry(creator: c, tag: tag)
    }

    /// `in_dictionary`: a standard element of PS3.6 (group lengths included,
    /// private groups' too: PS3.5 §7.2), a Private Creator, or a private
    /// element known under its creator.
    static func isInDictionary(_ ds: DataSet, _ tag: Tag) -> Bool {
        if tag.element == 0 && tag.isPrivate { return true }
        if tag.isPrivate {
            if tag.isPrivateCreator { return true }
            return privateEntry(ds, tag) != nil
        }
        if tag.group & 1 == 1 { return false }   // reserved groups 0001-0007, FFFF
        if tag.element == 0 { return true }
        return DataDictionary.entry(for: tag) != nil
    }

    /// Another Private Creator element of the same group with the same
    /// (trimmed, non-empty) value as `e`, if any.
    static func duplicateCreator(_ ds: DataSet, _ e: Element) -> Tag? {
        guard e.tag.isPrivateCreator, let mine = ds.privateCreator(of: Tag(e.tag.group, e.tag.element << 8 | 0x10)), !mine.isEmpty else { return nil }
        for o in ds.elements where o.tag.group == e.tag.group && o.tag.isPrivateCreator && o.tag != e.tag {
            if ds.privateCreator(of: Tag(o.tag.group, o.tag.element << 8 | 0x10)) == mine { return o.tag }
        }
        return nil
    }

    /// `retired`: not a retired PS3.6 attribute. Group Length (gggg,0000) is
    /// retired except in groups 0000 and 0002 (PS3.5 §7.2), private groups'
    /// included (the standard defined it for every group, PS3.5-2007 §7.2).
    static func isNotRetired(_ tag: Tag) -> Bool {
        if tag.element == 0 && tag.group > 2 && (tag.group & 1 == 0 || tag.isPrivate) { return false }
        guard let d = DataDictionary.entry(for: tag) else { return true }
        return !d.isRetired
    }

    /// `vr: dictionary`: an explicit VR is one the dictionary gives the tag
    /// (private elements: the vendor dictionary, `privateVRMatches`); a VR the
    /// reader took from the dictionary, or a tag without one, passes. The VR
    /// is the file's (`fileVR`: UN for a value the reader typed from the dictionary).
    static func vrMatchesDictionary(_ ds: DataSet, _ e: Element) -> Bool {
        if e.flags.contains(.vrFromDictionary) { return true }
        if e.tag.isPrivate { return privateVRMatches(ds, e) }
        guard let d = DataDictionary.entry(for: e.tag), d.vr != nil else { return true }
        return d.vrs.contains(e.fileVR)
    }

    /// `format`: the value (or value `index`) is valid for its VR (PS3.5 §6.2);
    /// binary values fill whole values; sequences pass.
    static func formatIsValid(_ ds: DataSet, _ e: Element, index: Int?) -> Bool {
        if e.isSequence { return true }
        let vr = e.vr
        if !vr.isString {
            let size = vr.binaryValueSize
            return size <= 1 || e.valueLength % size == 0
        }
        if holdsNUL(ds, e, index: index) { return false }
        if vr == .PN {
            // plain ASCII (the usual case): check the bytes of each value
            if case .some(true) = ds.withValue(e, { buf -> Bool? in isPlainASCII(buf) ? true : nil }) {
                return Target.forEachText(ds, e, index) { FormatCheck.personNameASCII($0) }
            }
            let values = ds.strings(e)
            if let index { return index < values.count ? FormatCheck.personName(values[index]) : true }
            return values.allSatisfy { FormatCheck.personName($0) }
        }
        return Target.forEachText(ds, e, index) { FormatCheck.valid($0, vr: vr) }
    }

    /// A NUL (00H) byte in a string value of a VR other than UI (or in value
    /// `index`): PS3.5 §6.2 pads only UI values with a trailing NUL — every
    /// other string VR is padded with SPACE (20H) — and NUL is in the
    /// character repertoire of none of them (Table 6.2-1). The reader trims
    /// trailing NULs with the spaces (it still reads such values), so the
    /// repertoire tests of `FormatCheck.valid` never see them: tested here,
    /// on the value's bytes as the file holds them.
    static func holdsNUL(_ ds: DataSet, _ e: Element, index: Int?) -> Bool {
        let vr = e.vr
        guard vr.isString, vr != .UI, !e.isSequence, !e.flags.contains(.notLoaded), e.valueLength > 0 else { return false }
        return ds.withValue(e) { buf in
            // (memchr: this runs for every string value the format check reads)
            let any = buf.count > 0 && memchr(buf.baseAddress!, 0, buf.count) != nil
            guard let index, any else { return any }
            if vr.isSingleValuedText { return index == 0 }
            var n = 0
            for c in buf {
                if c == 0x5C { n += 1; if n > index { return false } }
                else if c == 0 && n == index { return true }
            }
            return false
        }
    }

    /// The element at `location` (`WalkTrail.location`) in `ds`, with its
    /// data set; nil when the structure does not have it.
    static func element(at location: [Int32], in ds: DataSet) -> (DataSet, Element)? {
        var set = ds, k = 0
        while k + 2 < location.count {
            let at = Int(location[k]), item = Int(location[k + 1])
            guard at < set.elements.count, let items = set.elements[at].items, item < items.count else { return nil }
            set = items[item]
            k += 2
        }
        guard k + 1 == location.count, Int(location[k]) < set.elements.count else { return nil }
        return (set, set.elements[Int(location[k])])
    }

    /// `Seq[0].Keyword`, or a private element by creator: `(0029,"SIEMENS CSA HEADER",10)`.
    static func elementPath(_ ds: DataSet, _ e: Element, _ parent: String) -> String {
        let tag = e.tag
        let name: String
        if tag.group & 1 == 1, tag.element >= 0x1000, let c = ds.privateCreator(of: tag) {
            // (GGGG,"creator",EE), written as bytes (one per private finding of dicom.deid-basic)
            var b: [UInt8] = []
            b.reserveCapacity(c.utf8.count + 16)
            func hex(_ v: UInt16, _ digits: Int) {
                for k in stride(from: digits - 1, through: 0, by: -1) {
                    let d = UInt8((v >> (4 * UInt16(k))) & 0xF)
                    b.append(d < 10 ? 0x30 + d : 0x41 + d - 10)
                }
            }
            b.append(0x28); hex(tag.group, 4); b.append(0x2C); b.append(0x22)
            b.append(contentsOf: c.utf8)
            b.append(0x22); b.append(0x2C); hex(tag.element & 0xFF, 2); b.append(0x29)
            name = String(decoding: b, as: UTF8.self)
        } else {
            // (a Private Creator by its tag: every one has the keyword PrivateCreator)
            name = DataDictionary.entry(for: tag).map { $0.keyword.isEmpty || tag.element == 0 || tag.isPrivateCreator ? tag.description : $0.keyword } ?? tag.description
        }
        return parent.isEmpty ? name : parent + "." + name
    }

    // MARK: value tests

    /// The tests of the generic element walks (`format`, `vm: dictionary`,
    /// `retired`, `vr`, `in_dictionary`, `duplicate_creator`…), on a data set's element as it is — the same verdicts as
    /// `test(t, .element(ds, e, index: nil), file)`, without building and
    /// copying a `Target` per element and test. `nil` for the other tests.
    @inline(__always) func elementTest(_ t: ValueTest, _ ds: DataSet, _ e: Element) -> Truth? {
        switch t {
        case .notRetired:
            return Truth.from(Self.isNotRetired(e.tag))
        case .vmDictionary:
            guard !e.isSequence, e.vr != .UN, let d = DataDictionary.entry(for: e.tag) else { return .yes }
            let n = ds.valueMultiplicity(e)
            return Truth.from(n == 0 || d.allowsValueCount(n))
        case .format:
            return Truth.from(Self.formatIsValid(ds, e, index: nil))
        case .inDictionary:
            return Truth.from(Self.isInDictionary(ds, e.tag))
        case .uniqueCreator:
            return Truth.from(Self.duplicateCreator(ds, e) == nil)
        case .vrDictionary:
            return Truth.from(Self.vrMatchesDictionary(ds, e))
        case .vr(let vrs):
            return Truth.from(vrs.contains(e.fileVR))
        case .present: return .yes
        case .absent: return .no
        default:
            return nil
        }
    }

    func test(_ t: ValueTest, _ x: Target?, _ file: DicomFile) -> Truth {
        switch t {
        case .present: return Truth.from(x != nil)
        case .absent: return Truth.from(x == nil)
        case .type(let rt, let cond):
            switch rt {
            case .t3: return .yes
            case .t2: return Truth.from(x != nil)
            case .t1: return Truth.from(x?.hasValue ?? false)
            case .t1C, .t2C:
                // present (with a value for 1C) meets the requirement whatever
                // the condition says: the condition is not evaluated (a
                // condition may walk the data set)
                if let x, rt == .t2C || x.hasValue { return .yes }
                let c = cond.map { evaluate($0, file, selector: true) } ?? .yes
                if c == .no { return .yes }
                if c == .unknown { return x != nil ? .yes : .unknown }
                return rt == .t2C ? Truth.from(x != nil) : Truth.from(x?.hasValue ?? false)
            }
        case .items(let p):
            guard case let .element(ds, e, _)? = x, let items = e.items else { return .yes }
            return inItems(of: ds, in: file) {
                var r = Truth.yes
                var sub = file
                for item in items {
                    sub.dataSet = item
                    let t = evaluate(p, sub, selector: false)
                    if t == .no { return .no }
                    if t == .unknown { r = .unknown }
                }
                return r
            }
        case .not(let inner):
            return test(inner, x, file).negated
        case .all(let ts):
            var r = Truth.yes
            for i in ts {
                let v = test(i, x, file)
                if v == .no { return .no }
                if v == .unknown { r = .unknown }
            }
            return r
        case .any(let ts):
            var r = Truth.no
            for i in ts {
                let v = test(i, x, file)
                if v == .yes { return .yes }
                if v == .unknown { r = .unknown }
            }
            return r
        default: break
        }
        guard let x else { return .no }  // a check on a missing attribute fails
        switch t {
        case .empty: return Truth.from(!x.hasValue)
        case .notEmpty: return Truth.from(x.hasValue)
        case .vm(let r): return Truth.from(r.contains(x.count))
        case .vmDictionary:
            // (UN — a value the reader could not type from the dictionary — is not split, so its values are not counted)
            guard case let .element(_, e, idx) = x, idx == nil, !e.isSequence, e.vr != .UN, let d = DataDictionary.entry(for: e.tag) else { return .yes }
            return Truth.from(x.count == 0 || d.allowsValueCount(x.count))
        case .vrDictionary:
            guard case let .element(ds, e, _) = x else { return .yes }
            return Truth.from(Self.vrMatchesDictionary(ds, e))
        case .inDictionary:
            guard case let .element(ds, e, _) = x else { return .yes }
            return Truth.from(Self.isInDictionary(ds, e.tag))
        case .uniqueCreator:
            guard case let .element(ds, e, _) = x else { return .yes }
            return Truth.from(Self.duplicateCreator(ds, e) == nil)
        case .notRetired:
            guard let tag = x.tag else { return .yes }
            return Truth.from(Self.isNotRetired(tag))
        case .privateTag:
            // (an AT value: group then element, PS3.5 6.2; read as AT also when
            // written as UN, PS3.5 6.2.2 Note 2)
            guard case let .element(ds, e, idx) = x, e.vr == .AT else { return .unknown }
            var tags = ds.tags(e)
            if let i = idx { tags = i < tags.count ? [tags[i]] : [] }
            if tags.isEmpty { return .no }
            return Truth.from(tags.allSatisfy(\.isPrivate))
        case .registered(let type):
            if x.count == 0 { return .no }
            return Truth.from(x.forEachText { b in
                guard let u = UIDRegistry.entry(for: String(decoding: b, as: UTF8.self)) else { return false }
                return type.map { asciiCaseInsensitiveEqual(u.type, $0) } ?? true
            })
        case .vr(let vrs): return Truth.from(x.fileVR.map { vrs.contains($0) } ?? false)
        case .each(let inner):
            let n = x.count
            if case .values(let list, let vr) = x, list.count > 1 {
                var r = Truth.yes
                for v in list {
                    let t = test(inner, .values([v], vr: vr), file)
                    if t == .no { return .no }
                    if t == .unknown { r = .unknown }
                }
                return r
            }
            guard case let .element(ds, e, idx) = x else {
                return test(inner, x, file)
            }
            if idx != nil { return test(inner, x, file) }
            if e.isSequence { return test(inner, x, file) }
            var r = Truth.yes
            for i in 0..<n {
                let v = test(inner, .element(ds, e, index: i), file)
                if v == .no { return .no }
                if v == .unknown { r = .unknown }
            }
            return r
        case .length(let r):
            if case let .element(ds, e, _) = x, !e.vr.isString {
                return Truth.from(e.isSequence || r.contains(ds.valueMultiplicity(e) > 0 ? e.valueLength / max(1, ds.valueMultiplicity(e)) : 0))
            }
            return Truth.from(x.forEachText { r.contains($0.count) })
        case .format:
            guard case let .element(ds, e, idx) = x else { return .yes }
            return Truth.from(Self.formatIsValid(ds, e, index: idx))
        case .matches(let box):
            if x.count == 0 { return .no }
            // a literal pattern, or one class over the value: decided on the
            // bytes, before the memo (a literal's values are mostly UIDs,
            // each seen once: a memo entry copied per value, never hit)
            if let l = box.literal, let r = Self.decided(x, by: l.matches) { return r }
            if let c = box.byteClass, let r = Self.decided(x, by: c.surelyMatches) { return r }
            let memo: RegexMemo
            if let m = regexMemo[ObjectIdentifier(box)] { memo = m } else { memo = RegexMemo(); regexMemo[ObjectIdentifier(box)] = memo }
            return Truth.from(x.forEachText { b in
                if let r = memo.lookup(b) { return r }
                let r = box.matches(bytes: b)
                memo.store(b, r)
                return r
            })
        case .equals(let op, let tol):
            if x.count == 0 { return .no }
            guard let o = resolveOperand(op, file) else { return .unknown }
            return all(x, o) { c in tol.map { t in c.difference.map { abs($0) <= t } ?? (c.order == 0) } ?? (c.order == 0) }
        case .equalsList(let ops):
            if x.count != ops.count { return .no }
            var k = 0
            var r = Truth.yes
            for op in ops {
                guard let o = resolveOperand(op, file) else { return .unknown }
                let v = compareOne(x, at: k, o)
                if v == .no { return .no }
                if v == .unknown { r = .unknown }
                k += 1
            }
            return r
        case .inSet(let ops):
            if x.count == 0 { return .no }
            return everyValue(x, in: ops, file)
        case .notInSet(let ops):
            if x.count == 0 { return .yes }
            return someValue(x, in: ops, file).negated
        case .range(let lo, let hi):
            if x.count == 0 { return .no }
            guard let l = resolveOperand(lo, file), let h = resolveOperand(hi, file) else { return .unknown }
            let a = all(x, l) { $0.order >= 0 }
            if a == .no { return .no }
            let b = all(x, h) { $0.order <= 0 }
            if b == .no { return .no }
            return a == .unknown || b == .unknown ? .unknown : .yes
        case .compare(let cmp, let op):
            if x.count == 0 { return .no }
            guard let o = resolveOperand(op, file) else { return .unknown }
            return all(x, o) { c in
                switch cmp {
                case .gt: return c.order > 0
                case .ge: return c.order >= 0
                case .lt: return c.order < 0
                case .le: return c.order <= 0
                }
            }
        default:
            return .yes
        }
    }

    // MARK: comparison

    /// An operand with another attribute's value looked up.
    enum ROperand {
        case number(Double)
        case date(DicomDate)
        case time(DicomTime)
        case dateTime(DicomDateTime)
        case bytes([UInt8])
    }

    struct Compared { var order: Int; var difference: Double? }

    func resolveOperand(_ op: Operand, _ file: DicomFile) -> ROperand? {
        switch op {
        case .number(let d, _): return .number(d)
        case .date(let d, _): return .date(d)
        case .time(let t, _): return .time(t)
        case .dateTime(let t, _): return .dateTime(t)
        case .string(let b, _): return .bytes(b)
        case .attribute(let ref):
            guard case .one(let t) = ref.resolve(in: file), t.count > 0, let vr = t.vr else { return nil }
            switch ValueKind.of(vr) {
            case .number:
                var first: Double?
                _ = t.forEachNumber { first = $0; return false }
                return first.map { .number($0) }
            default:
                var first: [UInt8]?
                _ = t.forEachText { first = Array($0); return false }
                guard let f = first else { return nil }
                // (a String only for the kinds parsed from one)
                switch ValueKind.of(vr) {
                case .date: return DicomDate(parsing: String(decoding: f, as: UTF8.self)).map { .date($0) }
                case .time: return DicomTime(parsing: String(decoding: f, as: UTF8.self)).map { .time($0) }
                case .dateTime: return DicomDateTime(parsing: String(decoding: f, as: UTF8.self)).map { .dateTime($0) }
                default: return .bytes(f)
                }
            }
        }
    }

    /// Compares one value (as bytes) with an operand; `nil` when the value
    /// cannot be read as the operand's kind.
    @inline(__always) func compare(_ b: UnsafeRawBufferPointer, _ o: ROperand) -> Compared? {
        switch o {
        case .bytes(let s):
            if bytesEqual(b, s) { return Compared(order: 0, difference: nil) }
            // order for strings: byte order
            let n = min(b.count, s.count)
            for i in 0..<n where b[i] != s[i] { return Compared(order: b[i] < s[i] ? -1 : 1, difference: nil) }
            return Compared(order: b.count < s.count ? -1 : 1, difference: nil)
        case .number(let d):
            guard let v = parseNumber(b) else { return nil }
            return Compared(order: v < d ? -1 : v > d ? 1 : 0, difference: v - d)
        case .date(let d):
            let a: (Int, Int, Int)
            if let x = FormatCheck.parseDA(b) { a = x }
            else if let v = DicomDate(parsing: String(decoding: b, as: UTF8.self)) { a = (v.year, v.month, v.day) }  // ACR-NEMA YYYY.MM.DD
            else { return nil }
            let c = (d.year, d.month, d.day)
            return Compared(order: a < c ? -1 : a > c ? 1 : 0, difference: nil)
        case .time(let d):
            guard let v = DicomTime(parsing: String(decoding: b, as: UTF8.self)) else { return nil }
            return Compared(order: v < d ? -1 : v > d ? 1 : 0, difference: nil)
        case .dateTime(let d):
            guard let v = DicomDateTime(parsing: String(decoding: b, as: UTF8.self)) else { return nil }
            let a = v.sortKey, c = d.sortKey
            return Compared(order: a == c ? 0 : a.lexicographicallyPrecedes(c) ? -1 : 1, difference: nil)
        }
    }

    /// Every value satisfies `ok` against `o`: numbers compared as numbers
    /// (binary values read directly), dates as dates, the rest as bytes.
    func all(_ x: Target, _ o: ROperand, _ ok: (Compared) -> Bool) -> Truth {
        if case .number(let d) = o {
            return x.forEachNumber { v in ok(Compared(order: v < d ? -1 : v > d ? 1 : 0, difference: v - d)) }
        }
        var unknown = false
        let r = x.forEachText { b in
            guard let c = compare(b, o) else { unknown = true; return false }
            return ok(c)
        }
        return unknown ? .unknown : Truth.from(r)
    }

    func compareOne(_ x: Target, at k: Int, _ o: ROperand) -> Truth {
        if case .values(let list, let vr) = x { return k < list.count ? all(.values([list[k]], vr: vr), o) { $0.order == 0 } : .no }
        guard case let .element(ds, e, idx) = x, idx == nil else { return k == 0 ? all(x, o) { $0.order == 0 } : .no }
        return all(.element(ds, e, index: k), o) { $0.order == 0 }
    }

    /// Whether one value (bytes) equals one operand; `nil` when undecidable.
    /// Constant operands are compared without building anything.
    /// Whether every operand is a literal (no other attribute to look up).
    @inline(__always) static func allLiteral(_ ops: [Operand]) -> Bool {
        for op in ops {
            switch op {
            case .string, .number: continue
            default: return false
            }
        }
        return true
    }

    /// `equal` for a literal operand (`allLiteral`), without the file.
    @inline(__always) static func equalLiteral(_ b: UnsafeRawBufferPointer, _ op: Operand) -> Bool? {
        switch op {
        case .string(let s, _): return bytesEqual(b, s)
        case .number(let d, _): return parseNumber(b).map { $0 == d }
        default: return nil
        }
    }

    @inline(__always) func equal(_ b: UnsafeRawBufferPointer, _ op: Operand, _ file: DicomFile) -> Bool? {
        switch op {
        case .string(let s, _): return bytesEqual(b, s)
        case .number(let d, _): return parseNumber(b).map { $0 == d }
        default:
            guard let o = resolveOperand(op, file), let c = compare(b, o) else { return nil }
            return c.order == 0
        }
    }

    /// Every value is one of `ops` (numbers read directly for binary VRs).
    func everyValue(_ x: Target, in ops: [Operand], _ file: DicomFile) -> Truth {
        // (AT: compared as its text "(GGGG,EEEE)", which the compiler makes of the operands)
        if let vr = x.vr, !vr.isString, vr != .UN, vr != .OB, vr != .AT {
            return x.forEachNumber { v in ops.contains { if case .number(let d, _) = $0 { return d == v }; return false } }
        }
        var unknown = false
        let r: Bool
        if Self.allLiteral(ops) {
            // (the closure must not capture `file`: a copy of a DicomFile per
            // test was a third of dicom.iod's time)
            r = x.forEachText { b in
                for op in ops {
                    guard let e = Self.equalLiteral(b, op) else { unknown = true; continue }
                    if e { return true }
                }
                return false
            }
        } else {
            r = x.forEachText { b in
                for op in ops {
                    guard let e = equal(b, op, file) else { unknown = true; continue }
                    if e { return true }
                }
                return false
            }
        }
        return r ? .yes : unknown ? .unknown : .no
    }

    /// Some value is one of `ops`.
    func someValue(_ x: Target, in ops: [Operand], _ file: DicomFile) -> Truth {
        if let vr = x.vr, !vr.isString, vr != .UN, vr != .OB, vr != .AT {
            var found = false
            let t = x.forEachNumber { v in
                if ops.contains(where: { if case .number(let d, _) = $0 { return d == v }; return false }) { found = true; return false }
                return true
            }
            return found ? .yes : t == .unknown ? .unknown : .no
        }
        var found = false, unknown = false
        if Self.allLiteral(ops) {
            _ = x.forEachText { b in
                for op in ops {
                    guard let e = Self.equalLiteral(b, op) else { unknown = true; continue }
                    if e { found = true; return false }
                }
                return true
            }
        } else {
            _ = x.forEachText { b in
                for op in ops {
                    guard let e = equal(b, op, file) else { unknown = true; continue }
                    if e { found = true; return false }
                }
                return true
            }
        }
        return found ? .yes : unknown ? .unknown : .no
    }
}

extension DicomDateTime {
    var sortKey: [Int] {
        [year, month, day, time?.hour ?? 0, time?.minute ?? 0, time?.second ?? 0, time?.microsecond ?? 0]
    }
}

/// Equality of two strings ignoring the case of ASCII letters (UID types of
/// PS3.6 are ASCII: "Transfer Syntax", "SOP Class"); Foundation's
/// `caseInsensitiveCompare` was most of a `registered` test.
func asciiCaseInsensitiveEqual(_ a: String, _ b: String) -> Bool {
    var i = a.utf8.makeIterator(), j = b.utf8.makeIterator()
    while true {
        switch (i.next(), j.next()) {
        case (nil, nil): return true
        case let (x?, y?): if LiteralRegex.lower(x) != LiteralRegex.lower(y) { return false }
        default: return false
        }
    }
}

/// Where an element walk is (`Evaluator.walkElements` with a trail): the
/// sequences and items above the data set being walked, pushed and popped
/// as it descends — the path and location of an element it finds are made
/// from them only when asked (explanations), not for every item walked.
final class WalkTrail {
    struct Step {
        /// The data set holding the sequence, the sequence's position there, the item's index.
        let ds: DataSet, at: Int32, item: Int32
    }
    var steps: [Step] = []

    /// The element's path: `Seq[0].Name` (`Evaluator.elementPath`).
    func path(_ ds: DataSet, _ e: Element) -> String {
        var parent = ""
        for s in steps { parent = Evaluator.elementPath(s.ds, s.ds.elements[Int(s.at)], parent) + "[\(s.item)]" }
        return Evaluator.elementPath(ds, e, parent)
    }

    /// The element's location: the positions of the sequences and the
    /// indices of the items above it, then its position in its data set
    /// (`Evaluator.element(at:in:)` finds it again in a file of the same structure).
    func location(_ at: Int) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(2 * steps.count + 1)
        for s in steps { out.append(s.at); out.append(s.item) }
        out.append(Int32(at))
        return out
    }
}
