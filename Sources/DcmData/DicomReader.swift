#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DcmDictionary

/// Reads DICOM files: Part 10 files (preamble, `DICM`, File Meta Information,
/// PS3.10 §7.1) and raw data sets with neither, whose encoding is found by
/// looking at the first element. Never modifies a file.
public enum DicomReader {
    /// Reads the file at `path`. Throws only when nothing DICOM-like can be
    /// read; every lesser problem is an anomaly in the result.
    public static func read(path: String, options: ReadOptions = .default) throws -> DicomFile {
        let fd = OSPath.withCString(path) { open($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw ReadError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ReadError.ioError(reason: String(cString: strerror(errno)), offset: 0) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw ReadError.cannotOpen(path: path, reason: "is a directory") }
        if (st.st_mode & S_IFMT) == S_IFIFO || (st.st_mode & S_IFMT) == S_IFSOCK {
            // a pipe (`dump <(gunzip -c f.gz)`, /dev/stdin) has no size and
            // no offsets to read at: it was "empty file at offset 0". Read
            // to its end, then parse the bytes as a file held in memory.
            // (Not character devices: /dev/zero has no end.)
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ReadError.ioError(reason: String(cString: strerror(errno)), offset: bytes.count)
                }
                if n == 0 { break }
                bytes += chunk[0..<n]
            }
            var file = try read(bytes: bytes, options: options)
            file.path = path
            return file
        }
        let size = Int(st.st_size)
        let parser = Parser(fd: fd, fileSize: size, options: options)
        var file = try read(parser)
        file.path = path
        return file
    }

    /// Reads a DICOM file or data set held in memory.
    public static func read(bytes: [UInt8], options: ReadOptions = .default) throws -> DicomFile {
        try read(Parser(bytes: bytes, options: options))
    }

    static func read(_ p: Parser) throws -> DicomFile {
        guard p.fileSize > 0 else { throw ReadError.empty }
        _ = p.ensure(min(p.fileSize, p.options.initialReadSize))
        let s = p.storage
        var pos = 0
        var hasPreamble = false
        if s.count >= 132 && s[128] == 0x44 && s[129] == 0x49 && s[130] == 0x43 && s[131] == 0x4D {
            hasPreamble = true
            pos = 132
        } else if s.count >= 4 && s[0] == 0x44 && s[1] == 0x49 && s[2] == 0x43 && s[3] == 0x4D {
            p.anomaly(.noPreamble, at: 0, AttributeLocation(), "no 128-byte preamble before 'DICM'")
            pos = 4
        } else {
            p.anomaly(.noPreamble, at: 0, AttributeLocation(), "no preamble and no 'DICM' prefix: read as a raw data set")
        }

        // File Meta Information: always explicit VR little endian (PS3.10 §7.1).
        var meta = DataSet(storage: s)
        var ts: TransferSyntax? = nil
        if p.ensure(pos + 8) && s.u16(pos, bigEndian: false) == 0x0002 {
            p.explicitVR = VR(s[pos + 4], s[pos + 5]) != nil
            p.bigEndian = false
            if !p.explicitVR {
                p.anomaly(.metaInconsistent, at: pos, AttributeLocation(), "File Meta Information is not in explicit VR little endian")
            }
            let metaStart = pos
            let (m, r) = p.parseDataSet(from: pos, limit: nil, depth: 0, location: AttributeLocation(), charset: .default, metaOnly: true)
            meta = m
            pos = r.end
            checkMeta(p, meta, metaStart: metaStart, metaEnd: pos)
            if let e = meta[.transferSyntaxUID] {
                let uid = meta.string(e) ?? ""
                ts = TransferSyntax.forUID(uid)
                if !ts!.isKnown {
                    p.anomaly(.unknownTransferSyntax, at: metaStart, AttributeLocation(steps: [(.transferSyntaxUID, -1)]), "unknown transfer syntax '\(uid)', read as explicit VR little endian")
                }
            } else {
                p.anomaly(.metaInconsistent, at: metaStart, AttributeLocation(), "no Transfer Syntax UID (0002,0010) in the File Meta Information")
            }
        } else if hasPreamble || pos == 4 {
            p.anomaly(.missingMeta, at: pos, AttributeLocation(), "no File Meta Information after 'DICM'")
        } else {
            p.anomaly(.missingMeta, at: pos, AttributeLocation(), "no File Meta Information")
        }

        if p.stopped {
            return DicomFile(fileSize: p.fileSize, hasPreamble: hasPreamble, meta: meta, dataSet: DataSet(storage: s),
                             transferSyntax: ts ?? .explicitVRLittleEndian, anomalies: p.anomalies, textOutsideDefaultRepertoire: false)
        }

        var effective = ts ?? .explicitVRLittleEndian
        if effective.isDeflated {
            try inflate(p, from: pos)
        }
        // Look at the first element: is the data set encoded as declared?
        if let guess = guessEncoding(p, at: pos) {
            if ts == nil {
                effective = guess
            } else if guess.isExplicitVR != effective.isExplicitVR || guess.isBigEndian != effective.isBigEndian {
                p.anomaly(.transferSyntaxMismatch, at: pos, AttributeLocation(),
                          "data set is \(describe(guess)) but the transfer syntax says \(describe(effective))")
                // The encoding actually read, under its own UID; the declared one stays in `declaredTransferSyntax`.
                effective = TransferSyntax(uid: guess.uid, isExplicitVR: guess.isExplicitVR, isBigEndian: guess.isBigEndian,
                                           isDeflated: effective.isDeflated, isEncapsulated: effective.isEncapsulated, isKnown: true)
            }
        } else if p.available(from: pos) > 0 && ts == nil && meta.isEmpty {
            var hint = ""
            for skip in 1...3 where guessEncoding(p, at: pos + skip) != nil {
                hint = " (a data element starts at offset \(pos + skip): stray leading bytes?)"
                break
            }
            throw ReadError.notDicom(reason: "no DICM prefix and the first bytes are not a data element\(hint)", offset: 0)
        }
        p.explicitVR = effective.isExplicitVR
        p.bigEndian = effective.isBigEndian
        let (ds, _) = p.parseDataSet(from: pos, limit: nil, depth: 0, location: AttributeLocation(), charset: .default)
        if ds.isEmpty && meta.isEmpty {
            throw ReadError.notDicom(reason: "no data elements found", offset: p.fileOffset(pos))
        }
        var file = DicomFile(fileSize: p.fileSize, hasPreamble: hasPreamble, meta: meta, dataSet: ds,
                             transferSyntax: effective, anomalies: p.anomalies, pixelData: p.pixelData,
                             textOutsideDefaultRepertoire: p.textOutsideDefaultRepertoire)
        file.declaredTransferSyntax = ts
        return file
    }

    static func describe(_ t: TransferSyntax) -> String {
        (t.isExplicitVR ? "explicit VR " : "implicit VR ") + (t.isBigEndian ? "big endian" : "little endian")
    }

    /// Required elements, group length and the meta's own consistency (PS3.10 §7.1).
    static func checkMeta(_ p: Parser, _ meta: DataSet, metaStart: Int, metaEnd: Int) {
        if let gl = meta[.fileMetaGroupLength] {
            if gl.valueLength == 4 {
                let declared = Int(p.storage.u32(gl.valueStart, bigEndian: false))
                let actual = metaEnd - (gl.valueStart + 4)
                if declared != actual {
                    p.anomaly(.metaInconsistent, at: metaStart, AttributeLocation(steps: [(.fileMetaGroupLength, -1)]),
                              "File Meta Information Group Length is \(declared) but the group holds \(actual) bytes")
                }
            }
        } else {
            p.anomaly(.metaInconsistent, at: metaStart, AttributeLocation(), "no File Meta Information Group Length (0002,0000)")
        }
        // (a missing Transfer Syntax UID has its own anomaly, raised by the caller)
        for t in [Tag.mediaStorageSOPClassUID, .mediaStorageSOPInstanceUID] where meta[t] == nil {
            p.anomaly(.metaInconsistent, at: metaStart, AttributeLocation(steps: [(t, -1)]), "required File Meta element \(t) missing")
        }
    }

    /// Guesses explicit/implicit VR and byte order from the element at `pos`
    /// (what pydicom and dcmtk do for files without a usable transfer syntax):
    /// VR letters at bytes 4–5 mean explicit VR; the byte order is the one
    /// that gives the smaller group number (data sets start at low groups).
    static func guessEncoding(_ p: Parser, at pos: Int) -> TransferSyntax? {
        guard p.ensure(pos + 8) else { return nil }
        let s = p.storage
        let gLE = s.u16(pos, bigEndian: false), gBE = s.u16(pos, bigEndian: true)
        if VR(s[pos + 4], s[pos + 5]) != nil {
            return gBE < gLE ? .explicitVRBigEndian : .explicitVRLittleEndian
        }
        // implicit VR (always little endian): the group must be sane and the 32-bit length fit
        guard gLE <= 0x7FE0 || gLE == 0xFFFE else { return nil }
        let len = s.u32(pos + 4, bigEndian: false)
        if len != 0xFFFFFFFF && Int(len) > p.available(from: pos + 8) { return nil }
        if gLE > 0x00FF && gBE < gLE && gBE != 0 { return nil }  // more likely garbage
        return .implicitVRLittleEndian
    }

    /// Inflates the rest of a Deflated Explicit VR Little Endian file (PS3.5 §A.5)
    /// into storage, replacing the compressed bytes.
    static func inflate(_ p: Parser, from pos: Int) throws {
        // load every compressed byte
        _ = p.ensure(Int.max / 2)
        let compressedCount = p.storage.count - pos
        let compressed = p.storage.bytes(pos, compressedCount)
        p.storage.truncate(to: pos)
        let result = Deflate.inflate(compressed, limit: p.options.maxInflatedSize) { chunk in
            _ = p.storage.append(chunk)
        }
        p.fd = -1
        p.inflatedStart = pos
        switch result {
        case .ok: break
        case .truncated:
            p.anomaly(.deflate, at: pos, AttributeLocation(), "deflated data ends early")
        case .error(let msg):
            p.anomaly(.deflate, at: pos, AttributeLocation(), "inflate failed: \(msg)")
        case .limitExceeded:
            p.anomaly(.deflate, at: pos, AttributeLocation(), "inflated data exceeds \(p.options.maxInflatedSize) bytes; the rest is not read")
        }
    }
}

/// The system's read(2) (inside `DicomReader`, `read` names its own methods).
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buffer, count) }
