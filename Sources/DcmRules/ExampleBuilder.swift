import DcmData
import DcmDictionary

/// Turns a rule example — a YAML map of attribute → value — into an
/// in-memory file with DcmData's `DataSet` builder, so that examples run
/// through the same evaluator as real files. The VR of each attribute comes
/// from the dictionary (LO for a private creator, UN for other private
/// elements, whose value is the text's bytes).
///
/// - a scalar is the value as written (`"2300"`, `MR`); `""` is an empty value;
/// - a list of scalars is a multi-valued element (`[0.5, 0.5]`);
/// - a list of maps is a sequence of items;
/// - `{vr: SH, value: x}` gives the element that VR as encoded (explicit VR);
/// - `file.anomalies: [odd-length, …]` gives the file those reader anomalies;
/// - `csa.image.NAME` / `siemens.NAME` values become a CSA header (`DerivedExampleValues`).
enum ExampleBuilder {
    static func build(_ node: SyntaxNode, compiler: PackCompiler) -> DicomFile? {
        guard let entries = node.entries else {
            compiler.error(node.location, "an example is a map of attribute → value")
            return nil
        }
        var anomalies: [Anomaly] = []
        var ok = true
        var ds = dataSet(entries, compiler: compiler, anomalies: &anomalies, ok: &ok)
        guard ok else { return nil }
        // group 0002 goes to the meta information
        var meta = DataSet()
        for e in ds.elements where e.tag.group == 2 {
            ds.withValue(e) { buf in meta.setRaw(e.tag, e.vr, Array(buf), pad: false) }
        }
        ds.elements.removeAll { $0.tag.group == 2 }
        return DicomFile(path: nil, fileSize: 0, hasPreamble: true, meta: meta, dataSet: ds,
                         transferSyntax: .explicitVRLittleEndian, anomalies: anomalies)
    }

    static func dataSet(_ entries: [(key: String, keyLocation: SourceLocation, value: SyntaxNode)],
                        compiler: PackCompiler, anomalies: inout [Anomaly], ok: inout Bool) -> DataSet {
        var ds = DataSet()
        var derived = DerivedExampleValues()
        for (key, kl, value) in entries {
            if key == "file.anomalies" {
                for item in value.items ?? [value] {
                    guard let s = item.scalar, let kind = Anomaly.Kind(rawValue: s) else {
                        compiler.error(item.location, "unknown anomaly kind '\(item.scalar ?? "")'", suggestion: item.scalar.flatMap { suggest($0, among: Anomaly.Kind.allCases.map(\.rawValue)) })
                        ok = false; continue
                    }
                    anomalies.append(Anomaly(kind, offset: 0, "example anomaly"))
                }
                continue
            }
            guard let ref = compiler.attributeRef(key, kl) else { ok = false; continue }
            if case .textRepertoire = ref {
                compiler.error(kl, "\(ref) is read from the example's text values: give one a character above 7FH (\"M\u{00FC}ller\") for 'other'")
                ok = false; continue
            }
            if case .derived(let a) = ref {   // csa.image.NAME: a real CSA header (DerivedAttributes.swift)
                derived.add(a, values: value.items?.compactMap(\.scalar) ?? (value.isNull ? [] : [value.scalar ?? ""]))
                continue
            }
            guard case .path(let p) = ref.asPath, p.steps.count == 1, p.steps[0].index == .none else {
                compiler.error(kl, "an example names top-level attributes; write a sequence as a list of maps")
                ok = false; continue
            }
            let tag: Tag
            var vr: VR
            /// The VR the public or private dictionary gives the tag (how the reader types a UN value).
            var known: VR?
            switch p.steps[0].reference {
            case .tag(let t):
                tag = t
                vr = DataSet.dictionaryVR(t) ?? .UN
                known = DataSet.dictionaryVR(t)
            case let .privateTag(g, creator, eb):
                tag = ds.privateTag(group: g, creator: creator, elementByte: eb)
                vr = .UN
                known = PrivateDictionary.entry(creator: creator, group: g, elementByte: eb).flatMap { DataSet.defaultVR($0.vrs) }
            }
            if let typed = value.entries {
                // {vr: XX, value: …}: the element with that VR as encoded (explicit VR), e.g. a
                // private element whose VR differs from its vendor dictionary's
                var vrText: String?, val: SyntaxNode?
                for (k, kl2, v) in typed {
                    switch k {
                    case "vr": vrText = v.scalar
                    case "value": val = v
                    default: compiler.unknownKey(k, kl2, among: ["vr", "value"], what: "a typed example value")
                    }
                }
                guard let vt = vrText, let tvr = VR(string: vt) else {
                    compiler.error(value.location, "a typed example value needs 'vr' (a VR such as SH) and 'value'"); ok = false; continue
                }
                let text = (val?.items?.compactMap(\.scalar) ?? (val.map { $0.isNull ? [] : [$0.scalar ?? ""] } ?? [])).joined(separator: "\\")
                if tvr == .UN, let k = known, k != .UN, k != .SQ {
                    // written as UN, read as the dictionary's VR (PS3.5 6.2.2 Note 2), as the reader does
                    do { try ds.setWrittenAsUN(tag, k, text) } catch { compiler.error(value.location, "\(error)"); ok = false }
                    continue
                }
                if tvr == .UN || tvr == .OB || tvr == .SQ { ds.setRaw(tag, tvr == .SQ ? .UN : tvr, Array(text.utf8)); continue }
                do { try ds.setParsing(tag, tvr, text) } catch { compiler.error(value.location, "\(error)"); ok = false }
                continue
            }
            if let items = value.items, items.contains(where: { $0.entries != nil }) {
                var sq: [DataSet] = []
                for item in items {
                    guard let e = item.entries else {
                        compiler.error(item.location, "a sequence item is a map of attribute → value"); ok = false; continue
                    }
                    sq.append(dataSet(e, compiler: compiler, anomalies: &anomalies, ok: &ok))
                }
                ds.setSequence(tag, items: sq)
                continue
            }
            let text = (value.items?.compactMap(\.scalar) ?? (value.isNull ? [] : [value.scalar ?? ""])).joined(separator: "\\")
            if vr == .SQ {
                if text.isEmpty { ds.setSequence(tag, items: []) }   // an empty sequence: no items
                else { compiler.error(value.location, "\(key) is a sequence: write its items as a list of maps"); ok = false }
                continue
            }
            if vr == .UN || vr == .OB {
                ds.setRaw(tag, .UN, Array(text.utf8))   // private and unknown values: the text's bytes
                continue
            }
            do { try ds.setParsing(tag, vr, text) }
            catch { compiler.error(value.location, "\(error)"); ok = false }
        }
        derived.write(into: &ds)
        return ds
    }
}

extension AttributeRef {
    /// The reference as a path (a plain tag as a one-step path).
    var asPath: AttributeRef {
        if case .tag(let t, _) = self { return .path(AttributePath(tag: t)) }
        return self
    }
}
