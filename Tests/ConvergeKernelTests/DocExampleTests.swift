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
        let graph = try StaticIR(json: Self.firstJSONBlock("docs/ir-format.md"))
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
        let built = try StaticIR(b.build())
        #expect(built.fieldPaths == graph.fieldPaths)
        #expect(built.stepOutPath == graph.stepOutPath && built.triggerSteps == graph.triggerSteps)
        // and JSON round-trips
        #expect(try ConvergeIR(json: graph.ir.jsonData()) == graph.ir)
    }

    @Test func readmeLibraryExampleWorks() throws {
        var b = IRBuilder()
        b.field("user.name")
        b.computed("total", deps: ["items.price"])
        b.link("mirror", from: "user.name")
        let graph = try StaticIR(b.build())
        let planner = try NativePlanner(graph)
        let plan = try planner.plan(dirtyPaths: ["user.name"], mode: .dirty, scope: .all)
        #expect(plan.outs(in: graph) == ["mirror"])
        let dirty = graph.dirtySet(paths: ["user.name"])
        let buffer = PlanBuffer(for: graph)
        try planner.plan(dirty, mode: .dirty, scope: .all, into: buffer)
        #expect(Array(buffer.stepIds) == plan.stepIds)
        #expect(planner.boundaryCalls == 2)
    }
}
