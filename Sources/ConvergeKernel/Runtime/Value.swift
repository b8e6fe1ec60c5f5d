// Value.swift — a state slot's value (number, boolean, null, undefined) and its tag.

/// A value of a state slot: the compiled-expression domain (number, boolean, null, undefined).
///
/// Equality is JavaScript's `Object.is`, the rule converge uses to decide whether a step wrote
/// anything: `NaN` equals `NaN`, `+0` differs from `-0`. (So `==` here is not IEEE `==`.)
///
/// In the state store a value is a tag byte and a double (docs/kernel-abi.md): tag 0 undefined,
/// 1 null, 2 boolean (0.0 / 1.0), 3 number.
public enum ConvergeValue: Sendable, Hashable, CustomStringConvertible {
    case undefined
    case null
    case boolean(Bool)
    case number(Double)

    /// Slot tags (`CK_TAG_*`).
    public static let undefinedTag: UInt8 = 0
    public static let nullTag: UInt8 = 1
    public static let booleanTag: UInt8 = 2
    public static let numberTag: UInt8 = 3

    /// The slot tag.
    @inlinable public var tag: UInt8 {
        switch self {
        case .undefined: 0
        case .null: 1
        case .boolean: 2
        case .number: 3
        }
    }

    /// The slot payload (canonical: 0.0 for null/undefined, 0.0/1.0 for booleans).
    @inlinable public var payload: Double {
        switch self {
        case .undefined, .null: 0
        case .boolean(let b): b ? 1 : 0
        case .number(let d): d
        }
    }

    /// Decodes a slot. A tag above 3 reads as `undefined` (the store never holds one).
    @inlinable public init(tag: UInt8, payload: Double) {
        switch tag {
        case 1: self = .null
        case 2: self = .boolean(payload != 0)
        case 3: self = .number(payload)
        default: self = .undefined
        }
    }

    /// The number, or `nil` for any other kind.
    @inlinable public var number: Double? {
        if case .number(let d) = self { return d }
        return nil
    }

    /// The boolean, or `nil` for any other kind.
    @inlinable public var boolean: Bool? {
        if case .boolean(let b) = self { return b }
        return nil
    }

    /// `Object.is` on two slots.
    @inlinable @inline(__always)
    public static func same(_ tagA: UInt8, _ a: Double, _ tagB: UInt8, _ b: Double) -> Bool {
        if tagA != tagB { return false }
        if tagA != numberTag { return tagA != booleanTag || a == b }
        return a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN)
    }

    /// `Object.is`.
    public static func == (lhs: ConvergeValue, rhs: ConvergeValue) -> Bool {
        same(lhs.tag, lhs.payload, rhs.tag, rhs.payload)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(tag)
        let p = payload
        hasher.combine(p.isNaN ? Double.nan.bitPattern : p.bitPattern)
    }

    public var description: String {
        switch self {
        case .undefined: "undefined"
        case .null: "null"
        case .boolean(let b): b ? "true" : "false"
        case .number(let d):
            if d.isNaN { "NaN" } else if d == .infinity { "Infinity" } else if d == -.infinity { "-Infinity" }
            else if d == 0 && d.sign == .minus { "-0" }
            else if d == d.rounded() && abs(d) < 1e21 { String(Int64(d)) } else { "\(d)" }
        }
    }
}
