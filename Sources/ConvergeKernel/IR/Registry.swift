// Registry.swift — builds a graph's field-path registry (ids, prefixes) in linear time.

/// Builds a graph's field-path registry in time and memory proportional to the paths given plus
/// the registry itself (every prefix of every valid path, dot-joined).
///
/// The prefixes form a trie keyed by (parent, segment), so a path already seen costs one hash per
/// segment, never a rehash of each of its prefixes; ids are the trie's preorder with siblings in
/// segment order, which is exactly ``FieldPath/precedes(_:_:)`` on the joined paths (a prefix
/// before its extensions); each path's prefix list is its parent's plus itself. The limits
/// (segments per path, registry paths, registry bytes, prefix entries) are checked as paths are
/// added, before anything beyond them is built.
struct Registry {
    let limits: CompiledGraph.Limits

    private struct Key: Hashable {
        let parent: UInt32
        let segment: String

        static func == (a: Key, b: Key) -> Bool {
            a.parent == b.parent && a.segment.utf8.elementsEqual(b.segment.utf8)
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(parent)
            var copy = segment
            copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        }
    }

    private var nodes: [Key: UInt32] = [:]
    /// Per provisional id (order of first appearance): the dot-joined path and its parent (.max: none).
    private var names: [String] = []
    private var parent: [UInt32] = []
    private var bytes = 0
    private var prefixEntries = 0

    init(limits: CompiledGraph.Limits) { self.limits = limits }

    /// Registers the normalized path of `raw` and its prefixes; its provisional id, or `.max`
    /// when `raw` normalizes to no path.
    mutating func add(_ raw: String) throws(ConvergeError) -> UInt32 {
        guard let segs = FieldPath.segments(raw) else { return .max }
        if segs.count > limits.segments {
            throw ConvergeError(.tooLarge, "the path \(ConvergeError.quoted(raw)) has \(segs.count) segments; the limit is \(limits.segments)")
        }
        var p = UInt32.max
        for (depth, seg) in segs.enumerated() {
            let key = Key(parent: p, segment: String(seg))
            if let id = nodes[key] { p = id; continue }
            let name = p == .max ? key.segment : names[Int(p)] + "." + key.segment
            bytes += name.utf8.count
            prefixEntries += depth + 1
            if names.count >= limits.paths {
                throw ConvergeError(.tooLarge, "more than \(limits.paths) field paths; the limit is \(limits.paths)")
            }
            if bytes > limits.registryBytes {
                throw ConvergeError(.tooLarge, "the field paths (every prefix of every path) take more than \(limits.registryBytes) bytes; the limit is \(limits.registryBytes)")
            }
            if prefixEntries > limits.prefixEntries {
                throw ConvergeError(.tooLarge, "more than \(limits.prefixEntries) prefix entries (a path of n segments has n); the limit is \(limits.prefixEntries)")
            }
            let id = UInt32(names.count)
            names.append(name)
            parent.append(p)
            nodes[key] = id
            p = id
        }
        return p
    }

    struct Table {
        /// Registry paths in id order.
        var names: [String]
        /// Provisional id → registry id.
        var finalId: [UInt32]
        var index: [ExactString: UInt32]
        /// CSR: per registry id, its prefix ids, shortest first, ending with itself.
        var prefixOffsets: [UInt32]
        var prefixIds: [UInt32]
    }

    /// The registry in id order, with its lookup index and prefix table.
    consuming func finish() throws(ConvergeError) -> Table {
        nodes = [:]
        let n = names.count
        // children of each node (slot 0: the roots; slot p + 1: node p), then each list in
        // segment order
        var childOffsets = [Int](repeating: 0, count: n + 2)
        for p in parent { childOffsets[p == .max ? 1 : Int(p) + 2] += 1 }
        for s in 0..<(n + 1) { childOffsets[s + 1] += childOffsets[s] }
        var cursor = childOffsets
        var children = [UInt32](repeating: 0, count: n)
        for id in 0..<n {
            let slot = parent[id] == .max ? 0 : Int(parent[id]) + 1
            children[cursor[slot]] = UInt32(id)
            cursor[slot] += 1
        }
        cursor = []
        var names = self.names
        let parent = self.parent
        for k in names.indices { names[k].makeContiguousUTF8() }
        // where each node's last segment starts in its name
        let segStart = (0..<n).map { id in parent[id] == .max ? 0 : names[Int(parent[id])].utf8.count + 1 }
        func precedes(_ a: UInt32, _ b: UInt32) -> Bool {
            let x = names[Int(a)].utf8, y = names[Int(b)].utf8
            var result: Bool?
            _ = x.withContiguousStorageIfAvailable { ux in
                y.withContiguousStorageIfAvailable { uy in
                    result = FieldPath.precedesSegment(UnsafeBufferPointer(rebasing: ux[segStart[Int(a)]...]),
                                                       UnsafeBufferPointer(rebasing: uy[segStart[Int(b)]...]))
                }
            }
            if let result { return result }
            let sa = names[Int(a)], sb = names[Int(b)]
            return FieldPath.precedesSegment(sa[sa.utf8.index(sa.startIndex, offsetBy: segStart[Int(a)])...],
                                             sb[sb.utf8.index(sb.startIndex, offsetBy: segStart[Int(b)])...])
        }
        children.withUnsafeMutableBufferPointer { c in
            for s in 0..<(n + 1) where childOffsets[s + 1] - childOffsets[s] > 1 {
                c[childOffsets[s]..<childOffsets[s + 1]].sort(by: precedes)
            }
        }
        // preorder
        var order: [UInt32] = []
        order.reserveCapacity(n)
        var stack: [UInt32] = []
        for k in stride(from: childOffsets[1] - 1, through: 0, by: -1) { stack.append(children[k]) }
        while let id = stack.popLast() {
            order.append(id)
            let slot = Int(id) + 1
            for k in stride(from: childOffsets[slot + 1] - 1, through: childOffsets[slot], by: -1) { stack.append(children[k]) }
        }
        children = []
        childOffsets = []
        var finalId = [UInt32](repeating: 0, count: n)
        for (f, id) in order.enumerated() { finalId[Int(id)] = UInt32(f) }
        var sorted: [String] = []
        sorted.reserveCapacity(n)
        var index: [ExactString: UInt32] = [:]
        index.reserveCapacity(n)
        var prefixOffsets: [UInt32] = [0]
        prefixOffsets.reserveCapacity(n + 1)
        var prefixIds: [UInt32] = []
        prefixIds.reserveCapacity(prefixEntries)
        for (f, id) in order.enumerated() {
            let name = names[Int(id)]
            sorted.append(name)
            index[ExactString(name)] = UInt32(f)
            let p = parent[Int(id)]
            if p != .max {
                let pf = Int(finalId[Int(p)])
                for k in Int(prefixOffsets[pf])..<Int(prefixOffsets[pf + 1]) { prefixIds.append(prefixIds[k]) }
            }
            prefixIds.append(UInt32(f))
            prefixOffsets.append(UInt32(prefixIds.count))
        }
        return Table(names: sorted, finalId: finalId, index: index, prefixOffsets: prefixOffsets, prefixIds: prefixIds)
    }
}

extension FieldPath {
    /// ``precedesSegment(_:_:)`` on UTF-8 bytes.
    static func precedesSegment(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool? {
        let n = min(a.count, b.count)
        var i = 0
        while i < n && a[i] == b[i] { i += 1 }
        if i == n { return a.count < b.count }
        if a[i] >= 0xEE && b[i] >= 0xEE { return nil }   // needs UTF-16 order: the caller falls back
        return a[i] < b[i]
    }

    /// ``precedes(_:_:)`` for two segments (no dots): UTF-16 code-unit order, a proper prefix first.
    static func precedesSegment(_ a: Substring, _ b: Substring) -> Bool {
        var ia = a.utf8.makeIterator(), ib = b.utf8.makeIterator()
        while true {
            switch (ia.next(), ib.next()) {
            case (nil, nil): return false
            case (nil, _): return true
            case (_, nil): return false
            case let (x?, y?):
                if x == y { continue }
                // between U+E000…U+FFFF and supplementary characters UTF-16 order differs from
                // code point order: compare those in UTF-16
                if x >= 0xEE && y >= 0xEE { return precedesUTF16(String(a), String(b)) }
                return x < y
            }
        }
    }
}
