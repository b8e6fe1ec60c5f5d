import ConvergeBench
import ConvergeKernel
import Foundation
@testable import ConvergeWasm
import Testing

/// One vocabulary for backends (``Backend``: host × level × wasm flavor): its names are the ones
/// reports, the CLI and the JS hosts have always used, each name maps back to its backend, and
/// the combinations that do not exist are refused.
@Suite struct BackendTests {
    @Test func benchNamesAreTheReportsNames() {
        #expect(Backend.benchAxis.map(\.name) == [
            "portable", "native-l1", "native-l2", "native-l3", "native-l4",
            "wasm-wasmkit", "wasm-wasmkit-l2", "wasm-wasmkit-l3", "wasm-wasmkit-l4",
            "wasm-v8", "wasm-v8-l2", "wasm-v8-l3", "wasm-v8-l4", "js-v8",
            "wasm-chromium", "wasm-chromium-l2", "wasm-chromium-l3", "wasm-chromium-l4", "js-chromium",
        ])
        #expect(Backend.benchAxis.filter(\.isNative).map(\.name) == ["native-l1", "native-l2", "native-l3", "native-l4"])
        #expect(Backend.defaultSet.map(\.name) == [
            "portable", "native-l1", "native-l2", "native-l3", "native-l4", "wasm-wasmkit",
            "wasm-v8", "wasm-v8-l2", "wasm-v8-l3", "wasm-v8-l4", "js-v8",
        ])
    }

    @Test func theJSHostsNamesAreTheProtocols() {
        #expect(Backend.v8Levels.map { $0.hostLevel ?? "-" } == [
            "l0-js", "l1-wasm-simd", "l1-wasm-scalar", "l2-wasm-simd", "l2-wasm-scalar",
            "l3-wasm-simd", "l3-wasm-scalar", "l4-wasm-simd", "l4-wasm-scalar",
        ])
        #expect(Backend.v8PlanBackends.map { $0.planName ?? "-" } == ["wasm-v8-simd", "wasm-v8-scalar", "js-v8"])
        // a Chromium backend runs the same host level as its V8 twin
        #expect(Backend.wasm(.chromium, .l3).hostLevel == "l3-wasm-simd")
        #expect(Backend.native(.l2).hostLevel == nil && Backend.wasm(.v8, .l2).planName == nil)
    }

    @Test func everyNameMapsBackAndOnlyRealCombinationsExist() {
        #expect(Backend.all.count == 5 + 4 * 2 + 2 * (1 + 4 * 2))
        #expect(Set(Backend.all.map(\.name)).count == Backend.all.count)
        for b in Backend.all { #expect(Backend(name: b.name) == b) }
        #expect(Backend(name: "native-l5") == nil && Backend(name: "wasm-v8-l1") == nil && Backend(name: "native") == nil)
        #expect(Backend(host: .process, level: .l1, flavor: .simd) == nil)
        #expect(Backend(host: .wasmKit, level: .l0, flavor: .simd) == nil)
        #expect(Backend(host: .v8, level: .l2) == nil)
        #expect(Backend(host: .v8, level: .l0, flavor: .simd) == nil)
        #expect(Backend(host: .process, level: .l5) == nil)
        #expect(Backend(host: .v8, level: .l3, flavor: .scalar)?.name == "wasm-v8-l3-scalar")
    }

    /// Each JS host runs its own backends, each level once per job.
    @Test func theJSHostsTakeTheirOwnBackendsOnce() throws {
        #expect(try NodeHost.hostLevels([.jsV8, .wasm(.v8, .l2)]) == ["l0-js", "l2-wasm-simd"])
        #expect(try NodeHost.hostLevels([.wasm(.chromium, .l3)], host: .chromium) == ["l3-wasm-simd"])
        #expect(throws: ConvergeError.self) { try NodeHost.hostLevels([.wasm(.chromium, .l3)]) }
        #expect(throws: ConvergeError.self) { try NodeHost.hostLevels([.wasm(.v8, .l3)], host: .chromium) }
        #expect(throws: ConvergeError.self) { try NodeHost.hostLevels([.wasm(.v8, .l2), .wasm(.v8, .l2)]) }
        #expect(try NodeHost.hostLevels([.wasm(.v8, .l2), .wasm(.v8, .l2)], unique: false).count == 2)
        #expect(throws: ConvergeError.self) { try NodeHost.planNames([.wasm(.v8, .l2)]) }
        // a job of the JS kernel alone needs no wasm module; any other level does
        #expect(!NodeHost.jobNeedsWasm(["levels": ["l0-js"]]) && !NodeHost.jobNeedsWasm(["backends": ["js-v8"]]))
        #expect(NodeHost.jobNeedsWasm(["levels": ["l0-js", "l1-wasm-simd"]]))
        #expect(NodeHost.jobNeedsWasm(["points": [["level": "l2-wasm-scalar"]]]))
    }

    @Test func aBackendOutsideTheJSHostsIsRefusedByTheNodeHost() {
        let graph = try! CompiledGraph(Workload.converge(steps: 4))
        do {
            _ = try NodeHost.txnCore(graph, [], levels: [.native(.l2)], mode: .dirty, policy: NodeHost.TxnPolicy())
            Issue.record("native-l2 was accepted as a Node host level")
        } catch {
            #expect(error.code == .invalidArgument && error.message.contains("native-l2"), "\(error)")
        }
    }

    /// `converge plan --backend`: every planning backend gives the native kernel's plan, with its
    /// boundary for wasm and JS; the V8 ones only where node runs (required in CI).
    @Test func everyPlannerGivesTheNativePlan() throws {
        let graph = try CompiledGraph(Workload.converge(steps: 300))
        let artifact = try Artifact(bytes: try Artifact.encode(graph))
        let withNode = NodeHost.available || ProcessInfo.processInfo.environment["CONVERGE_REQUIRE_NODE"] == "1"
        for dirty in [graph.dirtySet(paths: try Workload.convergeDirty(roots: 7)), graph.dirtySet(paths: ["*"])] {
            for mode in [PlanMode.dirty, .full] {
                let native = try Backend.native(.l1).plan(dirty, in: graph, mode: mode, scope: .all)
                #expect(native.boundary == nil && native.plan.stepIds.count == (mode == .full || dirty.dirtyAll ? 300 : 7))
                for b in Backend.planners where b.host != .v8 || withNode {
                    for fromArtifact in b.host == .v8 ? [false] : [false, true] {   // (V8 plans from the graph)
                        let r = try b.plan(dirty, in: graph, artifact: fromArtifact ? artifact : nil, mode: mode, scope: .all,
                                           settings: Backend.PlannerSettings(implementation: .scalar, flavor: .scalar))
                        #expect(r.plan.stepIds == native.plan.stepIds && r.plan.executedMode == native.plan.executedMode,
                                "\(b.name) artifact \(fromArtifact)")
                        #expect((r.boundary?.calls ?? 0) == (b.host == .process ? 0 : 1), "\(b.name)")
                    }
                }
            }
        }
        #expect(throws: ConvergeError.self) {
            _ = try Backend.native(.l3).plan(graph.dirtySet(paths: ["b0"]), in: graph, mode: .dirty, scope: .all)
        }
    }
}
