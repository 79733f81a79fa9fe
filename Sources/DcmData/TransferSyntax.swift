import DcmDictionary

/// How a data set is encoded (PS3.5 §10 and Annex A): VR explicit or implicit,
/// byte order, deflate, and whether Pixel Data is encapsulated in fragments.
public struct TransferSyntax: Sendable, Equatable {
    public let uid: String
    public let isExplicitVR: Bool
    public let isBigEndian: Bool
    public let isDeflated: Bool
    /// Pixel Data is encapsulated (PS3.5 §A.4): fragments in items, undefined length.
    public let isEncapsulated: Bool
    /// Whether the UID is one this reader knows; unknown ones are read as
    /// explicit VR little endian with an anomaly.
    public let isKnown: Bool

    public init(uid: String, isExplicitVR: Bool, isBigEndian: Bool, isDeflated: Bool, isEncapsulated: Bool, isKnown: Bool = true) {
        self.uid = uid; self.isExplicitVR = isExplicitVR; self.isBigEndian = isBigEndian
        self.isDeflated = isDeflated; self.isEncapsulated = isEncapsulated; self.isKnown = isKnown
    }

    public static let implicitVRLittleEndian = TransferSyntax(uid: "1.2.840.10008.1.2", isExplicitVR: false, isBigEndian: false, isDeflated: false, isEncapsulated: false)
    public static let explicitVRLittleEndian = TransferSyntax(uid: "1.2.840.10008.1.2.1", isExplicitVR: true, isBigEndian: false, isDeflated: false, isEncapsulated: false)
    public static let deflatedExplicitVRLittleEndian = TransferSyntax(uid: "1.2.840.10008.1.2.1.99", isExplicitVR: true, isBigEndian: false, isDeflated: true, isEncapsulated: false)
    public static let explicitVRBigEndian = TransferSyntax(uid: "1.2.840.10008.1.2.2", isExplicitVR: true, isBigEndian: true, isDeflated: false, isEncapsulated: false)

    /// The transfer syntax for a UID (trailing NUL/space padding ignored).
    ///
    /// Every UID under `1.2.840.10008.1.2.4.` (JPEG, JPEG-LS, JPEG 2000, HTJ2K,
    /// MPEG-2/4, HEVC, JPIP) and `1.2.840.10008.1.2.5` (RLE) is encapsulated
    /// explicit VR little endian; `…1.2.4.95` (JPIP Referenced Deflate) is
    /// deflated.
    public static func forUID(_ raw: String) -> TransferSyntax {
        let uid = trimUID(raw)
        switch uid {
        case implicitVRLittleEndian.uid: return implicitVRLittleEndian
        case explicitVRLittleEndian.uid: return explicitVRLittleEndian
        case deflatedExplicitVRLittleEndian.uid: return deflatedExplicitVRLittleEndian
        case explicitVRBigEndian.uid: return explicitVRBigEndian
        case "1.2.840.10008.1.2.1.98":  // Encapsulated Uncompressed Explicit VR Little Endian
            return TransferSyntax(uid: uid, isExplicitVR: true, isBigEndian: false, isDeflated: false, isEncapsulated: true)
        case "1.2.840.10008.1.2.4.95":  // JPIP Referenced Deflate
            return TransferSyntax(uid: uid, isExplicitVR: true, isBigEndian: false, isDeflated: true, isEncapsulated: false)
        case "1.2.840.10008.1.2.4.94":  // JPIP Referenced: pixel data by reference, not encapsulated
            return TransferSyntax(uid: uid, isExplicitVR: true, isBigEndian: false, isDeflated: false, isEncapsulated: false)
        case "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.6.1", "1.2.840.10008.1.2.6.2":
            return TransferSyntax(uid: uid, isExplicitVR: true, isBigEndian: false, isDeflated: false, isEncapsulated: uid == "1.2.840.10008.1.2.5")
        default:
            if uid.hasPrefix("1.2.840.10008.1.2.4.") {
                return TransferSyntax(uid: uid, isExplicitVR: true, isBigEndian: false, isDeflated: false, isEncapsulated: true)
            }
            return TransferSyntax(uid: uid, isExplicitVR: true, isBigEndian: false, isDeflated: false, isEncapsulated: false, isKnown: false)
        }
    }

    /// Name from the UID registry, or the UID itself.
    public var name: String { UIDRegistry.entry(for: uid)?.name ?? uid }
}

/// Strips the trailing NUL or space padding of a UI value (PS3.5 §9.1).
public func trimUID(_ s: String) -> String {
    var t = Substring(s)
    while let l = t.last, l == "\0" || l == " " { t = t.dropLast() }
    while let f = t.first, f == " " { t = t.dropFirst() }
    return String(t)
}
