/// A regular expression that is only literal text — alternatives of literal
/// strings, optionally anchored and case-insensitive — matched on bytes
/// without the regex engine: `^(1\.2\.840\.113619|1\.3\.12\.2\.1107)\.` (the
/// vendor UID roots of dicom.deid-basic), `(?i)siemens`, `(?i)canon|toshiba`.
/// Swift's `Regex` costs microseconds per match, and these patterns are tested
/// on every UID of every file.
///
/// Only the subset whose meaning is plain: `(?i)` at the start; `^` and `$`
/// around a pattern without top-level `|`; groups `( … | … )` of literals,
/// nested; printable ASCII literals and escaped punctuation (`\.`, `\-`). Any
/// other construct (classes, quantifiers, `.`, `\d`) leaves the pattern to
/// `Regex`. `matches` answers only for printable ASCII input (no line
/// breaks, so `$` is the end and every byte is one Character); for other
/// input it returns nil and `Regex` decides, so the answer is always
/// `Regex`'s (RegexFastPathTests compares the two).
struct LiteralRegex {
    /// The strings the pattern matches (the expansion of its groups).
    let alternatives: [[UInt8]]
    let anchoredStart: Bool
    let anchoredEnd: Bool
    let caseInsensitive: Bool

    /// The most literal strings a pattern may expand to.
    static let maxAlternatives = 256

    init?(_ pattern: String) {
        var p = Array(pattern.utf8)
        var ci = false
        if p.starts(with: Array("(?i)".utf8)) { ci = true; p.removeFirst(4) }
        var start = false, end = false
        if p.first == UInt8(ascii: "^") { start = true; p.removeFirst() }
        if p.last == UInt8(ascii: "$"), !(p.count >= 2 && p[p.count - 2] == UInt8(ascii: "\\")) { end = true; p.removeLast() }
        var parser = Parser(bytes: p)
        guard let alts = parser.alternation(), parser.pos == p.count else { return nil }
        // `^a|b` anchors its first alternative only: not this subset
        if (start || end) && parser.topLevelAlternatives > 1 { return nil }
        alternatives = ci ? alts.map { $0.map(Self.lower) } : alts
        anchoredStart = start; anchoredEnd = end; caseInsensitive = ci
    }

    @inline(__always) static func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }

    /// Whether the pattern matches `b` somewhere (anchors respected); nil when
    /// `b` is not printable ASCII.
    func matches(_ b: UnsafeRawBufferPointer) -> Bool? {
        for c in b where c < 0x20 || c > 0x7E { return nil }
        let n = b.count
        for a in alternatives {
            let m = a.count
            if m > n { continue }
            if anchoredStart && anchoredEnd {
                if m == n && equal(b, at: 0, a) { return true }
            } else if anchoredStart {
                if equal(b, at: 0, a) { return true }
            } else if anchoredEnd {
                if equal(b, at: n - m, a) { return true }
            } else {
                var i = 0
                while i + m <= n {
                    if equal(b, at: i, a) { return true }
                    i += 1
                }
            }
        }
        return false
    }

    @inline(__always) func equal(_ b: UnsafeRawBufferPointer, at i: Int, _ a: [UInt8]) -> Bool {
        var k = 0
        while k < a.count {
            let c = caseInsensitive ? Self.lower(b[i + k]) : b[i + k]
            if c != a[k] { return false }
            k += 1
        }
        return true
    }

    /// Recursive descent over the literal subset: alternation := sequence ('|' sequence)*;
    /// sequence := (literal | '(' alternation ')')*.
    struct Parser {
        let bytes: [UInt8]
        var pos = 0
        var depth = 0
        var topLevelAlternatives = 0

        mutating func alternation() -> [[UInt8]]? {
            var out: [[UInt8]] = []
            var count = 0
            repeat {
                if count > 0 { pos += 1 }   // the '|'
                guard let s = sequence() else { return nil }
                out += s
                count += 1
                if out.count > LiteralRegex.maxAlternatives { return nil }
            } while pos < bytes.count && bytes[pos] == UInt8(ascii: "|")
            if depth == 0 { topLevelAlternatives = count }
            return out
        }

        mutating func sequence() -> [[UInt8]]? {
            var out: [[UInt8]] = [[]]
            while pos < bytes.count {
                let c = bytes[pos]
                switch c {
                case UInt8(ascii: "|"), UInt8(ascii: ")"):
                    return out
                case UInt8(ascii: "("):
                    // a plain group only: not (?:…), (?i)…, (?<name>…)
                    guard pos + 1 < bytes.count, bytes[pos + 1] != UInt8(ascii: "?") else { return nil }
                    pos += 1; depth += 1
                    guard let inner = alternation(), pos < bytes.count, bytes[pos] == UInt8(ascii: ")") else { return nil }
                    pos += 1; depth -= 1
                    if pos < bytes.count, Self.isQuantifier(bytes[pos]) { return nil }
                    var next: [[UInt8]] = []
                    for a in out { for b in inner { next.append(a + b) } }
                    if next.count > LiteralRegex.maxAlternatives { return nil }
                    out = next
                case UInt8(ascii: "\\"):
                    guard pos + 1 < bytes.count else { return nil }
                    let e = bytes[pos + 1]
                    // escaped punctuation is itself; \d, \s, \b, \n … are not literals here
                    guard e >= 0x21 && e <= 0x7E, !Self.isAlphanumeric(e) else { return nil }
                    pos += 2
                    if pos < bytes.count, Self.isQuantifier(bytes[pos]) { return nil }
                    for k in out.indices { out[k].append(e) }
                default:
                    guard c >= 0x20 && c <= 0x7E, !Self.isMeta(c) else { return nil }
                    pos += 1
                    if pos < bytes.count, Self.isQuantifier(bytes[pos]) { return nil }
                    for k in out.indices { out[k].append(c) }
                }
            }
            return out
        }

        static func isQuantifier(_ c: UInt8) -> Bool {
            c == UInt8(ascii: "*") || c == UInt8(ascii: "+") || c == UInt8(ascii: "?") || c == UInt8(ascii: "{")
        }
        static func isMeta(_ c: UInt8) -> Bool {
            switch c {
            case UInt8(ascii: "^"), UInt8(ascii: "$"), UInt8(ascii: "."), UInt8(ascii: "|"), UInt8(ascii: "?"), UInt8(ascii: "*"),
                 UInt8(ascii: "+"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"),
                 UInt8(ascii: "}"), UInt8(ascii: "\\"), UInt8(ascii: "#"):
                return true
            default: return false
            }
        }
        static func isAlphanumeric(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
        }
    }
}
