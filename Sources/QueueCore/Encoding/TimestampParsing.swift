// TimestampParsing: reading ISO 8601 / RFC 3339 times and the compact file-name form back.
// Guarantees: every field is range-checked (days per month with leap years); anything not
// matching the documented forms exactly gives nil rather than a guess.

extension Timestamp {
    /// Parses an ISO 8601 / RFC 3339 time. Accepted forms:
    ///
    /// - `2026-11-22T15:30:12Z`, with optional fractional seconds of any length after `.` or `,`
    ///   (truncated to microseconds): `2026-11-22T15:30:12.250Z`
    /// - seconds may be left out: `2026-11-22T15:30Z`
    /// - `Z`, or an offset `±HH:MM`, `±HHMM` or `±HH`: `2026-11-22T17:30:12+02:00`
    /// - `t`, `z` in lowercase, and a space instead of `T` (as RFC 3339 allows)
    /// - a date alone, `2026-11-22`, meaning midnight UTC
    ///
    /// A time without `Z` or an offset is rejected: it would depend on the local time zone.
    /// Leap seconds (`:60`) are rejected too. Years are 0000–9999, in UTC as well: an offset that
    /// moves the instant out of them (`0000-01-01T00:00+01:00`) is rejected, since it would not
    /// print back in this form.
    public init?(iso8601 text: String) {
        var cursor = DigitCursor(text)
        guard let year = cursor.number(digits: 4), cursor.skip("-"),
              let month = cursor.number(digits: 2), cursor.skip("-"),
              let day = cursor.number(digits: 2)
        else { return nil }
        if cursor.isAtEnd {
            self.init(year: year, month: month, day: day, hour: 0, minute: 0, second: 0, microsecond: 0, offsetMinutes: 0)
            return
        }
        guard cursor.skip("T") || cursor.skip("t") || cursor.skip(" "),
              let hour = cursor.number(digits: 2), cursor.skip(":"),
              let minute = cursor.number(digits: 2)
        else { return nil }
        var second = 0
        var microsecond = 0
        if cursor.skip(":") {
            guard let value = cursor.number(digits: 2) else { return nil }
            second = value
            if cursor.skip(".") || cursor.skip(",") {
                guard let fraction = cursor.fractionInMicroseconds() else { return nil }
                microsecond = fraction
            }
        }
        guard let offsetMinutes = cursor.zoneOffsetInMinutes(), cursor.isAtEnd else { return nil }
        self.init(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                  microsecond: microsecond, offsetMinutes: offsetMinutes)
    }

    /// Parses exactly the ``compact`` form, `20261122T153012.250Z` (20 characters).
    public init?(compact text: String) {
        var cursor = DigitCursor(text)
        guard let year = cursor.number(digits: 4),
              let month = cursor.number(digits: 2),
              let day = cursor.number(digits: 2), cursor.skip("T"),
              let hour = cursor.number(digits: 2),
              let minute = cursor.number(digits: 2),
              let second = cursor.number(digits: 2), cursor.skip("."),
              let millisecond = cursor.number(digits: 3), cursor.skip("Z"), cursor.isAtEnd
        else { return nil }
        self.init(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                  microsecond: millisecond * 1_000, offsetMinutes: 0)
    }

    /// The instants of the years 0000 to 9999 UTC: those that `iso8601` and `compact` print
    /// with four-digit years, and so the only ones that parse back.
    static let fourDigitYears: ClosedRange<Int64> = -62_167_219_200_000_000...253_402_300_799_999_999

    /// Builds an instant from local fields and the local offset from UTC; nil when a field
    /// is out of range or the instant is outside `fourDigitYears`.
    init?(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, microsecond: Int, offsetMinutes: Int) {
        guard (1...12).contains(month),
              (1...CivilDate.daysInMonth(month, year: Int64(year))).contains(day),
              (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second),
              (0...999_999).contains(microsecond)
        else { return nil }
        let days = CivilDate(year: Int64(year), month: month, day: day).daysSinceEpoch
        let localSeconds = days * 86_400 + Int64(hour * 3_600 + minute * 60 + second)
        let utcSeconds = localSeconds - Int64(offsetMinutes * 60)
        let microseconds = utcSeconds * 1_000_000 + Int64(microsecond)
        guard Timestamp.fourDigitYears.contains(microseconds) else { return nil }
        self.init(microseconds: microseconds)
    }
}

/// Reads fixed-width ASCII fields from the UTF-8 bytes of a string.
private struct DigitCursor {
    private let bytes: [UInt8]
    private var position = 0

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    var isAtEnd: Bool { position == bytes.count }

    /// Consumes `character` if it is next.
    mutating func skip(_ character: Unicode.Scalar) -> Bool {
        guard position < bytes.count, bytes[position] == UInt8(ascii: character) else { return false }
        position += 1
        return true
    }

    /// Consumes exactly `digits` decimal digits and returns their value.
    mutating func number(digits: Int) -> Int? {
        guard position + digits <= bytes.count else { return nil }
        var value = 0
        for index in position..<position + digits {
            guard let digit = digitValue(bytes[index]) else { return nil }
            value = value * 10 + digit
        }
        position += digits
        return value
    }

    /// Consumes one or more digits of a fraction of a second; digits past the sixth are
    /// checked and dropped (truncation).
    mutating func fractionInMicroseconds() -> Int? {
        var value = 0
        var count = 0
        while position < bytes.count, let digit = digitValue(bytes[position]) {
            if count < 6 { value = value * 10 + digit }
            count += 1
            position += 1
        }
        guard count > 0 else { return nil }
        for _ in count..<max(count, 6) { value *= 10 }
        return value
    }

    /// Consumes `Z`/`z` (offset 0) or `±HH:MM`, `±HHMM`, `±HH`; returns minutes east of UTC.
    mutating func zoneOffsetInMinutes() -> Int? {
        if skip("Z") || skip("z") { return 0 }
        let sign: Int
        if skip("+") {
            sign = 1
        } else if skip("-") {
            sign = -1
        } else {
            return nil
        }
        guard let hours = number(digits: 2), hours <= 23 else { return nil }
        var minutes = 0
        if skip(":") {
            guard let value = number(digits: 2) else { return nil }
            minutes = value
        } else if !isAtEnd {
            guard let value = number(digits: 2) else { return nil }
            minutes = value
        }
        guard minutes <= 59 else { return nil }
        return sign * (hours * 60 + minutes)
    }

    private func digitValue(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }
}
