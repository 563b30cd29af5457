// CronExpression: the five fields of crontab(5) (minute hour day-of-month month day-of-week) with
// lists, ranges, steps and the names of months and days, and the next time they match, in UTC or
// in the local zone. Day of month and day of week match either when both are restricted, as
// Vixie cron does. Daylight-saving days are handled as cron does: a job at a fixed time (neither
// minute nor hour starts with '*') whose time is skipped runs once just after the jump, and one
// whose time occurs twice runs once; other jobs follow the clock as it reads.

import QueueSystem

/// Where a schedule's times are read: UTC, or the system's local zone (libc, `TZ`).
public enum ScheduleZone: String, Sendable {
    case utc
    case local

    /// The wall-clock fields at `seconds` since the epoch.
    func wallTime(_ seconds: Int64) -> WallTime {
        switch self {
        case .local: return LocalTime.wallTime(secondsSinceEpoch: seconds)
        case .utc:
            let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
            let date = CivilDate(daysSinceEpoch: days)
            let ofDay = Int(seconds - days * 86_400)
            return WallTime(year: Int(date.year), month: date.month, day: date.day, hour: ofDay / 3600,
                            minute: ofDay / 60 % 60, weekday: Int(((days % 7) + 11) % 7), utcOffset: 0)
        }
    }
}

/// A parsed cron expression.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    /// Bit n set: value n matches.
    let minutes: UInt64, hours: UInt64, days: UInt64, months: UInt64, weekdays: UInt64
    let dayIsRestricted: Bool, weekdayIsRestricted: Bool
    /// Neither minute nor hour starts with '*': the job is at fixed times of the day (cron's DST rule).
    let isFixedTime: Bool
    /// The text as given.
    public let description: String

    /// A field of the expression, named in errors.
    public struct Field: Sendable {
        public let name: String
        let range: ClosedRange<Int>
        let names: [String]
        /// Names map to this value plus their index.
        let namesStart: Int

        static let minute = Field(name: "minute", range: 0...59, names: [], namesStart: 0)
        static let hour = Field(name: "hour", range: 0...23, names: [], namesStart: 0)
        static let day = Field(name: "day of month", range: 1...31, names: [], namesStart: 0)
        static let month = Field(name: "month", range: 1...12,
                                 names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
                                 namesStart: 1)
        static let weekday = Field(name: "day of week", range: 0...7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
                                   namesStart: 0)
        static let all = [minute, hour, day, month, weekday]
    }

    /// A bad expression: which field, and why.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let field: String
        public let reason: String
        public var description: String { "\(field): \(reason)" }
    }

    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    public init(parsing text: String) throws(ParseError) {
        let trimmed = text.trimmingWhitespace()
        let expanded = CronExpression.macros[trimmed.lowercased()] ?? trimmed
        let parts = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard parts.count == 5 else {
            throw ParseError(field: "expression", reason: "expected 5 fields (minute hour day-of-month month day-of-week), got \(parts.count)")
        }
        var sets: [UInt64] = []
        for (part, field) in zip(parts, Field.all) { sets.append(try CronExpression.parseField(part, field)) }
        minutes = sets[0]
        hours = sets[1]
        days = sets[2]
        months = sets[3]
        // 7 is Sunday too.
        weekdays = (sets[4] & 0x7F) | (sets[4] >> 7 & 1)
        dayIsRestricted = !parts[2].hasPrefix("*")
        weekdayIsRestricted = !parts[4].hasPrefix("*")
        isFixedTime = !parts[0].hasPrefix("*") && !parts[1].hasPrefix("*")
        description = trimmed
    }

    static func parseField(_ text: String, _ field: Field) throws(ParseError) -> UInt64 {
        var bits: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw ParseError(field: field.name, reason: "empty item in '\(text)'") }
            var rangeText = Substring(item)
            var step = 1
            if let slash = item.firstIndex(of: "/") {
                rangeText = item[..<slash]
                let stepText = item[item.index(after: slash)...]
                guard let value = Int(stepText), value > 0 else {
                    throw ParseError(field: field.name, reason: "step '\(stepText)' is not a positive number")
                }
                step = value
            }
            var low: Int, high: Int
            if rangeText == "*" {
                low = field.range.lowerBound
                high = field.name == "day of week" ? 6 : field.range.upperBound
            } else if let dash = rangeText.firstIndex(of: "-") {
                low = try value(rangeText[..<dash], field)
                high = try value(rangeText[rangeText.index(after: dash)...], field)
                guard low <= high else {
                    throw ParseError(field: field.name, reason: "range '\(rangeText)' runs backwards")
                }
            } else {
                low = try value(rangeText, field)
                // "5/15" means 5, 20, 35, 50 (from 5 to the end), as Vixie cron reads it.
                high = item.contains("/") ? field.range.upperBound : low
            }
            for n in stride(from: low, through: high, by: step) { bits |= 1 << UInt64(n) }
        }
        return bits
    }

    static func value(_ text: Substring, _ field: Field) throws(ParseError) -> Int {
        if let number = Int(text) {
            guard field.range.contains(number) else {
                throw ParseError(field: field.name, reason: "\(number) is out of range \(field.range.lowerBound)-\(field.range.upperBound)")
            }
            return number
        }
        if let index = field.names.firstIndex(of: text.lowercased()) { return field.namesStart + index }
        let expected = field.names.isEmpty
            ? "a number from \(field.range.lowerBound) to \(field.range.upperBound)"
            : "a number from \(field.range.lowerBound) to \(field.range.upperBound) or a name such as \(field.names[0])"
        throw ParseError(field: field.name, reason: "'\(text)' is not \(expected)")
    }

    // MARK: Matching

    private func has(_ set: UInt64, _ value: Int) -> Bool { set >> UInt64(value) & 1 == 1 }

    /// The date part: month, and day of month / day of week (either, when both are restricted).
    func matchesDate(_ wall: WallTime) -> Bool {
        guard has(months, wall.month) else { return false }
        let day = has(days, wall.day), weekday = has(weekdays, wall.weekday)
        if dayIsRestricted && weekdayIsRestricted { return day || weekday }
        return day && weekday
    }

    func matches(_ wall: WallTime) -> Bool {
        matchesDate(wall) && has(hours, wall.hour) && has(minutes, wall.minute)
    }

    /// The first minute strictly after `seconds` (since the epoch) at which the expression
    /// matches in `zone`; nil when none does within five years (such as "0 0 31 2 *").
    public func next(after seconds: Int64, in zone: ScheduleZone) -> Int64? {
        var minute = (seconds >= 0 ? seconds / 60 : (seconds - 59) / 60) * 60 + 60
        let end = minute + 5 * 366 * 86_400
        while minute < end {
            let wall = zone.wallTime(minute)
            if isFixedTime, let jump = wallJump(at: minute, wall: wall, zone: zone), jump > 0,
               skippedTimeMatches(before: wall, skippedMinutes: jump / 60) {
                return minute  // a fixed time the clock skipped: once, just after the jump
            }
            guard matchesDate(wall) && has(hours, wall.hour) else {
                minute += Int64(60 - wall.minute) * 60  // the next hour on the wall
                continue
            }
            if has(minutes, wall.minute) && !(isFixedTime && isSecondPass(minute, wall: wall, zone: zone)) {
                return minute
            }
            minute += 60
        }
        return nil
    }

    /// Seconds the wall clock jumped forward between the minute before `seconds` and it; nil if none.
    private func wallJump(at seconds: Int64, wall: WallTime, zone: ScheduleZone) -> Int? {
        guard zone == .local else { return nil }
        let before = zone.wallTime(seconds - 60).utcOffset
        return wall.utcOffset > before ? wall.utcOffset - before : nil
    }

    /// Whether a wall time the clock skipped (the `skippedMinutes` before `wall`) matches.
    private func skippedTimeMatches(before wall: WallTime, skippedMinutes: Int) -> Bool {
        let days = CivilDate(year: Int64(wall.year), month: wall.month, day: wall.day).daysSinceEpoch
        let base = days * 1440 + Int64(wall.hour * 60 + wall.minute)
        for back in 1...max(1, skippedMinutes) {
            let local = base - Int64(back)
            let day = local >= 0 ? local / 1440 : (local - 1439) / 1440
            let date = CivilDate(daysSinceEpoch: day)
            let ofDay = Int(local - day * 1440)
            let skipped = WallTime(year: Int(date.year), month: date.month, day: date.day, hour: ofDay / 60,
                                   minute: ofDay % 60, weekday: Int(((day % 7) + 11) % 7), utcOffset: 0)
            if matches(skipped) { return true }
        }
        return false
    }

    /// Whether the wall time at `seconds` was already shown once before (the clock went back).
    private func isSecondPass(_ seconds: Int64, wall: WallTime, zone: ScheduleZone) -> Bool {
        guard zone == .local else { return false }
        let shift = Int64(zone.wallTime(seconds - 3 * 3600).utcOffset - wall.utcOffset)
        guard shift > 0 else { return false }
        var earlier = zone.wallTime(seconds - shift)
        earlier.utcOffset = wall.utcOffset
        return earlier == wall
    }
}
