// Roff: text made safe for a manual page. Guarantees: a backslash, a dot or quote at the start of
// a line, a hyphen (so options copy as ASCII minus) and every non-ASCII character are escaped,
// so groff and mandoc render the text as written, without warnings.

enum Roff {
    /// `text` as running text: one output line per input line.
    static func text(_ text: String) -> String {
        var result = ""
        var atLineStart = true
        for scalar in text.unicodeScalars {
            if atLineStart && (scalar == "." || scalar == "'") { result += "\\&" }
            atLineStart = scalar == "\n"
            switch scalar {
            case "\\": result += "\\e"
            case "-": result += "\\-"
            case _ where scalar.isASCII: result.unicodeScalars.append(scalar)
            default: result += "\\[u" + hex(scalar.value) + "]"
            }
        }
        return result
    }

    /// `text` inside a double-quoted macro argument (`.SS "…"`).
    static func argument(_ text: String) -> String {
        "\"" + Roff.text(text).replacing("\"", with: "\\(dq") + "\""
    }

    static func bold(_ text: String) -> String { "\\fB" + Roff.text(text) + "\\fR" }
    static func italic(_ text: String) -> String { "\\fI" + Roff.text(text) + "\\fR" }

    /// Four or more upper-case hex digits, as groff's `\[uXXXX]` wants them.
    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
