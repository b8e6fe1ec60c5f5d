import CKernel
import ConvergeKernelTestSupport
import Foundation
import Testing
@testable import ConvergeKernel

/// The AOT artifact (docs/artifact.md): a compiled graph round-trips to identical plans and L3
/// results, and every broken file — truncated, bit-flipped, oversized, inconsistent — is a typed
/// `invalidArtifact` error naming the section and byte offset, never a crash.
@Suite struct ArtifactTests {
    // MARK: - helpers

    static func u32(_ b: [UInt8], _ at: Int) -> UInt32 { b[at..<at + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
    static func u64(_ b: [UInt8], _ at: Int) -> UInt64 { b[at..<at + 8].reversed().reduce(0) { $0 << 8 | UInt64($1) } }
    static func put32(_ b: inout [UInt8], _ at: Int, _ v: UInt32) { for i in 0..<4 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) } }
    static func put64(_ b: inout [UInt8], _ at: Int, _ v: UInt64) { for i in 0..<8 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) } }
    static func hash(_ b: [UInt8], _ at: Int, _ n: Int) -> UInt64 { b.withUnsafeBytes { ck_artifact_hash($0.baseAddress! + at, n) } }

    /// A section-table entry: (entry offset, id, offset, length).
    static func entries(_ b: [UInt8]) -> [(at: Int, id: UInt32, offset: Int, length: Int)] {
        (0..<Int(u32(b, 20))).map { i in
            let e = 64 + 40 * i
            return (e, u32(b, e), Int(u64(b, e + 8)), Int(u64(b, e + 24)))
        }
    }

    /// Recomputes checksums after a deliberate change: each section's (when `sections`), the
    /// table's and the header's, so that the deeper validation has to find the change.
    static func refresh(_ b: inout [UInt8], sections: Bool = true) {
        let n = Int(u32(b, 20))
        if sections {
            for e in entries(b) where e.offset + e.length <= b.count { put64(&b, e.at + 32, hash(b, e.offset, e.length)) }
        }
        if 64 + 40 * n <= b.count { put64(&b, 48, hash(b, 64, 40 * n)) }
        put64(&b, 56, hash(b, 0, 56))
    }

    static func sectionName(_ id: UInt32) -> String { String(cString: ck_artifact_section_name(id)) }

    /// Open + kernel + graph: the first error, or nil when the file loads completely.
    static func load(_ bytes: [UInt8]) -> ConvergeError? {
        do {
            let a = try Artifact(bytes: bytes)
            try a.validateKernel()
            if a.hasIR { _ = try a.graph() }
            return nil
        } catch {
            return error
        }
    }

    /// Asserts an `invalidArtifact` error that names a section and a byte offset.
    static func expectTyped(_ e: ConvergeError?, section: String? = nil, containing: String? = nil, _ what: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        guard let e else {
            Issue.record("\(what): loaded without an error", sourceLocation: sourceLocation)
            return
        }
        #expect(e.code == .invalidArtifact, "\(what): \(e)", sourceLocation: sourceLocation)
        #expect(e.message.hasPrefix("section \"") && e.message.contains("\" at byte "), "\(what): \(e)", sourceLocation: sourceLocation)
        if let section { #expect(e.message.hasPrefix("section \"\(section)\""), "\(what): \(e)", sourceLocation: sourceLocation) }
        if let containing { #expect(e.message.contains(containing), "\(what): \(e)", sourceLocation: sourceLocation) }
    }

    static let sample: (graph: CompiledGraph, bytes: [UInt8]) = {
        let g = try! CompiledGraph(ExprLevelDifferentialTests.graph(seed: 7))
        return (g, try! Artifact.encode(g))
    }()

    // MARK: - round trips

    @Test func randomGraphsPlanIdenticallyFromTheArtifact() throws {
        var checked = 0
        for seed in UInt64(0)..<60 {
            let g = try CompiledGraph(GraphGenerator.random(seed: seed))
            let bytes = try Artifact.encode(g)
            let a = try Artifact(bytes: bytes)
            #expect(a.stepCount == g.stepCount && a.pathCount == g.pathCount)
            #expect((0..<g.pathCount).allSatisfy { a.pathName($0) == g.fieldPaths[$0] })
            #expect((0..<g.stepCount).allSatisfy { a.stepOut($0) == g.out(ofStep: $0) })
            let rebuilt = try a.graph()
            #expect(rebuilt.triggerSteps == g.triggerSteps && rebuilt.fieldPaths == g.fieldPaths)
            #expect(try a.bytecode == ExprCompiler.compile(g, policy: .try).bytecode)
            let fromFile = try NativeKernel(artifact: a, graph: g)
            let fromGraph = try NativeKernel(g)
            try fromFile.validate()
            var rng = SeededRNG(seed: seed ^ 0x5EED)
            for _ in 0..<8 {
                let dirty = GraphGenerator.randomDirty(for: g.ir, rng: &rng)
                for mode in PlanMode.allCases {
                    for scope in PlanScope.allCases {
                        let p = try fromFile.plan(dirtyPaths: dirty, mode: mode, scope: scope)
                        let q = try fromGraph.plan(dirtyPaths: dirty, mode: mode, scope: scope)
                        #expect(p.stepIds == q.stepIds && p.executedMode == q.executedMode, "seed \(seed) \(dirty) \(mode) \(scope)")
                        checked += 1
                    }
                }
            }
        }
        #expect(checked == 60 * 8 * 6)
    }

    @Test func expressionGraphsReachTheSameStateAtL3() throws {
        var vmSteps = 0
        for seed in UInt64(0)..<10 {
            let g = try CompiledGraph(ExprLevelDifferentialTests.graph(seed: seed &* 977 &+ 3))
            let a = try Artifact(bytes: try Artifact.encode(g))
            for level in [ExecutionLevel.l1, .l3] {
                var o = RuntimeOptions(level: level, mode: .auto, diagnostics: .light)
                o.executionBudgetMs = 0
                o.auto.decisionBudgetMs = 0
                let fromFile = try ConvergeRuntime(artifact: a, options: o)
                let fromGraph = try ConvergeRuntime(g, options: o)
                #expect(fromFile.compileReport == fromGraph.compileReport)
                for rt in [fromFile, fromGraph] {
                    for entry in rt.compileReport.entries where entry.compiled == nil {
                        try rt.derive(entry.out) { inputs in .number((inputs.number(0) ?? .nan) * 2) }
                    }
                }
                var rng = SeededRNG(seed: seed ^ 0xA11)
                for t in 0..<20 {
                    let writes = (0..<(1 + rng.below(4))).map { _ in ("f\(rng.below(10))", ExprLevelDifferentialTests.value(&rng)) }
                    let r1 = try fromFile.transaction { txn in for (p, v) in writes { try txn.set(p, v) } }
                    let r2 = try fromGraph.transaction { txn in for (p, v) in writes { try txn.set(p, v) } }
                    #expect(r1.outcome == r2.outcome && r1.committed == r2.committed)
                    let s1 = fromFile.state.snapshot(), s2 = fromGraph.state.snapshot()
                    #expect((0..<s1.count).allSatisfy { ExprLevelDifferentialTests.same(s1[$0], s2[$0]) }, "seed \(seed) \(level) txn \(t)")
                    #expect(fromFile.lastSummary.vmSteps == fromGraph.lastSummary.vmSteps)
                    vmSteps += fromFile.lastSummary.vmSteps
                }
            }
        }
        #expect(vmSteps > 100, "the VM ran only \(vmSteps) steps from artifacts")
    }

    @Test func aFileLoadsFromDisk() throws {
        let (g, bytes) = Self.sample
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("artifact-\(UUID().uuidString).ckir")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(bytes).write(to: url)
        let a = try Artifact(contentsOf: url.path)
        #expect(a.byteCount == bytes.count && a.compiledSteps > 0 && a.hasIR && a.hasNames)
        let p = try NativeKernel(artifact: a)
        #expect(try p.plan(dirtyPaths: ["f1"], mode: .dirty, scope: .all).stepIds
                == NativeKernel(g).plan(dirtyPaths: ["f1"], mode: .dirty, scope: .all).stepIds)
        #expect(p.codeInfo.compiledSteps == a.compiledSteps)
        #expect(throws: ConvergeError.self) { _ = try Artifact(contentsOf: url.path + ".missing") }
    }

    @Test func withoutIRTheKernelStillLoadsButTheGraphCannotBeRebuilt() throws {
        let (g, _) = Self.sample
        let bytes = try Artifact.encode(g, names: false, ir: false)
        let a = try Artifact(bytes: bytes)
        #expect(!a.hasIR && !a.hasNames && a.pathName(0) == nil)
        try a.validateKernel()
        #expect(throws: ConvergeError.self) { _ = try a.graph() }
        let p = try NativeKernel(artifact: a, graph: g)
        #expect(try p.plan(dirtyPaths: ["f2"], mode: .dirty, scope: .all).stepIds
                == NativeKernel(g).plan(dirtyPaths: ["f2"], mode: .dirty, scope: .all).stepIds)
    }

    @Test func theInitialStateLandsInTheSlots() throws {
        let (g, _) = Self.sample
        var state = [ConvergeValue](repeating: .undefined, count: g.pathCount)
        state[0] = .number(-0.0)
        state[1] = .boolean(true)
        state[2] = .null
        let a = try Artifact(bytes: Artifact.encode(g, bytecode: ExprCompiler.compile(g, policy: .try).bytecode!, state: state))
        #expect(a.initialState == state)
        let rt = try ConvergeRuntime(artifact: a, options: RuntimeOptions(level: .l2))
        #expect(try rt.state.value(0).payload.sign == .minus && rt.state.value(1) == .boolean(true) && rt.state.value(2) == .null)
        // a non-canonical value is refused
        var bytes = try Artifact.encode(g)
        let values = Self.entries(bytes).first { $0.id == CK_ARTIFACT_SEC_STATE_VALUES }!
        Self.put64(&bytes, values.offset + 8, 1.5.bitPattern)
        Self.refresh(&bytes)
        Self.expectTyped(Self.load(bytes), section: "state_values", containing: "at byte \(values.offset + 8):", "undefined slot with a value")
    }

    @Test func aMustPolicyIsRecorded() throws {
        var b = IRBuilder()
        b.field("a")
        b.computed("x", deps: ["a"], expr: "a + 1")
        let g = try CompiledGraph(b.build())
        #expect(try Artifact(bytes: Artifact.encode(g, policy: .must)).compilePolicy == .must)
        b.computed("y", deps: ["a"])
        #expect(throws: ConvergeError.self) { _ = try Artifact.encode(try CompiledGraph(b.build()), policy: .must) }
    }

    // MARK: - the broken-file corpus

    @Test func truncationsAtEverySectionBoundaryAndRandomOffsets() {
        let bytes = Self.sample.bytes
        var cuts: Set<Int> = [0, 1, 8, 63, 64, 65, bytes.count - 1]
        for e in Self.entries(bytes) { cuts.formUnion([e.offset, e.offset + 1, e.offset + e.length - 1, e.offset + e.length]) }
        var rng = SeededRNG(seed: 11)
        for _ in 0..<60 { cuts.insert(rng.below(bytes.count)) }
        for cut in cuts.sorted() where cut < bytes.count {
            let e = Self.load(Array(bytes[..<cut]))
            Self.expectTyped(e, section: "header", containing: "truncated", "cut at \(cut)")
        }
        // a header that agrees with the truncation finds the missing section instead
        let cut = Self.entries(bytes)[5].offset + 3
        var b = Array(bytes[..<cut])
        Self.put64(&b, 24, UInt64(cut))
        Self.refresh(&b, sections: false)
        Self.expectTyped(Self.load(b), section: Self.sectionName(Self.entries(bytes)[5].id), "cut with header fixed")
    }

    @Test func extraBytesAreOversized() {
        let e = Self.load(Self.sample.bytes + [0, 0, 0, 0, 0, 0, 0, 0])
        Self.expectTyped(e, section: "header", containing: "at byte 24: oversized: the header says", "8 bytes appended")
    }

    @Test func everyHeaderFieldCorrupted() {
        let bytes = Self.sample.bytes
        // (offset, new value, expected rule) — with the header checksum fixed up
        let cases: [(Int, UInt32, String)] = [
            (0, 0x5249_4B44, "not an artifact"), (4, 2, "unsupported version 2"), (8, 0x0403_0201, "byte-order marker"),
            (12, 128, "invalid header field"), (16, 0x80, "invalid header field"), (20, 3, "invalid header field"),
            (24, 99, "oversized"), (28, 1, "truncated"), (32, 1 << 25, "exceeds the kernel's limit"),
            (36, 1 << 25, "exceeds the kernel's limit"), (32, 3, "count"), (36, 1, "count"), (40, 1, "invalid header field"),
            (48, 1, "checksum mismatch"), (16, 0, "invalid header field"),
        ]
        for (at, v, rule) in cases {
            var b = bytes
            Self.put32(&b, at, v)
            Self.put64(&b, 56, Self.hash(b, 0, 56))
            Self.expectTyped(Self.load(b), containing: rule, "header field at \(at) = \(v)")
            // without the fix-up the header checksum catches it (magic, version, marker come first)
            var raw = bytes
            Self.put32(&raw, at, v)
            Self.expectTyped(Self.load(raw), section: "header", containing: at < 12 ? nil : "at byte 56: checksum mismatch", "raw header field at \(at)")
        }
        var b = bytes
        b[57] ^= 1
        Self.expectTyped(Self.load(b), section: "header", containing: "at byte 56: checksum mismatch", "header checksum")
    }

    @Test func everySectionsChecksumBroken() {
        let bytes = Self.sample.bytes
        for e in Self.entries(bytes) {
            var b = bytes
            b[e.at + 32] ^= 0x40
            Self.refresh(&b, sections: false)
            Self.expectTyped(Self.load(b), section: Self.sectionName(e.id), containing: "at byte \(e.offset): checksum mismatch", "checksum of \(e.id)")
            if e.length > 0 {
                // a flipped bit in the data with the checksums left alone
                var c = bytes
                c[e.offset + e.length / 2] ^= 0x10
                Self.expectTyped(Self.load(c), section: Self.sectionName(e.id), containing: "checksum mismatch", "bit in section \(e.id)")
            }
        }
        // a flipped bit in the section table is the table checksum's
        var t = bytes
        t[64 + 40 * 3 + 20] ^= 1
        Self.expectTyped(Self.load(t), section: "header", containing: "at byte 48: checksum mismatch", "table bit")
    }

    /// A bit flipped in each section with every checksum fixed up: the deeper validation (counts,
    /// offsets, table invariants, bytecode verifier, IR/tables agreement) must find it — or, where
    /// the change is itself valid (a constant, a name, a state number), the file loads. Never a crash.
    @Test func bitFlipsWithChecksumsFixedUpAreCaughtByTheDeeperValidation() {
        let bytes = Self.sample.bytes
        var rng = SeededRNG(seed: 42)
        var caught = Set<String>()
        // sections whose every flip must be caught (the values are all constrained)
        let strict: Set<UInt32> = [CK_ARTIFACT_SEC_PATH_PREFIX_OFFSETS, CK_ARTIFACT_SEC_STEP_OUT_PATH, CK_ARTIFACT_SEC_TRIGGER_OFFSETS,
                                   CK_ARTIFACT_SEC_DEP_OFFSETS, CK_ARTIFACT_SEC_INPUT_OFFSETS, CK_ARTIFACT_SEC_CODE_OFFSETS,
                                   CK_ARTIFACT_SEC_STATE_TAGS, CK_ARTIFACT_SEC_PATH_NAMES, CK_ARTIFACT_SEC_STEP_OUTS]
        for e in Self.entries(bytes) where e.length > 0 {
            for trial in 0..<24 {
                var b = bytes
                let at = e.offset + rng.below(e.length)
                // the top bits of a u32 word make out-of-range values; any bit elsewhere
                let bit = trial < 12 && e.length >= 4 ? 7 : rng.below(8)
                let byte = trial < 12 && e.length >= 4 ? at - (at - e.offset) % 4 + 3 : at
                b[byte] ^= UInt8(1 << bit)
                Self.refresh(&b)
                if let err = Self.load(b) {
                    if err.code == .invalidArtifact {
                        Self.expectTyped(err, "flip in section \(Self.sectionName(e.id)) at \(byte)")
                        caught.insert(Self.sectionName(e.id))
                    } else {
                        // only the IR's own parser may say something else (its JSON, its graph)
                        #expect(e.id == CK_ARTIFACT_SEC_IR, "flip in \(Self.sectionName(e.id)): \(err)")
                    }
                } else {
                    #expect(!strict.contains(e.id) || trial >= 12, "flip in \(Self.sectionName(e.id)) at \(byte) bit \(bit) was not caught")
                }
            }
        }
        for id in strict { #expect(caught.contains(Self.sectionName(id)), "no flip caught in \(Self.sectionName(id))") }
        #expect(caught.count >= 15, "caught only in \(caught.sorted())")
    }

    @Test func oversizedCountsOverlapsAndMisalignment() {
        let bytes = Self.sample.bytes
        let es = Self.entries(bytes)
        func tamper(_ i: Int, _ change: (inout [UInt8], Int) -> Void) -> ConvergeError? {
            var b = bytes
            change(&b, es[i].at)
            Self.refresh(&b, sections: false)
            return Self.load(b)
        }
        let name = Self.sectionName(es[4].id)
        Self.expectTyped(tamper(4) { b, e in Self.put64(&b, e + 16, 1 << 60); Self.put64(&b, e + 24, 1 << 62) },
                         section: name, containing: "reaches past the end", "huge length")
        Self.expectTyped(tamper(4) { b, e in Self.put64(&b, e + 16, Self.u64(b, e + 16) + 1) },
                         section: name, containing: "element size or count", "count off by one")
        Self.expectTyped(tamper(4) { b, e in Self.put32(&b, e + 4, 2) }, section: name, containing: "element size", "element size")
        Self.expectTyped(tamper(4) { b, e in Self.put64(&b, e + 8, UInt64(es[3].offset)) },
                         section: name, containing: "overlaps the previous section", "overlap")
        Self.expectTyped(tamper(4) { b, e in Self.put64(&b, e + 8, UInt64(es[4].offset + 8)) },
                         section: name, containing: "is not a multiple of 64", "misaligned")
        Self.expectTyped(tamper(4) { b, e in Self.put64(&b, e + 8, UInt64(es[4].offset + 64)) },
                         section: name, containing: "not where the layout puts", "gap")
        Self.expectTyped(tamper(4) { b, e in Self.put32(&b, e, 30) }, section: "header", containing: "section id 30", "unknown id")
        Self.expectTyped(tamper(4) { b, e in Self.put32(&b, e, es[3].id) }, section: "header", containing: "section id", "repeated id")
        // counts that agree with their length but not with the header: the CSR items grow by one
        var b = bytes
        let items = es.first { $0.id == CK_ARTIFACT_SEC_PATH_PREFIX_OFFSETS }!
        Self.put32(&b, items.offset, 5)
        Self.refresh(&b)
        Self.expectTyped(Self.load(b), section: "path_prefix_offsets", "offset 0 not 0")
    }

    @Test func bytecodeTheVerifierRefusesNamesTheInstruction() throws {
        let g = Self.sample.graph
        var code = try #require(ExprCompiler.compile(g, policy: .try).bytecode)
        code.instructions[0].a = 200   // a register beyond the step's count
        let bytes = Artifact.encode(g, bytecode: code)
        let a = try Artifact(bytes: bytes)   // the container is fine
        let insns = Self.entries(bytes).first { $0.id == CK_ARTIFACT_SEC_CODE_INSNS }!
        do {
            try a.validateKernel()
            Issue.record("the verifier accepted register r200")
        } catch {
            Self.expectTyped(error, section: "insns", containing: "at byte \(insns.offset): bytecode rule \"register\"", "register")
        }
    }
}
