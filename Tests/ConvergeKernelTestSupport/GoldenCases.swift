import ConvergeKernel
import Foundation

/// What one golden case expects.
public enum GoldenExpectation: Sendable, Equatable {
    /// The registry and topological order (raw outs); `configError` is a Logix code when Logix
    /// reports one for this graph when converge runs.
    case inspect(fieldPaths: [String], topo: [String], configError: String?)
    /// A converge run: executed mode (`nil` when the graph has no steps) and the plan's raw outs.
    case run(executedMode: String?, plan: [String])
    /// A converge run that Logix answers with a configuration error (`{"run": {"error": [...]}}`).
    case runError(code: String)
    /// A graph Logix refuses: the code and the stage (`build` / `converge`).
    case error(code: String, stage: String)
}

/// One recorded case of Tests/Fixtures/logix-converge/golden.json.
public struct GoldenCase: Sendable {
    public let graph: String
    public let mode: String?
    public let scope: String?
    public let dirty: [String]?
    public let expectation: GoldenExpectation
}

/// The golden file: graphs by name and the 833 cases.
public struct GoldenFile: Sendable {
    public let graphs: [String: ConvergeIR]
    public let cases: [GoldenCase]

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The package root (the folder holding Package.swift), from this file's path.
    public static func packageRoot() -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Where the golden file is: `$CONVERGE_GOLDEN`, else the copy in the repository,
    /// `Tests/Fixtures/logix-converge/golden.json`.
    public static func location() -> URL {
        if let env = ProcessInfo.processInfo.environment["CONVERGE_GOLDEN"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return packageRoot().appendingPathComponent("Tests/Fixtures/logix-converge/golden.json")
    }

    /// Loads and parses the golden file. Throws (the tests fail, never skip) when it is missing or
    /// malformed.
    public static func load() throws -> GoldenFile {
        let url = location()
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw LoadError(description: "golden file not found at \(url.path) (set CONVERGE_GOLDEN to its path)")
        }
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let graphs = root["graphs"] as? [String: Any], let cases = root["cases"] as? [[String: Any]] else {
            throw LoadError(description: "\(url.path) is not a golden file (graphs, cases)")
        }
        var parsed: [String: ConvergeIR] = [:]
        for (name, doc) in graphs {
            let bytes = try JSONSerialization.data(withJSONObject: doc)
            parsed[name] = try ConvergeIR(json: bytes)
        }
        var list: [GoldenCase] = []
        for (i, c) in cases.enumerated() {
            guard let graph = c["graph"] as? String, let expect = c["expect"] as? [String: Any] else {
                throw LoadError(description: "case \(i) has no graph or expect")
            }
            let expectation: GoldenExpectation
            if let inspect = expect["inspect"] as? [String: Any] {
                expectation = .inspect(fieldPaths: inspect["fieldPaths"] as? [String] ?? [],
                                       topo: inspect["topo"] as? [String] ?? [],
                                       configError: inspect["configError"] as? String)
            } else if let run = expect["run"] as? [String: Any] {
                if let error = run["error"] as? [String], let code = error.first {
                    expectation = .runError(code: code)
                } else {
                    expectation = .run(executedMode: run["executedMode"] as? String, plan: run["plan"] as? [String] ?? [])
                }
            } else if let error = expect["error"] as? [String], error.count == 2 {
                expectation = .error(code: error[0], stage: error[1])
            } else {
                throw LoadError(description: "case \(i) has an unknown expectation \(expect.keys.sorted())")
            }
            list.append(GoldenCase(graph: graph, mode: c["mode"] as? String, scope: c["scope"] as? String,
                                   dirty: c["dirty"] as? [String], expectation: expectation))
        }
        return GoldenFile(graphs: parsed, cases: list)
    }
}
