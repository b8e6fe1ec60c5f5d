import Foundation
import Testing

/// The pure-JS level's store and compiled steps (`wasm-host/js-store.mjs`: a number lane beside
/// the tags, closures that compare with `===` plus the ±0 / NaN corrections) against the generic
/// executor over the kernel's layout (`executePlan` with `convergeStep` and `sameValue`,
/// `wasm-host/host.mjs`): for every pair of edge values in the input and the output, computed
/// steps and links must give the same changed count, tag and value.
@Suite struct JSCompiledStepsTests {
    static let driver = #"""
    import { pathToFileURL } from 'node:url';
    const h = await import(pathToFileURL(process.argv[2]).href);
    const js = await import(pathToFileURL(process.argv[3]).href);
    const { executePlan, convergeStep, TAG_NUMBER, TAG_BOOLEAN, TAG_UNDEFINED, TAG_NULL } = h;
    const { JsStore, compileConvergeSteps, executeCompiled } = js;
    // step 0: path 1 = path 0 + 1 (computed); step 1: path 3 = path 2 (link)
    const tables = { stepCount: 2, pathCount: 4, stepOutPath: Uint32Array.of(1, 3), stepFlags: Uint8Array.of(0, 2),
                     inputOffsets: Uint32Array.of(0, 1, 2), inputPaths: Uint32Array.of(0, 2) };
    const cells = [NaN, -0, 0, -1, 1, 2, -2, 0.5, -0.5, Infinity, -Infinity, Number.MAX_VALUE, -Number.MIN_VALUE]
      .map((v) => [TAG_NUMBER, v]);
    cells.push([TAG_UNDEFINED, 0], [TAG_UNDEFINED, 7], [TAG_NULL, 0], [TAG_BOOLEAN, 0], [TAG_BOOLEAN, 1]);
    const failures = [];
    let cases = 0;
    const store = new JsStore(4);
    const run = compileConvergeSteps(tables, store);
    const gt = new Uint8Array(4), gv = new Float64Array(4);
    // three rounds: the compiled closures run cold, then with feedback, then optimized
    for (let round = 0; round < 3; round++) {
      for (let warm = 0; warm < (round === 2 ? 5000 : 1); warm++) {
        for (const step of [0, 1]) {
          const plan = Uint32Array.of(step), i = 2 * step, o = i + 1;
          for (const [ti, vi] of cells) for (const [to, vo] of cells) {
            store.write(i, ti, vi); store.write(o, to, vo);
            gt[i] = ti; gv[i] = vi; gt[o] = to; gv[o] = vo;
            const got = executeCompiled(run, plan, 1);
            const want = executePlan(tables, plan, 1, gt, gv, convergeStep);
            if (warm > 0) continue;
            cases++;
            const st = store.state();
            if (got !== want || st.t[o] !== gt[o] || !Object.is(st.v[o], gv[o]) || st.t[i] !== gt[i] || !Object.is(st.v[i], gv[i])) {
              failures.push(`step ${step} in (${ti}, ${Object.is(vi, -0) ? '-0' : vi}) out (${to}, ${Object.is(vo, -0) ? '-0' : vo}): ` +
                `compiled ${got} -> (${st.t[o]}, ${st.v[o]}), generic ${want} -> (${gt[o]}, ${gv[o]})`);
            }
          }
        }
      }
    }
    process.stdout.write(JSON.stringify({ cases, failures }));
    """#

    @Test func compiledStepsWriteExactlyAsTheGenericExecutor() throws {
        guard let reply = try NodeDriver.run(Self.driver, [try NodeDriver.hostModule("host.mjs"), try NodeDriver.hostModule("js-store.mjs")])
        else { return }
        guard let cases = reply["cases"] as? Int, let failures = reply["failures"] as? [String] else {
            Issue.record("no cases and failures in the reply: \(reply.keys.sorted())")
            return
        }
        #expect(cases == 3 * 2 * 18 * 18)
        #expect(failures.isEmpty, "\(failures.count) differences, first: \(failures.prefix(5).joined(separator: "; "))")
    }
}
