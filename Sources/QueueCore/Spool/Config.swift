// Config: the spool's settings in SPOOL/config.json, each key with a type, a range and a default.
// `config set` validates before it writes, and writes the whole file atomically (tmp, fsync, rename).

/// The spool's settings. Unset keys take their defaults; unknown keys in the file are kept.
public struct Config: Sendable {
    /// One setting: its name, what it means and how its values are checked.
    public struct Key: Sendable {
        public let name: String
        public let help: String
        public let defaultValue: JSONValue
        let parse: @Sendable (String) -> Result<JSONValue, QueueError>
        let check: @Sendable (JSONValue) -> String?
    }

    public private(set) var values: JSONObject { didSet { settings = Settings(values) } }
    private var settings: Settings

    public init(values: JSONObject = JSONObject()) {
        self.values = values
        settings = Settings(values)
    }

    public static let keys: [Key] = [
        .integer("max_retries", "Retries after the first run before a job goes to the DLQ.", 3, 0...1_000_000),
        .number("backoff_base", "A failed job waits backoff_base ^ attempts seconds before its retry.", 2, minimum: 1, maximum: 1000),
        .number("backoff_max", "The longest wait before a retry, in seconds.", 3600, minimum: 0, maximum: 31_536_000),
        .optionalNumber("timeout_sec", "Default run time limit in seconds; null for none.", minimum: 0.001),
        .number("lease_sec", "A claim whose worker has not heartbeated for this long is taken back (other hosts).", 30, minimum: 1, maximum: 86_400),
        .number("poll_interval", "Seconds between folder rescans when change events do not arrive.", 1, minimum: 0.01, maximum: 3600),
        .integer("max_log_bytes", "Bytes of output kept per job (the last ones).", 1_048_576, 1024...1_073_741_824),
        .integer("max_job_bytes", "Largest job file read from pending/; larger ones are quarantined.", 1_048_576, 1024...67_108_864),
        .boolean("allow_group_write", "Run jobs from a spool that the owner's group may write to (a shared queue).", false),
        .boolean("fsync", "fsync each file and folder before and after each rename (durability).", true),
        .integers("permanent_exit_codes", "Exit statuses that send a job straight to the DLQ."),
        .optionalString("on_complete", "A shell command run after a job completes (the record on stdin)."),
        .optionalString("on_dead", "A shell command run after a job lands in the DLQ (the record on stdin)."),
        .number("hook_timeout_sec", "Seconds a hook may run before its process group is killed.", 10, minimum: 0.1, maximum: 3600),
        .number("stop_grace_sec", "Seconds between SIGTERM and SIGKILL when a job times out or is stopped.", 5, minimum: 0, maximum: 3600),
    ]

    /// Finds a key by its name, accepting '-' for '_' (`max-retries`).
    public static func key(named name: String) throws(QueueError) -> Key {
        let normalized = name.replacing("-", with: "_")
        if let key = keys.first(where: { $0.name == normalized }) { return key }
        let suggestion = keys.map(\.name).min { editDistance($0, normalized) < editDistance($1, normalized) }
            .flatMap { editDistance($0, normalized) <= 3 ? $0 : nil }
        throw .unknownConfigKey(name, suggestion: suggestion)
    }

    public func value(_ key: Key) -> JSONValue { values[key.name] ?? key.defaultValue }

    /// Parses and checks a value given on the command line, then stores it.
    public mutating func set(_ name: String, to text: String) throws(QueueError) {
        let key = try Config.key(named: name)
        let value = try key.parse(text).get()
        if let reason = key.check(value) { throw .invalidConfig(key: key.name, reason: reason) }
        values[key.name] = value
    }

    /// Reads a config object (from config.json), checking every known key.
    public static func decode(_ value: JSONValue) throws(QueueError) -> Config {
        guard case .object(let object) = value else {
            throw .invalidConfig(key: "config.json", reason: "expected a JSON object")
        }
        for (name, value) in object {
            guard let key = keys.first(where: { $0.name == name }) else { continue }
            if let reason = key.check(value) { throw .invalidConfig(key: name, reason: reason) }
        }
        return Config(values: object)
    }

    // Typed accessors used by the queue: read on hot paths (every loop of a worker), so they are
    // decoded once per change of `values`, not looked up by name each time.
    public var maxRetries: Int { settings.maxRetries }
    public var backoffBase: Double { settings.backoffBase }
    public var backoffMax: Double { settings.backoffMax }
    public var timeoutSeconds: Double? { settings.timeoutSeconds }
    public var leaseSeconds: Double { settings.leaseSeconds }
    public var pollInterval: Double { settings.pollInterval }
    public var maxLogBytes: Int { settings.maxLogBytes }
    public var maxJobBytes: Int { settings.maxJobBytes }
    public var allowsGroupWrite: Bool { settings.allowsGroupWrite }
    public var isDurable: Bool { settings.isDurable }
    public var permanentExitCodes: [Int] { settings.permanentExitCodes }
    public var stopGraceSeconds: Double { settings.stopGraceSeconds }
    public var hookTimeoutSeconds: Double { settings.hookTimeoutSeconds }
    /// The hook command for jobs that land in `state` (completed or dead), if one is set.
    public func hook(for state: JobState) -> String? {
        switch state {
        case .completed: settings.onComplete
        case .dead: settings.onDead
        default: nil
        }
    }

    /// The typed values of `values`, each falling back to its key's default.
    struct Settings: Sendable {
        var maxRetries, maxLogBytes, maxJobBytes: Int
        var backoffBase, backoffMax, leaseSeconds, pollInterval, stopGraceSeconds, hookTimeoutSeconds: Double
        var timeoutSeconds: Double?
        var allowsGroupWrite, isDurable: Bool
        var permanentExitCodes: [Int]
        var onComplete, onDead: String?

        init(_ values: JSONObject) {
            func value(_ name: String) -> JSONValue {
                values[name] ?? Config.keys.first { $0.name == name }!.defaultValue
            }
            func number(_ name: String) -> Double { value(name).doubleValue ?? 0 }
            maxRetries = Int(number("max_retries"))
            maxLogBytes = Int(number("max_log_bytes"))
            maxJobBytes = Int(number("max_job_bytes"))
            backoffBase = number("backoff_base")
            backoffMax = number("backoff_max")
            leaseSeconds = number("lease_sec")
            pollInterval = number("poll_interval")
            stopGraceSeconds = number("stop_grace_sec")
            hookTimeoutSeconds = number("hook_timeout_sec")
            timeoutSeconds = value("timeout_sec").doubleValue
            allowsGroupWrite = value("allow_group_write").boolValue ?? false
            isDurable = value("fsync").boolValue ?? true
            permanentExitCodes = value("permanent_exit_codes").arrayValue?.compactMap(\.intValue) ?? []
            onComplete = value("on_complete").stringValue
            onDead = value("on_dead").stringValue
        }
    }
}

extension Config.Key {
    static func integer(_ name: String, _ help: String, _ defaultValue: Int, _ range: ClosedRange<Int>) -> Config.Key {
        Config.Key(name: name, help: help, defaultValue: .number(JSONNumber(defaultValue)),
            parse: { text in
                guard let number = Int(text.trimmingWhitespace()) else {
                    return .failure(.invalidConfig(key: name, reason: "'\(text)' is not an integer; expected \(range.lowerBound) to \(range.upperBound)"))
                }
                return .success(.number(JSONNumber(number)))
            },
            check: { value in
                guard let number = value.intValue, range.contains(number) else {
                    return "expected an integer from \(range.lowerBound) to \(range.upperBound), got \(encodeJSON(value))"
                }
                return nil
            })
    }

    static func number(_ name: String, _ help: String, _ defaultValue: Double, minimum: Double, maximum: Double) -> Config.Key {
        Config.Key(name: name, help: help, defaultValue: .number(JSONNumber(defaultValue)),
            parse: { text in
                guard let number = Double(text.trimmingWhitespace()), number.isFinite else {
                    return .failure(.invalidConfig(key: name, reason: "'\(text)' is not a number; expected \(formatNumber(minimum)) to \(formatNumber(maximum))"))
                }
                return .success(.number(JSONNumber(number)))
            },
            check: { value in
                guard let number = value.doubleValue, number >= minimum, number <= maximum else {
                    return "expected a number from \(formatNumber(minimum)) to \(formatNumber(maximum)), got \(encodeJSON(value))"
                }
                return nil
            })
    }

    static func optionalNumber(_ name: String, _ help: String, minimum: Double) -> Config.Key {
        Config.Key(name: name, help: help, defaultValue: .null,
            parse: { text in
                let trimmed = text.trimmingWhitespace()
                if ["null", "none", ""].contains(trimmed.lowercased()) { return .success(.null) }
                guard let number = Double(trimmed), number.isFinite else {
                    return .failure(.invalidConfig(key: name, reason: "'\(text)' is not a number of seconds (or 'none')"))
                }
                return .success(.number(JSONNumber(number)))
            },
            check: { value in
                if value == .null { return nil }
                guard let number = value.doubleValue, number >= minimum else {
                    return "expected a number of seconds greater than 0, or null, got \(encodeJSON(value))"
                }
                return nil
            })
    }

    static func optionalString(_ name: String, _ help: String) -> Config.Key {
        Config.Key(name: name, help: help, defaultValue: .null,
            parse: { text in
                let trimmed = text.trimmingWhitespace()
                return .success(["", "null", "none"].contains(trimmed.lowercased()) ? .null : .string(trimmed))
            },
            check: { value in
                value == .null || value.stringValue != nil ? nil : "expected a string or null, got \(encodeJSON(value))"
            })
    }

    static func boolean(_ name: String, _ help: String, _ defaultValue: Bool) -> Config.Key {
        Config.Key(name: name, help: help, defaultValue: .bool(defaultValue),
            parse: { text in
                switch text.trimmingWhitespace().lowercased() {
                case "true", "yes", "on", "1": .success(.bool(true))
                case "false", "no", "off", "0": .success(.bool(false))
                default: .failure(.invalidConfig(key: name, reason: "'\(text)' is not a boolean; expected true or false"))
                }
            },
            check: { value in value.boolValue == nil ? "expected true or false, got \(encodeJSON(value))" : nil })
    }

    static func integers(_ name: String, _ help: String) -> Config.Key {
        Config.Key(name: name, help: help, defaultValue: .array([]),
            parse: { text in
                let parts = text.split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
                var numbers: [JSONValue] = []
                for part in parts {
                    guard let number = Int(part), (0...255).contains(number) else {
                        return .failure(.invalidConfig(key: name, reason: "'\(part)' is not an exit status (0 to 255); give a comma-separated list such as 100,101"))
                    }
                    numbers.append(.number(JSONNumber(number)))
                }
                return .success(.array(numbers))
            },
            check: { value in
                guard let items = value.arrayValue, items.allSatisfy({ ($0.intValue).map { (0...255).contains($0) } ?? false }) else {
                    return "expected an array of exit statuses from 0 to 255, got \(encodeJSON(value))"
                }
                return nil
            })
    }
}

/// Prints 2 as "2" and 0.5 as "0.5".
func formatNumber(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    func trimmingWhitespace() -> String {
        let bytes = Array(utf8)
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        guard let start = bytes.firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = bytes.lastIndex(where: { !isSpace($0) })!
        return String(decoding: bytes[start...end], as: UTF8.self)
    }
}
