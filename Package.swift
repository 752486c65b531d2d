// swift-tools-version: 6.0
import PackageDescription

/// One library per concern, one thin executable per tool. Linux only (glibc, /proc, posix_spawn flags, the
/// signal ABI), so no Apple platform is declared.
let package = Package(
    name: "nestvm",
    products: [
        .executable(name: "vmrun", targets: ["vmrun"]),
        .executable(name: "vmproc", targets: ["vmproc"]),
        .executable(name: "vmnet", targets: ["vmnet"]),
        .executable(name: "vmswitch", targets: ["vmswitch"]),
        .executable(name: "netnat", targets: ["netnat"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
    ],
    targets: [
        .target(name: "NestErrors"),
        .target(name: "NestRecords"),
        .target(name: "X86NativeHarness"),
        .target(name: "X86Float"),
        .target(name: "DeviceModels"),
        .target(name: "Packets"),
        .target(
            name: "X86", dependencies: ["X86Float"],
            swiftSettings: [.unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))]),
        .target(
            name: "VMX", dependencies: ["X86"],
            swiftSettings: [.unsafeFlags(["-wmo", "-enforce-exclusivity=unchecked"], .when(configuration: .release))]),
        .target(
            name: "Machine", dependencies: ["X86", "VMX", "DeviceModels", "NestErrors"],
            swiftSettings: [.unsafeFlags(["-wmo", "-enforce-exclusivity=unchecked"], .when(configuration: .release))]),
        .target(name: "NestStore", dependencies: ["NestErrors", "NestRecords", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(
            name: "NestTool",
            dependencies: ["NestErrors", "NestRecords", "NestStore", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .target(
            name: "NestRuntime",
            dependencies: ["Machine", "DeviceModels", "NestErrors", "NestRecords", "NestStore", "CReadline", "CSlirp", "CTap", "Packets"]),
        .systemLibrary(name: "CReadline", path: "Sources/CReadline"),
        .systemLibrary(name: "CSlirp", path: "Sources/CSlirp"),
        .target(name: "CTap"),
        .executableTarget(
            name: "x86bench", dependencies: ["X86"], swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        .executableTarget(name: "vmrun", dependencies: ["NestErrors", "NestTool", "NestStore", "NestRecords", "NestRuntime"]),
        .executableTarget(name: "vmproc", dependencies: ["NestErrors", "NestTool", "NestStore", "NestRecords", "NestRuntime"]),
        .executableTarget(name: "vmnet", dependencies: ["NestErrors", "NestTool", "NestStore", "NestRecords"]),
        .executableTarget(name: "vmswitch", dependencies: ["NestErrors", "NestTool", "NestStore", "NestRecords"]),
        .executableTarget(name: "netnat", dependencies: ["NestErrors", "NestTool", "NestStore", "NestRecords"]),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "NestRecordsTests", dependencies: ["NestRecords"]),
        .testTarget(name: "DeviceModelsTests", dependencies: ["DeviceModels", "TestSupport"]),
        .testTarget(name: "PacketsTests", dependencies: ["Packets", "TestSupport"]),
        .testTarget(name: "NestRuntimeTests", dependencies: ["NestRuntime", "NestStore", "NestErrors", "TestSupport"]),
        .testTarget(name: "VMXTests", dependencies: ["VMX", "X86", "TestSupport"]),
        .testTarget(name: "X86Tests", dependencies: ["X86", "X86NativeHarness", "TestSupport"]),
        .testTarget(name: "NestStoreTests", dependencies: ["NestErrors", "NestStore", "TestSupport"]),
        .testTarget(name: "MachineTests", dependencies: ["Machine", "DeviceModels", "NestErrors", "VMX", "X86", "TestSupport"]),
        .testTarget(
            name: "NestToolTests", dependencies: ["NestErrors", "NestTool", "NestStore", "Packets", "TestSupport"], exclude: ["Golden"]),
    ],
    swiftLanguageModes: [.v6]
)
