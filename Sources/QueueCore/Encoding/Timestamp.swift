// Timestamp: a UTC instant in whole microseconds since the Unix epoch, and its text forms.
// Guarantees: `iso8601` is `2026-11-22T15:30:12.250Z` (UTC, always milliseconds); `compact` is
// `20261122T153012.250Z`, fixed width, so names sort in time order for years 0000–9999.

import QueueSystem

/// An instant in time: whole microseconds since 1970-01-01T00:00:00Z (no time zone, no
/// leap seconds, like `CLOCK_REALTIME`). Parsing lives in `TimestampParsing.swift`.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z; negative before it.
    public let microseconds: Int64

    public init(microseconds: Int64) {
        self.microseconds = microseconds
    }

    /// The instant `seconds` after the epoch, rounded to the microsecond (clamped to the
    /// representable range; NaN gives the epoch).
    public init(secondsSinceEpoch seconds: Double) {
        self = Timestamp(microseconds: 0).adding(seconds: seconds)
    }

    /// The current time from the system's real-time clock.
    public static func now() -> Timestamp {
        Timestamp(microseconds: SystemClock.realtimeMicroseconds)
    }

    /// Seconds since the epoch, with microsecond precision.
    public var secondsSinceEpoch: Double {
        Double(microseconds) / 1_000_000
    }

    /// This instant moved by `seconds` (negative: earlier), rounded to the microsecond and
    /// clamped to the representable range. NaN leaves it unchanged.
    public func adding(seconds: Double) -> Timestamp {
        let delta = (seconds * 1_000_000).rounded()
        guard !delta.isNaN else { return self }
        // Doubles at the edge of Int64 cannot be converted, so clamp first.
        guard delta > -9.2e18 else { return Timestamp(microseconds: .min) }
        guard delta < 9.2e18 else { return Timestamp(microseconds: .max) }
        let (sum, overflow) = microseconds.addingReportingOverflow(Int64(delta))
        if overflow { return Timestamp(microseconds: delta < 0 ? .min : .max) }
        return Timestamp(microseconds: sum)
    }

    /// The seconds from `other` to this instant (positive when this one is later).
    public func secondsSince(_ other: Timestamp) -> Double {
        // Subtract in Double so that instants at the far ends of the range cannot overflow.
        (Double(microseconds) - Double(other.microseconds)) / 1_000_000
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.microseconds < rhs.microseconds
    }

    // MARK: Formatting

    /// ISO 8601 / RFC 3339 in UTC with milliseconds: `2026-11-22T15:30:12.250Z`.
    /// Sub-millisecond digits are truncated (an instant never prints as later than it is).
    public var iso8601: String {
        format(dateSeparator: UInt8(ascii: "-"), timeSeparator: UInt8(ascii: ":"))
    }

    /// The same instant for file names: `20261122T153012.250Z`. Always 20 characters for years
    /// 0000–9999, so a plain byte-wise sort is a sort by time.
    public var compact: String {
        format(dateSeparator: nil, timeSeparator: nil)
    }

    public var description: String { iso8601 }

    /// The broken-down UTC fields of this instant.
    var components: (date: CivilDate, hour: Int, minute: Int, second: Int, millisecond: Int) {
        let microsecondsPerDay: Int64 = 86_400_000_000
        // Floor division, so that instants before 1970 land on the right day.
        var days = microseconds / microsecondsPerDay
        var remainder = microseconds % microsecondsPerDay
        if remainder < 0 {
            days -= 1
            remainder += microsecondsPerDay
        }
        let milliseconds = Int(remainder / 1_000)
        return (
            date: CivilDate(daysSinceEpoch: days),
            hour: milliseconds / 3_600_000,
            minute: milliseconds / 60_000 % 60,
            second: milliseconds / 1_000 % 60,
            millisecond: milliseconds % 1_000
        )
    }

    private func format(dateSeparator: UInt8?, timeSeparator: UInt8?) -> String {
        let (date, hour, minute, second, millisecond) = components
        var text: [UInt8] = []
        text.reserveCapacity(24)
        func appendDigits(_ value: Int, width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 {
                text.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        if (0...9999).contains(date.year) {
            appendDigits(Int(date.year), width: 4)
        } else {
            // ISO 8601 expanded years; outside the range a queue will ever see.
            text.append(date.year < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            let digits = String(date.year.magnitude)
            text.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(0, 6 - digits.utf8.count)))
            text.append(contentsOf: digits.utf8)
        }
        if let dateSeparator { text.append(dateSeparator) }
        appendDigits(date.month, width: 2)
        if let dateSeparator { text.append(dateSeparator) }
        appendDigits(date.day, width: 2)
        text.append(UInt8(ascii: "T"))
        appendDigits(hour, width: 2)
        if let timeSeparator { text.append(timeSeparator) }
        appendDigits(minute, width: 2)
        if let timeSeparator { text.append(timeSeparator) }
        appendDigits(second, width: 2)
        text.append(UInt8(ascii: "."))
        appendDigits(millisecond, width: 3)
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }
}

extension FileStatus {
    /// When the file's data last changed.
    public var modified: Timestamp { Timestamp(microseconds: modifiedMicroseconds) }
    /// When the file's data or metadata (a rename, a link) last changed.
    public var changed: Timestamp { Timestamp(microseconds: changedMicroseconds) }
}
