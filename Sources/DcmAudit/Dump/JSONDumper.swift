import DcmData
import DcmDictionary

/// The DICOM JSON model (PS3.18 Annex F) of one file: the File Meta
/// Information and the data set in one object, keys `GGGGEEEE` in tag order.
///
/// - text values as JSON strings, empty values of a multi-valued element as
///   `null` (§F.2.5); PN as objects with `Alphabetic`/`Ideographic`/`Phonetic`
///   (§F.2.2); DS, IS, binary numbers as JSON numbers (text that is not a number
///   stays a string); AT as `GGGGEEEE` strings;
/// - OB/OD/OF/OL/OV/OW/UN as `InlineBinary` (base64, little endian), or a
///   `BulkDataURI` when longer than the threshold or not loaded (Pixel Data
///   by default); the URI names the file offset and length of the value.
public struct JSONDumper {
    public var bulkThreshold: Int
    public var filter: Set<Tag>?

    public init(bulkThreshold: Int = 1024, filter: Set<Tag>? = nil) {
        self.bulkThreshold = bulkThreshold
        self.filter = filter
    }

    public func render(_ file: DicomFile, into out: inout ByteOutput) {
        out.byte(0x7B)
        var first = true
        for (ds, isMeta) in [(file.meta, true), (file.dataSet, false)] {
            for e in ds.elements {
                if let f = filter, !f.contains(e.tag) { continue }
                if !first { out.byte(0x2C) }
                first = false
                element(e, in: ds, into: &out)
            }
        }
        out.byte(0x7D)
    }

    func dataSet(_ ds: DataSet, into out: inout ByteOutput) {
        out.byte(0x7B)
        var first = true
        for e in ds.elements {
            if !first { out.byte(0x2C) }
            first = false
            element(e, in: ds, into: &out)
        }
        out.byte(0x7D)
    }

    func element(_ e: Element, in ds: DataSet, into out: inout ByteOutput) {
        out.byte(0x22); out.write(e.tag.jsonKey); out.write("\":{\"vr\":\"")
        out.write(e.vr.description)
        out.byte(0x22)
        if let items = e.items {
            if !items.isEmpty {
                out.write(",\"Value\":[")
                for (i, item) in items.enumerated() {
                    if i > 0 { out.byte(0x2C) }
                    dataSet(item, into: &out)
                }
                out.byte(0x5D)
            }
            out.byte(0x7D)
            return
        }
        if e.flags.contains(.notLoaded) {
            out.write(",\"BulkDataURI\":\"")
            out.write(bulkURI(e))
            out.write("\"}")
            return
        }
        if e.valueLength == 0 { out.byte(0x7D); return }
        let vr = e.vr
        switch vr {
        case .OB, .OD, .OF, .OL, .OV, .OW, .UN:
            if e.valueLength > bulkThreshold {
                out.write(",\"BulkDataURI\":\"")
                out.write(bulkURI(e))
                out.write("\"}")
            } else {
                out.write(",\"InlineBinary\":\"")
                out.base64(ds.littleEndianBytes(e))
                out.write("\"}")
            }
            return
        case .PN:
            let values = ds.strings(e)
            if Self.noValue(values) { out.byte(0x7D); return }
            out.write(",\"Value\":[")
            for (i, v) in values.enumerated() {
                if i > 0 { out.byte(0x2C) }
                if v.isEmpty { out.write("null"); continue }
                let pn = PersonName(parsing: v)
                out.byte(0x7B)
                var f = true
                for (k, g) in [("Alphabetic", pn.alphabetic), ("Ideographic", pn.ideographic), ("Phonetic", pn.phonetic)] where !g.isEmpty {
                    if !f { out.byte(0x2C) }
                    f = false
                    out.jsonString(k); out.byte(0x3A); out.jsonString(g)
                }
                out.byte(0x7D)
            }
            out.write("]}")
            return
        case .DS, .IS:
            let values = ds.strings(e)
            if Self.noValue(values) { out.byte(0x7D); return }
            out.write(",\"Value\":[")
            for (i, v) in values.enumerated() {
                if i > 0 { out.byte(0x2C) }
                let t = v.trimmingSpaces()
                if t.isEmpty { out.write("null") }
                else if let n = jsonNumber(t) { out.write(n) }
                else { out.jsonString(v) }
            }
            out.write("]}")
            return
        case .AT:
            out.write(",\"Value\":[")
            for (i, t) in ds.tags(e).enumerated() {
                if i > 0 { out.byte(0x2C) }
                out.jsonString(t.jsonKey)
            }
            out.write("]}")
            return
        default: break
        }
        if vr.isString {
            let values = ds.strings(e)
            if Self.noValue(values) { out.byte(0x7D); return }
            out.write(",\"Value\":[")
            for (i, v) in values.enumerated() {
                if i > 0 { out.byte(0x2C) }
                if v.isEmpty { out.write("null") } else { out.jsonString(v) }
            }
            out.write("]}")
            return
        }
        // binary numbers
        let values: [String]
        switch vr {
        case .FL: values = (ds.floats(e) ?? []).map { jsonFloat(Double($0), text: ValueText.formatFloat($0)) }
        case .FD: values = (ds.doubles(e) ?? []).map { jsonFloat($0, text: ValueText.formatDouble($0)) }
        case .UV: values = (ds.unsigned64(e) ?? []).map { String($0) }
        default: values = (ds.integers(e) ?? []).map { String($0) }
        }
        if values.isEmpty { out.byte(0x7D); return }
        out.write(",\"Value\":[")
        for (i, v) in values.enumerated() {
            if i > 0 { out.byte(0x2C) }
            out.write(v)
        }
        out.write("]}")
    }

    /// A text value of padding only (`"  "`: one value, empty once its
    /// spaces are trimmed) is no value: no `Value` key (PS3.18 F.2.5, as for
    /// a zero length; pydicom's `to_json_dict` does the same), not `[null]`.
    static func noValue(_ values: [String]) -> Bool {
        values.count == 1 && values[0].trimmingSpaces().isEmpty
    }

    func bulkURI(_ e: Element) -> String {
        let len = e.declaredLength == 0xFFFFFFFF ? "undefined" : String(e.declaredLength)
        return "dcmaudit:bulk?offset=\(e.fileOffset)&length=\(len)"
    }

    func jsonFloat(_ d: Double, text: String) -> String {
        if d.isNaN || d.isInfinite { return "\"\(text)\"" }
        return text
    }

    /// The DS/IS text as a JSON number: kept verbatim when it already is valid
    /// JSON number syntax (no precision lost), else re-formatted.
    func jsonNumber(_ t: String) -> String? {
        guard let d = parseDecimal(t), d.isFinite else { return nil }
        if isJSONNumberSyntax(t) { return t }
        return ValueText.formatDouble(d)
    }
}

/// RFC 8259 number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isJSONNumberSyntax(_ s: String) -> Bool {
    let u = Array(s.utf8)
    var i = 0
    func digit(_ k: Int) -> Bool { k < u.count && u[k] >= 0x30 && u[k] <= 0x39 }
    if i < u.count && u[i] == 0x2D { i += 1 }
    guard digit(i) else { return false }
    if u[i] == 0x30 { i += 1; if digit(i) { return false } } else { while digit(i) { i += 1 } }
    if i < u.count && u[i] == 0x2E { i += 1; guard digit(i) else { return false }; while digit(i) { i += 1 } }
    if i < u.count && (u[i] == 0x45 || u[i] == 0x65) {
        i += 1
        if i < u.count && (u[i] == 0x2B || u[i] == 0x2D) { i += 1 }
        guard digit(i) else { return false }
        while digit(i) { i += 1 }
    }
    return i == u.count
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " { s = s.dropFirst() }
        while let l = s.last, l == " " { s = s.dropLast() }
        return String(s)
    }
}
