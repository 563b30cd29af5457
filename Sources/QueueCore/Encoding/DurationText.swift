// DurationText: durations as people type them (`30`, `250ms`, `1h30m`) and as we print them.
// Guarantees: parsing is strict (no negatives, no unknown units, no stray text) and returns
// seconds; formatting is short, ASCII, and readable back by `parseDuration`.

/// Parses a duration into seconds.
///
/// Accepted: a bare number of seconds (`30`, `1.5`), or one or more `<number><unit>` parts,
/// optionally separated by spaces (`250ms`, `5m`, `1h30m`, `1h 30m`, `1.5 hours`). Units: `ms`,
/// `s`, `m`, `h`, `d`, `w`, and the words `sec(s)`, `second(s)`, `min(s)`, `minute(s)`,
/// `hr(s)`, `hour(s)`, `day(s)`, `week(s)`, `msec`, `millisecond(s)`. Each unit may appear once.
/// Rejected (nil): empty text, signs (`-5s`, `+5s`), `.5`, `5.`, exponents, unknown units.
public func parseDuration(_ text: String) -> Double? {
    let bytes = Array(text.utf8)
    var position = 0
    var end = bytes.count
    func isSpace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    func isLetter(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
    while position < end, isSpace(bytes[position]) { position += 1 }
    while end > position, isSpace(bytes[end - 1]) { end -= 1 }
    guard position < end else { return nil }

    var total = 0.0
    var usedUnits: [Double] = []
    while position < end {
        // The number: digits, optionally "." and more digits.
        let numberStart = position
        while position < end, isDigit(bytes[position]) { position += 1 }
        guard position > numberStart else { return nil }
        if position < end, bytes[position] == UInt8(ascii: ".") {
            position += 1
            let fractionStart = position
            while position < end, isDigit(bytes[position]) { position += 1 }
            guard position > fractionStart else { return nil }
        }
        guard let number = Double(String(decoding: bytes[numberStart..<position], as: UTF8.self)) else { return nil }

        // The unit (spaces before it are fine); a bare number is allowed only as the whole text.
        while position < end, isSpace(bytes[position]) { position += 1 }
        let unitStart = position
        while position < end, isLetter(bytes[position]) { position += 1 }
        let unit = String(decoding: bytes[unitStart..<position], as: UTF8.self)
        let secondsPerUnit: Double
        if unit.isEmpty {
            guard usedUnits.isEmpty, position == end else { return nil }
            secondsPerUnit = 1
        } else {
            guard let value = durationUnits[unit], !usedUnits.contains(value) else { return nil }
            secondsPerUnit = value
        }
        usedUnits.append(secondsPerUnit)
        total += number * secondsPerUnit
        while position < end, isSpace(bytes[position]) { position += 1 }
    }
    return total.isFinite ? total : nil
}

/// Seconds per unit, by every spelling `parseDuration` accepts.
private let durationUnits: [String: Double] = {
    var units: [String: Double] = [:]
    let spellings: [(Double, [String])] = [
        (0.001, ["ms", "msec", "msecs", "millisecond", "milliseconds"]),
        (1, ["s", "sec", "secs", "second", "seconds"]),
        (60, ["m", "min", "mins", "minute", "minutes"]),
        (3_600, ["h", "hr", "hrs", "hour", "hours"]),
        (86_400, ["d", "day", "days"]),
        (604_800, ["w", "week", "weeks"]),
    ]
    for (seconds, names) in spellings {
        for name in names { units[name] = seconds }
    }
    return units
}()

/// Formats seconds in a short human form, at most two units, lower parts truncated:
/// `0.25` → "250ms", `1.25` → "1.2s", `45` → "45s", `185` → "3m5s", `7380` → "2h3m",
/// `352800` → "4d2h", `0` → "0s", `0.0004` → "0.4ms" (a run that took any time never reads
/// as "0s"). Negative durations get a leading "-", infinity is
/// "forever" and NaN "?". For finite, non-negative input the result reads back with
/// `parseDuration` (to within the truncated part).
public func formatDuration(_ seconds: Double) -> String {
    if seconds.isNaN { return "?" }
    if seconds < 0 { return "-" + formatDuration(-seconds) }
    if seconds.isInfinite { return "forever" }
    // Whole milliseconds, clamped far beyond any real duration so the conversion cannot trap.
    let milliseconds = Int64(min((seconds * 1_000).rounded(), 9e18))
    switch milliseconds {
    case 0:
        guard seconds > 0 else { return "0s" }
        return "0.\(max(1, Int64((seconds * 10_000).rounded())))ms"
    case ..<1_000:
        return "\(milliseconds)ms"
    case ..<10_000:
        let tenths = milliseconds / 100
        return tenths % 10 == 0 ? "\(tenths / 10)s" : "\(tenths / 10).\(tenths % 10)s"
    default:
        let total = milliseconds / 1_000
        func twoUnits(_ major: Int64, _ majorUnit: String, _ minor: Int64, _ minorUnit: String) -> String {
            minor == 0 ? "\(major)\(majorUnit)" : "\(major)\(majorUnit)\(minor)\(minorUnit)"
        }
        switch total {
        case ..<60: return "\(total)s"
        case ..<3_600: return twoUnits(total / 60, "m", total % 60, "s")
        case ..<86_400: return twoUnits(total / 3_600, "h", total / 60 % 60, "m")
        default: return twoUnits(total / 86_400, "d", total / 3_600 % 24, "h")
        }
    }
}

/// Describes `target` relative to `now` in at most two units, truncated: "just now" (less
/// than a second apart), "in 8s", "3m5s ago", "in 1h30m", "5d2h ago".
public func formatRelative(_ target: Timestamp, now: Timestamp) -> String {
    let difference = target.secondsSince(now)
    let magnitude = abs(difference)
    guard magnitude >= 1 else { return "just now" }
    let amount = formatDuration(magnitude.rounded(.down))
    return difference > 0 ? "in \(amount)" : "\(amount) ago"
}
