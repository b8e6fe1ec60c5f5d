import ConvergeKernelTestSupport
import Foundation
import Testing
@testable import ConvergeKernel

/// The 833 cases Logix's own converge recorded (Tests/Fixtures/logix-converge/golden.json): every
/// backend reproduces every one.
@Suite struct GoldenTests {
    @Test func goldenFileHasEveryCase() throws {
        let golden = try GoldenFile.load()
        #expect(golden.cases.count == 833)
        #expect(golden.graphs.count == 98)
    }

    @Test(arguments: PlannerBackends.all)
    func everyGoldenCase(_ backend: PlannerBackends.Backend) throws {
        let golden = try GoldenFile.load()
        var graphs: [String: Result<CompiledGraph, ConvergeError>] = [:]
        var planners: [String: any ConvergePlanner] = [:]
        var failures: [String] = []
        for (index, c) in golden.cases.enumerated() {
            let ir = try #require(golden.graphs[c.graph])
            let compiled: Result<CompiledGraph, ConvergeError>
            if let known = graphs[c.graph] {
                compiled = known
            } else {
                do { compiled = .success(try CompiledGraph(ir)) } catch { compiled = .failure(error) }
                graphs[c.graph] = compiled
            }
            func fail(_ what: String) { failures.append("case \(index) (graph \(c.graph)): \(what)") }
            switch c.expectation {
            case let .inspect(fieldPaths, topo, configError):
                #expect(CompiledGraph.registry(ir) == fieldPaths, "case \(index) registry")
                switch (compiled, configError) {
                case let (.success(g), nil):
                    if g.fieldPaths != fieldPaths { fail("fieldPaths \(g.fieldPaths)") }
                    let got = (0..<g.stepCount).map { g.out(ofStep: $0) }
                    if got != topo { fail("topo \(got) != \(topo)") }
                case let (.failure(e), code?):
                    if e.code.logixCode != code { fail("error \(e.code) != \(code)") }
                default:
                    fail("compiled \(compiled), expected configError \(String(describing: configError))")
                }
            case let .error(code, _), let .runError(code):
                switch compiled {
                case .success: fail("compiled, expected \(code)")
                case let .failure(e): if e.code.logixCode != code { fail("error \(e.code) != \(code)") }
                }
            case let .run(executedMode, plan):
                guard case let .success(g) = compiled else { fail("did not compile: \(compiled)"); continue }
                let planner: any ConvergePlanner
                if let p = planners[c.graph] { planner = p } else {
                    planner = try backend.make(g)
                    planners[c.graph] = planner
                }
                let mode = try #require(PlanMode(rawValue: c.mode ?? ""))
                let scope = try #require(PlanScope(rawValue: c.scope ?? ""))
                let result = try planner.plan(dirtyPaths: c.dirty ?? [], mode: mode, scope: scope)
                if result.executedMode?.rawValue != executedMode { fail("executedMode \(String(describing: result.executedMode))") }
                if result.outs(in: g) != plan { fail("plan \(result.outs(in: g)) != \(plan)") }
                if let native = planner as? NativeKernel { try native.validate() }
            }
        }
        #expect(failures.isEmpty, "\(backend): \(failures.count) of \(golden.cases.count) cases differ; first: \(failures.prefix(5))")
    }
}
