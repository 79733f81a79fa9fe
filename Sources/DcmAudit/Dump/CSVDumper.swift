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
            out.csvField(Self.text(of: p, in: file))
        }
        out.byte(0x0A)
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
