// FieldPath.swift — field-path normalization and ordering, as Logix does them.

/// Field-path normalization and ordering, exactly as Logix does them (semantics §1, §2).
///
/// Strings are compared by UTF-16 code units (JavaScript's order and equality), never by Swift's
/// `String` `<`/`==`, which follow Unicode canonical equivalence.
public enum FieldPath {
    /// Normalizes a raw path into segments, or `nil` when it is not a path.
    ///
    /// `""`/`"*"` → nil; split on `.` dropping empty parts; a `*` part → nil; `x[]` → `x` (nothing
    /// if `x` is empty); `x[123]` → `x`; an all-digit part is dropped; any other part with `[`/`]`
    /// → nil; no segment left → nil.
    public static func segments(_ raw: String) -> [Substring]? {
        if raw.isEmpty || raw == "*" { return nil }
        // Work on UTF-8 code units so `.`, `[`, `]` are found exactly as JavaScript finds them
        // (Swift Characters would glue a combining mark onto them).
        let utf8 = raw.utf8
        var out: [Substring] = []
        var partStart = utf8.startIndex
        var i = utf8.startIndex
        while true {
            let atEnd = i == utf8.endIndex
            if atEnd || utf8[i] == dot {
                if partStart != i {
                    let part = raw[partStart..<i]
                    switch classify(part) {
                    case .invalid: return nil
                    case .drop: break
                    case .keep(let seg): out.append(seg)
                    }
                }
                if atEnd { break }
                partStart = utf8.index(after: i)
            }
            i = utf8.index(after: i)
        }
        // Second pass (Logix filters segments again): drop what is still not a segment.
        out.removeAll { !isSegment($0) }
        return out.isEmpty ? nil : out
    }

    private static let dot: UInt8 = 0x2E, open: UInt8 = 0x5B, close: UInt8 = 0x5D

    private enum Part { case invalid, drop, keep(Substring) }

    private static func classify(_ part: Substring) -> Part {
        let u = part.utf8
        if u.count == 1 && u.first == 0x2A { return .invalid }               // "*"
        if u.count >= 2, u.last == close, u[u.index(u.endIndex, offsetBy: -2)] == open {
            let base = part[..<u.index(u.endIndex, offsetBy: -2)]           // "x[]" -> "x"
            return base.isEmpty ? .drop : .keep(base)
        }
        if let base = indexedBase(part) { return .keep(base) }               // "x[12]" -> "x"
        if isAllDigits(part) { return .drop }                                // "12"
        if hasBracket(part) { return .invalid }
        return .keep(part)
    }

    /// The normalized, dot-joined form of a raw path, or `nil`.
    public static func normalize(_ raw: String) -> String? {
        guard let segs = segments(raw) else { return nil }
        return segs.joined(separator: ".")
    }

    /// `x[123]` → `x` when `x` is non-empty and the last brackets hold only digits.
    private static func indexedBase(_ part: Substring) -> Substring? {
        let u = part.utf8
        guard u.last == close, let openAt = u.lastIndex(of: open) else { return nil }
        let digits = part[u.index(after: openAt)..<u.index(before: u.endIndex)]
        guard isAllDigits(digits), openAt > u.startIndex else { return nil }
        return part[..<openAt]
    }

    static func hasBracket(_ s: Substring) -> Bool {
        s.utf8.contains(open) || s.utf8.contains(close)
    }

    static func isAllDigits(_ s: Substring) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    private static func isSegment(_ s: Substring) -> Bool {
        !s.isEmpty && !(s.utf8.count == 1 && s.utf8.first == 0x2A) && !isAllDigits(s) && !hasBracket(s)
    }

    /// Segment-wise order of two dot-joined normalized paths, by UTF-16 code units; a proper prefix
    /// sorts before its extensions. Equivalent to comparing UTF-16 units with `.` below every unit.
    public static func precedes(_ a: String, _ b: String) -> Bool {
        // UTF-8 byte order is code point order, which equals UTF-16 order except between
        // U+E000…U+FFFF and supplementary characters (UTF-16 puts surrogates first). Compare bytes
        // and fall back to UTF-16 units only when the first difference is between such characters.
        var a = a, b = b
        let byBytes: Bool? = a.withUTF8 { ua in
            b.withUTF8 { ub in
                let n = min(ua.count, ub.count)
                var i = 0
                while i < n && ua[i] == ub[i] { i += 1 }
                if i == n { return ua.count < ub.count }
                let x = ua[i], y = ub[i]
                if x >= 0xEE && y >= 0xEE { return nil }
                let rx = x == 0x2E ? -1 : Int(x)
                let ry = y == 0x2E ? -1 : Int(y)
                return rx < ry
            }
        }
        if let result = byBytes { return result }
        return precedesUTF16(a, b)
    }

    /// The reference comparison, unit by unit in UTF-16.
    static func precedesUTF16(_ a: String, _ b: String) -> Bool {
        var ia = a.utf16.makeIterator()
        var ib = b.utf16.makeIterator()
        while true {
            let ca = ia.next(), cb = ib.next()
            switch (ca, cb) {
            case (nil, nil): return false
            case (nil, _): return true
            case (_, nil): return false
            case let (x?, y?):
                if x == y { continue }
                let rx = x == 0x2E ? -1 : Int(x)
                let ry = y == 0x2E ? -1 : Int(y)
                return rx < ry
            }
        }
    }
}

/// A string with JavaScript equality and hashing (exact code units, no Unicode normalization), for
/// dictionary keys that must treat `"é"` and `"e\u{301}"` as different, as Logix does.
struct ExactString: Hashable, Sendable {
    let value: String

    init(_ value: String) { self.value = value }
    init(_ value: Substring) { self.value = String(value) }

    static func == (a: ExactString, b: ExactString) -> Bool {
        a.value.utf8.elementsEqual(b.value.utf8)
    }

    func hash(into hasher: inout Hasher) {
        var copy = value
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
