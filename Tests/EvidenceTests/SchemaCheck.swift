import Foundation

/// Validates JSON `files` against docs/schema/`schema` (Tests/check-json-schema.py: python3 with
/// jsonschema): its exit status and output. Status 1: a file does not validate; 3: python3 has no
/// jsonschema module.
func schemaCheck(_ files: [String], against schema: String) throws -> (status: Int32, output: String) {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", root.appendingPathComponent("Tests/check-json-schema.py").path,
                   root.appendingPathComponent("docs/schema/\(schema)").path] + files
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    try p.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return (p.terminationStatus, text)
}
