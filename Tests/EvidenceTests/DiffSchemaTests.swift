import ConvergeEvidence
import Foundation
import Testing

@Test func producedDiffsValidateAgainstTheSchema() throws {
    let dir = FileManager.default.temporaryDirectory
    var files: [String] = []
    let core = "049-before.node.core.converge.txnCommit.darwin-arm64.default.json"
    let ng = "049-after.node.core-ng.execVm.converge.txnCommit.darwin-arm64.default.json"
    let before = try PerfReport.read(logixPerfFile(core))
    var after = try PerfReport.read(logixPerfFile(ng))
    let comparable = try PerfDiff.diff(before: before, beforeFile: core, after: after, afterFile: ng)
    after.meta.env.os = "linux"
    let triage = try PerfDiff.diff(before: after, beforeFile: ng, after: before, afterFile: core, allowEnvDrift: true)
    for (i, d) in [comparable, triage].enumerated() {
        let path = dir.appendingPathComponent("perf-diff-\(i)-\(UUID().uuidString).json").path
        try EvidenceJSON.write(d, to: path)
        files.append(path)
    }
    // Logix's own diffs fit the schema too.
    files.append(logixPerfFile("049-diff.node.core__core-ng.execVm.converge.txnCommit.darwin-arm64.default.json"))
    let (status, output) = try schemaCheck(files, against: "perf-diff.schema.json")
    #expect(status == 0, "schema validation failed (python3 with jsonschema is required: pip install jsonschema): \(output)")
}

@Test func theSchemaRejectsADiffWithoutSummary() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("perf-diff-bad-\(UUID().uuidString).json").path
    try Data(#"{"schemaVersion": 1, "meta": {"createdAt": "x", "from": {}, "to": {}, "comparability": {"comparable": true, "allowConfigDrift": false, "allowEnvDrift": false, "configMismatches": [], "envMismatches": [], "warnings": []}}, "suites": []}"#.utf8)
        .write(to: URL(fileURLWithPath: path))
    #expect(try schemaCheck([path], against: "perf-diff.schema.json").status != 0)
}
