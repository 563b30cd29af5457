// JSONParser: strict RFC 8259 parsing of bytes into a JSONValue, in one pass over the bytes.
// Guarantees: accepts exactly one JSON value with optional whitespace around it; rejects
// everything else with a positioned JSONSyntaxError (never crashes, recursion is bounded).
//
// Rejected on purpose: trailing text, leading zeros, NaN/Infinity, control characters in
// strings, invalid UTF-8, lone surrogates in \u escapes, duplicate object keys, a byte order
// mark, and nesting deeper than `maximumDepth` (64 by default).

/// Parses one JSON document (UTF-8 bytes).
///
/// - Parameters:
///   - bytes: the document; contiguous collections (`[UInt8]`, `ArraySlice<UInt8>`, the
///     `utf8` view of a native string) are read in place, others are copied once.
///   - maximumDepth: how many arrays/objects may nest (a top-level array is depth 1).
/// - Throws: `JSONSyntaxError` naming the first problem and where it is.
public func parseJSON(_ bytes: some Collection<UInt8>, maximumDepth: Int = 64) throws(JSONSyntaxError) -> JSONValue {
    let inPlace = bytes.withContiguousStorageIfAvailable { buffer in
        parseJSONBuffer(buffer, maximumDepth: maximumDepth)
    }
    let result = inPlace ?? Array(bytes).withUnsafeBufferPointer { buffer in
        parseJSONBuffer(buffer, maximumDepth: maximumDepth)
    }
    return try result.get()
}

/// Parses one JSON document given as text; the same rules as the byte overload.
public func parseJSON(_ text: String, maximumDepth: Int = 64) throws(JSONSyntaxError) -> JSONValue {
    var text = text
    let result = text.withUTF8 { buffer in
        parseJSONBuffer(buffer, maximumDepth: maximumDepth)
    }
    return try result.get()
}

/// The entry point that all overloads share: parse bytes that are already in memory.
func parseJSONBuffer(_ buffer: UnsafeBufferPointer<UInt8>, maximumDepth: Int) -> Result<JSONValue, JSONSyntaxError> {
    var parser = JSONByteParser(bytes: buffer, maximumDepth: maximumDepth)
    return Result { () throws(JSONSyntaxError) -> JSONValue in try parser.parseDocument() }
}

/// A recursive-descent parser over a byte buffer. Recursion depth is bounded by
/// `maximumDepth`, so hostile input (100,000 `[`) fails cleanly instead of overflowing the stack.
struct JSONByteParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let end: Int
    private let maximumDepth: Int
    private var position = 0
    /// Reused for strings that contain escapes, so that each one does not allocate anew.
    private var scratch: [UInt8] = []
    /// Key hashes of the objects being parsed, innermost last (see `parseObject`).
    private var keyHashes: [UInt64] = []
    /// Objects up to this many members check duplicates by hash; larger ones by their index.
    private static let hashedKeyLimit = 32

    init(bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int) {
        self.bytes = bytes
        self.end = bytes.count
        self.maximumDepth = maximumDepth
    }

    mutating func parseDocument() throws(JSONSyntaxError) -> JSONValue {
        if end >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            throw error("a byte order mark (U+FEFF) is not allowed before JSON text", at: 0)
        }
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        if position < end {
            throw error("unexpected \(describeByte(at: position)) after the JSON value", at: position)
        }
        return value
    }

    // MARK: Values

    private mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard position < end else {
            throw error("unexpected end of input; expected a JSON value", at: position)
        }
        switch bytes[position] {
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "{"):
            return .object(try parseObject(depth: depth + 1))
        case UInt8(ascii: "["):
            return .array(try parseArray(depth: depth + 1))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "N"), UInt8(ascii: "I"):
            return .number(try parseNumber())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "'"):
            throw error("strings must be in double quotes", at: position)
        default:
            throw error("unexpected \(describeByte(at: position)); expected a JSON value", at: position)
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONObject {
        try checkDepth(depth)
        position += 1  // {
        skipWhitespace()
        if position < end, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return JSONObject()
        }
        var object = JSONObject(minimumCapacity: 16)
        // This object's key hashes sit on top of `keyHashes` (nested objects push above them
        // and are done before this one goes on), so the duplicate check compares integers.
        let hashBase = keyHashes.count
        defer { keyHashes.removeSubrange(hashBase...) }
        while true {
            guard position < end else {
                throw error("unexpected end of input; expected a string key in object", at: position)
            }
            guard bytes[position] == UInt8(ascii: "\"") else {
                if bytes[position] == UInt8(ascii: "}") {
                    throw error("trailing comma before '}' is not allowed", at: position)
                }
                throw error("expected a string key in double quotes, found \(describeByte(at: position))", at: position)
            }
            let keyOffset = position
            let (key, hash) = try parseKey()
            let isDuplicate = object.count < Self.hashedKeyLimit
                ? keyHashes[hashBase...].contains(hash) && object.contains(key: key)
                : object.contains(key: key)  // large objects have their own hash index
            if isDuplicate {
                throw error("duplicate key \(quoted(key)) in object", at: keyOffset)
            }
            skipWhitespace()
            guard position < end, bytes[position] == UInt8(ascii: ":") else {
                throw error("expected ':' after object key", at: position)
            }
            position += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            object.appendNewMember(key, value)
            if object.count <= Self.hashedKeyLimit { keyHashes.append(hash) }
            skipWhitespace()
            guard position < end else {
                throw error("unexpected end of input; expected ',' or '}' after object member", at: position)
            }
            switch bytes[position] {
            case UInt8(ascii: ","):
                position += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                position += 1
                return object
            default:
                throw error("expected ',' or '}' after object member", at: position)
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> [JSONValue] {
        try checkDepth(depth)
        position += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if position < end, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return elements
        }
        while true {
            if position < end, bytes[position] == UInt8(ascii: "]") {
                throw error("trailing comma before ']' is not allowed", at: position)
            }
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard position < end else {
                throw error("unexpected end of input; expected ',' or ']' after array element", at: position)
            }
            switch bytes[position] {
            case UInt8(ascii: ","):
                position += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                position += 1
                return elements
            default:
                throw error("expected ',' or ']' after array element", at: position)
            }
        }
    }

    private func checkDepth(_ depth: Int) throws(JSONSyntaxError) {
        if depth > maximumDepth {
            throw error("arrays and objects nest deeper than \(maximumDepth) levels", at: position)
        }
    }

    private mutating func parseNumber() throws(JSONSyntaxError) -> JSONNumber {
        let start = position
        switch JSONNumberSyntax.scan(bytes, from: start) {
        case .valid(let numberEnd):
            position = numberEnd
            return JSONNumber(validatedText: makeString(start..<numberEnd))
        case .invalid(.leadingZero, let offset):
            throw error("numbers must not have leading zeros", at: offset)
        case .invalid(.notANumber, let offset):
            throw error("NaN and Infinity are not valid JSON numbers", at: offset)
        case .invalid(.missingDigit, let offset):
            throw error(offset < end ? "expected a digit in number, found \(describeByte(at: offset))"
                                     : "unexpected end of input in number", at: offset)
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let count = literal.utf8CodeUnitCount
        let start = literal.utf8Start
        for index in 0..<count {
            guard position + index < end, bytes[position + index] == start[index] else {
                throw error("invalid literal; expected '\(literal)'", at: position)
            }
        }
        position += count
    }

    // MARK: Strings

    /// Where the decoded bytes of a string are: still in the input (no escapes), or in `scratch`.
    private enum ScannedString {
        case inPlace(Range<Int>)
        case inScratch
    }

    /// Parses a string value.
    private mutating func parseString() throws(JSONSyntaxError) -> String {
        switch try scanString() {
        case .inPlace(let range):
            return makeString(range)
        case .inScratch:
            return String(decoding: scratch, as: UTF8.self)
        }
    }

    /// Parses an object key, with a hash of its decoded bytes for the duplicate check.
    private mutating func parseKey() throws(JSONSyntaxError) -> (key: String, hash: UInt64) {
        switch try scanString() {
        case .inPlace(let range):
            return (makeString(range), Self.hash(UnsafeBufferPointer(rebasing: bytes[range])))
        case .inScratch:
            let hash = scratch.withUnsafeBufferPointer { Self.hash($0) }
            return (String(decoding: scratch, as: UTF8.self), hash)
        }
    }

    /// FNV-1a: cheap, and plenty to tell keys apart before comparing them in full.
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// Checks and decodes a string starting at its opening quote. Plain strings (no escapes)
    /// stay where they are in the input; strings with escapes are decoded into `scratch`.
    private mutating func scanString() throws(JSONSyntaxError) -> ScannedString {
        let openingQuote = position
        position += 1
        let start = position
        while position < end {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return .inPlace(start..<position - 1)
            } else if byte == UInt8(ascii: "\\") {
                try scanStringWithEscapes(prefix: start..<position, openingQuote: openingQuote)
                return .inScratch
            } else if byte < 0x20 {
                throw controlCharacterError(byte)
            } else if byte < 0x80 {
                position += 1
            } else {
                position = try endOfUTF8Sequence(at: position)
            }
        }
        throw error("unterminated string", at: openingQuote)
    }

    private mutating func scanStringWithEscapes(prefix: Range<Int>, openingQuote: Int) throws(JSONSyntaxError) {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[prefix]))
        while position < end {
            // Copy each run of plain characters in one append.
            let runStart = position
            while position < end {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
                position = byte < 0x80 ? position + 1 : try endOfUTF8Sequence(at: position)
            }
            if runStart < position {
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
            }
            guard position < end else { break }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return
            } else if byte == UInt8(ascii: "\\") {
                try parseEscape()
            } else {
                throw controlCharacterError(byte)
            }
        }
        throw error("unterminated string", at: openingQuote)
    }

    /// Decodes one escape sequence at `position` (the backslash) into `scratch`.
    private mutating func parseEscape() throws(JSONSyntaxError) {
        let backslash = position
        guard position + 1 < end else {
            throw error("unterminated escape sequence", at: backslash)
        }
        let code = bytes[position + 1]
        position += 2
        switch code {
        case UInt8(ascii: "\""): scratch.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): scratch.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): scratch.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try parseHex4(escapeStart: backslash)
            var scalar = UInt32(unit)
            if (0xD800...0xDBFF).contains(unit) {
                let lowStart = position
                guard position + 1 < end, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                    throw error("lone high surrogate \\u\(hex(unit)) is not followed by a low surrogate", at: backslash)
                }
                position += 2
                let low = try parseHex4(escapeStart: lowStart)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw error("lone high surrogate \\u\(hex(unit)) is followed by \\u\(hex(low)), not a low surrogate", at: backslash)
                }
                scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(unit) {
                throw error("lone low surrogate \\u\(hex(unit))", at: backslash)
            }
            appendUTF8(scalar)
        default:
            throw error("invalid escape sequence '\\\(printable(code))'", at: backslash)
        }
    }

    private mutating func parseHex4(escapeStart: Int) throws(JSONSyntaxError) -> UInt16 {
        guard position + 4 <= end else {
            throw error("\\u escape needs four hex digits", at: escapeStart)
        }
        var value: UInt16 = 0
        for index in position..<position + 4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("\\u escape needs four hex digits", at: escapeStart)
            }
            value = value << 4 | UInt16(digit)
        }
        position += 4
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case ..<0x80:
            scratch.append(UInt8(scalar))
        case ..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Checks the multi-byte UTF-8 sequence that starts at `start` (Unicode 15, table 3-7:
    /// no overlong forms, no surrogates, nothing above U+10FFFF); returns the offset after it.
    private func endOfUTF8Sequence(at start: Int) throws(JSONSyntaxError) -> Int {
        let lead = bytes[start]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: throw error("invalid UTF-8 byte 0x\(hex(lead))", at: start)
        }
        guard start + length <= end else {
            throw error("truncated UTF-8 sequence", at: start)
        }
        guard secondRange.contains(bytes[start + 1]) else {
            throw error("invalid UTF-8 sequence", at: start)
        }
        for index in start + 2 ..< start + length where bytes[index] & 0xC0 != 0x80 {
            throw error("invalid UTF-8 sequence", at: start)
        }
        return start + length
    }

    private func controlCharacterError(_ byte: UInt8) -> JSONSyntaxError {
        error("control character U+00\(hex(byte)) must be escaped in a string", at: position)
    }

    // MARK: Helpers

    private mutating func skipWhitespace() {
        while position < end {
            switch bytes[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                position += 1
            default:
                return
            }
        }
    }

    /// Makes a string from bytes already checked to be valid UTF-8.
    private func makeString(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    private func error(_ message: String, at offset: Int) -> JSONSyntaxError {
        JSONSyntaxError(message, at: offset, in: bytes)
    }

    /// "character 'x'" for printable ASCII, "byte 0xFF" otherwise, for messages.
    private func describeByte(at offset: Int) -> String {
        let byte = bytes[offset]
        if byte >= 0x20 && byte < 0x7F { return "character '\(printable(byte))'" }
        return "byte 0x\(hex(byte))"
    }

    private func printable(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "\\x" + hex(byte)
    }

    private func hex(_ value: some BinaryInteger) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        let width = value.bitWidth <= 8 ? 2 : 4
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private func quoted(_ key: String) -> String {
        encodeJSON(.string(key))
    }
}
