import DcmData
import DcmDictionary

/// Renders element values as text for people and CSV: the same words
/// everywhere (`dump` text and CSV, later the reports).
public enum ValueText {
    /// Each value of `e` as text; `nil` for sequences and values not loaded.
    public static func values(_ e: Element, in ds: DataSet) -> [String]? {
        if e.items != nil || e.flags.contains(.notLoaded) { return nil }
        if e.vr == .UN, let known = dictionaryVR(of: e.tag, in: ds), known != .UN, known != .SQ {
            // An element written as UN whose VR the dictionary knows: show its
            // value as that VR (dcmdump +U and pydicom do the same).
            var typed = e
            typed.vr = known
            return values(typed, in: ds)
        }
        let vr = e.vr
        if vr.isString { return ds.strings(e) }
        switch vr {
        case .FL, .OF:
            return ds.floats(e).map { $0.map { formatFloat($0) } }
        case .FD, .OD:
            return ds.doubles(e)?.map { formatDouble($0) }
        case .AT:
            return ds.tags(e).map { $0.jsonKey }
        case .UV, .OV:
            return ds.unsigned64(e)?.map { String($0) }
        case .US, .SS, .UL, .SL, .SV:
            return ds.integers(e)?.map { String($0) }
        default:
            return nil
        }
    }

    /// The VR the public or private dictionary gives a tag (first of several).
    public static func dictionaryVR(of tag: Tag, in ds: DataSet) -> VR? {
        if tag.isPrivate {
            guard !tag.isPrivateCreator, let c = ds.privateCreator(of: tag) else { return tag.isPrivateCreator ? .LO : nil }
            return PrivateDictionary.entry(creator: c, group: tag.group, elementByte: UInt8(tag.element & 0xFF))?.vrs.first
        }
        return DataDictionary.entry(for: tag)?.vrs.first
    }

    /// Joined by `\` as in the encoded form; bulk values summarised.
    public static func joined(_ e: Element, in ds: DataSet) -> String {
        if let items = e.items { return "<\(items.count) item\(items.count == 1 ? "" : "s")>" }
        if e.flags.contains(.notLoaded) { return "<not loaded: \(e.declaredLength == 0xFFFFFFFF ? "encapsulated" : "\(e.declaredLength) bytes")>" }
        if let v = values(e, in: ds) { return v.joined(separator: "\\") }
        return "<\(e.valueLength) bytes>"
    }

    public static func formatFloat(_ f: Float) -> String {
        if f.isNaN { return "NaN" }
        if f.isInfinite { return f < 0 ? "-Infinity" : "Infinity" }
        if f == 0 && f.sign == .minus { return "-0.0" }
        if f == f.rounded() && abs(f) < 1e15 { return String(Int64(f)) }
        return "\(f)"
    }

    public static func formatDouble(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        if d == 0 && d.sign == .minus { return "-0.0" }
        if d == d.rounded() && abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }

    /// Keyword for a standard element, `[Creator] Name` for a known private one.
    public static func name(of e: Element, in ds: DataSet) -> String {
        let t = e.tag
        if t.isPrivate && !t.isPrivateCreator && !t.isGroupLength {
            guard let creator = ds.privateCreator(of: t) else { return "PrivateElementWithoutCreator" }
            if let pe = PrivateDictionary.entry(creator: creator, group: t.group, elementByte: UInt8(t.element & 0xFF)) {
                return "[\(creator)] \(pe.name)"
            }
            return "[\(creator)] Unknown"
        }
        if let entry = DataDictionary.entry(for: t), !entry.keyword.isEmpty { return entry.keyword }
        if t.isGroupLength { return "GroupLength" }
        return "Unknown"
    }
}
