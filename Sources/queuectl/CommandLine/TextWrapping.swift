// Word wrapping for help text, the same algorithm as swift-argument-parser's.
// Guarantees: existing line breaks are kept, no line is longer than the width unless one
// word is, and every non-empty line carries the given indent.

extension String {
    /// Wraps this text to `width` columns, indenting every non-empty line by `indent`.
    ///
    /// Breaks at the last space that fits; a word longer than the line stays whole.
    func wrapped(to width: Int, indent: Int = 0) -> String {
        let columns = max(1, width - indent)
        var lines: [Substring] = []
        var start = startIndex
        while true {
            let chunk = self[start...].prefix(columns)
            if let lastBreak = chunk.lastIndex(of: "\n") {
                lines += self[start..<lastBreak].split(separator: "\n", omittingEmptySubsequences: false)
                start = index(after: lastBreak)
            } else if chunk.endIndex == endIndex {
                lines.append(self[start...])
                break
            } else if let lastSpace = chunk.lastIndex(of: " ") {
                lines.append(self[start..<lastSpace])
                start = index(after: lastSpace)
            } else if let nextSpace = self[start...].firstIndex(of: " ") {
                lines.append(self[start..<nextSpace])
                start = index(after: nextSpace)
            } else {
                lines.append(self[start...])
                break
            }
        }
        let margin = String(repeating: " ", count: indent)
        return lines.map { $0.isEmpty ? "" : margin + $0 }.joined(separator: "\n")
    }
}
