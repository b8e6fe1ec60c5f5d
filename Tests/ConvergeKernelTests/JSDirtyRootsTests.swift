import Foundation
import Testing

/// The l0-js level's dirty roots (`DirtyRoots` in `wasm-host/js-auto.mjs`): a transaction's
/// writes are marked as they come (several `mark` calls, ids repeated and in any order) and
/// `take` reduces them to the distinct ids without a dirty proper prefix, ascending. Checked
/// against a brute-force model on seeded random registries (flat ones, where every path has one
/// segment, and nested ones), with small and large sets (the sort and the bitset paths), and a
/// bad id: `mark` throws and keeps none of that call's ids.
@Suite struct JSDirtyRootsTests {
    static let driver = #"""
    import { pathToFileURL } from 'node:url';
    const { DirtyRoots } = await import(pathToFileURL(process.argv[2]).href);
    let seed = 12345;
    const rnd = (k) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % k; };
    // a registry of P paths: path p's prefix list is its ancestors then p (a forest; flat: none)
    function registry(P, flat) {
      const parent = Array.from({ length: P }, (_, p) => (flat || p === 0 || rnd(3) === 0) ? -1 : rnd(p));
      const lists = parent.map((_, p) => { const l = []; for (let q = p; q >= 0; q = parent[q]) l.unshift(q); return l; });
      const offsets = new Uint32Array(P + 1);
      for (let p = 0; p < P; p++) offsets[p + 1] = offsets[p] + lists[p].length;
      return { tables: { pathCount: P, pathPrefixOffsets: offsets, pathPrefixIds: Uint32Array.from(lists.flat()) }, lists };
    }
    function model(lists, writes) {
      const dirty = new Set(writes.flat());
      return [...dirty].filter((p) => lists[p].slice(0, -1).every((q) => !dirty.has(q))).sort((a, b) => a - b);
    }
    const failures = [];
    let txns = 0, threw = 0, flatSeen = 0;
    for (let g = 0; g < 40; g++) {
      const P = 1 + rnd(g % 2 === 0 ? 40 : 400), flat = g % 3 === 0;
      const { tables, lists } = registry(P, flat);
      const roots = new DirtyRoots(tables);
      if (roots.flat) flatSeen++;
      for (let t = 0; t < 30; t++) {
        const calls = [];
        for (let c = 1 + rnd(3); c > 0; c--) {
          const k = rnd(t % 4 === 0 ? P + 40 : Math.min(P, 12)) + 1;
          let ids = Array.from({ length: k }, () => rnd(P));
          if (t % 5 === 1) ids = [...new Set(ids)].sort((a, b) => a - b); // ascending, distinct
          calls.push(ids);
        }
        const bad = t % 7 === 3 ? rnd(calls.length) : -1;
        const kept = [];
        for (let c = 0; c < calls.length; c++) {
          const ids = c === bad ? [...calls[c], P + rnd(5)] : calls[c];
          try {
            roots.mark(Uint32Array.from(ids), ids.length);
            if (c === bad) failures.push(`graph ${g} txn ${t}: no throw on id >= ${P}`);
            kept.push(ids);
          } catch (e) {
            if (c !== bad || !(e instanceof RangeError)) failures.push(`graph ${g} txn ${t}: ${e}`);
            threw++;
          }
        }
        const n = roots.take();
        const got = Array.from(roots.ids.subarray(0, n)), want = model(lists, kept);
        txns++;
        if (got.join() !== want.join()) failures.push(`graph ${g} (P ${P}) txn ${t}: took [${got.slice(0, 8)}…] (${n}), want [${want.slice(0, 8)}…] (${want.length})`);
        if (roots.bits.some((w) => w !== 0)) failures.push(`graph ${g} txn ${t}: marks left after take`);
      }
    }
    process.stdout.write(JSON.stringify({ txns, threw, flatSeen, failures }));
    """#

    @Test func marksAcrossWritesEqualTheModel() throws {
        guard let reply = try NodeDriver.run(Self.driver, [try NodeDriver.hostModule("js-auto.mjs")]) else { return }
        guard let txns = reply["txns"] as? Int, let threw = reply["threw"] as? Int, let flat = reply["flatSeen"] as? Int,
              let failures = reply["failures"] as? [String] else {
            Issue.record("no txns, threw, flatSeen and failures in the reply: \(reply.keys.sorted())")
            return
        }
        #expect(txns == 40 * 30)
        #expect(threw > 0 && flat >= 14, "bad ids thrown: \(threw), flat registries: \(flat)")
        #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.prefix(4).joined(separator: "; "))")
    }
}
