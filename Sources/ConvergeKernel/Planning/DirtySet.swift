// DirtySet.swift — dirty sets: path strings to ids, dirtyAll reasons, roots and their key.

/// Why a dirty set means "everything" (Logix's `DirtyAllReason`).
public enum DirtyAllReason: String, Sendable, Equatable {
    /// `*` was written, or nothing was tracked (an empty dirty set).
    case unknownWrite
    /// A written path maps to no registry id.
    case fallbackPolicy
}

/// The dirty paths of one transaction as registry ids (semantics §4).
///
/// Either ``dirtyAll`` with its reason, or the dirty roots: distinct ids that have no proper
/// prefix among the dirty ids, ascending, with Logix's canonical key (FNV-1a 32 over the ids).
public struct DirtySet: Sendable, Equatable {
    /// Root ids, ascending and prefix-free; empty when ``dirtyAll``.
    public let rootIds: [UInt32]
    /// Set when the whole scope must run.
    public let dirtyAllReason: DirtyAllReason?
    /// FNV-1a 32 of ``rootIds`` (0 when dirtyAll).
    public let keyHash: UInt32

    public var dirtyAll: Bool { dirtyAllReason != nil }
    public var keySize: Int { rootIds.count }

    /// A dirtyAll set.
    public static func all(_ reason: DirtyAllReason) -> DirtySet {
        DirtySet(rootIds: [], dirtyAllReason: reason, keyHash: 0)
    }

    init(rootIds: [UInt32], dirtyAllReason: DirtyAllReason?, keyHash: UInt32) {
        self.rootIds = rootIds
        self.dirtyAllReason = dirtyAllReason
        self.keyHash = keyHash
    }

    /// FNV-1a 32 over ids (basis 2166136261, prime 16777619), as Logix hashes dirty roots.
    public static func fnv1a(_ ids: [UInt32]) -> UInt32 {
        ids.withUnsafeBufferPointer { fnv1a($0) }
    }

    /// The same over ids in place (the transaction path: no array).
    static func fnv1a(_ ids: UnsafeBufferPointer<UInt32>) -> UInt32 {
        var h: UInt32 = 2_166_136_261
        var i = 0   // (a while loop: no iterator allocation in debug builds)
        while i < ids.count {
            h ^= ids[i]
            h = h &* 16_777_619
            i += 1
        }
        return h
    }
}

extension CompiledGraph {
    /// The registry id a transaction records for a written path string (semantics §4): exact
    /// lookup first; `foo[…]` without a dot looks up `foo`; a string with brackets or a
    /// `.<digits>` segment is normalized, then looked up. `nil` when it maps to no id.
    public func dirtyPathId(_ raw: String) -> UInt32? {
        if let id = pathIndex[ExactString(raw)] { return id }
        let u = raw.utf8
        let hasDot = u.contains(0x2E)
        if !hasDot, let open = u.firstIndex(of: 0x5B) {
            return pathIndex[ExactString(raw[..<open])]
        }
        if u.contains(0x5B) || u.contains(0x5D) || Self.hasDigitSegmentAfterDot(u) {
            if let normalized = FieldPath.normalize(raw) { return pathIndex[ExactString(normalized)] }
        }
        return nil
    }

    /// True when `raw` matches `\.\d+(\.|$)`.
    private static func hasDigitSegmentAfterDot(_ u: String.UTF8View) -> Bool {
        var afterDot = false, digits = 0
        for c in u {
            if c == 0x2E {
                if afterDot && digits > 0 { return true }
                afterDot = true
                digits = 0
            } else if afterDot && c >= 0x30 && c <= 0x39 {
                digits += 1
            } else {
                afterDot = false
                digits = 0
            }
        }
        return afterDot && digits > 0
    }

    /// Resolves written path strings into a dirty set, as a Logix transaction does: `*` or an
    /// empty list → dirtyAll (`unknownWrite`); a path with no id → dirtyAll (`fallbackPolicy`,
    /// which wins over `*`).
    public func dirtySet(paths: [String]) -> DirtySet {
        var ids: [UInt32] = []
        ids.reserveCapacity(paths.count)
        var star = false
        for p in paths {
            if p == "*" { star = true; continue }
            guard let id = dirtyPathId(p) else { return .all(.fallbackPolicy) }
            ids.append(id)
        }
        if star { return .all(.unknownWrite) }
        return roots(of: ids)
    }

    /// A dirty set from registry ids.
    /// - Throws: `invalidArgument` naming the first id that is not in the registry.
    public func dirtySet(ids: [UInt32]) throws(ConvergeError) -> DirtySet {
        for (i, id) in ids.enumerated() where Int(id) >= pathCount {
            throw ConvergeError(.invalidArgument, "dirty id \(id) at position \(i) is not in the registry (\(pathCount) paths)")
        }
        return roots(of: ids)
    }

    /// Distinct ids without a proper prefix among them, ascending; empty → dirtyAll.
    private func roots(of ids: [UInt32]) -> DirtySet {
        if ids.isEmpty { return .all(.unknownWrite) }
        let sorted = Array(Set(ids)).sorted()
        var roots: [UInt32] = []
        roots.reserveCapacity(sorted.count)
        // Registry order puts a prefix before its extensions, so each extension of a root follows
        // it; comparing with the last kept root is enough.
        for id in sorted {
            if let last = roots.last, isPrefix(last, of: id) { continue }
            roots.append(id)
        }
        return DirtySet(rootIds: roots, dirtyAllReason: nil, keyHash: DirtySet.fnv1a(roots))
    }

    /// True when path `p` is a (proper or equal) prefix of path `q`.
    func isPrefix(_ p: UInt32, of q: UInt32) -> Bool {
        let lo = Int(pathPrefixOffsets[Int(q)]), hi = Int(pathPrefixOffsets[Int(q) + 1])
        return pathPrefixIds[lo..<hi].contains(p)
    }
}
