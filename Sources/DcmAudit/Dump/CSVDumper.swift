import DcmData
import DcmDictionary

/// One row per file: `path` then one column per requested attribute path —
/// the metadata table researchers build with pydicom loops. Multi-values
/// and several matches (`[*]`) are joined with `\`; a missing element is an
/// empty field.
public struct CSVDumper {
    public let paths: [AttributePath]
    public init(paths: [AttributePath]) { self.paths = paths }

    public func header(into out: inout ByteOutput) {
        out.write("path")
        for p in paths { out.byte(0x2C); out.csvField(p.text) }
        out.byte(0x0A)
    }

    public func render(_ file: DicomFile, path: String, into out: inout ByteOutput) {
        out.csvField(path)
        for p in paths {
            out.byte(0x2C)
            if let t = p.simpleTag {
                let done = t.group == 0x0002 ? Self.appendASCIIText(t, file.meta, &out) : Self.appendASCIIText(t, file.dataSet, &out)
                if done { continue }
            }
            out.csvField(Self.text(of: p, in: file))
        }
        out.byte(0x0A)
    }

    /// The fast path for the common case — a missing element, or an ASCII text
    /// value that needs no quoting — written straight from the file's bytes
    /// with the same per-value trimming as `DataSet.strings` (no String made).
    /// Returns false when the slow path must handle it.
    static func appendASCIIText(_ t: Tag, _ ds: DataSet, _ out: inout ByteOutput) -> Bool {
        guard let i = ds.index(of: t) else { return true }
        let e = ds.elements[i]
        let vr = e.vr
        guard vr.isString, !vr.isSingleValuedText, !e.flags.contains(.notLoaded), e.items == nil else { return false }
        let leading = vr.trimsLeadingSpaces
        return ds.withValue(e) { buf -> Bool in
            let n = buf.count
            var k = 0
            while k < n {
                let b = buf[k]
                if b >= 0x7F || (b < 0x20 && b != 0x09) || b == 0x2C || b == 0x22 {
                    // (a UI value's NUL padding, trimmed below, stays on this path;
                    // a NUL before other bytes is a control character)
                    if b == 0 {
                        var j = k
                        while j < n && buf[j] == 0 { j += 1 }
                        if j == n { break }
                    }
                    return false
                }
                k += 1
            }
            var start = 0
            var i = 0
            while i <= n {
                if i == n || buf[i] == 0x5C {
                    var lo = start, hi = i
                    while hi > lo, buf[hi - 1] == 0x20 || buf[hi - 1] == 0 { hi -= 1 }
                    if leading { while lo < hi, buf[lo] == 0x20 { lo += 1 } }
                    // a cell a spreadsheet would run as a formula (`=`, `@`, `+`, `-`
                    // first: csvField decides, and quotes it with a `'`)
                    // (a switch, not an array literal's `contains`: this runs for every value)
                    if start == 0, hi > lo {
                        switch buf[lo] { case 0x3D, 0x40, 0x2B, 0x2D, 0x09: return false; default: break }
                    }
                    if start > 0 { out.byte(0x5C) }
                    if hi > lo { out.bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[lo..<hi])) }
                    start = i + 1
                }
                i += 1
            }
            return true
        }
    }

    static func simpleText(_ t: Tag, _ ds: DataSet) -> String {
        guard let i = ds.index(of: t) else { return "" }
        return ValueText.joined(ds.elements[i], in: ds)
    }

    /// The text of an attribute path in a file (meta elements for group 0002).
    public static func text(of p: AttributePath, in file: DicomFile) -> String {
        if let t = p.simpleTag {
            // (no local copy of the data set: it would retain its parts for every column)
            return t.group == 0x0002 ? simpleText(t, file.meta) : simpleText(t, file.dataSet)
        }
        let matches = p.resolve(in: p.steps.first.map { step -> Bool in
            if case .tag(let t) = step.reference { return t.group == 0x0002 }
            return false
        } == true ? file.meta : file.dataSet)
        return matches.map { m -> String in
            if let k = m.valueIndex {
                let v = ValueText.values(m.element, in: m.dataSet) ?? []
                return k < v.count ? v[k] : ""
            }
            return ValueText.joined(m.element, in: m.dataSet)
        }.joined(separator: "\\")
    }
}
