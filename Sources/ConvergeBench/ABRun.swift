// ABRun.swift — `converge ab`'s method: two builds' benches interleaved chunk by chunk (ABBA),
// merged per build, diffed, and every call re-measured until it reproduces.

import ConvergeEvidence

/// An interleaved A/B run (docs/perf-diff.md, "Interleaved A/B"). Each chunk is one (steps, mode)
/// of the grid, measured by one build and then by the other, in the order ABBA ABBA… so that a
/// linear drift cancels. Each build's latest chunk reports are merged into one report, and the
/// two are diffed. A regression or improvement is then confirmed: the chunks of its step count
/// are run again, each in the other order, and replace the first ones, round after round (at
/// most `confirm`) until every call of the new diff was also a call of the one before; a call
/// that stands was made by the last two measurements of its level.
///
/// Running a chunk is the caller's (`converge ab` spawns each build's `converge bench`): the
/// method here only decides what runs, in which order, and what the evidence says.
package struct ABRun {
    package struct Chunk: Sendable, Equatable {
        package let steps: Int
        package let mode: String
    }

    /// Before (0) or after (1).
    package enum Side: Int, CaseIterable, Sendable {
        case before = 0, after = 1
        package var label: String { self == .before ? "before" : "after" }
    }

    /// What a chunk runner is asked: chunk `index` of ``chunks``, by `side`, in confirmation
    /// `round` (0: the first measurement); `ordinal` counts the chunks of this round from 1.
    package struct ChunkJob: Sendable {
        package let index: Int
        package let chunk: Chunk
        package let side: Side
        package let round: Int
        package let ordinal: Int
        package let ofRound: Int
    }

    /// Both builds' merged reports, their diff (or why they are not comparable) and how many
    /// confirmation rounds ran.
    package struct Outcome {
        package var before: PerfReport
        package var after: PerfReport
        package var diff: Result<PerfDiff, EvidenceError>
        package var rounds: Int
    }

    package let chunks: [Chunk]
    package let stepList: [Int]
    /// Confirmation rounds at most (0: none).
    package let confirm: Int

    package init(steps: [Int], modes: [String], confirm: Int) {
        stepList = steps
        chunks = steps.flatMap { s in modes.map { Chunk(steps: s, mode: $0) } }
        self.confirm = confirm
    }

    /// The ABBA order: even chunks before first, odd chunks after first; each re-measure of a
    /// chunk swaps its order, so an advantage of running first or second cannot make the same
    /// call twice.
    package static func order(chunk index: Int, round: Int) -> [Side] {
        (index + round) % 2 == 0 ? [.before, .after] : [.after, .before]
    }

    /// Runs the chunks and the confirmation rounds.
    /// - Parameters:
    ///   - files: the names the merged reports and the diff carry (before, after).
    ///   - runChunk: measures one chunk by one build; returns its report file.
    ///   - note: a line on each confirmation round.
    package func run(files: (before: String, after: String), runChunk: (ChunkJob) throws -> String,
                     note: (String) -> Void) throws -> Outcome {
        // the latest report of each chunk, per build (a confirmation round replaces some)
        var latest: [[String?]] = Array(repeating: Array(repeating: nil, count: chunks.count), count: 2)
        func runChunks(_ indices: [Int], round: Int) throws {
            for (k, i) in indices.enumerated() {
                for side in Self.order(chunk: i, round: round) {
                    latest[side.rawValue][i] = try runChunk(ChunkJob(index: i, chunk: chunks[i], side: side, round: round,
                                                                     ordinal: k + 1, ofRound: indices.count))
                }
            }
        }
        func merged() throws -> Outcome {
            let reports = try Side.allCases.map { side throws -> PerfReport in
                let names = latest[side.rawValue].compactMap { $0 }
                return try PerfReport.merging(try names.map { f throws(EvidenceError) in try PerfReport.read(f) }, files: names)
            }
            do {
                let d = try PerfDiff.diff(before: reports[0], beforeFile: files.before, after: reports[1], afterFile: files.after)
                return Outcome(before: reports[0], after: reports[1], diff: .success(d), rounds: 0)
            } catch {
                guard error.code == .notComparable else { throw error }
                return Outcome(before: reports[0], after: reports[1], diff: .failure(error), rounds: 0)
            }
        }

        try runChunks(Array(chunks.indices), round: 0)
        var outcome = try merged()
        // confirmation: a call stands only when a re-measure of its level calls it again
        let levels = stepList.map { ParamValue.number(Double($0)) }
        var previous: Set<DiffCall>?
        var rounds = 0
        while rounds < confirm, case .success(let diff) = outcome.diff {
            let calls = Confirmation.calls(diff, primaryLevels: levels)
            let fresh = calls.filter { previous?.contains($0.key) != true }
            let redo = Set(fresh.values.compactMap { $0 })
            let indices = chunks.indices.filter { redo.contains(.number(Double(chunks[$0].steps))) }
            if indices.isEmpty {
                // nothing new, or nothing that can be re-measured: what stands stays
                previous = previous?.union(fresh.keys)
                break
            }
            rounds += 1
            note("confirmation \(rounds): \(fresh.count) call(s) not yet reproduced (\(fresh.keys.map(\.description).sorted().joined(separator: "; "))); "
                 + "re-measuring steps \(redo.map(\.description).sorted().joined(separator: ","))")
            try runChunks(indices, round: rounds)
            previous = Set(calls.keys)
            outcome = try merged()
        }
        // a call stands when the last two measurements of its level both made it
        if let previous, case .success(let diff) = outcome.diff {
            outcome.diff = .success(Confirmation.keeping(diff, reproduced: previous, primaryLevels: levels))
        }
        outcome.rounds = rounds
        return outcome
    }
}
