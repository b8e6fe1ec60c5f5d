// TablesArtifact.swift — a graph's tables as an AOT artifact without bytecode: the one table format
// every host creates a kernel from.

extension CompiledGraph {
    /// The graph's static tables as an AOT artifact (CKIR, docs/artifact.md) with nothing else: no
    /// bytecode (every step's code empty), no names, no IR section, no state layout, the initial
    /// state all zero. It is what the wasm hosts create a level L1–L3 kernel from
    /// (`ckw_open_artifact`: the same validation as the native loader's) and what the JS reference
    /// kernel reads its tables from (`wasm-host/tables.mjs`); L3's bytecode is loaded after it.
    /// `converge compile` writes the full artifact (bytecode, layout, names, IR) that L4 runs.
    public func tablesArtifact() -> [UInt8] {
        Artifact.encode(self, bytecode: Bytecode(stepCount: stepCount), names: false, ir: false)
    }
}
