// swift-tools-version: 6.1
// Per-stage micro-benchmarks of trialdiff (read, extract, landscape, render) with
// ordo-one/benchmark. A separate package, so the product itself does not depend on the
// benchmark framework. Run from this folder: `swift package benchmark`.
import PackageDescription

let package = Package(
    name: "TrialdiffBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "TrialdiffStages",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TrialModel", package: "main"),
                .product(name: "TrialReaders", package: "main"),
                .product(name: "TrialExtraction", package: "main"),
                .product(name: "TrialCompare", package: "main"),
                .product(name: "TrialRender", package: "main"),
            ],
            path: "Benchmarks/TrialdiffStages",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // A plain executable (no Benchmark plugin, and outside Benchmarks/, where the plugin runs
        // every executable as a benchmark): the per-file stages of `trialdiff report`,
        // cut off after io, parse, extract or rules, timed by run.sh's stage ladder.
        .executableTarget(
            name: "TrialdiffLadder",
            dependencies: [
                .product(name: "TrialSupport", package: "main"),
                .product(name: "TrialModel", package: "main"),
                .product(name: "TrialReaders", package: "main"),
                .product(name: "TrialExtraction", package: "main"),
                .product(name: "TrialCompare", package: "main"),
            ],
            path: "Tools/TrialdiffLadder"
        ),
    ],
    swiftLanguageModes: [.v6]
)
