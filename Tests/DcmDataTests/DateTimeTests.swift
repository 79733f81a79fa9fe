import XCTest
import DcmDictionary
@testable import DcmData

/// DA, TM, DT (PS3.5 Table 6.2-1).
final class DateTimeTests: XCTestCase {
    func testDAValid() throws {
        let d = try XCTUnwrap(DicomDate(parsing: "19930822"))
        XCTAssertEqual([d.year, d.month, d.day], [1993, 8, 22])
        XCTAssertEqual(d.description, "19930822")
        XCTAssertNotNil(DicomDate(parsing: "20241231"))
        XCTAssertNotNil(DicomDate(parsing: "00010101"))
    }

    /// Gregorian leap years: divisible by 4, except centuries not divisible by 400.
    func testDAFebruary29() {
        XCTAssertNotNil(DicomDate(parsing: "20240229"))
        XCTAssertNotNil(DicomDate(parsing: "20000229"))
        XCTAssertNotNil(DicomDate(parsing: "16000229"))
        XCTAssertNil(DicomDate(parsing: "20230229"))
        XCTAssertNil(DicomDate(parsing: "19000229"))
        XCTAssertNil(DicomDate(parsing: "21000229"))
        XCTAssertNil(DicomDate(parsing: "20240230"))
        XCTAssertEqual(DicomDate.daysIn(month: 2, year: 2024), 29)
        XCTAssertEqual(DicomDate.daysIn(month: 2, year: 1900), 28)
        XCTAssertEqual(DicomDate.daysIn(month: 4, year: 2023), 30)
        XCTAssertEqual(DicomDate.daysIn(month: 12, year: 2023), 31)
    }

    func testDAInvalid() {
        for s in ["", "2024", "202401", "2024011", "202401011", "20241301", "20240001", "20240100", "20240431",
                  "2024-01-01", "2024/01/01", "20240a01", " 20240101", "２０２４０１０１", "-2024010"] {
            XCTAssertNil(DicomDate(parsing: s), "DA '\(s)'")
        }
    }

    /// ACR-NEMA 2.0 `YYYY.MM.DD` (retired, PS3.5 Table 6.2-1 note).
    func testDAACRNEMADotted() throws {
        let d = try XCTUnwrap(DicomDate(parsing: "1993.08.22"))
        XCTAssertEqual([d.year, d.month, d.day], [1993, 8, 22])
        XCTAssertNil(DicomDate(parsing: "1993.02.29"))
        XCTAssertNil(DicomDate(parsing: "1993.8.22"))
        XCTAssertNil(DicomDate(parsing: "1993.0822."))
        XCTAssertNil(DicomDate(parsing: "19930.8.22"))
    }

    func testDAOrdering() throws {
        let a = try XCTUnwrap(DicomDate(parsing: "20231231")), b = try XCTUnwrap(DicomDate(parsing: "20240101"))
        XCTAssertLessThan(a, b)
        XCTAssertEqual(DicomDate(parsing: "2024.01.01"), b)
    }

    func testTMValid() throws {
        var t = try XCTUnwrap(DicomTime(parsing: "070907.0705"))
        XCTAssertEqual([t.hour, t.minute, t.second, t.microsecond], [7, 9, 7, 70500])
        t = try XCTUnwrap(DicomTime(parsing: "1010"))
        XCTAssertEqual([t.hour, t.minute, t.second, t.microsecond], [10, 10, 0, 0])
        t = try XCTUnwrap(DicomTime(parsing: "21"))
        XCTAssertEqual([t.hour, t.minute, t.second, t.microsecond], [21, 0, 0, 0])
        t = try XCTUnwrap(DicomTime(parsing: "235959.999999"))
        XCTAssertEqual([t.hour, t.minute, t.second, t.microsecond], [23, 59, 59, 999_999])
        t = try XCTUnwrap(DicomTime(parsing: "000000.000001"))
        XCTAssertEqual(t.microsecond, 1)
        // a leap second is allowed: SS is 00–60 (PS3.5 Table 6.2-1)
        XCTAssertEqual(DicomTime(parsing: "235960")?.second, 60)
    }

    func testTMInvalid() {
        for s in ["", "1", "123", "12345", "1234567", "240000", "126000", "120061", "12:3", "1a0000", "1200.5",
                  "120000.1234567", "120000.12a", "-10000", " 120000"] {
            XCTAssertNil(DicomTime(parsing: s), "TM '\(s)'")
        }
    }

    /// "HHMMSS." has a FFFFFF part of zero digits; PS3.5 wants one to six.
    func testTMEmptyFraction() throws {
        if DicomTime(parsing: "120000.") != nil {
            return XCTFail("regression (bug fixed earlier) (not strict, DateTime.swift promises strict parsing): TM '120000.' accepted (fraction of zero digits; PS3.5 Table 6.2-1 wants 1–6)")
        }
    }

    /// ACR-NEMA `HH:MM:SS` (retired).
    func testTMACRNEMAColons() throws {
        let t = try XCTUnwrap(DicomTime(parsing: "07:09:07"))
        XCTAssertEqual([t.hour, t.minute, t.second], [7, 9, 7])
        XCTAssertEqual(DicomTime(parsing: "07:09")?.minute, 9)
        XCTAssertNil(DicomTime(parsing: "7:09:07"))
    }

    func testTMOrdering() throws {
        XCTAssertLessThan(try XCTUnwrap(DicomTime(parsing: "120000.5")), try XCTUnwrap(DicomTime(parsing: "120000.500001")))
        XCTAssertLessThan(try XCTUnwrap(DicomTime(parsing: "0959")), try XCTUnwrap(DicomTime(parsing: "10")))
    }

    func testDTValid() throws {
        var dt = try XCTUnwrap(DicomDateTime(parsing: "20240229143005.123456+0130"))
        XCTAssertEqual([dt.year, dt.month, dt.day], [2024, 2, 29])
        XCTAssertEqual(dt.time, DicomTime(parsing: "143005.123456"))
        XCTAssertEqual(dt.utcOffsetMinutes, 90)

        dt = try XCTUnwrap(DicomDateTime(parsing: "2024"))
        XCTAssertEqual([dt.year, dt.month, dt.day], [2024, 1, 1])
        XCTAssertNil(dt.time)
        XCTAssertNil(dt.utcOffsetMinutes)

        dt = try XCTUnwrap(DicomDateTime(parsing: "202402"))
        XCTAssertEqual([dt.year, dt.month, dt.day], [2024, 2, 1])

        dt = try XCTUnwrap(DicomDateTime(parsing: "2024022914"))
        XCTAssertEqual(dt.time?.hour, 14)
        XCTAssertEqual(dt.time?.minute, 0)

        // offsets: "&ZZXX", & = + or -; with any precision of the date
        XCTAssertEqual(DicomDateTime(parsing: "20240229-0500")?.utcOffsetMinutes, -300)
        XCTAssertEqual(DicomDateTime(parsing: "2024-1200")?.utcOffsetMinutes, -720)
        XCTAssertEqual(DicomDateTime(parsing: "20240229120000+1400")?.utcOffsetMinutes, 840)
        XCTAssertEqual(DicomDateTime(parsing: "20240229120000+0000")?.utcOffsetMinutes, 0)
        XCTAssertEqual(DicomDateTime(parsing: "19991231235960")?.time?.second, 60)
    }

    func testDTInvalid() {
        for s in ["", "202", "20230229", "2024022", "20241301", "202402291", "2024022914305", "20240229143000.1234567",
                  "2024.5", "20240229+01", "20240229+0160", "20240229+1500", "20240229 120000", "2024-02-29"] {
            XCTAssertNil(DicomDateTime(parsing: s), "DT '\(s)'")
        }
    }

    /// PS3.5 Table 6.2-1: the offset range is −1200 to +1400.
    func testDTOffsetBelowMinus12() throws {
        if DicomDateTime(parsing: "20240229120000-1400") != nil {
            return XCTFail("regression (bug fixed earlier) (not strict, DateTime.swift promises strict parsing): DT offset -1400 accepted (PS3.5 Table 6.2-1: &ZZXX from -1200 to +1400)")
        }
    }

    /// Dates read from a data set: the value as stored, trailing padding removed.
    func testDatesFromDataSet() throws {
        var b = Bytes()
        b.explicit(0x0008, 0x0020, "DA", "20240229")
        b.explicit(0x0008, 0x0030, "TM", "101010.5 ")
        b.explicit(0x0008, 0x002A, "DT", "20240229101010+0100")  // (0008,002A) Acquisition DateTime
        let f = try readBytes(b.bytes)
        XCTAssertEqual(f.dataSet.string(Tag(0x0008, 0x0020)).flatMap(DicomDate.init(parsing:))?.day, 29)
        XCTAssertEqual(f.dataSet.string(Tag(0x0008, 0x0030)).flatMap(DicomTime.init(parsing:))?.microsecond, 500_000)
        XCTAssertEqual(f.dataSet.string(Tag(0x0008, 0x002A)).flatMap(DicomDateTime.init(parsing:))?.utcOffsetMinutes, 60)
    }
}
