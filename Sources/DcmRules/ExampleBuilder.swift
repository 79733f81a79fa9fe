import DcmData
import DcmDictionary

/// Turns a rule example — a YAML map of attribute → value — into an
/// in-memory file, so that examples run through the same evaluator as real
/// files. The VR of each attribute comes from the dictionary (LO for a
/// private creator, UN for other private elements).
///
/// - a scalar is the value as written (`"2300"`, `MR`); `""` is an empty value;
/// - a list of scalars is a multi-valued element (`[0.5, 0.5]`);
/// - a list of maps is a sequence of items;
/// - `file.anomalies: [odd-length, …]` gives the file those reader anomalies.
///
/// A minimal builder private to DcmRules (main has no public DataSet builder yet).
enum ExampleBuilder {
    static func build(_ node: SyntaxNode, compiler: PackCompiler) -> DicomFile? {
        guard let entries = node.entries else {
            compiler.error(node.location, "an example is a map of attribute → value")
            return nil
        }
        let storage = ByteStorage()
        var anomalies: [Anomaly] = []
        var ok = true
        var meta = DataSet(storage: storage)
        guard var ds = dataSet(entries, storage: storage, compiler: compiler, anomalies: &anomalies, ok: &ok) else { return nil }
        // group 0002 goes to the meta information
        let metaElements = ds.elements.filter { $0.tag.group == 2 }
        if !metaElements.isEmpty {
            meta.elements = metaElements
            ds.elements.removeAll { $0.tag.group == 2 }
        }
        guard ok else { return nil }
        return DicomFile(path: nil, fileSize: storage.count, hasPreamble: true, meta: meta, dataSet: ds,
                         transferSyntax: .explicitVRLittleEndian, anomalies: anomalies)
    }

    static func dataSet(_ entries: [(key: String, keyLocation: SourceLocation, value: SyntaxNode)], storage: ByteStorage,
                        compiler: PackCompiler, anomalies: inout [Anomaly], ok: inout Bool) -> DataSet? {
        var ds = DataSet(storage: storage)
        var elements: [Element] = []
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
            guard case .path(let p) = ref.asPath, p.steps.count == 1 else {
                compiler.error(kl, "an example names top-level attributes; write a sequence as a list of maps")
                ok = false; continue
            }
            let tag: Tag
            var vr: VR
            switch p.steps[0].reference {
            case .tag(let t):
                tag = t
                vr = DataDictionary.entry(for: t)?.vr ?? (t.isPrivateCreator ? .LO : .UN)
            case let .privateTag(g, creator, eb):
                // reserve a block for the creator
                var block: UInt16 = 0x10
                while elements.contains(where: { $0.tag == Tag(g, block) }) { block += 1 }
                let ct = Tag(g, block)
                elements.append(element(ct, .LO, text: creator, storage: storage))
                tag = Tag(g, block << 8 | UInt16(eb))
                vr = .UN
            }
            if let items = value.items, items.contains(where: { $0.entries != nil }) {
                var sq: [DataSet] = []
                for item in items {
                    guard let e = item.entries, let child = dataSet(e, storage: storage, compiler: compiler, anomalies: &anomalies, ok: &ok) else {
                        compiler.error(item.location, "a sequence item is a map of attribute → value"); ok = false; continue
                    }
                    sq.append(child)
                }
                elements.append(Element(tag: tag, vr: .SQ, declaredLength: 0xFFFFFFFF, fileOffset: 0, valueStart: storage.count, valueLength: 0, items: sq))
                continue
            }
            let texts: [String] = value.items?.compactMap(\.scalar) ?? (value.isNull ? [] : [value.scalar ?? ""])
            if vr == .SQ { vr = .UN }
            if vr.isString || vr == .UN || vr == .OB {
                elements.append(element(tag, vr == .OB ? .UN : vr, text: texts.joined(separator: "\\"), storage: storage))
            } else {
                var bytes: [UInt8] = []
                for t in texts {
                    guard let d = Double(t) else {
                        compiler.error(value.location, "'\(t)' is not a number, and \(key) has VR \(vr)"); ok = false; continue
                    }
                    bytes += encode(d, vr)
                }
                let start = storage.append(bytes)
                elements.append(Element(tag: tag, vr: vr, declaredLength: UInt32(bytes.count), fileOffset: 0, valueStart: start, valueLength: bytes.count))
            }
        }
        elements.sort { $0.tag < $1.tag }
        ds.elements = elements
        ds.isSorted = true
        return ds
    }

    static func element(_ tag: Tag, _ vr: VR, text: String, storage: ByteStorage) -> Element {
        var bytes = Array(text.utf8)
        if bytes.count % 2 == 1 { bytes.append(vr.paddingByte) }
        let start = storage.append(bytes)
        return Element(tag: tag, vr: vr, declaredLength: UInt32(bytes.count), fileOffset: 0, valueStart: start, valueLength: bytes.count)
    }

    static func encode(_ d: Double, _ vr: VR) -> [UInt8] {
        func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        switch vr {
        case .US, .OW: return le(UInt16(truncatingIfNeeded: Int(d)))
        case .SS: return le(Int16(truncatingIfNeeded: Int(d)))
        case .UL, .OL: return le(UInt32(truncatingIfNeeded: Int(d)))
        case .SL: return le(Int32(truncatingIfNeeded: Int(d)))
        case .SV: return le(Int64(d))
        case .UV, .OV: return le(UInt64(max(0, d)))
        case .FL, .OF: return le(Float(d).bitPattern)
        case .FD, .OD: return le(d.bitPattern)
        default: return []
        }
    }
}

extension AttributeRef {
    /// The reference as a path (a plain tag as a one-step path).
    var asPath: AttributeRef {
        if case .tag(let t, _) = self { return .path(AttributePath(tag: t)) }
        return self
    }
}
