// GraphTables.swift — the one view of a compiled graph's tables as raw buffers: what the portable
// planner reads, the native kernel is built from, and the runtime copies.

/// Unsafe views of every table of a ``CompiledGraph`` (docs/kernel-abi.md, "Tables"), valid only
/// inside ``CompiledGraph/withTables(_:)``. The graph's arrays are the tables' one home: the
/// portable planner reads them through this view, the native kernel is made from it (CKernel
/// copies what it keeps), and a runtime copies what it reads on every transaction into buffers it
/// owns (a view cannot outlive its call).
struct GraphTables {
    let pathPrefixOffsets: UnsafeBufferPointer<UInt32>
    let pathPrefixIds: UnsafeBufferPointer<UInt32>
    let stepOutPath: UnsafeBufferPointer<UInt32>
    let stepFlags: UnsafeBufferPointer<UInt8>
    let triggerOffsets: UnsafeBufferPointer<UInt32>
    let triggerSteps: UnsafeBufferPointer<UInt32>
    let stepPrefixOffsets: UnsafeBufferPointer<UInt32>
    let stepPrefixIds: UnsafeBufferPointer<UInt32>
    let depOffsets: UnsafeBufferPointer<UInt32>
    let depPaths: UnsafeBufferPointer<UInt32>
    let inputOffsets: UnsafeBufferPointer<UInt32>
    let inputPaths: UnsafeBufferPointer<UInt32>
}

extension CompiledGraph {
    /// Calls `body` with raw views of the tables; the views must not escape `body`.
    @inline(__always)
    func withTables<R>(_ body: (GraphTables) -> R) -> R {
        // one nest of scoped accesses, here only
        pathPrefixOffsets.withUnsafeBufferPointer { ppo in
            pathPrefixIds.withUnsafeBufferPointer { ppi in
                stepOutPath.withUnsafeBufferPointer { sop in
                    stepFlags.withUnsafeBufferPointer { sf in
                        triggerOffsets.withUnsafeBufferPointer { to in
                            triggerSteps.withUnsafeBufferPointer { ts in
                                stepPrefixOffsets.withUnsafeBufferPointer { spo in
                                    stepPrefixIds.withUnsafeBufferPointer { spi in
                                        depOffsets.withUnsafeBufferPointer { dof in
                                            depPaths.withUnsafeBufferPointer { dp in
                                                inputOffsets.withUnsafeBufferPointer { io in
                                                    inputPaths.withUnsafeBufferPointer { ip in
                                                        let t = GraphTables(
                                                            pathPrefixOffsets: ppo, pathPrefixIds: ppi, stepOutPath: sop, stepFlags: sf,
                                                            triggerOffsets: to, triggerSteps: ts, stepPrefixOffsets: spo,
                                                            stepPrefixIds: spi, depOffsets: dof, depPaths: dp,
                                                            inputOffsets: io, inputPaths: ip)
                                                        return body(t)
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
