// JSONSyntaxError: why a text is not valid JSON, and where.
// Guarantees: the position is exact (byte offset) and readable (1-based line and column,
// counted in characters), e.g. "line 1, column 17: expected ',' or '}' after object member".

/// A JSON text that the parser rejected, with the reason and the position of the first
/// offending byte.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, e.g. "expected ':' after object key".
    public let message: String
    /// The 0-based byte offset of the offending byte (the input's length at end of input).
    public let offset: Int
    /// The 1-based line (lines end at "\n").
    public let line: Int
    /// The 1-based column, counted in Unicode scalars from the start of the line.
    public let column: Int

    public init(message: String, offset: Int, line: Int, column: Int) {
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// Makes an error for `offset` in `bytes`, working out the line and column.
    init(_ message: String, at offset: Int, in bytes: UnsafeBufferPointer<UInt8>) {
        var line = 1
        var column = 1
        for position in 0..<min(offset, bytes.count) {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {  // not a UTF-8 continuation byte
                column += 1
            }
        }
        self.init(message: message, offset: offset, line: line, column: column)
    }

    public var description: String {
        "line \(line), column \(column): \(message)"
    }
}
