import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Child processes: a `node` that never exits or crashes, Ctrl-C during a node job
/// (docs/wasm-host.md, "Child processes"). Runs with HostileFilesCLITests' helpers.
extension HostileFilesCLITests {
    /// A `node` that never answers: the `--version` probe is killed at CONVERGE_NODE_TIMEOUT with
    /// its process group, and the error says what to set. A native-only bench never starts node.
    @Test func aNodeThatNeverExitsIsKilledInTime() throws {
        let dir = try Self.tempDir()
        let pids = dir.appendingPathComponent("pids")
        let node = try Self.writeScript(dir, "node", "echo $$ >> \(pids.path)\nsleep 1000 &\necho $! >> \(pids.path)\nwait")
        let ir = dir.appendingPathComponent("g.json").path
        try Data(Self.ir.utf8).write(to: URL(fileURLWithPath: ir))
        let env = ["CONVERGE_NODE": node, "CONVERGE_NODE_TIMEOUT": "1"]
        let r = try Self.run(["plan", "--ir", ir, "--dirty", "b0", "--backend", "wasm-v8"], environment: env, deadline: 30)
        Self.expectBadInput(r, "CONVERGE_NODE_TIMEOUT", "plan --backend wasm-v8")
        #expect(r.stderr.contains(node) && r.stderr.contains("did not finish within 1 s"), "\(r.stderr)")
        #expect(r.seconds < 20)
        usleep(200_000)
        #expect(!Self.pids(pids).isEmpty)
        for p in Self.pids(pids) { #expect(!Self.alive(p), "process \(p) of the node stand-in is still running") }
        try? FileManager.default.removeItem(at: pids)

        let b = try Self.run(["bench", "--profile", "smoke", "--backend", "native-l1", "--steps", "200", "--ratios", "1", "--modes", "dirty",
                              "--no-bandwidth", "--no-progress", "--out", dir.appendingPathComponent("r.json").path],
                             environment: env, deadline: 120)
        #expect(b.status == 0, "\(b.stderr)")
        #expect(!FileManager.default.fileExists(atPath: pids.path), "a native-only bench started node")
    }

    @Test func aNodeKilledByASignalIsReportedSo() throws {
        let dir = try Self.tempDir()
        let node = try Self.writeScript(dir, "node", "if [ \"$1\" = --version ]; then echo v20.0.0; exit 0; fi\nkill -SEGV $$")
        let ir = dir.appendingPathComponent("g.json").path
        try Data(Self.ir.utf8).write(to: URL(fileURLWithPath: ir))
        let r = try Self.run(["plan", "--ir", ir, "--dirty", "b0", "--backend", "wasm-v8"], environment: ["CONVERGE_NODE": node], deadline: 300)
        if r.stderr.contains("wasmToolchainMissing") { return } // no wasm toolchain here: nothing to run node with
        Self.expectBadInput(r, "was killed by signal 11 (SIGSEGV)", "plan --backend wasm-v8")
    }

    /// Ctrl-C while node runs a job: the node process group is killed and the job directory
    /// removed; converge dies of SIGINT as usual.
    @Test func sigintDuringANodeJobCleansUp() throws {
        let dir = try Self.tempDir()
        let tmp = dir.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let pids = dir.appendingPathComponent("pids")
        let node = try Self.writeScript(dir, "node", "if [ \"$1\" = --version ]; then echo v20.0.0; exit 0; fi\necho $$ >> \(pids.path)\nexec sleep 1000")
        let ir = dir.appendingPathComponent("g.json").path
        try Data(Self.ir.utf8).write(to: URL(fileURLWithPath: ir))
        var sawJob = false
        let r = try Self.run(["plan", "--ir", ir, "--dirty", "b0", "--backend", "wasm-v8"],
                             environment: ["CONVERGE_NODE": node, "TMPDIR": tmp.path], deadline: 120) { p in
            let start = Date()
            while p.isRunning && Date().timeIntervalSince(start) < 100 {
                if !Self.pids(pids).isEmpty { sawJob = true; break }
                usleep(20_000)
            }
            kill(p.processIdentifier, SIGINT)
        }
        if !sawJob && r.stderr.contains("wasmToolchainMissing") { return } // no wasm toolchain here
        #expect(sawJob)
        #expect(!r.hung && r.signaled && r.status == SIGINT, "status \(r.status): \(r.stderr)")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? []
        #expect(!left.contains { $0.hasPrefix("converge-node-") }, "left behind: \(left)")
        usleep(200_000)
        for p in Self.pids(pids) { #expect(!Self.alive(p), "node stand-in \(p) still running") }
    }
}
