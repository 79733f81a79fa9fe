import DcmDictionary

/// A deviation from the standard found while reading (DESIGN.md item 2).
///
/// Bad input is data: the reader records what it found, where, and goes on
/// where it safely can. Rules turn anomalies into findings.
public struct Anomaly: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case noPreamble = "no-preamble"                 // PS3.10 §7.1: 128-byte preamble and DICM missing
        case missingMeta = "missing-meta"               // no File Meta Information
        case metaInconsistent = "meta-inconsistent"     // group length wrong, required element missing, meta not explicit VR LE
        case unknownTransferSyntax = "unknown-transfer-syntax"
        case transferSyntaxMismatch = "transfer-syntax-mismatch" // data set not encoded as the meta says
        case oddLength = "odd-length"                   // PS3.5 §7.1.1: value lengths are even
        case lengthPastEnd = "length-past-end"          // declared length exceeds the bytes left
        case truncated = "truncated"                    // file ends inside an element header or sequence
        case vrMismatch = "vr-mismatch"                 // explicit VR differs from the dictionary
        case invalidVR = "invalid-vr"                   // VR bytes name no VR
        case explicitInImplicit = "explicit-in-implicit"
        case implicitInExplicit = "implicit-in-explicit"
        case duplicateTag = "duplicate-tag"
        case outOfOrder = "out-of-order"                // PS3.5 §7.1: ascending tag order
        case undefinedLengthNotAllowed = "undefined-length"
        case badItem = "bad-item"                       // item/delimiter tags where they do not belong
        case depthLimit = "depth-limit"                 // sequences nested deeper than the reader allows
        case valueNotLoaded = "value-not-loaded"        // a very large value was skipped, not read
        case deflate = "deflate-error"
        case trailingBytes = "trailing-bytes"           // bytes after the data set that are not an element
        case privateWithoutCreator = "private-without-creator" // PS3.5 §7.8.1
        case groupLength = "group-length"
    }

    public let kind: Kind
    /// Byte offset in the file (for deflated data sets: in the inflated stream,
    /// which `inInflatedStream` says).
    public let offset: Int
    public let path: AttributeLocation
    public let detail: String
    public var inInflatedStream: Bool = false

    public init(_ kind: Kind, offset: Int, path: AttributeLocation = AttributeLocation(), _ detail: String, inflated: Bool = false) {
        self.kind = kind; self.offset = offset; self.path = path; self.detail = detail
        self.inInflatedStream = inflated
    }

    public var description: String {
        let p = path.isEmpty ? "" : " \(path)"
        let where_ = inInflatedStream ? "inflated offset" : "offset"
        return "\(kind.rawValue)\(p) at \(where_) \(offset): \(detail)"
    }
}

/// Where an element stands in a data set: the chain of (tag, item index)
/// from the top level down. Rendered as an attribute path (DESIGN.md item 4),
/// e.g. `ReferencedImageSequence[0].ReferencedSOPInstanceUID`.
public struct AttributeLocation: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var steps: [(tag: Tag, item: Int)]  // item is -1 for the last step
    public init(steps: [(tag: Tag, item: Int)] = []) { self.steps = steps }
    public var isEmpty: Bool { steps.isEmpty }

    public func appending(_ tag: Tag, item: Int = -1) -> AttributeLocation {
        var c = self
        c.steps.append((tag, item))
        return c
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.steps.count == b.steps.count && zip(a.steps, b.steps).allSatisfy { $0.tag == $1.tag && $0.item == $1.item }
    }
    public func hash(into h: inout Hasher) { for s in steps { h.combine(s.tag); h.combine(s.item) } }

    public var description: String {
        steps.map { s in
            let name = DataDictionary.entry(for: s.tag).flatMap { $0.keyword.isEmpty ? nil : $0.keyword } ?? s.tag.description
            return s.item >= 0 ? "\(name)[\(s.item)]" : name
        }.joined(separator: ".")
    }
}
