// AllocationProbe+Interposed.swift — the bench's allocation counter: this executable interposes
// malloc (the AllocationCounter target), which a library must not do for its clients.

import AllocationCounter
import ConvergeBench

extension AllocationProbe {
    /// Counts through the AllocationCounter target (unavailable under a sanitizer or off glibc).
    static let interposed = AllocationProbe(isAvailable: allocation_counter_available() != 0,
                                            start: { allocation_counter_start() },
                                            stop: { allocation_counter_stop() })
}
