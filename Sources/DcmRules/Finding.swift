import DcmData
import DcmDictionary

/// A finding, complete on its own (DESIGN.md item 8).
///
/// The texts a finding shares with the other findings of its rule (id, pack,
/// reference, the selectors' description) and of its file (path, UIDs,
/// Modality) are held by two shared objects, `RuleTexts` and `FileTexts`:
/// a copy of a finding writes two reference counts for them instead of nine,
/// and its `because` is kept as the rule's selectors and the reason, joined
/// only when read (with every pack on identified data a run makes ~35
/// findings per file, each copied from the shape memo, redacted and
/// reported; the joined `because` was a ~200-byte string per finding). The
/// properties read and write as plain fields; writing a shared one gives the
/// finding its own copy of that object.
public struct Finding: Sendable {
    /// The texts every finding of one rule shares.
    public final class RuleTexts: Sendable {
        public let ruleID: String
        public let packID: String
        public let reference: String?
        /// The rule's selectors, described ("Modality == MR and …"); empty: none.
        public let when: String
        public init(ruleID: String, packID: String, reference: String?, when: String = "") {
            self.ruleID = ruleID; self.packID = packID; self.reference = reference; self.when = when
        }
    }

    /// The fields every finding of one file shares.
    public final class FileTexts: Sendable {
        public let file: String?
        public let sopInstanceUID: String?, seriesInstanceUID: String?, studyInstanceUID: String?
        public let modality: String?
        public init(file: String?, sopInstanceUID: String? = nil, seriesInstanceUID: String? = nil, studyInstanceUID: String? = nil,
                    modality: String? = nil) {
            self.file = file; self.sopInstanceUID = sopInstanceUID; self.seriesInstanceUID = seriesInstanceUID
            self.studyInstanceUID = studyInstanceUID; self.modality = modality
        }
        /// The same fields with another path.
        public func with(file: String?) -> FileTexts {
            FileTexts(file: file, sopInstanceUID: sopInstanceUID, seriesInstanceUID: seriesInstanceUID, studyInstanceUID: studyInstanceUID,
                      modality: modality)
        }
    }

    /// The rule's shared texts.
    public private(set) var ruleTexts: RuleTexts
    /// The file's shared fields.
    public var fileTexts: FileTexts
    public var severity: Severity
    public var level: RuleLevel
    public var message: String
    /// `because` without the rule's selectors when `becauseHasWhen`.
    public private(set) var becauseReason: String?
    /// `because` is `ruleTexts.when + " and " + becauseReason`.
    public private(set) var becauseHasWhen: Bool
    /// Other files involved (series/study rules), a few at most.
    public var relatedFiles: [String]
    public var attribute: String?
    /// Observed value(s); patient-identifying values are `<redacted:hash>`.
    public var observed: String?
    public var expected: String?
    /// Byte offset (anomalies and unreadable files).
    public var offset: Int?

    public var ruleID: String {
        get { ruleTexts.ruleID }
        set { ruleTexts = RuleTexts(ruleID: newValue, packID: packID, reference: reference, when: ruleTexts.when) }
    }
    public var packID: String {
        get { ruleTexts.packID }
        set { ruleTexts = RuleTexts(ruleID: ruleID, packID: newValue, reference: reference, when: ruleTexts.when) }
    }
    public var reference: String? {
        get { ruleTexts.reference }
        set { ruleTexts = RuleTexts(ruleID: ruleID, packID: packID, reference: newValue, when: ruleTexts.when) }
    }
    /// Why: the selectors that held and the failed test, e.g.
    /// "Modality == MR and RepetitionTime 13000 > 12000".
    public var because: String? {
        get { becauseHasWhen ? ruleTexts.when + " and " + (becauseReason ?? "") : becauseReason }
        set { becauseReason = newValue; becauseHasWhen = false }
    }
    /// Whether `because` is `s` (compared part by part, not joined).
    public func becauseIs(_ s: String) -> Bool {
        guard let r = becauseReason else { return false }
        return Self.joined(becauseHasWhen ? ruleTexts.when : nil, r, equals: s)
    }
    /// Whether `when + " and " + rest` (`rest` alone when `when` is nil) is `s`, not joined.
    public static func joined(_ when: String?, _ rest: String, equals s: String) -> Bool {
        guard let when else { return rest == s }
        let w = when.utf8, u = s.utf8, r = rest.utf8
        guard u.count == w.count + 5 + r.count else { return false }
        return u.starts(with: w) && u.dropFirst(w.count).starts(with: " and ".utf8) && u.dropFirst(w.count + 5).elementsEqual(r)
    }
    /// Whether `because` contains `needle` (UTF-8 bytes), searched part by
    /// part and across the joins, not joined.
    public func becauseContains(_ needle: String) -> Bool {
        guard let r = becauseReason else { return false }
        return Self.joined(becauseHasWhen ? ruleTexts.when : nil, r, contains: UTF8Needle(needle))
    }
    /// Whether `when + " and " + rest` (`rest` alone when `when` is nil) contains `needle`, not joined.
    public static func joined(_ when: String?, _ r: String, contains needle: UTF8Needle) -> Bool {
        guard let w = when else { return needle.occurs(in: r) }
        if needle.occurs(in: w) || needle.occurs(in: r) { return true }
        // (a match that reaches into " and " and past it holds one of its
        // spaces — none for a path without one, which can then only be in
        // "and" —; searched in the last n-1 bytes of the selectors, " and ",
        // the first n-1 of the reason)
        let n = needle.bytes.count
        guard n > 0 else { return true }
        guard needle.hasSpace else { return needle.occurs(in: " and ") }
        let wb = Array(w.utf8.suffix(n - 1)), rb = Array(r.utf8.prefix(n - 1))
        return (wb + Array(" and ".utf8) + rb).withUnsafeBufferPointer { needle.occurs(in: $0) }
    }
    public var file: String? {
        get { fileTexts.file }
        set { fileTexts = fileTexts.with(file: newValue) }
    }
    public var sopInstanceUID: String? {
        get { fileTexts.sopInstanceUID }
        set { let o = fileTexts; fileTexts = FileTexts(file: o.file, sopInstanceUID: newValue, seriesInstanceUID: o.seriesInstanceUID, studyInstanceUID: o.studyInstanceUID, modality: o.modality) }
    }
    public var seriesInstanceUID: String? {
        get { fileTexts.seriesInstanceUID }
        set { let o = fileTexts; fileTexts = FileTexts(file: o.file, sopInstanceUID: o.sopInstanceUID, seriesInstanceUID: newValue, studyInstanceUID: o.studyInstanceUID, modality: o.modality) }
    }
    public var studyInstanceUID: String? {
        get { fileTexts.studyInstanceUID }
        set { let o = fileTexts; fileTexts = FileTexts(file: o.file, sopInstanceUID: o.sopInstanceUID, seriesInstanceUID: o.seriesInstanceUID, studyInstanceUID: newValue, modality: o.modality) }
    }
    /// The instance's Modality (instance findings), for filtering reports.
    public var modality: String? {
        get { fileTexts.modality }
        set { let o = fileTexts; fileTexts = FileTexts(file: o.file, sopInstanceUID: o.sopInstanceUID, seriesInstanceUID: o.seriesInstanceUID, studyInstanceUID: o.studyInstanceUID, modality: newValue) }
    }

    public init(ruleID: String, packID: String, severity: Severity, level: RuleLevel, message: String, because: String? = nil,
                file: String?, relatedFiles: [String] = [], attribute: String? = nil, observed: String? = nil, expected: String? = nil,
                reference: String? = nil, offset: Int? = nil, sopInstanceUID: String? = nil, seriesInstanceUID: String? = nil, studyInstanceUID: String? = nil, modality: String? = nil) {
        self.init(ruleTexts: RuleTexts(ruleID: ruleID, packID: packID, reference: reference),
                  fileTexts: FileTexts(file: file, sopInstanceUID: sopInstanceUID, seriesInstanceUID: seriesInstanceUID,
                                       studyInstanceUID: studyInstanceUID, modality: modality),
                  severity: severity, level: level, message: message, becauseReason: because, becauseHasWhen: false,
                  relatedFiles: relatedFiles, attribute: attribute, observed: observed, expected: expected, offset: offset)
    }

    /// A finding on shared texts; `because` is `ruleTexts.when + " and " +
    /// becauseReason` when `becauseHasWhen`, else `becauseReason`.
    public init(ruleTexts: RuleTexts, fileTexts: FileTexts, severity: Severity, level: RuleLevel, message: String,
                becauseReason: String?, becauseHasWhen: Bool, relatedFiles: [String] = [], attribute: String? = nil,
                observed: String? = nil, expected: String? = nil, offset: Int? = nil) {
        self.ruleTexts = ruleTexts; self.fileTexts = fileTexts; self.severity = severity; self.level = level; self.message = message
        self.becauseReason = becauseReason; self.becauseHasWhen = becauseHasWhen && becauseReason != nil
        self.relatedFiles = relatedFiles; self.attribute = attribute; self.observed = observed; self.expected = expected
        self.offset = offset
    }
}

/// Values of patient-identifying attributes are never printed unless asked
/// (`--show-phi`): they become `<redacted:xxxxxxxx>`, a short stable hash
/// (FNV-1a) so that equal values can still be told apart from different ones.
public enum Redaction {
    public static let keywords: [String] = [
        "PatientName", "PatientID", "PatientBirthDate", "PatientBirthTime", "OtherPatientIDs", "OtherPatientIDsSequence",
        "OtherPatientNames", "PatientBirthName", "PatientMotherBirthName", "PatientAddress", "PatientTelephoneNumbers",
        "PatientTelecomInformation", "IssuerOfPatientID", "MedicalRecordLocator", "MilitaryRank", "BranchOfService",
        "CountryOfResidence", "RegionOfResidence", "EthnicGroup", "Occupation", "AdditionalPatientHistory",
        "PatientComments", "ResponsiblePerson", "PersonName", "PersonAddress", "PersonTelephoneNumbers",
        "ReferringPhysicianName", "ReferringPhysicianAddress", "ReferringPhysicianTelephoneNumbers",
        "PerformingPhysicianName", "NameOfPhysiciansReadingStudy", "PhysiciansOfRecord", "RequestingPhysician",
        "OperatorsName", "ScheduledPerformingPhysicianName", "InstitutionName", "InstitutionAddress",
        "InstitutionalDepartmentName", "StationName", "AccessionNumber", "DeviceSerialNumber", "OtherPatientIDsSequence",
        // the patient's other identifiers, dates and whereabouts of PS3.15 Table E.1-1
        "PatientBirthDateInAlternativeCalendar", "PatientDeathDateInAlternativeCalendar", "PatientAlternativeCalendar",
        "AdmissionID", "ServiceEpisodeID", "CurrentPatientLocation", "PatientInstitutionResidence",
        "PatientInsurancePlanCodeSequence", "PersonIdentificationCodeSequence", "MedicalAlerts", "Allergies",
        "PatientReligiousPreference",
        // the identifiers a site issues for the patient's study, order or
        // visit, and their contacts (PS3.15 Table E.1-1: Study ID, the
        // procedure and order numbers, call-back numbers, visit notes): sites
        // fill them with the patient's ID or accession number — a Study ID
        // equal to the Patient ID (pydicom-data's explicit_VR-UN.dcm) was
        // shown as read in dicom.deid-basic's findings
        "StudyID", "RequestedProcedureID", "PerformedProcedureStepID", "ScheduledProcedureStepID",
        "PlacerOrderNumberImagingServiceRequest", "FillerOrderNumberImagingServiceRequest", "PlacerOrderNumberProcedure",
        "FillerOrderNumberProcedure", "OrderCallbackPhoneNumber", "OrderCallbackTelecomInformation", "PersonTelecomInformation",
        "ResponsibleOrganization", "PatientState", "SpecialNeeds", "VisitComments", "AdmittingDiagnosesDescription",
        "PatientTransportArrangements", "OrderEntererLocation", "LastMenstrualDate",
    ]
    public static let tags: Set<UInt32> = Set(keywords.compactMap { DataDictionary.tag(forKeyword: $0)?.raw })

    /// The attributes of `keywords`, every private data element, and every
    /// element the dictionary does not know: like a private element's, such
    /// a value's meaning is unknown — an attribute newer than PS3.6 (2024c),
    /// or the bytes the reader found after a wrong length made it lose
    /// step (PS3.5 §7.1: a value length that does not match the value), which
    /// are the next elements' values, patient data included.
    ///
    /// And every person's name (VR PN): PS3.15 Table E.1-1 lists the names
    /// of the people around a study (Consulting Physician's Name, Verifying
    /// Observer Name, Content Creator's Name…), and those not in `keywords`
    /// were shown as read.
    ///
    /// Not the Private Creator elements (gggg,0010-00FF): their value names
    /// the implementer that reserved the block (PS3.5 7.8.1, e.g. "SIEMENS
    /// CSA HEADER"), which the private-block findings of `deid.private` and
    /// `vendor.private` must show to be of use.
    public static func isPatientIdentifying(_ tag: Tag?) -> Bool {
        guard let tag else { return false }
        if tags.contains(tag.raw) { return true }
        if tag.isPrivate { return !tag.isPrivateCreator }
        guard let entry = DataDictionary.entry(for: tag) else { return true }
        return entry.vrs.contains(.PN)
    }

    /// `<redacted:1a2b3c4d>`.
    public static func redact(_ s: String) -> String {
        var h: UInt64 = 0xcbf29ce484222325
        for b in s.utf8 { h ^= UInt64(b); h = h &* 0x100000001b3 }
        return redacted(hash: h)
    }

    /// `redact` of the text `bytes` decode to (`String(decoding:as: UTF8.self)`):
    /// ASCII hashed as it is, without making the string.
    static func redact(bytes: UnsafeRawBufferPointer) -> String {
        var h: UInt64 = 0xcbf29ce484222325
        for b in bytes {
            guard b < 0x80 else { return redact(String(decoding: bytes, as: UTF8.self)) }
            h ^= UInt64(b); h = h &* 0x100000001b3
        }
        return redacted(hash: h)
    }

    private static func redacted(hash h: UInt64) -> String {
        // "<redacted:" + 8 lower-case hex digits of the high half + ">", written
        // in one buffer (a finding of dicom.deid-basic redacts a value or two:
        // the radix conversion and concatenations were 4% of a run with them)
        let v = UInt32(truncatingIfNeeded: h >> 32)
        return String(unsafeUninitializedCapacity: 19) { buf in
            let prefix: StaticString = "<redacted:"
            prefix.withUTF8Buffer { p in for (k, c) in p.enumerated() { buf[k] = c } }
            for k in 0..<8 {
                let d = UInt8((v >> (28 - 4 * UInt32(k))) & 0xF)
                buf[10 + k] = d < 10 ? 0x30 + d : 0x61 + d - 10
            }
            buf[18] = UInt8(ascii: ">")
            return 19
        }
    }
}

/// Why a predicate failed: the leaf tests that decided it.
struct FailureDetail {
    var attribute: String
    var tag: Tag?
    var observed: [String]?
    var expected: String
    var reason: String
    var offset: Int?
    /// For an element found by an element walk whose failed test reads only
    /// what the structure holds (`Evaluator.reasonIsStructural`: the element
    /// is present, its VR, retired…): its location (`WalkTrail.location`).
    /// All but `observed` then holds for every file of the same structure,
    /// and a replay reads `observed` again from the element there
    /// (`ShapeEntry.reusable`, `Evaluator.refreshed`).
    var location: [Int32]? = nil

    /// `observed` as a finding shows it: the values joined by backslashes.
    var observedText: String? { observed.map(Self.text(ofObserved:)) }
    /// Observed values as a finding shows them (one value: itself, not a copy).
    static func text(ofObserved values: [String]) -> String {
        values.count == 1 ? values[0] : values.joined(separator: "\\")
    }
}

extension ValueTest {
    /// What the test wants, for `{expected}` and reports.
    var expectedText: String {
        switch self {
        case .present: return "present"
        case .absent: return "absent"
        case .empty: return "empty"
        case .notEmpty: return "not empty"
        case .type(let t, let c):
            switch t {
            case .t1: return "type 1 (present, with a value)"
            case .t2: return "type 2 (present)"
            case .t3: return "type 3 (optional)"
            case .t1C: return "type 1C (present, with a value, when \(c?.text ?? "its condition holds"))"
            case .t2C: return "type 2C (present when \(c?.text ?? "its condition holds"))"
            }
        case .equals(let o, let tol): return tol.map { "\(o) ± \($0)" } ?? o.description
        case .equalsList(let os): return os.map(\.description).joined(separator: "\\")
        case .inSet(let os): return "one of [" + os.map(\.description).joined(separator: ", ") + "]"
        case .notInSet(let os): return "none of [" + os.map(\.description).joined(separator: ", ") + "]"
        case .matches(let r): return "matching /\(r.pattern)/"
        case .range(let a, let b): return "[\(a), \(b)]"
        case .compare(let c, let o): return "\(c.symbol) \(o)"
        case .vm(let r): return "vm \(r)"
        case .vr(let vrs): return "VR " + vrs.map(\.description).joined(separator: " or ")
        case .length(let r): return "length \(r)"
        case .format: return "a valid value for its VR"
        case .vmDictionary: return "vm as in the dictionary"
        case .vrDictionary: return "VR as in the dictionary"
        case .notRetired: return "not retired"
        case .inDictionary: return "in the dictionary"
        case .uniqueCreator: return "the only creator of its value in the group"
        case .registered(let t): return "a registered \(t ?? "UID")"
        case .privateTag: return "the tag of a private data element"
        case .each(let t): return "each value \(t.expectedText)"
        case .items: return "every item as its module requires"
        case .all(let ts): return ts.map(\.expectedText).joined(separator: " and ")
        case .any(let ts): return ts.map(\.expectedText).joined(separator: " or ")
        case .not(let t): return "not \(t.expectedText)"
        }
    }

    /// As a relation after the attribute name: `== MR`, `~ /re/`, `in [..]`.
    var relationText: String {
        switch self {
        case .equals(let o, let tol): return "== " + (tol.map { "\(o) ± \($0)" } ?? o.description)
        case .matches(let r): return "~ /\(r.pattern)/"
        case .present, .absent, .empty: return "is \(expectedText)"
        case .notEmpty: return "is not empty"
        case .inSet(let os): return "in [" + os.map(\.description).joined(separator: ", ") + "]"
        case .notInSet(let os): return "not in [" + os.map(\.description).joined(separator: ", ") + "]"
        case .range(let a, let b): return "in [\(a), \(b)]"
        case .compare(let c, let o): return "\(c.symbol) \(o)"
        default: return "is " + expectedText
        }
    }
}

extension Predicate {
    /// A readable rendering: `Modality == MR and Manufacturer ~ /(?i)siemens/`.
    public var text: String {
        switch self {
        case .always: return "always"
        case .notEvaluated(let t): return "\"\(t)\" (not evaluated)"
        case .eachElement(let only, let t):
            let what: String
            switch only {
            case .standard: what = "each element"
            case .standardAndPrivate: what = "each element (private ones included)"
            case .privateElements: what = "each private element"
            case .privateCreators: what = "each private creator"
            case .reservedGroups: what = "each element of a reserved group"
            case .tags(let ts, _, _): what = "each " + ts.map { DataDictionary.entry(for: $0)?.keyword ?? $0.description }.joined(separator: ", ")
            case .except(let ts, let top): what = "each \(top ? "top-level " : "")element but \(ts.count) listed"
            }
            return what + " is " + t.expectedText
        case .named(_, let p): return p.text
        case .described(let t, _): return t
        case .scoped(let s, let p): return "\(s.rawValue): \(p.parenthesised)"
        case .deferred(let d): return d.predicate.text
        case .attribute(let r, let t): return "\(r) \(t.relationText)"
        case .all(let ps): return ps.map { $0.parenthesised }.joined(separator: " and ")
        case .planned(let plan): return Predicate.all(plan.parts).text
        case .any(let ps): return ps.map { $0.parenthesised }.joined(separator: " or ")
        case .not(let p): return "not " + p.parenthesised
        }
    }
    var parenthesised: String {
        switch self {
        case .all(let ps) where ps.count > 1: return "(\(text))"
        case .planned: return "(\(text))"
        case .any(let ps) where ps.count > 1: return "(\(text))"
        case .named(_, let p): return p.parenthesised
        case .described(let t, _): return t.contains(" and ") || t.contains(" or ") ? "(\(t))" : t
        case .deferred(let d): return d.predicate.parenthesised
        default: return text
        }
    }
}

extension Evaluator {
    /// The leaf failures of a predicate that evaluated to `.no` (or `.unknown`).
    func explain(_ p: Predicate, _ file: DicomFile, showPHI: Bool) -> [FailureDetail] {
        switch p {
        case .always, .notEvaluated: return []
        case .eachElement(let only, let t):
            var out: [FailureDetail] = []
            let trail = WalkTrail()
            let structural = Self.reasonIsStructural(t)
            Self.walkElements(file.dataSet, only: only, test: t, trail: trail) { ds, e, at in
                let x = Target.element(ds, e, index: nil)
                let v = test(t, x, file)
                if v != .yes {
                    var d = detail(.tag(e.tag, text: trail.path(ds, e)), t, x, file, showPHI: showPHI)
                    if structural && v == .no { d.location = trail.location(at) }
                    out.append(d)
                }
                return out.count < 100
            }
            return out
        case .named(_, let q): return explain(q, file, showPHI: showPHI)
        case .described(let t, let q):
            // an `any` of alternatives the file took none of (dicom.iod's
            // "Code Value, Long Code Value or URN Code Value is present"):
            // one part's finding, as for any `any`, but said with the words
            // given for the whole — "CodeValue is absent" alone read as if
            // Code Value were the one required
            let d = explain(q, file, showPHI: showPHI)
            guard case .any(let ps) = q, !d.isEmpty, ps.allSatisfy({ evaluate($0, file, selector: false) != .no || failsOnAbsence($0, file) })
            else { return d }
            return d.map { x in
                var x = x
                x.reason = "not: " + t
                x.expected = t
                return x
            }
        case .scoped(let s, let q):
            // (named from the item: `Seq[0].parent.ScanMode`; not located, a
            // location being in the item's data set)
            var out: [FailureDetail] = []
            _ = inScope(s, file) { sub in
                out = explain(q, sub, showPHI: showPHI).map { d in
                    var d = d
                    d.attribute = s.rawValue + "." + d.attribute
                    d.location = nil
                    return d
                }
                return .yes
            }
            return out
        case .deferred(let d): return explain(d.predicate, file, showPHI: showPHI)
        case .planned(let plan): return explainAll(plan.parts, plan.verdicts(file, self), file, showPHI: showPHI)
        case .all(let ps): return explainAll(ps, ps.map { evaluate($0, file, selector: false) }, file, showPHI: showPHI)
        case .any(let ps):
            // One defect: none of the alternatives holds. Its findings are
            // those of one part, not one set per part (`{any: [A, B]}` with
            // neither gave two findings for one missing value): the first
            // part that tests an attribute the file has, other than for its
            // absence (the alternative the file took, and got wrong: dicom.iod's functional groups `{any:
            // [{'Shared…[0].XSequence': present}, {PerFrame…: {items: …}}]}`
            // on a bad per-frame item names that item, not the Shared item's
            // absence), else the first part that explains the failure. A
            // `not` part is a guard ("unless the condition holds", how
            // dicom.iod writes a value list PS3.3 gives under a condition:
            // `{any: [{not: COND}, TEST]}`): that it holds is why the other
            // parts were tested, not a finding — explained only when no
            // other part explains the failure.
            let isGuard = { (q: Predicate) -> Bool in if case .not = q { return true }; return false }
            var first: [FailureDetail]? = nil
            for q in ps where !isGuard(q) {
                let d = explain(q, file, showPHI: showPHI)
                if d.isEmpty { continue }
                if !failsOnAbsence(q, file) && !Self.wantsAbsence(q) { return d }
                if first == nil { first = d }
            }
            if let first { return first }
            for q in ps where isGuard(q) {
                let d = explain(q, file, showPHI: showPHI)
                if !d.isEmpty { return d }
            }
            return []
        case .not(let q):
            return [FailureDetail(attribute: q.firstAttribute ?? "", tag: nil, observed: nil, expected: "not " + q.text, reason: "\(q.text) holds")]
        case .attribute(let ref, let t):
            // (the reference each failure is named by: a wildcard path's by
            // the item's own path, `Seq[2].CodeValue`, not the pattern's `[*]`)
            var targets: [(ref: AttributeRef, x: Target?)]
            if let named = ref.resolveNamed(in: file) {
                targets = named.map { (.tag($0.target?.tag ?? Tag(raw: 0), text: $0.path), $0.target) }
            } else {
                let resolved = ref.resolve(in: file)
                switch resolved {
                case .missing: targets = [(ref, nil)]
                case .undecodable: return []
                case .one(let x): targets = [(ref, x)]
                case .many(let xs): targets = xs.map { (ref, $0) }
                }
                if case .anomalies = ref, case .one(.anomalies(let list)) = resolved {
                    return explainAnomalies(t, list)
                }
            }
            var out: [FailureDetail] = []
            for (r, x) in targets where test(t, x, file) != .yes {
                out += explainTest(r, t, x, file, showPHI: showPHI)
                if out.count >= 16 { break }
            }
            return out
        }
    }

    /// Whether `p` (which does not hold) fails only for want of what it
    /// tests — the alternative of an `any` that the file did not take: an
    /// attribute test on a path that resolves to nothing; an `all` whose
    /// failing parts are all such; with `intoItems`, an `items` test on a
    /// sequence that is there whose failing items all fail so, one level
    /// down (a Functional Groups macro's sequence absent from every Per-frame
    /// item — not there but wrong inside one, which is the defect).
    func failsOnAbsence(_ p: Predicate, _ file: DicomFile, intoItems: Bool = true) -> Bool {
        switch p {
        case .named(_, let q), .described(_, let q): return failsOnAbsence(q, file, intoItems: intoItems)
        case .deferred(let d): return failsOnAbsence(d.predicate, file, intoItems: intoItems)
        case .all(let ps):
            return ps.allSatisfy { evaluate($0, file, selector: false) != .no || failsOnAbsence($0, file, intoItems: intoItems) }
        case .planned(let plan):
            return zip(plan.parts, plan.verdicts(file, self)).allSatisfy { $0.1 != .no || failsOnAbsence($0.0, file, intoItems: intoItems) }
        case .attribute(let ref, let t):
            switch ref.resolve(in: file) {
            case .missing: return true
            case .many(let ts): return ts.allSatisfy { if case .none = $0 { return true }; return false }
            case .one(let x): return intoItems && itemsFailOnAbsence(t, x, file)
            case .undecodable: return false
            }
        default: return false
        }
    }

    /// Whether `p` is an attribute's `absent` or `empty` test (or an `any`
    /// of them): as a part of an `any` (`{any: [{csa.image: absent},
    /// {csa.image: {in: [CSA1, CSA2]}}]}`), the alternative "not there",
    /// which failing says only that the attribute is there — the other part
    /// says what is wrong with it.
    static func wantsAbsence(_ p: Predicate) -> Bool {
        func absenceTest(_ t: ValueTest) -> Bool {
            switch t {
            case .absent, .empty: return true
            case .any(let ts): return !ts.isEmpty && ts.allSatisfy(absenceTest)
            default: return false
            }
        }
        switch p {
        case .named(_, let q), .described(_, let q): return wantsAbsence(q)
        case .deferred(let d): return wantsAbsence(d.predicate)
        case .attribute(_, let t): return absenceTest(t)
        default: return false
        }
    }

    /// `failsOnAbsence` for the test `t` of a sequence `x` that is there:
    /// an `items` test (alone or in an `all` whose other tests hold) whose
    /// failing items all lack what they test (not looking deeper).
    func itemsFailOnAbsence(_ t: ValueTest, _ x: Target, _ file: DicomFile) -> Bool {
        switch t {
        case .all(let ts):
            let failing = ts.filter { test($0, x, file) == .no }
            return !failing.isEmpty && failing.allSatisfy { itemsFailOnAbsence($0, x, file) }
        case .items(let q):
            guard case let .element(ds, e, _) = x, let items = e.items else { return false }
            var sub = file
            return inItems(of: ds, in: file) {
                items.allSatisfy { item in
                    sub.dataSet = item
                    return evaluate(q, sub, selector: false) != .no || failsOnAbsence(q, sub, intoItems: false)
                }
            }
        default: return false
        }
    }

    /// An `all` whose parts gave `verdicts`: every part that fails (one
    /// finding per missing attribute of a module); the undecided parts only
    /// when none fails.
    func explainAll(_ ps: [Predicate], _ verdicts: [Truth], _ file: DicomFile, showPHI: Bool) -> [FailureDetail] {
        let failing = zip(ps, verdicts).filter { $0.1 == .no }.map(\.0)
        let parts = failing.isEmpty ? zip(ps, verdicts).filter { $0.1 != .yes }.prefix(1).map(\.0) : failing
        return parts.flatMap { explain($0, file, showPHI: showPHI) }
    }

    /// The failures of one attribute's test: inside `items`, those of each
    /// failing item, named by their full path (`Seq[1].Attribute`).
    func explainTest(_ ref: AttributeRef, _ t: ValueTest, _ x: Target?, _ file: DicomFile, showPHI: Bool) -> [FailureDetail] {
        switch t {
        case .items(let p):
            guard case let .element(ds, e, _)? = x, let items = e.items else { return [] }
            var out: [FailureDetail] = []
            var sub = file
            // (a wildcard path arrives here named by its item: `explain`)
            let prefix = ref.description
            inItems(of: ds, in: file) {
                for (i, item) in items.enumerated() {
                    sub.dataSet = item
                    guard evaluate(p, sub, selector: false) == .no else { continue }
                    for var d in explain(p, sub, showPHI: showPHI) {
                        d.attribute = prefix + "[\(i)]" + (d.attribute.isEmpty ? "" : "." + d.attribute)
                        // (a located detail's location is the element's place in
                        // the item, but `refreshed` looks it up from the file's
                        // top level, where an element of the same tag can sit at
                        // that place and show its value instead: the detail is
                        // kept unlocated, and explained again on each file)
                        d.location = nil
                        out.append(d)
                    }
                }
            }
            return out
        case .all(let ts) where ts.contains(where: { if case .items = $0 { return true }; return false }):
            return ts.filter { test($0, x, file) == .no }.flatMap { explainTest(ref, $0, x, file, showPHI: showPHI) }
        default:
            return [detail(ref, t, x, file, showPHI: showPHI)]
        }
    }

    func explainAnomalies(_ t: ValueTest, _ list: [Anomaly]) -> [FailureDetail] {
        var kinds: [String]? = nil
        switch t {
        case .notInSet(let os): kinds = os.map(\.description)
        case .empty, .vm: kinds = nil
        default: return [FailureDetail(attribute: "file.anomalies", observed: list.map(\.kind.rawValue), expected: t.expectedText, reason: "anomalies: \(list.map(\.kind.rawValue).joined(separator: ", "))")]
        }
        return list.filter { a in kinds.map { $0.contains(a.kind.rawValue) } ?? true }.map { a in
            let attr = a.path.isEmpty ? "" : a.path.description
            return FailureDetail(attribute: attr, tag: nil, observed: [a.kind.rawValue], expected: t.expectedText,
                                 reason: "\(a.kind.rawValue) at \(a.inInflatedStream ? "inflated offset" : "offset") \(a.offset): \(a.detail)", offset: a.offset)
        }
    }

    func detail(_ ref: AttributeRef, _ t: ValueTest, _ x: Target?, _ file: DicomFile, showPHI: Bool) -> FailureDetail {
        let attr = ref.description
        // a missing attribute under several tests: the one it fails ({type: "2", any: [absent, empty, {in: …}]})
        if x == nil, case .all(let ts) = t, ts.contains(where: { if case .type = $0 { return true }; return false }),
           let bad = ts.first(where: { test($0, nil, file) == .no }) {
            return detail(ref, bad, nil, file, showPHI: showPHI)
        }
        guard let x else {
            var reason = "\(attr) is absent"
            if case .type(let rt, let c?) = t, rt == .t1C || rt == .t2C { reason += ", although \(c.text)" }
            return FailureDetail(attribute: attr, tag: nil, observed: nil, expected: t.expectedText, reason: reason)
        }
        // explain a combination by the part that decides it
        switch t {
        case .all(let ts):
            if let bad = ts.first(where: { test($0, x, file) != .yes }) { return detail(ref, bad, x, file, showPHI: showPHI) }
        case .any(let ts):
            let substantive = ts.filter { if case .absent = $0 { return false }; if case .empty = $0 { return false }; return true }
            if substantive.count == 1 { return detail(ref, substantive[0], x, file, showPHI: showPHI) }
        default: break
        }
        let phi = hides(x.tag, showPHI: showPHI)
        let values = observedValues(x, showPHI: showPHI)
        let shown = values.isEmpty ? "(empty)" : values.joined(separator: "\\")
        let verdict = test(t, x, file)
        // (rendered once: "one of [...]" of a Defined Terms list is dozens of strings joined)
        let expected = t.expectedText
        var reason: String
        switch t {
        case .type(.t1, _) where !x.hasValue, .type(.t1C, _) where !x.hasValue, .notEmpty where !x.hasValue:
            reason = "\(attr) is empty"
        case .absent: reason = "\(attr) is present"
        case .range(let lo, let hi):
            if let bad = firstFailing(x, t, file) {
                let below = resolveOperand(lo, file).map { o in all(bad, o) { $0.order >= 0 } == .no } ?? false
                let v = phi ? Redaction.redact(bad.displayValues.first ?? "") : (bad.displayValues.first ?? "")
                reason = below ? "\(attr) \(v) < \(lo)" : "\(attr) \(v) > \(hi)"
            } else { reason = "\(attr) \(shown) outside [\(lo), \(hi)]" }
        case .compare(let c, let o):
            let neg: String = c == .gt ? "<=" : c == .ge ? "<" : c == .lt ? ">=" : ">"
            var rhs = o.description
            if case .attribute(let r) = o, case .one(let y) = r.resolve(in: file) {
                // the other attribute's value, redacted like the tested one's
                // (`{le: {attr: PatientBirthDate}}` showed the birth date)
                let yv = y.displayValues.first ?? ""
                rhs = "\(hides(y.tag, showPHI: showPHI) ? Redaction.redact(yv) : yv) (\(r))"
            }
            let v = firstFailing(x, t, file)?.displayValues.first ?? shown
            reason = "\(attr) \(phi ? Redaction.redact(v) : v) \(neg) \(rhs)"
        case .equals(let o, _): reason = "\(attr) \(shown) != \(o)"
        case .vm: reason = "\(attr) has \(x.count) value\(x.count == 1 ? "" : "s"), expected \(expected)"
        case .vr: reason = "\(attr) has VR \(x.fileVR.map { "\($0)" } ?? "?"), expected \(expected)"
        case .format:
            let vrName = x.vr.map { "\($0)" } ?? ""
            reason = "\(attr) \(shown) is not a valid \(vrName) value"
            if case let .element(ds, e, index) = x {
                if Self.holdsNUL(ds, e, index: index) {
                    reason = "\(attr) \(shown.isEmpty ? "(empty)" : shown) holds a NUL (00H) byte, not in the \(vrName) character repertoire: "
                        + "only UI values are padded with a trailing NUL, other VRs with a space (PS3.5 6.2)"
                } else if e.vr == .UI, !x.forEachText({ !FormatCheck.oneComponentUID($0) }) {
                    reason = "\(attr) \(shown) is not a usable UID: it has one component, and a UID is "
                        + "<org root>.<suffix>, an organization's registered root and a suffix unique under it (PS3.5 9)"
                }
            }
        case .vmDictionary:
            let d = x.tag.flatMap { DataDictionary.entry(for: $0) }
            reason = "\(attr) has \(x.count) value\(x.count == 1 ? "" : "s"), the dictionary says VM \(d?.vm ?? "?")"
        case .vrDictionary:
            var said = x.tag.flatMap { DataDictionary.entry(for: $0) }.map { $0.vrs.map(\.description).joined(separator: " or ") } ?? "?"
            var which = "the dictionary"
            if case let .element(ds, e, _) = x, e.tag.isPrivate {
                if e.tag.isPrivateCreator { said = "LO"; which = "PS3.5 7.8.1" }
                else if let pe = Self.privateEntry(ds, e.tag) { said = pe.vrs.map(\.description).joined(separator: " or "); which = "the \(pe.creator) private dictionary" }
            }
            reason = "\(attr) is encoded as \(x.fileVR.map { "\($0)" } ?? "?"), \(which) says \(said)"
        case .inDictionary:
            if case let .element(ds, e, _) = x, e.tag.isPrivate {
                reason = ds.privateCreator(of: e.tag).map { "\(attr) \(e.tag) is not in the private dictionary of '\($0)'" } ?? "\(attr) has no Private Creator"
            } else { reason = "\(attr) is not a PS3.6 attribute" }
        case .uniqueCreator:
            if case let .element(ds, e, _) = x, let other = Self.duplicateCreator(ds, e) {
                reason = "\(attr) '\(ds.privateCreator(of: Tag(e.tag.group, e.tag.element << 8 | 0x10)) ?? "")' is also the value of \(other) (one block per creator and group)"
            } else { reason = "\(attr) is a duplicate creator" }
        case .notRetired: reason = "\(attr) is a retired attribute"
        case .registered(let t): reason = "\(attr) \(shown) is not a registered \(t ?? "UID")"
        case .matches(let r): reason = "\(attr) \(shown) does not match /\(r.pattern)/"
        default: reason = "\(attr) \(shown) is not \(expected)"
        }
        if verdict == .unknown { reason = "\(attr) \(shown) cannot be read for \(expected)" }
        return FailureDetail(attribute: attr, tag: x.tag, observed: values, expected: expected, reason: reason)
    }

    /// Whether a value of `tag` is shown as `<redacted:…>`: unless
    /// `--show-phi`, a patient-identifying attribute's (`Redaction`), and any
    /// attribute's in the findings of a `redact_values` rule (`redactingValues`).
    @inline(__always) func hides(_ tag: Tag?, showPHI: Bool) -> Bool {
        !showPHI && (redactingValues || Redaction.isPatientIdentifying(tag))
    }

    /// A detail's `observed`: the values shown, redacted when `hides` says so.
    func observedValues(_ x: Target, showPHI: Bool) -> [String] {
        guard hides(x.tag, showPHI: showPHI) else { return x.displayValues }
        // (each value's text hashed as it is read: `displayValues` redacted, without its strings)
        var out: [String] = []
        _ = x.forEachText { b in out.append(Redaction.redact(bytes: b)); return out.count < 64 }
        return out
    }

    /// Whether `detail` explains a failure of `t` on an element from what the
    /// structure holds alone (`ShapeKey.structure`: tags, VRs, private
    /// creators), so that only `observed` shows its value: "X is present",
    /// "X has VR …", "X is a retired attribute", "X is not in the dictionary".
    static func reasonIsStructural(_ t: ValueTest) -> Bool {
        switch t {
        case .absent, .vr, .vrDictionary, .notRetired, .inDictionary: return true
        default: return false
        }
    }

    /// Details reused from an earlier file of the same structure, with the
    /// `observed` of those about a located element read from this file; nil
    /// when an element is not where the location says (not expected).
    func refreshed(_ details: [FailureDetail], _ file: DicomFile, showPHI: Bool) -> [FailureDetail]? {
        guard details.contains(where: { $0.location != nil }) else { return details }
        var out = details
        for k in out.indices {
            guard let loc = out[k].location else { continue }
            guard let (ds, e) = Self.element(at: loc, in: file.dataSet), e.tag == out[k].tag else { return nil }
            out[k].observed = observedValues(.element(ds, e, index: nil), showPHI: showPHI)
        }
        return out
    }

    /// The first single value that fails `t` (for messages about multi-valued elements).
    func firstFailing(_ x: Target, _ t: ValueTest, _ file: DicomFile) -> Target? {
        if case .values(let list, let vr) = x {
            return list.lazy.map { Target.values([$0], vr: vr) }.first { self.test(t, $0, file) != .yes }
        }
        guard case let .element(ds, e, idx) = x else { return nil }
        if idx != nil { return x }
        for i in 0..<x.count {
            let one = Target.element(ds, e, index: i)
            if test(t, one, file) != .yes { return one }
        }
        return nil
    }
}

extension Predicate {
    var firstAttribute: String? {
        switch self {
        case .attribute(let r, _): return r.description
        case .named(_, let p), .described(_, let p), .not(let p), .scoped(_, let p): return p.firstAttribute
        case .deferred(let d): return d.predicate.firstAttribute
        case .all(let ps), .any(let ps): return ps.lazy.compactMap(\.firstAttribute).first
        case .planned(let plan): return plan.parts.lazy.compactMap(\.firstAttribute).first
        case .always, .eachElement, .notEvaluated: return nil
        }
    }
}

extension FailureDetail {
    init(attribute: String, observed: [String]?, expected: String, reason: String) {
        self.init(attribute: attribute, tag: nil, observed: observed, expected: expected, reason: reason, offset: nil)
    }
    init(attribute: String, tag: Tag?, observed: [String]?, expected: String, reason: String) {
        self.init(attribute: attribute, tag: tag, observed: observed, expected: expected, reason: reason, offset: nil)
    }
}
