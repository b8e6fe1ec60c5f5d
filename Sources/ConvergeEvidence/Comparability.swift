import Foundation

// Comparability of two reports, with Logix's mismatch and warning strings (docs/perf-diff.md):
// config mismatches (matrix, steps grid, runs / warmupDiscard / timeoutMs), env mismatches
// (os, arch, browser name / headless / version) and warnings (profile, headless, node, git).

extension PerfDiff.Comparability {
    /// Compares `before` and `after`; `comparable` is true when there is no mismatch, whatever
    /// the allow flags (they only decide whether `PerfDiff.diff` throws).
    public static func assess(before: PerfReport, after: PerfReport, allowConfigDrift: Bool = false,
                              allowEnvDrift: Bool = false) -> PerfDiff.Comparability {
        var config: [String] = []
        var env: [String] = []
        var warnings: [String] = []
        let b = before.meta, a = after.meta

        if b.matrixId != a.matrixId { config.append("matrixId: before=\(b.matrixId) after=\(a.matrixId)") }
        if b.matrixHash == nil || a.matrixHash == nil {
            config.append("matrixHash: missing (before=\(js(b.matrixHash)) after=\(js(a.matrixHash)))")
        } else if b.matrixHash != a.matrixHash {
            config.append("matrixHash: before=\(js(b.matrixHash)) after=\(js(a.matrixHash))")
        }
        let common = Set(before.suites.map(\.id)).intersection(after.suites.map(\.id))
        let gridBefore = before.stepsGridHash(of: common), gridAfter = after.stepsGridHash(of: common)
        if gridBefore != gridAfter {
            config.append("stepsGrid: before=\(gridBefore.prefix(16)) after=\(gridAfter.prefix(16))")
        }
        func number(_ label: String, _ x: Double?, _ y: Double?) {
            guard let x, let y, x.isFinite, y.isFinite else {
                config.append("\(label): missing (before=\(x.map(ParamValue.jsNumber) ?? "NaN") after=\(y.map(ParamValue.jsNumber) ?? "NaN"))")
                return
            }
            if x != y { config.append("\(label): before=\(ParamValue.jsNumber(x)) after=\(ParamValue.jsNumber(y))") }
        }
        number("runs", b.config.runs.map(Double.init), a.config.runs.map(Double.init))
        number("warmupDiscard", b.config.warmupDiscard.map(Double.init), a.config.warmupDiscard.map(Double.init))
        number("timeoutMs", b.config.timeoutMs, a.config.timeoutMs)

        if b.config.profile != a.config.profile {
            warnings.append("config.profile: before=\(js(b.config.profile)) after=\(js(a.config.profile))")
        }
        if b.config.headless != a.config.headless {
            warnings.append("config.headless: before=\(js(b.config.headless)) after=\(js(a.config.headless))")
        }

        func same(_ label: String, _ x: String?, _ y: String?) {
            guard let x, let y else {
                env.append("\(label): missing (before=\(js(x)) after=\(js(y)))")
                return
            }
            if x != y { env.append("\(label): before=\(x) after=\(y)") }
        }
        same("env.os", b.env.os, a.env.os)
        same("env.arch", b.env.arch, a.env.arch)
        same("env.browser.name", b.env.browser?.name, a.env.browser?.name)
        same("env.browser.headless", b.env.browser?.headless.map(String.init), a.env.browser?.headless.map(String.init))
        if b.env.browser?.version != nil || a.env.browser?.version != nil {
            same("env.browser.version", b.env.browser?.version, a.env.browser?.version)
        }

        if b.env.node != a.env.node { warnings.append("env.node: before=\(js(b.env.node)) after=\(js(a.env.node))") }
        if b.git?.dirty == true { warnings.append("git.dirty.before=true") }
        if a.git?.dirty == true { warnings.append("git.dirty.after=true") }
        if let x = b.git?.branch, let y = a.git?.branch, !x.isEmpty, !y.isEmpty, x != y {
            warnings.append("git.branch: before=\(x) after=\(y)")
        }
        if let x = b.git?.commit, let y = a.git?.commit, !x.isEmpty, !y.isEmpty, x != y {
            warnings.append("git.commit: before=\(x) after=\(y)")
        }

        return PerfDiff.Comparability(comparable: config.isEmpty && env.isEmpty, allowConfigDrift: allowConfigDrift,
                                      allowEnvDrift: allowEnvDrift, configMismatches: config, envMismatches: env,
                                      warnings: warnings)
    }

    /// The `.notComparable` error for mismatches the allow flags do not cover, or nil:
    /// `before.json vs after.json are not comparable: config drift: runs: before=30 after=25; env
    /// drift: env.os: before=darwin after=linux (re-run both … or add --allow-config-drift /
    /// --allow-env-drift for a triage-only diff)`.
    public func refusal(beforeFile: String, afterFile: String) -> EvidenceError? {
        var parts: [String] = []
        var flags: [String] = []
        if !configMismatches.isEmpty && !allowConfigDrift {
            parts.append("config drift: " + configMismatches.joined(separator: "; "))
            flags.append("--allow-config-drift")
        }
        if !envMismatches.isEmpty && !allowEnvDrift {
            parts.append("env drift: " + envMismatches.joined(separator: "; "))
            flags.append("--allow-env-drift")
        }
        guard !parts.isEmpty else { return nil }
        let fix = flags.count == 2
            ? "re-run both with the same matrix and profile on the same machine"
            : flags[0] == "--allow-config-drift" ? "re-run both with the same matrix and profile (runs/warmupDiscard/timeoutMs)"
            : "collect both on the same machine, browser and headless setting"
        return EvidenceError(.notComparable, "\(beforeFile) vs \(afterFile) are not comparable: \(parts.joined(separator: "; ")) (\(fix), or add \(flags.joined(separator: " ")) for a triage-only diff)")
    }
}

/// JavaScript's String(x) of an optional (`undefined` when absent).
private func js(_ s: String?) -> String { s ?? "undefined" }
private func js(_ b: Bool?) -> String { b.map { $0 ? "true" : "false" } ?? "undefined" }

extension PerfReport.Env {
    /// `os.arch.browserName.browserVersion.headless|headed`, lower-cased; an absent part is
    /// `unknown`, except the browser version, which is left out when absent (`darwin.arm64.node.headless`).
    public var envId: String {
        var parts = [os ?? "unknown", arch ?? "unknown", browser?.name ?? "unknown"]
        if let v = browser?.version { parts.append(v) }
        parts.append(browser?.headless == true ? "headless" : "headed")
        return parts.joined(separator: ".").lowercased()
    }
}

extension PerfReport {
    /// sha256 (hex) of the steps grid: per suite (by id) its sorted `steps`, `dirtyRootsRatio`
    /// and `convergeMode` values, as the text
    /// `<id>|steps=200,800,2000|dirtyRootsRatio=0.005,0.05|convergeMode=auto,dirty,full\n`.
    public var stepsGridHash: String { stepsGridHash(of: nil) }

    /// The steps grid hash over the suites whose ids are in `ids` (all when nil): a diff compares
    /// the grids of the suites both reports have (a suite in one report only is a note).
    public func stepsGridHash(of ids: Set<String>?) -> String {
        var text = ""
        for suite in suites.sorted(by: { $0.id < $1.id }) where ids?.contains(suite.id) ?? true {
            text += suite.id
            for axis in ["steps", "dirtyRootsRatio", "convergeMode"] {
                let values = Set(suite.points.compactMap { $0.params[axis] }).sorted()
                text += "|\(axis)=" + values.map(\.description).joined(separator: ",")
            }
            // ours: the kernelBackend axis when the points have one (a backend that ran on one
            // side only is grid drift, not a regression); Logix's reports have none
            let backends = Set(suite.points.compactMap { $0.params["kernelBackend"] }).sorted()
            if !backends.isEmpty { text += "|kernelBackend=" + backends.map(\.description).joined(separator: ",") }
            text += "\n"
        }
        return Matrix.sha256Hex(Data(text.utf8))
    }
}
