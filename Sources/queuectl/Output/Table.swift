// Table: aligned columns for human output. Widths count characters, not bytes, and
// ignore colour codes; the last column is never padded.

/// A text table with a header row.
struct Table {
    var header: [String]
    var rows: [[String]] = []

    init(_ header: String...) { self.header = header }

    mutating func add(_ cells: String...) { rows.append(cells) }
    mutating func add(_ cells: [String]) { rows.append(cells) }

    func rendered() -> String {
        var widths = header.map(Table.visibleWidth)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], Table.visibleWidth(cell))
            }
        }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (index, cell) in cells.enumerated() {
                if index == cells.count - 1 { text += cell; break }
                text += cell + String(repeating: " ", count: widths[index] - Table.visibleWidth(cell) + 2)
            }
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        return ([Style.bold.apply(line(header))] + rows.map(line)).joined(separator: "\n")
    }

    /// Printable width: escape sequences removed.
    static func visibleWidth(_ text: String) -> Int {
        var width = 0
        var inEscape = false
        for character in text {
            if inEscape {
                if character.isLetter { inEscape = false }
            } else if character == "\u{1B}" {
                inEscape = true
            } else {
                width += 1
            }
        }
        return width
    }
}

/// Shortens `text` to `limit` characters with an ellipsis, on one line.
func truncated(_ text: String, _ limit: Int) -> String {
    let flat = text.replacing("\n", with: " ")
    return flat.count <= limit ? flat : String(flat.prefix(limit - 1)) + "…"
}
