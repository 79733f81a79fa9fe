#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DcmData
import DcmDictionary

/// Outcomes of a file's rules reused from an earlier file of the same
/// *shape*: the files of a series (a CT of 300 slices, an MR run of 200)
/// differ in a few instance-level values — SOP Instance UID, Instance
/// Number, Image Position (Patient), Slice Location, times, the tube current
/// of a modulated CT — while the rules of `dicom.iod`, most of
/// `dicom.deid-basic` and of the other packs read only what they share: which
/// attributes are present, empty or sequences of how many items, and values
/// such as Modality, Image Type, Photometric Interpretation or Bits Stored.
///
/// How it stays exact:
/// - A file's **structure** (`ShapeKey.structure`) is every element of the
///   file meta information and the data set, items included, in file order:
///   tag, VR, reader flags, whether it has a value (`Target.hasValue`, what
///   presence and Type 1 tests read), the number of items of a sequence; the
///   values that decide which rules run or how others read (SOP Class UID,
///   Specific Character Set, private creators); the transfer syntax read
///   with and declared, the preamble, the kinds of the reader's anomalies,
///   whether a text value leaves the default repertoire (`file.text_repertoire`).
///   Its **values** (`ShapeKey.values`) are the bytes of every other element
///   but the *instance-varying* ones (`InstanceVarying`), which no key holds.
/// - A rule is **keyed** (`KeyedReads`) when everything its `when` and check
///   can read is in the structure or the values, and it then records the
///   tags whose values it reads. A rule that reads an instance-varying value,
///   a derived attribute (CSA headers…), or the values of elements it does
///   not name (`each_element` over all standard elements with a value test)
///   is not.
/// - Files of equal structure are looked up together. With equal values too,
///   every keyed rule has the earlier file's outcome (its evaluation is a
///   function of what the key holds): `Evaluator.run` replays it and
///   evaluates the others (`ShapeEntry.redo`) — UID and date checks, derived
///   attributes — on the file; the fused element walk of `dicom.values` tests
///   only the instance-varying elements. With some values different (the
///   first file of the next series: another Series Description, Echo Time),
///   the keyed rules that read none of the changed tags are replayed and the
///   others evaluated, and the file's result becomes the entry.
/// - A rule whose `when` is not keyed but has keyed entries (a Siemens rule
///   on `Manufacturer` and a CSA header) and that one of them made not
///   applicable on the entry's file (`ShapeMemo.decidedByKeyedWhen`: a GE
///   file) is replayed as not applicable: that entry reads only what the key
///   holds, and one `.no` decides a `when`.
/// - Findings of failed rules carry each file's path, UIDs and values. An
///   explanation is reused only when nothing it shows can differ, or only
///   the located element's value (`ShapeEntry.reusable`,
///   `FailureDetail.location`: read again from the file); its findings are
///   then the entry's, copied with the file's own fields
///   (`ShapeEntry.explanations`, `Evaluator.reuseFindings`).
///
/// Keys are compared whole (the bytes), never by hash alone. One memo per
/// evaluator (per worker thread), of at most `capacity` structures and
/// `byteBudget` bytes of keys, emptied when full. `ShapeMemoTests` checks outcomes and findings with and without the
/// memo on every fixture and copies of it with instance values and keyed
/// values changed, and fails when a varying value is taken as keyed.
final class ShapeMemo {
    /// The rule set's table the memo is for (a new set starts a new memo).
    let table: ObjectIdentifier
    /// Per rule: 0 not yet classified, else `classified` with `whenKeyed`
    /// and `checkKeyed` as they hold.
    var ruleClass: [UInt8]
    static let classified: UInt8 = 1, whenKeyed: UInt8 = 2, checkKeyed: UInt8 = 4, splits: UInt8 = 8
    /// Per rule whose check splits (`SplitCheck`): the check on the
    /// instance-varying tags and on the others.
    var splitChecks: [Int: SplitCheck] = [:]
    /// Per classified rule: the tags whose values its `when` reads (of a
    /// `when` not keyed: its keyed entries'), and its `when` and check
    /// together (ascending, no repeats).
    var whenReads: [[UInt32]], allReads: [[UInt32]]
    /// Per classified rule whose `when` is not keyed: the positions in it of
    /// its keyed entries (`decidedByKeyedWhen`).
    var keyedWhenParts: [[Int32]]
    /// The entries by their structure's hash (equal hashes: compared by bytes).
    var entries: [UInt64: [ShapeEntry]] = [:]
    var count = 0
    /// The key of the file being run (reused: no allocation per file once grown).
    var scratch = ShapeKey()
    /// Files replayed whole, replayed in part (values changed), evaluated.
    var hits = 0, partial = 0, misses = 0
    /// At most `capacity` entries and `byteBudget` bytes of keys (the
    /// memo is emptied when either is reached); a file whose key is larger
    /// than `largestKey` (a huge text or private header) is not stored.
    static let capacity = 128, byteBudget = 16 << 20, largestKey = 1 << 20
    var bytes = 0

    init(table: RuleTable, ruleCount: Int) {
        self.table = ObjectIdentifier(table)
        ruleClass = Array(repeating: 0, count: ruleCount)
        whenReads = Array(repeating: [], count: ruleCount)
        allReads = whenReads
        keyedWhenParts = Array(repeating: [], count: ruleCount)
    }
    deinit { scratch.free() }

    /// Whether the outcome `o` of rule `i` (the rule object `rule`) on a
    /// file holds on every file of its shape: when the rule's `when` and
    /// check read only what the key holds — or its `when` alone does and
    /// made it not applicable (a Siemens rule on a GE file: its check, on a
    /// CSA header, is not read). Classified on first use.
    @inline(__always) func isKeyed(_ i: Int, _ rule: Rule, outcome o: Outcome) -> Bool {
        var c = ruleClass[i]
        if c == 0 { c = classify(i, rule) }
        return c & Self.whenKeyed != 0 && (c & Self.checkKeyed != 0 || o == .notApplicable)
    }

    func classify(_ i: Int, _ rule: Rule) -> UInt8 {
        var c = Self.classified
        var w = KeyedReads()
        if rule.when.allSatisfy({ w.predicate($0) }) { c |= Self.whenKeyed }
        var all = w
        if all.check(rule) { c |= Self.checkKeyed }
        whenReads[i] = w.sortedReads
        allReads[i] = all.sortedReads
        if c & Self.whenKeyed == 0 {
            // the keyed entries of the `when`, and what they read
            var parts = KeyedReads()
            for (j, p) in rule.when.enumerated() {
                var r = KeyedReads()
                guard r.predicate(p) else { continue }
                keyedWhenParts[i].append(Int32(j))
                parts.reads += r.reads
            }
            whenReads[i] = parts.sortedReads
        }
        if c & Self.whenKeyed != 0 && c & Self.checkKeyed == 0, let split = SplitCheck(rule) {
            c |= Self.splits
            splitChecks[i] = split
            var reads = w
            reads.reads += split.keptReads
            allReads[i] = reads.sortedReads
        }
        ruleClass[i] = c
        return c
    }

    /// Whether rule `i` (classified), with outcome `o` on a file, is replayed
    /// as a split check: its check's verdict over the tags whose values the
    /// key holds kept (`ShapeEntry.splitKept`), the instance-varying ones
    /// tested on each file. Only a pass or a fail (every `when` held) of a
    /// rule its own evaluation decides.
    @inline(__always) func isSplit(_ i: Int, outcome o: Outcome, _ dispatch: TagDispatch) -> Bool {
        ruleClass[i] & Self.splits != 0 && (o == .pass || o == .fail) && !dispatch.gated[i]
            && !(dispatch.walkRules.count > 1 && dispatch.walkSlot[i] >= 0)
    }

    /// The positions in `visited` (rules and their `outcomes` on a file) of
    /// the rules a file of the same key must evaluate: those not keyed,
    /// given their outcome (`isKeyed`); and whether one of them takes its
    /// outcome from the fused element walk or the gated rules' walk (as
    /// `Evaluator.visitOutcome` decides).
    func redo(_ visited: [Int32], _ outcomes: [Outcome], _ set: RuleSet, _ file: DicomFile, _ ev: Evaluator)
        -> (redo: [Int32], walk: Bool, gated: Bool, split: [Int32]) {
        let dispatch = set.tagIndex, table = set.table
        let fused = dispatch.walkRules.count > 1
        var redo: [Int32] = [], split: [Int32] = []
        var walk = false, gated = false
        for (k, r) in visited.enumerated() {
            let i = Int(r)
            let rule = Unmanaged<Rule>.fromOpaque(table.rules[i]).takeUnretainedValue()
            if !isKeyed(i, rule, outcome: outcomes[k]) && !decidedByKeyedWhen(i, rule, outcome: outcomes[k], file, ev) {
                if isSplit(i, outcome: outcomes[k], dispatch) { split.append(Int32(k)); continue }
                redo.append(Int32(k))
                if fused && dispatch.walkSlot[i] >= 0 { walk = true } else if dispatch.gated[i] { gated = true }
            }
        }
        return (redo, walk, gated, split)
    }

    /// Whether rule `i` (classified; its `when` not keyed) was made not
    /// applicable (`o`) on `file` by a keyed entry of its `when`: that
    /// entry's `.no` holds on every file of the key, and decides the `when`
    /// whatever the others give (`Evaluator.applies`).
    func decidedByKeyedWhen(_ i: Int, _ rule: Rule, outcome o: Outcome, _ file: DicomFile, _ ev: Evaluator) -> Bool {
        guard o == .notApplicable, ruleClass[i] & Self.whenKeyed == 0, !keyedWhenParts[i].isEmpty else { return false }
        return keyedWhenParts[i].contains { ev.evaluate(rule.when[Int($0)], file, selector: true) == .no }
    }

    /// Whether keyed rule `i`'s outcome `o` (or a split check's kept part,
    /// or the outcome a keyed entry of its `when` decided) still holds when
    /// the values of the tags `changed` (ascending) differ: it reads none of
    /// them (its `when` alone, for an outcome its `when` decided).
    @inline(__always) func unaffected(_ i: Int, outcome o: Outcome, changed: [UInt32]) -> Bool {
        let c = ruleClass[i]
        let reads = c & Self.whenKeyed != 0 && c & (Self.checkKeyed | Self.splits) != 0 ? allReads[i] : whenReads[i]
        return !Evaluator.sortedIntersect(reads, changed)
    }

    /// Whether the fused walk's verdicts split into the key's part and the
    /// varying part: each test reads the element tested and, through its
    /// operands, only what the key holds (`Evaluator.fusedWalkSplit`).
    func walkSplits(_ dispatch: TagDispatch) -> Bool {
        if let w = walkSplit { return w }
        var r = KeyedReads()
        let w = dispatch.walkTests.allSatisfy { r.valueTest($0) }
        walkSplit = w
        return w
    }
    private var walkSplit: Bool? = nil

    /// The entry for `file`'s structure, if seen, and the tags whose values
    /// differ from the entry's (ascending; empty: the same values). The key
    /// is left in `scratch`.
    func lookup(_ file: DicomFile) -> (entry: ShapeEntry, changed: [UInt32])? {
        scratch.write(file)
        let h = scratch.structureHash()
        guard let list = entries[h] else { return nil }
        for e in list where scratch.structureEquals(e.structure) {
            guard let changed = scratch.changedTags(since: e.values) else { return nil }
            return (e, changed)
        }
        return nil
    }

    /// Stores `entry` with the key in `scratch` (after `lookup`), replacing
    /// the entry of the same structure.
    func store(_ entry: ShapeEntry) {
        let size = scratch.size
        guard size <= Self.largestKey else { return }
        let h = scratch.structureHash()
        entry.structure = scratch.structureBytes()
        entry.values = scratch.valueBytes()
        if var list = entries[h], let k = list.firstIndex(where: { scratch.structureEquals($0.structure) }) {
            bytes += size - list[k].structure.count - list[k].values.count
            list[k] = entry
            entries[h] = list
            return
        }
        if count >= Self.capacity || bytes + size > Self.byteBudget { entries.removeAll(keepingCapacity: true); count = 0; bytes = 0 }
        entries[h, default: []].append(entry)
        count += 1
        bytes += size
    }
}

/// A rule whose `when` is keyed and whose check is `each_element` over a
/// list of tags with a test of each element's value (the vendor UID roots of
/// `dicom.deid-basic` over ~60 UID attributes, a few of them instance UIDs):
/// the check's verdict is that over the tags the key holds combined with that
/// over the instance-varying ones (a failure decides, else an unknown, else a
/// pass: no order), so a file of the same key tests only the latter.
struct SplitCheck {
    /// The check on the instance-varying tags, and on the others.
    let varying: Predicate, kept: Predicate
    /// The tags whose values the kept part reads.
    let keptReads: [UInt32]

    init?(_ rule: Rule) {
        guard case .instance(var p) = rule.check else { return nil }
        while true {
            if case .deferred(let d) = p { p = d.predicate; continue }
            if case .named(_, let q) = p { p = q; continue }
            if case .described(_, let q) = p { p = q; continue }
            break
        }
        guard case .eachElement(only: .tags(let ts, _, _), let test) = p else { return nil }
        var reads = KeyedReads()
        guard reads.valueTest(test) else { return nil }
        let xs = ts.filter(InstanceVarying.contains), ks = ts.filter { !InstanceVarying.contains($0) }
        guard !xs.isEmpty else { return nil }
        varying = .eachElement(only: .tagList(xs), test)
        kept = .eachElement(only: .tagList(ks), test)
        keptReads = ks.map(\.raw) + reads.reads
    }
}

/// What `Evaluator.run` gave on a file, to replay on a file of the same shape.
final class ShapeEntry {
    /// The file's key (`ShapeKey`): structure and values.
    var structure: [UInt8] = []
    var values: [UInt8] = []
    /// The visited rules and their outcomes (those at `redo` are recomputed).
    let visited: [Int32]
    let outcomes: [Outcome]
    /// Positions in `visited` of the rules evaluated on each file: not keyed,
    /// fused into the element walks, or tag-gated.
    let redo: [Int32]
    /// The group rules among the rules to visit (their samples are per file).
    let groupRules: [Int32]
    let guardTruths: [Truth]
    /// Whether a rule of `redo` takes its outcome from the fused element
    /// walk, or from the walk of the gated rules (then the walk runs).
    let walkRedo: Bool, gatedRedo: Bool
    /// The fused walk's verdicts over the elements whose values are in the
    /// key (`Evaluator.fusedWalkSplit`), when the walk's tests split; then a
    /// file of this shape and values tests only its instance-varying elements.
    let walkKeyed: [Truth]?
    /// The explanations of failed keyed rules (by position in `visited`)
    /// that hold for every file of the shape and values (`reusable`), with
    /// the findings made from them: a replay copies those with the file's
    /// own path, UIDs and located values (`Evaluator.reuseFindings`) instead
    /// of explaining again.
    let explanations: [Int32: KeptExplanation]
    /// `showPHI` of the run the explanations were made for (redacted or not).
    let detailsShowPHI: Bool
    /// For the split checks among the visited rules (`SplitCheck`, by
    /// position): the verdict over the tags the key holds.
    let splitKept: [Int32: Truth]
    init(visited: [Int32], outcomes: [Outcome], redo: [Int32], groupRules: [Int32], guardTruths: [Truth],
         walkRedo: Bool, walkKeyed: [Truth]?, gatedRedo: Bool, explanations: [Int32: KeptExplanation],
         detailsShowPHI: Bool, splitKept: [Int32: Truth]) {
        self.visited = visited; self.outcomes = outcomes; self.redo = redo; self.groupRules = groupRules
        self.guardTruths = guardTruths; self.walkRedo = walkRedo; self.walkKeyed = walkKeyed; self.gatedRedo = gatedRedo
        self.explanations = explanations; self.detailsShowPHI = detailsShowPHI; self.splitKept = splitKept
    }

    /// Whether a keyed rule's explanation holds for every file of the shape
    /// and values: what `explain` reads is then in the key, except the values
    /// it shows (`observed`, and in `reason`) of the element a detail is
    /// about, and the reader's positions of anomalies — so no detail may
    /// carry an offset, nor be about an instance-varying element unless its
    /// reason reads only the structure (a located detail, `FailureDetail.location`:
    /// its `observed` is read from each file, `Evaluator.refreshed`). (The
    /// message template's `{Keyword}` values are rendered for each file.)
    static func reusable(_ details: [FailureDetail]) -> Bool {
        details.allSatisfy { d in d.offset == nil && (d.location != nil || !(d.tag.map(InstanceVarying.contains) ?? false)) }
    }
}

/// A failed keyed rule's explanation kept with a shape (`ShapeEntry.explanations`):
/// its details and the findings made from them, one per detail.
struct KeptExplanation {
    let details: [FailureDetail]
    let findings: [Finding]
}

/// Bytes written with plain pointer stores into a buffer the struct owns
/// (reused from file to file; `free` releases it).
struct ByteBuffer {
    private(set) var base: UnsafeMutableRawPointer? = nil
    private var capacity = 0
    private(set) var count = 0

    func free() { base?.deallocate() }
    mutating func clear() { count = 0 }

    @inline(__always) private mutating func reserve(_ n: Int) {
        if count + n <= capacity { return }
        let newCapacity = max(4096, (count + n) * 2)
        let p = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 8)
        if let base { p.copyMemory(from: base, byteCount: count); base.deallocate() }
        base = p; capacity = newCapacity
    }
    @inline(__always) mutating func u8(_ v: UInt8) {
        reserve(1); base!.storeBytes(of: v, toByteOffset: count, as: UInt8.self); count += 1
    }
    @inline(__always) mutating func u32(_ v: UInt32) {
        reserve(4); base!.storeBytes(of: v, toByteOffset: count, as: UInt32.self); count += 4
    }
    @inline(__always) mutating func bytes(_ b: UnsafeRawBufferPointer) {
        guard b.count > 0 else { return }
        reserve(b.count); (base! + count).copyMemory(from: b.baseAddress!, byteCount: b.count); count += b.count
    }
    mutating func text(_ s: String) {
        var s = s
        s.withUTF8 { bytes(UnsafeRawBufferPointer($0)) }
        u8(0)
    }
    var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
    func copy() -> [UInt8] { count == 0 ? [] : Array(buffer) }
    func equals(_ other: [UInt8]) -> Bool {
        other.count == count && (count == 0 || other.withUnsafeBytes { memcmp($0.baseAddress!, base!, count) == 0 })
    }

    /// A 64-bit hash of the bytes, eight at a time (FNV-style multiply and
    /// xor, then a final mix): a table's bucket, not its equality.
    func hash() -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325 ^ UInt64(count)
        guard let base else { return h }
        var i = 0
        while i + 8 <= count {
            h = (h ^ base.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x100000001b3
            h ^= h >> 29
            i += 8
        }
        while i < count { h = (h ^ UInt64(base.load(fromByteOffset: i, as: UInt8.self))) &* 0x100000001b3; i += 1 }
        h ^= h >> 33; h = h &* 0xff51afd7ed558ccd; h ^= h >> 33
        return h
    }
}

/// A file's key (see `ShapeMemo`): its structure, and its values as a list
/// of (tag, length, bytes) in file order — the same list positions for files
/// of the same structure, so two files' values compare element by element.
struct ShapeKey {
    private var structure = ByteBuffer()
    private var values = ByteBuffer()

    func free() { structure.free(); values.free() }
    func structureHash() -> UInt64 { structure.hash() }
    func structureEquals(_ other: [UInt8]) -> Bool { structure.equals(other) }
    func structureBytes() -> [UInt8] { structure.copy() }
    func valueBytes() -> [UInt8] { values.copy() }
    /// The key's size in bytes (structure and values).
    var size: Int { structure.count + values.count }

    /// The tags whose values differ between these values and `old` (values
    /// of a file of the same structure), ascending and without repeats; nil
    /// when the lists do not line up (not expected: the same structure).
    func changedTags(since old: [UInt8]) -> [UInt32]? {
        if values.equals(old) { return [] }
        let new = values.buffer
        return old.withUnsafeBytes { o -> [UInt32]? in
            guard o.count > 0, new.count > 0 else { return nil }
            var changed: [UInt32] = []
            var i = 0, j = 0
            while i + 8 <= new.count && j + 8 <= o.count {
                let t = new.loadUnaligned(fromByteOffset: i, as: UInt32.self), n = Int(new.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
                let u = o.loadUnaligned(fromByteOffset: j, as: UInt32.self), m = Int(o.loadUnaligned(fromByteOffset: j + 4, as: UInt32.self))
                guard t == u, i + 8 + n <= new.count, j + 8 + m <= o.count else { return nil }
                if n != m || memcmp(new.baseAddress! + i + 8, o.baseAddress! + j + 8, n) != 0 { changed.append(t) }
                i += 8 + n; j += 8 + m
            }
            guard i == new.count, j == o.count else { return nil }
            changed.sort()
            var out: [UInt32] = []
            for t in changed where out.last != t { out.append(t) }
            return out
        }
    }

    /// Writes the key of `file` (after clearing).
    mutating func write(_ file: DicomFile) {
        structure.clear(); values.clear()
        structure.text(file.transferSyntax.uid)
        structure.text(file.declaredTransferSyntax?.uid ?? "-")
        structure.u8(file.hasPreamble ? 1 : 0)
        // the reader's anomalies, as `file.anomalies` tests read them: their kinds
        structure.u32(UInt32(file.anomalies.count))
        for a in file.anomalies { structure.text(a.kind.rawValue) }
        // `file.text_repertoire`: whether a text value leaves the default
        // repertoire — it can be a value the key leaves out (a private LO)
        structure.u8(file.textOutsideDefaultRepertoire ? 1 : 0)
        dataSet(file.meta)
        dataSet(file.dataSet)
    }

    /// Values kept with the structure: those that decide which rules are
    /// visited (SOP Class UID: the IOD guards) or how other elements are read
    /// without a rule naming them (Specific Character Set: text decoding;
    /// private creators: which private elements a block holds).
    @inline(__always) static func structural(_ tag: Tag) -> Bool {
        tag.raw == 0x0008_0016 || tag.raw == 0x0008_0005 || tag.isPrivateCreator
    }

    mutating func dataSet(_ ds: DataSet) {
        structure.u8((ds.isSorted ? 1 : 0) | (ds.isBigEndian ? 2 : 0))
        structure.u32(UInt32(ds.elements.count))
        // (fields read in place: binding each element copied it, retaining its items)
        ds.elements.withUnsafeBufferPointer { buf in
            for k in buf.indices {
                let tag = buf[k].tag
                structure.u32(tag.raw)
                // VR (two bytes) and reader flags (two bytes) in one word
                structure.u32(UInt32(buf[k].vr.rawValue) << 16 | UInt32(buf[k].flags.rawValue))
                if let items = buf[k].items {
                    structure.u32(UInt32(items.count))
                    for item in items { dataSet(item) }
                    continue
                }
                structure.u8(Target.hasValue(ds, buf[k]) ? 1 : 0)
                if buf[k].flags.contains(.notLoaded) { structure.u32(buf[k].declaredLength); continue }
                if Self.structural(tag) {
                    structure.u32(UInt32(buf[k].valueLength))
                    ds.withValue(buf[k]) { structure.bytes($0) }
                } else if !varying.contains(tag) {
                    values.u32(tag.raw)
                    values.u32(UInt32(buf[k].valueLength))
                    ds.withValue(buf[k]) { values.bytes($0) }
                }
            }
        }
    }

    /// `InstanceVarying.contains`, remembered per tag.
    var varying = VaryingTags()
}

/// `InstanceVarying.contains` of the tags seen, in a small direct-mapped
/// table (1,024 slots; a slot holds the last tag that mapped to it): the
/// key of every file asks it of each element, and most are the same tags.
struct VaryingTags {
    private var slots = [UInt64](repeating: 0, count: 1024)
    @inline(__always) mutating func contains(_ tag: Tag) -> Bool {
        let raw = tag.raw
        let k = Int((raw &* 0x9E37_79B1) >> 22)
        let s = slots[k]
        if s & 2 != 0 && UInt32(truncatingIfNeeded: s >> 32) == raw { return s & 1 != 0 }
        let v = InstanceVarying.contains(tag)
        slots[k] = UInt64(raw) << 32 | 2 | (v ? 1 : 0)
        return v
    }
}

/// The attributes whose values the shape key leaves out: those that change
/// from one instance of a series to the next. A rule reading one of their
/// values is evaluated on every file (a rule testing only their presence is
/// still keyed). A value left out only costs memo hits; a value kept that
/// varies per file only costs misses — never a wrong outcome.
enum InstanceVarying {
    /// Instance-level numbers (PS3.3 C.7.6.1 General Image, C.7.6.2 Image
    /// Plane, C.8.2.1 CT Image and C.8.7.2 X-Ray Acquisition dose values of a
    /// modulated acquisition, C.11.2 VOI LUT, C.7.6.16 Multi-frame dimension
    /// indices, C.8.9.4 PET Image frame timing), and Pixel Data.
    @inline(__always) static func listed(_ raw: UInt32) -> Bool {
        switch raw {
        case 0x0020_0013, 0x0020_0012, 0x0020_0032, 0x0020_1041, 0x0020_0100, 0x0020_9057, 0x0020_9157, // numbers, position, slice
             0x0018_1150, 0x0018_1151, 0x0018_1152, 0x0018_1153, 0x0018_8150, 0x0018_8151, 0x0018_9345, // exposure, CTDIvol
             0x0018_1060, 0x0018_1242, 0x0054_1300, 0x0054_1321, 0x0054_1330,                        // timing, PET frame
             0x0028_1050, 0x0028_1051, 0x0028_1052, 0x0028_1053, 0x0028_1055, 0x0028_0106, 0x0028_0107, // VOI, rescale, pixel range
             0x7FE0_0008, 0x7FE0_0009, 0x7FE0_0010:                                                  // pixel data
            return true
        default: return false
        }
    }
    /// UIDs of an instance, or of something each instance has its own of:
    /// SOP Instance UID (in the data set and the file meta information, PS3.3
    /// C.12.1, PS3.10 7.1), Referenced SOP Instance UID (the neighbouring
    /// images of Referenced/Source Image Sequences, C.7.6.1), Referenced SOP
    /// Instance UID in File (DICOMDIR records, F.5), Irradiation Event UID
    /// (C.7.3.1), an SR content item's UID and Observation UID (C.17.3),
    /// Tracking UID. Other UIDs — study, series, frame of reference,
    /// concatenation, SOP Class — are shared by the files of a series and kept.
    @inline(__always) static func instanceUID(_ raw: UInt32) -> Bool {
        switch raw {
        case 0x0008_0018, 0x0002_0003, 0x0008_1155, 0x0004_1511, 0x0008_3010, 0x0040_A124, 0x0040_A171, 0x0062_0021:
            return true
        default: return false
        }
    }

    /// Whether the values of `tag` are left out of the shape key: listed;
    /// group lengths (they follow the lengths of the UIDs in their group);
    /// private data elements (vendor headers change per image; their
    /// creators are kept); the instance UIDs; times and date-times (of
    /// acquisition, content, creation); bulk binary values (OB, OW, OF, OD,
    /// OL, OV). Dates and the other UIDs are kept: a series shares them, and
    /// when the next series has others, the rules that read them are the
    /// ones evaluated again (`ShapeMemo`).
    static func contains(_ tag: Tag) -> Bool {
        let element = tag.element
        if element == 0 { return true }
        if tag.group & 1 == 1 { return !(element >= 0x0010 && element <= 0x00FF) }
        if listed(tag.raw) || instanceUID(tag.raw) { return true }
        if tag.group & 0xFF00 == 0x6000 && element == 0x3000 { return true }   // Overlay Data
        guard let vr = DataDictionary.entry(for: tag)?.vr else { return false }
        switch vr {
        case .TM, .DT, .OB, .OW, .OF, .OD, .OL, .OV: return true
        default: return false
        }
    }
}

/// What a rule reads, and whether all of it is in the shape key
/// (`ShapeMemo`): a conservative walk of its compiled `when` and check —
/// anything it does not recognise makes the rule not keyed. `reads` collects
/// the tags whose values it reads (a superset is harmless).
struct KeyedReads {
    var reads: [UInt32] = []
    var sortedReads: [UInt32] {
        var out: [UInt32] = []
        for t in reads.sorted() where out.last != t { out.append(t) }
        return out
    }

    /// Whether an instance rule's check reads only what the key holds.
    mutating func check(_ r: Rule) -> Bool {
        guard case .instance(let p) = r.check, r.level == .instance else { return false }
        return predicate(p)
    }
    static func check(_ r: Rule) -> Bool { var k = KeyedReads(); return k.check(r) }

    mutating func predicate(_ p: Predicate) -> Bool {
        switch p {
        case .always, .notEvaluated: return true
        case .deferred(let d): return predicate(d.predicate)
        // (`top:` / `parent:`: the tags read are in another data set of the
        // file, whose elements the key holds as it holds the item's — their
        // presence in the structure, their values by tag — so a change of
        // the top-level value read is a changed tag like any other)
        case .named(_, let q), .described(_, let q), .not(let q), .scoped(_, let q): return predicate(q)
        case .all(let ps), .any(let ps): return ps.allSatisfy { predicate($0) }
        case .planned(let plan): return plan.parts.allSatisfy { predicate($0) }
        case .eachElement(let only, let test):
            if structural(test) { return true }
            // a value test: on the elements of named tags only, none varying
            guard case .tags(let ts, _, _) = only, ts.allSatisfy({ !InstanceVarying.contains($0) }) else { return false }
            reads += ts.map(\.raw)
            return valueTest(test)
        case .attribute(let ref, let test):
            guard let (varying, tag) = Self.target(ref) else { return false }
            if structural(test) { return true }
            if varying { return false }
            if let tag { reads.append(tag) }
            return valueTest(test)
        }
    }

    /// For an attribute reference: whether its value is left out of the key,
    /// and the tag whose value it reads (nil: the anomalies, whose kinds are
    /// in the structure, and the text repertoire, a bit of it); nil when it is not readable from the key at all.
    static func target(_ ref: AttributeRef) -> (varying: Bool, tag: UInt32?)? {
        switch ref {
        case .anomalies, .textRepertoire: return (false, nil)
        case .derived: return nil
        case .tag(let t, _): return (InstanceVarying.contains(t), t.raw)
        case .path(let p):
            guard let last = p.steps.last else { return nil }
            switch last.reference {
            case .tag(let t):
                // an indexed value of a non-sequence reads the value count
                if case .at = last.index, InstanceVarying.contains(t) { return nil }
                return (InstanceVarying.contains(t), t.raw)
            case .privateTag: return (true, nil)
            }
        }
    }

    /// A test that reads only what the structure holds of every element:
    /// presence, emptiness, VR, tag, items (whose predicates must be keyed
    /// too; their reads are collected).
    mutating func structural(_ t: ValueTest) -> Bool {
        switch t {
        case .present, .absent, .empty, .notEmpty, .vr, .notRetired, .inDictionary, .uniqueCreator, .vrDictionary: return true
        case .type(_, let cond): return cond.map { predicate($0) } ?? true
        case .items(let p): return predicate(p)
        case .not(let i): return structural(i)
        case .all(let ts), .any(let ts): return ts.allSatisfy { structural($0) }
        default: return false
        }
    }

    /// A test on an attribute whose value is in the key: keyed when its
    /// operands that name attributes are.
    mutating func valueTest(_ t: ValueTest) -> Bool {
        switch t {
        case .type(_, let cond): return cond.map { predicate($0) } ?? true
        case .items(let p): return predicate(p)
        case .not(let i), .each(let i): return valueTest(i)
        case .all(let ts), .any(let ts): return ts.allSatisfy { valueTest($0) }
        case .equals(let o, _), .compare(_, let o): return operand(o)
        case .range(let a, let b): return operand(a) && operand(b)
        case .equalsList(let os), .inSet(let os), .notInSet(let os): return os.allSatisfy { operand($0) }
        case .present, .absent, .empty, .notEmpty, .vr, .notRetired, .inDictionary, .uniqueCreator, .vrDictionary,
             .matches, .vm, .length, .format, .vmDictionary, .registered, .privateTag:
            return true
        }
    }

    mutating func operand(_ o: Operand) -> Bool {
        guard case .attribute(let ref) = o else { return true }
        guard let (varying, tag) = Self.target(ref), !varying else { return false }
        if let tag { reads.append(tag) }
        return true
    }
}
