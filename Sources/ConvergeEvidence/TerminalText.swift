// Text from files and arguments (a step's `out`, a report's `meta.env.os`, a file name) ends up in
// error lines, verdict lines and tables. Printed as it is, a newline in it would start a line of
// its own (a forged `converge: …` error, a forged `gate: pass`), an ESC sequence would recolour or
// move the cursor, a bidi override would reorder what a person reads. Every such line goes
// through `TerminalText.escaped` (docs/errors.md, "Control characters").

/// The one escaping of untrusted text for a terminal line.
public enum TerminalText {
    /// `text` with every character that could break or disguise a line spelled out:
    /// `\n`, `\r`, `\t` as those two characters; other C0 controls, DEL, C1 controls, U+2028 /
    /// U+2029 (line / paragraph separator) and the bidi controls (U+061C, U+200E, U+200F,
    /// U+202A…U+202E, U+2066…U+2069) as `\u{XX}` (hex, upper case: ESC is `\u{1B}`). Everything
    /// else is left as it is (a backslash too, so paths and messages read as before).
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            guard needsEscape(s) else { out.append(s); continue }
            let spelled: String
            switch s {
            case "\n": spelled = "\\n"
            case "\r": spelled = "\\r"
            case "\t": spelled = "\\t"
            default: spelled = "\\u{" + String(s.value, radix: 16, uppercase: true) + "}"
            }
            out.append(contentsOf: spelled.unicodeScalars)
        }
        return String(out)
    }

    /// C0, DEL, C1, line / paragraph separators, bidi controls.
    static func needsEscape(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x2028, 0x2029: return true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }
}
