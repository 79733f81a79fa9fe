#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes a data set's values point into: one growable, contiguous buffer
/// shared by a file's top-level data set and every nested item.
///
/// Values are kept as ranges into this buffer and decoded on first use
/// (DESIGN.md item 1). The buffer only ever grows by appending, so ranges
/// handed out earlier stay valid; after parsing it is not mutated again.
public final class ByteStorage: @unchecked Sendable {
    @usableFromInline var base: UnsafeMutableRawPointer
    @usableFromInline var capacity: Int
    /// Number of valid bytes.
    public internal(set) var count: Int

    public init(capacity: Int = 0) {
        self.capacity = max(capacity, 16)
        self.base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 8)
        self.count = 0
    }

    public convenience init(bytes: [UInt8]) {
        self.init(capacity: bytes.count)
        append(bytes)
    }

    deinit { base.deallocate() }

    /// Makes room for at least `n` bytes in total.
    @usableFromInline func reserve(_ n: Int) {
        guard n > capacity else { return }
        var newCap = capacity
        while newCap < n { newCap = newCap &* 2 }
        let nb = UnsafeMutableRawPointer.allocate(byteCount: newCap, alignment: 8)
        nb.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = nb
        capacity = newCap
    }

    /// Appends bytes and returns the index of the first one.
    @discardableResult
    public func append(_ bytes: [UInt8]) -> Int {
        let start = count
        reserve(count + bytes.count)
        bytes.withUnsafeBytes { src in
            if let s = src.baseAddress { (base + count).copyMemory(from: s, byteCount: src.count) }
        }
        count += bytes.count
        return start
    }

    /// Appends `n` bytes written by `fill`, which returns how many it wrote.
    @usableFromInline func appendReading(upTo n: Int, _ fill: (UnsafeMutableRawPointer, Int) -> Int) -> Int {
        reserve(count + n)
        let got = fill(base + count, n)
        if got > 0 { count += got }
        return got
    }

    /// Drops bytes from `newCount` on (used when a large value is skipped).
    @usableFromInline func truncate(to newCount: Int) {
        if newCount < count { count = max(0, newCount) }
    }

    @inlinable public subscript(i: Int) -> UInt8 {
        base.load(fromByteOffset: i, as: UInt8.self)
    }

    @inlinable public func withBytes<R>(_ start: Int, _ length: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base + start, count: length))
    }

    public func bytes(_ start: Int, _ length: Int) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: base + start, count: length))
    }

    @inlinable func u16(_ i: Int, bigEndian: Bool) -> UInt16 {
        let v = base.loadUnaligned(fromByteOffset: i, as: UInt16.self)
        return bigEndian ? UInt16(bigEndian: v) : UInt16(littleEndian: v)
    }

    @inlinable func u32(_ i: Int, bigEndian: Bool) -> UInt32 {
        let v = base.loadUnaligned(fromByteOffset: i, as: UInt32.self)
        return bigEndian ? UInt32(bigEndian: v) : UInt32(littleEndian: v)
    }
}
