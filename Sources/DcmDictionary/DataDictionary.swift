/// One data element of the DICOM Data Dictionary (PS3.6 §6, Tables 6-1, 7-1, 8-1
/// and 9-1), or one repeating-group pattern such as `(60xx,0010)` (PS3.5 §7.6).
public struct DictionaryEntry: Sendable, CustomStringConvertible {
    /// The tag; for a repeating-group pattern, the pattern with its `x` digits as 0
    /// (`(60xx,0010)` → `(6000,0010)`).
    public let tag: Tag
    /// The bits of a tag that must equal `tag` for the entry to apply:
    /// `0xFFFFFFFF` for a plain entry, `0xFF00FFFF` for `(60xx,0010)`,
    /// `0xFFFF000F` for `(1000,xxx0)` and so on.
    public let mask: UInt32
    /// The Value Representations PS3.6 allows, the first being the default. Several
    /// for multi-VR entries (`US or SS`, `OB or OW`, `US or SS or OW`); empty for
    /// items and delimiters `(FFFE,E000)`, `(FFFE,E00D)`, `(FFFE,E0DD)`, which have none.
    public let vrs: [VR]
    /// The Value Multiplicity as written in PS3.6: `"1"`, `"1-n"`, `"2-2n"`, `"1-3"` …
    public let vm: String
    /// The smallest number of values the VM allows.
    public let vmMin: Int
    /// The largest number of values the VM allows; `nil` when unbounded (`n`).
    public let vmMax: Int?
    /// The VM's step: the number of values must be a multiple of it (2 for `2-2n`);
    /// 1 otherwise.
    public let vmStep: Int
    /// The attribute name, e.g. `"Patient's Name"`.
    public let name: String
    /// The keyword, e.g. `"PatientName"`. Empty for a few retired entries that have none.
    public let keyword: String
    /// Whether PS3.6 lists the element as retired (`RET`).
    public let isRetired: Bool

    /// The default VR; `nil` for items and delimiters.
    @inlinable public var vr: VR? { vrs.first }

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
        guard count >= vmMin else { return false }
        if let vmMax, count > vmMax { return false }
        return vmStep <= 1 || count % vmStep == 0
    }

    public var description: String {
        "\(tagPattern) \(vrs.map(\.description).joined(separator: " or ")) \(vm) \(keyword)"
            + (isRetired ? " (retired)" : "")
    }

    init(tag: Tag, mask: UInt32, vrs: [VR], vm: String, name: String, keyword: String, isRetired: Bool) {
        self.tag = tag
        self.mask = mask
        self.vrs = vrs
        self.vm = vm
        let parsed = ParsedVM(vm)
        self.vmMin = parsed.min
        self.vmMax = parsed.max
        self.vmStep = parsed.step
        self.name = name
        self.keyword = keyword
        self.isRetired = isRetired
    }

    /// The same entry for a concrete tag (used for the generic group-length and
    /// private-creator entries).
    init(_ template: DictionaryEntry, tag: Tag) {
        self.tag = tag
        self.mask = 0xFFFF_FFFF
        self.vrs = template.vrs
        self.vm = template.vm
        self.vmMin = template.vmMin
        self.vmMax = template.vmMax
        self.vmStep = template.vmStep
        self.name = template.name
        self.keyword = template.keyword
        self.isRetired = template.isRetired
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
        let s = storage
        return s.keywordIndex[keyword].map { s.entries[Int($0)] }
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
        for entry in storage.entries where !entry.keyword.isEmpty {
            let candidate = Array(entry.keyword.lowercased().utf8)
            if abs(candidate.count - query.count) > maxDistance { continue }
            let d = editDistance(query, candidate, limit: maxDistance)
            if d <= maxDistance { found.append((d, entry.keyword)) }
        }
        found.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.keyword < $1.keyword }
        return found.prefix(limit).map(\.keyword)
    }

    /// Forces the tables to be parsed now rather than at the first lookup.
    public static func preload() { _ = storage }

    @usableFromInline static let storage = Storage()

    /// The parsed tables. Immutable after `init`, hence safe to share between threads.
    @usableFromInline final class Storage: Sendable {
        let entries: [DictionaryEntry]
        let plainCount: Int
        let plainIndex: TagIndexTable
        /// One table per distinct repeating-group mask, most specific mask first.
        let repeaterTables: [(mask: UInt32, groupWildcard: Bool, table: TagIndexTable)]
        let keywordIndex: [String: Int32]

        static let groupLength = DictionaryEntry(
            tag: Tag(raw: 0), mask: 0xFFFF_FFFF, vrs: [.UL], vm: "1",
            name: "Group Length", keyword: "GenericGroupLength", isRetired: false)
        static let privateCreator = DictionaryEntry(
            tag: Tag(raw: 0), mask: 0xFFFF_FFFF, vrs: [.LO], vm: "1",
            name: "Private Creator", keyword: "PrivateCreator", isRetired: false)

        init() {
            var plain: [DictionaryEntry] = [], repeaters: [DictionaryEntry] = []
            plain.reserveCapacity(5200)
            var vrCache = VRListCache()
            forEachRecord(in: GeneratedTables.dataElements) { r in
                guard r.count == 6, let (value, mask) = parseHexPattern(r.bytes(0)) else {
                    assertionFailure("bad data dictionary record: \(r.string(0))")
                    return
                }
                let e = DictionaryEntry(
                    tag: Tag(raw: value), mask: mask, vrs: vrCache.vrs(r.bytes(1)), vm: r.string(2),
                    name: r.string(3), keyword: r.string(4), isRetired: !r.isEmpty(5))
                if mask == 0xFFFF_FFFF { plain.append(e) } else { repeaters.append(e) }
            }
            plainCount = plain.count
            entries = plain + repeaters
            var pairs: [(UInt32, Int32)] = []
            pairs.reserveCapacity(plain.count)
            var keywords: [String: Int32] = [:]
            keywords.reserveCapacity(entries.count)
            for (i, e) in entries.enumerated() {
                if i < plainCount { pairs.append((e.tag.raw, Int32(i))) }
                if !e.keyword.isEmpty && keywords[e.keyword] == nil { keywords[e.keyword] = Int32(i) }
            }
            plainIndex = TagIndexTable(pairs)
            keywordIndex = keywords
            var byMask: [UInt32: [(UInt32, Int32)]] = [:]
            for i in plainCount..<entries.count {
                byMask[entries[i].mask, default: []].append((entries[i].tag.raw, Int32(i)))
            }
            repeaterTables = byMask.keys
                .sorted { ($0.nonzeroBitCount, $0) > ($1.nonzeroBitCount, $1) }
                .map { ($0, $0 & 0x00FF_0000 == 0, TagIndexTable(byMask[$0]!)) }
        }

        @usableFromInline func entry(for tag: Tag) -> DictionaryEntry? {
            if let i = plainIndex.lookup(tag.raw) { return entries[i] }
            return slowEntry(for: tag)
        }

        func slowEntry(for tag: Tag) -> DictionaryEntry? {
            if tag.element == 0 { return DictionaryEntry(Storage.groupLength, tag: tag) }
            if tag.isPrivateCreator { return DictionaryEntry(Storage.privateCreator, tag: tag) }
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
