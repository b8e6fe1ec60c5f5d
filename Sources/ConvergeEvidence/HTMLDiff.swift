import Foundation

/// The diff section of the HTML page (docs/perf-html.md, "A diff on the page"): a perf diff
/// (ours or Logix's, docs/perf-diff.md) shown beside the report it ends in — the gate's verdict,
/// comparability, the summary counts, every threshold delta, the metric deltas' largest p95
/// moves, the evidence deltas and the suites' notes. Every text is escaped; non-finite numbers
/// are "—".
extension HTMLReport {
    /// At most this many rows of a long table are open; more are collapsed.
    static let openRows = 60

    static func diffSection(_ diff: PerfDiff, report: PerfReport) -> String {
        let verdict = diff.gate
        var h = "<section class=\"diff\">\n<h2>Diff</h2>\n"
        h += "<p class=\"verdict \(verdict.pass ? "pass" : "fail")\">\(Markup.escape(verdict.line))</p>\n"
        let m = diff.meta
        func side(_ s: PerfDiff.Side) -> String {
            [s.file, s.commit.map { "commit " + String($0.prefix(12)) }].compactMap { $0 }.joined(separator: ", ").ifEmpty("—")
        }
        h += "<dl class=\"meta\">\n"
        for (k, v) in [("before", side(m.from)), ("after", side(m.to)), ("created", m.createdAt)] {
            h += "<div><dt>\(Markup.escape(k))</dt><dd>\(Markup.escape(v))</dd></div>\n"
        }
        h += "</dl>\n"
        if let commit = report.meta.git?.commit, let after = m.to.commit, commit != after {
            h += "<p class=\"warning\">This page's report is commit \(Markup.escape(String(commit.prefix(12)))); the diff's after "
            h += "report is commit \(Markup.escape(String(after.prefix(12)))): the plots and the diff describe different runs.</p>\n"
        }
        let c = m.comparability
        let mismatches = c.configMismatches + c.envMismatches
        if !mismatches.isEmpty {
            h += "<p>Not comparable (triage only): \(Markup.escape(mismatches.joined(separator: "; ")))</p>\n"
        }
        if !c.warnings.isEmpty { h += "<p>Warnings: \(Markup.escape(c.warnings.joined(separator: ", ")))</p>\n" }
        h += summaryTable(diff.summary)
        h += thresholdDeltas(diff)
        h += metricDeltas(diff)
        h += evidenceDeltas(diff)
        let notes = diff.suites.compactMap { s in s.notes.map { (s.id, $0) } }
        if !notes.isEmpty {
            h += "<h3>Notes</h3>\n<ul>\n"
            for (id, note) in notes { h += "<li>\(Markup.escape(id)): \(Markup.escape(note))</li>\n" }
            h += "</ul>\n"
        }
        return h + "</section>\n"
    }

    static func plural(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    static func summaryTable(_ s: PerfDiff.Summary) -> String {
        var rows: [(String, Int)] = [("regressions", s.regressions), ("improvements", s.improvements)]
        for (name, value) in [("budget exceeded", s.budgetExceeded), ("timeouts", s.timeouts), ("missing suites", s.missingSuites),
                              ("stability warnings", s.stabilityWarnings), ("missing points", s.missingPoints),
                              ("missing metrics", s.missingMetrics), ("slices within noise", s.withinNoise)] {
            if let value { rows.append((name, value)) }
        }
        if let sl = s.slices {
            rows += [("slices", sl.total), ("slices compared", sl.compared), ("slices without points", sl.skippedCoverage),
                     ("slices without data", sl.skippedData), ("slices before only", sl.beforeOnly), ("slices after only", sl.afterOnly)]
        }
        var h = "<table class=\"summary\">\n<tbody>\n"
        for (k, v) in rows { h += "<tr><th>\(Markup.escape(k))</th><td class=\"num\">\(v)</td></tr>\n" }
        return h + "</tbody>\n</table>\n"
    }

    static func whereText(_ p: Params?) -> String {
        (p ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ").ifEmpty("—")
    }

    /// Opens a table inside `<details>` (open up to `openUpTo` rows).
    static func detailsTable(_ count: Int, _ summary: String, _ headers: [String], openUpTo: Int = openRows) -> String {
        var h = "<details\(count <= openUpTo ? " open" : "")><summary>\(Markup.escape(summary))</summary>\n<table>\n<thead><tr>"
        for x in headers { h += "<th>\(Markup.escape(x))</th>" }
        return h + "</tr></thead>\n<tbody>\n"
    }

    static func thresholdDeltas(_ diff: PerfDiff) -> String {
        let rows = diff.suites.flatMap { s in (s.thresholdDeltas ?? []).map { (s.id, $0) } }
        guard !rows.isEmpty else { return "<h3>Threshold deltas</h3>\n<p class=\"empty\">No threshold slice changed its maxLevel.</p>\n" }
        var h = "<h3>Threshold deltas</h3>\n"
        h += detailsTable(rows.count, "\(plural(rows.count, "slice")) whose maxLevel changed (lower after: a regression)",
                          ["suite", "budget", "where", "before", "after", "change", "message"])
        for (suite, d) in rows {
            let change = Self.change(before: d.beforeMaxLevel, after: d.afterMaxLevel)
            h += "<tr><td>\(Markup.escape(suite))</td><td>\(Markup.escape(d.budget.id ?? d.budget.type))</td><td>\(Markup.escape(whereText(d.where)))</td>"
            h += "<td class=\"num\">\(Markup.escape(d.beforeMaxLevel.map(\.description) ?? "—"))</td>"
            h += "<td class=\"num\">\(Markup.escape(d.afterMaxLevel.map(\.description) ?? "—"))</td>"
            h += "<td class=\"\(change)\">\(change)</td><td>\(Markup.escape(d.message))</td></tr>\n"
        }
        return h + "</tbody>\n</table>\n</details>\n"
    }

    /// "regression" when the after maxLevel is lower (null: no level passes, the lowest), else
    /// "improvement"; by number when both are numbers, by position in the text otherwise.
    static func change(before: ParamValue?, after: ParamValue?) -> String {
        switch (before, after) {
        case (nil, nil): return "unchanged"
        case (nil, _): return "improvement"
        case (_, nil): return "regression"
        case let (b?, a?):
            if let x = b.number, let y = a.number { return y < x ? "regression" : y > x ? "improvement" : "unchanged" }
            return b.description == a.description ? "unchanged" : "changed"
        }
    }

    static func metricDeltas(_ diff: PerfDiff) -> String {
        let rows = diff.suites.flatMap { s in (s.metricDeltas ?? []).map { (s.id, $0) } }
        guard !rows.isEmpty else { return "" }
        var h = "<h3>Metric deltas (p95, point by point)</h3>\n"
        h += "<table>\n<thead><tr><th>suite</th><th>metric</th><th>compared</th><th>missing</th><th>unavailable</th></tr></thead>\n<tbody>\n"
        for (suite, d) in rows {
            h += "<tr><td>\(Markup.escape(suite))</td><td>\(Markup.escape(d.metric))</td><td class=\"num\">\(d.compared)</td>"
            h += "<td class=\"num\">\(d.missing)</td><td class=\"num\">\(d.unavailable)</td></tr>\n"
        }
        h += "</tbody>\n</table>\n"
        let moves = rows.flatMap { suite, d in
            d.topRegressions.map { (suite, d.metric, "up", $0) } + d.topImprovements.map { (suite, d.metric, "down", $0) }
        }
        guard !moves.isEmpty else { return h }
        h += detailsTable(moves.count, "the largest p95 moves (at most 5 up and 5 down per metric)",
                          ["suite", "metric", "where", "before p95 (ms)", "after p95 (ms)", "after ÷ before", "move"])
        for (suite, metric, move, p) in moves {
            h += "<tr><td>\(Markup.escape(suite))</td><td>\(Markup.escape(metric))</td><td>\(Markup.escape(whereText(p.params)))</td>"
            h += "<td class=\"num\">\(NumberText.significant(p.beforeP95Ms))</td><td class=\"num\">\(NumberText.significant(p.afterP95Ms))</td>"
            h += "<td class=\"num\">\(NumberText.fixed(p.ratio, 2))</td><td>\(move)</td></tr>\n"
        }
        return h + "</tbody>\n</table>\n</details>\n"
    }

    static func evidenceDeltas(_ diff: PerfDiff) -> String {
        let rows = diff.suites.flatMap { s in (s.evidenceDeltas ?? []).map { (s.id, $0) } }
        guard !rows.isEmpty else { return "" }
        var h = "<h3>Evidence deltas</h3>\n"
        h += detailsTable(rows.count, "\(plural(rows.count, "evidence aggregate")) that changed, or are unavailable or missing somewhere",
                          ["suite", "evidence", "message"], openUpTo: 20)
        for (suite, d) in rows {
            h += "<tr><td>\(Markup.escape(suite))</td><td>\(Markup.escape(d.name))</td><td>\(Markup.escape(d.message))</td></tr>\n"
        }
        return h + "</tbody>\n</table>\n</details>\n"
    }
}
