import DcmDictionary

/// A path naming any element in a data set (DESIGN.md item 4), parsed once and
/// used by rules, `dump --tags` and reports:
///
/// - a keyword `PatientName`, or a tag `(0010,0010)` / `00100010`;
/// - nested: `ReferencedImageSequence[0].ReferencedSOPInstanceUID`, or `[*]`
///   for every item (a sequence step without an index means every item);
/// - one value of a multi-valued element: `ImageType[0]`;
/// - a private element by its creator: `(0029,"SIEMENS CSA HEADER",10)` — the
///   group, the Private Creator string and the element byte within the block
///   (PS3.5 §7.8.1), resolved through the file's own creator elements.
public struct AttributePath: Hashable, Sendable, CustomStringConvertible {
    public enum Reference: Hashable, Sendable {
        case tag(Tag)
        case privateTag(group: UInt16, creator: String, elementByte: UInt8)
    }
    public enum Index: Hashable, Sendable { case none, at(Int), all }
    public struct Step: Hashable, Sendable {
        public var reference: Reference
        public var index: Index
    }

    public var steps: [Step]
    /// The text it was parsed from.
    public let text: String

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let message: String
        /// 1-based column in the path text.
        public let column: Int
        public var description: String { "column \(column): \(message)" }
    }

    public init(parsing text: String) throws {
        self.text = text
        var steps: [Step] = []
        let chars = Array(text.unicodeScalars)
        var i = 0
        func fail(_ m: String) -> ParseError { ParseError(message: m, column: i + 1) }
        while true {
            // one step
            var ref: Reference
            if i < chars.count, chars[i] == "(" {
                var close: Int? = nil
                var quoted = false
                for k in i..<chars.count {
                    if chars[k] == "\"" { quoted.toggle() }
                    if chars[k] == ")" && !quoted { close = k; break }
                }
                guard let close else { throw fail(quoted ? "unbalanced quotes in a private tag" : "missing ')'") }
                let inner = String(String.UnicodeScalarView(chars[(i + 1)..<close]))
                if inner.contains("\"") {
                    // (gggg,"creator",ee)
                    guard let q1 = inner.firstIndex(of: "\""), let q2 = inner.lastIndex(of: "\""), q1 < q2 else { throw fail("unbalanced quotes in a private tag") }
                    let g = inner[..<q1].trimmingCharacters(in: " ,")
                    let creator = String(inner[inner.index(after: q1)..<q2])
                    let e = inner[inner.index(after: q2)...].trimmingCharacters(in: " ,")
                    guard g.count == 4, let gv = UInt16(g, radix: 16) else { throw fail("bad group '\(g)' in a private tag") }
                    guard gv & 1 == 1 else { throw fail("group \(g) is not private (odd)") }
                    let eb = e.count == 4 ? UInt16(e, radix: 16).flatMap { $0 >= 0x1000 ? nil : $0 } : UInt16(e, radix: 16)
                    guard (e.count == 2 || e.count == 4), let ev = eb, ev <= 0xFF else {
                        throw fail("bad element byte '\(e)' in a private tag: want two hex digits, e.g. 10")
                    }
                    ref = .privateTag(group: gv, creator: creator, elementByte: UInt8(ev))
                } else {
                    guard let t = Tag(parsing: "(" + inner + ")") else { throw fail("bad tag '(\(inner))'") }
                    ref = .tag(t)
                }
                i = close + 1
            } else {
                let start = i
                while i < chars.count, chars[i].properties.isAlphabetic || ("0"..."9").contains(chars[i]) || chars[i] == "_" { i += 1 }
                let word = String(String.UnicodeScalarView(chars[start..<i]))
                if word.isEmpty { throw fail(start < chars.count ? "unexpected '\(chars[start])'" : "missing attribute name") }
                if word.count == 8, let t = Tag(parsing: word) {
                    ref = .tag(t)
                } else if let t = DataDictionary.tag(forKeyword: word) {
                    ref = .tag(t)
                } else {
                    i = start
                    let hint = DataDictionary.suggestions(for: word, limit: 1).first.map { " (did you mean '\($0)'?)" } ?? ""
                    throw fail("unknown keyword '\(word)'\(hint)")
                }
            }
            var index = Index.none
            if i < chars.count, chars[i] == "[" {
                guard let close = chars[i...].firstIndex(of: "]") else { throw fail("missing ']'") }
                let inner = String(String.UnicodeScalarView(chars[(i + 1)..<close]))
                if inner == "*" { index = .all }
                else if let n = Int(inner), n >= 0 { index = .at(n) }
                else { throw fail("bad index '[\(inner)]': want a number or *") }
                i = close + 1
            }
            steps.append(Step(reference: ref, index: index))
            if i == chars.count { break }
            guard chars[i] == "." else { throw fail("expected '.' or the end, found '\(chars[i])'") }
            i += 1
        }
        self.steps = steps
    }

    public init(tag: Tag) {
        self.steps = [Step(reference: .tag(tag), index: .none)]
        self.text = tag.description
    }

    public var description: String { text }

    public static func == (a: Self, b: Self) -> Bool { a.steps == b.steps }
    public func hash(into h: inout Hasher) { h.combine(steps) }

    /// The plain tag of a one-step path without index (for fast paths).
    public var simpleTag: Tag? {
        guard steps.count == 1, steps[0].index == .none, case .tag(let t) = steps[0].reference else { return nil }
        return t
    }

    /// An element the path reached: the data set that holds it, and which of
    /// its values the path selects (`nil`: all).
    public struct Match {
        public var dataSet: DataSet
        public var element: Element
        /// The value index (`ImageType[0]`), or for a sequence the item index (`Seq[1]`).
        public var valueIndex: Int?
    }

    /// Every element the path names in `ds` (several with `[*]`).
    public func resolve(in ds: DataSet) -> [Match] {
        var current = [ds]
        for (n, step) in steps.enumerated() {
            if n == steps.count - 1 {
                return current.compactMap { d in
                    guard let e = Self.find(step.reference, in: d) else { return nil }
                    if case .at(let k) = step.index {
                        // a value of a multi-valued element, or an item of a sequence
                        if let items = e.items, k >= items.count { return nil }
                        return Match(dataSet: d, element: e, valueIndex: k)
                    }
                    return Match(dataSet: d, element: e, valueIndex: nil)
                }
            }
            var next: [DataSet] = []
            for d in current {
                guard let items = Self.find(step.reference, in: d)?.items else { continue }
                switch step.index {
                case .at(let k): if k < items.count { next.append(items[k]) }
                case .all, .none: next.append(contentsOf: items)
                }
            }
            current = next
        }
        return []
    }

    static func find(_ ref: Reference, in ds: DataSet) -> Element? {
        switch ref {
        case .tag(let t): return ds[t]
        case let .privateTag(g, c, b): return ds.privateElement(group: g, creator: c, elementByte: b)
        }
    }
}
