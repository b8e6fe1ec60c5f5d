import Foundation
import Testing

/// `converge compile`, `plan --artifact`, `bench --artifact`, `bench-load` (docs/artifact.md).
extension CLITests {
    @Test func compileThenPlanFromTheArtifactMatchesTheIR() throws {
        let ir = try write(Self.example)
        let file = tempPath("ckir")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let c = try run(["compile", ir, "-o", file])
        #expect(c.status == 0, "\(c.stderr)")
        #expect(c.stdout.hasPrefix("\(file): 2 steps, 5 paths, 1 compiled steps, ") && c.stdout.contains(" bytes, sha256 "), "\(c.stdout)")
        for args in [["--dirty", "user.name"], ["--dirty", "b0", "--mode", "full"], ["--dirty", "nope"]] {
            let a = try run(["plan", "--artifact", file, "--json"] + args)
            let b = try run(["plan", "--ir", ir, "--json"] + args)
            #expect(a.status == 0 && a.stdout == b.stdout && !a.stdout.isEmpty, "\(args): \(a.stdout) \(a.stderr) vs \(b.stdout)")
        }
        // the wasm kernel (WasmKit) loads the same file
        let w = try run(["plan", "--artifact", file, "--json", "--dirty", "user.name", "--backend", "wasm-wasmkit"])
        #expect(w.status == 0 && w.stdout.hasPrefix(#"{"mode": "dirty", "executedMode": "dirty", "scope": "all", "dirtyAll": false, "stepIds": [1], "plan": ["mirror"], "backend": "wasm-wasmkit""#), "\(w.stdout) \(w.stderr)")
        let load = try run(["bench-load", file, "--runs", "2"])
        #expect(load.status == 0 && load.stdout.contains("open (read + ck_artifact_open"), "\(load.stdout) \(load.stderr)")
        // bench takes the graph from the file and records the file's sha256
        let out = tempPath("json")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try run(["bench", "--artifact", file, "--profile", "smoke", "--backend", "native-l3", "--ratios", "1", "--modes", "dirty",
                         "--no-bandwidth", "--out", out], environment: ["CI": "1"])
        #expect(r.status == 0, "\(r.stderr)")
        let graph = (try json(out)["meta"] as? [String: Any])?["graph"] as? [String: Any]
        #expect(graph?["sha256"] as? String == sha256sum(file) && graph?["file"] as? String == URL(fileURLWithPath: file).lastPathComponent)
    }

    @Test func theL4BackendsBenchTheArtifactsOwnLayout() throws {
        let ir = try write(Self.example)
        let file = tempPath("ckir"), bare = tempPath("ckir"), out = tempPath("json")
        defer { for f in [file, bare, out] { try? FileManager.default.removeItem(atPath: f) } }
        #expect(try run(["compile", ir, "-o", file]).status == 0)
        #expect(try run(["compile", ir, "-o", bare, "--no-layout"]).status == 0)
        let grid = ["--profile", "smoke", "--ratios", "1", "--modes", "dirty", "--no-bandwidth", "--out", out]
        let ok = try run(["bench", "--artifact", file, "--backend", "native-l4"] + grid, environment: ["CI": "1"])
        #expect(ok.status == 0, "\(ok.stderr)")
        // the file is loaded as it is: without its layout section, the L4 backends cannot run
        // (the bench used to encode the graph again, with a layout, and measure that instead)
        for backend in ["native-l4", "wasm-v8-l4"] {
            let r = try run(["bench", "--artifact", bare, "--backend", backend] + grid, environment: ["CI": "1"])
            #expect(r.status == 2 && r.stderr == "converge: invalid argument: backend \(backend) is not available: \(bare) has no \"layout\" section, which the L4 backends load (compile it again without --no-layout)\n", "\(r.stderr)")
        }
        // by default they are skipped with that note, and the others run
        let d = try run(["bench", "--artifact", bare, "--backend", "native-l3"] + grid, environment: ["CI": "1"])
        #expect(d.status == 0, "\(d.stderr)")
    }

    @Test func aBrokenArtifactIsOneLineNamingTheSectionAndOffset() throws {
        let ir = try write(Self.example)
        let file = tempPath("ckir")
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(try run(["compile", ir, "-o", file]).status == 0)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        let truncated = tempPath("ckir")
        defer { try? FileManager.default.removeItem(atPath: truncated) }
        try bytes.prefix(100).write(to: URL(fileURLWithPath: truncated))
        let t = try run(["plan", "--artifact", truncated])
        #expect(t.status == 2 && t.stderr == "converge: invalid artifact: section \"header\" at byte 24: truncated: the header says \(bytes.count) bytes, the file has 100\n", "\(t.stderr)")
        bytes[bytes.count - 3] ^= 4   // the last section: the layout
        try bytes.write(to: URL(fileURLWithPath: file))
        for cmd in [["plan", "--artifact", file], ["bench", "--artifact", file, "--no-bandwidth"], ["bench-load", file]] {
            let r = try run(cmd, environment: ["CI": "1"])
            #expect(r.status == 2 && r.stderr.hasPrefix("converge: invalid artifact: section \"layout\" at byte ") && r.stderr.contains(": checksum mismatch"), "\(cmd): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1)
        }
        let both = try run(["plan", "--artifact", file, "--ir", ir])
        #expect(both.status == 2 && both.stderr.contains("exactly one of --ir FILE and --artifact FILE"))
        let none = try run(["compile", "-o", file])
        #expect(none.status == 2 && none.stderr.contains("give either an IR file or --converge-steps"))
    }
}
