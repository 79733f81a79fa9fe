/// One registered DICOM Unique Identifier (PS3.6 Table A-1, and the well-known
/// frames of reference of Table A-2 and LDAP OIDs of Table A-3).
public struct UIDEntry: Sendable, CustomStringConvertible {
    /// The UID, e.g. `"1.2.840.10008.1.2.1"`.
    public let uid: String
    /// The UID name, e.g. `"Explicit VR Little Endian"`.
    public let name: String
    /// The UID type as PS3.6 gives it: `"Transfer Syntax"`, `"SOP Class"`,
    /// `"Meta SOP Class"`, `"Well-known SOP Instance"`, `"Coding Scheme"` …
    public let type: String
    /// The UID keyword, e.g. `"ExplicitVRLittleEndian"` (empty for two long-retired
    /// SOP classes that have none).
    public let keyword: String
    /// Whether PS3.6 lists the UID as retired.
    public let isRetired: Bool
    /// PS3.6's further information, e.g. `"Default Transfer Syntax for DICOM"`;
    /// often empty.
    public let info: String

    /// Whether the UID is a transfer syntax (PS3.5 §10).
    public var isTransferSyntax: Bool { type == "Transfer Syntax" }

    public var description: String {
        "\(uid) \(name) [\(type)]" + (isRetired ? " (retired)" : "")
    }
}

/// The registry of DICOM UIDs (PS3.6 Annex A), generated from pydicom's copy of it
/// (see `DataDictionary.source`).
public enum UIDRegistry {
    /// The entry for `uid`, or `nil` for an unregistered UID. Trailing NUL or space
    /// padding (PS3.5 §9.1) is ignored. O(1).
    public static func entry(for uid: String) -> UIDEntry? {
        let s = storage
        if let i = s.uidIndex[uid] { return s.entries[Int(i)] }
        guard let last = uid.utf8.last, last == 0 || last == 0x20 else { return nil }
        var u = Substring(uid)
        while let l = u.utf8.last, l == 0 || l == 0x20 { u = u.dropLast() }
        return s.uidIndex[String(u)].map { s.entries[Int($0)] }
    }

    /// The UID whose keyword is `keyword`, e.g. `"ExplicitVRLittleEndian"`.
    public static func uid(forKeyword keyword: String) -> String? {
        let s = storage
        return s.keywordIndex[keyword].map { s.entries[Int($0)].uid }
    }

    /// Every registered UID, in numeric component order.
    public static var allEntries: [UIDEntry] { storage.entries }

    /// Forces the table to be parsed now rather than at the first lookup.
    public static func preload() { _ = storage }

    static let storage = Storage()

    final class Storage: Sendable {
        let entries: [UIDEntry]
        let uidIndex: [String: Int32]
        let keywordIndex: [String: Int32]

        init() {
            var entries: [UIDEntry] = []
            var uidIndex: [String: Int32] = [:], keywordIndex: [String: Int32] = [:]
            forEachRecord(in: GeneratedTables.uids) { r in
                guard r.count == 6 else {
                    assertionFailure("bad UID record: \(r.string(0))")
                    return
                }
                let e = UIDEntry(uid: r.string(0), name: r.string(1), type: r.string(2),
                                 keyword: r.string(4), isRetired: !r.isEmpty(5), info: r.string(3))
                let i = Int32(entries.count)
                entries.append(e)
                if uidIndex[e.uid] == nil { uidIndex[e.uid] = i }
                if !e.keyword.isEmpty && keywordIndex[e.keyword] == nil { keywordIndex[e.keyword] = i }
            }
            self.entries = entries
            self.uidIndex = uidIndex
            self.keywordIndex = keywordIndex
        }
    }
}
