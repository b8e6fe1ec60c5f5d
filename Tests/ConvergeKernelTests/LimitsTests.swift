import ConvergeBench
import Foundation
import Testing
@testable import ConvergeKernel

/// Hostile input is a typed error or a correct answer, in bounded time and memory: the IR
/// loader's limits, duplicate names, JSON types, deep paths, the workload generators' sizes.
@Suite struct LimitsTests {
    private func jsonError(_ text: String, limits: CompiledGraph.Limits = .init()) -> ConvergeError? {
        do {
            _ = try CompiledGraph(ConvergeIR(json: Data(text.utf8), limits: limits), limits: limits)
            return nil
        } catch {
            return error
        }
    }

    private func doc(_ steps: String, fields: String = "[]") -> String {
        #"{"format":"converge-ir","version":1,"fields":\#(fields),"steps":[\#(steps)]}"#
    }

    private func seconds(_ body: () throws -> Void) rethrows -> Double {
        let t0 = ContinuousClock.now
        try body()
        let d = ContinuousClock.now - t0
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    // MARK: - #6: deep paths

    /// 1000 segments compile in near-linear time (the prefix table was cubic: 1000 segments took
    /// ~2 s, 4000 took 98 s); beyond 1024 segments is `tooLarge` naming the limit.
    @Test func deepPathsAreNearLinearAndLimited() throws {
        let deep = (0..<1000).map { "s\($0)" }.joined(separator: ".")
        var graph: CompiledGraph?
        let t = try seconds {
            graph = try CompiledGraph(json: Data(doc(#"{"kind":"computed","out":"\#(deep)","deps":["\#(deep).x", "a"]}"#).utf8))
        }
        #expect(t < 10, "1000 segments took \(t) s")
        #expect(graph?.pathCount == 1002)
        let tooDeep = (0..<4000).map { "s\($0)" }.joined(separator: ".")
        var e: ConvergeError?
        let t2 = seconds { e = jsonError(doc(#"{"kind":"computed","out":"\#(tooDeep)","deps":[]}"#)) }
        #expect(e?.code == .tooLarge)
        #expect(e?.message.contains("has 4000 segments; the limit is 1024") == true, "\(String(describing: e))")
        #expect((e?.message.count ?? 0) < 200)
        #expect(t2 < 10)
    }

    /// The trie-built registry is the segment-wise sort of every prefix (FieldPath.precedes),
    /// including the UTF-16 order of supplementary characters.
    @Test func registryOrderIsTheSegmentwiseSort() throws {
        let paths = ["b.c", "a", "a.b.c", "ab", "a.b", "b10", "b2", "b1", "x.\u{FFFD}", "x.\u{1F600}", "x.\u{E000}z", "é", "e\u{301}",
                     "items.0.name", "q[3].r", "a..b"]
        var b = IRBuilder()
        for p in paths { b.field(p) }
        b.computed("out.y", deps: ["a.b.d", "zz.top"])
        let ir = b.build()
        var expected = Set<String>()
        var keys: [ExactString] = []
        for p in paths + ["out.y", "a.b.d", "zz.top"] {
            guard let segs = FieldPath.segments(p) else { continue }
            for k in 1...segs.count {
                let s = segs[..<k].joined(separator: ".")
                if !keys.contains(ExactString(s)) { keys.append(ExactString(s)); expected.insert(s) }
            }
        }
        let sorted = keys.map(\.value).sorted(by: FieldPath.precedes)
        let graph = try CompiledGraph(ir)
        #expect(graph.fieldPaths == sorted)
        #expect(CompiledGraph.registry(ir) == sorted)
        for (id, p) in graph.fieldPaths.enumerated() {
            let prefixes = graph.pathPrefixIds[Int(graph.pathPrefixOffsets[id])..<Int(graph.pathPrefixOffsets[id + 1])]
            let segs = FieldPath.segments(p)!
            #expect(prefixes.map { graph.fieldPaths[Int($0)] } == (1...segs.count).map { segs[..<$0].joined(separator: ".") })
        }
    }

    /// Registry bytes (every prefix of every path) and prefix entries are limited too.
    @Test func registryBytesAreLimited() {
        var limits = CompiledGraph.Limits()
        limits.registryBytes = 1000
        let long = String(repeating: "x", count: 300)
        let e = jsonError(doc(#"{"kind":"computed","out":"\#(long).\#(long).\#(long)","deps":[]}"#), limits: limits)
        #expect(e?.code == .tooLarge)
        #expect(e?.message.contains("more than 1000 bytes") == true, "\(String(describing: e))")
    }

    // MARK: - #7: counts checked while reading

    @Test func stepAndFieldCountsAreCheckedBeforeStepsAreBuilt() {
        var limits = CompiledGraph.Limits()
        limits.steps = 3
        let four = (0..<4).map { #"{"kind":"computed","out":"d\#($0)","deps":[]}"# }.joined(separator: ",")
        let e = jsonError(doc(four), limits: limits)
        #expect(e?.code == .tooLarge)
        #expect(e?.message == "4 steps; the limit is 3")
        limits = CompiledGraph.Limits()
        limits.paths = 2
        #expect(jsonError(doc("", fields: #"["a","b","c"]"#), limits: limits)?.code == .tooLarge)
        limits = CompiledGraph.Limits()
        limits.edges = 2
        let deps = jsonError(doc(#"{"kind":"computed","out":"d","deps":["a","b","c"]}"#), limits: limits)
        #expect(deps?.code == .tooLarge)
        #expect(deps?.message.contains("steps[0]") == true)
    }

    /// The lean loader reads what JSONSerialization read: escapes, surrogate pairs, numbers,
    /// nulls, unknown members of any shape.
    @Test func loaderReadsEveryJSONForm() throws {
        let text = #"""
        {"unknown": {"nested": [1, -2.5e3, true, false, null, {"x": "y"}]}, "format": "converge-ir", "version": 1.0,
         "fields": ["caf\u00e9", "\ud83d\ude00", "tab\tx", "q\"uote", "back\\slash", "sl\/ash"], "steps": [
          {"kind": "computed", "out": "o", "deps": ["caf\u00e9"], "expr": null, "scheduling": "deferred", "extra": [[]]},
          {"kind": "link", "out": "m", "from": "\ud83d\ude00", "deps": null}]}
        """#
        let ir = try ConvergeIR(json: Data(text.utf8))
        #expect(ir.fields == ["café", "😀", "tab\tx", "q\"uote", "back\\slash", "sl/ash"])
        #expect(ir.steps == [IRStep(kind: "computed", out: "o", deps: ["café"], scheduling: "deferred"),
                             IRStep(kind: "link", out: "m", from: "😀")])
        #expect(try ConvergeIR(json: ir.jsonData()) == ir)
        #expect(try ConvergeIR(json: Data(("\u{FEFF}" + doc("")).utf8)).steps.isEmpty)
    }

    @Test func malformedJSONIsOneTypedError() {
        let cases: [(String, String)] = [
            ("", "unexpected end of input"),
            ("{", "unexpected end of input"),
            (doc("") + "x", "after the document"),
            (#"{"format":"converge-ir","version":1,"steps":["\ud800"]}"#, "unpaired surrogate"),
            (#"{"format":"converge-ir","version":01,"steps":[]}"#, "where ',' or '}' should be"),
            (#"{"format":"converge-ir","version":1,"steps":[],}"#, "where a member name should be"),
            ("{\"a\":\"\u{01}\"}", "control character"),
            (String(repeating: "[", count: 100_000), "nested deeper than 512"),
        ]
        for (text, words) in cases {
            let e = jsonError(text)
            #expect(e?.code == .invalidJSON, "\(text.prefix(40))")
            #expect(e?.message.contains(words) == true, "\(text.prefix(40)): \(String(describing: e))")
        }
        var bad = Data(doc(#"{"kind":"computed","out":"x","deps":[]}"#).utf8)
        bad[bad.count - 10] = 0xFF
        #expect((try? ConvergeIR(json: bad)) == nil)
    }

    // MARK: - #15: duplicate member names

    @Test func duplicateMemberNamesAreErrors() {
        let e = jsonError(doc(#"{"kind":"computed","out":"x","deps":[]},{"kind":"computed","out":"y","deps":[],"out":"z"}"#))
        #expect(e?.code == .invalidJSON)
        #expect(e?.message.contains(#"steps[1] has the member "out" twice"#) == true, "\(String(describing: e))")
        let root = jsonError(#"{"format":"converge-ir","version":1,"steps":[],"version":2}"#)
        #expect(root?.message.contains(#"the document has the member "version" twice"#) == true)
        // the same name written two ways is the same name
        let escaped = jsonError(#"{"format":"converge-ir","version":1,"steps":[],"st\u0065ps":[]}"#)
        #expect(escaped?.code == .invalidJSON)
        // an object with many members is checked without quadratic work
        let many = (0..<50_000).map { #""k\#($0)":0"# }.joined(separator: ",")
        var ok: ConvergeError?
        let t = seconds { ok = jsonError(#"{"format":"converge-ir","version":1,"steps":[],"x":{\#(many)}}"#) }
        #expect(ok == nil)
        #expect(t < 10)
    }

    // MARK: - #14: JSON types and echoed values

    @Test func versionMustBeTheNumberOne() {
        for (value, shown) in [("true", "true"), ("false", "false"), (#""1""#, #""1""#), ("[1]", "an array"), ("null", "null")] {
            let e = jsonError(#"{"format":"converge-ir","version":\#(value),"steps":[]}"#)
            #expect(e?.code == .unsupportedVersion)
            #expect(e?.message == "version must be the number 1 (got \(shown))")
        }
        let huge = String(repeating: "9", count: 1_000_000)
        let e = jsonError(#"{"format":"converge-ir","version":\#(huge),"steps":[]}"#)
        #expect(e?.code == .unsupportedVersion)
        #expect(e?.message == "version is \(String(repeating: "9", count: 60))… (1000000 characters), this library reads version 1")
        #expect(jsonError(#"{"format":"converge-ir","version":1e0,"steps":[]}"#) == nil)
        let kind = jsonError(doc(#"{"kind":true,"out":"x","deps":[]}"#))
        #expect(kind?.message == "steps[0].kind must be a string, found true")
    }

    @Test func echoedValuesAreCutShort() {
        #expect(ConvergeError.excerpt("short") == "short")
        let long = String(repeating: "a", count: 100)
        #expect(ConvergeError.excerpt(long) == String(repeating: "a", count: 60) + "… (100 characters)")
        #expect(ConvergeError.quoted(long) == "\"" + String(repeating: "a", count: 60) + "…\" (100 characters)")
        let out = String(repeating: "o", count: 5_000_000)
        let e = jsonError(doc(#"{"kind":"effect","out":"\#(out)"}"#))
        #expect(e?.code == .unknownStepKind)
        #expect((e?.message.count ?? .max) < 200)
    }

    // MARK: - #8: workload sizes

    @Test func workloadGeneratorsCheckTheirSizes() {
        #expect(throws: ConvergeError.self) { try Workload.converge(steps: 1_000_000_000) }
        do { _ = try Workload.converge(steps: Int.max) } catch {
            #expect(error.code == .tooLarge)
            #expect(error.message.contains("limit of 8388608 steps"))
        }
        do { _ = try Workload.converge(steps: -1) } catch { #expect(error.code == .invalidArgument) }
        do { _ = try Workload.randomDAG(steps: Int.max, seed: 1) } catch { #expect(error.code == .tooLarge) }
        do { _ = try Workload.randomDAG(steps: 10, seed: 1, groups: 0) } catch { #expect(error.code == .invalidArgument) }
        do { _ = try Workload.convergeDirty(roots: -5) } catch { #expect(error.code == .invalidArgument) }
        #expect(throws: ConvergeError.self) { try TxnCommitWorkload(steps: 1 << 40, dirtyRoots: 1, options: RuntimeOptions()) }
        #expect(TxnCommitWorkload.dirtyRoots(steps: 10, ratio: .nan) == 10)
        #expect(TxnCommitWorkload.dirtyRoots(steps: 10, ratio: -1) == 1)
    }

    @Test func randomDirtyChecksItsFraction() throws {
        let g = try CompiledGraph(Workload.converge(steps: 10))
        for f in [Double.nan, .infinity, -1, 0, 2] {
            do { _ = try Workload.randomDirty(g, fraction: f, seed: 1); Issue.record("fraction \(f) accepted") } catch {
                #expect(error.code == .invalidArgument)
            }
        }
    }
}
