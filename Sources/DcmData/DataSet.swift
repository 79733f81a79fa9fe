import DcmDictionary

/// One data element as read (PS3.5 §7.1): its tag, VR, declared length and
/// where its value lies in the shared `ByteStorage`. The value is decoded on
/// demand through the owning `DataSet`.
public struct Element: Sendable {
    public struct Flags: OptionSet, Sendable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        /// The VR came from the dictionary (implicit VR), not from the file.
        public static let vrFromDictionary = Flags(rawValue: 1)
        /// The value was not loaded (Pixel Data, or a value too large to keep).
        public static let notLoaded = Flags(rawValue: 2)
        /// The file ended before the declared length.
        public static let truncated = Flags(rawValue: 4)
        /// Encoded with undefined length (0xFFFFFFFF).
        public static let undefinedLength = Flags(rawValue: 8)
        /// UN read as an implicit VR little endian sequence (PS3.5 §6.2.2):
        /// of undefined length, or of defined length when the dictionary
        /// gives the tag the VR SQ. `vr` is then SQ.
        public static let unAsSequence = Flags(rawValue: 16)
        /// The file gave the element the explicit VR UN and the reader typed
        /// it with the VR the public or private dictionary gives the tag
        /// (`vr`), reading its value as that VR — little endian, implicit VR
        /// inside a sequence (PS3.5 §6.2.2 Note 2), as pydicom does. Checks of
        /// the VR written in the file (`vr: dictionary`, `vr: [UN]`) see UN;
        /// the writer writes UN again.
        public static let explicitUN = Flags(rawValue: 32)
    }

    public var tag: Tag
    public var vr: VR
    public var flags: Flags
    /// The length field as written (0xFFFFFFFF for undefined length).
    public var declaredLength: UInt32
    /// Offset of the element's first header byte in the file (or inflated stream).
    public var fileOffset: Int
    /// Index of the value's first byte in the data set's storage.
    public var valueStart: Int
    /// Number of value bytes present in storage.
    public var valueLength: Int
    /// Items of a sequence (SQ, or UN of undefined length).
    public var items: [DataSet]?

    public init(tag: Tag, vr: VR, flags: Flags = [], declaredLength: UInt32, fileOffset: Int, valueStart: Int, valueLength: Int, items: [DataSet]? = nil) {
        self.tag = tag; self.vr = vr; self.flags = flags; self.declaredLength = declaredLength
        self.fileOffset = fileOffset; self.valueStart = valueStart; self.valueLength = valueLength; self.items = items
    }

    @inlinable public var isSequence: Bool { items != nil }

    /// The VR as written in the file: UN for an element the reader typed
    /// from the dictionary (`explicitUN`), else `vr`.
    @inlinable public var fileVR: VR { flags.contains(.explicitUN) ? .UN : vr }
}

/// Encapsulated Pixel Data fragments (PS3.5 §A.4): counted, sized, skipped.
public struct Fragment: Sendable, Equatable {
    public var fileOffset: Int
    public var length: Int
}

/// Where Pixel Data (or Float/Double Float Pixel Data) is, when the reader
/// stopped before it rather than reading it.
public struct PixelDataInfo: Sendable {
    public var tag: Tag
    public var vr: VR
    public var fileOffset: Int
    /// Value offset in the file and declared length (0xFFFFFFFF when encapsulated).
    public var valueOffset: Int
    public var declaredLength: UInt32
    /// For encapsulated pixel data: the Basic Offset Table item followed by the fragments.
    public var fragments: [Fragment]?
    public var isEncapsulated: Bool { fragments != nil }
}

/// A data set: elements in file order, their values as ranges into shared storage.
///
/// Value semantics: copying a `DataSet` shares the storage, which is never
/// modified in place once read (the builder only appends).
public struct DataSet: Sendable {
    /// The data set's fields behind one reference, copied on write: a copy of
    /// a data set (the rules engine makes one for every value it tests) costs
    /// one reference count, not one per field.
    @usableFromInline final class Box: @unchecked Sendable {
        @exclusivity(unchecked) @usableFromInline var elements: [Element]
        @exclusivity(unchecked) @usableFromInline var storage: ByteStorage
        @exclusivity(unchecked) @usableFromInline var isBigEndian: Bool
        @exclusivity(unchecked) @usableFromInline var characterSet: SpecificCharacterSet
        @exclusivity(unchecked) @usableFromInline var isSorted: Bool
        init(elements: [Element], storage: ByteStorage, isBigEndian: Bool, characterSet: SpecificCharacterSet, isSorted: Bool) {
            self.elements = elements; self.storage = storage; self.isBigEndian = isBigEndian
            self.characterSet = characterSet; self.isSorted = isSorted
        }
        func copy() -> Box {
            Box(elements: elements, storage: storage, isBigEndian: isBigEndian, characterSet: characterSet, isSorted: isSorted)
        }
    }
    @usableFromInline var box: Box

    @inline(__always) @usableFromInline mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&box) { box = box.copy() }
    }

    public var elements: [Element] {
        @inline(__always) _read { yield box.elements }
        @inline(__always) _modify { makeUnique(); yield &box.elements }
    }
    public internal(set) var storage: ByteStorage {
        @inline(__always) get { box.storage }
        set { makeUnique(); box.storage = newValue }
    }
    /// Binary values in storage are big-endian (Explicit VR Big Endian).
    public var isBigEndian: Bool {
        @inline(__always) get { box.isBigEndian }
        set { makeUnique(); box.isBigEndian = newValue }
    }
    /// The character set in effect for this data set's text values
    /// (its own (0008,0005), or the enclosing data set's, PS3.5 §6.1.2.3).
    public var characterSet: SpecificCharacterSet {
        @inline(__always) get { box.characterSet }
        set { makeUnique(); box.characterSet = newValue }
    }
    /// Whether `elements` is in ascending tag order (then lookups are binary searches).
    public var isSorted: Bool {
        @inline(__always) get { box.isSorted }
        set { makeUnique(); box.isSorted = newValue }
    }

    public init(storage: ByteStorage = ByteStorage(), isBigEndian: Bool = false, characterSet: SpecificCharacterSet = .default) {
        box = Box(elements: [], storage: storage, isBigEndian: isBigEndian, characterSet: characterSet, isSorted: true)
    }

    public var count: Int { elements.count }
    public var isEmpty: Bool { elements.isEmpty }

    /// Whether `other` is this data set (a copy of it, sharing its fields),
    /// not merely an equal one.
    @inlinable public func isSame(as other: DataSet) -> Bool { box === other.box }

    /// Index of the first element with `tag`.
    public func index(of tag: Tag) -> Int? {
        if isSorted {
            var lo = 0, hi = elements.count
            while lo < hi {
                let mid = (lo + hi) >> 1
                if elements[mid].tag.raw < tag.raw { lo = mid + 1 } else { hi = mid }
            }
            return lo < elements.count && elements[lo].tag == tag ? lo : nil
        }
        return elements.firstIndex { $0.tag == tag }
    }

    public subscript(tag: Tag) -> Element? {
        guard let i = index(of: tag) else { return nil }
        return elements[i]
    }

    /// The Private Creator (PS3.5 §7.8.1) that reserves the block of a private
    /// element `(gggg,xxee)`: the value of `(gggg,00xx)` in this data set.
    public func privateCreator(of tag: Tag) -> String? {
        guard let ct = tag.privateCreatorTag, let e = self[ct] else { return nil }
        return creatorString(e)
    }

    /// A creator value, trimmed of padding (leading and trailing spaces and NULs).
    func creatorString(_ e: Element) -> String { DataSet.creatorString(storage, e) }

    /// Finds `(group, "creator", elementByte)` — a private element by its
    /// creator string, the way vendors document them.
    public func privateElement(group: UInt16, creator: String, elementByte: UInt8) -> Element? {
        let want = creator.trimmingTrailing()
        // Only the creator elements (gggg,0010-00FF) that are present are looked at.
        for e in elements where e.tag.group == group && e.tag.isPrivateCreator {
            if creatorString(e) == want { return self[Tag(group, e.tag.element << 8 | UInt16(elementByte))] }
        }
        return nil
    }

    /// The raw value bytes of an element (in the file's byte order).
    public func valueBytes(_ e: Element) -> [UInt8] {
        storage.bytes(e.valueStart, e.valueLength)
    }
}

extension String {
    func trimmingTrailing() -> String {
        var s = Substring(self)
        while let l = s.last, l == " " || l == "\0" { s = s.dropLast() }
        while let f = s.first, f == " " { s = s.dropFirst() }
        return String(s)
    }
}

/// A DICOM file as read: the preamble/meta/data set structure of PS3.10 §7.
public struct DicomFile: Sendable {
    public var path: String?
    public var fileSize: Int
    /// 128-byte preamble and `DICM` prefix present (PS3.10 §7.1).
    public var hasPreamble: Bool
    /// File Meta Information (group 0002), empty when the file has none.
    public var meta: DataSet
    public var dataSet: DataSet
    /// The transfer syntax the data set was actually read with.
    public var transferSyntax: TransferSyntax
    /// The transfer syntax (0002,0010) names, when there is one; differs from
    /// `transferSyntax` when the data set is not encoded as declared.
    public var declaredTransferSyntax: TransferSyntax?
    public var anomalies: [Anomaly]
    /// Pixel Data that the reader stopped at (or skipped).
    public var pixelData: PixelDataInfo?
    /// Whether a value of SH, LO, UC, ST, LT, UT or PN in the data set (items
    /// included) holds a byte above 7FH or an ESC: a character set other than
    /// the default is used (PS3.5 §6.1.2.3, `TextRepertoire`). Noted by the
    /// reader as it parses; set it again after changing text values.
    public var textOutsideDefaultRepertoire: Bool

    /// `textOutsideDefaultRepertoire` nil: computed from `dataSet`.
    public init(path: String? = nil, fileSize: Int = 0, hasPreamble: Bool = true, meta: DataSet, dataSet: DataSet, transferSyntax: TransferSyntax,
                anomalies: [Anomaly] = [], pixelData: PixelDataInfo? = nil, textOutsideDefaultRepertoire: Bool? = nil) {
        self.path = path; self.fileSize = fileSize; self.hasPreamble = hasPreamble; self.meta = meta
        self.dataSet = dataSet; self.transferSyntax = transferSyntax; self.anomalies = anomalies; self.pixelData = pixelData
        self.textOutsideDefaultRepertoire = textOutsideDefaultRepertoire ?? dataSet.hasTextOutsideDefaultRepertoire
    }
}
