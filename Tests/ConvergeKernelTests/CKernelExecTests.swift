import CKernel
import Testing
@testable import ConvergeKernel

/// The C execution API directly: state view, Object.is, argument checks, links in C, batched host
/// callbacks, failure outcomes with rollback, trace buffers, commit's near-full switch.
@Suite struct CKernelExecTests {
    typealias Tiny = CKernelTests.Tiny   // a(0) a.x(1) b(2) y(3); step 0: y <- a.x (computed); step 1: b <- y (deferred link)

    /// The host: context points at an Int32 behaviour: 0 = y = a.x + 1, 1 = throw, 2 = bad tag.
    static let host: ck_host_batch_fn = { context, steps, count, tags, values, completed in
        guard let context, let steps, let tags, let values, let completed else { return CK_HOST_ABORT }
        let behaviour = context.assumingMemoryBound(to: Int32.self).pointee
        for i in 0..<Int(count) {
            if behaviour == 1 { completed.pointee = UInt32(i); return CK_HOST_THREW }
            #expect(steps[i] == 0)
            tags[i] = behaviour == 2 ? 7 : UInt8(CK_TAG_NUMBER)
            values[i] = 42
        }
        return CK_HOST_OK
    }

    static func kernel() throws -> OpaquePointer {
        let (st, k, _) = Tiny().create()
        try #require(st == CK_OK)
        return try #require(k)
    }

    @Test func stateViewStartsUndefinedAndObjectIsHolds() throws {
        let k = try Self.kernel()
        defer { ck_kernel_free(k) }
        var view = ck_state_view_t()
        #expect(ck_kernel_state(k, &view) == CK_OK && view.slot_count == 4)
        #expect((0..<4).allSatisfy { view.tags[$0] == UInt8(CK_TAG_UNDEFINED) && view.values[$0] == 0 })
        #expect(ck_kernel_state(nil, &view) == CK_ERR_NULL_ARGUMENT)
        let n = UInt8(CK_TAG_NUMBER), b = UInt8(CK_TAG_BOOLEAN)
        #expect(ck_same_value(n, .nan, n, .nan) == 1)
        #expect(ck_same_value(n, 0.0, n, -0.0) == 0)
        #expect(ck_same_value(b, 1, b, 1) == 1 && ck_same_value(b, 1, b, 0) == 0)
        #expect(ck_same_value(UInt8(CK_TAG_NULL), 0, UInt8(CK_TAG_UNDEFINED), 0) == 0)
        #expect(ck_same_value(UInt8(CK_TAG_NULL), 0, UInt8(CK_TAG_NULL), 0) == 1)
    }

    @Test func linksRunInCAndComputedStepsNeedAHost() throws {
        let k = try Self.kernel()
        defer { ck_kernel_free(k) }
        var view = ck_state_view_t()
        _ = ck_kernel_state(k, &view)
        var opts = ck_exec_options_t()
        ck_exec_options_init(&opts)
        var r = ck_exec_result_t()
        var err = ck_error_t()
        // the link alone: y is undefined, so is b: nothing written
        var plan: [UInt32] = [1]
        #expect(ck_kernel_execute(k, plan, 1, &opts, &r, &err) == CK_OK)
        #expect(r.outcome == CK_OUTCOME_OK && r.changed_steps == 0 && r.host_calls == 0 && r.executed_steps == 1)
        view.tags[3] = UInt8(CK_TAG_NUMBER); view.values[3] = 5
        #expect(ck_kernel_execute(k, plan, 1, &opts, &r, &err) == CK_OK)
        #expect(r.changed_steps == 1 && view.tags[2] == UInt8(CK_TAG_NUMBER) && view.values[2] == 5)
        var n: UInt32 = 0
        let writes = ck_kernel_last_writes(k, &n)
        #expect(n == 1 && writes?[0] == 2)
        // a computed step without a host: refused before anything runs
        plan = [0, 1]
        view.values[3] = 6
        #expect(ck_kernel_execute(k, plan, 2, &opts, &r, &err) == CK_ERR_NO_HOST_STEP && err.value == 0)
        #expect(view.values[2] == 5)
        // plans must be ascending and in range
        plan = [1, 0]
        #expect(ck_kernel_execute(k, plan, 2, &opts, &r, &err) == CK_ERR_UNKNOWN_STEP_ID && err.index == 1)
        plan = [9]
        #expect(ck_kernel_execute(k, plan, 1, &opts, &r, &err) == CK_ERR_UNKNOWN_STEP_ID && err.value == 9)
        #expect(ck_kernel_execute(k, nil, 1, &opts, &r, &err) == CK_ERR_NULL_ARGUMENT)
        #expect(ck_kernel_execute(k, plan, 0, nil, &r, &err) == CK_ERR_NULL_ARGUMENT)
        #expect(String(cString: ck_status_name(CK_ERR_NO_HOST_STEP)) == "no host step")
    }

    @Test func hostBatchesFailuresRollBack() throws {
        let k = try Self.kernel()
        defer { ck_kernel_free(k) }
        var view = ck_state_view_t()
        _ = ck_kernel_state(k, &view)
        var behaviour: Int32 = 0
        var opts = ck_exec_options_t()
        ck_exec_options_init(&opts)
        opts.host_steps = Self.host
        var r = ck_exec_result_t()
        var err = ck_error_t()
        let plan: [UInt32] = [0, 1]
        try withUnsafeMutablePointer(to: &behaviour) { bp in
            opts.host_context = UnsafeMutableRawPointer(bp)
            #expect(ck_kernel_execute(k, plan, 2, &opts, &r, &err) == CK_OK)
            #expect(r.outcome == CK_OUTCOME_OK && r.host_calls == 1 && r.changed_steps == 2)
            #expect(view.values[3] == 42 && view.values[2] == 42)
            // the host throws: failed step 0, nothing written
            view.values[3] = 1; view.values[2] = 1
            bp.pointee = 1
            #expect(ck_kernel_execute(k, plan, 2, &opts, &r, &err) == CK_OK)
            #expect(r.outcome == CK_OUTCOME_RUNTIME_ERROR && r.failed_step == 0 && r.changed_steps == 0)
            #expect(view.values[3] == 1 && view.values[2] == 1)
            // a bad tag from the host
            bp.pointee = 2
            #expect(ck_kernel_execute(k, plan, 2, &opts, &r, &err) == CK_OK)
            #expect(r.outcome == CK_OUTCOME_BAD_VALUE && r.failed_step == 0 && view.values[3] == 1)
            // trace buffers must exist when their capacity says so
            var trace = ck_trace_t()
            trace.level = UInt32(CK_TRACE_TIMING)
            trace.step_capacity = 4
            bp.pointee = 0
            withUnsafeMutablePointer(to: &trace) { tp in
                opts.trace = tp
                #expect(ck_kernel_execute(k, plan, 2, &opts, &r, &err) == CK_ERR_NULL_ARGUMENT)
                opts.trace = nil
            }
            // commit: a dirty plan covering >= the ratio of the scope runs the full scope
            opts.near_full_plan_ratio = 0.5
            var out = [UInt32](repeating: 0, count: 2)
            var pr = ck_plan_result_t()
            let dirty: [UInt32] = [1]   // a.x
            #expect(ck_kernel_commit(k, dirty, 1, CK_MODE_DIRTY, CK_SCOPE_IMMEDIATE, 0, &out, 2, &opts, &pr, &r, &err) == CK_OK)
            #expect(r.switched == UInt32(CK_SWITCH_NEAR_FULL) && pr.executed_mode == UInt32(CK_EXECUTED_FULL) && pr.step_count == 1)
            #expect(r.outcome == CK_OUTCOME_OK && view.values[3] == 42)
            try #require(ck_kernel_validate(k, &err) == CK_OK)
        }
    }
}
