import ConvergeBench
import CKernel
import Testing
@testable import ConvergeKernel

/// The C API directly: table validation, argument checks, invariants, implementations.
@Suite struct CKernelTests {
    /// Tables of a tiny graph: paths a(0) a.x(1) b(2) y(3); step 0: y <- a.x; step 1: b <- y (deferred link).
    struct Tiny {
        var prefixOffsets: [UInt32] = [0, 1, 3, 4, 5]
        var prefixIds: [UInt32] = [0, 0, 1, 2, 3]
        var outPath: [UInt32] = [3, 2]
        var flags: [UInt8] = [0, UInt8(CK_STEP_DEFERRED | CK_STEP_LINK)]
        var triggerOffsets: [UInt32] = [0, 1, 2, 3, 5]  // a:[0] a.x:[0] b:[1] y:[0,1]
        var triggerSteps: [UInt32] = [0, 0, 1, 0, 1]
        var depOffsets: [UInt32] = [0, 1, 2]
        var depPaths: [UInt32] = [1, 3]

        func create(_ options: ck_options_t? = nil) -> (ck_status_t, OpaquePointer?, ck_error_t) {
            var handle: OpaquePointer? = nil
            var err = ck_error_t()
            var opts = options ?? { var o = ck_options_t(); ck_options_init(&o); return o }()
            let st = prefixOffsets.withUnsafeBufferPointer { po in
                prefixIds.withUnsafeBufferPointer { pi in
                    outPath.withUnsafeBufferPointer { op in
                        flags.withUnsafeBufferPointer { fl in
                            triggerOffsets.withUnsafeBufferPointer { to in
                                triggerSteps.withUnsafeBufferPointer { ts in
                                    depOffsets.withUnsafeBufferPointer { dof in
                                        depPaths.withUnsafeBufferPointer { dp in
                                            var t = ck_tables_t(path_count: 4, step_count: 2,
                                                                path_prefix_offsets: po.baseAddress, path_prefix_ids: pi.baseAddress,
                                                                step_out_path: op.baseAddress, step_flags: fl.baseAddress,
                                                                trigger_offsets: to.baseAddress, trigger_steps: ts.baseAddress,
                                                                dep_offsets: dof.baseAddress, dep_paths: dp.baseAddress)
                                            return ck_kernel_create(&t, &opts, &handle, &err)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return (st, handle, err)
        }
    }

    @Test func tinyTablesPlanAndValidate() throws {
        let (st, k, _) = Tiny().create()
        #expect(st == CK_OK)
        defer { ck_kernel_free(k) }
        var out = [UInt32](repeating: 0, count: 2)
        var r = ck_plan_result_t()
        var err = ck_error_t()
        let dirty: [UInt32] = [1]  // a.x
        #expect(ck_kernel_plan(k, dirty, 1, CK_MODE_DIRTY, CK_SCOPE_ALL, 0, &out, 2, &r, &err) == CK_OK)
        #expect(r.step_count == 2 && out[0] == 0 && out[1] == 1)
        #expect(r.algorithm == UInt32(CK_ALGO_LINEAR))
        #expect(ck_kernel_plan(k, dirty, 1, CK_MODE_DIRTY, CK_SCOPE_IMMEDIATE, 0, &out, 2, &r, &err) == CK_OK)
        #expect(r.step_count == 1 && out[0] == 0)
        #expect(ck_kernel_validate(k, &err) == CK_OK)
    }

    @Test func badTablesAreRefusedWithTheOffendingOffset() {
        var t = Tiny()
        t.triggerSteps[4] = 7  // a step id out of range
        var (st, k, err) = t.create()
        #expect(st == CK_ERR_BAD_TABLES && k == nil)
        #expect(err.table == CK_TABLE_TRIGGER_STEPS && err.index == 4 && err.value == 7)

        t = Tiny()
        t.prefixOffsets[2] = 0  // not monotone
        (st, k, err) = t.create()
        #expect(st == CK_ERR_BAD_TABLES && err.table == CK_TABLE_PATH_PREFIX_OFFSETS)

        t = Tiny()
        t.prefixIds[2] = 0  // a.x's list must end with itself
        (st, k, err) = t.create()
        #expect(st == CK_ERR_BAD_TABLES && err.table == CK_TABLE_PATH_PREFIX_IDS)

        t = Tiny()
        t.triggerSteps = [0, 0, 1, 1, 0]  // y's list not ascending
        (st, k, err) = t.create()
        #expect(st == CK_ERR_BAD_TABLES && err.table == CK_TABLE_TRIGGER_STEPS && err.index == 4)

        t = Tiny()
        t.flags[0] = 0x80
        (st, k, err) = t.create()
        #expect(st == CK_ERR_BAD_TABLES && err.table == CK_TABLE_STEP_FLAGS && err.index == 0)

        t = Tiny()
        t.depPaths[1] = 9
        (st, k, err) = t.create()
        #expect(st == CK_ERR_BAD_TABLES && err.table == CK_TABLE_DEP_PATHS && err.index == 1)

        t = Tiny()
        t.outPath[0] = 4
        (st, k, err) = t.create()
        #expect(st == CK_ERR_BAD_TABLES && err.table == CK_TABLE_STEP_OUT_PATH)

        t = Tiny()
        t.triggerOffsets = [0, 1, 2, 2, 4]  // step 1 missing under its out b: propagation would lose it
        t.triggerSteps = [0, 0, 0, 1]
        (st, k, err) = t.create()
        #expect(st == CK_ERR_BAD_TABLES && err.table == CK_TABLE_TRIGGER_STEPS && err.index == 1)
    }

    @Test func tooLargeTablesAreRefused() {
        var t = ck_tables_t()
        t.path_count = UInt32(CK_MAX_PATHS) + 1
        var handle: OpaquePointer? = nil
        var err = ck_error_t()
        #expect(ck_kernel_create(&t, nil, &handle, &err) == CK_ERR_TOO_LARGE)
        t.path_count = 1
        t.step_count = UInt32(CK_MAX_STEPS) + 1
        #expect(ck_kernel_create(&t, nil, &handle, &err) == CK_ERR_TOO_LARGE)
        #expect(handle == nil)
    }

    @Test func nullArgumentsAreErrorsNotCrashes() {
        var handle: OpaquePointer? = nil
        var err = ck_error_t()
        #expect(ck_kernel_create(nil, nil, &handle, &err) == CK_ERR_NULL_ARGUMENT)
        #expect(ck_kernel_create(nil, nil, nil, nil) == CK_ERR_NULL_ARGUMENT)
        var r = ck_plan_result_t()
        #expect(ck_kernel_plan(nil, nil, 0, CK_MODE_FULL, CK_SCOPE_ALL, 0, nil, 0, &r, &err) == CK_ERR_NULL_ARGUMENT)
        ck_kernel_free(nil)
        var info = ck_kernel_info_t()
        #expect(ck_kernel_info(nil, &info) == CK_ERR_NULL_ARGUMENT)
        #expect(ck_kernel_validate(nil, &err) == CK_ERR_NULL_ARGUMENT)
    }

    @Test func planArgumentsAreCheckedAndNothingIsWrittenOnError() {
        let (_, k, _) = Tiny().create()
        defer { ck_kernel_free(k) }
        var out: [UInt32] = [77, 77]
        var r = ck_plan_result_t()
        var err = ck_error_t()
        let bad: [UInt32] = [1, 4]
        #expect(ck_kernel_plan(k, bad, 2, CK_MODE_DIRTY, CK_SCOPE_ALL, 0, &out, 2, &r, &err) == CK_ERR_UNKNOWN_PATH_ID)
        #expect(err.index == 1 && err.value == 4 && err.table == CK_TABLE_DIRTY_IDS)
        #expect(out == [77, 77])
        #expect(ck_kernel_plan(k, [1], 1, ck_mode_t(rawValue: 5), CK_SCOPE_ALL, 0, &out, 2, &r, &err) == CK_ERR_BAD_MODE)
        #expect(ck_kernel_plan(k, [1], 1, CK_MODE_DIRTY, ck_scope_t(rawValue: 9), 0, &out, 2, &r, &err) == CK_ERR_BAD_SCOPE)
        #expect(ck_kernel_plan(k, [1], 1, CK_MODE_DIRTY, CK_SCOPE_ALL, 0, &out, 1, &r, &err) == CK_ERR_BUFFER_TOO_SMALL)
        #expect(err.value == 2)
        #expect(out == [77, 77])
        // a scope needs only its own length
        #expect(ck_kernel_plan(k, [1], 1, CK_MODE_FULL, CK_SCOPE_DEFERRED, 0, &out, 1, &r, &err) == CK_OK)
        #expect(r.step_count == 1 && out[0] == 1)
        #expect(ck_kernel_validate(k, &err) == CK_OK)
    }

    @Test func unknownIdsLeaveEveryStrategyClean() throws {
        let g = try CompiledGraph(Workload.converge(steps: 100))
        let bad = DirtySet(rootIds: [3, 5, UInt32(g.pathCount) + 7], dirtyAllReason: nil, keyHash: 0)
        let good = g.dirtySet(paths: ["b3", "b42"])
        for strategy in [ClosureStrategy.rows, .lists, .frontier] {
            let p = try NativeKernel(g, options: NativeOptions(strategy: strategy))
            let buffer = PlanBuffer(for: g)
            #expect(throws: ConvergeError.self) { try p.plan(bad, mode: .dirty, scope: .all, into: buffer) }
            do {
                try p.plan(bad, mode: .dirty, scope: .all, into: buffer)
            } catch {
                #expect(error.code == .kernelFailure && error.message.contains("unknown path id"), "\(error)")
                #expect(error.message.contains("index 2"))
            }
            try p.validate()  // scratch bitsets and marks were rolled back
            #expect(try p.plan(good, mode: .dirty, scope: .all).outs(in: g) == ["d3", "d42"])
        }
    }

    @Test func badOptionsAreRefused() {
        var o = ck_options_t()
        ck_options_init(&o)
        o.strategy = ck_strategy_t(rawValue: 42)
        #expect(Tiny().create(o).0 == CK_ERR_BAD_OPTION)
        ck_options_init(&o)
        o.impl = ck_impl_t(rawValue: 42)
        #expect(Tiny().create(o).0 == CK_ERR_BAD_OPTION)
    }

    @Test func implementationNamesRoundTrip() {
        for impl in [CK_IMPL_AUTO, CK_IMPL_SCALAR, CK_IMPL_SSE2, CK_IMPL_AVX2, CK_IMPL_NEON, CK_IMPL_SIMD128] {
            var parsed = CK_IMPL_AUTO
            #expect(ck_impl_parse(ck_impl_name(impl), &parsed) == CK_OK)
            #expect(parsed == impl)
        }
        var parsed = CK_IMPL_AUTO
        #expect(ck_impl_parse("avx512", &parsed) == CK_ERR_BAD_OPTION)
        #expect(ck_impl_available(CK_IMPL_SCALAR) == 1)
        #expect(SIMDImplementation.available.contains(.scalar))
        #expect(SIMDImplementation.automatic.isAvailable)
        #if arch(x86_64)
        #expect(SIMDImplementation.available.contains(.sse2))
        #endif
        #expect(String(cString: ck_status_name(CK_ERR_BAD_TABLES)) == "bad tables")
        #expect(String(cString: ck_strategy_name(CK_STRATEGY_LISTS)) == "lists")
    }

    @Test func everyImplementationAndStrategyBuildsAValidKernel() throws {
        let g = try CompiledGraph(Workload.converge(steps: 300))
        for impl in SIMDImplementation.available {
            for strategy in ClosureStrategy.allCases {
                let p = try NativeKernel(g, options: NativeOptions(implementation: impl, strategy: strategy))
                #expect(p.info.implementation == impl)
                if strategy != .auto { #expect(p.info.strategy == strategy) }
                try p.validate()
                let plan = try p.plan(dirtyPaths: ["b7", "b250"], mode: .dirty, scope: .all)
                #expect(plan.outs(in: g) == ["d7", "d250"])
                try p.validate()
            }
        }
    }

    @Test func autoStrategyFallsBackToFrontierOverBudget() throws {
        let g = try CompiledGraph(Workload.converge(steps: 300))
        let p = try NativeKernel(g, options: NativeOptions(closureBudgetBytes: 64))
        #expect(p.info.strategy == .frontier)
        #expect(p.info.closureBytes == 0)
        let q = try NativeKernel(g)
        #expect(q.info.strategy != .frontier)
        #expect(q.info.closureBytes > 0)
    }
}
