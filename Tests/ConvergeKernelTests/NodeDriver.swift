import ConvergeWasm
import Foundation
import Testing

/// A test's ES-module driver run in node: the script is written to a fresh temporary folder (with
/// any `files` beside it), run as `node driver.mjs ARGS…` (an argument "{dir}/NAME" names such a
/// file), and its stdout parsed as one JSON object. When node fails or prints anything else, an
/// issue is recorded with what it printed and the reply is nil.
enum NodeDriver {
    static func run(_ script: String, _ args: [String], files: [String: Data] = [:], timeout: Double = 120) throws -> [String: Any]? {
        let node = try NodeHost.node()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("converge-driver-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, data) in files { try data.write(to: dir.appendingPathComponent(name)) }
        let driver = dir.appendingPathComponent("driver.mjs")
        try Data(script.utf8).write(to: driver)
        let run = try WasmBuild.run(node, [driver.path] + args.map { $0.replacingOccurrences(of: "{dir}", with: dir.path) }, timeout: timeout)
        guard run.status == 0, let reply = try? JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any] else {
            Issue.record("node failed (status \(run.status)): \(run.output.prefix(2000))")
            return nil
        }
        return reply
    }

    /// The path of a file of `wasm-host/`.
    static func hostModule(_ name: String) throws -> String {
        try WasmBuild.hostScripts().appendingPathComponent(name).path
    }
}
