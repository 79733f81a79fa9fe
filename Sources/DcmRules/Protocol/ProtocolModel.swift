import DcmData
import DcmDictionary

/// An acquisition protocol (docs/protocols.md): the series a session (a study,
/// by default) is expected to hold, how each is recognised, and the
/// acquisition parameters each must have. Compiled from a pack's `protocol:`
/// section; evaluated per series by ``ProtocolAudit``.
public struct ProtocolSpec: Sendable {
    /// The attributes whose values, joined, identify a session (default StudyInstanceUID).
    public var session: [AttributeRef]
    /// Series left out of the audit (derived, localisers…): neither expected nor unexpected.
    public var exclusions: [Exclusion]
    public var acquisitions: [Acquisition]
    /// Every attribute a parameter, override or learned value needs, once
    /// (what a series keeps: `SeriesRecord.values` is indexed like this).
    public var refs: [AttributeRef]
    /// The synthetic rules that carry this protocol's findings (ids
    /// `PACK.parameter`, `PACK.missing`, `PACK.unexpected`, `PACK.ambiguous`).
    public var ruleIDs: ProtocolRuleIDs
    public var location: SourceLocation
}

public struct ProtocolRuleIDs: Sendable {
    public var parameter: String
    public var missing: String
    /// `nil` when unexpected series are ignored (`unexpected: ignore`).
    public var unexpected: String?
    public var ambiguous: String
}

/// A named selector: a series whose (first) instance it selects is excluded.
public struct Exclusion: Sendable {
    public var name: String
    public var when: Predicate
}

public struct Acquisition: Sendable {
    public var name: String
    /// Selectors (all must hold) that recognise the acquisition's series.
    public var match: [Predicate]
    public var matchText: String
    public var required: Bool
    /// Severity of its parameter deviations and of its absence; `nil`: the rules'.
    public var severity: Severity?
    public var parameters: [ProtocolParameter]
    public var overrides: [ParameterOverride]
    public var location: SourceLocation
}

/// Parameters that replace (or add to, or `ignore`) the acquisition's for the
/// series its selectors hold on, e.g. one scanner model or software version.
public struct ParameterOverride: Sendable {
    public var when: [Predicate]
    public var whenText: String
    public var parameters: [ProtocolParameter]
}

/// One expected parameter: an attribute (or `series.instances`) and the test
/// its values must pass (`equals` + `tolerance`, `range`, `in`…); `test == nil`
/// is `ignore` (an override turning a parameter off).
public struct ProtocolParameter: Sendable {
    public var name: String
    /// Index into `ProtocolSpec.refs`; `nil` for `series.instances`.
    public var ref: Int?
    public var test: ValueTest?
    /// The test as written, for findings' "expected".
    public var expectedText: String
    /// The VR the values are compared as.
    public var vr: VR
}

/// The kind of finding a synthetic protocol rule carries.
public enum ProtocolFindingKind: String, Sendable {
    case parameter, missing, unexpected, ambiguous
}

/// Built-in exclusions, usable by name in `exclude:` (docs/protocols.md).
/// Each is a selector in the rule language, compiled like any other.
public enum BuiltinExclusions {
    public static let all: [(name: String, yaml: String)] = [
        // PS3.3 C.7.6.1.1.2: Value 1 of Image Type is ORIGINAL or DERIVED
        ("derived", "{\"ImageType[0]\": DERIVED}"),
        ("localizer", "{any: [{ImageType: {present: true, not: {not_in: [LOCALIZER]}}}, {SeriesDescription: {matches: \"(?i)localizer|localiser|scout|survey|3-plane|3pl loc\"}}]}"),
        ("motion-corrected", "{any: [{ImageType: {present: true, not: {not_in: [MOCO]}}}, {SeriesDescription: {matches: \"(?i)moco\"}}]}"),
        // PS3.4 B.5: the Secondary Capture Image Storage SOP classes
        ("secondary-capture", "{SOPClassUID: {in: [\"1.2.840.10008.5.1.4.1.1.7\", \"1.2.840.10008.5.1.4.1.1.7.1\", \"1.2.840.10008.5.1.4.1.1.7.2\", \"1.2.840.10008.5.1.4.1.1.7.3\", \"1.2.840.10008.5.1.4.1.1.7.4\"]}}"),
    ]
}

/// The pseudo-parameter for the number of instances of a series (the number
/// of slices of a 2D acquisition stored one slice per file).
public let seriesInstancesParameter = "series.instances"
