import Foundation
import Testing
@testable import ConvergeKernel

/// The examples in docs/ and the README are loaded and run, so they cannot drift from the code.
@Suite struct DocExampleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The first ```json block of a markdown file.
    static func firstJSONBlock(_ relativePath: String) throws -> Data {
        let text = try String(contentsOf: root.appendingPathComponent(relativePath), encoding: .utf8)
        let start = try #require(text.range(of: "```json\n"))
        let end = try #require(text.range(of: "\n```", range: start.upperBound..<text.endIndex))
        return Data(text[start.upperBound..<end.lowerBound].utf8)
    }

    @Test func irFormatExampleLoadsAsDocumented() throws {
        let graph = try CompiledGraph(json: Self.firstJSONBlock("docs/ir-format.md"))
        #expect(graph.fieldPaths == ["b0", "d0", "mirror", "user", "user.name"])
        #expect((0..<graph.stepCount).map { graph.out(ofStep: $0) } == ["d0", "mirror"])
        #expect(graph.step(0).expr == "b0 + 1")
        #expect(graph.step(1).kind == "link")
        // the builder produces the same document
        var b = IRBuilder()
        b.field("b0")
        b.field("user.name")
        b.computed("d0", deps: ["b0"], expr: "b0 + 1")
        b.link("mirror", from: "user.name")
        let built = try CompiledGraph(b.build())
        #expect(built.fieldPaths == graph.fieldPaths)
        #expect(built.stepOutPath == graph.stepOutPath && built.triggerSteps == graph.triggerSteps)
        // and JSON round-trips
        #expect(try ConvergeIR(json: graph.ir.jsonData()) == graph.ir)
    }

    /// docs/converge-semantics.md §9: every worked example (registry, order, plans) on every
    /// planner backend.
    @Test(arguments: PlannerBackends.all) func semanticsWorkedExamplesHold(backend: PlannerBackends.Backend) throws {
        let doc = try #require(try JSONSerialization.jsonObject(with: Self.firstJSONBlock("docs/converge-semantics.md")) as? [String: Any])
        let examples = try #require(doc["examples"] as? [[String: Any]])
        #expect(examples.count == 3)
        var checkedPlans = 0
        for (i, example) in examples.enumerated() {
            let graphDoc = try #require(example["graph"] as? [String: Any])
            let ir = try JSONSerialization.data(withJSONObject: graphDoc)
            let graph = try CompiledGraph(json: ir)
            if let paths = example["fieldPaths"] as? [String] {
                #expect(graph.fieldPaths == paths, "example \(i): registry")
            }
            let topo = try #require(example["topo"] as? [String])
            #expect((0..<graph.stepCount).map { graph.out(ofStep: $0) } == topo, "example \(i): order")
            let planner = try backend.make(graph)
            let plans = try #require(example["plans"] as? [[String: Any]])
            for c in plans {
                let dirty = try #require(c["dirty"] as? [String])
                let mode = try #require(PlanMode(rawValue: c["mode"] as? String ?? ""))
                let scope = try #require(PlanScope(rawValue: c["scope"] as? String ?? ""))
                let expected = try #require(c["plan"] as? [String])
                let result = try planner.plan(dirtyPaths: dirty, mode: mode, scope: scope)
                #expect(result.outs(in: graph) == expected, "example \(i): dirty \(dirty) \(scope) \(mode)")
                checkedPlans += 1
            }
        }
        #expect(checkedPlans == 10)
    }

    @Test func readmeLibraryExampleWorks() throws {
        var b = IRBuilder()
        b.field("user.name")
        b.computed("total", deps: ["items.price"])
        b.link("mirror", from: "user.name")
        let graph = try CompiledGraph(b.build())
        let planner = try NativeKernel(graph)
        let plan = try planner.plan(dirtyPaths: ["user.name"], mode: .dirty, scope: .all)
        #expect(plan.outs(in: graph) == ["mirror"])
        let dirty = graph.dirtySet(paths: ["user.name"])
        let buffer = PlanBuffer(for: graph)
        try planner.plan(dirty, mode: .dirty, scope: .all, into: buffer)
        #expect(Array(buffer.stepIds) == plan.stepIds)
        #expect(planner.boundaryCalls == 2)
    }

    /// docs/artifact.md's example layout is what `Artifact.encode` writes for docs/ir-format.md's
    /// example: every section's id, element size, count, offset and length, and the file size.
    @Test func artifactExampleLayoutIsWhatTheEncoderWrites() throws {
        let graph = try CompiledGraph(json: Self.firstJSONBlock("docs/ir-format.md"))
        let bytes = try Artifact.encode(graph)
        let text = try String(contentsOf: Self.root.appendingPathComponent("docs/artifact.md"), encoding: .utf8)
        let example = try #require(text.range(of: "## Example"))
        let rows = text[example.upperBound...].split(separator: "\n").filter { $0.hasPrefix("| ") && $0.contains("| `") }
        let documented = rows.map { row in
            row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "`", with: "") }
        }
        let actual = ArtifactTests.entries(bytes).map { e in
            [String(e.id), ArtifactTests.sectionName(e.id), String(ArtifactTests.u32(bytes, e.at + 4)),
             String(ArtifactTests.u64(bytes, e.at + 16)), String(e.offset), String(e.length)]
        }
        #expect(documented == actual)
        #expect(text.contains("21 sections, \(bytes.count) bytes"))
        #expect(try Artifact(bytes: bytes).pathName(4) == "user.name")
    }
}
