import ConvergeEvidence
import Foundation
import Testing

/// docs/schema/perf-diff.schema.json, beside the package.
private let schemaPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("docs/schema/perf-diff.schema.json").path

/// Validates JSON files against the schema with python3's jsonschema; fails (never skips) when
/// python3 or the module is missing.
private func validate(_ files: [String]) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", """
        import json, sys
        try:
            import jsonschema
        except ImportError:
            print("python3 has no jsonschema module: pip install jsonschema"); sys.exit(3)
        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft202012Validator.check_schema(schema)
        for f in sys.argv[2:]:
            jsonschema.validate(json.load(open(f)), schema, cls=jsonschema.Draft202012Validator)
        """, schemaPath] + files
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    do { try p.run() } catch {
        Issue.record("cannot run python3 (\(error)): install python3 and pip install jsonschema")
        return
    }
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    #expect(p.terminationStatus == 0, "schema validation failed (python3 with jsonschema is required: pip install jsonschema): \(text)")
}

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
    try validate(files)
}

@Test func theSchemaRejectsADiffWithoutSummary() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("perf-diff-bad-\(UUID().uuidString).json").path
    try Data(#"{"schemaVersion": 1, "meta": {"createdAt": "x", "from": {}, "to": {}, "comparability": {"comparable": true, "allowConfigDrift": false, "allowEnvDrift": false, "configMismatches": [], "envMismatches": [], "warnings": []}}, "suites": []}"#.utf8)
        .write(to: URL(fileURLWithPath: path))
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))",
                   schemaPath, path]
    p.standardOutput = Pipe()
    p.standardError = Pipe()
    try p.run()
    p.waitUntilExit()
    #expect(p.terminationStatus != 0)
}
