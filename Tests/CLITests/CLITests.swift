import Foundation
import Testing

/// The built `converge` executable, run as a person would run it.
@Suite struct CLITests {
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static let executable: URL = {
        // The test binary sits beside the products it was built with (any --scratch-path).
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return me.deletingLastPathComponent().appendingPathComponent("converge")
    }()

    /// Runs `converge` (or another `executable`) with `args` to the end, `environment` added to ours.
    func run(_ args: [String], environment: [String: String] = [:], executable: URL = Self.executable) throws -> Run {
        let p = Process()
        p.executableURL = executable
        p.arguments = args
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    func write(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("converge-cli-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: url)
        return url.path
    }

    static let example = """
    {"format": "converge-ir", "version": 1,
     "fields": ["b0", "user.name"],
     "steps": [{"kind": "computed", "out": "d0", "deps": ["b0"], "scheduling": "immediate", "expr": "b0 + 1"},
               {"kind": "link", "out": "mirror", "from": "user.name"}]}
    """

    @Test func planPrintsTheDocumentedJSON() throws {
        let ir = try write(Self.example)
        for backend in ["native", "portable"] {
            let r = try run(["plan", "--ir", ir, "--dirty", "user.name", "--json", "--backend", backend])
            #expect(r.status == 0)
            #expect(r.stdout == #"{"mode": "dirty", "executedMode": "dirty", "scope": "all", "dirtyAll": false, "stepIds": [1], "plan": ["mirror"]}"# + "\n")
            #expect(r.stderr.isEmpty)
        }
        let full = try run(["plan", "--ir", ir, "--mode", "full", "--scope", "immediate", "--json"])
        #expect(full.stdout.contains(#""executedMode": "full""#) && full.stdout.contains(#""plan": ["d0", "mirror"]"#))
    }

    /// The WebAssembly and JS backends print the native plan plus what crossed the boundary (one
    /// call; 4 bytes per dirty id in; the plan and the 36-byte out record back).
    @Test func wasmAndJSBackendsPrintTheNativePlan() throws {
        let ir = try write(Self.example)
        let native = try run(["plan", "--ir", ir, "--dirty", "user.name", "--json"])
        var backends = ["wasm-wasmkit"]
        if ProcessInfo.processInfo.environment["CONVERGE_REQUIRE_NODE"] == "1" || nodeOnPath { backends += ["wasm-v8", "js-v8"] }
        for backend in backends {
            for wasm in ["simd", "scalar"] {
                let r = try run(["plan", "--ir", ir, "--dirty", "user.name", "--json", "--backend", backend, "--wasm", wasm])
                #expect(r.status == 0, "\(backend) \(wasm): \(r.stderr)")
                let expected = native.stdout.dropLast(2) + #", "backend": "\#(backend)", "boundary": {"calls": 1, "bytesIn": 4, "bytesOut": 40}}"# + "\n"
                #expect(r.stdout == expected, "\(backend) \(wasm)")
            }
        }
    }

    var nodeOnPath: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/node")
        }
    }

    /// Without node, the V8 backends fail with one line that says what to install.
    @Test func v8BackendsWithoutNodeSayWhatToInstall() throws {
        let ir = try write(Self.example)
        let r = try run(["plan", "--ir", ir, "--dirty", "b0", "--backend", "js-v8"], environment: ["PATH": "/nonexistent", "CONVERGE_NODE": "/nonexistent/node"])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("converge: wasm toolchain missing: node not found") && r.stderr.contains("Node 18"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    /// A node that is there but refuses to run (here: NODE_OPTIONS it does not allow) is named with
    /// what it said, not reported as missing.
    @Test func aNodeThatDoesNotRunIsNamed() throws {
        guard nodeOnPath else { return }
        let ir = try write(Self.example)
        let r = try run(["plan", "--ir", ir, "--dirty", "b0", "--backend", "js-v8"], environment: ["NODE_OPTIONS": "--cpu-prof"])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("converge: wasm toolchain missing: no working node: ") && r.stderr.contains("--version exited with")
                && r.stderr.contains("NODE_OPTIONS"), "\(r.stderr)")
    }

    @Test func unknownDirtyPathRunsTheWholeScope() throws {
        let ir = try write(Self.example)
        let r = try run(["plan", "--ir", ir, "--dirty", "nope", "--json"])
        #expect(r.status == 0)
        #expect(r.stdout.contains(#""dirtyAll": true"#))
        #expect(r.stdout.contains(#""plan": ["d0", "mirror"]"#))
        #expect(r.stdout.contains(#""dirtyAllReason": "fallbackPolicy""#))
    }

    @Test func dirtyPathTakesAPathWithACommaVerbatim() throws {
        let ir = try write("""
        {"format": "converge-ir", "version": 1,
         "steps": [{"kind": "link", "out": "copy", "from": "a,b"}, {"kind": "link", "out": "other", "from": "c"}]}
        """)
        let r = try run(["plan", "--ir", ir, "--dirty-path", "a,b", "--json"])
        #expect(r.status == 0)
        #expect(r.stdout.contains(#""dirtyAll": false"#) && r.stdout.contains(#""plan": ["copy"]"#))
        let both = try run(["plan", "--ir", ir, "--dirty", "c", "--dirty-path", "a,b", "--json"])
        #expect(both.stdout.contains(#""plan": ["copy", "other"]"#))
    }

    @Test func everySIMDPathAndStrategyGivesTheSamePlan() throws {
        let ir = try write(Self.example)
        for simd in ["scalar", "sse2", "avx2", "neon", "simd128"] {
            for strategy in ["auto", "rows", "lists", "frontier"] {
                let r = try run(["plan", "--ir", ir, "--dirty", "b0", "--json", "--simd", simd, "--strategy", strategy])
                if r.status == 2 && r.stderr.contains("does not run on this CPU") { continue }
                #expect(r.status == 0, "\(simd) \(strategy): \(r.stderr)")
                #expect(r.stdout.contains(#""plan": ["d0"]"#))
            }
        }
    }

    @Test func forcedImplementationIsHonouredAndBadValuesAreReported() throws {
        let ir = try write(Self.example)
        let forced = try run(["inspect", "--ir", ir, "--json"], environment: ["CKERNEL_FORCE_IMPL": "scalar"])
        #expect(forced.status == 0 && forced.stdout.contains(#""simd": "scalar""#) && forced.stderr.isEmpty)
        let bad = try run(["inspect", "--ir", ir, "--json"], environment: ["CKERNEL_FORCE_IMPL": "avx1024"])
        #expect(bad.status == 0)
        #expect(bad.stderr.hasPrefix("converge: warning: CKERNEL_FORCE_IMPL names no implementation"))
        #expect(!bad.stdout.contains(#""simd": "avx1024""#))
    }

    @Test func inspectPrintsRegistryAndTopo() throws {
        let ir = try write(Self.example)
        let r = try run(["inspect", "--ir", ir, "--json"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix(#"{"fieldPaths": ["b0", "d0", "mirror", "user", "user.name"], "topo": ["d0", "mirror"], "steps": 2, "edges": 0, "simd": ""#))
        let text = try run(["inspect", "--ir", ir])
        #expect(text.status == 0 && text.stdout.contains("5 field paths, 2 steps, 0 edges"))
    }

    @Test(arguments: [
        (#"{"format": "converge-ir", "version": 1, "steps": [{"kind": "computed", "out": "x", "deps": ["y"]}, {"kind": "computed", "out": "y", "deps": ["x"]}]}"#, "cycle"),
        (#"{"format": "converge-ir", "version": 1, "steps": [{"kind": "computed", "out": "x", "deps": []}, {"kind": "link", "out": "x", "from": "a"}]}"#, "multiple writers"),
        (#"{"format": "converge-ir", "version": 1, "steps": [{"kind": "computed", "out": "x"}]}"#, "missing deps"),
        (#"{"format": "converge-ir", "version": 1, "steps": [{"kind": "computed", "out": "a.*", "deps": []}]}"#, "unmappable out"),
        (#"{"format": "converge-ir", "version": 1, "steps": [{"kind": "link", "out": "m"}]}"#, "missing field"),
        (#"{"format": "converge-ir", "version": 1, "steps": [{"kind": "effect", "out": "m"}]}"#, "unknown step kind"),
        (#"{"format": "converge-ir", "version": 7, "steps": []}"#, "unsupported version"),
        (#"{"format": "nope", "version": 1, "steps": []}"#, "unsupported format"),
        ("{oops", "invalid JSON"),
    ])
    func badInputIsOneLineAndExitTwo(_ text: String, _ words: String) throws {
        let ir = try write(text)
        for command in [["plan", "--ir", ir, "--dirty", "a"], ["inspect", "--ir", ir]] {
            let r = try run(command)
            #expect(r.status == 2)
            #expect(r.stdout.isEmpty)
            #expect(r.stderr.hasPrefix("converge: \(words): "), "\(r.stderr)")
            #expect(r.stderr.filter { $0 == "\n" }.count == 1)
        }
    }

    @Test func missingFileAndBadUsageAreOneLineAndExitTwo() throws {
        let missing = try run(["plan", "--ir", "/nonexistent/graph.json"])
        #expect(missing.status == 2 && missing.stderr.hasPrefix("converge: i/o error: cannot read /nonexistent/graph.json"))
        let usage = try run(["plan", "--mode", "sideways"])
        #expect(usage.status == 2 && usage.stderr.hasPrefix("converge: invalid usage: "))
        #expect(usage.stderr.filter { $0 == "\n" }.count == 1)
        let help = try run(["--help"])
        #expect(help.status == 0 && help.stdout.contains("plan"))
    }

    @Test func benchPlanRunsOnASmallGrid() throws {
        let r = try run(["bench-plan", "--dag-steps", "2000", "--dag-groups", "50", "--ratio-steps", "2000", "--batches", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix(#"{"simd": ""#))
        #expect(r.stdout.contains(#""backend": "native""#) && r.stdout.contains(#""backend": "portable""#))
    }
}
