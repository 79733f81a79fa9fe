/// One entry of a vendor's private dictionary.
///
/// A private data element `(gggg,xxee)` (odd `gggg`) belongs to the block `xx` that
/// its Private Creator element `(gggg,00xx)` reserves; the creator's value names the
/// dictionary, and `ee` is the element's offset in the block (PS3.5 §7.8.1). Most
/// entries therefore hold for any block (`block == nil`); a few name one block or
/// one exact tag.
public struct PrivateDictionaryEntry: Sendable, CustomStringConvertible {
    /// The Private Creator value that owns the entry, e.g. `"SIEMENS CSA HEADER"`.
    public let creator: String
    /// The group, e.g. `0x0029`; for a group pattern such as `(60xx,xx01)`, the
    /// pattern with its `x` digits as 0 (`0x6000`), see `groupMask`.
    public let group: UInt16
    /// The `ee` of `(gggg,xxee)`: the element's offset within its creator's block.
    public let elementByte: UInt8
    /// The VRs the dictionary gives, the first being the default; several for the
    /// rare multi-VR entries.
    public let vrs: [VR]
    /// The Value Multiplicity, as in PS3.6.
    public let vm: String
    /// The description the dictionary gives (often `"Unknown"` in GDCM's list).
    public let name: String
    /// Whether the entry is marked retired.
    public let isRetired: Bool

    /// `0xFFFF`, or `0xFF00` for a group pattern such as `60xx`.
    public let groupMask: UInt16
    /// The block (the high byte of the element) the entry is limited to; `nil` for
    /// the usual entries that hold in whichever block the creator reserved.
    public let block: UInt8?
    /// Whether the entry covers every element byte of its block (`(0019,10xx)`).
    public let coversWholeBlock: Bool

    /// The default VR.
    @inlinable public var vr: VR? { vrs.first }

    /// `(0029,xx10)`, `(60xx,xx01)`, `(0029,1010)` or `(0019,10xx)`.
    public var tagPattern: String {
        let g = hex4(group)
        let groupText = groupMask == 0xFFFF ? g : String(g.prefix(2)) + "xx"
        let blockText = block.map { String(hex4(UInt16($0)).suffix(2)) } ?? "xx"
        let byteText = coversWholeBlock ? "xx" : String(hex4(UInt16(elementByte)).suffix(2))
        return "(\(groupText),\(blockText)\(byteText))"
    }

    public var description: String {
        "\(creator) \(tagPattern) \(vrs.map(\.description).joined(separator: " or ")) \(vm) \(name)"
    }
}

/// Private dictionaries of equipment vendors (GDCM's collection, as shipped by
/// pydicom; see `DataDictionary.source`), keyed by Private Creator (PS3.5 §7.8).
public enum PrivateDictionary {
    /// The entry for element byte `ee` of `(gggg,xxee)` in a block reserved by
    /// `creator`, whatever the block. O(1).
    ///
    /// `creator` is matched exactly after trimming trailing spaces and NULs (the
    /// value padding of PS3.5 §6.2). Entries that hold in any block are preferred;
    /// then entries whose group is a pattern (`60xx`); then, failing those, entries
    /// the dictionary ties to block `10`, the block creators usually reserve first.
    /// Use `entry(creator:tag:)` when the block is known.
    public static func entry(creator: String, group: UInt16, elementByte: UInt8) -> PrivateDictionaryEntry? {
        let s = storage
        guard let c = s.creatorIndex[trimmedCreator(creator)] else { return nil }
        let e = UInt16(elementByte)
        return s.find(c, anyBlock: true, groupWildcard: false, group, e)
            ?? s.find(c, anyBlock: true, groupWildcard: true, group & 0xFF00, e)
            ?? s.find(c, anyBlock: false, groupWildcard: false, group, 0x1000 | e)
    }

    /// The entry for the private element `tag` whose block `creator` reserved.
    ///
    /// Tries, in the order pydicom does: the exact tag; `(gggg,xxee)`;
    /// `(ggxx,xxee)`; and finally a whole-block entry `(gggg,bbxx)`.
    public static func entry(creator: String, tag: Tag) -> PrivateDictionaryEntry? {
        let s = storage
        guard let c = s.creatorIndex[trimmedCreator(creator)] else { return nil }
        let group = tag.group, element = tag.element
        let e = element & 0xFF
        return s.find(c, anyBlock: false, groupWildcard: false, group, element)
            ?? s.find(c, anyBlock: true, groupWildcard: false, group, e)
            ?? s.find(c, anyBlock: true, groupWildcard: true, group & 0xFF00, e)
            ?? s.find(c, anyBlock: false, groupWildcard: false, group, element & 0xFF00, wholeBlock: true)
    }

    /// Every creator with a dictionary, sorted.
    public static var creators: [String] { storage.creators }

    /// Number of entries over all creators.
    public static var entryCount: Int { storage.entries.count }

    /// Every entry, grouped by creator.
    public static var allEntries: [PrivateDictionaryEntry] { storage.entries }

    /// Forces the tables to be parsed now rather than at the first lookup.
    public static func preload() { _ = storage }

    static func trimmedCreator(_ creator: String) -> String {
        guard let last = creator.utf8.last, last == 0x20 || last == 0 else { return creator }
        var u = Substring(creator)
        while let l = u.utf8.last, l == 0x20 || l == 0 { u = u.dropLast() }
        return String(u)
    }

    static let storage = Storage()

    final class Storage: Sendable {
        let creators: [String]
        let creatorIndex: [String: Int]
        let entries: [PrivateDictionaryEntry]
        let index: [UInt64: Int32]

        // Key layout: creator index << 40 | flags << 32 | group << 16 | element,
        // element being 00ee for any-block entries and bbee for block-specific ones.
        static let flagAnyBlock: UInt64 = 1 << 32
        static let flagGroupWildcard: UInt64 = 1 << 33
        static let flagWholeBlock: UInt64 = 1 << 34

        static func key(_ creator: Int, anyBlock: Bool, groupWildcard: Bool, wholeBlock: Bool,
                        _ group: UInt16, _ element: UInt16) -> UInt64 {
            UInt64(creator) << 40
                | (anyBlock ? flagAnyBlock : 0) | (groupWildcard ? flagGroupWildcard : 0)
                | (wholeBlock ? flagWholeBlock : 0)
                | UInt64(group) << 16 | UInt64(element)
        }

        func find(_ creator: Int, anyBlock: Bool, groupWildcard: Bool, _ group: UInt16, _ element: UInt16,
                  wholeBlock: Bool = false) -> PrivateDictionaryEntry? {
            let k = Storage.key(creator, anyBlock: anyBlock, groupWildcard: groupWildcard,
                                wholeBlock: wholeBlock, group, element)
            return index[k].map { entries[Int($0)] }
        }

        init() {
            var creators: [String] = [], creatorIndex: [String: Int] = [:]
            var entries: [PrivateDictionaryEntry] = [], index: [UInt64: Int32] = [:]
            entries.reserveCapacity(11_000)
            index.reserveCapacity(11_000)
            var vrCache = VRListCache(), vmCache = VMCache()
            var creator = "", c = -1
            for part in GeneratedTables.privateElementParts {
                forEachRecord(in: part) { r in
                    if r.firstByte == 0x40 /* @ */ {
                        let b = r.bytes(0)
                        creator = String(decoding: UnsafeBufferPointer(rebasing: b[1...]), as: UTF8.self)
                        c = creators.count
                        creators.append(creator)
                        creatorIndex[creator] = c
                        return
                    }
                    let keyBytes = r.bytes(0)
                    guard c >= 0, r.count == 5, keyBytes.count == 8,
                          let (value, mask) = parseHexPattern(keyBytes) else {
                        assertionFailure("bad private dictionary record: \(r.string(0))")
                        return
                    }
                    let groupMask = UInt16(truncatingIfNeeded: mask >> 16)
                    let blockKnown = mask & 0xFF00 == 0xFF00
                    let wholeBlock = mask & 0xFF == 0
                    let group = UInt16(truncatingIfNeeded: value >> 16)
                    let element = UInt16(truncatingIfNeeded: value)
                    let entry = PrivateDictionaryEntry(
                        creator: creator, group: group, elementByte: UInt8(truncatingIfNeeded: element),
                        vrs: vrCache.vrs(r.bytes(1)), vm: vmCache.vm(r.bytes(2)), name: r.string(3),
                        isRetired: !r.isEmpty(4), groupMask: groupMask == 0xFFFF ? 0xFFFF : 0xFF00,
                        block: blockKnown ? UInt8(element >> 8) : nil, coversWholeBlock: wholeBlock)
                    let k = Storage.key(c, anyBlock: !blockKnown, groupWildcard: groupMask != 0xFFFF,
                                        wholeBlock: wholeBlock, group,
                                        blockKnown ? element : element & 0xFF)
                    if index[k] == nil { index[k] = Int32(entries.count) }
                    entries.append(entry)
                }
            }
            self.creators = creators
            self.creatorIndex = creatorIndex
            self.entries = entries
            self.index = index
        }
    }
}
