// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "trialdiff",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "trialdiff", targets: ["trialdiff"]),
        .library(name: "TrialModel", targets: ["TrialModel"]),
        .library(name: "TrialReaders", targets: ["TrialReaders"]),
        .library(name: "TrialExtraction", targets: ["TrialExtraction"]),
        .library(name: "TrialCompare", targets: ["TrialCompare"]),
        .library(name: "TrialRender", targets: ["TrialRender"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"]), .brew(["libxml2"])]
        ),
        .target(name: "XMLKit", dependencies: ["CLibXML2"]),
        .target(name: "TrialModel"),
        .target(name: "TrialReaders", dependencies: ["XMLKit", "TrialModel"]),
        .target(name: "TrialExtraction", dependencies: ["TrialModel"]),
        .target(name: "TrialCompare", dependencies: ["TrialModel"]),
        .target(
            name: "TrialRender",
            dependencies: ["TrialModel", "TrialCompare", .product(name: "Mustache", package: "swift-mustache")]
        ),
        .target(
            name: "TrialPipeline",
            dependencies: ["TrialModel", "TrialReaders", "TrialExtraction", "TrialCompare", "TrialRender", "XMLKit"]
        ),
        .executableTarget(
            name: "trialdiff",
            dependencies: ["TrialPipeline", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "XMLKitTests", dependencies: ["XMLKit"]),
        .testTarget(
            name: "TrialReadersTests", dependencies: ["TrialReaders", "TrialModel"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "TrialExtractionTests", dependencies: ["TrialExtraction", "TrialModel"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "TrialCompareTests", dependencies: ["TrialCompare", "TrialModel", "TrialReaders", "TrialExtraction"]
        ),
        .testTarget(name: "TrialRenderTests", dependencies: ["TrialRender", "TrialCompare", "TrialModel"]),
        .testTarget(
            name: "EndToEndTests", dependencies: ["TrialPipeline", "TrialModel", "TrialCompare"],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
