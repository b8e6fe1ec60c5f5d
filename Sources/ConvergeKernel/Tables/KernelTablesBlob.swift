// KernelTablesBlob.swift — a graph's tables as one little-endian blob (CKT1) for the wasm hosts.

/// The static tables of a graph as one little-endian blob ("CKT1", docs/kernel-abi.md): what a
/// WebAssembly kernel (ckw_create) and the JS reference kernel are created from, placed once in
/// linear memory or read by Node. Integers only; no strings.
extension CompiledGraph {
    /// The CKT1 magic (bytes `C K T 1`).
    public static let tablesBlobMagic: UInt32 = 0x3154_4B43
    /// The CKT1 format version this library writes and reads.
    public static let tablesBlobVersion: UInt32 = 1

    /// Encodes the tables: a header of 8 uint32 (magic, version, path count, step count, and the
    /// lengths of path_prefix_ids, trigger_steps, dep_paths, input_paths), then path_prefix_offsets,
    /// path_prefix_ids, step_out_path, step_flags (bytes, zero-padded to a multiple of 4),
    /// trigger_offsets, trigger_steps, dep_offsets, dep_paths, input_offsets, input_paths.
    public func tablesBlob() -> [UInt8] {
        var out: [UInt8] = []
        let words = 8 + (pathCount + 1) * 2 + pathPrefixIds.count + stepCount + (stepCount + 3) / 4
            + triggerSteps.count + (stepCount + 1) * 2 + depPaths.count + inputPaths.count
        out.reserveCapacity(words * 4)
        func put(_ v: UInt32) {
            out.append(UInt8(truncatingIfNeeded: v))
            out.append(UInt8(truncatingIfNeeded: v >> 8))
            out.append(UInt8(truncatingIfNeeded: v >> 16))
            out.append(UInt8(truncatingIfNeeded: v >> 24))
        }
        for v in [Self.tablesBlobMagic, Self.tablesBlobVersion, UInt32(pathCount), UInt32(stepCount),
                  UInt32(pathPrefixIds.count), UInt32(triggerSteps.count), UInt32(depPaths.count),
                  UInt32(inputPaths.count)] { put(v) }
        for a in [pathPrefixOffsets, pathPrefixIds, stepOutPath] { for v in a { put(v) } }
        out.append(contentsOf: stepFlags)
        while out.count % 4 != 0 { out.append(0) }
        for a in [triggerOffsets, triggerSteps, depOffsets, depPaths, inputOffsets, inputPaths] { for v in a { put(v) } }
        return out
    }
}
