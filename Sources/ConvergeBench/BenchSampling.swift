// BenchSampling.swift — sampling in turns: every point's samples interleaved, so load bursts spread
// over all points.

import ConvergeEvidence
import Foundation

// How `converge bench` samples the in-process backends: a chunk of points (one step count and
// mode: every in-process backend and dirty-root ratio) is set up first, then sampled in turns —
// sample 1 of every point, then sample 2 of every point (in the reverse order), and so on — so
// that the points' samples are spread over the same stretch of time. On a shared machine, other
// load comes in bursts of tens of milliseconds to seconds; measured point after point, a burst
// slowed every sample of the few points it met, enough to move their medians by 1.3–1.8× and, when
// they were a majority of a level's ratios, to make a gate call a regression between two runs of
// one build. In turns, the burst lands on a few samples of every point, and medians ignore it.

/// One point's measurement, one sample at a time.
package protocol PointSampler: AnyObject {
    /// Takes the point's sample `run` (0-based); returns the ns it took (the point's own time,
    /// counted against `timeoutMs`).
    func sample(run: Int) throws -> UInt64
    /// The point's result from the samples taken so far.
    func finish() -> PointResult
}

extension InProcessBench {
    /// The sampler of an in-process point: its runtimes built and its batch sized.
    package func sampler(_ p: BenchPoint) throws -> any PointSampler {
        p.backend.wasmKitLevel != nil ? try WasmKitPointSampler(p, bench: self) : try NativePointSampler(p, bench: self)
    }

    /// Measures `points` in turns (``sampleInTurns(_:runs:timeoutMs:make:done:)``).
    package func measure(_ points: [BenchPoint], done: (BenchPoint) -> Void = { _ in }) -> [BenchPoint: PointResult] {
        sampleInTurns(points, runs: runs, timeoutMs: timeoutMs, make: sampler, done: done)
    }
}

/// Takes `runs` samples of every point in turns (the file's comment): round r samples every point
/// still active, in the points' order when r is even and in the reverse order when it is odd (no
/// point always runs right after the same one). A point whose set-up (`make`) or sample throws
/// gets status `failed` and leaves the turns; one whose own samples exceed `timeoutMs` before its
/// last gets `timeout`, with the samples taken so far. `done` is called once per point, as its
/// result is final.
package func sampleInTurns(_ points: [BenchPoint], runs: Int, timeoutMs: Double, make: (BenchPoint) throws -> any PointSampler,
                   done: (BenchPoint) -> Void) -> [BenchPoint: PointResult] {
    var results: [BenchPoint: PointResult] = [:]
    var active: [(point: BenchPoint, sampler: any PointSampler, ns: UInt64)] = []
    for p in points {
        do {
            active.append((p, try make(p), 0))
        } catch {
            results[p] = .failed("\(error)")
            done(p)
        }
    }
    for run in 0..<runs where !active.isEmpty {
        var next: [(point: BenchPoint, sampler: any PointSampler, ns: UInt64)] = []
        for var entry in run % 2 == 0 ? active : active.reversed() {
            do {
                entry.ns &+= try entry.sampler.sample(run: run)
            } catch {
                results[entry.point] = .failed("\(error)")
                done(entry.point)
                continue
            }
            if run + 1 < runs, Double(entry.ns) / 1e6 > timeoutMs {
                var r = entry.sampler.finish()
                r.status = "timeout"
                r.reason = "the point's \(runs) samples exceeded timeoutMs \(ParamValue.jsNumber(timeoutMs)) after \(run + 1)"
                results[entry.point] = r
                done(entry.point)
                continue
            }
            next.append(entry)
        }
        active = run % 2 == 0 ? next : next.reversed()
    }
    for entry in active {
        results[entry.point] = entry.sampler.finish()
        done(entry.point)
    }
    return results
}

/// The kernel's counters summed over a point's kept samples, as the report's evidence.
package struct KernelCounters {
    package var calls = 0, callbacks = 0, vmSteps = 0, bytesIn = 0, bytesOut = 0, cutOffs = 0
    /// The bytecode levels' fallback steps (``TransactionSummary/fallbackSteps``); nil where they
    /// are not counted (no evidence then).
    package var fallbackSteps: Int?

    /// `budget.cutOffCount` (a count) and the `kernel.*PerTxn` figures, per `n` transactions.
    package func evidence(perTransactions n: Double) -> [PerfReport.Evidence] {
        [
            .number("budget.cutOffCount", "count", Double(cutOffs)),
            .number("kernel.boundaryCallsPerTxn", "count", Double(calls) / n),
            .number("kernel.hostCallbacksPerTxn", "count", Double(callbacks) / n),
            .number("kernel.vmStepsPerTxn", "count", Double(vmSteps) / n),
            .number("kernel.bytesInPerTxn", "bytes", Double(bytesIn) / n),
            .number("kernel.bytesOutPerTxn", "bytes", Double(bytesOut) / n),
        ] + (fallbackSteps.map { [.number("runtime.fallbackStepsPerTxn", "count", Double($0) / n)] } ?? [])
    }
}
