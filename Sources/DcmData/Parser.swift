#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DcmDictionary

/// Walks the bytes of one file (or one in-memory buffer) into a `DicomFile`.
///
/// One pass, front to back. Bytes come into a single growable `ByteStorage`
/// on demand: the first read is `initialReadSize`; longer headers grow it.
/// Every declared length is checked against the bytes that actually remain
/// before it is used (DESIGN.md item 1); every deviation becomes an `Anomaly`
/// (item 2). Large values that are skipped (Pixel Data) leave a gap in the
/// file that the storage does not hold: `segments` maps storage indices back
/// to file offsets for error reporting.
final class Parser {
    let storage: ByteStorage
    let options: ReadOptions
    /// -1 when reading from memory (everything already in `storage`).
    var fd: Int32
    let fileSize: Int
    /// File offset of the byte that would follow `storage`'s last byte.
    var nextFileOffset: Int
    /// (storage index, file offset − storage index) from that index on.
    var segments: [(start: Int, delta: Int)] = [(0, 0)]
    /// After inflating a deflated data set: storage index where the inflated stream begins.
    var inflatedStart: Int? = nil

    var explicitVR = true
    var bigEndian = false
    var anomalies: [Anomaly] = []
    var pixelData: PixelDataInfo?
    /// Whether a text value read so far leaves the default repertoire
    /// (`DicomFile.textOutsideDefaultRepertoire`, `noteText`).
    var textOutsideDefaultRepertoire = false
    /// Set when the rest of the input cannot be trusted (truncated, lost sync).
    var stopped = false
    /// Pixel Representation and Bits Allocated of the top-level data set, for
    /// implicit-VR multi-VR elements (PS3.5 Annex A.1 / PS3.6 "US or SS").
    var pixelRepresentation: UInt16 = 0
    /// While a UN value is read as items (`parseUNSequence`): the storage
    /// index of its end. The value is loaded whole, so a skip never drops
    /// loaded bytes; it goes no further than this.
    var skipLimit: Int? = nil
    var bitsAllocated: UInt16 = 16

    init(fd: Int32, fileSize: Int, options: ReadOptions) {
        self.fd = fd
        self.fileSize = fileSize
        self.options = options
        self.storage = ByteStorage(capacity: min(fileSize, options.initialReadSize) + 16)
        self.nextFileOffset = 0
    }

    init(bytes: [UInt8], options: ReadOptions) {
        self.fd = -1
        self.fileSize = bytes.count
        self.options = options
        self.storage = ByteStorage(bytes: bytes)
        self.nextFileOffset = bytes.count
    }

    // MARK: Bytes on demand

    /// Makes `storage` hold at least `end` bytes; false at end of input.
    @inline(__always) func ensure(_ end: Int) -> Bool {
        if end <= storage.count { return true }
        return load(end)
    }

    @inline(never) func load(_ end: Int) -> Bool {
        guard fd >= 0 else { return false }
        let remaining = fileSize - nextFileOffset
        if remaining <= 0 { return false }
        let need = end - storage.count
        if need > remaining { // cannot be satisfied: load the rest anyway for truncated values
            readFile(remaining)
            return false
        }
        let chunk = min(remaining, max(need, storage.count, options.initialReadSize))
        readFile(chunk)
        return end <= storage.count
    }

    private func readFile(_ n: Int) {
        let fd = self.fd
        var off = nextFileOffset
        _ = storage.appendReading(upTo: n) { ptr, n in
            var got = 0
            while got < n {
                let r = pread(fd, ptr + got, n - got, off_t(off))
                if r <= 0 {
                    if r < 0 && errno == EINTR { continue }
                    break
                }
                got += r
                off += r
            }
            return got
        }
        nextFileOffset = off
    }

    /// Bytes that exist from storage index `i` to the end of the input.
    @inline(__always) func available(from i: Int) -> Int {
        let more = fd >= 0 ? fileSize - nextFileOffset : 0
        return storage.count - i + more
    }

    /// File offset of storage index `i` (or offset in the inflated stream).
    @inline(__always) func fileOffset(_ i: Int) -> Int {
        if let s = inflatedStart { return i - s }
        if segments.count == 1 { return i }
        var d = 0
        for seg in segments where seg.start <= i { d = seg.delta }
        return i + d
    }

    /// Continues at file offset `target` from storage index `at`, without
    /// reading the bytes in between. Returns the storage index to go on from.
    func skip(from at: Int, toFile target: Int) -> Int {
        if let s = inflatedStart { return min(target + s, storage.count) }
        let idx = target - segments.last!.delta
        if let limit = skipLimit { return min(idx, limit) }
        if fd < 0 || idx <= storage.count {
            return min(idx, storage.count + max(0, fileSize - nextFileOffset))
        }
        storage.truncate(to: at)
        nextFileOffset = min(target, fileSize)
        segments.append((at, nextFileOffset - at))
        return at
    }

    /// Eight bytes at a file offset, from storage if loaded, else by pread
    /// without loading (used to walk Pixel Data fragments).
    func header8(atFile off: Int) -> (UInt16, UInt16, UInt32)? {
        let idx = inflatedStart.map { off + $0 } ?? (off - segments.last!.delta)
        if idx >= 0 && idx + 8 <= storage.count {
            return (storage.u16(idx, bigEndian: bigEndian), storage.u16(idx + 2, bigEndian: bigEndian), storage.u32(idx + 4, bigEndian: bigEndian))
        }
        guard fd >= 0, inflatedStart == nil, off + 8 <= fileSize else { return nil }
        var b = (UInt64(0))
        let r = withUnsafeMutableBytes(of: &b) { pread(fd, $0.baseAddress, 8, off_t(off)) }
        guard r == 8 else { return nil }
        return withUnsafeBytes(of: b) { p in
            let g = p.loadUnaligned(fromByteOffset: 0, as: UInt16.self)
            let e = p.loadUnaligned(fromByteOffset: 2, as: UInt16.self)
            let l = p.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
            return bigEndian ? (UInt16(bigEndian: g), UInt16(bigEndian: e), UInt32(bigEndian: l))
                             : (UInt16(littleEndian: g), UInt16(littleEndian: e), UInt32(littleEndian: l))
        }
    }

    func anomaly(_ kind: Anomaly.Kind, at i: Int, _ loc: AttributeLocation, _ detail: String) {
        anomalies.append(Anomaly(kind, offset: fileOffset(i), path: loc, detail, inflated: inflatedStart != nil && i >= inflatedStart!))
    }

    // MARK: Data sets

    struct DataSetEnd {
        var end: Int
        var sawItemDelimiter: Bool
    }

    /// Parses elements from `start` until `limit` (a defined-length item), an
    /// Item Delimitation Item (an undefined-length item), the end of the input,
    /// or — for the file meta — the first element outside group 0002.
    func parseDataSet(from start: Int, limit: Int?, depth: Int, location: AttributeLocation,
                      charset inherited: SpecificCharacterSet, metaOnly: Bool = false) -> (DataSet, DataSetEnd) {
        var ds = DataSet(storage: storage, isBigEndian: bigEndian, characterSet: inherited)
        var elements: [Element] = []
        elements.reserveCapacity(depth == 0 ? 96 : 8)
        var charset = inherited
        var pos = start
        var lastTag: UInt32 = 0
        /// A Group Length element waiting for the end of its group: (group, declared, first byte after it).
        var pendingGroupLength: (UInt16, Int, Int, Int)? = nil
        /// Private Creator elements seen so far in this data set: (tag, index in `elements`).
        var creators: [(tag: UInt32, creator: String)] = []
        var sorted = true
        var sawDelimiter = false
        let inItem = depth > 0

        while !stopped {
            if let limit, pos >= limit {
                if pos > limit { anomaly(.lengthPastEnd, at: limit, location, "element runs \(pos - limit) bytes past the end of its item") }
                break
            }
            guard ensure(pos + 8) else {
                let left = available(from: pos)
                if left > 0 {
                    if depth == 0 && limit == nil && !looksLikeTagStart(pos, left, after: lastTag) {
                        // a few stray bytes after the last element
                        anomaly(.trailingBytes, at: pos, location, "\(left) byte(s) after the last element")
                    } else {
                        anomaly(.truncated, at: pos, location, "file ends inside an element header")
                    }
                } else if inItem && limit == nil {
                    anomaly(.truncated, at: pos, location, "file ends inside an item of undefined length")
                } else if let limit, pos < limit {
                    anomaly(.truncated, at: pos, location, "file ends \(limit - pos) byte(s) before the end of the item")
                }
                if left > 0 || inItem { stopped = true }
                break
            }
            let elementStart = pos
            let group = storage.u16(pos, bigEndian: bigEndian)
            let elem = storage.u16(pos + 2, bigEndian: bigEndian)
            let tag = Tag(group, elem)
            if metaOnly && group != 0x0002 { break }
            if tag.raw == 0 && depth == 0 && !metaOnly && isZeroToEnd(pos) {
                // zero padding after the data set (seen in the wild): one anomaly, not hundreds of empty elements
                anomaly(.trailingBytes, at: pos, location, "\(available(from: pos)) zero byte(s) after the last element")
                pos += available(from: pos)
                break
            }

            if group == 0xFFFE {
                if tag == .itemDelimitation {
                    if inItem && limit == nil {
                        sawDelimiter = true
                        pos += 8
                        break
                    }
                    anomaly(.badItem, at: pos, location, "Item Delimitation Item outside an item of undefined length")
                    pos += 8
                    continue
                }
                if tag == .sequenceDelimitation && inItem && limit == nil {
                    anomaly(.badItem, at: pos, location, "Sequence Delimitation Item where an Item Delimitation Item was expected")
                    break   // the sequence parser consumes it
                }
                anomaly(.badItem, at: pos, location, "unexpected \(tag) in a data set")
                if tag == .sequenceDelimitation || tag == .itemDelimitation { pos += 8; continue }
                // An Item belongs in a sequence (PS3.5 §7.5). One of defined
                // length that fits where it stands is skipped whole and the
                // elements after it are read (as pydicom does): stopping lost
                // every later element of the data set. Undefined length: no
                // end to find, so the read stops.
                let n = storage.u32(pos + 4, bigEndian: bigEndian)
                if tag == .itemTag && n != 0xFFFF_FFFF && Int(n) <= available(from: pos + 8) && (limit.map { pos + 8 + Int(n) <= $0 } ?? true) {
                    pos = skip(from: pos + 8, toFile: fileOffset(pos + 8) + Int(n))
                    continue
                }
                stopped = true
                break
            }

            // VR and length (PS3.5 §7.1.2 explicit, §7.1.3 implicit).
            var vr: VR
            var length: UInt32
            var headerLength = 8
            var flags: Element.Flags = []
            /// The explicit VR field says UN (not an unknown VR read as UN).
            var wireUN = false
            let b4 = storage[pos + 4], b5 = storage[pos + 5]
            if explicitVR {
                if let v = VR(b4, b5) {
                    vr = v
                    wireUN = v == .UN
                    if v != .UN && !tag.isPrivate && group != 0xFFFE, let entry = DataDictionary.entry(for: tag),
                       entry.vr != nil, entry.vr != v, !entry.hasSeveralVRs || !entry.vrs.contains(v) {
                        anomaly(.vrMismatch, at: pos, location.appending(tag), "explicit VR \(v) but the dictionary says \(entry.vrs.map(\.description).joined(separator: " or "))")
                    }
                    if v.hasLongExplicitLength {
                        guard ensure(pos + 12) else {
                            anomaly(.truncated, at: pos, location.appending(tag), "file ends inside an element header")
                            stopped = true
                            break
                        }
                        length = storage.u32(pos + 8, bigEndian: bigEndian)
                        headerLength = 12
                    } else {
                        length = UInt32(storage.u16(pos + 6, bigEndian: bigEndian))
                    }
                } else if isUpper(b4) && isUpper(b5) {
                    // An unknown VR: PS3.5 §6.2 — read with the 32-bit length form, as UN.
                    anomaly(.invalidVR, at: pos, location.appending(tag), "unknown VR '\(String(decoding: [b4, b5], as: UTF8.self))', read as UN")
                    guard ensure(pos + 12) else { stopped = true; break }
                    vr = .UN
                    length = storage.u32(pos + 8, bigEndian: bigEndian)
                    headerLength = 12
                } else {
                    // Implicit VR element in an explicit VR data set.
                    length = storage.u32(pos + 4, bigEndian: bigEndian)
                    vr = dictionaryVR(tag, elements: elements, creators: creators) ?? .UN
                    flags.insert(.vrFromDictionary)
                    anomaly(.implicitInExplicit, at: pos, location.appending(tag), "no VR in an explicit VR data set; VR \(vr) taken from the dictionary")
                }
            } else {
                length = storage.u32(pos + 4, bigEndian: bigEndian)
                if let dv = dictionaryVR(tag, elements: elements, creators: creators) {
                    vr = dv
                } else {
                    vr = .UN
                }
                flags.insert(.vrFromDictionary)
                // Explicit VR element in an implicit VR data set: VR letters
                // where the length should be, and that length makes no sense.
                if let ev = VR(b4, b5), length != 0xFFFFFFFF, explicitFits(pos, ev, implicitLength: length, group: group) {
                    vr = ev
                    flags.remove(.vrFromDictionary)
                    if ev.hasLongExplicitLength {
                        if ensure(pos + 12) { length = storage.u32(pos + 8, bigEndian: bigEndian); headerLength = 12 }
                    } else {
                        length = UInt32(storage.u16(pos + 6, bigEndian: bigEndian))
                    }
                    anomaly(.explicitInImplicit, at: pos, location.appending(tag), "explicit VR \(ev) in an implicit VR data set")
                }
            }

            let valueStart = pos + headerLength
            let fileOff = fileOffset(elementStart)
            let undefined = length == 0xFFFFFFFF
            if undefined { flags.insert(.undefinedLength) }

            // Order and duplicates (PS3.5 §7.1: ascending, each tag once).
            if !elements.isEmpty {
                if tag.raw == lastTag {
                    anomaly(.duplicateTag, at: elementStart, location.appending(tag), "tag \(tag) appears more than once")
                } else if tag.raw < lastTag {
                    anomaly(.outOfOrder, at: elementStart, location.appending(tag), "tag \(tag) after \(Tag(raw: lastTag))")
                    sorted = false
                }
            }
            if tag.raw > lastTag { lastTag = tag.raw }
            if let (g, declared, from, at) = pendingGroupLength, g != group {
                // (gggg,0000) Group Length (retired outside group 0002, PS3.5 §7.2) must match
                if declared != elementStart - from {
                    anomaly(.groupLength, at: at, location.appending(Tag(g, 0)), "Group Length says \(declared) bytes but group \(hex4(g)) holds \(elementStart - from)")
                }
                pendingGroupLength = nil
            }
            if tag.isPrivate && elem > 0x00FF {
                // PS3.5 §7.8.1: a private data element needs its block's creator.
                let ct = UInt32(group) << 16 | UInt32(elem >> 8)
                if !creators.contains(where: { $0.tag == ct }) {
                    anomaly(.privateWithoutCreator, at: elementStart, location.appending(tag),
                            "private element \(tag) without a Private Creator \(Tag(raw: ct))")
                }
            }

            // Explicit VR UN of a tag whose VR the dictionary knows (PS3.5
            // §6.2.2 Note 2: its value is that VR's, little endian, implicit VR):
            // typed with it, as pydicom does. A sequence's items are read below;
            // binary values of a big endian data set stay UN (the storage's
            // byte order is the data set's; UN bytes are not swapped), and so
            // do values too long to load (UN is bulk data: not loaded).
            var unSequenceTrial = false
            if wireUN && !undefined && group != 0xFFFE,
               let known = dictionaryVR(tag, elements: elements, creators: creators), known != .UN {
                if known == .SQ {
                    unSequenceTrial = true
                } else if (!bigEndian || known.isString || known.binaryValueSize <= 1) && Int(length) <= options.maxLoadedValueLength {
                    vr = known
                    flags.insert(.explicitUN)
                }
            }

            var element = Element(tag: tag, vr: vr, flags: flags, declaredLength: length, fileOffset: fileOff, valueStart: valueStart, valueLength: 0)

            if unSequenceTrial {
                if depth >= options.maxSequenceDepth {
                    anomaly(.depthLimit, at: elementStart, location.appending(tag), "sequences nested deeper than \(options.maxSequenceDepth); UN value not read as items")
                } else if let items = parseUNSequence(valueStart: valueStart, length: Int(length), depth: depth, location: location.appending(tag), charset: charset) {
                    element.vr = .SQ
                    element.flags.formUnion([.unAsSequence, .explicitUN])
                    element.items = items
                    pos = valueStart + Int(length)
                    elements.append(element)
                    continue
                }
                // else: its bytes, as UN
            }

            let isPixel = depth == 0 && group == 0x7FE0 && (elem == 0x0010 || elem == 0x0008 || elem == 0x0009)
            if isPixel && (options.stopBeforePixelData || undefined) {
                pos = handlePixelData(&element, valueStart: valueStart, location: location.appending(tag))
                elements.append(element)
                continue
            }

            let isSequence = vr == .SQ || (undefined && (vr == .UN || flags.contains(.vrFromDictionary)))
            if isSequence {
                if depth >= options.maxSequenceDepth {
                    anomaly(.depthLimit, at: elementStart, location.appending(tag), "sequences nested deeper than \(options.maxSequenceDepth); contents not read")
                    if undefined {
                        elements.append(element)
                        guard let after = skipUndefinedLength(from: valueStart) else {
                            anomaly(.truncated, at: valueStart, location.appending(tag), "file ends inside a sequence of undefined length")
                            stopped = true
                            break
                        }
                        pos = after
                        continue
                    }
                    let avail = available(from: valueStart)
                    pos = valueStart + min(Int(length), avail)
                    elements.append(element)
                    continue
                }
                // UN of undefined length holds an implicit VR little endian sequence (PS3.5 §6.2.2).
                let switchToImplicit = vr == .UN
                let savedExplicit = explicitVR, savedBig = bigEndian
                if switchToImplicit {
                    element.flags.insert(.unAsSequence)
                    if wireUN { element.flags.insert(.explicitUN) }
                    explicitVR = false; bigEndian = false
                }
                var end: Int? = nil
                if !undefined {
                    let avail = available(from: valueStart)
                    if Int(length) > avail {
                        anomaly(.lengthPastEnd, at: elementStart, location.appending(tag), "sequence length \(length) but only \(avail) bytes left")
                        end = valueStart + avail
                    } else {
                        end = valueStart + Int(length)
                    }
                }
                let (items, after) = parseSequence(from: valueStart, end: end, depth: depth + 1, location: location.appending(tag), charset: charset)
                if switchToImplicit { explicitVR = savedExplicit; bigEndian = savedBig }
                element.items = items
                // Read as a sequence: present it as one (dcmtk and pydicom do the same).
                if undefined && vr != .SQ { element.vr = .SQ }
                pos = after
                elements.append(element)
                continue
            }

            if undefined {
                // Only SQ, UN and encapsulated Pixel Data (also in an Icon Image
                // Sequence item, PS3.5 §A.4) may have undefined length.
                if !(group == 0x7FE0 && elem == 0x0010) {
                    anomaly(.undefinedLengthNotAllowed, at: elementStart, location.appending(tag), "undefined length on a \(vr) element; read as encapsulated fragments")
                }
                pos = handlePixelData(&element, valueStart: valueStart, location: location.appending(tag), recordInfo: false)
                elements.append(element)
                continue
            }

            var len = Int(length)
            if len & 1 == 1 {
                anomaly(.oddLength, at: elementStart, location.appending(tag), "odd value length \(len)")
            }
            let avail = available(from: valueStart)
            if len > avail {
                anomaly(.lengthPastEnd, at: elementStart, location.appending(tag), "value length \(len) but only \(avail) bytes left in the file")
                len = avail
                element.flags.insert(.truncated)
                stopped = true
            }
            if len > options.maxLoadedValueLength && vr.isBulk {
                anomaly(.valueNotLoaded, at: elementStart, location.appending(tag), "value of \(len) bytes not loaded")
                element.flags.insert(.notLoaded)
                pos = skip(from: valueStart, toFile: fileOffset(valueStart) + len)
                element.valueLength = 0
                elements.append(element)
                continue
            }
            _ = ensure(valueStart + len)
            element.valueLength = len
            pos = valueStart + len

            if elem == 0 && group != 0x0002 && len == 4 {
                pendingGroupLength = (group, Int(storage.u32(valueStart, bigEndian: bigEndian)), pos, elementStart)
            }
            if depth == 0 && group == 0x0028 {
                if elem == 0x0103, len >= 2 { pixelRepresentation = storage.u16(valueStart, bigEndian: bigEndian) }
                if elem == 0x0100, len >= 2 { bitsAllocated = storage.u16(valueStart, bigEndian: bigEndian) }
            }
            if tag.isPrivateCreator {
                creators.append((tag.raw, DataSet.creatorString(storage, element)))
            }
            if tag == .specificCharacterSet {
                charset = SpecificCharacterSet(terms: decodeCharsetTerms(valueStart, len))
            }
            noteText(tag, vr, valueStart, len)
            // a fresh value rather than `element`: saves a non-trivial copy on the hot path
            elements.append(Element(tag: tag, vr: vr, flags: element.flags, declaredLength: length,
                                    fileOffset: fileOff, valueStart: valueStart, valueLength: len))
        }

        ds.elements = elements
        ds.isSorted = sorted
        ds.characterSet = charset
        return (ds, DataSetEnd(end: pos, sawItemDelimiter: sawDelimiter))
    }

    /// Notes whether a loaded value leaves the default repertoire (PS3.5
    /// §6.1.2.3, `TextRepertoire`): scanned once, while its bytes are in
    /// storage, and only until the first such value of the file.
    @inline(__always) func noteText(_ tag: Tag, _ vr: VR, _ valueStart: Int, _ length: Int) {
        guard !textOutsideDefaultRepertoire, length > 0, TextRepertoire.counts(tag, vr) else { return }
        textOutsideDefaultRepertoire = TextRepertoire.leavesDefault(storage.base + valueStart, count: length)
    }

    /// A defined-length UN value whose tag the dictionary gives the VR SQ,
    /// read as a sequence of implicit VR little endian items (PS3.5 §6.2.2
    /// Note 2; pydicom does the same). `nil` when the bytes are not items
    /// ending exactly at the value's end (then only a `bad-item` anomaly is
    /// recorded, and the caller keeps the value as UN bytes), when the value
    /// runs past the end of the input or is too long to load (the caller
    /// records that as for any value).
    func parseUNSequence(valueStart: Int, length: Int, depth: Int, location: AttributeLocation, charset: SpecificCharacterSet) -> [DataSet]? {
        guard length <= available(from: valueStart), length <= options.maxLoadedValueLength,
              ensure(valueStart + length) else { return nil }
        let end = valueStart + length
        let mark = anomalies.count
        let savedText = textOutsideDefaultRepertoire
        let saved = (explicitVR, bigEndian, skipLimit)
        explicitVR = false; bigEndian = false
        // the whole value is loaded: skips inside it stay inside storage
        skipLimit = end
        let (items, after) = parseSequence(from: valueStart, end: end, depth: depth + 1, location: location, charset: charset)
        (explicitVR, bigEndian, skipLimit) = saved
        let broken = anomalies[mark...].contains { a in
            switch a.kind {
            case .badItem, .lengthPastEnd, .truncated, .trailingBytes, .undefinedLengthNotAllowed: return true
            default: return false
            }
        }
        if !stopped && after == end && !broken { return items }
        anomalies.removeSubrange(mark...)
        textOutsideDefaultRepertoire = savedText   // the value stays UN bytes: not text
        stopped = false
        anomaly(.badItem, at: valueStart, location, "UN value of a sequence (VR SQ in the dictionary) is not implicit VR little endian items ending at its length \(length) (PS3.5 §6.2.2); kept as UN bytes")
        return nil
    }

    /// The items of a sequence of defined (`end`) or undefined length.
    func parseSequence(from start: Int, end: Int?, depth: Int, location: AttributeLocation, charset: SpecificCharacterSet) -> ([DataSet], Int) {
        var items: [DataSet] = []
        var pos = start
        while !stopped {
            if let end, pos >= end { break }
            guard ensure(pos + 8) else {
                anomaly(.truncated, at: pos, location, end == nil ? "file ends inside a sequence of undefined length" : "file ends inside a sequence")
                stopped = true
                break
            }
            let tag = Tag(storage.u16(pos, bigEndian: bigEndian), storage.u16(pos + 2, bigEndian: bigEndian))
            let len = storage.u32(pos + 4, bigEndian: bigEndian)
            if tag == .sequenceDelimitation {
                pos += 8
                if end == nil { break }
                anomaly(.badItem, at: pos - 8, location, "Sequence Delimitation Item in a sequence of defined length")
                continue
            }
            guard tag == .itemTag else {
                anomaly(.badItem, at: pos, location, "expected an item, found \(tag)")
                if let end { pos = end } else { stopped = true }
                break
            }
            let itemLoc = AttributeLocation(steps: location.steps.dropLast() + [(location.steps.last!.tag, items.count)])
            let itemStart = pos + 8
            if len == 0xFFFFFFFF {
                let (ds, r) = parseDataSet(from: itemStart, limit: nil, depth: depth, location: itemLoc, charset: charset)
                items.append(ds)
                pos = r.end
            } else {
                var itemEnd = itemStart + Int(len)
                let avail = available(from: itemStart)
                if Int(len) > avail {
                    anomaly(.lengthPastEnd, at: pos, itemLoc, "item length \(len) but only \(avail) bytes left")
                    itemEnd = itemStart + avail
                }
                if let end, itemEnd > end {
                    anomaly(.lengthPastEnd, at: pos, itemLoc, "item runs \(itemEnd - end) bytes past the end of its sequence")
                    itemEnd = end
                }
                let (ds, r) = parseDataSet(from: itemStart, limit: itemEnd, depth: depth, location: itemLoc, charset: charset)
                items.append(ds)
                pos = max(r.end, itemEnd)
            }
        }
        return (items, pos)
    }

    /// Records Pixel Data (or another undefined-length binary value) without
    /// loading it: for encapsulated data, walks the fragment items (PS3.5
    /// §A.4) reading only their 8-byte headers. Returns where to go on.
    func handlePixelData(_ element: inout Element, valueStart: Int, location: AttributeLocation, recordInfo: Bool = true) -> Int {
        element.flags.insert(.notLoaded)
        let valueFile = fileOffset(valueStart)
        var info = PixelDataInfo(tag: element.tag, vr: element.vr, fileOffset: element.fileOffset, valueOffset: valueFile, declaredLength: element.declaredLength, fragments: nil)
        var endFile: Int
        let totalSize = inflatedStart != nil ? (storage.count - inflatedStart!) : fileSize
        if element.declaredLength == 0xFFFFFFFF {
            var fragments: [Fragment] = []
            var off = valueFile
            var closed = false
            while let (g, e, len) = header8(atFile: off) {
                let t = Tag(g, e)
                if t == .sequenceDelimitation { off += 8; closed = true; break }
                guard t == .itemTag, len != 0xFFFFFFFF else {
                    anomaly(.badItem, at: valueStart, location, "expected a fragment item at offset \(off), found \(t)")
                    break
                }
                if off + 8 + Int(len) > totalSize {
                    anomaly(.lengthPastEnd, at: valueStart, location, "fragment \(fragments.count) of \(len) bytes runs past the end of the file")
                    off = totalSize
                    break
                }
                fragments.append(Fragment(fileOffset: off + 8, length: Int(len)))
                off += 8 + Int(len)
            }
            if !closed {
                if off >= totalSize || header8(atFile: off) == nil {
                    anomaly(.truncated, at: valueStart, location, "encapsulated data ends without a Sequence Delimitation Item")
                }
                stopped = true
            }
            info.fragments = fragments
            endFile = off
        } else {
            endFile = valueFile + Int(element.declaredLength)
            if endFile > totalSize {
                anomaly(.lengthPastEnd, at: valueStart, location, "value length \(element.declaredLength) but only \(totalSize - valueFile) bytes left in the file")
                element.flags.insert(.truncated)
                endFile = totalSize
            }
        }
        if recordInfo && pixelData == nil { pixelData = info }
        return skip(from: valueStart, toFile: min(endFile, totalSize))
    }

    /// Every byte from `pos` to the end of the input is zero.
    func isZeroToEnd(_ pos: Int) -> Bool {
        let n = available(from: pos)
        guard n > 0, n <= 1 << 20, ensure(pos + n) else { return false }
        return storage.withBytes(pos, n) { b in !b.contains { $0 != 0 } }
    }

    /// In an implicit VR data set, bytes 4–5 of an element spell a VR: is it
    /// really an explicit VR element? Yes when the explicit reading lands on a
    /// plausible next element (or the end) and the implicit one does not.
    func explicitFits(_ pos: Int, _ ev: VR, implicitLength: UInt32, group: UInt16) -> Bool {
        var explicitEnd: Int
        if ev.hasLongExplicitLength {
            guard ensure(pos + 12) else { return false }
            let l = storage.u32(pos + 8, bigEndian: bigEndian)
            if l == 0xFFFFFFFF { return ev == .SQ || ev == .UN }
            explicitEnd = pos + 12 + Int(l)
        } else {
            explicitEnd = pos + 8 + Int(storage.u16(pos + 6, bigEndian: bigEndian))
        }
        let implicitEnd = pos + 8 + Int(implicitLength)
        func plausible(_ at: Int) -> Bool {
            let left = available(from: at)
            if left == 0 { return true }
            guard left >= 8, ensure(at + 8) else { return false }
            let g = storage.u16(at, bigEndian: bigEndian)
            return (g >= group && g <= 0x7FE0) || g == 0xFFFE || (g >= group && g & 1 == 1)
        }
        if implicitEnd > pos + 8 + available(from: pos + 8) { return plausible(explicitEnd) || explicitEnd <= pos + available(from: pos) }
        return plausible(explicitEnd) && !plausible(implicitEnd)
    }

    /// Whether the `left` (< 8) bytes at `pos` look like the start of another
    /// element header (a tag at or after the last one), not padding.
    func looksLikeTagStart(_ pos: Int, _ left: Int, after lastTag: UInt32) -> Bool {
        _ = ensure(pos + left)
        if (0..<left).allSatisfy({ storage[pos + $0] == 0 }) { return false }
        guard left >= 2 else { return false }
        let g = UInt32(storage.u16(pos, bigEndian: bigEndian))
        return g >= lastTag >> 16 && g <= 0xFFFE
    }

    /// Finds the end of an undefined-length value without building it (used
    /// past the depth limit): walks element and item headers iteratively,
    /// counting open undefined-length sequences and items, until the
    /// matching Sequence Delimitation Item. `nil` when the input ends first.
    func skipUndefinedLength(from start: Int) -> Int? {
        var pos = start
        var open = 1
        while open > 0 {
            guard ensure(pos + 8) else { return nil }
            let g = storage.u16(pos, bigEndian: bigEndian), e = storage.u16(pos + 2, bigEndian: bigEndian)
            if g == 0xFFFE {
                let len = storage.u32(pos + 4, bigEndian: bigEndian)
                pos += 8
                switch e {
                case 0xE000: if len == 0xFFFFFFFF { open += 1 } else { pos += Int(len) }
                case 0xE00D, 0xE0DD: open -= 1
                default: return nil
                }
                continue
            }
            var len: UInt32
            var header = 8
            if explicitVR, let v = VR(storage[pos + 4], storage[pos + 5]) {
                if v.hasLongExplicitLength {
                    guard ensure(pos + 12) else { return nil }
                    len = storage.u32(pos + 8, bigEndian: bigEndian); header = 12
                } else {
                    len = UInt32(storage.u16(pos + 6, bigEndian: bigEndian))
                }
            } else {
                len = storage.u32(pos + 4, bigEndian: bigEndian)
            }
            pos += header
            if len == 0xFFFFFFFF { open += 1 } else {
                guard Int(len) <= available(from: pos) else { return nil }
                pos = skip(from: pos, toFile: fileOffset(pos) + Int(len))
            }
        }
        return pos
    }

    /// The VR for an implicit VR element: the private dictionary for private
    /// elements (through their creator), PS3.6 otherwise; multi-VR entries
    /// resolved as PS3.5 Annex A.1 and pydicom do.
    func dictionaryVR(_ tag: Tag, elements: [Element], creators: [(tag: UInt32, creator: String)]) -> VR? {
        if tag.element == 0 { return .UL }
        if tag.isPrivate {
            if tag.isPrivateCreator { return .LO }
            guard let ct = tag.privateCreatorTag,
                  let ci = creators.last(where: { $0.tag == ct.raw }) else { return nil }
            let creator = ci.creator
            guard let pe = PrivateDictionary.entry(creator: creator, group: tag.group, elementByte: UInt8(tag.element & 0xFF)),
                  let first = pe.vrs.first else { return nil }
            return resolveMultiVR(tag, pe.vrs, first)
        }
        guard let entry = DataDictionary.entry(for: tag), let first = entry.vr else { return nil }
        if !entry.hasSeveralVRs { return first }
        return resolveMultiVR(tag, entry.vrs, first)
    }

    func resolveMultiVR(_ tag: Tag, _ vrs: [VR], _ first: VR) -> VR {
        if vrs.count == 1 { return first }
        if vrs.contains(.OB) && vrs.contains(.OW) {
            if tag == .pixelData { return bitsAllocated > 8 ? .OW : .OB }
            return .OW
        }
        if vrs.contains(.US) && vrs.contains(.SS) { return pixelRepresentation == 1 ? .SS : .US }
        if vrs.contains(.US) && vrs.contains(.OW) { return .US }
        return first
    }

    func decodeCharsetTerms(_ start: Int, _ len: Int) -> [String] {
        storage.withBytes(start, len) { buf in
            String(decoding: buf, as: UTF8.self).split(separator: "\\", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: " \0") }
        }
    }
}

@inline(__always) func isUpper(_ b: UInt8) -> Bool { b >= 0x41 && b <= 0x5A }

extension DataSet {
    static func creatorString(_ storage: ByteStorage, _ e: Element) -> String {
        storage.withBytes(e.valueStart, e.valueLength) { buf in
            var lo = 0, hi = buf.count
            while hi > lo, buf[hi - 1] == 0x20 || buf[hi - 1] == 0 { hi -= 1 }
            while lo < hi, buf[lo] == 0x20 { lo += 1 }
            return String(decoding: UnsafeRawBufferPointer(rebasing: buf[lo..<hi]), as: UTF8.self)
        }
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
