// ConvergeError+Excerpt.swift — how error messages echo a hostile input: cut short, quoted.

extension ConvergeError {
    /// How many characters of an input value a message echoes before cutting it short.
    public static let excerptLimit = 60

    /// An input value as a message echoes it: whole when short, else its first
    /// ``excerptLimit`` characters and `… (N characters)`, so a hostile 10 MB value never becomes
    /// a 10 MB line. Every message that repeats a value it was given goes through this.
    public static func excerpt(_ value: some StringProtocol) -> String {
        let (head, total) = cut(value)
        guard let total else { return head }
        return "\(head)… (\(total) characters)"
    }

    /// ``excerpt(_:)`` in double quotes: `"b0"`, or `"aaaa…" (70 characters)`.
    public static func quoted(_ value: some StringProtocol) -> String {
        let (head, total) = cut(value)
        guard let total else { return "\"\(head)\"" }
        return "\"\(head)…\" (\(total) characters)"
    }

    /// The first ``excerptLimit`` characters, and the total count when that is not all of it.
    private static func cut(_ value: some StringProtocol) -> (String, Int?) {
        var count = 0
        var i = value.startIndex
        while i != value.endIndex && count < excerptLimit {
            i = value.index(after: i)
            count += 1
        }
        if i == value.endIndex { return (String(value), nil) }
        return (String(value[..<i]), count + value[i...].count)
    }
}
