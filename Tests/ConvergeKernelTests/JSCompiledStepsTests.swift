import ConvergeKernelTestSupport
import ConvergeWasm
import Foundation
import Testing

/// The pure-JS kernel's compiled steps (`compileConvergeSteps` in `wasm-host/host.mjs`, the l0-js
/// level's executor) against its generic executor (`executePlan` with `convergeStep` and
/// `sameValue`): the compiled closures test the common case (input and output hold numbers)
/// first and compare with `===` plus the ±0 / NaN corrections, so every pair of edge values, for
/// the input and for the output, must give the same changed count, tag and value as the
/// generic path.
@Suite struct JSCompiledStepsTests {
    static let driver = #"""
    import { pathToFileURL } from 'node:url';
    const h = await import(pathToFileURL(process.argv[2]).href);
    const { compileConvergeSteps, executeCompiled, executePlan, convergeStep, TAG_NUMBER, TAG_BOOLEAN, TAG_UNDEFINED, TAG_NULL } = h;
    // one computed step: path 1 = path 0 + 1
    const tables = { stepCount: 1, pathCount: 2, stepOutPath: Uint32Array.of(1), stepFlags: Uint8Array.of(0),
                     inputOffsets: Uint32Array.of(0, 1), inputPaths: Uint32Array.of(0) };
    const cells = [NaN, -0, 0, -1, 1, 2, -2, 0.5, -0.5, Infinity, -Infinity, Number.MAX_VALUE, -Number.MIN_VALUE]
      .map((v) => [TAG_NUMBER, v]);
    cells.push([TAG_UNDEFINED, 0], [TAG_NULL, 0], [TAG_BOOLEAN, 0], [TAG_BOOLEAN, 1]);
    const plan = Uint32Array.of(0);
    const failures = [];
    let cases = 0;
    const tags = new Uint8Array(2), values = new Float64Array(2);
    const run = compileConvergeSteps(tables, tags, values);
    const gt = new Uint8Array(2), gv = new Float64Array(2);
    // three rounds: the compiled closure runs cold, then with feedback, then optimized
    for (let round = 0; round < 3; round++) {
      for (let warm = 0; warm < (round === 2 ? 20000 : 1); warm++) {
        for (const [ti, vi] of cells) for (const [to, vo] of cells) {
          tags[0] = gt[0] = ti; values[0] = gv[0] = vi; tags[1] = gt[1] = to; values[1] = gv[1] = vo;
          const got = executeCompiled(run, plan, 1);
          const want = executePlan(tables, plan, 1, gt, gv, convergeStep);
          if (warm > 0) continue;
          cases++;
          if (got !== want || tags[1] !== gt[1] || !Object.is(values[1], gv[1])) {
            failures.push(`in (${ti}, ${vi}) out (${to}, ${vo}): compiled ${got} -> (${tags[1]}, ${values[1]}), generic ${want} -> (${gt[1]}, ${gv[1]})`);
          }
        }
      }
    }
    process.stdout.write(JSON.stringify({ cases, failures }));
    """#

    @Test func compiledStepsWriteExactlyAsTheGenericExecutor() throws {
        let node = try NodeHost.node()
        let host = try WasmBuild.sourceRoot().appendingPathComponent("wasm-host/host.mjs")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("converge-jssteps-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let driver = dir.appendingPathComponent("driver.mjs")
        try Data(Self.driver.utf8).write(to: driver)
        let run = try WasmBuild.run(node, [driver.path, host.path], timeout: 120)
        guard run.status == 0, let reply = try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any],
              let cases = reply["cases"] as? Int, let failures = reply["failures"] as? [String] else {
            Issue.record("node failed (status \(run.status)): \(run.output.prefix(2000))")
            return
        }
        #expect(cases == 3 * 17 * 17)
        #expect(failures.isEmpty, "\(failures.count) differences, first: \(failures.prefix(5).joined(separator: "; "))")
    }
}
