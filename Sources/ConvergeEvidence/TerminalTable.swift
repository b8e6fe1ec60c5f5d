import Foundation

/// The converge.txnCommit results of a perf report as a plain-text table for a terminal
/// (docs/perf-html.md): one row per (convergeMode, steps, dirtyRootsRatio), then columns of
/// median µs per backend, the ratio to native-l1 per other backend, and a "WASM vs JS" verdict
/// per engine when both its L1 WASM backend and its JS kernel were measured (wasm-v8 vs js-v8:
/// "WASM vs JS"; wasm-chromium vs js-chromium: "WASM vs JS (Chromium)"; WasmVsJS). Columns are aligned with spaces (no box drawing),
/// numbers have fixed decimals, missing values are "—". A large grid is reduced to a readable
/// subset (steps smallest / middle / largest × ratios nearest 0.005, 0.25 and 1), and the table
/// says so. When the columns do not fit `width`, they are split into blocks that repeat the row keys.
/// After the table, the JS kernel and the WASM backends against the plain-JS reference
/// (WasmVsJS.plainSummaries), then the upper-bound check (UpperBound): N of M points, the worst
/// ratio, the failing points.
public enum TerminalTable {
    /// Above this many grid rows the table shows the subset.
    static let maxFullRows = 40
    /// The ratios the subset keeps (or the nearest present).
    static let subsetRatios = [0.005, 0.25, 1.0]
    static let wasm = "wasm-v8"
    static let js = "js-v8"

    /// Renders the table; lines end with "\n". `width` is the terminal width in columns (≥ 40
    /// used); the default, 100, fits a default terminal with room to spare.
    public static func render(_ report: PerfReport, width: Int = 100) -> String {
        guard let v = TxnCommitView(report) else {
            return "\(TxnCommitView.suiteId): not in this report\n"
        }
        var out = "\(TxnCommitView.suiteId) · \(TxnCommitView.metric) median (µs)\n"
        if v.hasBaseline || !v.baselineRatios.isEmpty { out += "ratios: backend ÷ \(TxnCommitView.baseline), by medians\n" }
        if v.isEmpty {
            return out + "no measured points (\(v.pointCount) points, all skipped or unavailable)\n"
        }
        let rows = selectRows(v)
        if rows.count < v.keys.count {
            out += "(subset of \(v.keys.count) points; full data in the report)\n"
        }
        if v.skippedCount > 0 {
            out += "(\(v.skippedCount) points skipped or unavailable)\n"
        }
        out += "\n"

        var columns: [Column] = []
        for b in v.backends {
            columns.append(Column(group: "median µs", header: b) { NumberText.fixed(v.median(b, $0).map { $0 * 1000 }, 1) })
        }
        for b in v.backends where b != TxnCommitView.baseline && !(v.baselineRatios[b] ?? [:]).isEmpty {
            columns.append(Column(group: "× \(TxnCommitView.baseline)", header: b) { NumberText.fixed(v.ratio(b, $0), 2) })
        }
        for e in WasmVsJS.engines where v.backends.contains(e.wasm[0]) && v.backends.contains(e.js) {
            let header = e.js == js ? "WASM vs JS" : "WASM vs JS (\(e.name))"
            columns.append(Column(group: "", header: header, alignLeft: true) { WasmVsJS.verdict(v, wasm: e.wasm[0], js: e.js, $0) })
        }
        out += layout(rows: rows, columns: columns, width: max(40, width))
        let plain = WasmVsJS.plainSummaries(report)
        if !plain.isEmpty {
            out += "\nagainst the plain-JS reference (js.plainReferenceMs, medians of all cells):\n"
            for p in plain { out += "  " + p.line + "\n" }
        }
        if let suite = report.suites.first(where: { $0.id == TxnCommitView.suiteId }) {
            out += "\n" + upperBoundSection(UpperBound.result(suite))
        }
        return out
    }

    /// At most this many failing comparisons are listed, then "… and K more".
    static let maxUpperBoundLines = 20

    /// "native is the upper bound on N of M points", the worst ratio, then the failing comparisons
    /// (worst first): backend, mode, steps, dirty ratio, its median µs, the best native and its
    /// median µs, the ratio (backend ÷ best native).
    static func upperBoundSection(_ r: UpperBound.Result) -> String {
        let s = r.summary
        var out = "upper bound: the best native median ≤ every other backend's\n"
        out += "(native: \(TerminalText.escaped(s.nativeBackends.joined(separator: ", "))))\n"
        out += TerminalText.escaped(UpperBound.headline(s)) + "\n"
        if let w = UpperBound.worstLine(s) { out += TerminalText.escaped(w) + "\n" }
        guard !r.failing.isEmpty else { return out }
        let shown = r.failing.prefix(maxUpperBoundLines)
        let header = ["backend", "mode", "steps", "dirtyRatio", "µs", "best native", "native µs", "÷ native"]
        let leftAligned: Set<Int> = [0, 1, 5]
        let rows: [[String]] = shown.map { c in
            let w = c.numeratorWhere
            func axis(_ name: String) -> String { w[name].map { $0.number.map(NumberText.plain) ?? $0.description } ?? "—" }
            return [w[UpperBound.backendAxis].map(\.description) ?? "—", w["convergeMode"].map(\.description) ?? "—",
                    axis("steps"), axis("dirtyRootsRatio"), NumberText.fixed(c.numeratorMedianMs.map { $0 * 1000 }, 1),
                    c.denominatorWhere[UpperBound.backendAxis].map(\.description) ?? "—",
                    NumberText.fixed(c.denominatorMedianMs.map { $0 * 1000 }, 1), NumberText.fixed(c.stats.median, 2)]
                .map(TerminalText.escaped)
        }
        let widths = header.indices.map { i in ([header[i].count] + rows.map { $0[i].count }).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            var l = "  "
            for (i, cell) in cells.enumerated() {
                let fill = String(repeating: " ", count: max(0, widths[i] - cell.count))
                l += (leftAligned.contains(i) ? cell + fill : fill + cell) + "  "
            }
            return trimTrailing(l) + "\n"
        }
        out += "failing (worst first):\n" + line(header)
        for row in rows { out += line(row) }
        if r.failing.count > shown.count { out += "  … and \(r.failing.count - shown.count) more\n" }
        return out
    }

    /// "wasm-v8 wins 3.1x" / "js-v8 wins 1.4x" (ratio of the medians, one decimal); "—" when either is missing.
    static func verdict(_ v: TxnCommitView, _ key: GridKey) -> String {
        WasmVsJS.verdict(v, wasm: wasm, js: js, key)
    }

    /// All rows, or the subset when there are more than `maxFullRows`.
    static func selectRows(_ v: TxnCommitView) -> [GridKey] {
        guard v.keys.count > maxFullRows else { return v.keys }
        var steps: [Double] = []
        for s in [v.steps.first, v.steps.isEmpty ? nil : v.steps[v.steps.count / 2], v.steps.last] {
            if let s, !steps.contains(s) { steps.append(s) }
        }
        var ratios: [Double] = []
        for target in subsetRatios {
            if let r = v.ratios.min(by: { abs($0 - target) < abs($1 - target) }), !ratios.contains(r) { ratios.append(r) }
        }
        let keep = Set(steps.flatMap { s in ratios.map { (s, $0) } }.map { "\($0.0)|\($0.1)" })
        return v.keys.filter { keep.contains("\($0.steps)|\($0.ratio)") }
    }

    struct Column {
        var group: String
        var header: String
        var alignLeft = false
        var cell: (GridKey) -> String
    }

    /// Headers and cells are escaped (`TerminalText`): a backend or mode name from a report
    /// cannot break a row or inject terminal sequences.
    static func layout(rows: [GridKey], columns: [Column], width: Int) -> String {
        let columns = columns.map { c in
            var c = c
            c.group = TerminalText.escaped(c.group)
            c.header = TerminalText.escaped(c.header)
            return c
        }
        let keyColumns = [
            Column(group: "", header: "mode", alignLeft: true) { $0.mode },
            Column(group: "", header: "steps") { NumberText.plain($0.steps) },
            Column(group: "", header: "dirtyRatio") { NumberText.plain($0.ratio) },
        ]
        let gap = 2
        func cells(_ c: Column) -> [String] { rows.map { TerminalText.escaped(c.cell($0)) } }
        func colWidth(_ c: Column, _ cs: [String]) -> Int { ([c.header.count] + cs.map(\.count)).max() ?? 0 }

        let keyCells = keyColumns.map(cells)
        let keyWidths = zip(keyColumns, keyCells).map { colWidth($0, $1) }
        let keyWidth = keyWidths.reduce(0, +) + gap * keyWidths.count

        // Pack the value columns into blocks that fit the width (at least one column per block).
        let valueCells = columns.map(cells)
        let valueWidths = zip(columns, valueCells).map { colWidth($0, $1) }
        var blocks: [[Int]] = [[]]
        var used = keyWidth
        for i in columns.indices {
            let w = valueWidths[i] + gap
            if !blocks[blocks.count - 1].isEmpty && used + w > width {
                blocks.append([])
                used = keyWidth
            }
            blocks[blocks.count - 1].append(i)
            used += w
        }

        func pad(_ s: String, _ w: Int, left: Bool) -> String {
            let fill = String(repeating: " ", count: max(0, w - s.count))
            return left ? s + fill : fill + s
        }

        var out = ""
        for (n, block) in blocks.enumerated() where !block.isEmpty || n == 0 {
            if n > 0 { out += "\n" }
            // Group line: each group's name over the columns of the group (spanning them).
            var group = String(repeating: " ", count: keyWidth)
            var j = 0
            while j < block.count {
                let g = columns[block[j]].group
                var span = 0, k = j
                while k < block.count && columns[block[k]].group == g {
                    span += valueWidths[block[k]] + gap
                    k += 1
                }
                group += g.isEmpty ? String(repeating: " ", count: span) : pad(String(g.prefix(span - gap)), span, left: true)
                j = k
            }
            let trimmedGroup = trimTrailing(group)
            if !trimmedGroup.isEmpty { out += trimmedGroup + "\n" }

            var header = ""
            for (c, w) in zip(keyColumns, keyWidths) { header += pad(c.header, w, left: c.alignLeft) + String(repeating: " ", count: gap) }
            for i in block { header += pad(columns[i].header, valueWidths[i], left: columns[i].alignLeft) + String(repeating: " ", count: gap) }
            out += trimTrailing(header) + "\n"

            for r in rows.indices {
                var line = ""
                for (k, c) in keyColumns.enumerated() { line += pad(keyCells[k][r], keyWidths[k], left: c.alignLeft) + String(repeating: " ", count: gap) }
                for i in block { line += pad(valueCells[i][r], valueWidths[i], left: columns[i].alignLeft) + String(repeating: " ", count: gap) }
                out += trimTrailing(line) + "\n"
            }
        }
        return out
    }

    static func trimTrailing(_ s: String) -> String {
        var s = s
        while s.last == " " { s.removeLast() }
        return s
    }
}
