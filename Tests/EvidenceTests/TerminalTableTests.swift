@testable import ConvergeEvidence
import Foundation
import Testing

/// The table's data lines (after the header line starting with "mode"), split on runs of spaces.
func tableRows(_ table: String) -> [[String]] {
    let lines = table.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let header = lines.firstIndex(where: { $0.hasPrefix("mode ") }) else { return [] }
    return lines[(header + 1)...].prefix { !$0.isEmpty }.map { line in
        line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    }
}

func headerLine(_ table: String) -> String {
    table.split(separator: "\n").first { $0.hasPrefix("mode ") }.map(String.init) ?? ""
}



/// The terminal table: columns, alignment, the subset rule, dashes for missing values, the verdict.
@Suite struct TerminalTableTests {
    @Test func columnsAreMediansThenRatiosThenTheVerdict() {
        let report = SyntheticReport.make(steps: [200, 2000], ratios: [0.25])
        let table = TerminalTable.render(report, width: 250)
        let header = headerLine(table).split(separator: " ").map(String.init)
        let b = SyntheticReport.allBackends
        let others = b.filter { $0 != "native-l1" }
        #expect(header == ["mode", "steps", "dirtyRatio"] + b + others + ["WASM", "vs", "JS"])
        #expect(table.contains("median µs"))
        #expect(table.contains("× native-l1"))
        #expect(!table.contains("subset"))

        let rows = tableRows(table)
        #expect(rows.count == 6) // 3 modes × 2 steps × 1 ratio
        // full, 200 steps: native-l1 0.1 ms / 1000 steps × 200 = 20 µs; wasm-v8 50 µs; js-v8 40 µs.
        let first = rows[0]
        #expect(Array(first.prefix(3)) == ["full", "200", "0.25"])
        #expect(first[3 + b.firstIndex(of: "native-l1")!] == "20.0")
        #expect(first[3 + b.firstIndex(of: "wasm-v8")!] == "50.0")
        #expect(first[3 + b.count + others.firstIndex(of: "wasm-v8")!] == "2.50")
        #expect(Array(first.suffix(3)) == ["js-v8", "wins", "1.2x"]) // 50 / 40 = 1.25
        // full, 2000 steps: wasm-v8 500 µs vs js-v8 800 µs.
        #expect(Array(rows[1].suffix(3)) == ["wasm-v8", "wins", "1.6x"])
    }

    @Test func columnsAreAlignedWithFixedDecimals() {
        let table = TerminalTable.render(SyntheticReport.make(steps: [200, 2000], ratios: [0.005, 1]), width: 250)
        let lines = table.split(separator: "\n").map(String.init)
        guard let h = lines.firstIndex(where: { $0.hasPrefix("mode ") }) else { Issue.record("no header"); return }
        let header = lines[h]
        // Each numeric column ends where its header ends (right-aligned).
        let end = header.range(of: "native-l1")!.upperBound
        let col = header.distance(from: header.startIndex, to: end)
        // the table's rows: up to the blank line before the upper-bound section
        for line in lines[(h + 1)...].prefix(while: { !$0.hasPrefix("upper bound:") }) {
            let idx = line.index(line.startIndex, offsetBy: col - 1)
            #expect(line[idx] != " ", "\(line)")
            #expect(line[line.index(after: idx)] == " ")
        }
    }

    @Test func aLargeGridIsReducedToTheSubsetAndSaysSo() {
        let report = SyntheticReport.make()
        let table = TerminalTable.render(report)
        // 3 modes × 7 steps × 17 ratios = 357 grid rows.
        #expect(table.contains("(subset of 357 points; full data in the report)"))
        let rows = tableRows(table)
        #expect(rows.count == 27) // 3 modes × steps {200, 800, 2000} × ratios {0.005, 0.25, 1}
        #expect(Set(rows.map { $0[1] }) == ["200", "800", "2000"])
        #expect(Set(rows.map { $0[2] }) == ["0.005", "0.25", "1"])
        // The subset takes the nearest present ratios when the targets are missing.
        let other = TerminalTable.render(SyntheticReport.make(ratios: [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.9]))
        #expect(Set(tableRows(other).map { $0[2] }) == ["0.01", "0.2", "0.9"])
    }

    @Test func missingValuesPrintADash() {
        let report = SyntheticReport.make(steps: [400], ratios: [0.1], value: { b, m, s, r in
            if b == "wasm-v8" && m == "full" { return nil } // unavailable
            return SyntheticReport.medianMs(b, mode: m, steps: s, ratio: r)
        })
        let table = TerminalTable.render(report, width: 250)
        let rows = tableRows(table)
        #expect(rows.count == 3)
        let b = SyntheticReport.allBackends
        let full = rows.first { $0[0] == "full" }!
        #expect(full[3 + b.firstIndex(of: "wasm-v8")!] == "—")
        #expect(full.last == "—") // no verdict without wasm-v8
        let auto = rows.first { $0[0] == "auto" }!
        #expect(auto[3 + b.firstIndex(of: "js-v8")!] == "—") // js-v8 is skipped in auto
        #expect(table.contains("points skipped or unavailable"))
    }

    @Test func withoutWasmOrJSThereIsNoVerdictColumn() {
        let table = TerminalTable.render(SyntheticReport.make(backends: ["native-l1", "wasm-v8"], steps: [200], ratios: [1]))
        #expect(!table.contains("WASM vs JS"))
        #expect(headerLine(table).split(separator: " ") == ["mode", "steps", "dirtyRatio", "native-l1", "wasm-v8", "wasm-v8"])
    }

    @Test func aNarrowTerminalGetsBlocksThatFit() {
        let table = TerminalTable.render(SyntheticReport.make(steps: [200, 2000], ratios: [0.25]), width: 80)
        for line in table.split(separator: "\n") { #expect(line.count <= 80, "\(line)") }
        // The row keys repeat in each block.
        #expect(table.split(separator: "\n").filter { $0.hasPrefix("mode ") }.count >= 2)
    }

    /// Every backend, the full grid, the upper-bound section with failures: by default every line
    /// fits 100 columns, and every block repeats the row keys under a complete header.
    @Test func theDefaultWidthIsOneHundredColumns() {
        let report = SyntheticReport.make(backends: SyntheticReport.allBackends + ["native-l3", "wasm-v8-l3", "wasm-chromium", "js-chromium"])
        let table = TerminalTable.render(report)
        for line in table.split(separator: "\n") { #expect(line.count <= 100, "\(line.count): \(line)") }
        let headers = table.split(separator: "\n").filter { $0.hasPrefix("mode ") }
        #expect(headers.count >= 2)
        for h in headers { #expect(h.split(separator: " ").count > 3, "\(h)") }
    }

    @Test func emptyOrMissingSuitesDoNotCrash() {
        #expect(TerminalTable.render(SyntheticReport.empty()).contains("no measured points"))
        var none = SyntheticReport.empty()
        none.suites = []
        #expect(TerminalTable.render(none) == "converge.txnCommit: not in this report\n")
        // Only one backend, no baseline: medians only.
        let one = TerminalTable.render(SyntheticReport.make(backends: ["js-v8"], steps: [200], ratios: [1]))
        #expect(headerLine(one).split(separator: " ") == ["mode", "steps", "dirtyRatio", "js-v8"])
        #expect(tableRows(one).count == 2) // auto is skipped for js-v8
    }
}
