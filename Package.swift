// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "ConvergeKernel",
    products: [
        .library(name: "ConvergeKernel", targets: ["ConvergeKernel"]),
        // The WebAssembly paths: CKernel compiled for wasm32 by the package's build (the CKernelWasm
        // plugin), run in WasmKit or in Node.
        .library(name: "ConvergeWasm", targets: ["ConvergeWasm"]),
        // Perf reports, diffs and gates in Logix's field names.
        .library(name: "ConvergeEvidence", targets: ["ConvergeEvidence"]),
        // What the benchmarks run and measure against: workloads, floors, probes (not the kernel).
        .library(name: "ConvergeBench", targets: ["ConvergeBench"]),
        .executable(name: "converge", targets: ["converge"]),
    ],
    // `NoInstrumentation` compiles diagnostics out (the baseline that diagnostics `off` is
    // measured against: scripts/instrumentation-overhead.sh). Off by default.
    traits: [
        .trait(name: "NoInstrumentation", description: "Compile the diagnostics levels out (measurement baseline)."),
        .trait(name: "GateSpin", description: "Extra work per transaction and per executed step, set by CONVERGE_GATE_SPIN (gate validation only)."),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swiftwasm/WasmKit", .upToNextMinor(from: "0.4.2")),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        // The C core: tables, SIMD bitsets (run-time dispatch), planner. Needs libsimde-dev and
        // libnuma-dev (Debian); see README.
        .target(
            name: "CKernel",
            path: "CKernel",
            sources: ["src"],
            publicHeadersPath: "include",
            cSettings: [
                .headerSearchPath("src/internal"),
                .define("CK_NO_INSTRUMENTATION", .when(traits: ["NoInstrumentation"])),
                .define("CK_GATE_SPIN", .when(traits: ["GateSpin"])),
            ],
            linkerSettings: [
                .linkedLibrary("numa", .when(platforms: [.linux])),
            ]
        ),
        // What benchmarks measure the kernel against, kept out of the kernel's API: the floors (the
        // plain C loop over the same data), the machine and memory-bandwidth probes, the bitset
        // primitives per SIMD implementation (CKernel/bench/include/ckernel_bench.h). It shares
        // CKernel's folder to reach the kernel's internal headers (SwiftPM allows no `..` there).
        .target(
            name: "CKernelBench",
            dependencies: ["CKernel"],
            path: "CKernel",
            sources: ["bench/src"],
            publicHeadersPath: "bench/include",
            cSettings: [.headerSearchPath("src/internal")]
        ),
        // Reading and writing the files a user names: regular files only, never blocking on a
        // FIFO, no mmap (SIGBUS), outputs written through symlinks and devices, never replacing
        // them. Shared by ConvergeKernel, ConvergeEvidence and the CLI.
        .target(
            name: "ConvergeFiles",
            path: "Sources/ConvergeFiles"
        ),
        .target(
            name: "ConvergeKernel",
            dependencies: ["CKernel", "ConvergeFiles"],
            path: "Sources/ConvergeKernel",
            swiftSettings: [
                .define("CONVERGE_NO_INSTRUMENTATION", .when(traits: ["NoInstrumentation"])),
                .define("CONVERGE_GATE_SPIN", .when(traits: ["GateSpin"])),
                // a C record's fields are visible only in the files that import CKernel
                // (Kernel/CKernelBridge.swift, Kernel/CKernelRecords.swift): the rest of the
                // runtime reads them by their Swift names
                .enableUpcomingFeature("MemberImportVisibility"),
            ]
        ),
        // The benchmarks' library: the workloads (generated graphs, the converge.txnCommit
        // workload ready to time), the floors and probes over CKernelBench. The `converge` CLI and
        // the tests use it; the kernel library does not.
        .target(
            name: "ConvergeBench",
            dependencies: ["ConvergeKernel", "CKernel", "CKernelBench", "ConvergeWasm", "ConvergeEvidence", "ConvergeFiles"],
            path: "Sources/ConvergeBench"
        ),
        .target(
            name: "ConvergeWasm",
            dependencies: [
                "ConvergeKernel",
                "ConvergeFiles",
                .product(name: "WasmKit", package: "WasmKit"),
            ],
            path: "Sources/ConvergeWasm",
            // converge.wasm and converge-scalar.wasm, compiled from CKernel/ by the build
            plugins: ["CKernelWasm"]
        ),
        // The package's build compiles CKernel to wasm32 (docs/kernel-abi.md, "WebAssembly"): the
        // plugin runs the builder whenever a kernel source changes; a missing wasm toolchain is
        // recorded, not fatal.
        .executableTarget(
            name: "CKernelWasmBuilder",
            path: "Sources/CKernelWasmBuilder"
        ),
        .plugin(
            name: "CKernelWasm",
            capability: .buildTool(),
            dependencies: ["CKernelWasmBuilder"],
            path: "Plugins/CKernelWasm"
        ),
        // Perf evidence in Logix's field names: the report model, the converge.txnCommit matrix,
        // thresholds, diff and gate, the HTML page (docs/perf-report.md).
        .target(
            name: "ConvergeEvidence",
            dependencies: [
                "ConvergeFiles",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/ConvergeEvidence",
            resources: [.copy("Resources/converge-matrix.json"), .copy("Resources/converge-matrix-v2.json")]
        ),
        .executableTarget(
            name: "converge",
            dependencies: [
                "ConvergeKernel",
                "ConvergeBench",
                "ConvergeWasm",
                "ConvergeEvidence",
                "ConvergeFiles",
                "AllocationCounter",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/converge"
        ),
        .target(
            name: "ConvergeKernelTestSupport",
            dependencies: ["ConvergeKernel", "ConvergeBench"],
            path: "Tests/ConvergeKernelTestSupport"
        ),
        .target(
            name: "AllocationCounter",
            path: "Sources/AllocationCounter"
        ),
        .testTarget(
            name: "ConvergeKernelTests",
            dependencies: ["ConvergeKernel", "ConvergeBench", "ConvergeKernelTestSupport", "CKernel", "CKernelBench", "AllocationCounter", "ConvergeWasm"],
            path: "Tests/ConvergeKernelTests",
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "EvidenceTests",
            dependencies: ["ConvergeEvidence"],
            path: "Tests/EvidenceTests",
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["converge", "ConvergeBench", "ConvergeKernelTestSupport"],
            path: "Tests/CLITests"
        ),
    ]
)
