// JSONWriter: a JSONValue written as JSON text, compact or pretty (2-space indent, like jq).
// Guarantees: the output is valid RFC 8259 JSON that parses back to an equal value; object
// keys keep insertion order; numbers are written as their literal text; "/" and non-ASCII
// text are not escaped; `"`, `\`, control characters and DEL always are.

/// Encodes a value as JSON text: compact (`{"a":1,"b":[true,null]}`) or, when `pretty`,
/// indented by two spaces per level with `"key": value` members, as `jq` prints.
/// No trailing newline.
public func encodeJSON(_ value: JSONValue, pretty: Bool = false) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(256)
    encodeJSON(value, pretty: pretty, into: &bytes)
    return String(decoding: bytes, as: UTF8.self)
}

/// Appends the JSON text of `value` to `buffer` (UTF-8), for callers that write many values.
public func encodeJSON(_ value: JSONValue, pretty: Bool = false, into buffer: inout [UInt8]) {
    var writer = JSONByteWriter(isPretty: pretty)
    swap(&writer.output, &buffer)
    writer.write(value, depth: 0)
    swap(&writer.output, &buffer)
}

/// Appends the JSON text of a string (quotes included) to `buffer`.
public func encodeJSONString(_ string: String, into buffer: inout [UInt8]) {
    var writer = JSONByteWriter(isPretty: false)
    swap(&writer.output, &buffer)
    writer.writeString(string)
    swap(&writer.output, &buffer)
}

/// Writes values into `output`. Recursion follows the value's nesting, which the parser
/// bounds for parsed values; values built in code are as deep as their author made them.
struct JSONByteWriter {
    var output: [UInt8] = []
    let isPretty: Bool

    init(isPretty: Bool) {
        self.isPretty = isPretty
    }

    mutating func write(_ value: JSONValue, depth: Int) {
        switch value {
        case .null:
            append("null")
        case .bool(let flag):
            append(flag ? "true" : "false")
        case .number(let number):
            output.append(contentsOf: number.text.utf8)
        case .string(let string):
            writeString(string)
        case .array(let elements):
            guard !elements.isEmpty else {
                append("[]")
                return
            }
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                newline(depth: depth + 1)
                write(element, depth: depth + 1)
            }
            newline(depth: depth)
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            guard !object.isEmpty else {
                append("{}")
                return
            }
            output.append(UInt8(ascii: "{"))
            var isFirst = true
            for (key, member) in object {
                if !isFirst { output.append(UInt8(ascii: ",")) }
                isFirst = false
                newline(depth: depth + 1)
                writeString(key)
                output.append(UInt8(ascii: ":"))
                if isPretty { output.append(UInt8(ascii: " ")) }
                write(member, depth: depth + 1)
            }
            newline(depth: depth)
            output.append(UInt8(ascii: "}"))
        }
    }

    mutating func writeString(_ string: String) {
        output.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            // Copy runs of bytes that need no escape in one append each.
            var runStart = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == 0x7F else {
                    continue
                }
                if runStart < index {
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                }
                appendEscape(for: byte)
                runStart = index + 1
            }
            if runStart < bytes.count {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscape(for byte: UInt8) {
        output.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""): output.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): output.append(UInt8(ascii: "\\"))
        case 0x0A: output.append(UInt8(ascii: "n"))
        case 0x09: output.append(UInt8(ascii: "t"))
        case 0x0D: output.append(UInt8(ascii: "r"))
        case 0x08: output.append(UInt8(ascii: "b"))
        case 0x0C: output.append(UInt8(ascii: "f"))
        default:
            let hexDigits: StaticString = "0123456789abcdef"
            output.append(UInt8(ascii: "u"))
            output.append(UInt8(ascii: "0"))
            output.append(UInt8(ascii: "0"))
            output.append(hexDigits.utf8Start[Int(byte >> 4)])
            output.append(hexDigits.utf8Start[Int(byte & 0x0F)])
        }
    }

    private mutating func newline(depth: Int) {
        guard isPretty else { return }
        output.append(UInt8(ascii: "\n"))
        for _ in 0..<depth * 2 { output.append(UInt8(ascii: " ")) }
    }

    private mutating func append(_ text: StaticString) {
        output.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
