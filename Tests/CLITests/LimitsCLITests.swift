import Foundation
import Testing

/// Hostile options and inputs: one line on stderr, exit 2, in bounded time (issue: "hostile input
/// never crashes, hangs or blows up memory").
@Suite struct LimitsCLITests {
    let cli = CLITests()

    /// Runs converge and expects exit 2 with exactly one stderr line containing `words`.
    func expectOneLine(_ args: [String], _ words: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try cli.run(args)
        #expect(r.status == 2, "\(args): status \(r.status), \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("converge: "), "\(args): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.filter { $0 == "\n" }.count == 1, "\(args): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(words), "\(args): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.count < 400, "\(args): \(r.stderr.count) characters", sourceLocation: sourceLocation)
    }

    /// #8: sizes beyond the documented limits are `too large` before anything is allocated (they
    /// aborted allocating 32 GB, or trapped on overflow).
    @Test func workloadSizesAreCheckedBeforeAllocating() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("limits-\(UUID().uuidString).ckir").path
        try expectOneLine(["compile", "--converge-steps", "1000000000", "-o", out],
                          "too large: --converge-steps 1000000000 is more than the limit of 8388608 steps")
        try expectOneLine(["compile", "--converge-steps", "9223372036854775807", "-o", out], "too large: --converge-steps")
        try expectOneLine(["compile", "--converge-steps", "-1", "-o", out], "invalid argument: --converge-steps must be ≥ 1 (got -1)")
        try expectOneLine(["bench", "--steps", "1000000000"], "too large: --steps entry 1000000000 is more than the limit of 8388608 steps")
        try expectOneLine(["bench-txn", "--steps", "9223372036854775807"], "too large: --steps entry")
        try expectOneLine(["bench-plan", "--dag-steps", "1000000000"], "too large: --dag-steps 1000000000 is more than the limit of 16777216 steps")
        try expectOneLine(["bench-plan", "--dag-groups", "0"], "invalid argument: --dag-groups entry must be ≥ 1 (got 0)")
        try expectOneLine(["bench-wasm", "--dag-steps", "9223372036854775807"], "too large: --dag-steps")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// #12: every numeric option is range-checked by one helper, with one message shape.
    @Test func numericOptionsNameTheirRange() throws {
        try expectOneLine(["bench-plan", "--dag-dirty", "nan"], "invalid argument: --dag-dirty must be a number in (0, 1] (got nan)")
        try expectOneLine(["bench-plan", "--dag-dirty", "2"], "--dag-dirty must be a number in (0, 1] (got 2)")
        try expectOneLine(["bench-plan", "--dag-dirty", "-1"], "--dag-dirty must be a number in (0, 1] (got -1)")
        try expectOneLine(["bench-plan", "--batches", "0"], "invalid argument: --batches must be in 1…100000 (got 0)")
        try expectOneLine(["bench-wasm", "--round-ms", "-1"], "invalid argument: --round-ms must be a number in (0, 60000] (got -1)")
        try expectOneLine(["bench-wasm", "--round-ms", "nan"], "--round-ms must be a number in (0, 60000] (got nan)")
        try expectOneLine(["bench-wasm", "--round-ms", "inf"], "--round-ms must be a number in (0, 60000] (got inf)")
        try expectOneLine(["bench-wasm", "--rounds", "0"], "--rounds must be in 1…100000 (got 0)")
        try expectOneLine(["bench-txn", "--rounds", "0"], "invalid argument: --rounds must be in 1…15 (got 0)")
        try expectOneLine(["bench-txn", "--samples", "0"], "invalid argument: --samples must be in 1…100000 (got 0)")
        try expectOneLine(["bench-txn", "--ratios", "nan"], "--ratios entry must be a number in (0, 1] (got nan)")
        try expectOneLine(["bench-txn", "--steps", "10,,20"], "--steps has an empty entry")
        try expectOneLine(["bench", "--ratios", "0"], "--ratios entry must be a number in (0, 1] (got 0)")
        try expectOneLine(["bench-load", "--runs", "0", "x.ckir"], "invalid argument: --runs must be in 1…100000 (got 0)")
    }

    /// #14: negative numbers reach the range check (they were taken for flags: "Missing value");
    /// an unknown backend lists the valid ones on the one line.
    @Test func negativeNumbersAndUnknownValuesSayTheRealProblem() throws {
        try expectOneLine(["bench-txn", "--steps", "-1"], "--steps entry must be ≥ 1 (got -1)")
        try expectOneLine(["bench-txn", "--samples", "-5"], "--samples must be in 1…100000 (got -5)")
        try expectOneLine(["bench", "--backend", "unknown"], "unknown --backend \"unknown\"; valid: portable, native-l1")
        try expectOneLine(["plan", "--ir", "x.json", "--backend", "bogus"], "'native', 'portable'")
    }

    /// #14: an echoed input value is cut short; `"version": true` is not "version is 1".
    @Test func echoedValuesAreCutShort() throws {
        let huge = try cli.write(#"{"format":"converge-ir","version":\#(String(repeating: "7", count: 1_000_000)),"steps":[]}"#)
        try expectOneLine(["inspect", "--ir", huge], "unsupported version: version is 777")
        let r = try cli.run(["inspect", "--ir", huge])
        #expect(r.stderr.contains("… (1000000 characters)"))
        let bool = try cli.write(#"{"format":"converge-ir","version":true,"steps":[]}"#)
        try expectOneLine(["inspect", "--ir", bool], "unsupported version: version must be the number 1 (got true)")
        let kind = try cli.write(#"{"format":"converge-ir","version":1,"steps":[{"kind":"\#(String(repeating: "k", count: 100_000))","out":"x"}]}"#)
        try expectOneLine(["inspect", "--ir", kind], "(100000 characters)")
    }

    /// #15: a member named twice is an error naming it and where.
    @Test func duplicateKeysAreNamed() throws {
        let dup = try cli.write(#"{"format":"converge-ir","version":1,"steps":[{"kind":"computed","out":"a","deps":[],"deps":["b"]}]}"#)
        try expectOneLine(["inspect", "--ir", dup], #"invalid JSON: steps[0] has the member "deps" twice (the second at byte "#)
    }

    /// #6: a 4000-segment out is `too large` at once (it took 98 s); 1000 segments inspect in
    /// well under 10 s (they took 1.9 s: cubic).
    @Test func deepPathsAreBoundedInTime() throws {
        func graph(_ segments: Int) throws -> String {
            let out = (0..<segments).map { "s\($0)" }.joined(separator: ".")
            return try cli.write(#"{"format":"converge-ir","version":1,"steps":[{"kind":"computed","out":"\#(out)","deps":["a"]}]}"#)
        }
        let t0 = Date()
        try expectOneLine(["inspect", "--ir", try graph(4000)], "too large: the path \"s0.s1.s2")
        #expect(Date().timeIntervalSince(t0) < 10)
        let t1 = Date()
        let ok = try cli.run(["inspect", "--ir", try graph(1000), "--json"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(Date().timeIntervalSince(t1) < 10)
    }

    /// #15: many dirty paths in linear time, through --dirty-file (20000 --dirty-path options
    /// parse quadratically inside swift-argument-parser).
    @Test func manyDirtyPathsFromAFile() throws {
        let steps = (0..<100).map { #"{"kind":"computed","out":"d\#($0)","deps":["b\#($0)"]}"# }.joined(separator: ",")
        let ir = try cli.write(#"{"format":"converge-ir","version":1,"steps":[\#(steps)]}"#)
        let file = try cli.write((0..<20_000).map { "b\($0 % 100)" }.joined(separator: "\n") + "\n")
        let t0 = Date()
        let r = try cli.run(["plan", "--ir", ir, "--dirty-file", file, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains(#""dirtyAll": false"#) && r.stdout.contains(#""d99""#))
        #expect(Date().timeIntervalSince(t0) < 10)
    }
}
