// AutoPolicy.swift — auto mode: Logix's thresholds, the plan cache and L0's Swift decider.

/// The thresholds of auto mode (semantics §6). Defaults follow Logix except where noted.
public struct AutoPolicy: Sendable, Equatable {
    /// Dirty roots / scope steps at or above which auto runs full: 0.9, or 0.75 from 512 steps,
    /// 0.7 from 1024, 0.65 from 1536 (Logix). Pairs (fromSteps, ratio), ascending.
    public var nearFullRootRatios: [(fromSteps: Int, ratio: Double)] = [(0, 0.9), (512, 0.75), (1024, 0.7), (1536, 0.65)]
    /// A computed plan covering at least this share of the scope runs full (Logix 0.9).
    public var nearFullPlanRatio = 0.9
    /// Full is chosen outright (`fast_full`) while its minimum or EWMA (α = ``fullEwmaAlpha``)
    /// duration is at most this many milliseconds. Logix uses 0.6 ms for its JS kernel; a native
    /// full converge of 2000 steps takes microseconds, so 0.6 ms would make auto always full.
    /// Default 0: off (and no clock is read to measure full). ``logix`` sets 0.6.
    public var fastFullMaxMs = 0.0
    public var fullEwmaAlpha = 0.2
    /// The decision's budget (Logix 0.5 ms): planning past it runs full (`budget_cutoff`).
    /// Checked once planning is done, for graphs of 32 steps or more; 0 = no budget.
    public var decisionBudgetMs = 0.5
    /// Inline cache: used with at most this many dirty roots (64), holds 2 plans of at most 256
    /// steps; a new key is planned only the second time it is seen; switches itself off after
    /// 32 skips with at most 2 computes.
    public var inlineMaxRoots = 64
    public var inlineMaxPlanLength = 256
    public var inlineOffAfterSkips = 32
    public var inlineOffMaxComputes = 2
    /// LRU cache: 128 plans, for dirty sets of at most 128 roots and a root ratio of at most 0.5;
    /// disabled when its hit rate is at most 1% after max(64, capacity + 1) lookups. Plans longer
    /// than ``lruMaxPlanLength`` are not cached (a bound of ours: the cache's memory is allocated
    /// once, capacity × this length).
    public var lruCapacity = 128
    public var lruMaxRoots = 128
    public var lruMaxRootRatio = 0.5
    public var lruMinHitRate = 0.01
    public var lruMaxPlanLength = 2048
    /// Ours, not Logix's: a cost model that runs full (reason `near_full`) when the measured costs
    /// say dirty would cost at least as much: dirty roots × (a dirty converge's ns per root) ≥ a
    /// full converge's ns, each the minimum of its last 8 measurements. The mode not chosen is re-measured after
    /// ``costProbeInterval`` decisions, then at doubling intervals up to ``costProbeMaxInterval``
    /// (a full probe only while full could be competitive: predicted dirty ≥ ¼ of full); the
    /// interval resets when the preferred mode changes. The cold-start converge is not measured. Converges are timed on
    /// every 8th auto transaction, on dirty sets of 32 roots or more and on the probes. It catches what Logix's fixed
    /// root-ratio thresholds miss on a given kernel (the pure-Swift planner costs more per root
    /// than the native one). ``logix`` turns it off.
    public var costModel = true
    public var costProbeInterval = 64
    public var costProbeMaxInterval = 4096

    public init() {}

    /// Logix's rules and defaults: `fastFullMaxMs` = 0.6, no cost model.
    public static var logix: AutoPolicy {
        var p = AutoPolicy()
        p.fastFullMaxMs = 0.6
        p.costModel = false
        return p
    }

    /// The near-full root ratio for a scope of `steps` steps.
    public func nearFullRootRatio(steps: Int) -> Double {
        var r = 0.9, i = 0
        while i < nearFullRootRatios.count {   // (a while loop: no iterator allocation in debug builds)
            if steps >= nearFullRootRatios[i].fromSteps { r = nearFullRootRatios[i].ratio }
            i += 1
        }
        return r
    }

    public static func == (a: AutoPolicy, b: AutoPolicy) -> Bool {
        a.nearFullRootRatios.elementsEqual(b.nearFullRootRatios, by: { $0.fromSteps == $1.fromSteps && $0.ratio == $1.ratio })
            && a.nearFullPlanRatio == b.nearFullPlanRatio && a.fastFullMaxMs == b.fastFullMaxMs
            && a.fullEwmaAlpha == b.fullEwmaAlpha && a.decisionBudgetMs == b.decisionBudgetMs
            && a.inlineMaxRoots == b.inlineMaxRoots && a.inlineMaxPlanLength == b.inlineMaxPlanLength
            && a.inlineOffAfterSkips == b.inlineOffAfterSkips && a.inlineOffMaxComputes == b.inlineOffMaxComputes
            && a.lruCapacity == b.lruCapacity && a.lruMaxRoots == b.lruMaxRoots
            && a.lruMaxRootRatio == b.lruMaxRootRatio && a.lruMinHitRate == b.lruMinHitRate
            && a.lruMaxPlanLength == b.lruMaxPlanLength && a.costModel == b.costModel
            && a.costProbeInterval == b.costProbeInterval
            && a.costProbeMaxInterval == b.costProbeMaxInterval
    }
}

/// The decision for one auto transaction.
enum AutoDecision {
    /// Run the full scope.
    case full
    /// Use the plan cached in slot `entry` of `cache`.
    case cached(cache: PlanCache, entry: Int)
    /// Plan dirty; afterwards store the plan into `store` (if non-nil and it fits).
    case plan(store: PlanCache?)
}

/// A fixed-capacity plan cache keyed by a dirty-root set (its FNV-1a key, size and ids), all
/// memory allocated once; least-recently-used replacement.
final class PlanCache {
    let capacity: Int
    let maxRoots: Int
    let maxPlan: Int
    private let keyHash: UnsafeMutablePointer<UInt32>
    private let rootCount: UnsafeMutablePointer<Int32>     // -1 = empty
    private let lastUse: UnsafeMutablePointer<UInt64>
    private let roots: UnsafeMutablePointer<UInt32>        // capacity × maxRoots
    let planLength: UnsafeMutablePointer<Int32>
    let plans: UnsafeMutablePointer<UInt32>   // capacity × maxPlan
    private let tickPtr: UnsafeMutablePointer<UInt64>   // (a pointer: no exclusivity check per access)
    /// Owns every buffer above (freed with the cache).
    private let buffers = BufferPool()
    private var tick: UInt64 { get { tickPtr.pointee } set { tickPtr.pointee = newValue } }

    init(capacity: Int, maxRoots: Int, maxPlan: Int) {
        self.capacity = max(capacity, 0)
        self.maxRoots = max(maxRoots, 0)
        self.maxPlan = max(maxPlan, 0)
        let c = max(self.capacity, 1)
        keyHash = buffers.zeroed(c)
        rootCount = buffers.filled(c, with: -1)
        lastUse = buffers.zeroed(c)
        roots = buffers.uninitialized(c * self.maxRoots)
        planLength = buffers.zeroed(c)
        plans = buffers.uninitialized(c * self.maxPlan)
        tickPtr = buffers.zeroed(1)
    }

    func clear() {
        var i = 0
        while i < capacity { rootCount[i] = -1; i += 1 }
    }

    /// The entry holding exactly these roots, or -1. A hit refreshes its recency.
    func find(_ key: UInt32, _ ids: UnsafePointer<UInt32>, _ n: Int) -> Int {
        var i = 0
        while i < capacity {
            if rootCount[i] == Int32(n) && keyHash[i] == key {
                let base = roots + i * maxRoots
                var j = 0
                while j < n && base[j] == ids[j] { j += 1 }
                if j == n {
                    tick &+= 1
                    lastUse[i] = tick
                    return i
                }
            }
            i += 1
        }
        return -1
    }

    /// Stores a plan for these roots (replacing the least recently used entry); false when the
    /// roots or the plan do not fit.
    @discardableResult
    func store(_ key: UInt32, _ ids: UnsafePointer<UInt32>, _ n: Int, plan: UnsafePointer<UInt32>, length: Int) -> Bool {
        if capacity == 0 || n > maxRoots || length > maxPlan { return false }
        var victim = 0, i = 0
        while i < capacity {
            if rootCount[i] < 0 { victim = i; break }
            if lastUse[i] < lastUse[victim] { victim = i }
            i += 1
        }
        keyHash[victim] = key
        rootCount[victim] = Int32(n)
        (roots + victim * maxRoots).update(from: ids, count: n)
        planLength[victim] = Int32(length)
        (plans + victim * maxPlan).update(from: plan, count: length)
        tick &+= 1
        lastUse[victim] = tick
        return true
    }

    func plan(_ entry: Int) -> (UnsafePointer<UInt32>, Int) {
        (UnsafePointer(plans + entry * maxPlan), Int(planLength[entry]))
    }
}

/// Auto mode's state and rules (semantics §6): cold start, near-full thresholds, dirtyAll, fast
/// full, the inline cache with two-hit admission, the LRU cache with its self-disabling rules.
/// The planned-share and decision-budget rules run after planning (``AutoPolicy``).
final class AutoDecider {
    let policy: AutoPolicy
    let inline: PlanCache
    let lru: PlanCache
    // Mutable state behind a pointer: stored `var`s of a class pay a dynamic exclusivity check
    // per access, several per decision.
    private struct State {
        var seenKeys: (UInt32, Int, UInt32, Int) = (0, -1, 0, -1)  // two "seen once" keys
        var seenNext = 0
        var inlineEnabled = true
        var inlineSkips = 0
        var inlineComputes = 0
        var lruEnabled = true
        var lruLookups = 0
        var lruHits = 0
        var decisions = 0
        var generationBumped = false
        var fullMinNs = UInt64.max
        var fullEwmaNs = 0.0
        var fullSamples = 0
        var costFullNs = 0.0          // EWMA of a full converge
        var costFullSamples = 0
        var costDirtyNsPerRoot = 0.0  // EWMA of a dirty converge per dirty root
        var costDirtySamples = 0
        var sinceFull = 0             // decisions since the last full converge was measured
        var sinceDirty = 0            // decisions since the last dirty converge was measured
        var probeInterval = 64        // doubles after each probe (to costProbeMaxInterval), back to
                                      // costProbeInterval when the preferred mode changes
        var preferFull = false
    }
    private let st: UnsafeMutablePointer<State>
    private let costWindow: UnsafeMutablePointer<Double>   // [0..<8] full ns, [8..<16] dirty ns per root
    /// Owns `st` and `costWindow` (freed with the decider).
    private let buffers = BufferPool()
    private var seenKeys: (UInt32, Int, UInt32, Int) { get { st.pointee.seenKeys } set { st.pointee.seenKeys = newValue } }
    private var seenNext: Int { get { st.pointee.seenNext } set { st.pointee.seenNext = newValue } }
    var inlineEnabled: Bool { get { st.pointee.inlineEnabled } set { st.pointee.inlineEnabled = newValue } }
    private var inlineSkips: Int { get { st.pointee.inlineSkips } set { st.pointee.inlineSkips = newValue } }
    private var inlineComputes: Int { get { st.pointee.inlineComputes } set { st.pointee.inlineComputes = newValue } }
    var lruEnabled: Bool { get { st.pointee.lruEnabled } set { st.pointee.lruEnabled = newValue } }
    private var lruLookups: Int { get { st.pointee.lruLookups } set { st.pointee.lruLookups = newValue } }
    private var lruHits: Int { get { st.pointee.lruHits } set { st.pointee.lruHits = newValue } }
    var decisions: Int { get { st.pointee.decisions } set { st.pointee.decisions = newValue } }
    private var generationBumped: Bool { get { st.pointee.generationBumped } set { st.pointee.generationBumped = newValue } }
    private var fullMinNs: UInt64 { get { st.pointee.fullMinNs } set { st.pointee.fullMinNs = newValue } }
    private var fullEwmaNs: Double { get { st.pointee.fullEwmaNs } set { st.pointee.fullEwmaNs = newValue } }
    private var fullSamples: Int { get { st.pointee.fullSamples } set { st.pointee.fullSamples = newValue } }

    init(policy: AutoPolicy, stepCount: Int) {
        self.policy = policy
        st = buffers.filled(1, with: State())
        st.pointee.probeInterval = max(1, policy.costProbeInterval)
        costWindow = buffers.filled(16, with: 0)
        inline = PlanCache(capacity: 2, maxRoots: policy.inlineMaxRoots, maxPlan: min(policy.inlineMaxPlanLength, stepCount))
        lru = PlanCache(capacity: policy.lruCapacity, maxRoots: policy.lruMaxRoots, maxPlan: min(policy.lruMaxPlanLength, stepCount))
    }

    /// Empties both caches and re-arms them; the next decision carries `generation_bumped`.
    func bumpGeneration() {
        inline.clear()
        lru.clear()
        seenKeys = (0, -1, 0, -1)
        inlineEnabled = true
        inlineSkips = 0
        inlineComputes = 0
        lruEnabled = true
        lruLookups = 0
        lruHits = 0
        generationBumped = true
    }

    var measuresFull: Bool { policy.fastFullMaxMs > 0 }

    /// Fast full (Logix): full converges are timed only when `fastFullMaxMs` is set.
    func recordFull(ns: UInt64) {
        fullMinNs = min(fullMinNs, ns)
        fullEwmaNs = fullSamples == 0 ? Double(ns) : policy.fullEwmaAlpha * Double(ns) + (1 - policy.fullEwmaAlpha) * fullEwmaNs
        fullSamples += 1
    }

    /// The cost model's preference (false until both modes have been measured).
    private func costPrefersFull(roots n: Int) -> Bool {
        guard st.pointee.costFullSamples > 0 && st.pointee.costDirtySamples > 0 else { return false }
        let prefer = Double(n) * st.pointee.costDirtyNsPerRoot >= st.pointee.costFullNs
        if prefer != st.pointee.preferFull {
            st.pointee.preferFull = prefer
            st.pointee.probeInterval = policy.costProbeInterval
        }
        return prefer
    }

    /// Whether the next auto transaction is timed from the start of its decision: the cold start,
    /// every 8th decision, dirty sets of 32 roots or more (whose planning the decision budget
    /// watches anyway), and the decisions that will be cost-model probes — predicted as
    /// ``decide(roots:count:key:dirtyAll:scopeSteps:reasons:)`` takes them: the mode not preferred,
    /// once its interval has passed, full only while it could be competitive (a steady dirty
    /// workload whose full run can never win is not timed on every transaction). The C core's
    /// `ck_auto_times_next` is the same rule.
    func timesNext(roots: Int) -> Bool {
        let d = st.pointee.decisions
        if d == 0 || d & 7 == 0 || roots >= 32 { return true }
        guard policy.costModel else { return false }
        let s = st.pointee
        let measured = s.costFullSamples > 0 && s.costDirtySamples > 0
        let prefer = measured && Double(roots) * s.costDirtyNsPerRoot >= s.costFullNs
        let interval = prefer != s.preferFull ? policy.costProbeInterval : s.probeInterval
        if prefer { return s.sinceDirty + 1 >= interval }
        return s.sinceFull + 1 >= interval && (s.costFullSamples == 0 || Double(roots) * s.costDirtyNsPerRoot * 4 >= s.costFullNs)
    }

    /// Whether to record this (timed) auto transaction's converge for the cost model.
    func samplesConverge(full: Bool) -> Bool {
        policy.costModel && st.pointee.decisions > 1
    }

    /// A converge timed from the decision's start to the end of execution (cost model). Each side
    /// keeps its last 8 samples; the estimate is their minimum, which a preempted or cold sample
    /// (this machine's noise is one-sided) cannot inflate.
    func recordConverge(full: Bool, ns: UInt64, roots: Int) {
        if full {
            costWindow[st.pointee.costFullSamples & 7] = Double(ns)
            st.pointee.costFullSamples += 1
            st.pointee.costFullNs = windowMin(costWindow, st.pointee.costFullSamples)
            st.pointee.sinceFull = 0
        } else if roots > 0 {
            st.pointee.sinceDirty = 0
            costWindow[8 + st.pointee.costDirtySamples & 7] = Double(ns) / Double(roots)
            st.pointee.costDirtySamples += 1
            st.pointee.costDirtyNsPerRoot = windowMin(costWindow + 8, st.pointee.costDirtySamples)
        }
    }

    private func windowMin(_ w: UnsafeMutablePointer<Double>, _ samples: Int) -> Double {
        var m = Double.infinity, i = 0
        while i < min(samples, 8) { m = Swift.min(m, w[i]); i += 1 }
        return m
    }

    /// Decides before planning. `roots` are the dirty roots (ids ascending).
    func decide(roots: UnsafePointer<UInt32>, count n: Int, key: UInt32, dirtyAll: DirtyAllReason?,
                scopeSteps: Int, reasons: inout DecisionReasons) -> AutoDecision {
        defer { decisions += 1 }
        if generationBumped {
            reasons.insert(.generationBumped)
            generationBumped = false
        }
        if decisions == 0 { reasons.insert(.coldStart); return .full }
        if scopeSteps <= 2 { reasons.insert(.nearFull); return .full }
        if let dirtyAll {
            reasons.insert(dirtyAll == .unknownWrite ? .unknownWrite : .dirtyAll)
            return .full
        }
        if Double(n) >= policy.nearFullRootRatio(steps: scopeSteps) * Double(scopeSteps) {
            reasons.insert(.nearFull)
            return .full
        }
        if fullSamples > 0 && Double(min(fullMinNs, UInt64(fullEwmaNs))) <= policy.fastFullMaxMs * 1e6 {
            reasons.insert(.fastFull)
            return .full
        }
        if policy.costModel {
            st.pointee.sinceFull += 1
            st.pointee.sinceDirty += 1
            if costPrefersFull(roots: n) {
                // re-measure dirty now and then (backing off), or one bad sample would stick
                if st.pointee.sinceDirty < st.pointee.probeInterval {
                    reasons.insert(.nearFull)
                    return .full
                }
                st.pointee.probeInterval = min(st.pointee.probeInterval * 2, policy.costProbeMaxInterval)
            } else if st.pointee.sinceFull >= st.pointee.probeInterval
                        && (st.pointee.costFullSamples == 0 || Double(n) * st.pointee.costDirtyNsPerRoot * 4 >= st.pointee.costFullNs) {
                // re-measure full (only while it could be competitive)
                st.pointee.probeInterval = min(st.pointee.probeInterval * 2, policy.costProbeMaxInterval)
                reasons.insert(.nearFull)
                return .full
            }
        }
        if inlineEnabled && n <= policy.inlineMaxRoots {
            let e = inline.find(key, roots, n)
            if e >= 0 { reasons.insert(.cacheHit); return .cached(cache: inline, entry: e) }
            if (seenKeys.0 == key && seenKeys.1 == n) || (seenKeys.2 == key && seenKeys.3 == n) {
                inlineComputes += 1
                reasons.insert(.inlineDirty)
                return .plan(store: inline)
            }
            if seenNext == 0 { seenKeys.0 = key; seenKeys.1 = n } else { seenKeys.2 = key; seenKeys.3 = n }
            seenNext ^= 1
            inlineSkips += 1
            if inlineSkips >= policy.inlineOffAfterSkips && inlineComputes <= policy.inlineOffMaxComputes {
                inlineEnabled = false
            }
            reasons.insert(.lowHitRateProtection)
            return .full
        }
        if lruEnabled && n <= policy.lruMaxRoots && Double(n) <= policy.lruMaxRootRatio * Double(scopeSteps) {
            lruLookups += 1
            let e = lru.find(key, roots, n)
            if e >= 0 { lruHits += 1 }
            if lruLookups >= max(64, policy.lruCapacity + 1) && Double(lruHits) <= policy.lruMinHitRate * Double(lruLookups) {
                lruEnabled = false
            }
            if e >= 0 { reasons.insert(.cacheHit); return .cached(cache: lru, entry: e) }
            reasons.insert(.cacheMiss)
            return .plan(store: lruEnabled ? lru : nil)
        }
        reasons.insert(.cacheMiss)
        return .plan(store: nil)
    }
}
