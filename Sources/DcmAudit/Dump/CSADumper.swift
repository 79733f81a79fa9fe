import DcmData

/// `dump --csa`: the Siemens CSA image and series headers of a file
/// (`(0029,"SIEMENS CSA HEADER",10)` and `20`, docs/siemens-csa.md) as one
/// JSON object per file and line:
///
///     {"image": {NAME: {"vr": "FD", "vm": 1, "nitems": 1, "items": ["20.833"]}, …},
///      "series": {…},
///      "formats": {"image": "CSA2", "series": "CSA2"},
///      "errors": {}}
///
/// A header the file does not have is `null`; one that does not parse is
/// `null` too, with its error (`"… at offset N"`) under `errors`. Items are the
/// parsed values as strings, in header order; a repeated name keeps the last
/// (as nibabel's dict does).
public struct CSADumper {
    public init() {}

    public func render(_ file: DicomFile, into out: inout ByteOutput) {
        let headers = [("image", file.dataSet.siemensCSA(elementByte: 0x10)), ("series", file.dataSet.siemensCSA(elementByte: 0x20))]
        out.byte(0x7B)
        for (name, r) in headers {
            out.jsonString(name); out.byte(0x3A)
            if case .success(let h) = r { tags(h, into: &out) } else { out.write("null") }
            out.byte(0x2C)
        }
        out.write("\"formats\":{")
        var first = true
        for (name, r) in headers {
            guard case .success(let h) = r else { continue }
            if !first { out.byte(0x2C) }
            first = false
            out.jsonString(name); out.byte(0x3A); out.jsonString(h.format.rawValue)
        }
        out.write("},\"errors\":{")
        first = true
        for (name, r) in headers {
            guard case .failure(let e) = r else { continue }
            if !first { out.byte(0x2C) }
            first = false
            out.jsonString(name); out.byte(0x3A); out.jsonString(e.description)
        }
        out.write("}}")
    }

    func tags(_ h: SiemensCSAHeader, into out: inout ByteOutput) {
        var last: [String: Int] = [:]
        for (i, t) in h.tags.enumerated() { last[t.name] = i }
        out.byte(0x7B)
        var first = true
        for (i, t) in h.tags.enumerated() where last[t.name] == i {
            if !first { out.byte(0x2C) }
            first = false
            out.jsonString(t.name)
            out.write(":{\"vr\":"); out.jsonString(t.vr)
            out.write(",\"vm\":\(t.vm),\"nitems\":\(t.itemCount),\"items\":[")
            for (k, v) in t.values.enumerated() {
                if k > 0 { out.byte(0x2C) }
                out.jsonString(v)
            }
            out.write("]}")
        }
        out.byte(0x7D)
    }
}
