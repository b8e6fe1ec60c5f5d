import ConvergeBench
import CKernel
import ConvergeKernelTestSupport
import Testing
@testable import ConvergeKernel

/// L4's data layout (docs/kernel-abi.md, "Layout"): invisible at the boundary (every path id reads
/// and writes the same values, trace records name the same paths, whatever the slot order), a
/// typed error for every broken layout, and the suggested layout making the workload's runs
/// contiguous.
@Suite struct LayoutTests {
    /// A random permutation of 0..<n.
    static func permutation(_ n: Int, _ rng: inout SeededRNG) -> [UInt32] {
        var p = (0..<n).map { UInt32($0) }
        if n > 1 { for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, rng.below(i + 1)) } }
        return p
    }

    static func options(_ level: ExecutionLevel, _ mode: ConvergeMode) -> RuntimeOptions {
        var o = RuntimeOptions(level: level, mode: mode, diagnostics: .full)
        o.auto.decisionBudgetMs = 0
        o.auto.costModel = false
        o.executionBudgetMs = 0
        return o
    }

    /// Random expression graphs (links, host steps, bytecode runs) from artifacts carrying random
    /// permutations as layouts: L4 reaches L3's states, outcomes and patch records (path ids) on
    /// every transaction.
    @Test(arguments: 0..<3)
    func anyPermutationIsInvisibleAtTheBoundary(_ chunk: Int) throws {
        var compared = 0
        for n in 0..<6 {
            let seed = UInt64(chunk * 6 + n) &* 0x2545_F491 &+ 3
            let g = try CompiledGraph(ExprLevelDifferentialTests.graph(seed: seed))
            var rng = SeededRNG(seed: seed)
            let code = try ExprCompiler.compile(g, policy: .try).bytecode ?? Bytecode(stepCount: g.stepCount)
            let layout = Self.permutation(g.pathCount, &rng)
            let artifact = try Artifact(bytes: Artifact.encode(g, bytecode: code, layout: layout))
            #expect(artifact.layout == layout)
            for mode in [ConvergeMode.full, .dirty, .auto] {
                let l3 = try ConvergeRuntime(g, options: Self.options(.l3, mode))
                let l4 = try ConvergeRuntime(artifact: artifact, options: Self.options(.l4, mode))
                #expect(l4.native!.hasLayout)
                for rt in [l3, l4] {
                    for entry in rt.compileReport.entries where entry.compiled == nil {
                        try rt.derive(entry.out) { inputs in .number((inputs.number(0) ?? .nan) * 2) }
                    }
                }
                for t in 0..<20 {
                    let writes = (0..<(1 + rng.below(4))).map { _ in ("f\(rng.below(10))", ExprLevelDifferentialTests.value(&rng)) }
                    let a = try l3.transaction { txn in for (p, v) in writes { try txn.set(p, v) } }
                    let b = try l4.transaction { txn in for (p, v) in writes { try txn.set(p, v) } }
                    #expect(a.outcome == b.outcome && a.committed == b.committed, "seed \(seed) \(mode) txn \(t)")
                    let sa = l3.state.snapshot(), sb = l4.state.snapshot()
                    let diff = (0..<sa.count).first { !ExprLevelDifferentialTests.same(sa[$0], sb[$0]) }
                    #expect(diff == nil, "seed \(seed) \(mode) txn \(t): differs at \(diff.map { g.fieldPaths[$0] } ?? "")")
                    let pa = l3.lastPatches(), pb = l4.lastPatches()
                    #expect(pa.map(\.pathId) == pb.map(\.pathId) && pa.map(\.stepId) == pb.map(\.stepId),
                            "seed \(seed) \(mode) txn \(t): patch records name other paths")
                    // reads by id and by path go through the layout
                    for p in 0..<min(g.pathCount, 8) {
                        #expect(ExprLevelDifferentialTests.same(try l4.state.value(UInt32(p)), sa[p]))
                    }
                    compared += 1
                }
            }
        }
        #expect(compared == 3 * 6 * 20)
    }

    /// The kernel's suggested layout makes the converge workload's run contiguous; without it the
    /// run reads gathered slots (the registry orders paths b0, b1, b10, …).
    @Test func theSuggestedLayoutMakesTheWorkloadContiguous() throws {
        let g = try CompiledGraph(Workload.converge(steps: 300))
        let l3 = try ConvergeRuntime(g, options: RuntimeOptions(level: .l3))
        let l4 = try ConvergeRuntime(g, options: RuntimeOptions(level: .l4))
        #expect(l3.bytecodeInfo?.runs == 1 && l3.bytecodeInfo?.contiguousRuns == 0)
        #expect(l4.bytecodeInfo?.runs == 1 && l4.bytecodeInfo?.contiguousRuns == 1 && l4.bytecodeInfo?.fusedRuns == 1)
        let slots = l4.native!.suggestedLayout()
        // b_i before d_i, each in step order
        #expect((0..<300).allSatisfy { slots[Int(g.pathId("b\($0)")!)] == UInt32($0) })
        #expect((0..<300).allSatisfy { slots[Int(g.pathId("d\($0)")!)] == UInt32(300 + $0) })
        #expect(Set(slots).count == g.pathCount)
    }

    /// setLayout: wrong size, a slot out of range, a slot given twice — typed errors naming the
    /// path, and the state untouched; nil restores the identity with every value kept.
    @Test func brokenLayoutsAreRefusedAndNothingMoves() throws {
        let g = try CompiledGraph(Workload.converge(steps: 4))
        let n = try NativeKernel(g)
        let view = n.stateView()
        for p in 0..<g.pathCount { view.tags[p] = ConvergeValue.numberTag; view.values[p] = Double(p) * 10 }
        func values() -> [Double] { (0..<g.pathCount).map { view.values[Int(view.slotOf[$0])] } }
        let before = values()
        var layout = (0..<g.pathCount).map { UInt32($0) }.reversed().map { $0 }
        #expect(throws: ConvergeError.self) { try n.setLayout(Array(layout.dropLast())) }
        var bad = layout
        bad[3] = UInt32(g.pathCount)
        do { try n.setLayout(bad); Issue.record("out of range accepted") } catch {
            #expect(error.code == .invalidArgument && error.message.contains("path 3 slot \(g.pathCount)"), "\(error)")
        }
        bad = layout
        bad[5] = bad[2]
        do { try n.setLayout(bad); Issue.record("a repeated slot accepted") } catch {
            #expect(error.message.contains("path 5 slot \(bad[2])") && error.message.contains("given twice"), "\(error)")
        }
        #expect(!n.hasLayout && values() == before)
        try n.setLayout(layout)
        #expect(n.hasLayout && values() == before && view.values[Int(layout[0])] == 0)
        layout.swapAt(0, 1)
        try n.setLayout(layout)
        #expect(values() == before)
        try n.setLayout(nil)
        #expect(!n.hasLayout && values() == before && (0..<g.pathCount).allSatisfy { view.values[$0] == Double($0) * 10 })
    }

    /// A broken layout section: a slot out of range (found when the file opens) or a slot given
    /// twice (found when a kernel takes the layout) is `invalidArtifact` naming the section and
    /// the byte of the path's entry; level l4 refuses a file without a layout.
    @Test func aBrokenLayoutSectionNamesItsByte() throws {
        let g = try CompiledGraph(Workload.converge(steps: 8))
        let bytes = try Artifact.encode(g)
        let s = ArtifactTamperTests.section(bytes, CK_ARTIFACT_SEC_LAYOUT)
        #expect(s.length == 4 * g.pathCount)
        var b = bytes
        ArtifactTests.put32(&b, s.offset + 4 * 3, UInt32(g.pathCount))
        ArtifactTests.refresh(&b)
        ArtifactTests.expectTyped(ArtifactTests.load(b), section: "layout",
                                  containing: "at byte \(s.offset + 12): value \(g.pathCount) out of range", "slot out of range")
        b = bytes
        let slot2 = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[s.offset + 8 + $1]) << (8 * $1) }
        ArtifactTests.put32(&b, s.offset + 4 * 5, slot2)
        ArtifactTests.refresh(&b)
        ArtifactTests.expectTyped(ArtifactTests.load(b), section: "layout",
                                  containing: "value \(slot2) given twice", "repeated slot")
        let opened = try Artifact(bytes: b)   // the range is fine: only a kernel finds the repeat
        #expect(throws: ConvergeError.self) { _ = try ConvergeRuntime(artifact: opened, options: RuntimeOptions(level: .l4)) }
        _ = try ConvergeRuntime(artifact: opened, options: RuntimeOptions(level: .l3))   // l3 does not take it
        let plain = try Artifact(bytes: Artifact.encode(g, layout: false))
        #expect(!plain.hasLayout)
        do { _ = try ConvergeRuntime(artifact: plain, options: RuntimeOptions(level: .l4)); Issue.record("l4 without a layout") } catch {
            #expect(error.code == .invalidArtifact && error.message.contains("no \"layout\" section"), "\(error)")
        }
    }
}
