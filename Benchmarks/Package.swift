// swift-tools-version: 6.1
// Planner microbenchmarks with ordo-one/benchmark: `cd Benchmarks && swift package benchmark`.
// A separate package so the library's users and CI do not build the benchmark framework.
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name (whatever the clone is called).
let parentIdentity = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "ConvergeKernelBenchmarks",
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "PlannerBenchmarks",
            dependencies: [
                .product(name: "ConvergeKernel", package: parentIdentity),
                .product(name: "ConvergeBench", package: parentIdentity),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "PlannerBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
