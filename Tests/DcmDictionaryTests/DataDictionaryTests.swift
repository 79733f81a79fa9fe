import DcmDictionary
import XCTest

final class DataDictionaryTests: XCTestCase {
    func testSourceNamesPydicomAndEdition() {
        XCTAssertEqual(DataDictionary.source, "pydicom 3.0.2 (DICOM 2024c)")
        XCTAssertEqual(DataDictionary.edition, "2024c")
    }

    func testCounts() {
        // pydicom 3.0.2: 5091 elements and 88 repeating-group patterns.
        XCTAssertEqual(DataDictionary.elementCount, 5091)
        XCTAssertEqual(DataDictionary.repeatingGroupPatternCount, 88)
        XCTAssertEqual(DataDictionary.allEntries.count, 5091 + 88)
        // 423 retired elements and 72 retired patterns.
        XCTAssertEqual(DataDictionary.allEntries.filter(\.isRetired).count, 423 + 72)
    }

    func testPatientName() throws {
        let e = try XCTUnwrap(DataDictionary.entry(for: Tag(0x0010, 0x0010)))
        XCTAssertEqual(e.tag, Tag(0x0010, 0x0010))
        XCTAssertEqual(e.mask, 0xFFFF_FFFF)
        XCTAssertEqual(e.vrs, [.PN])
        XCTAssertEqual(e.vr, .PN)
        XCTAssertEqual(e.vm, "1")
        XCTAssertEqual(e.vmMin, 1)
        XCTAssertEqual(e.vmMax, 1)
        XCTAssertEqual(e.vmStep, 1)
        XCTAssertEqual(e.name, "Patient's Name")
        XCTAssertEqual(e.keyword, "PatientName")
        XCTAssertFalse(e.isRetired)
        XCTAssertEqual(e.tagPattern, "(0010,0010)")
        XCTAssertEqual(DataDictionary.tag(forKeyword: "PatientName"), Tag(0x0010, 0x0010))
    }

    func testMultiVR() throws {
        let e = try XCTUnwrap(DataDictionary.entry(for: Tag(0x0028, 0x0106)))
        XCTAssertEqual(e.keyword, "SmallestImagePixelValue")
        XCTAssertEqual(e.vrs, [.US, .SS])
        XCTAssertEqual(e.vr, .US)
        XCTAssertEqual(DataDictionary.entry(for: .pixelData)?.vrs, [.OB, .OW])
        // pydicom 3.0.2 has one "US or SS or OW" and one "US or OW" entry.
        XCTAssertEqual(DataDictionary.allEntries.filter { $0.vrs == [.US, .SS, .OW] }.count, 1)
        XCTAssertEqual(DataDictionary.allEntries.filter { $0.vrs == [.US, .OW] }.count, 1)
    }

    func testItemsAndDelimitersHaveNoVR() throws {
        for tag in [Tag.itemTag, .itemDelimitation, .sequenceDelimitation] {
            let e = try XCTUnwrap(DataDictionary.entry(for: tag), "\(tag)")
            XCTAssertEqual(e.vrs, [], "\(tag)")
            XCTAssertNil(e.vr)
        }
        XCTAssertEqual(DataDictionary.entry(for: .itemTag)?.keyword, "Item")
    }

    func testVMParsing() throws {
        let imageType = try XCTUnwrap(DataDictionary.entry(forKeyword: "ImageType"))
        XCTAssertEqual(imageType.vm, "2-n")
        XCTAssertEqual(imageType.vmMin, 2)
        XCTAssertNil(imageType.vmMax)
        XCTAssertEqual(imageType.vmStep, 1)
        XCTAssertFalse(imageType.allowsValueCount(1))
        XCTAssertTrue(imageType.allowsValueCount(5))

        let pixelSpacing = try XCTUnwrap(DataDictionary.entry(forKeyword: "PixelSpacing"))
        XCTAssertEqual(pixelSpacing.vm, "2")
        XCTAssertEqual(pixelSpacing.vmMin, 2)
        XCTAssertEqual(pixelSpacing.vmMax, 2)
        XCTAssertFalse(pixelSpacing.allowsValueCount(3))

        let iop = try XCTUnwrap(DataDictionary.entry(forKeyword: "ImageOrientationPatient"))
        XCTAssertEqual(iop.vm, "6")
        XCTAssertEqual(iop.vmMin, 6)

        // "2-2n": an even number of values, at least 2.
        let twoTwoN = try XCTUnwrap(DataDictionary.allEntries.first { $0.vm == "2-2n" })
        XCTAssertEqual(twoTwoN.vmMin, 2)
        XCTAssertNil(twoTwoN.vmMax)
        XCTAssertEqual(twoTwoN.vmStep, 2)
        XCTAssertTrue(twoTwoN.allowsValueCount(4))
        XCTAssertFalse(twoTwoN.allowsValueCount(3))

        let threeThreeN = try XCTUnwrap(DataDictionary.allEntries.first { $0.vm == "3-3n" })
        XCTAssertEqual(threeThreeN.vmStep, 3)
        XCTAssertTrue(threeThreeN.allowsValueCount(6))
        XCTAssertFalse(threeThreeN.allowsValueCount(4))

        let oneToThree = try XCTUnwrap(DataDictionary.allEntries.first { $0.vm == "1-3" })
        XCTAssertEqual(oneToThree.vmMin, 1)
        XCTAssertEqual(oneToThree.vmMax, 3)
        XCTAssertFalse(oneToThree.allowsValueCount(4))

        let oneN = try XCTUnwrap(DataDictionary.entry(forKeyword: "OtherPatientIDs"))
        XCTAssertEqual(oneN.vm, "1-n")
        XCTAssertEqual(oneN.vmMin, 1)
        XCTAssertNil(oneN.vmMax)

        // Every VM parses to something consistent.
        for e in DataDictionary.allEntries {
            XCTAssertGreaterThanOrEqual(e.vmMin, 1, e.description)
            if let max = e.vmMax { XCTAssertGreaterThanOrEqual(max, e.vmMin, e.description) }
            XCTAssertGreaterThanOrEqual(e.vmStep, 1, e.description)
        }
    }

    func testOverlayRepeatingGroup() throws {
        let e0 = try XCTUnwrap(DataDictionary.entry(for: Tag(0x6000, 0x3000)))
        let e2 = try XCTUnwrap(DataDictionary.entry(for: Tag(0x6002, 0x3000)))
        let e1E = try XCTUnwrap(DataDictionary.entry(for: Tag(0x601E, 0x3000)))
        for e in [e0, e2, e1E] {
            XCTAssertEqual(e.keyword, "OverlayData")
            XCTAssertEqual(e.vrs, [.OB, .OW])
            XCTAssertEqual(e.tag, Tag(0x6000, 0x3000))
            XCTAssertEqual(e.mask, 0xFF00_FFFF)
            XCTAssertEqual(e.tagPattern, "(60xx,3000)")
            XCTAssertTrue(e.matches(Tag(0x6002, 0x3000)))
        }
        XCTAssertEqual(DataDictionary.entry(for: Tag(0x6004, 0x0010))?.keyword, "OverlayRows")
        XCTAssertEqual(DataDictionary.tag(forKeyword: "OverlayData"), Tag(0x6000, 0x3000))
        // Odd groups are private, and PS3.5 §7.6 limits the repeating groups to 6000-601E.
        XCTAssertNil(DataDictionary.entry(for: Tag(0x6001, 0x3000)))
        XCTAssertNil(DataDictionary.entry(for: Tag(0x6020, 0x3000)))
    }

    func testOtherRepeatingGroups() throws {
        let curve = try XCTUnwrap(DataDictionary.entry(for: Tag(0x5004, 0x3000)))
        XCTAssertEqual(curve.keyword, "CurveData")
        XCTAssertTrue(curve.isRetired)
        XCTAssertEqual(curve.tagPattern, "(50xx,3000)")

        let sourceImageIDs = try XCTUnwrap(DataDictionary.entry(for: Tag(0x0020, 0x3100)))
        XCTAssertEqual(sourceImageIDs.keyword, "SourceImageIDs")
        XCTAssertEqual(sourceImageIDs.tagPattern, "(0020,31xx)")
        XCTAssertEqual(DataDictionary.entry(for: Tag(0x0020, 0x31FF))?.keyword, "SourceImageIDs")

        XCTAssertEqual(DataDictionary.entry(for: Tag(0x0028, 0x0410))?.keyword, "RowsForNthOrderCoefficients")
        XCTAssertEqual(DataDictionary.entry(for: Tag(0x0028, 0x0410))?.tagPattern, "(0028,04x0)")
        XCTAssertEqual(DataDictionary.entry(for: Tag(0x1000, 0x0123))?.keyword, "HuffmanTableTriplet")
        XCTAssertEqual(DataDictionary.entry(for: Tag(0x1000, 0x0123))?.tagPattern, "(1000,xxx3)")
        XCTAssertEqual(DataDictionary.entry(for: Tag(0x1010, 0x1234))?.keyword, "ZonalMap")
        XCTAssertEqual(DataDictionary.entry(for: Tag(0x7F02, 0x0010))?.keyword, "VariablePixelData")
        // (7FE0,0010) is Pixel Data, not (7Fxx,0010) Variable Pixel Data.
        XCTAssertEqual(DataDictionary.entry(for: .pixelData)?.keyword, "PixelData")
    }

    /// Every listed element looked up by its tag (the packed table,
    /// `PlainEntryTable`) is its entry: VR, retired, several VRs, details.
    func testEveryListedElementLooksUpAsListed() throws {
        let listed = DataDictionary.allEntries.prefix(DataDictionary.elementCount)
        XCTAssertGreaterThan(listed.count, 4000)
        var seen = Set<UInt32>()
        for p in listed where seen.insert(p.tag.raw).inserted {
            let e = try XCTUnwrap(DataDictionary.entry(for: p.tag), "\(p.tagPattern)")
            XCTAssertEqual(e.tag, p.tag)
            XCTAssertEqual(e.mask, 0xFFFF_FFFF)
            XCTAssertEqual(e.vr, p.vr, "\(p.tagPattern)")
            XCTAssertEqual(e.isRetired, p.isRetired, "\(p.tagPattern)")
            XCTAssertEqual(e.hasSeveralVRs, p.hasSeveralVRs, "\(p.tagPattern)")
            XCTAssertEqual(e.keyword, p.keyword, "\(p.tagPattern)")
            XCTAssertEqual(e.vm, p.vm, "\(p.tagPattern)")
        }
        XCTAssertTrue(listed.contains { $0.isRetired } && listed.contains { $0.hasSeveralVRs } && listed.contains { $0.vr == nil })
    }

    func testEveryRepeatingPatternResolvesThroughItsMask() throws {
        let patterns = DataDictionary.allEntries.filter { $0.mask != 0xFFFF_FFFF }
        XCTAssertEqual(patterns.count, 88)
        for p in patterns {
            // A concrete tag for the pattern: wildcard digits 1 and 2 alternately (an even,
            // in-range repeating group such as 6012; elements such as 0410 that are not
            // themselves listed elements).
            let wildcardBits = ~p.mask
            let concrete = Tag(raw: p.tag.raw | (0x1212_1212 & wildcardBits))
            let e = try XCTUnwrap(DataDictionary.entry(for: concrete), "\(p.tagPattern) via \(concrete)")
            XCTAssertEqual(e.keyword, p.keyword, "\(p.tagPattern) via \(concrete)")
        }
    }

    func testGroupLength() throws {
        let known = try XCTUnwrap(DataDictionary.entry(for: .fileMetaGroupLength))
        XCTAssertEqual(known.keyword, "FileMetaInformationGroupLength")
        let generic = try XCTUnwrap(DataDictionary.entry(for: Tag(0x0010, 0x0000)))
        XCTAssertEqual(generic.vrs, [.UL])
        XCTAssertEqual(generic.vm, "1")
        XCTAssertEqual(generic.keyword, "GenericGroupLength")
        XCTAssertEqual(generic.name, "Group Length")
        XCTAssertEqual(generic.tag, Tag(0x0010, 0x0000))
        XCTAssertEqual(DataDictionary.entry(for: Tag(0x0029, 0x0000))?.keyword, "GenericGroupLength")
        XCTAssertEqual(DataDictionary.entry(for: Tag(0x6000, 0x0000))?.keyword, "GenericGroupLength")
    }

    func testPrivateCreatorElement() throws {
        let e = try XCTUnwrap(DataDictionary.entry(for: Tag(0x0029, 0x0010)))
        XCTAssertEqual(e.vrs, [.LO])
        XCTAssertEqual(e.vm, "1")
        XCTAssertEqual(e.name, "Private Creator")
        XCTAssertEqual(e.keyword, "PrivateCreator")
        XCTAssertEqual(e.tag, Tag(0x0029, 0x0010))
        XCTAssertEqual(DataDictionary.entry(for: Tag(0x0009, 0x00FF))?.keyword, "PrivateCreator")
        // Not creators: even group, element outside 0010-00FF, reserved odd groups.
        XCTAssertNotEqual(DataDictionary.entry(for: Tag(0x0028, 0x0010))?.keyword, "PrivateCreator")
        XCTAssertNil(DataDictionary.entry(for: Tag(0x0029, 0x1010)))
        XCTAssertNil(DataDictionary.entry(for: Tag(0x0029, 0x0100)))
        XCTAssertNil(DataDictionary.entry(for: Tag(0x0003, 0x0010)))
    }

    func testUnknownStandardTag() {
        XCTAssertNil(DataDictionary.entry(for: Tag(0x0010, 0x9999)))
        XCTAssertNil(DataDictionary.entry(forKeyword: "NoSuchKeyword"))
        XCTAssertNil(DataDictionary.tag(forKeyword: ""))
    }

    func testKeywordRoundTripForAllEntries() {
        var checked = 0
        for e in DataDictionary.allEntries where !e.keyword.isEmpty {
            XCTAssertEqual(DataDictionary.tag(forKeyword: e.keyword), e.tag, e.keyword)
            XCTAssertEqual(DataDictionary.entry(forKeyword: e.keyword)?.mask, e.mask, e.keyword)
            // A pattern's first tag may be a listed element or a group length: (0028,04x0)
            // gives (0028,0400) Transform Label, (1000,xxx0) gives (1000,0000). Plain
            // entries win there; the patterns are checked through other tags above.
            let found = DataDictionary.entry(for: e.tag)
            if e.mask == 0xFFFF_FFFF || found?.mask != 0xFFFF_FFFF {
                XCTAssertEqual(found?.keyword, e.keyword, e.tagPattern)
            } else {
                XCTAssertEqual(found?.tag, e.tag, e.tagPattern)
            }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 5100)
    }

    func testPlainTagsAreUnique() {
        let plain = DataDictionary.allEntries.filter { $0.mask == 0xFFFF_FFFF }
        XCTAssertEqual(Set(plain.map(\.tag)).count, plain.count)
        let keywords = DataDictionary.allEntries.map(\.keyword).filter { !$0.isEmpty }
        XCTAssertEqual(Set(keywords).count, keywords.count)
    }

    func testSuggestions() {
        XCTAssertTrue(DataDictionary.suggestions(for: "PatientNme").contains("PatientName"))
        XCTAssertEqual(DataDictionary.suggestions(for: "PatientNme").first, "PatientName")
        XCTAssertEqual(DataDictionary.suggestions(for: "patientname").first, "PatientName")
        XCTAssertTrue(DataDictionary.suggestions(for: "StudyInstanceUid").contains("StudyInstanceUID"))
        XCTAssertLessThanOrEqual(DataDictionary.suggestions(for: "PatientNme", limit: 2).count, 2)
        XCTAssertEqual(DataDictionary.suggestions(for: "PatientNme", limit: 0), [])
        XCTAssertEqual(DataDictionary.suggestions(for: "Qzxqzxqzxqzxqzxqzx"), [])
    }

    func testConcurrentFirstUseIsSafe() {
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            XCTAssertEqual(DataDictionary.entry(for: Tag(0x0010, 0x0010 + UInt16(i % 2) * 0x10))?.vr,
                           i % 2 == 0 ? .PN : .LO)
        }
    }
}
