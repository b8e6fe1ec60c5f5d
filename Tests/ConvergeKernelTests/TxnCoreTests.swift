import ConvergeBench
import CKernel
import ConvergeKernelTestSupport
import Testing
@testable import ConvergeKernel

/// The C transaction core (`ck_txn_*`) on its own: the write log as a wasm host fills it (raw
/// records), its errors, abort, and auto mode in C against the Swift decider of L0 over long
/// random sequences of dirty sets.
@Suite struct TxnCoreTests {
    /// A C transaction core over the converge workload: its graph, kernel, `txn` and write log.
    /// The test that makes one ends it with `free()`.
    struct Core {
        let g: CompiledGraph
        let planner: NativeKernel
        let txn: OpaquePointer
        let log: UnsafeMutablePointer<ck_txn_log_t>

        /// A core over `Workload.converge(steps:)`; with `bytecode` the workload's bytecode is
        /// loaded, so the kernel runs every step itself.
        init(steps: Int, logCapacity: UInt32 = 0, bytecode: Bool = true) throws {
            g = try CompiledGraph(Workload.converge(steps: steps))
            planner = try NativeKernel(g)
            var o = ck_txn_options_t()
            ck_txn_options_init(&o)
            o.log_capacity = logCapacity
            var txn: OpaquePointer?
            var err = ck_error_t()
            let status = ck_txn_create(planner.kernel, &o, &txn, &err)
            try #require(status == CK_OK)
            self.txn = try #require(txn)
            log = ck_txn_log(self.txn)!
            if bytecode { try loadBytecode() }
        }

        /// Frees the C transaction core.
        func free() { ck_txn_free(txn) }

        /// Loads the workload's bytecode into the kernel.
        func loadBytecode() throws {
            try planner.loadCode(try #require(try ExprCompiler.compile(g, policy: .try).bytecode))
        }

        /// The state: every path's slot as a value.
        var slots: [ConvergeValue] {
            let v = planner.stateView()
            return (0..<g.pathCount).map { ConvergeValue(tag: v.tags[$0], payload: v.values[$0]) }
        }

        /// Logs a number write of `value` to `path`.
        func write(_ path: String, _ value: Double) -> ck_status_t {
            ck_txn_write(log, g.pathId(path)!, UInt8(CK_TAG_NUMBER), value)
        }

        /// Commits the logged writes in `mode` (CK_TXN_FULL, CK_TXN_DIRTY): the status and the
        /// result and error it filled.
        func commit(_ mode: UInt32) -> (status: ck_status_t, result: ck_txn_result_t, error: ck_error_t) {
            var req = ck_txn_request_t()
            req.mode = mode
            var res = ck_txn_result_t()
            var err = ck_error_t()
            let status = ck_txn_commit(txn, &req, &res, &err)
            return (status, res, err)
        }

        /// Logs `value` for `path` and commits in full mode, both expected to succeed; the state after.
        func commitNumber(_ value: Double, to path: String, sourceLocation: SourceLocation = #_sourceLocation) -> [ConvergeValue] {
            #expect(write(path, value) == CK_OK, sourceLocation: sourceLocation)
            #expect(commit(CK_TXN_FULL).status == CK_OK, sourceLocation: sourceLocation)
            return slots
        }
    }

    @Test func aMalformedLogIsATypedErrorAndNothingIsWritten() throws {
        let core = try Core(steps: 8)
        defer { core.free() }
        let g = core.g, log = core.log
        // a good transaction first: its state is the base the bad ones must leave alone
        let base = core.commitNumber(5, to: "b0")
        #expect(base[Int(g.pathId("d0")!)] == .number(6))

        var err = ck_error_t()
        for (position, bad) in [(2, ck_write_t(id: UInt32(g.pathCount), tag: UInt8(CK_TAG_NUMBER), reserved: (0, 0, 0), value: 1)),
                                (1, ck_write_t(id: g.pathId("b1")!, tag: 7, reserved: (0, 0, 0), value: 1))] {
            // one write applied early (a flush), then raw records as a wasm host stores them
            #expect(core.write("b2", 9) == CK_OK)
            #expect(ck_txn_flush(log, &err) == CK_OK)
            let entries = log.pointee.entries!
            entries[0] = ck_write_t(id: g.pathId("b3")!, tag: UInt8(CK_TAG_BOOLEAN), reserved: (0, 0, 0), value: 1)
            for i in 1..<position { entries[i] = entries[0] }
            entries[position] = bad
            log.pointee.count = UInt32(position + 1)
            let (status, _, failure) = core.commit(CK_TXN_FULL)
            #expect(status == CK_ERR_BAD_WRITE)
            #expect(failure.table == CK_TABLE_WRITE_LOG && failure.index == UInt64(position))
            if bad.tag == 7 {
                #expect(failure.value == 7 && failure.fault.rawValue == CK_WRITE_FAULT_TAG)
            } else {
                #expect(failure.value == UInt64(g.pathCount))
            }
            #expect(String(cString: ck_status_name(CK_ERR_BAD_WRITE)) == "bad write")
            // nothing written: the flushed b2 is undone too, the log is empty
            #expect(core.slots == base && log.pointee.count == 0)
        }
        // the inline write refuses an unknown id without appending
        #expect(ck_txn_write(log, UInt32(g.pathCount), UInt8(CK_TAG_NUMBER), 1) == CK_ERR_UNKNOWN_PATH_ID)
        #expect(log.pointee.count == 0)
    }

    @Test func aFullLogIsAppliedAndTheCommitSeesEveryWrite() throws {
        let core = try Core(steps: 40, logCapacity: 4, bytecode: false)
        defer { core.free() }
        let g = core.g, log = core.log
        #expect(log.pointee.capacity == 4)
        for i in 0..<40 { #expect(core.write("b\(i)", Double(i)) == CK_OK) }
        // no callback and no bytecode: the computed steps cannot run — a typed error, nothing executed
        #expect(core.commit(CK_TXN_DIRTY).status == CK_ERR_NO_HOST_STEP)
        ck_txn_abort(core.txn)
        #expect(core.slots.allSatisfy { $0 == .undefined })
        // with the workload's bytecode loaded the kernel runs every step itself
        try core.loadBytecode()
        for i in 0..<40 { #expect(core.write("b\(i)", Double(i)) == CK_OK) }
        let (status, res, _) = core.commit(CK_TXN_DIRTY)
        #expect(status == CK_OK)
        #expect(res.log_entries == 40 && res.dirty_roots == 40 && res.plan_len == 40 && res.changed_steps == 40 && res.committed == 1)
        let s = core.slots
        for i in 0..<40 { #expect(s[Int(g.pathId("d\(i)")!)] == .number(Double(i) + 1)) }
        #expect(log.pointee.op_seq == 80)   // 40 reducer writes + 40 derived writes
    }

    @Test func aPolicyTheKernelCannotHoldIsRefusedNotTruncated() throws {
        let g = try CompiledGraph(Workload.converge(steps: 10))
        var o = RuntimeOptions(level: .l2, mode: .auto)
        o.auto.nearFullRootRatios = (0..<9).map { (fromSteps: $0 * 100, ratio: 0.9 - Double($0) * 0.01) }
        #expect(throws: ConvergeError.self) { _ = try ConvergeRuntime(g, options: o) }
        o.auto.nearFullRootRatios.removeLast()
        _ = try ConvergeRuntime(g, options: o)   // 8 fit
    }

    @Test func inPlaceAndLoggedWritesKeepTheirOrder() throws {
        let core = try Core(steps: 4)
        defer { core.free() }
        let g = core.g, log = core.log
        let b0 = g.pathId("b0")!, b1 = g.pathId("b1")!
        #expect(ck_txn_set(log, b0, UInt8(CK_TAG_NUMBER), 1) == CK_OK)
        #expect(log.pointee.direct == 1 && log.pointee.count == 0)          // in place
        #expect(ck_txn_write(log, b0, UInt8(CK_TAG_NUMBER), 2) == CK_OK)   // a logged write …
        #expect(log.pointee.direct == 0)
        #expect(ck_txn_set(log, b0, UInt8(CK_TAG_BOOLEAN), 5) == CK_OK)    // … so this one queues behind it
        #expect(log.pointee.count == 2)
        #expect(ck_txn_write(log, b1, UInt8(CK_WRITE_MARK), 0) == CK_OK)
        #expect(ck_txn_set(log, UInt32(g.pathCount), UInt8(CK_TAG_NUMBER), 1) == CK_ERR_UNKNOWN_PATH_ID)
        #expect(ck_txn_set(log, b0, 9, 1) == CK_ERR_BAD_WRITE)
        let (status, res, _) = core.commit(CK_TXN_DIRTY)
        #expect(status == CK_OK)
        let s = core.slots
        #expect(s[Int(b0)] == .boolean(true) && s[Int(b1)] == .undefined)    // last write wins, canonical
        #expect(s[Int(g.pathId("d0")!)] == .number(2))                      // +true = 1
        #expect(res.dirty_roots == 2 && res.log_entries == 4 && log.pointee.op_seq == 3 + 2)
        // a new transaction writes in place again, and abort undoes exactly its writes
        #expect(ck_txn_set(log, b1, UInt8(CK_TAG_NUMBER), 7) == CK_OK && log.pointee.direct == 1)
        ck_txn_abort(core.txn)
        #expect(core.slots == s && log.pointee.op_seq == 5 && log.pointee.direct == 0)
    }

    @Test func abortNeverTouchesACommittedTransaction() throws {
        let core = try Core(steps: 4)
        defer { core.free() }
        let g = core.g, log = core.log
        let committed = core.commitNumber(8, to: "b1")
        // the next transaction logs a write and is aborted before anything was applied …
        #expect(core.write("b0", 50) == CK_OK)
        ck_txn_abort(core.txn)
        #expect(core.slots == committed && log.pointee.op_seq == 5)
        // … and one whose writes were applied (a read inside the reducer flushes) is undone exactly
        var err = ck_error_t()
        #expect(ck_txn_write(log, g.pathId("b0")!, UInt8(CK_TAG_NULL), 0) == CK_OK)
        #expect(core.write("b0", 3) == CK_OK)
        #expect(ck_txn_flush(log, &err) == CK_OK)
        #expect(core.slots[Int(g.pathId("b0")!)] == .number(3))
        ck_txn_abort(core.txn)
        #expect(core.slots == committed && log.pointee.op_seq == 5)
    }

    /// Auto mode in C (L1–L3) and the Swift decider (L0) decide alike over long random runs:
    /// repeated dirty sets (caches admit, hit, switch off), wide sets (near full, LRU limits),
    /// dirtyAll marks, generation bumps and module overrides.
    @Test(arguments: [ExecutionLevel.l1, .l2, .l3])
    func autoInCEqualsTheSwiftDecider(_ level: ExecutionLevel) throws {
        let g = try CompiledGraph(Workload.converge(steps: 300))
        func runtime(_ level: ExecutionLevel) throws -> ConvergeRuntime {
            let rt = try ConvergeRuntime(g, options: .deterministic(level, .auto))
            try Workload.registerConvergeFunctions(rt)
            return rt
        }
        let swift = try runtime(.l0), c = try runtime(level)
        var rng = SeededRNG(seed: 0xC0DE + UInt64(level.rawValue.count))
        let pool: [[Int]] = (0..<12).map { i in (0..<(1 + i * i * 2)).map { ($0 * 7 + i) % 300 } }
        var reasonsSeen = DecisionReasons()
        for t in 0..<1500 {
            let roots = rng.chance(10) ? (0..<(1 + rng.below(299))).map { $0 } : rng.pick(pool)
            let mark: String? = rng.chance(3) ? rng.pick(["*", "zz.unknown"]) : nil
            let mode: ConvergeMode? = rng.chance(3) ? rng.pick([.full, .dirty]) : nil
            if rng.chance(1) { swift.bumpGeneration(); c.bumpGeneration() }
            for rt in [swift, c] {
                _ = try rt.transaction(mode: mode) { txn in
                    for r in roots { try txn.set(g.pathId("b\(r)")!, number: Double(t)) }
                    if let mark { try txn.markDirty(path: mark) }
                }
            }
            let a = swift.lastSummary, b = c.lastSummary
            #expect(a.reasons == b.reasons && a.executedMode == b.executedMode && a.planLength == b.planLength
                    && a.cacheHit == b.cacheHit && a.inlineCacheEnabled == b.inlineCacheEnabled
                    && a.lruCacheEnabled == b.lruCacheEnabled && a.dirtyRoots == b.dirtyRoots && a.committed == b.committed,
                    "txn \(t) (\(roots.count) roots, mark \(mark ?? "-"), mode \(mode?.rawValue ?? "auto")): L0 \(a.reasons) \(String(describing: a.executedMode)) vs \(level) \(b.reasons) \(String(describing: b.executedMode))")
            reasonsSeen.formUnion(b.reasons)
        }
        #expect(zip(swift.state.snapshot(), c.state.snapshot()).allSatisfy { $0.tag == $1.tag && $0.payload.bitPattern == $1.payload.bitPattern })
        // the run reaches every rule that does not need a clock
        let expected: DecisionReasons = [.coldStart, .inlineDirty, .cacheHit, .cacheMiss, .nearFull, .unknownWrite,
                                         .dirtyAll, .generationBumped, .lowHitRateProtection, .moduleOverride]
        #expect(reasonsSeen.isSuperset(of: expected), "missing: \(expected.subtracting(reasonsSeen))")
    }
}
