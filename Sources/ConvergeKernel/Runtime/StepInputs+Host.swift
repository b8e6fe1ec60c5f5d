// StepInputs+Host.swift — StepInputs over slots another host keeps (WasmKit's linear memory).

extension StepInputs {
    /// Inputs over slots another host keeps (a WebAssembly module's linear memory: WasmKit's
    /// host of the transaction core calls the derive functions on the module's state store).
    /// `tags` and `values` are the state store (one per path id); `paths` the step's `count`
    /// input path ids (`.max`: an input that maps to no path, read as `undefined`). Every id must
    /// be below the store's slot count, and the memory must stay valid and unchanged for as long
    /// as the derive function runs.
    @inlinable
    public init(unsafeTags tags: UnsafePointer<UInt8>, values: UnsafePointer<Double>, paths: UnsafePointer<UInt32>, count: Int) {
        self.init(tags: tags, values: values, paths: paths, count: count)
    }
}
