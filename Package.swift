// swift-tools-version:6.2
// dcmaudit — a DICOM conformance and protocol-compliance rule engine.
// Layering (see docs/architecture.md): DcmDictionary → DcmData → DcmRules → DcmAudit → dcmaudit.
import PackageDescription

// On Linux the command-line tool links the Swift runtime and Foundation
// statically (as `swift build --static-swift-stdlib` does): no dynamic
// symbol binding of libswiftCore/libFoundation at start-up, and direct calls
// to swift_retain/swift_release. Measured (docs/benchmarks.md): a one-file
// `check` with every pack 122 -> 107 ms CPU, every pack on 10,000 files ~6%
// less CPU. The binary then runs without the toolchain's libraries installed
// (it needs glibc, libstdc++ and zlib only); it is larger (ICU's data).
// (modules are compiled with it too, so that they link Foundation's static
// dependencies)
let staticRuntimeSwift: SwiftSetting = .unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release))
let staticRuntime: [LinkerSetting] = [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release))]

// Release builds of the engine's modules skip the run-time exclusivity checks
// (swift_beginAccess on every access to a class's or a closure-captured
// variable: every pack on 10,000 files, 0.99 -> 0.93 s of CPU). Debug builds —
// what `swift test` runs —
// keep them, so an overlapping access is still caught by the tests. (Tools
// version 6.2: since SwiftPM 6.2 a package with unsafe flags can still be
// used as a versioned dependency.)
let releaseSpeed: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)), staticRuntimeSwift]

let package = Package(
    name: "dcmaudit",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "dcmaudit", targets: ["dcmaudit"]),
        .library(name: "DcmData", targets: ["DcmData"]),
        .library(name: "DcmRules", targets: ["DcmRules"]),
        .library(name: "DcmAudit", targets: ["DcmAudit"]),
    ],
    dependencies: [
        // Command-line parsing, help text and shell completion for the thin CLI layer.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // YAML with node positions, for rule packs (only DcmRules imports it).
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // Mustache templates for the HTML report (only DcmAudit imports it).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // System zlib, for the Deflated Explicit VR Little Endian transfer syntax (PS3.5 §A.5).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // glibc's mallopt, to keep one malloc arena under an address-space limit (DcmAudit/MallocArenas.swift).
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        .target(name: "DcmDictionary", swiftSettings: releaseSpeed),
        .target(
            name: "DcmData",
            dependencies: ["DcmDictionary", "CZlib"],
            swiftSettings: releaseSpeed
        ),
        .target(
            name: "DcmRules",
            dependencies: ["DcmData", "DcmDictionary", .product(name: "Yams", package: "Yams")],
            swiftSettings: releaseSpeed
        ),
        .target(
            name: "DcmAudit",
            dependencies: ["DcmRules", "DcmData", "DcmDictionary", "CMalloc", .product(name: "Mustache", package: "swift-mustache")],
            swiftSettings: releaseSpeed
        ),
        .executableTarget(
            name: "dcmaudit",
            dependencies: [
                "DcmAudit", "DcmData",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: [staticRuntimeSwift],
            linkerSettings: staticRuntime
        ),
        .executableTarget(
            name: "dcmaudit-fixtures",
            dependencies: ["DcmData", "DcmDictionary"],
            path: "Scripts/FixtureGenerator"
        ),
        .testTarget(name: "DcmDictionaryTests", dependencies: ["DcmDictionary"]),
        .testTarget(name: "DcmDataTests", dependencies: ["DcmData", "DcmDictionary"]),
        .testTarget(name: "DcmRulesTests", dependencies: ["DcmRules", "DcmData", "DcmDictionary"]),
        .testTarget(name: "DcmAuditTests", dependencies: ["DcmAudit", "DcmRules", "DcmData"], exclude: ["Golden"]),
    ],
    // Swift 5 mode: the reader shares immutable byte storage across threads by
    // design; strict Sendable checking would only add annotations, not safety.
    swiftLanguageModes: [.v5]
)
