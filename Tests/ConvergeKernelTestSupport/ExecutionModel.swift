import ConvergeKernel

/// An independent model of a converge transaction (semantics §7): the plan from
/// ``BruteForceModel``, state in a dictionary keyed by normalized path strings, steps run in plan
/// order with Object.is equality, rollback of derived writes when a step throws. Shares no
/// execution code with the library.
public struct ExecutionModel {
    public let ir: ConvergeIR
    /// Values by dot-joined normalized path; absent = undefined.
    public private(set) var state: [String: ConvergeValue] = [:]
    private let declOfOut: [String: Int]
    private let derive: (Int, [ConvergeValue]) throws -> ConvergeValue

    /// `derive(declarationIndex, inputs)` computes a computed step (inputs in raw dep order).
    public init(_ ir: ConvergeIR, derive: @escaping (Int, [ConvergeValue]) throws -> ConvergeValue) {
        self.ir = ir
        self.derive = derive
        var m: [String: Int] = [:]
        for (i, s) in ir.steps.enumerated() { m[s.out] = i }
        declOfOut = m
    }

    public static func key(_ raw: String) -> String? { BruteForceModel.normalize(raw)?.joined(separator: ".") }

    public func value(_ path: String) -> ConvergeValue { state[path] ?? .undefined }

    public struct Result: Equatable {
        public var outcome: String      // "ok", "runtime_error:<out>"
        public var committed: Bool
        public var executedMode: String?
    }

    /// One transaction: the writes (registry paths), extra dirty path strings (marked, not
    /// written), then converge in `mode` ("full" / "dirty") over scope all.
    public mutating func transaction(writes: [(String, ConvergeValue)], marks: [String], mode: String) -> Result {
        let base = state
        for (p, v) in writes { state[p] = v }
        let dirty = writes.map(\.0) + marks
        if dirty.isEmpty {
            return Result(outcome: "ok", committed: differs(base), executedMode: nil)
        }
        guard case .plan(let executed, let outs) = BruteForceModel.plan(ir, dirty: dirty, mode: mode, scope: "all") else {
            fatalError("the model refused a valid graph")
        }
        let beforeConverge = state
        var outcome = "ok"
        for out in outs {
            let step = ir.steps[declOfOut[out]!]
            let raw = step.kind == "link" ? [step.from ?? ""] : (step.deps ?? [])
            let inputs = raw.map { r in Self.key(r).map(value) ?? .undefined }
            let new: ConvergeValue
            if step.kind == "link" {
                new = inputs[0]
            } else {
                do { new = try derive(declOfOut[out]!, inputs) } catch {
                    outcome = "runtime_error:\(out)"
                    state = beforeConverge
                    break
                }
            }
            let k = Self.key(out)!
            if !(value(k) == new) { state[k] = new }
        }
        return Result(outcome: outcome, committed: differs(base), executedMode: executed)
    }

    private func differs(_ base: [String: ConvergeValue]) -> Bool {
        for k in Set(base.keys).union(state.keys) where !((base[k] ?? .undefined) == (state[k] ?? .undefined)) { return true }
        return false
    }
}

/// The derive function the execution differential tests use on every level and in the model: a
/// deterministic mix of numbers, booleans, null and undefined that throws on one input pattern.
public enum TestDerive {
    public struct Thrown: Error {}

    public static func compute(_ decl: Int, _ inputs: [ConvergeValue]) throws -> ConvergeValue {
        var sum = Double(decl % 5)
        for v in inputs {
            switch v {
            case .number(let d): sum += d
            case .boolean(let b): sum += b ? 1 : 0
            case .null: sum += 0
            case .undefined: sum += .nan
            }
        }
        if sum == 13 { throw Thrown() }
        switch decl % 6 {
        case 1: return .boolean(sum > 3)
        case 2: return sum.isNaN ? .null : .number(sum.truncatingRemainder(dividingBy: 7))
        case 3: return sum.isNaN ? .undefined : .number(-sum * 0)   // -0 or +0
        default: return .number(sum.isNaN ? .nan : sum.truncatingRemainder(dividingBy: 17))
        }
    }
}
