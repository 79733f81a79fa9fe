/// A `matches` pattern that is one ASCII character class over the whole
/// value, `^[…]*$` or `^[…]+$` — e.g. "every character in ISO-IR 6"
/// (`^[\x00-\x1A\x1C-\x7F]*$`, PS3.5 6.1.2.1), which a walk may test on
/// every text value of a file. The class is read
/// from `\xHH` escapes, `\t` `\n` `\r`, escaped punctuation, printable
/// characters and ranges of them; anything else (a negated class, `\d`,
/// POSIX classes, a member above 7FH) is not this subset.
///
/// It answers only when certain: a value whose bytes are all in the class
/// matches. Any other value is left to the pattern's `Regex` (which works on
/// Characters: a CR LF pair is one Character, and `$` may match before a
/// final newline — so a value holding a CR, or a byte outside the class, is
/// not decided here).
struct ByteClassRegex {
    /// Members: bit `b & 63` of word `b >> 6` (bytes 00H-7FH).
    let low: UInt64, high: UInt64
    /// `+`: the empty value is left to the Regex.
    let needsOne: Bool

    init?(_ pattern: String) {
        let p = Array(pattern.utf8)
        guard p.count >= 5, p[0] == UInt8(ascii: "^"), p[1] == UInt8(ascii: "["), p[p.count - 1] == UInt8(ascii: "$") else { return nil }
        let op = p[p.count - 2]
        guard op == UInt8(ascii: "*") || op == UInt8(ascii: "+"), p[p.count - 3] == UInt8(ascii: "]") else { return nil }
        // the class's bytes between "^[" and "]*$" (a "]" inside must be escaped: the closing one is the last)
        let body = p[2..<(p.count - 3)]
        guard let first = body.first, first != UInt8(ascii: "^") else { return nil }   // empty, or negated
        var members: [UInt8] = []   // each item's byte, ranges marked by a following "-" item
        var ranges: [(UInt8, UInt8)] = []
        var i = body.startIndex
        func item() -> UInt8? {
            guard i < body.endIndex else { return nil }
            let c = body[i]
            i += 1
            if c == UInt8(ascii: "\\") {
                guard i < body.endIndex else { return nil }
                let e = body[i]
                i += 1
                switch e {
                case UInt8(ascii: "x"):
                    guard i + 1 < body.endIndex, let h = Self.hex(body[i]), let l = Self.hex(body[i + 1]) else { return nil }
                    i += 2
                    return h << 4 | l
                case UInt8(ascii: "t"): return 0x09
                case UInt8(ascii: "n"): return 0x0A
                case UInt8(ascii: "r"): return 0x0D
                default:
                    // escaped punctuation stands for itself; letters and digits are classes or back-references
                    let punct = (e >= 0x21 && e <= 0x2F) || (e >= 0x3A && e <= 0x40) || (e >= 0x5B && e <= 0x60) || (e >= 0x7B && e <= 0x7E)
                    return punct ? e : nil
                }
            }
            // (a "[" opens a POSIX class or a nested set: not this subset)
            guard c >= 0x20, c <= 0x7E, c != UInt8(ascii: "["), c != UInt8(ascii: "]") else { return nil }
            return c
        }
        while i < body.endIndex {
            guard let a = item() else { return nil }
            if i < body.endIndex, body[i] == UInt8(ascii: "-"), i + 1 < body.endIndex {
                i += 1
                guard let b = item(), a <= b else { return nil }
                ranges.append((a, b))
            } else {
                members.append(a)
            }
        }
        var low: UInt64 = 0, high: UInt64 = 0
        for (a, b) in ranges + members.map({ ($0, $0) }) {
            guard b < 0x80 else { return nil }
            for x in a...b { if x < 64 { low |= 1 << UInt64(x) } else { high |= 1 << UInt64(x - 64) } }
        }
        self.low = low; self.high = high
        needsOne = op == UInt8(ascii: "+")
    }

    static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x37
        case 0x61...0x66: return c - 0x57
        default: return nil
        }
    }

    /// True when the value `b` (UTF-8) matches for certain; nil when the
    /// `Regex` must tell.
    @inline(__always) func surelyMatches(_ b: UnsafeRawBufferPointer) -> Bool? {
        if needsOne && b.isEmpty { return nil }
        for c in b {
            guard c != 0x0D else { return nil }
            let inClass = c < 64 ? low >> UInt64(c) & 1 == 1 : c < 128 ? high >> UInt64(c - 64) & 1 == 1 : false
            if !inClass { return nil }
        }
        return true
    }
}
