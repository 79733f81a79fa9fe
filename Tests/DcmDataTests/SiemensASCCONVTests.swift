import XCTest
@testable import DcmData

/// The ASCCONV parser (Sources/DcmData/SiemensASCCONV.swift): its grammar,
/// and that truncated or garbage text is an error naming the line, never a
/// crash. (Agreement with nibabel on real protocols: Scripts/diff/ascconv_diff.py.)
final class SiemensASCCONVTests: XCTestCase {
    let sample = #"""
    <XProtocol> { <Name> "PhoenixMetaProtocol" }
    ### ASCCONV BEGIN object=MrProtDataImpl@MrProtocolData version=51130001 ###
    ulVersion                                = 0x14b44b6
    tProtocolName                            = ""t1+AF8-mprage""
    tEmpty                                   = """"
    sPat.lAccelFactPE                        = 2
    sPat.lAccelFact3D                        = 1
    sKSpace.dPhaseResolution                 = 0.9375
    sRXSPEC.alDwellTime[0]                   = 3900
    sRXSPEC.alDwellTime[2]                   = -7
    sSliceArray.asSlice[0].dThickness        = 1e-3   # a comment

    sSliceArray.ucMode                       = 0x4
    ### ASCCONV END ###
    trailing text
    """#

    func testParsesKeysValuesAndAttributes() throws {
        let a = try SiemensASCCONV(parsing: sample)
        XCTAssertEqual(a.attributes.map { "\($0.0)=\($0.1)" }, ["object=MrProtDataImpl@MrProtocolData", "version=51130001"])
        XCTAssertEqual(a["ulVersion"], .integer(0x14b44b6))
        XCTAssertEqual(a["tProtocolName"], .string("t1+AF8-mprage"))
        XCTAssertEqual(a["tEmpty"], .string(""))
        XCTAssertEqual(a["sPat.lAccelFactPE"]?.text, "2")
        XCTAssertEqual(a["sKSpace.dPhaseResolution"]?.number, 0.9375)
        XCTAssertEqual(a["sRXSPEC.alDwellTime[2]"], .integer(-7))
        XCTAssertEqual(a["sSliceArray.asSlice[0].dThickness"]?.number, 0.001)
        XCTAssertEqual(a["sSliceArray.ucMode"]?.text, "4")
        XCTAssertEqual(a.values(matching: "sRXSPEC.alDwellTime[*]").map(\.text), ["3900", "-7"])
        XCTAssertEqual(a.values(matching: "sSliceArray.asSlice[*].dThickness").count, 1)
        XCTAssertEqual(a.values(matching: "sPat[*]").count, 0)
        XCTAssertEqual(a.entries.count, 10)
    }

    func testErrorsNameTheLine() {
        func error(_ body: String, begin: String = "### ASCCONV BEGIN ###") -> SiemensASCCONV.Error? {
            do { _ = try SiemensASCCONV(parsing: begin + "\n" + body + "\n### ASCCONV END ###\n"); return nil }
            catch { return error }
        }
        XCTAssertEqual(error("a = 1\nb = zz")?.line, 3)
        XCTAssertEqual(error("a = 1\nb = zz")?.message, "value 'zz' is not a number or a string")
        XCTAssertNotNil(error("a.b = 1\na = 2"))            // a structure and a value
        XCTAssertNotNil(error("a[0] = 1\na.b = 2"))         // an array and a structure
        XCTAssertNotNil(error("a = \"\"open"))              // unterminated string
        XCTAssertNotNil(error("a. = 1"))
        XCTAssertNotNil(error("a[99999999] = 1"))
        XCTAssertNotNil(error("a = 1 2"))
        XCTAssertNotNil(error("= 1"))
        XCTAssertNotNil(error("a = 0xZZ"))
        XCTAssertNotNil(error("a = 1", begin: "### ASCCONV BEGIN x ###"))
        XCTAssertNil(error("a = 1\na = 2.5"))                 // reassigned: the last value
        XCTAssertEqual(try? SiemensASCCONV(parsing: "### ASCCONV BEGIN ###\na = 1\na = 2.5\n### ASCCONV END ###")["a"]?.text, "2.5")
        do { _ = try SiemensASCCONV(parsing: "no block here"); XCTFail("parsed") } catch { XCTAssertEqual(error.line, 0) }
    }

    /// Every prefix of a protocol (a truncated header value) parses or is an
    /// error — never a crash; only prefixes reaching the END line parse.
    func testTruncatedTextIsAnError() throws {
        let bytes = Array(sample.utf8)
        let end = try XCTUnwrap(sample.range(of: "### ASCCONV END ###")).upperBound.utf16Offset(in: sample)
        for n in 0..<bytes.count {
            let text = String(decoding: bytes[0..<n], as: UTF8.self)
            let parsed = (try? SiemensASCCONV(parsing: text)) != nil
            XCTAssertEqual(parsed, n >= end, "prefix of \(n) bytes")
        }
    }

    /// Garbage: random bytes overwritten, inserted or deleted (fixed seed).
    func testGarbageNeverCrashes() {
        var rng = SplitMix(seed: 6)
        let base = Array(sample.utf8)
        var parsed = 0, rejected = 0
        for _ in 0..<3000 {
            var b = base
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let i = Int(rng.next() % UInt64(b.count))
                switch rng.next() % 3 {
                case 0: b[i] = UInt8(truncatingIfNeeded: rng.next())
                case 1: b.insert(UInt8(truncatingIfNeeded: rng.next()), at: i)
                default: b.remove(at: i)
                }
            }
            if (try? SiemensASCCONV(parsing: String(decoding: b, as: UTF8.self))) != nil { parsed += 1 } else { rejected += 1 }
        }
        XCTAssertGreaterThan(parsed, 0)
        XCTAssertGreaterThan(rejected, 0)
    }

    func testBounds() {
        let long = "### ASCCONV BEGIN ###\n" + String(repeating: "a", count: 300) + " = 1\n### ASCCONV END ###"
        XCTAssertThrowsError(try SiemensASCCONV(parsing: long))
        let deep = "### ASCCONV BEGIN ###\n" + "a" + String(repeating: ".b[0]", count: 60) + " = 1\n### ASCCONV END ###"
        XCTAssertThrowsError(try SiemensASCCONV(parsing: deep))   // key longer than 256 characters
    }
}

