// StateStore.swift — the state as Swift reads it: one tagged slot per registry path (over the
// kernel's arena at L1–L4, Swift-allocated at L0).

/// The state: one tagged slot per registry path (docs/kernel-abi.md, "State store").
///
/// For the native levels (L1–L4) the slots live in the C kernel's arena and Swift reads and
/// writes them in place; for L0 they are Swift-allocated with the same layout. Read with the typed
/// accessors; write only inside a transaction (``Transaction/set(_:_:)``), so every write is
/// tracked.
public final class StateStore {
    /// Slots: one per registry path id.
    public let slotCount: Int
    @usableFromInline let tags: UnsafeMutablePointer<UInt8>
    @usableFromInline let values: UnsafeMutablePointer<Double>
    /// The slot of each path id (the kernel's layout, L4); nil: path id = slot.
    @usableFromInline let slotOf: UnsafePointer<UInt32>?
    /// Keeps the memory's owner alive: the native kernel, or the store's own ``BufferPool`` (L0).
    private let owner: AnyObject
    private let registry: CompiledGraph

    /// A Swift-owned store (L0), all `undefined`.
    init(graph: CompiledGraph) {
        slotCount = graph.pathCount
        let pool = BufferPool()
        tags = pool.filled(slotCount, with: ConvergeValue.undefinedTag)
        values = pool.filled(slotCount, with: 0)
        slotOf = nil
        owner = pool
        registry = graph
    }

    /// A view of memory another object owns (the C kernel's slots, laid out by `slotOf`).
    init(graph: CompiledGraph, tags: UnsafeMutablePointer<UInt8>, values: UnsafeMutablePointer<Double>,
         slotOf: UnsafePointer<UInt32>?, owner: AnyObject) {
        slotCount = graph.pathCount
        self.tags = tags
        self.values = values
        self.slotOf = slotOf
        self.owner = owner
        registry = graph
    }

    /// The value at a path id.
    /// - Throws: `invalidArgument` naming the id when it is not in the registry.
    public func value(_ id: UInt32) throws(ConvergeError) -> ConvergeValue {
        try check(id)
        let i = slot(Int(id))
        return ConvergeValue(tag: tags[i], payload: values[i])
    }

    /// The value at a registry path (exact lookup of the dot-joined normalized path).
    /// - Throws: `invalidArgument` naming the path when it is not in the registry.
    public func value(_ path: String) throws(ConvergeError) -> ConvergeValue {
        try value(try registry.requirePathId(path))
    }

    /// The number at a path id, `nil` when the slot holds another kind.
    public func number(_ id: UInt32) throws(ConvergeError) -> Double? {
        try value(id).number
    }

    /// Every slot, in path-id order (for tests and dumps).
    public func snapshot() -> [ConvergeValue] {
        var out: [ConvergeValue] = []
        out.reserveCapacity(slotCount)
        for p in 0..<slotCount {
            let i = slot(p)
            out.append(ConvergeValue(tag: tags[i], payload: values[i]))
        }
        return out
    }

    @inline(__always)
    func check(_ id: UInt32) throws(ConvergeError) {
        if Int(id) >= slotCount {
            throw ConvergeError(.invalidArgument, "path id \(id) is not in the registry (\(slotCount) paths)")
        }
    }

    /// The slot holding path `id`.
    @inline(__always)
    func slot(_ id: Int) -> Int {
        if let slotOf { return Int(slotOf[id]) }
        return id
    }

    /// Writes a path's slot (canonical form), no tracking: the runtime's writes go through here.
    @inline(__always)
    func store(_ id: Int, _ tag: UInt8, _ payload: Double) {
        let i = slot(id)
        tags[i] = tag
        values[i] = payload
    }
}

extension CompiledGraph {
    /// The id of a registry path, or `invalidArgument` naming it.
    func requirePathId(_ path: String) throws(ConvergeError) -> UInt32 {
        guard let id = pathId(path) else {
            throw ConvergeError(.invalidArgument, "\"\(path)\" is not a path of the registry")
        }
        return id
    }
}
