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
/// - A file's **shape key** (`ShapeKey.write`) is every element of the file
///   meta information and the data set, items included, in file order: tag,
///   VR, reader flags, whether it has a value (`Target.hasValue`, what
///   presence and Type 1 tests read), the number of items of a sequence, and
///   the value bytes — except for the *instance-varying* attributes
///   (`InstanceVarying`), whose values are left out; plus the transfer syntax
///   read with and declared, the preamble and the kinds of the reader's
///   anomalies (what `file.anomalies` tests read).
/// - A rule is **keyed** (`KeyedReads.rule`) when everything its `when` and
///   check can read is in the key: presence, emptiness, VR and items of any
///   element, values of elements that are not instance-varying. A rule that
///   reads an instance-varying value, the reader's anomalies, a derived
///   attribute (CSA headers…), or the values of elements it does not name
///   (`each_element` over all standard elements with a value test) is not.
/// - Two files with equal keys give every keyed rule the same outcome (its
///   evaluation is a function of what the key holds), so on a key seen
///   before `Evaluator.run` takes the keyed rules' outcomes from the memo and
///   evaluates the others (`ShapeEntry.redo`) — the fused element walks of
///   `dicom.values` and `vendor.private`, the tag-gated rules, rules reading
///   UIDs, dates and times, group rules' samples — on the file itself. The
///   findings of failed rules are always built from the file (explanations,
///   paths, UIDs).
///
/// Keys are compared whole (the bytes), never by hash alone. One memo per
/// evaluator (per worker thread), of `capacity` shapes, emptied when full.
/// `ShapeMemoTests` checks outcomes and findings with and without the memo
/// on every shipped pack's examples and every fixture, and that a changed
/// keyed value misses.
final class ShapeMemo {
    /// The rule set's table the memo is for (a new set starts a new memo).
    let table: ObjectIdentifier
    /// Per rule: 0 not yet classified, else `classified` with `whenKeyed`
    /// and `checkKeyed` as they hold.
    var ruleClass: [UInt8]
    static let classified: UInt8 = 1, whenKeyed: UInt8 = 2, checkKeyed: UInt8 = 4
    /// The entries by their key's hash (equal hashes: compared by bytes).
    var entries: [UInt64: [ShapeEntry]] = [:]
    var count = 0
    /// The key of the file being run (reused: no allocation per file once grown).
    var scratch = ShapeKey()
    var hits = 0, misses = 0
    static let capacity = 128

    init(table: RuleTable, ruleCount: Int) {
        self.table = ObjectIdentifier(table)
        ruleClass = Array(repeating: 0, count: ruleCount)
    }
    deinit { scratch.free() }

    /// Whether the outcome `o` of rule `i` (the rule object `rule`) on a
    /// file holds on every file of its shape: when the rule's `when` and
    /// check read only what the key holds — or its `when` alone does and
    /// made it not applicable (a Siemens rule on a GE file: its check, on a
    /// CSA header, is not read). Classified on first use.
    @inline(__always) func isKeyed(_ i: Int, _ rule: Rule, outcome o: Outcome) -> Bool {
        var c = ruleClass[i]
        if c == 0 {
            c = Self.classified
            if rule.when.allSatisfy(KeyedReads.predicate) { c |= Self.whenKeyed }
            if KeyedReads.check(rule) { c |= Self.checkKeyed }
            ruleClass[i] = c
        }
        return c & Self.whenKeyed != 0 && (c & Self.checkKeyed != 0 || o == .notApplicable)
    }

    /// Whether the fused walk's verdicts split into the key's part and the
    /// varying part: each test reads the element tested and, through its
    /// operands, only what the key holds (`Evaluator.fusedWalkSplit`).
    func walkSplits(_ dispatch: TagDispatch) -> Bool {
        if let w = walkSplit { return w }
        let w = dispatch.walkTests.allSatisfy(KeyedReads.valueTest)
        walkSplit = w
        return w
    }
    private var walkSplit: Bool? = nil

    /// Whether rule `i`'s check reads only what the key holds (classified by `isKeyed`).
    @inline(__always) func checkIsKeyed(_ i: Int) -> Bool {
        ruleClass[i] & (Self.whenKeyed | Self.checkKeyed) == Self.whenKeyed | Self.checkKeyed
    }

    /// The entry for `file`'s shape, if seen (the key is left in `scratch`).
    func lookup(_ file: DicomFile) -> ShapeEntry? {
        scratch.write(file)
        let h = scratch.hash()
        guard let list = entries[h] else { return nil }
        for e in list where scratch.equals(e.key) { return e }
        return nil
    }

    /// Stores `entry` under the key in `scratch` (after `lookup`).
    func store(_ entry: ShapeEntry) {
        if count >= Self.capacity { entries.removeAll(keepingCapacity: true); count = 0 }
        entry.key = scratch.bytes()
        entries[scratch.hash(), default: []].append(entry)
        count += 1
    }
}

/// What `Evaluator.run` gave on a file, to replay on a file of the same shape.
final class ShapeEntry {
    /// The shape's key (`ShapeKey` bytes).
    var key: [UInt8] = []
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
    /// file of this shape tests only its instance-varying elements.
    let walkKeyed: [Truth]?
    /// The explanations of failed keyed rules (by position in `visited`)
    /// that hold for every file of the shape (`reusable`): a replay builds
    /// their findings without explaining again.
    let details: [Int32: [FailureDetail]]
    /// `showPHI` of the run the explanations were made for (redacted or not).
    var detailsShowPHI = false
    init(visited: [Int32], outcomes: [Outcome], redo: [Int32], groupRules: [Int32], guardTruths: [Truth],
         walkRedo: Bool, walkKeyed: [Truth]?, gatedRedo: Bool, details: [Int32: [FailureDetail]]) {
        self.visited = visited; self.outcomes = outcomes; self.redo = redo; self.groupRules = groupRules
        self.guardTruths = guardTruths; self.walkRedo = walkRedo; self.walkKeyed = walkKeyed; self.gatedRedo = gatedRedo
        self.details = details
    }

    /// Whether a keyed rule's explanation holds for every file of the shape:
    /// what `explain` reads is then in the key, except the values it shows
    /// (`observed`, and in `reason`) of the element a detail is about, and
    /// the reader's positions of anomalies — so no detail may be about an
    /// instance-varying element or carry an offset. (The message template's
    /// `{Keyword}` values are rendered for each file.)
    static func reusable(_ details: [FailureDetail]) -> Bool {
        details.allSatisfy { d in d.offset == nil && !(d.tag.map(InstanceVarying.contains) ?? false) }
    }
}

/// A file's shape (see `ShapeMemo`), written into a buffer this struct owns
/// (plain pointer writes: the key is built for every file).
struct ShapeKey {
    private var base: UnsafeMutableRawPointer? = nil
    private var capacity = 0
    private(set) var count = 0

    func free() { base?.deallocate() }

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

    /// The bytes written, copied out.
    func bytes() -> [UInt8] { count == 0 ? [] : Array(UnsafeRawBufferPointer(start: base, count: count)) }
    func equals(_ other: [UInt8]) -> Bool {
        other.count == count && (count == 0 || other.withUnsafeBytes { memcmp($0.baseAddress!, base!, count) == 0 })
    }

    /// A 64-bit hash of the bytes, eight at a time (FNV-style multiply and
    /// xor, then a final mix): the table's bucket, not its equality.
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

    /// Writes the shape of `file` (after clearing).
    mutating func write(_ file: DicomFile) {
        count = 0
        text(file.transferSyntax.uid)
        text(file.declaredTransferSyntax?.uid ?? "-")
        u8(file.hasPreamble ? 1 : 0)
        // the reader's anomalies, as `file.anomalies` tests read them: their kinds
        u32(UInt32(file.anomalies.count))
        for a in file.anomalies { text(a.kind.rawValue) }
        dataSet(file.meta)
        dataSet(file.dataSet)
    }

    mutating func dataSet(_ ds: DataSet) {
        u8((ds.isSorted ? 1 : 0) | (ds.isBigEndian ? 2 : 0))
        u32(UInt32(ds.elements.count))
        for e in ds.elements {
            u32(e.tag.raw)
            // VR (two bytes) and reader flags (two bytes) in one word
            u32(UInt32(e.vr.rawValue) << 16 | UInt32(e.flags.rawValue))
            if let items = e.items {
                u32(UInt32(items.count))
                for item in items { dataSet(item) }
                continue
            }
            u8(Target.hasValue(ds, e) ? 1 : 0)
            if e.flags.contains(.notLoaded) { u32(e.declaredLength); continue }
            if InstanceVarying.contains(e.tag) { continue }
            u32(UInt32(e.valueLength))
            ds.withValue(e) { bytes($0) }
        }
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
    /// UIDs that name a class, not an instance: kept in the key (the SOP
    /// Class guards of `dicom.iod` and `dicom.meta`'s checks read them).
    @inline(__always) static func classUID(_ raw: UInt32) -> Bool {
        switch raw {
        case 0x0002_0002, 0x0002_0010, 0x0002_0012, 0x0004_1510, 0x0004_1512,
             0x0008_0016, 0x0008_001A, 0x0008_001B, 0x0008_1150, 0x0008_010C:
            return true
        default: return false
        }
    }

    /// Whether the values of `tag` are left out of the shape key: listed;
    /// group lengths (they follow the lengths of the UIDs in their group);
    /// private data elements (vendor headers change per image; their
    /// creators are kept); UIDs other than class UIDs; dates, times and
    /// date-times; bulk binary values (OB, OW, OF, OD, OL, OV).
    static func contains(_ tag: Tag) -> Bool {
        let element = tag.element
        if element == 0 { return true }
        if tag.group & 1 == 1 { return !(element >= 0x0010 && element <= 0x00FF) }
        if listed(tag.raw) { return true }
        if tag.group & 0xFF00 == 0x6000 && element == 0x3000 { return true }   // Overlay Data
        guard let vr = DataDictionary.entry(for: tag)?.vr else { return false }
        switch vr {
        case .UI: return !classUID(tag.raw)
        case .DA, .TM, .DT, .OB, .OW, .OF, .OD, .OL, .OV: return true
        default: return false
        }
    }
}

/// Whether what a rule reads is all in the shape key (`ShapeMemo`): a
/// conservative walk of its compiled `when` and check — anything it does not
/// recognise makes the rule not keyed.
enum KeyedReads {
    /// Whether an instance rule's check reads only what the key holds.
    static func check(_ r: Rule) -> Bool {
        guard case .instance(let p) = r.check, r.level == .instance else { return false }
        return predicate(p)
    }

    static func predicate(_ p: Predicate) -> Bool {
        switch p {
        case .always, .notEvaluated: return true
        case .deferred(let d): return predicate(d.predicate)
        case .named(_, let q), .not(let q): return predicate(q)
        case .all(let ps), .any(let ps): return ps.allSatisfy(predicate)
        case .planned(let plan): return plan.parts.allSatisfy(predicate)
        case .eachElement(let only, let test):
            if structural(test) { return true }
            // a value test: on the elements of named tags only, none varying
            guard case .tags(let ts, _, _) = only else { return false }
            return ts.allSatisfy { !InstanceVarying.contains($0) } && valueTest(test)
        case .attribute(let ref, let test):
            guard let varying = reads(ref) else { return false }
            return varying ? structural(test) : valueTest(test)
        }
    }

    /// For an attribute reference: whether its value is left out of the key
    /// (nil: not readable from the key at all).
    static func reads(_ ref: AttributeRef) -> Bool? {
        switch ref {
        case .anomalies: return false   // (their kinds are in the key)
        case .derived: return nil
        case .tag(let t, _): return InstanceVarying.contains(t)
        case .path(let p):
            guard let last = p.steps.last else { return nil }
            switch last.reference {
            case .tag(let t):
                // an indexed value of a non-sequence reads the value count
                if case .at = last.index, InstanceVarying.contains(t) { return nil }
                return InstanceVarying.contains(t)
            case .privateTag: return true
            }
        }
    }

    /// A test that reads only what the key holds of every element: presence,
    /// emptiness, VR, tag, items (whose predicates must be keyed too).
    static func structural(_ t: ValueTest) -> Bool {
        switch t {
        case .present, .absent, .empty, .notEmpty, .vr, .notRetired, .inDictionary, .uniqueCreator, .vrDictionary: return true
        case .type(_, let cond): return cond.map(predicate) ?? true
        case .items(let p): return predicate(p)
        case .not(let i): return structural(i)
        case .all(let ts), .any(let ts): return ts.allSatisfy(structural)
        default: return false
        }
    }

    /// A test on an attribute whose value is in the key: keyed when its
    /// operands that name attributes are.
    static func valueTest(_ t: ValueTest) -> Bool {
        switch t {
        case .type(_, let cond): return cond.map(predicate) ?? true
        case .items(let p): return predicate(p)
        case .not(let i), .each(let i): return valueTest(i)
        case .all(let ts), .any(let ts): return ts.allSatisfy(valueTest)
        case .equals(let o, _), .compare(_, let o): return operand(o)
        case .range(let a, let b): return operand(a) && operand(b)
        case .equalsList(let os), .inSet(let os), .notInSet(let os): return os.allSatisfy(operand)
        case .present, .absent, .empty, .notEmpty, .vr, .notRetired, .inDictionary, .uniqueCreator, .vrDictionary,
             .matches, .vm, .length, .format, .vmDictionary, .registered:
            return true
        }
    }

    static func operand(_ o: Operand) -> Bool {
        guard case .attribute(let ref) = o else { return true }
        return reads(ref) == false
    }
}
