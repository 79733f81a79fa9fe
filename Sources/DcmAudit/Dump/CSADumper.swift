import DcmData

/// `dump --csa`: the Siemens CSA image and series headers of a file
/// (`(0029,"SIEMENS CSA HEADER",10)` and `20`, docs/siemens-csa.md) as one
/// JSON object per file:
///
///     {"image": {"format": "CSA2", "tags": {NAME: {"vr": "FD", "vm": 1, "items": ["1.5"]}, …}},
///      "series": null}
///
/// `null` when the file has no such header; `{"error": "… at offset N"}` when
/// it is malformed. Items are the parsed values as strings (tag order kept).
public struct CSADumper {
    public init() {}

    public func render(_ file: DicomFile, into out: inout ByteOutput) {
        out.write("{\"image\":")
        header(file.dataSet.siemensCSA(elementByte: 0x10), into: &out)
        out.write(",\"series\":")
        header(file.dataSet.siemensCSA(elementByte: 0x20), into: &out)
        out.byte(0x7D)
    }

    func header(_ r: Result<SiemensCSAHeader, SiemensCSAHeader.Error>?, into out: inout ByteOutput) {
        switch r {
        case nil: out.write("null")
        case .failure(let e):
            out.write("{\"error\":"); out.jsonString(e.description); out.byte(0x7D)
        case .success(let h):
            out.write("{\"format\":"); out.jsonString(h.format.rawValue)
            out.write(",\"tags\":{")
            // a repeated name: the last one, as nibabel's dict keeps it
            var last: [String: Int] = [:]
            for (i, t) in h.tags.enumerated() { last[t.name] = i }
            var first = true
            for (i, t) in h.tags.enumerated() where last[t.name] == i {
                if !first { out.byte(0x2C) }
                first = false
                out.jsonString(t.name)
                out.write(":{\"vr\":"); out.jsonString(t.vr)
                out.write(",\"vm\":\(t.vm),\"nitems\":\(t.itemCount),\"items\":[")
                for (i, v) in t.values.enumerated() {
                    if i > 0 { out.byte(0x2C) }
                    out.jsonString(v)
                }
                out.write("]}")
            }
            out.write("}}")
        }
    }
}
