// BufferPool.swift — typed buffers allocated once and freed together: what a runtime
// preallocates so that a transaction allocates nothing.

/// Owns every buffer it hands out and frees them all when it goes: its owner keeps the raw
/// pointers (no bounds checks, no reference counting on the hot paths) without freeing any by
/// hand. Buffers are never empty (at least one element), so a pointer is always valid.
package final class BufferPool {
    private var frees: [() -> Void] = []

    package init() {}

    /// `count` elements, each `value`.
    package func filled<T>(_ count: Int, with value: T) -> UnsafeMutablePointer<T> {
        let n = max(count, 1)
        let p = UnsafeMutablePointer<T>.allocate(capacity: n)
        p.initialize(repeating: value, count: n)
        frees.append { p.deinitialize(count: n); p.deallocate() }
        return p
    }

    /// `count` zeros.
    package func zeroed<T: FixedWidthInteger>(_ count: Int, _: T.Type = T.self) -> UnsafeMutablePointer<T> {
        filled(count, with: 0)
    }

    /// A copy of `array` (one element of `fill` when it is empty).
    package func copy<T>(_ array: [T], emptyFill fill: T) -> UnsafeMutablePointer<T> {
        guard !array.isEmpty else { return filled(1, with: fill) }
        let p = UnsafeMutablePointer<T>.allocate(capacity: array.count)
        array.withUnsafeBufferPointer { p.initialize(from: $0.baseAddress!, count: array.count) }
        let n = array.count
        frees.append { p.deinitialize(count: n); p.deallocate() }
        return p
    }

    /// Room for `count` elements of a trivial type (plain numbers, C structs), left uninitialized:
    /// for buffers written before they are read.
    package func uninitialized<T: BitwiseCopyable>(_ count: Int, _: T.Type = T.self) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: max(count, 1))
        frees.append { p.deallocate() }
        return p
    }

    deinit {
        for free in frees { free() }
    }
}
