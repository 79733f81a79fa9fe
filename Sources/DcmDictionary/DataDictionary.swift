/// One data element of the DICOM Data Dictionary (PS3.6 §6, Tables 6-1, 7-1, 8-1
/// and 9-1), or one repeating-group pattern such as `(60xx,0010)` (PS3.5 §7.6).
///
/// A 16-byte value with no reference counting, so that `DataDictionary.entry(for:)`
/// costs a hash probe and a copy: the tag, mask, default VR and retired flag are
/// stored inline, the rest is read from the shared parsed table on access.
public struct DictionaryEntry: Sendable, CustomStringConvertible {
    /// The tag; for a repeating-group pattern, the pattern with its `x` digits as 0
    /// (`(60xx,0010)` → `(6000,0010)`).
    public let tag: Tag
    /// The bits of a tag that must equal `tag` for the entry to apply:
    /// `0xFFFFFFFF` for a plain entry, `0xFF00FFFF` for `(60xx,0010)`,
    /// `0xFFFF000F` for `(1000,xxx0)` and so on.
    public let mask: UInt32
    /// The default VR (the first of `vrs`); `nil` for items and delimiters.
    public let vr: VR?
    /// Whether PS3.6 lists the element as retired (`RET`).
    public let isRetired: Bool
    /// Whether PS3.6 allows more than one VR (`US or SS`…): stored so that the
    /// reader's hot path can tell without building `vrs`.
    public let hasSeveralVRs: Bool
    /// Index of the details in `DataDictionary.storage.details`.
    @usableFromInline let detailIndex: Int32

    @usableFromInline var details: DataDictionary.Details {
        DataDictionary.storage.details[Int(detailIndex)]
    }

    /// The Value Representations PS3.6 allows, the first being the default. Several
    /// for multi-VR entries (`US or SS`, `OB or OW`, `US or SS or OW`); empty for
    /// items and delimiters `(FFFE,E000)`, `(FFFE,E00D)`, `(FFFE,E0DD)`, which have none.
    public var vrs: [VR] { details.vrs }
    /// The Value Multiplicity as written in PS3.6: `"1"`, `"1-n"`, `"2-2n"`, `"1-3"` …
    public var vm: String { parsedVM.text }
    /// The smallest number of values the VM allows.
    public var vmMin: Int { parsedVM.parsed.min }
    /// The largest number of values the VM allows; `nil` when unbounded (`n`).
    public var vmMax: Int? { parsedVM.parsed.max }
    /// The VM's step: the number of values must be a multiple of it (2 for `2-2n`);
    /// 1 otherwise.
    public var vmStep: Int { parsedVM.parsed.step }

    var parsedVM: (text: String, parsed: ParsedVM) {
        let s = DataDictionary.storage
        return s.vms[Int(s.details[Int(detailIndex)].vmIndex)]
    }
    /// The attribute name, e.g. `"Patient's Name"`.
    public var name: String { details.name }
    /// The keyword, e.g. `"PatientName"`. Empty for a few retired entries that have none.
    public var keyword: String { details.keyword }

    /// `(0010,0010)`, or for a repeating-group pattern `(60xx,0010)`.
    public var tagPattern: String {
        var s = "("
        for i in 0..<8 {
            if i == 4 { s += "," }
            let shift = UInt32(28 - 4 * i)
            if (mask >> shift) & 0xF == 0 {
                s += "x"
            } else {
                s.unicodeScalars.append(Unicode.Scalar(hexDigits[Int((tag.raw >> shift) & 0xF)]))
            }
        }
        return s + ")"
    }

    /// Whether `tag` matches this entry (exactly, or through its repeating-group mask).
    @inlinable public func matches(_ tag: Tag) -> Bool { tag.raw & mask == self.tag.raw }

    /// Whether `count` values satisfy the VM.
    public func allowsValueCount(_ count: Int) -> Bool {
        let vm = parsedVM.parsed
        guard count >= vm.min else { return false }
        if let max = vm.max, count > max { return false }
        return vm.step <= 1 || count % vm.step == 0
    }

    public var description: String {
        "\(tagPattern) \(vrs.map(\.description).joined(separator: " or ")) \(vm) \(keyword)"
            + (isRetired ? " (retired)" : "")
    }

    init(tag: Tag, mask: UInt32, vr: VR?, isRetired: Bool, detailIndex: Int32, hasSeveralVRs: Bool = false) {
        self.tag = tag
        self.mask = mask
        self.vr = vr
        self.isRetired = isRetired
        self.detailIndex = detailIndex
        self.hasSeveralVRs = hasSeveralVRs
    }

    /// The same entry for a concrete tag (the generic group-length and
    /// private-creator entries).
    @usableFromInline init(_ template: DictionaryEntry, tag: Tag) {
        self.init(tag: tag, mask: 0xFFFF_FFFF, vr: template.vr, isRetired: template.isRetired,
                  detailIndex: template.detailIndex, hasSeveralVRs: template.hasSeveralVRs)
    }
}

/// The DICOM Data Dictionary (PS3.6 §6–9), generated from pydicom's copy of it by
/// `Scripts/gen_dictionary.py` (see `source`).
///
/// Lookups by tag resolve, in this order:
/// 1. the elements listed in PS3.6 (O(1), an open-addressing hash table);
/// 2. group length elements `(gggg,0000)` (PS3.5 §7.2) not listed there: UL, VM 1,
///    keyword `GenericGroupLength`;
/// 3. private creator elements `(gggg,0010-00FF)`, `gggg` odd (PS3.5 §7.8.1): LO,
///    VM 1, keyword `PrivateCreator`;
/// 4. repeating groups (PS3.5 §7.6): every pattern of pydicom's `RepeatersDictionary`,
///    `(50xx,eeee)`, `(60xx,eeee)`, `(7Fxx,eeee)`, `(0020,31xx)`, `(0028,04x0)`,
///    `(1000,xxx0)`, `(1010,xxxx)` … A pattern whose group contains `xx` matches only
///    even `xx` from 00 to 1E (`6000`–`601E`), as PS3.5 §7.6 restricts these groups;
///    no pattern matches an odd (private) group.
///
/// Other private elements `(gggg,xxee)` need their creator: see `PrivateDictionary`.
public enum DataDictionary {
    /// Where the tables come from, e.g. `"pydicom 3.0.2 (DICOM 2024c)"`.
    public static let source: String = GeneratedTables.source

    /// The DICOM edition the tables were generated from, e.g. `"2024c"`.
    public static let edition: String = GeneratedTables.dicomEdition

    /// The entry for `tag`, or `nil` when the dictionary has none (a private data
    /// element other than a creator, or an unknown standard tag). O(1).
    @inlinable public static func entry(for tag: Tag) -> DictionaryEntry? {
        storage.entry(for: tag)
    }

    /// The entry whose keyword is `keyword` (PS3.6 keywords, e.g. `"PatientName"`,
    /// `"OverlayData"` for `(60xx,3000)`). O(1).
    public static func entry(forKeyword keyword: String) -> DictionaryEntry? {
        keywordIndex[keyword].map { storage.entries[Int($0)] }
    }

    /// The tag for `keyword`; for a repeating-group pattern, the pattern's first tag
    /// (`OverlayData` → `(6000,3000)`).
    public static func tag(forKeyword keyword: String) -> Tag? {
        entry(forKeyword: keyword)?.tag
    }

    /// Every entry: the listed elements in tag order, then the repeating-group patterns.
    /// The generic group-length and private-creator entries are not included.
    public static var allEntries: [DictionaryEntry] { storage.entries }

    /// Number of plain (non-repeating) elements.
    public static var elementCount: Int { storage.plainCount }

    /// Number of repeating-group patterns.
    public static var repeatingGroupPatternCount: Int { storage.entries.count - storage.plainCount }

    /// Keywords closest to a misspelt one (edit distance), for "did you mean" messages.
    ///
    /// Case-insensitive Levenshtein distance; only keywords within a distance of
    /// `max(2, keyword.count / 3)` are offered, nearest first, ties alphabetically.
    public static func suggestions(for keyword: String, limit: Int = 3) -> [String] {
        guard limit > 0 else { return [] }
        let query = Array(keyword.lowercased().utf8)
        let maxDistance = max(2, query.count / 3)
        var found: [(distance: Int, keyword: String)] = []
        let s = storage
        for d in s.details.prefix(s.entries.count) where !d.keyword.isEmpty {
            let candidate = Array(d.keyword.lowercased().utf8)
            if abs(candidate.count - query.count) > maxDistance { continue }
            let distance = editDistance(query, candidate, limit: maxDistance)
            if distance <= maxDistance { found.append((distance, d.keyword)) }
        }
        found.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.keyword < $1.keyword }
        return found.prefix(limit).map(\.keyword)
    }

    /// Forces the tables to be parsed now rather than at the first lookup.
    public static func preload() { _ = storage }

    @usableFromInline static let storage = Storage()

    /// Keyword → index in `storage.entries`; built on first use, apart from `storage`
    /// so that tag lookups do not pay for it.
    static let keywordIndex: [String: Int32] = {
        let s = storage
        var index: [String: Int32] = [:]
        index.reserveCapacity(s.entries.count)
        for i in s.entries.indices {
            let keyword = s.details[i].keyword
            if !keyword.isEmpty && index[keyword] == nil { index[keyword] = Int32(i) }
        }
        return index
    }()

    /// The parts of an entry that are not stored inline in `DictionaryEntry`.
    @usableFromInline struct Details: Sendable {
        let vrs: [VR]
        let name: String
        let keyword: String
        /// Index in `Storage.vms`.
        let vmIndex: Int32
    }

    /// The parsed tables. Immutable after `init`, hence safe to share between threads.
    @usableFromInline final class Storage: Sendable {
        /// Listed elements in tag order, then repeating-group patterns.
        @usableFromInline let entries: [DictionaryEntry]
        /// `details[i]` for `entries[i]`, then the generic entries below.
        @usableFromInline let details: [Details]
        let plainCount: Int
        @usableFromInline let plainIndex: TagIndexTable
        /// One table per distinct repeating-group mask, most specific mask first.
        let repeaterTables: [(mask: UInt32, groupWildcard: Bool, table: TagIndexTable)]
        /// The distinct VMs and their parse.
        let vms: [(text: String, parsed: ParsedVM)]
        let groupLength: DictionaryEntry
        let privateCreator: DictionaryEntry

        init() {
            // The generator writes the listed elements (in tag order) before the
            // repeating-group patterns, so one pass builds both arrays in final order.
            var entries: [DictionaryEntry] = [], details: [Details] = []
            entries.reserveCapacity(5300)
            details.reserveCapacity(5300)
            var pairs: [(UInt32, Int32)] = []
            pairs.reserveCapacity(5300)
            var byMask: [UInt32: [(UInt32, Int32)]] = [:]
            var vrCache = VRListCache(), vmCache = VMCache()
            var plainCount = 0
            forEachRecord(in: GeneratedTables.dataElements) { r in
                guard r.count == 6, let (value, mask) = parseHexPattern(r.bytes(0)) else {
                    assertionFailure("bad data dictionary record: \(r.string(0))")
                    return
                }
                let vrs = vrCache.vrs(r.bytes(1))
                let i = Int32(entries.count)
                entries.append(DictionaryEntry(tag: Tag(raw: value), mask: mask, vr: vrs.first,
                                               isRetired: !r.isEmpty(5), detailIndex: i, hasSeveralVRs: vrs.count > 1))
                details.append(Details(vrs: vrs, name: r.string(3), keyword: r.string(4),
                                       vmIndex: vmCache.index(r.bytes(2))))
                if mask == 0xFFFF_FFFF {
                    precondition(byMask.isEmpty, "generated table lists a plain element after a pattern")
                    pairs.append((value, i))
                    plainCount += 1
                } else {
                    byMask[mask, default: []].append((value, i))
                }
            }
            self.plainCount = plainCount
            // Generic entries (PS3.5 §7.2 and §7.8.1), returned with the concrete tag.
            let one = vmCache.index(UnsafeBufferPointer(start: StaticString("1").utf8Start, count: 1))
            details.append(Details(vrs: [.UL], name: "Group Length", keyword: "GenericGroupLength", vmIndex: one))
            groupLength = DictionaryEntry(tag: Tag(raw: 0), mask: 0xFFFF_FFFF, vr: .UL, isRetired: false,
                                          detailIndex: Int32(details.count - 1))
            details.append(Details(vrs: [.LO], name: "Private Creator", keyword: "PrivateCreator", vmIndex: one))
            privateCreator = DictionaryEntry(tag: Tag(raw: 0), mask: 0xFFFF_FFFF, vr: .LO, isRetired: false,
                                             detailIndex: Int32(details.count - 1))
            self.entries = entries
            self.details = details
            self.vms = vmCache.list
            plainIndex = TagIndexTable(pairs)
            repeaterTables = byMask.keys
                .sorted { ($0.nonzeroBitCount, $0) > ($1.nonzeroBitCount, $1) }
                .map { ($0, $0 & 0x00FF_0000 == 0, TagIndexTable(byMask[$0]!)) }
        }

        @inlinable @inline(__always) func entry(for tag: Tag) -> DictionaryEntry? {
            if let i = plainIndex.lookup(tag.raw) { return entries[i] }
            return slowEntry(for: tag)
        }

        @usableFromInline func slowEntry(for tag: Tag) -> DictionaryEntry? {
            if tag.element == 0 { return DictionaryEntry(groupLength, tag: tag) }
            if tag.isPrivateCreator { return DictionaryEntry(privateCreator, tag: tag) }
            let group = tag.group
            guard group & 1 == 0 else { return nil }
            for (mask, groupWildcard, table) in repeaterTables {
                // (50xx), (60xx), (7Fxx): even xx from 00 to 1E only (PS3.5 §7.6).
                if groupWildcard && group & 0xFF > 0x1E { continue }
                if let i = table.lookup(tag.raw & mask) { return entries[i] }
            }
            return nil
        }
    }
}

/// Levenshtein distance between two byte strings, giving up (returning `limit + 1`)
/// as soon as every path exceeds `limit`.
func editDistance(_ a: [UInt8], _ b: [UInt8], limit: Int) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        var rowMin = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            rowMin = min(rowMin, current[j])
        }
        if rowMin > limit { return limit + 1 }
        swap(&previous, &current)
    }
    return previous[b.count]
}
