// JSONValue: one JSON document as a plain Swift value (no Foundation, no Codable).
// Guarantees: it holds exactly what RFC 8259 allows; numbers keep their literal text and
// objects their member order, so parse → encode reproduces the data without loss.

/// A JSON value: null, a boolean, a number, a string, an array or an object.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// A number from a double; NaN and the infinities become `null` (as JavaScript's
    /// `JSON.stringify` does), because JSON has no way to write them.
    public init(_ value: Double) {
        if let number = JSONNumber(exactly: value) {
            self = .number(number)
        } else {
            self = .null
        }
    }

    /// A number from any integer.
    public init(_ value: some BinaryInteger) {
        self = .number(JSONNumber(value))
    }

    /// A number from an `Int` (this overload makes `JSONValue(42)` pick `Int`, not `Double`).
    public init(_ value: Int) {
        self = .number(JSONNumber(value))
    }

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, if this is a number written as an integer that fits an `Int`
    /// (`3.0` and `1e3` give nil; see ``JSONNumber/int``).
    public var intValue: Int? {
        if case .number(let number) = self { return number.int }
        return nil
    }

    /// The number as a double, if this is a number in `Double`'s finite range.
    public var doubleValue: Double? {
        if case .number(let number) = self { return number.double }
        return nil
    }

    /// The boolean, if this is `true` or `false`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members, if this is an object.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The member named `key`, if this is an object that has one.
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// The JSON type's name for messages: "null", "boolean", "number", "string", "array",
    /// "object" (as in "expected a string, got a number").
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

extension JSONValue: CustomStringConvertible {
    /// The compact JSON text of the value.
    public var description: String { encodeJSON(self) }
}

extension JSONValue: ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(floatLiteral value: Double) { self = .number(JSONNumber(value)) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
}
