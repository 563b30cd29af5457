// JobRecord: the JSON record of one job, as `cat` shows it.
// Decoding checks every field and reports every problem at once; unknown fields are kept as they came.

/// One job. Known fields are typed; any other field of the JSON is kept in `extra` and written back.
public struct JobRecord: Sendable {
    public var id: JobID
    public var command: String
    public var state: JobState
    public var attempts: Int
    /// Runs started over the job's whole life: unlike `attempts`, never reset (by `dlq retry`,
    /// `requeue`), so each run in the job's log has its own number. Records written before this
    /// field existed count from their attempts.
    public var runs: Int
    public var maxRetries: Int
    public var priority: Int
    public var runAt: Timestamp
    public var timeoutSeconds: Double?
    public var cwd: String?
    public var environment: [(name: String, value: String)]
    public var after: [JobID]
    public var permanentExitCodes: [Int]?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    public var startedAt: Timestamp?
    public var finishedAt: Timestamp?
    public var durationSeconds: Double?
    public var exitCode: Int?
    public var lastError: String?
    public var worker: String?
    public var nextRunAt: Timestamp?
    /// The group whose concurrency limit and pause apply (`default` when the file has none).
    public var group: String
    /// Fields this version does not know, kept for forward compatibility.
    public var extra: JSONObject

    public static let priorityRange = -1000...1000
    /// The group of a job that names none (every job written before groups existed).
    public static let defaultGroup = "default"

    public init(id: JobID, command: String, maxRetries: Int, now: Timestamp) {
        self.id = id
        self.command = command
        state = .pending
        attempts = 0
        runs = 0
        self.maxRetries = maxRetries
        priority = 0
        runAt = now
        environment = []
        after = []
        createdAt = now
        updatedAt = now
        group = JobRecord.defaultGroup
        extra = JSONObject()
    }

    /// What a decoder fills in for fields a producer left out.
    public struct Defaults: Sendable {
        public var maxRetries: Int
        public var cwd: String?
        public var now: Timestamp
        public init(maxRetries: Int, cwd: String?, now: Timestamp) {
            self.maxRetries = maxRetries
            self.cwd = cwd
            self.now = now
        }
    }

    /// Field names this version owns; `unique` is an instruction to enqueue, never stored.
    static let knownFields: Set<String> = [
        "id", "command", "state", "attempts", "max_retries", "priority", "run_at", "timeout_sec", "cwd",
        "env", "after", "permanent_exit_codes", "created_at", "updated_at", "started_at", "finished_at",
        "duration_sec", "exit_code", "last_error", "worker", "next_run_at", "runs", "group",
    ]

    /// The known field that `key`, an unknown field, most likely misspells: the same name in
    /// another case or with `-` for `_` (`Max-Retries`), the name without its unit (`timeout`
    /// for `timeout_sec`), or one edit away (two for names of 5 letters or more). Names of one
    /// or two letters are never taken for typos: they are too likely to be meant.
    public static func likelyTypo(_ key: String) -> String? {
        guard !knownFields.contains(key), key != "unique" else { return nil }
        let candidates = knownFields.sorted() + ["unique"]
        let normalized = key.lowercased().replacing("-", with: "_")
        if let same = candidates.first(where: { $0 == normalized || $0.hasPrefix(normalized + "_") && normalized.count >= 3 }) {
            return same
        }
        guard key.count >= 3, let closest = closestMatch(to: normalized, among: candidates) else { return nil }
        return editDistance(normalized, closest) <= (key.count >= 5 ? 2 : 1) ? closest : nil
    }

    /// Decodes and validates a record. `id` may be missing only when `generateID` is given.
    public static func decode(
        _ value: JSONValue, defaults: Defaults, generateID: (() -> JobID)? = nil
    ) throws(QueueError) -> JobRecord {
        guard case .object(let object) = value else {
            throw .invalidJob([FieldProblem("job", "must be a JSON object, got \(value.typeName)")])
        }
        var fields = FieldReader(object: object)
        let id = fields.id(generateID)
        let command = fields.command()
        var record = JobRecord(
            id: id ?? JobID(rawValue: "placeholder")!, command: command ?? "",
            maxRetries: fields.integer("max_retries", range: 0...1_000_000) ?? defaults.maxRetries,
            now: defaults.now)
        record.state = fields.state() ?? .pending
        record.attempts = fields.integer("attempts", range: 0...1_000_000) ?? 0
        record.runs = max(record.attempts, fields.integer("runs", range: 0...1_000_000_000) ?? 0)
        record.priority = fields.integer("priority", range: priorityRange) ?? 0
        record.createdAt = fields.timestamp("created_at") ?? defaults.now
        record.updatedAt = fields.timestamp("updated_at") ?? record.createdAt
        record.runAt = fields.timestamp("run_at") ?? record.createdAt
        record.timeoutSeconds = fields.positiveNumber("timeout_sec")
        record.cwd = fields.string("cwd", nonEmpty: true) ?? defaults.cwd
        record.environment = fields.environment()
        record.after = fields.ids("after")
        record.permanentExitCodes = fields.exitCodes("permanent_exit_codes")
        record.startedAt = fields.timestamp("started_at")
        record.finishedAt = fields.timestamp("finished_at")
        record.durationSeconds = fields.number("duration_sec").map { max(0, $0) }
        record.exitCode = fields.integer("exit_code", range: -1...255)
        record.lastError = fields.string("last_error")
        record.worker = fields.string("worker")
        record.nextRunAt = fields.timestamp("next_run_at")
        record.group = fields.group() ?? defaultGroup
        _ = fields.boolean("unique")
        if !fields.problems.isEmpty { throw .invalidJob(fields.problems) }
        if let id { record.id = id }
        if let command { record.command = command }
        for (key, value) in object where !knownFields.contains(key) && key != "unique" {
            record.extra[key] = value
        }
        return record
    }

    /// The JSON object, known fields first in a fixed order, then the kept unknown ones.
    public var json: JSONValue {
        var object = JSONObject()
        object["id"] = .string(id.rawValue)
        object["command"] = .string(command)
        object["state"] = .string(state.rawValue)
        object["attempts"] = .number(JSONNumber(attempts))
        if runs > 0 { object["runs"] = .number(JSONNumber(runs)) }
        object["max_retries"] = .number(JSONNumber(maxRetries))
        object["priority"] = .number(JSONNumber(priority))
        object["group"] = .string(group)
        object["run_at"] = .string(runAt.iso8601)
        if let timeoutSeconds { object["timeout_sec"] = .number(JSONNumber(timeoutSeconds)) }
        if let cwd { object["cwd"] = .string(cwd) }
        if !environment.isEmpty {
            var env = JSONObject()
            for (name, value) in environment { env[name] = .string(value) }
            object["env"] = .object(env)
        }
        if !after.isEmpty { object["after"] = .array(after.map { .string($0.rawValue) }) }
        if let permanentExitCodes {
            object["permanent_exit_codes"] = .array(permanentExitCodes.map { .number(JSONNumber($0)) })
        }
        object["created_at"] = .string(createdAt.iso8601)
        object["updated_at"] = .string(updatedAt.iso8601)
        if let startedAt { object["started_at"] = .string(startedAt.iso8601) }
        if let finishedAt { object["finished_at"] = .string(finishedAt.iso8601) }
        // Microseconds: a run of 0.4 ms must not read as 0 (it prints as "0.4ms").
        if let durationSeconds { object["duration_sec"] = .number(JSONNumber(durationSeconds.rounded(toPlaces: 6))) }
        if let exitCode { object["exit_code"] = .number(JSONNumber(exitCode)) }
        if let lastError { object["last_error"] = .string(lastError) }
        if let worker { object["worker"] = .string(worker) }
        if let nextRunAt { object["next_run_at"] = .string(nextRunAt.iso8601) }
        for (key, value) in extra where object[key] == nil { object[key] = value }
        return .object(object)
    }

    /// The bytes of the job file: pretty JSON and a final newline, so `cat` reads well.
    public var fileBytes: [UInt8] { Array((encodeJSON(json, pretty: true) + "\n").utf8) }

    /// Parses a job file's bytes.
    public static func parse(_ bytes: [UInt8], defaults: Defaults, generateID: (() -> JobID)? = nil) throws(QueueError) -> JobRecord {
        let value: JSONValue
        do { value = try parseJSON(bytes) } catch { throw .malformedJSON(error.description) }
        return try decode(value, defaults: defaults, generateID: generateID)
    }
}

extension Double {
    func rounded(toPlaces places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = self * scale
        // From 2^52 on a double has no fraction left to round, and scaling 1e306 would give infinity.
        guard scaled.magnitude < 0x1p52 else { return self }
        return scaled.rounded() / scale
    }
}
