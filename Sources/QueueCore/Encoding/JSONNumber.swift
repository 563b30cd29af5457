// JSONNumber: a JSON number kept as its literal text.
// Guarantees: a number read from JSON is written back byte for byte ("1.50" stays "1.50",
// "12345678901234567890" stays exact); conversions to Int/Double happen only on request.

/// A JSON number, stored as its literal text so that no precision is ever lost in transit.
///
/// Equality compares the literal text: `1.0` and `1` are different literals and therefore
/// not equal (use ``int`` or ``double`` to compare values).
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The literal text, always valid RFC 8259 number syntax (e.g. `-12`, `1.50`, `6.02e23`).
    public let text: String

    /// Makes a number from literal text; nil unless `text` is valid RFC 8259 number syntax
    /// (no leading `+`, no leading zeros, no `NaN`/`Infinity`, no surrounding spaces).
    public init?(_ text: String) {
        guard Self.isValidLiteral(text) else { return nil }
        self.text = text
    }

    /// Makes a number from text the caller has already checked (the parser).
    init(validatedText: String) {
        self.text = validatedText
    }

    /// Makes a number from any integer; the literal is its decimal form.
    public init(_ value: some BinaryInteger) {
        self.text = String(value)
    }

    /// Makes a number from an `Int` (this overload makes `JSONNumber(42)` pick `Int`, not `Double`).
    public init(_ value: Int) {
        self.text = String(value)
    }

    /// Makes a number from a finite double. NaN and the infinities cannot be written in JSON:
    /// passing one is a programming error (it traps, like `Int(Double.nan)`); use
    /// ``init(exactly:)`` when the value may not be finite.
    ///
    /// Integral values below 2^53 are written without a fraction (`2.0` → `2`, so that ``int``
    /// reads them back); others use Swift's shortest round-tripping form (`0.1`, `1e-07`).
    public init(_ value: Double) {
        precondition(value.isFinite, "JSON cannot represent \(value)")
        if value.rounded(.towardZero) == value, abs(value) < 9_007_199_254_740_992 {
            self.text = String(Int64(value))
        } else {
            self.text = value.description
        }
    }

    /// Makes a number from a double; nil for NaN and the infinities, which JSON cannot hold.
    public init?(exactly value: Double) {
        guard value.isFinite else { return nil }
        self.init(value)
    }

    public var description: String { text }

    /// True when the literal has no fraction and no exponent (`42`, `-7`, any size).
    public var isIntegerLiteral: Bool {
        !text.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }

    /// The value as an `Int`, or nil when the literal is not an integer literal that fits.
    ///
    /// Only plain integer literals convert: `3.0`, `1e3` and `12345678901234567890` give nil.
    /// This is deliberate: a field declared as an integer should be written as one.
    public var int: Int? {
        var result = 0
        var isNegative = false
        var sawDigit = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "-") where !sawDigit && !isNegative:
                isNegative = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                sawDigit = true
                let digit = Int(byte &- UInt8(ascii: "0"))
                let (shifted, overflow1) = result.multipliedReportingOverflow(by: 10)
                // Accumulate negatively so that Int.min is reachable.
                let (next, overflow2) = isNegative
                    ? shifted.subtractingReportingOverflow(digit)
                    : shifted.addingReportingOverflow(digit)
                if overflow1 || overflow2 { return nil }
                result = next
            default:
                return nil
            }
        }
        return sawDigit ? result : nil
    }

    /// The value as the nearest `Double`, or nil when it is out of `Double`'s finite range
    /// (`1e400`). Large integers convert with rounding, like every JSON reader that uses doubles.
    public var double: Double? {
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// Checks RFC 8259 number syntax: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    static func isValidLiteral(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            JSONNumberSyntax.scan(buffer, from: 0) == .valid(end: buffer.count)
        }
    }
}

extension JSONNumber: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) {
        self.init(value)
    }
}

extension JSONNumber: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) {
        self.init(value)
    }
}

/// The number grammar, shared by the parser and `JSONNumber.init?(_:)`.
enum JSONNumberSyntax: Equatable {
    /// The number ends just before `end`.
    case valid(end: Int)
    /// The problem and the offset of the offending byte.
    case invalid(reason: Reason, at: Int)

    enum Reason: Equatable {
        case missingDigit        // "-", "1.", "1e+" or a non-digit where a digit must be
        case leadingZero         // "01"
        case notANumber          // "NaN", "Infinity", "-Infinity"
    }

    /// Scans one number starting at `start`; stops at the first byte that cannot continue it.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> JSONNumberSyntax {
        var position = start
        let end = bytes.count
        @inline(__always) func isDigit(_ at: Int) -> Bool {
            at < end && bytes[at] >= UInt8(ascii: "0") && bytes[at] <= UInt8(ascii: "9")
        }
        if position < end, bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard isDigit(position) else {
            if position < end, bytes[position] == UInt8(ascii: "I") || bytes[position] == UInt8(ascii: "N") {
                return .invalid(reason: .notANumber, at: position)
            }
            return .invalid(reason: .missingDigit, at: position)
        }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if isDigit(position) { return .invalid(reason: .leadingZero, at: position - 1) }
        } else {
            while isDigit(position) { position += 1 }
        }
        if position < end, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard isDigit(position) else { return .invalid(reason: .missingDigit, at: position) }
            while isDigit(position) { position += 1 }
        }
        if position < end, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < end, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard isDigit(position) else { return .invalid(reason: .missingDigit, at: position) }
            while isDigit(position) { position += 1 }
        }
        return .valid(end: position)
    }
}
