import DcmDictionary

/// Whether a file's text leaves the Default Character Repertoire — the fact
/// that decides Specific Character Set's "Required if an expanded or
/// replacement character set is used" (PS3.3 C.12.1.1.2).
///
/// PS3.5 §6.1.2.3: Specific Character Set (0008,0005) applies to the values
/// of SH, LO, UC, ST, LT, UT and PN (`VR.usesSpecificCharacterSet`); without
/// it they are in the Default Character Repertoire, ISO-IR 6 (§6.1.2.1),
/// which has no byte above 7FH. A byte above 7FH means another (expanded or
/// replacement) character set, and an ESC (1BH) a code extension (§6.1.2.5.3,
/// ISO 2022): either means a character set other than the default is used.
/// The other VRs are limited to the default repertoire whatever the file
/// declares, and OB/UN values are bytes, not text: neither counts.
///
/// The reader computes it as it parses (`Parser.noteText`), while each
/// value's bytes are at hand; a data set built in memory computes it by a
/// walk (`DataSet.hasTextOutsideDefaultRepertoire`).
public enum TextRepertoire {
    /// Whether `count` bytes at `p` hold a byte above 7FH or an ESC (1BH).
    /// Eight bytes at a time: the high bits OR-ed together, and an ESC found
    /// as a zero byte of the word XOR 1B1B…1BH (the classic "has a zero byte"
    /// test, exact for "any": a borrow only follows a true zero; a byte with
    /// its high bit set never counts as zero, as `~x` clears its bit 7).
    @inline(__always)
    public static func leavesDefault(_ p: UnsafeRawPointer, count: Int) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let escs: UInt64 = 0x1B1B_1B1B_1B1B_1B1B
        var high: UInt64 = 0, esc: UInt64 = 0
        var i = 0
        while i + 8 <= count {
            let w = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let x = w ^ escs
            high |= w
            esc |= (x &- ones) & ~x
            i += 8
        }
        if (high | esc) & highs != 0 { return true }
        while i < count {
            let b = p.load(fromByteOffset: i, as: UInt8.self)
            if b >= 0x80 || b == 0x1B { return true }
            i += 1
        }
        return false
    }

    /// `leavesDefault` of a buffer.
    @inline(__always)
    public static func leavesDefault(_ b: UnsafeRawBufferPointer) -> Bool {
        guard let p = b.baseAddress else { return false }
        return leavesDefault(p, count: b.count)
    }

    /// Whether an element's value is one the fact looks at: a text VR that
    /// Specific Character Set applies to (PS3.5 §6.1.2.3), outside the File
    /// Meta Information (group 0002: PS3.10 §7.1, always the default
    /// repertoire, and not the data set's).
    @inline(__always)
    public static func counts(_ tag: Tag, _ vr: VR) -> Bool {
        vr.usesSpecificCharacterSet && tag.group != 0x0002
    }
}

extension DataSet {
    /// Whether a text value of this data set or of any item within it leaves
    /// the Default Character Repertoire (`TextRepertoire`): what the reader
    /// notes while parsing, for data sets built in memory (rule examples).
    public var hasTextOutsideDefaultRepertoire: Bool {
        for e in elements {
            if let items = e.items {
                if items.contains(where: \.hasTextOutsideDefaultRepertoire) { return true }
                continue
            }
            if TextRepertoire.counts(e.tag, e.vr), !e.flags.contains(.notLoaded), e.valueLength > 0,
               withValue(e, TextRepertoire.leavesDefault) { return true }
        }
        return false
    }
}
