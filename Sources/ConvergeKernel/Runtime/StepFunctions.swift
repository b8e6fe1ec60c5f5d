// StepFunctions.swift — what a derive function reads (StepInputs) and its type.

/// The values a computed step reads: one per raw dep, in the order of the step's `deps` (a link:
/// its `from`). A dep that normalizes to no path reads as `undefined`. A view: valid only during
/// the call it is passed to.
public struct StepInputs {
    @usableFromInline let tags: UnsafePointer<UInt8>
    @usableFromInline let values: UnsafePointer<Double>
    @usableFromInline let paths: UnsafePointer<UInt32>
    /// Number of deps.
    public let count: Int

    @inlinable init(tags: UnsafePointer<UInt8>, values: UnsafePointer<Double>, paths: UnsafePointer<UInt32>, count: Int) {
        self.tags = tags
        self.values = values
        self.paths = paths
        self.count = count
    }

    /// The value of dep `i`; `undefined` past the end.
    @inlinable public subscript(_ i: Int) -> ConvergeValue {
        guard i >= 0 && i < count else { return .undefined }
        let p = paths[i]
        if p == .max { return .undefined }
        return ConvergeValue(tag: tags[Int(p)], payload: values[Int(p)])
    }

    /// The number in dep `i`, or `nil` when it holds another kind (or `i` is past the end).
    @inlinable public func number(_ i: Int) -> Double? {
        guard i >= 0 && i < count else { return nil }
        let p = paths[i]
        if p == .max || tags[Int(p)] != ConvergeValue.numberTag { return nil }
        return values[Int(p)]
    }
}

/// A computed step's function: reads its deps, returns the new value of its `out`. Throwing makes
/// the converge fail with `runtime_error` (every derived write rolled back).
public typealias DeriveFunction = (StepInputs) throws -> ConvergeValue
