import Foundation
import Testing
@testable import ConvergeKernel
import ConvergeWasm

/// Every error code, from JSON and from the builder, with a message naming the offender.
@Suite struct ErrorCodeTests {
    private func jsonError(_ text: String) -> ConvergeError? {
        do {
            _ = try CompiledGraph(json: Data(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    private func buildError(_ ir: ConvergeIR) -> ConvergeError? {
        do {
            _ = try CompiledGraph(ir)
            return nil
        } catch {
            return error
        }
    }

    @Test func invalidJSONNamesTheProblem() {
        #expect(jsonError("{not json")?.code == .invalidJSON)
        #expect(jsonError("[1, 2]")?.code == .invalidJSON)
        let e = jsonError(#"{"format":"converge-ir","version":1,"steps":[{"kind":"computed","out":"x","deps":[1]}]}"#)
        #expect(e?.code == .invalidJSON)
        #expect(e?.message.contains("steps[0].deps[0]") == true)
        #expect(jsonError(#"{"format":"converge-ir","version":1,"fields":"a","steps":[]}"#)?.code == .invalidJSON)
        #expect(jsonError(#"{"format":"converge-ir","version":1,"steps":[{"kind":"link","out":5,"from":"a"}]}"#)?.code == .invalidJSON)
    }

    @Test func unsupportedFormatAndVersion() {
        let f = jsonError(#"{"format":"other","version":1,"steps":[]}"#)
        #expect(f?.code == .unsupportedFormat)
        #expect(f?.message.contains("\"other\"") == true)
        let v = jsonError(#"{"format":"converge-ir","version":2,"steps":[]}"#)
        #expect(v?.code == .unsupportedVersion)
        #expect(v?.message.contains("2") == true)
        #expect(jsonError(#"{"format":"converge-ir","version":true,"steps":[]}"#)?.code == .unsupportedVersion)
        #expect(jsonError(#"{"version":1,"steps":[]}"#)?.code == .missingField)
    }

    @Test func unknownStepKindFromJSONAndBuilder() {
        let e = jsonError(#"{"format":"converge-ir","version":1,"steps":[{"kind":"effect","out":"x"}]}"#)
        #expect(e?.code == .unknownStepKind)
        #expect(e?.message.contains("effect") == true)
        var b = IRBuilder()
        b.step(IRStep(kind: "source", out: "y"))
        #expect(buildError(b.build())?.code == .unknownStepKind)
    }

    @Test func missingFieldNamesTheStep() {
        let e = jsonError(#"{"format":"converge-ir","version":1,"steps":[{"kind":"link","out":"m"}]}"#)
        #expect(e?.code == .missingField)
        #expect(e?.message.contains("\"m\"") == true)
        #expect(jsonError(#"{"format":"converge-ir","version":1,"steps":[{"kind":"computed","deps":[]}]}"#)?.code == .missingField)
        #expect(jsonError(#"{"format":"converge-ir","version":1}"#)?.code == .missingField)
        var b = IRBuilder()
        b.link("m", from: nil)
        #expect(buildError(b.build())?.code == .missingField)
    }

    @Test func missingDepsFromJSONAndBuilder() {
        let e = jsonError(#"{"format":"converge-ir","version":1,"steps":[{"kind":"computed","out":"x"}]}"#)
        #expect(e?.code == .missingDeps)
        #expect(e?.message.contains("\"x\"") == true)
        var b = IRBuilder()
        b.computed("x", deps: nil)
        #expect(buildError(b.build())?.code == .missingDeps)
        var ok = IRBuilder()
        ok.computed("x", deps: [])
        #expect(buildError(ok.build()) == nil)
    }

    @Test func unmappableOutNamesThePath() {
        for out in ["a.*", "0", "", "*", "x[*]", "[]", "1.2"] {
            var b = IRBuilder()
            b.computed(out, deps: ["a"])
            let e = buildError(b.build())
            #expect(e?.code == .unmappableOut, "out \(out)")
            #expect(e?.message.contains("\"\(out)\"") == true)
        }
    }

    @Test func cycleListsTheStepsOnIt() {
        var b = IRBuilder()
        b.computed("x", deps: ["z"])
        b.computed("y", deps: ["x"])
        b.computed("z", deps: ["y"])
        b.computed("tail", deps: ["z"])
        let e = buildError(b.build())
        #expect(e?.code == .cycleDetected)
        for name in ["\"x\"", "\"y\"", "\"z\""] { #expect(e?.message.contains(name) == true) }
        #expect(e?.message.contains("4 steps left unordered") == true)
    }

    @Test func linkOnlyCycleIsDetected() {
        var b = IRBuilder()
        b.link("l0", from: "l1")
        b.link("l1", from: "l0")
        let e = buildError(b.build())
        #expect(e?.code == .cycleDetected)
        #expect(e?.message.contains("links form a cycle") == true)
    }

    @Test func selfCycleIsDetected() {
        var b = IRBuilder()
        b.computed("x", deps: ["x", "a"])
        #expect(buildError(b.build())?.code == .cycleDetected)
    }

    @Test func multipleWritersNamesPathAndSteps() {
        var b = IRBuilder()
        b.computed("x", deps: ["a"])
        b.link("x", from: "b")
        let e = buildError(b.build())
        #expect(e?.code == .multipleWriters)
        #expect(e?.message.contains("\"x\" is written by 2 steps: steps[0] (computed), steps[1] (link)") == true)
    }

    @Test func tooLargeNamesTheLimit() {
        var b = IRBuilder()
        b.computed("a.x", deps: ["b", "c"])
        b.computed("y", deps: ["a.x", "a.x"])
        let ir = b.build()
        func err(_ limits: CompiledGraph.Limits) -> ConvergeError? {
            do { _ = try CompiledGraph(ir, limits: limits); return nil } catch { return error }
        }
        var l = CompiledGraph.Limits()
        l.steps = 1
        #expect(err(l)?.message == "2 steps; the limit is 1")
        l = CompiledGraph.Limits()
        l.paths = 4  // a, a.x, b, c, y
        #expect(err(l)?.code == .tooLarge)
        // counted as the registry is built: it stops at the first path beyond the limit
        #expect(err(l)?.message == "more than 4 field paths; the limit is 4")
        l = CompiledGraph.Limits()
        l.edges = 1  // y reads a.x twice: two edges
        #expect(err(l)?.message == "2 edges; the limit is 1")
        #expect(err(CompiledGraph.Limits()) == nil)
        #expect(CompiledGraph.maxPaths >= 1 << 24 && CompiledGraph.maxSteps >= 1 << 24 && CompiledGraph.maxEdges >= 1 << 28)
    }

    @Test func codeWordsAreThePhrasesPeopleRecognize() {
        #expect(ConvergeError.Code.cycleDetected.words == "cycle")
        #expect(ConvergeError.Code.multipleWriters.words == "multiple writers")
        #expect(ConvergeError.Code.missingDeps.words == "missing deps")
        #expect(ConvergeError(.unmappableOut, "m").description == "unmappable out: m")
        #expect(ConvergeError.Code.cycleDetected.logixCode == "CYCLE_DETECTED")
        #expect(ConvergeError.Code.invalidExpression.words == "invalid expression")
        #expect(ConvergeError.Code.invalidExpression.logixCode == nil)
        #expect(ConvergeError.Code.invalidArtifact.words == "invalid artifact")
        #expect(ConvergeError.Code.invalidArtifact.logixCode == nil)
        #expect(ConvergeError.Code.wasmToolchainMissing.words == "wasm toolchain missing")
        #expect(ConvergeError.Code.backendFailure.rawValue == "backendFailure")
    }

    /// The codes are an open set (ConvergeWasm adds its own): across the kernel's and the wasm
    /// module's, no two share a name or words, and a code equals only itself.
    @Test func codesAreUniqueAcrossModules() {
        let all = ConvergeError.Code.kernelCodes + ConvergeError.Code.wasmCodes
        #expect(all.count == 22)
        #expect(Set(all.map(\.rawValue)).count == all.count)
        #expect(Set(all.map(\.words)).count == all.count)
        #expect(Set(all).count == all.count)
        #expect(ConvergeError(.cycleDetected, "x") != ConvergeError(.multipleWriters, "x"))
        #expect(ConvergeError(.wasmBuildFailed, "x") == ConvergeError(.wasmBuildFailed, "x"))
        // a switch matches the static members
        let matched: String = switch ConvergeError.Code.wasmToolchainMissing {
        case .cycleDetected: "cycle"
        case .wasmToolchainMissing: "wasm"
        default: "other"
        }
        #expect(matched == "wasm")
    }

    @Test func badDirtyIdsAreTypedErrors() throws {
        var b = IRBuilder()
        b.computed("x", deps: ["a"])
        let g = try CompiledGraph(b.build())
        #expect(throws: ConvergeError.self) { try g.dirtySet(ids: [99]) }
        let e = try? g.dirtySet(ids: [0, 99])
        #expect(e == nil)
    }
}
