import DcmData
import DcmDictionary

/// A dcmdump-like view of a file: one line per element — tag, VR, value,
/// then `# length, VM keyword` — nested items indented, private elements
/// named by their creator, and the reader's anomalies at the end.
public struct TextDumper {
    public var filter: Set<Tag>?
    /// Longest value text shown before it is cut with `...`.
    public var maxValueWidth = 96

    public init(filter: Set<Tag>? = nil) { self.filter = filter }

    public func render(_ file: DicomFile, path: String, into out: inout ByteOutput) {
        out.write("# "); out.terminalText(path); out.byte(0x0A)
        if !file.meta.isEmpty {
            out.write("# File Meta Information\n")
            for e in file.meta.elements where filter?.contains(e.tag) ?? true { line(e, in: file.meta, depth: 0, into: &out) }
        }
        let ts = file.transferSyntax
        out.write("# Data Set: \(ts.name) (\(ts.uid))")
        if let d = file.declaredTransferSyntax, d.uid != ts.uid { out.write("; declared: \(d.name) (\(d.uid))") }
        out.byte(0x0A)
        for e in file.dataSet.elements where filter?.contains(e.tag) ?? true { line(e, in: file.dataSet, depth: 0, into: &out) }
        for a in file.anomalies {
            out.write("# anomaly: "); out.write(a.description); out.byte(0x0A)
        }
        out.byte(0x0A)
    }

    func line(_ e: Element, in ds: DataSet, depth: Int, into out: inout ByteOutput) {
        let indent = String(repeating: "  ", count: depth)
        var value: String
        if let items = e.items {
            value = "(Sequence with \(items.count) item\(items.count == 1 ? "" : "s"))"
        } else if e.flags.contains(.notLoaded) {
            value = e.declaredLength == 0xFFFFFFFF ? "(not loaded: encapsulated)" : "(not loaded: \(e.declaredLength) bytes)"
        } else if e.vr.isString || e.vr.isBinaryNumber || e.vr == .AT {
            let v = ValueText.values(e, in: ds) ?? []
            value = e.valueLength == 0 ? "(no value)" : "[" + v.joined(separator: "\\") + "]"
        } else {
            value = hexPreview(ds, e)
        }
        if value.count > maxValueWidth { value = String(value.prefix(maxValueWidth - 3)) + "..." }
        var head = indent + e.tag.description + " " + e.vr.description + " " + value
        let pad = max(1, 52 - head.count)
        head += String(repeating: " ", count: pad)
        let len = e.declaredLength == 0xFFFFFFFF ? "u/l" : String(e.declaredLength)
        out.terminalText(head)   // (a value's ESC, CR, LF: no terminal escape, no forged line)
        out.write("# \(len), \(ds.valueMultiplicity(e)) \(ValueText.name(of: e, in: ds))")
        // written as UN, read with the dictionary's VR (PS3.5 §6.2.2)
        if e.flags.contains(.explicitUN) { out.write(" (UN in the file)") }
        out.byte(0x0A)
        if let items = e.items {
            for (i, item) in items.enumerated() {
                out.write(indent + "  (FFFE,E000) Item \(i + 1)\n")
                for c in item.elements { line(c, in: item, depth: depth + 2, into: &out) }
            }
        }
    }

    func hexPreview(_ ds: DataSet, _ e: Element) -> String {
        let n = min(e.valueLength, 16)
        var s = ds.withValue(e) { buf in (0..<n).map { String(hex2(buf[$0])) }.joined(separator: " ") }
        if e.valueLength > n { s += " ... (\(e.valueLength) bytes)" }
        return e.valueLength == 0 ? "(no value)" : s
    }

    func hex2(_ b: UInt8) -> String {
        String(decoding: [hexDigit(b >> 4), hexDigit(b & 0xF)], as: UTF8.self)
    }
}
