/// What the reader reads and how far it goes.
public struct ReadOptions: Sendable {
    /// Stop before Pixel Data, Float Pixel Data and Double Float Pixel Data at
    /// the top level: record where they are and how long, skip their bytes,
    /// and go on with any elements after them.
    public var stopBeforePixelData: Bool = true
    /// Sequences nested deeper than this become a `depth-limit` anomaly.
    public var maxSequenceDepth: Int = 64
    /// Bytes read on the first read; the buffer grows only for longer headers.
    public var initialReadSize: Int = 4 * 1024
    /// Binary (OB/OW/UN…) values longer than this are recorded but not loaded.
    public var maxLoadedValueLength: Int = 256 << 20
    /// Upper bound on a deflated data set's inflated size (a zip bomb guard).
    public var maxInflatedSize: Int = 2 << 30

    public init() {}

    public static let `default` = ReadOptions()
}

/// Why a file could not be read at all. Everything less severe is an `Anomaly`.
public enum ReadError: Error, Sendable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case ioError(reason: String, offset: Int)
    case empty
    case notDicom(reason: String, offset: Int)

    public var description: String {
        switch self {
        case let .cannotOpen(_, r): return "cannot open: \(r)"
        case let .ioError(r, o): return "read error: \(r) at offset \(o)"
        case .empty: return "empty file at offset 0"
        case let .notDicom(r, o): return "not a DICOM file: \(r) at offset \(o)"
        }
    }

    /// The byte offset the error refers to.
    public var offset: Int {
        switch self {
        case .cannotOpen, .empty: return 0
        case let .ioError(_, o), let .notDicom(_, o): return o
        }
    }
}
