import DcmData

/// `dump --csa`: the Siemens CSA image and series headers of a file
/// (`(0029,"SIEMENS CSA HEADER",10)` and `20`, docs/siemens-csa.md) as one
/// JSON object per file and line:
///
///     {"image": {NAME: {"vr": "FD", "vm": 1, "nitems": 1, "items": ["20.833"]}, …},
///      "series": {…},
///      "formats": {"image": "CSA2", "series": "CSA2"},
///      "ascconv": {"attributes": {…}, "entries": [[KEY, TYPE, VALUE], …]},
///      "errors": {}}
///
/// `ascconv` is the series header's ASCCONV protocol block
/// (`SiemensASCCONV`, docs/vendor-headers.md): `null` when the file has no
/// `MrPhoenixProtocol` or when it does not parse (then `errors.ascconv` says
/// why); entries in block order, TYPE `int`, `real` or `string`.
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
        out.write("},\"ascconv\":")
        var ascconvError: String? = nil
        if case .success(let h) = headers[1].1, let a = h.ascconv {
            switch a {
            case .success(let asc): ascconv(asc, into: &out)
            case .failure(let e): out.write("null"); ascconvError = e.description
            }
        } else { out.write("null") }
        out.write(",\"errors\":{")
        first = true
        for (name, r) in headers {
            guard case .failure(let e) = r else { continue }
            if !first { out.byte(0x2C) }
            first = false
            out.jsonString(name); out.byte(0x3A); out.jsonString(e.description)
        }
        if let ascconvError {
            if !first { out.byte(0x2C) }
            out.jsonString("ascconv"); out.byte(0x3A); out.jsonString(ascconvError)
        }
        out.write("}}")
    }

    func ascconv(_ a: SiemensASCCONV, into out: inout ByteOutput) {
        out.write("{\"attributes\":{")
        for (i, (k, v)) in a.attributes.enumerated() {
            if i > 0 { out.byte(0x2C) }
            out.jsonString(k); out.byte(0x3A); out.jsonString(v)
        }
        out.write("},\"entries\":[")
        for (i, e) in a.entries.enumerated() {
            if i > 0 { out.byte(0x2C) }
            out.byte(0x5B); out.jsonString(e.key); out.byte(0x2C)
            switch e.value {
            case .integer: out.jsonString("int")
            case .real: out.jsonString("real")
            case .string: out.jsonString("string")
            }
            out.byte(0x2C); out.jsonString(e.value.text); out.byte(0x5D)
        }
        out.write("]}")
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
