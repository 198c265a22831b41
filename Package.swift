// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "trialdiff",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "trialdiff", targets: ["trialdiff"]),
        .executable(name: "trialdiff-fuzz", targets: ["TrialFuzz"]),
        .library(name: "TrialSupport", targets: ["TrialSupport"]),
        .library(name: "TrialModel", targets: ["TrialModel"]),
        .library(name: "TrialReaders", targets: ["TrialReaders"]),
        .library(name: "TrialExtraction", targets: ["TrialExtraction"]),
        .library(name: "TrialCompare", targets: ["TrialCompare"]),
        .library(name: "TrialRender", targets: ["TrialRender"]),
        .library(name: "TrialStore", targets: ["TrialStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"]), .brew(["libxml2"])]
        ),
        .systemLibrary(
            name: "CZlibDeflate",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        // libdeflate: inflating archive entries, faster than zlib.
        .systemLibrary(
            name: "CLibDeflate",
            pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"]), .brew(["libdeflate"])]
        ),
        // LZ4: the parse cache's blobs, written for every input of a first run.
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"]), .brew(["lz4"])]),
        // matrix.xlsx for medical writers.
        .systemLibrary(
            name: "CXLSXWriter",
            pkgConfig: "xlsxwriter",
            providers: [.apt(["libxlsxwriter-dev"]), .brew(["libxlsxwriter"])]
        ),
        // mimalloc as the executable's allocator: a run makes millions of small Swift
        // allocations, which it serves faster than glibc's malloc.
        .systemLibrary(name: "CMimalloc", providers: [.apt(["libmimalloc-dev"]), .brew(["mimalloc"])]),
        // renameat2(RENAME_EXCHANGE), which Glibc's Swift module does not declare.
        .target(name: "CFolderSwap"),
        .target(name: "XMLKit", dependencies: ["CLibXML2"]),
        // `_FoundationICU` is the ICU that Foundation's regular expressions use; `ICURegex` calls it directly.
        .target(name: "TrialSupport", dependencies: ["CZlibDeflate", "CLibDeflate"], linkerSettings: [.linkedLibrary("_FoundationICU")]),
        .target(name: "TrialModel", dependencies: ["TrialSupport"]),
        .target(name: "TrialReaders", dependencies: ["XMLKit", "TrialModel", "TrialSupport"]),
        .target(name: "TrialExtraction", dependencies: ["TrialModel", "TrialSupport"]),
        .target(name: "TrialCompare", dependencies: ["TrialModel", "TrialSupport"]),
        .target(
            name: "TrialStore",
            dependencies: [
                "TrialModel", "TrialSupport", "TrialCompare", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"), "CLZ4",
            ]),
        .executableTarget(name: "EmbedTemplatesTool"),
        .plugin(name: "EmbedTemplates", capability: .buildTool(), dependencies: ["EmbedTemplatesTool"]),
        .target(
            name: "TrialRender",
            dependencies: [
                "TrialModel", "TrialSupport", "TrialCompare", "CXLSXWriter", .product(name: "Mustache", package: "swift-mustache"),
            ],
            plugins: ["EmbedTemplates"]
        ),
        .target(
            name: "TrialPipeline",
            dependencies: [
                "TrialModel", "TrialSupport", "TrialReaders", "TrialExtraction", "TrialCompare", "TrialRender", "TrialStore", "XMLKit",
                "CFolderSwap", .product(name: "Yams", package: "Yams"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `trialdiff fetch`: the registry's API through AsyncHTTPClient.
        .target(
            name: "TrialFetch",
            dependencies: [
                "TrialSupport", "TrialPipeline", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The mutation fuzzer (Scripts/fuzz.sh runs it; .ci/run for two minutes).
        .executableTarget(name: "TrialFuzz", dependencies: ["TrialPipeline", "TrialCompare", "TrialReaders", "TrialModel", "TrialSupport"]),
        .executableTarget(
            name: "trialdiff",
            dependencies: [
                "TrialPipeline", "TrialFetch", "TrialCompare", "TrialRender", "CMimalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // One copy of the fixtures and one temporary-folder helper for every test target.
        .target(name: "TestSupport", path: "Tests/TestSupport", resources: [.copy("Fixtures")]),
        .testTarget(name: "XMLKitTests", dependencies: ["XMLKit", "TestSupport"]),
        .testTarget(name: "TrialReadersTests", dependencies: ["TrialReaders", "TrialModel", "TrialSupport", "TestSupport"]),
        .testTarget(name: "TrialExtractionTests", dependencies: ["TrialExtraction", "TrialModel", "TrialSupport", "TestSupport"]),
        .testTarget(
            name: "TrialCompareTests",
            dependencies: ["TrialCompare", "TrialModel", "TrialSupport", "TrialReaders", "TrialExtraction", "TestSupport"]
        ),
        .testTarget(name: "TrialStoreTests", dependencies: ["TrialStore", "TrialCompare", "TrialModel", "TrialSupport", "TestSupport"]),
        .testTarget(
            name: "TrialRenderTests",
            dependencies: [
                "TrialRender", "TrialCompare", "TrialModel", "TrialSupport", "TestSupport", "TrialReaders", "TrialExtraction",
                .product(name: "Mustache", package: "swift-mustache"),
            ]),
        .testTarget(
            name: "AccuracyTests",
            dependencies: ["TrialReaders", "TrialExtraction", "TrialCompare", "TrialModel", "TrialSupport", "TestSupport"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "trialdiff", "TrialPipeline", "TrialModel", "TrialSupport", "TrialCompare", "TrialRender", "TrialStore", "TrialReaders",
                "TrialFetch", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
