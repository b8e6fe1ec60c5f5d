import Foundation

// One report from the chunk reports of one build that `converge ab` measured a piece at a time
// (docs/perf-diff.md, "Interleaved A/B").

extension PerfReport {
    /// Merges reports of the same matrix, profile and environment whose points are disjoint:
    /// `meta` is the first chunk's (its `createdAt`: the first chunk's start); each suite's points
    /// and ratio comparisons are concatenated in chunk order; thresholds and the upper-bound check
    /// are computed again over the merged points.
    /// - Throws: `.invalidReport` when there is no chunk, when the chunks disagree on the matrix
    ///   (id or hash), profile, runs/warmupDiscard, environment (os, arch, browser) or commit, or
    ///   when two chunks have the same point. `files` name the chunks in messages.
    public static func merging(_ chunks: [PerfReport], files: [String]) throws(EvidenceError) -> PerfReport {
        guard var merged = chunks.first else { throw EvidenceError(.invalidReport, "no chunk reports to merge") }
        let first = merged.meta
        func name(_ i: Int) -> String { i < files.count ? files[i] : "chunk \(i + 1)" }
        for (i, c) in chunks.enumerated().dropFirst() {
            let m = c.meta
            let checks: [(String, String?, String?)] = [
                ("meta.matrixId", first.matrixId, m.matrixId),
                ("meta.matrixHash", first.matrixHash, m.matrixHash),
                ("meta.config.profile", first.config.profile, m.config.profile),
                ("meta.config.runs", first.config.runs.map(String.init), m.config.runs.map(String.init)),
                ("meta.config.warmupDiscard", first.config.warmupDiscard.map(String.init), m.config.warmupDiscard.map(String.init)),
                ("meta.env.os", first.env.os, m.env.os),
                ("meta.env.arch", first.env.arch, m.env.arch),
                ("meta.env.browser.name", first.env.browser?.name, m.env.browser?.name),
                ("meta.git.commit", first.git?.commit, m.git?.commit),
            ]
            for (field, a, b) in checks where a != b {
                throw EvidenceError(.invalidReport, "\(name(i)) does not belong with \(name(0)): \(field) is \(b ?? "absent") there, \(a ?? "absent") in \(name(0))")
            }
        }
        var seen: [String: Int] = [:]
        for (i, c) in chunks.enumerated() {
            for s in c.suites {
                for p in s.points {
                    let key = s.id + " " + stableParamsKey(p.params)
                    if let j = seen[key] {
                        throw EvidenceError(.invalidReport, "\(name(i)) and \(name(j)) both have the point \(stableParamsKey(p.params)) of suite \(s.id)")
                    }
                    seen[key] = i
                }
            }
        }
        merged.meta.env.node = merged.meta.env.node ?? chunks.lazy.compactMap(\.meta.env.node).first
        for c in chunks.dropFirst() {
            for s in c.suites {
                if let k = merged.suites.firstIndex(where: { $0.id == s.id }) {
                    merged.suites[k].points += s.points
                    let ratios = (s.comparisons ?? []).filter { $0.kind != "upperBound" }
                    if !ratios.isEmpty { merged.suites[k].comparisons = (merged.suites[k].comparisons ?? []) + ratios }
                } else {
                    merged.suites.append(s)
                }
            }
        }
        for k in merged.suites.indices {
            var s = merged.suites[k]
            s.thresholds = s.budgets == nil ? s.thresholds : Thresholds.compute(s)
            if let summary = s.upperBound {
                let upper = UpperBound.check(s, nativeBackends: summary.nativeBackends, metric: summary.metric)
                s.comparisons = (s.comparisons ?? []).filter { $0.kind != "upperBound" } + upper.comparisons
                s.upperBound = upper.summary
            }
            merged.suites[k] = s
        }
        return merged
    }
}
