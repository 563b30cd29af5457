// Retention: how many finished jobs a spool keeps, and for how long (`keep_completed`, `keep_dead`).
// A count (`10000`), an age (`7d`), both (`7d,10000`: whichever limit is reached first) or `all`.
// Parsing is strict; `text` is one canonical form that parses back to the same value.

/// A limit on the jobs kept in completed/ or dead/; nil parts are no limit.
public struct Retention: Sendable, Equatable, CustomStringConvertible {
    /// Keep at most this many (the newest).
    public var count: Int?
    /// Keep none that finished longer ago than this many seconds.
    public var age: Double?

    public init(count: Int? = nil, age: Double? = nil) {
        self.count = count
        self.age = age
    }

    public static let all = Retention()

    /// True when nothing is ever removed.
    public var keepsAll: Bool { count == nil && age == nil }

    /// Reads `all`, `10000`, `7d`, `7d,10000` or `10000,7d` (a duration as `parseDuration` reads it).
    public init?(parsing text: String) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace() }
        if parts.map({ $0.lowercased() }) == ["all"] {
            self = .all
            return
        }
        guard (1...2).contains(parts.count) else { return nil }
        var count: Int?
        var age: Double?
        for part in parts {
            if !part.isEmpty, part.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                guard count == nil, let number = Int(part), number <= 1_000_000_000 else { return nil }
                count = number
            } else {
                // An age needs its unit: a bare "1.5" is neither a count nor clearly seconds.
                guard age == nil, Double(part) == nil, let seconds = parseDuration(part), seconds > 0 else { return nil }
                age = seconds
            }
        }
        self.init(count: count, age: age)
    }

    /// `7d,10000`, `10000`, `36h`, `all`.
    public var text: String {
        if keepsAll { return "all" }
        return [age.map(Retention.exactDuration), count.map(String.init)].compactMap { $0 }.joined(separator: ",")
    }

    public var description: String { text }

    /// A sentence for `status`: "the newest 10000, none older than 7d".
    public var summary: String {
        switch (count, age) {
        case (nil, nil): "all"
        case (let count?, nil): "the newest \(count)"
        case (nil, let age?): "those of the last \(Retention.exactDuration(age))"
        case (let count?, let age?): "the newest \(count), none older than \(Retention.exactDuration(age))"
        }
    }

    /// Seconds in the largest unit that divides them exactly (`604800` → `7d`), so the text reads
    /// back to the same number (`formatDuration` truncates).
    static func exactDuration(_ seconds: Double) -> String {
        guard seconds == seconds.rounded(), seconds < 1e15 else { return formatNumber(seconds) + "s" }
        let whole = Int64(seconds)
        for (unit, size) in [("d", Int64(86_400)), ("h", 3_600), ("m", 60)] where whole % size == 0 {
            return "\(whole / size)\(unit)"
        }
        return "\(whole)s"
    }

    /// The value stored in config.json: the text, or a plain count as a JSON number.
    var jsonValue: JSONValue { .string(text) }

    /// Reads a stored value: a string in any form `init(parsing:)` accepts, or a JSON integer (a count).
    init?(_ value: JSONValue) {
        if let text = value.stringValue {
            self.init(parsing: text)
        } else if let number = value.intValue, number >= 0 {
            self.init(count: number)
        } else {
            return nil
        }
    }
}
