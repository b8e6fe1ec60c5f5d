/// Expression texts of a known compiled size, for the tests of the compiler's limits.
public enum ExprTexts {
    /// A text that compiles to exactly `count` instructions (RET included): one-byte operands
    /// and operators without spaces or parentheses are one instruction per byte; `*` chains of
    /// 200 joined by `+` keep the tree within the depth limit and out of the nesting one.
    public static func instructions(_ count: Int) -> String {
        let bytes = count - 1
        var text = bytes % 2 == 0 ? "!1" : "1"
        var operands = 1
        while text.utf8.count < bytes {
            text += (operands % 200 == 0 ? "+" : "*") + "1"
            operands += 1
        }
        return text
    }
}
