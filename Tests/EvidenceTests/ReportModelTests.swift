import ConvergeEvidence
import Foundation
import Testing

/// One of Logix's own perf files, copied into the repository: Tests/Fixtures/logix-perf.
func logixPerfFile(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/logix-perf/\(name)").path
}

@Test func percentilesDropWarmupThenPickFloorIndex() {
    // 2 discarded, then [5, 1, 4, 2, 3] sorted = [1, 2, 3, 4, 5]: median sorted[2] = 3, p95 sorted[floor(0.95*4)=3] = 4
    let s = Percentiles.stats(samplesMs: [100, 100, 5, 1, 4, 2, 3], warmupDiscard: 2)
    #expect(s == PerfReport.Stats(n: 5, medianMs: 3, p95Ms: 4, minMs: 1))
    #expect(Percentiles.stats(samplesMs: [1, 2], warmupDiscard: 2) == nil)
}

@Test func logixReportsDecodeAndKeepTheirPoints() throws {
    let r = try PerfReport.read(logixPerfFile("049-before.node.core.converge.txnCommit.darwin-arm64.default.json"))
    #expect(r.schemaVersion == 1)
    #expect(r.meta.matrixId == "logix-browser-perf-matrix-v1")
    #expect(r.meta.env.browser?.name == "node")
    #expect(r.suites.first?.points.count == 36)
    #expect(r.suites.first?.points.first?.params["steps"] == .number(200))
    #expect(r.suites.first?.budgets?.count == 4)
}

@Test func aFileThatIsNotAReportNamesTheMissingField() {
    #expect(throws: EvidenceError(.invalidReport, "x.json is not a perf report: missing field `meta`")) {
        try PerfReport.decode(Data(#"{"schemaVersion": 1, "suites": []}"#.utf8), file: "x.json")
    }
}

@Test func theEmbeddedMatrixHashIsTheSha256OfItsFile() throws {
    let v1 = try Matrix.embedded("v1")
    #expect(v1.matrixId == "converge-kernel-matrix-v1")
    #expect(v1.hash.count == 64)
    #expect(Matrix.sha256Hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(v1.suite("converge.txnCommit")?.axes.steps == [200, 400, 600, 800, 1200, 1600, 2000])
    // v2 is the default; both ship, each with its own hash
    let v2 = try Matrix.embedded()
    #expect(v2.matrixId == "converge-kernel-matrix-v2")
    #expect(v2.hash != v1.hash)
    #expect(Matrix.embedded(matrixId: "converge-kernel-matrix-v1")?.hash == v1.hash)
    #expect(throws: EvidenceError.self) { try Matrix.embedded("v9") }
}

@Test func numbersAreSpelledAsJavaScriptsStringDoes() {
    let cases: [(Double, String)] = [
        (2000, "2000"), (0.005, "0.005"), (0.75, "0.75"), (123.45, "123.45"), (-0.0, "0"), (-1.5, "-1.5"),
        (1e-5, "0.00001"), (1.5e-6, "0.0000015"), (1e-7, "1e-7"), (2.5e-8, "2.5e-8"),
        (1e16, "10000000000000000"), (1.2345e20, "123450000000000000000"), (1e21, "1e+21"), (1.5e22, "1.5e+22"),
        (0.1 + 0.2, "0.30000000000000004"), (.nan, "NaN"), (-.infinity, "-Infinity"),
    ]
    for (value, text) in cases { #expect(ParamValue.jsNumber(value) == text, "\(value)") }
}
