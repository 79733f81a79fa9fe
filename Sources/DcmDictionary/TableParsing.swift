// Parsing of the generated tables in Generated/ (see Scripts/gen_dictionary.py).
//
// The tables are multi-line string literals, one record per line, fields separated
// by `|`. They are parsed once, on first use, straight from the literal's UTF-8
// bytes; nothing here is on the per-lookup path.

/// One line of a generated table: its fields as byte ranges into the table.
struct TableRecord {
    let base: UnsafeBufferPointer<UInt8>
    var fields: [Range<Int>] = []

    var count: Int { fields.count }

    func bytes(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: base[fields[i]])
    }

    func string(_ i: Int) -> String {
        String(decoding: bytes(i), as: UTF8.self)
    }

    func isEmpty(_ i: Int) -> Bool { fields[i].isEmpty }

    /// The first byte of a line: `@` opens a creator block in the private table.
    var firstByte: UInt8? { fields.first.flatMap { $0.isEmpty ? nil : base[$0.lowerBound] } }
}

/// Calls `body` for every non-empty line of `table`.
func forEachRecord(in table: String, _ body: (TableRecord) -> Void) {
    var text = table
    text.withUTF8 { buf in
        var record = TableRecord(base: buf)
        record.fields.reserveCapacity(8)
        var lineStart = 0, fieldStart = 0, i = 0
        let n = buf.count
        while i <= n {
            let c: UInt8 = i < n ? buf[i] : 0x0A
            if c == 0x7C /* | */ {
                record.fields.append(fieldStart..<i)
                fieldStart = i + 1
            } else if c == 0x0A /* \n */ {
                if i > lineStart {
                    record.fields.append(fieldStart..<i)
                    body(record)
                }
                record.fields.removeAll(keepingCapacity: true)
                lineStart = i + 1
                fieldStart = i + 1
            }
            i += 1
        }
    }
}

/// Parses hexadecimal digits in which `X` (or `x`) stands for a wildcard digit.
/// Returns the value with wildcard digits as 0 and a mask with their bits clear.
func parseHexPattern(_ bytes: UnsafeBufferPointer<UInt8>) -> (value: UInt32, mask: UInt32)? {
    var value: UInt32 = 0, mask: UInt32 = 0
    for b in bytes {
        let digit: UInt32
        switch b {
        case 0x30...0x39: digit = UInt32(b - 0x30)
        case 0x41...0x46: digit = UInt32(b - 0x41 + 10)
        case 0x61...0x66: digit = UInt32(b - 0x61 + 10)
        case 0x58, 0x78:  // X, x
            value <<= 4; mask <<= 4
            continue
        default: return nil
        }
        value = value << 4 | digit
        mask = mask << 4 | 0xF
    }
    return (value, mask)
}

/// Interns the small `[VR]` arrays so that thousands of entries share a few buffers.
struct VRListCache {
    private var cache: [UInt64: [VR]] = [:]

    /// Parses `US/SS/OW` (empty for items and delimiters).
    mutating func vrs(_ bytes: UnsafeBufferPointer<UInt8>) -> [VR] {
        // Up to 8 bytes ("US/SS/OW") pack exactly into the key; longer lists are not cached.
        var key: UInt64 = 0
        for b in bytes { key = key << 8 | UInt64(b) }
        let cacheable = bytes.count <= 8
        if cacheable, let hit = cache[key] { return hit }
        var list: [VR] = []
        var i = 0
        while i + 1 < bytes.count {
            if let vr = VR(bytes[i], bytes[i + 1]) { list.append(vr) }
            i += 3  // two letters and a '/'
        }
        if cacheable { cache[key] = list }
        return list
    }
}

/// A parsed Value Multiplicity (PS3.5 §6.4): `1`, `1-3`, `1-n`, `2-2n`, `3-3n` ...
struct ParsedVM {
    var min: Int, max: Int?, step: Int

    init(_ vm: String) {
        let parts = vm.split(separator: "-", maxSplits: 1)
        let lo = parts.first.flatMap { Int($0) } ?? 1
        min = lo; max = lo; step = 1
        guard parts.count == 2 else { return }
        let hi = parts[1]
        if hi.hasSuffix("n") {
            max = nil
            // "1-n" and "2-n": any count from min; "2-2n", "3-3n": multiples of k.
            let k = hi.dropLast()
            step = k.isEmpty ? 1 : (Int(k) ?? 1)
        } else {
            max = Int(hi) ?? lo
        }
    }
}

/// Interns VM strings and their parse: the tables use a few dozen distinct VMs.
struct VMCache {
    private var cache: [UInt64: Int32] = [:]
    /// The distinct VMs, in order of first appearance.
    private(set) var list: [(text: String, parsed: ParsedVM)] = []

    /// The index in `list` of the VM spelt by `bytes`.
    mutating func index(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        var key: UInt64 = 0
        for b in bytes { key = key << 8 | UInt64(b) }
        let cacheable = bytes.count <= 8
        if cacheable, let hit = cache[key] { return hit }
        let text = String(decoding: bytes, as: UTF8.self)
        list.append((text, ParsedVM(text)))
        let i = Int32(list.count - 1)
        if cacheable { cache[key] = i }
        return i
    }

    mutating func vm(_ bytes: UnsafeBufferPointer<UInt8>) -> String { list[Int(index(bytes))].text }
}

/// Bytes equal to the ASCII `string`.
func bytesEqual(_ bytes: UnsafeBufferPointer<UInt8>, _ string: StaticString) -> Bool {
    guard bytes.count == string.utf8CodeUnitCount else { return false }
    let s = string.utf8Start
    for i in 0..<bytes.count where bytes[i] != s[i] { return false }
    return true
}

/// A fixed open-addressing hash table from 32-bit keys to entry indices, built once.
/// Faster than `[UInt32: Int]` on the hot path: one multiply, one shift, usually one probe.
@usableFromInline struct TagIndexTable: Sendable {
    @usableFromInline let keys: [UInt32]
    @usableFromInline let values: [Int32]  // -1: empty slot
    @usableFromInline let shift: UInt32
    @usableFromInline let slotMask: Int

    init(_ pairs: [(UInt32, Int32)]) {
        var bits: UInt32 = 4
        while (1 << bits) < pairs.count * 2 { bits += 1 }  // load factor ≤ 0.5
        let size = 1 << Int(bits)
        var keys = [UInt32](repeating: 0, count: size)
        var values = [Int32](repeating: -1, count: size)
        shift = 32 - bits
        slotMask = size - 1
        for (k, v) in pairs {
            var h = Int((k &* 0x9E37_79B1) >> shift)
            while values[h] >= 0 && keys[h] != k { h = (h + 1) & slotMask }
            if values[h] < 0 { keys[h] = k; values[h] = v }  // first one wins
        }
        self.keys = keys
        self.values = values
    }

    @inlinable @inline(__always) func lookup(_ k: UInt32) -> Int? {
        var h = Int((k &* 0x9E37_79B1) >> shift)
        return keys.withUnsafeBufferPointer { kb in
            values.withUnsafeBufferPointer { vb in
                while true {
                    let v = vb[h]
                    if v < 0 { return nil }
                    if kb[h] == k { return Int(v) }
                    h = (h + 1) & slotMask
                }
            }
        }
    }
}
