import ConvergeBench
import ArgumentParser
import ConvergeEvidence
import ConvergeKernel
import ConvergeWasm

/// The grid of a bench — profile, matrix, backends, steps, ratios, modes, the Chromium — as
/// `converge bench` takes it and `converge ab` hands it on to both builds' benches: declared and
/// checked once, here.
struct GridOptions: ParsableArguments {
    @Option(help: "Profile: smoke, quick, default, soak.")
    var profile: String?

    @Option(help: "The matrix: v2 (kernel scale, noise-robust budgets; the default) or v1 (Logix's budgets on the v1 grid).")
    var matrix: String?

    /// The matrix's name: `--matrix`, else the default.
    var matrixName: String { matrix ?? Matrix.defaultName }

    @Option(name: .customLong("backend"), help: ArgumentHelp(
        "Kernel backend (repeatable): \(Backend.benchAxis.map(\.name).joined(separator: ", ")). Default: every available one but the chromium ones and wasm-wasmkit-l2/-l3/-l4.", valueName: "backend"))
    var backendNames: [String] = []

    @Option(parsing: .unconditional, help: "Step counts (comma-separated, each 1…8388608) instead of the matrix's.")
    var steps: String?

    @Option(parsing: .unconditional, help: "dirtyRootsRatio values (comma-separated, in (0, 1]) instead of the matrix's.")
    var ratios: String?

    @Option(help: "convergeModes (comma-separated: full, dirty, auto) instead of the matrix's.")
    var modes: String?

    @Option(help: "The Chromium of the chromium backends (default: $CONVERGE_CHROMIUM, else chromium, chromium-browser or google-chrome on PATH).")
    var chromium: String?

    /// The backends asked for (empty: the default set). Parsed here, not by the argument parser:
    /// its message for a list this long is several lines, and the CLI prints one.
    func backends() throws(ConvergeError) -> [Backend] {
        try backendNames.map { name throws(ConvergeError) in
            guard let b = Backend(benchName: name) else {
                throw ConvergeError(.invalidArgument, "unknown --backend \(ConvergeError.quoted(name)); valid: \(Backend.benchAxis.map(\.name).joined(separator: ", "))")
            }
            return b
        }
    }

    /// `--steps`, checked, or nil when not given.
    func stepList() throws(ConvergeError) -> [Int]? {
        try steps.map { s throws(ConvergeError) in
            try OptionCheck.intList("--steps", s, limit: OptionCheck.maxWorkloadSteps, unit: "steps", why: "the converge workload has 2 field paths per step")
        }
    }

    /// `--ratios`, checked, or `matrix` when not given.
    func ratioList(_ matrix: [Double]) throws(ConvergeError) -> [Double] {
        try ratios.map { s throws(ConvergeError) in try OptionCheck.doubleList("--ratios", s, .fraction) } ?? matrix
    }

    /// `--modes` (each once, in the order given), or `matrix` when not given.
    func modeList(_ matrix: [String]) throws(ConvergeError) -> [ConvergeMode] {
        guard let modes else { return matrix.compactMap(ConvergeMode.init(rawValue:)) }
        var out: [ConvergeMode] = []
        for part in modes.split(separator: ",") {
            let name = part.trimmingCharacters(in: .whitespaces)
            guard let m = ConvergeMode(rawValue: name) else { throw ConvergeError(.invalidArgument, "bad convergeMode \(ConvergeError.quoted(name))") }
            if !out.contains(m) { out.append(m) }
        }
        guard !out.isEmpty else { throw ConvergeError(.invalidArgument, "no convergeMode given in --modes") }
        return out
    }

    /// The options to give a `converge bench` for this grid, less steps and modes (`converge ab`
    /// sets those per chunk). Only those given: a build from before an option still runs.
    var benchArguments: [String] {
        var args: [String] = []
        if let matrix { args += ["--matrix", matrix] }
        if let profile { args += ["--profile", profile] }
        for b in backendNames { args += ["--backend", b] }
        if let ratios { args += ["--ratios", ratios] }
        if let chromium { args += ["--chromium", chromium] }
        return args
    }
}
