// Schedule: a recurring job, stored as SPOOL/schedules/NAME.json: when it recurs (every N
// seconds, counted from the epoch, or a cron expression in UTC or local time), what to do with
// occurrences missed while no worker ran, and the job each occurrence becomes. Beside it,
// NAME.last (a symbolic link whose text is the time of the last occurrence handled) and
// NAME.job (the id of the last occurrence enqueued), kept by the workers; `ls -l` shows both.

import QueueSystem

/// What happens to occurrences missed while no worker ran.
public enum CatchUp: String, Sendable, CaseIterable {
    /// Missed occurrences are dropped; the next on-time one runs (cron).
    case skip
    /// The latest missed occurrence runs once (systemd's Persistent=, anacron). The default.
    case last
    /// Every missed occurrence runs.
    case all
}

/// When a schedule recurs.
public enum ScheduleRule: Sendable, Equatable {
    /// Every so many seconds, at the multiples of the period since 1970-01-01T00:00:00Z (so
    /// `1h` is at the top of each hour), the same on every host.
    case every(seconds: Int64)
    case cron(CronExpression)

    /// The first occurrence strictly after `seconds` since the epoch.
    public func next(after seconds: Int64, in zone: ScheduleZone) -> Int64? {
        switch self {
        case .every(let period):
            return (seconds >= 0 ? seconds / period : (seconds - period + 1) / period) * period + period
        case .cron(let expression):
            return expression.next(after: seconds, in: zone)
        }
    }
}

public struct Schedule: Sendable {
    public let name: String
    public var rule: ScheduleRule
    public var zone: ScheduleZone = .utc
    public var catchUp: CatchUp = .last
    /// Skip an occurrence while the previous one is pending, running or waiting for a retry.
    public var noOverlap = false
    public var isPaused = false
    /// The fields of each occurrence's job (command, priority, group, ...), as `enqueue` takes them.
    public var job: JSONObject
    public var createdAt: Timestamp

    /// Names follow the rule of ids, short enough for the occurrence's time to follow.
    public static let maximumNameLength = 128 - 17
    /// Job fields a schedule sets itself.
    static let reservedJobFields = ["id", "state", "run_at", "after", "unique", "attempts"]

    public init(name: String, rule: ScheduleRule, job: JSONObject, createdAt: Timestamp = .now()) {
        self.name = name
        self.rule = rule
        self.job = job
        self.createdAt = createdAt
    }

    /// The id of the occurrence at `seconds`: `NAME-20261202T103000Z`.
    public func occurrenceID(_ seconds: Int64) -> JobID {
        JobID(rawValue: name + "-" + Schedule.timeText(seconds))!
    }

    /// `20261202T103000Z`: the compact UTC time, to the second.
    static func timeText(_ seconds: Int64) -> String {
        let compact = Timestamp(microseconds: seconds * 1_000_000).compact
        return String(compact.prefix(15)) + "Z"
    }

    static func parseTimeText(_ text: String) -> Int64? {
        guard text.utf8.count == 16, text.hasSuffix("Z"),
              let time = Timestamp(compact: String(text.dropLast()) + ".000Z") else { return nil }
        return time.microseconds / 1_000_000
    }

    public var json: JSONValue {
        var object = JSONObject()
        object["name"] = .string(name)
        switch rule {
        case .every(let seconds): object["every_sec"] = .number(JSONNumber(Int(seconds)))
        case .cron(let expression): object["cron"] = .string(expression.description)
        }
        object["time_zone"] = .string(zone.rawValue)
        object["catch_up"] = .string(catchUp.rawValue)
        object["no_overlap"] = .bool(noOverlap)
        object["paused"] = .bool(isPaused)
        object["job"] = .object(job)
        object["created_at"] = .string(createdAt.iso8601)
        return .object(object)
    }

    /// Decodes and validates a schedule record; every problem names its field.
    /// `every` may be a duration ("90s", "1h") or seconds; `every_sec` seconds.
    public static func decode(_ value: JSONValue, name: String, defaults: JobRecord.Defaults) throws(QueueError) -> Schedule {
        try checkName(name)
        guard let object = value.objectValue else {
            throw .invalidJob([FieldProblem("schedule", "must be a JSON object, got \(value.typeName)")])
        }
        var problems: [FieldProblem] = []
        var rule: ScheduleRule?
        let every = object["every_sec"] ?? object["every"]
        if let every, every != .null {
            let seconds = every.doubleValue ?? every.stringValue.flatMap(parseDuration)
            if let seconds, seconds >= 1, seconds <= 366 * 86_400, seconds == seconds.rounded() {
                rule = .every(seconds: Int64(seconds))
            } else {
                problems.append(FieldProblem("every", "must be a whole number of seconds from 1s to 366d, such as 30s, 5m or 1h; got \(encodeJSON(every).prefix(40))"))
            }
        }
        if let cron = object["cron"], cron != .null {
            if rule != nil {
                problems.append(FieldProblem("cron", "give either 'every' or 'cron', not both"))
            } else if let text = cron.stringValue {
                do {
                    let expression = try CronExpression(parsing: text)
                    rule = .cron(expression)
                } catch {
                    problems.append(FieldProblem("cron", "'\(text)': \(error)"))
                }
            } else {
                problems.append(FieldProblem("cron", "must be a string such as \"30 2 * * *\", got \(cron.typeName)"))
            }
        } else if rule == nil && problems.isEmpty {
            problems.append(FieldProblem("every", "a schedule needs 'every' (such as \"1h\") or 'cron' (such as \"30 2 * * *\")"))
        }
        var schedule = Schedule(name: name, rule: rule ?? .every(seconds: 60), job: JSONObject(),
                                createdAt: object["created_at"]?.stringValue.flatMap { Timestamp(iso8601: $0) } ?? defaults.now)
        if let zone = object["time_zone"], zone != .null {
            if let text = zone.stringValue, let parsed = ScheduleZone(rawValue: text.lowercased()) {
                schedule.zone = parsed
            } else {
                problems.append(FieldProblem("time_zone", "must be \"utc\" or \"local\", got \(encodeJSON(zone).prefix(40))"))
            }
        }
        if let catchUp = object["catch_up"], catchUp != .null {
            if let text = catchUp.stringValue, let parsed = CatchUp(rawValue: text) {
                schedule.catchUp = parsed
            } else {
                problems.append(FieldProblem("catch_up", "must be \"skip\", \"last\" or \"all\", got \(encodeJSON(catchUp).prefix(40))"))
            }
        }
        for (field, keyPath) in [("no_overlap", \Schedule.noOverlap), ("paused", \Schedule.isPaused)] {
            guard let flag = object[field], flag != .null else { continue }
            if let bool = flag.boolValue { schedule[keyPath: keyPath] = bool } else {
                problems.append(FieldProblem(field, "must be true or false, got \(encodeJSON(flag).prefix(40))"))
            }
        }
        if let job = object["job"]?.objectValue {
            for field in reservedJobFields where job[field] != nil {
                problems.append(FieldProblem("job.\(field)", "is set by the schedule for each occurrence; leave it out"))
            }
            var probe = job
            probe["id"] = .string("probe")
            do {
                _ = try JobRecord.decode(.object(probe), defaults: defaults)
            } catch .invalidJob(let jobProblems, _) {
                problems += jobProblems.map { FieldProblem("job.\($0.field)", $0.message) }
            } catch {
                problems.append(FieldProblem("job", "\(error)"))
            }
            schedule.job = job
        } else {
            problems.append(FieldProblem("job", "is required: the job each occurrence becomes, such as {\"command\": \"make backup\"}"))
        }
        if case .cron(let expression) = schedule.rule, problems.isEmpty,
           expression.next(after: defaults.now.microseconds / 1_000_000, in: schedule.zone) == nil {
            problems.append(FieldProblem("cron", "'\(expression)' never matches in the next five years"))
        }
        if !problems.isEmpty { throw .invalidJob(problems) }
        return schedule
    }

    public static func checkName(_ name: String) throws(QueueError) {
        guard JobID.isValid(name), name.utf8.count <= maximumNameLength, !name.contains(".") else {
            throw .invalidJob([FieldProblem("name", "'\(name.prefix(40))' is not a valid schedule name: 1 to \(maximumNameLength) characters from A-Z, a-z, 0-9, '_' and '-', starting with a letter or digit")])
        }
    }

    /// The job of the occurrence at `seconds`, enqueued at `now`.
    func occurrence(_ seconds: Int64, defaults: JobRecord.Defaults) throws(QueueError) -> JobRecord {
        var object = job
        object["id"] = .string(occurrenceID(seconds).rawValue)
        object["schedule"] = .string(name)
        object["scheduled_for"] = .string(Timestamp(microseconds: seconds * 1_000_000).iso8601)
        return try JobRecord.decode(.object(object), defaults: defaults)
    }
}

extension Spool {
    public var schedulesFolder: String { root + "/schedules" }
    func schedulePath(_ name: String) -> String { schedulesFolder + "/" + name + ".json" }
    func lastOccurrencePath(_ name: String) -> String { schedulesFolder + "/" + name + ".last" }
    func lastJobPath(_ name: String) -> String { schedulesFolder + "/" + name + ".job" }

    /// Every readable schedule, by name. Unreadable files are skipped (and named by `badSchedules`).
    public func schedules() -> [Schedule] {
        var found: [Schedule] = []
        try? FileSystem.forEachName(in: schedulesFolder) { text in
            guard text.hasSuffix(".json") else { return }
            if let schedule = try? schedule(String(text.dropLast(5))) { found.append(schedule) }
        }
        return found.sorted { $0.name < $1.name }
    }

    /// Reads one schedule; `.unknownJob`-like failure when there is none.
    public func schedule(_ name: String) throws(QueueError) -> Schedule {
        let bytes: [UInt8]
        do {
            bytes = try Spool.readRegularFile(schedulePath(name), limit: config.maxJobBytes + (1 << 12))
        } catch where error.isNotFound {
            throw .unknownSchedule(name)
        } catch {
            throw .system(error)
        }
        let value: JSONValue
        do { value = try parseJSON(bytes) } catch { throw .malformedJSON("\(schedulePath(name)): \(error)") }
        return try Schedule.decode(value, name: name, defaults: jobDefaults(cwd: nil))
    }

    /// Writes a schedule. A new one (`replacing: false`) is refused when the name is taken.
    public func saveSchedule(_ schedule: Schedule, replacing: Bool) throws(QueueError) {
        do { try FileSystem.makeDirectory(schedulesFolder) } catch { throw .system(error) }
        do {
            try publish(Array((encodeJSON(schedule.json, pretty: true) + "\n").utf8), at: schedulePath(schedule.name), replacing: replacing)
        } catch .system(let error) where error.isExisting {
            throw .invalidJob([FieldProblem("name", "a schedule named '\(schedule.name)' already exists; 'queuectl schedule rm \(schedule.name)' first")])
        }
    }

    /// Removes a schedule and its markers; its jobs already enqueued stay. False when there was none.
    public func removeSchedule(_ name: String) throws(QueueError) -> Bool {
        do {
            try FileSystem.unlink(schedulePath(name))
        } catch where error.isNotFound {
            return false
        } catch {
            throw .system(error)
        }
        try? FileSystem.unlink(lastOccurrencePath(name))
        try? FileSystem.unlink(lastJobPath(name))
        return true
    }

    /// The last occurrence handled (seconds since the epoch): the marker, else the creation time.
    public func lastOccurrence(of schedule: Schedule) -> Int64 {
        if let text = try? FileSystem.readLink(lastOccurrencePath(schedule.name)), let seconds = Schedule.parseTimeText(text) {
            return seconds
        }
        return schedule.createdAt.microseconds / 1_000_000
    }

    /// The next occurrence after the last one handled: what `schedule list` shows.
    public func nextOccurrence(of schedule: Schedule) -> Timestamp? {
        schedule.rule.next(after: lastOccurrence(of: schedule), in: schedule.zone).map { Timestamp(microseconds: $0 * 1_000_000) }
    }

    /// The id of the last occurrence enqueued, if any.
    public func lastOccurrenceJob(of schedule: Schedule) -> JobID? {
        (try? FileSystem.readLink(lastJobPath(schedule.name))).flatMap(JobID.init(rawValue:))
    }

    /// Points a marker symlink at `text`, replacing it atomically (symlink, then rename).
    func setMarker(_ path: String, to text: String) {
        let temporary = schedulesFolder + "/." + Publisher.uniqueName()
        do {
            try FileSystem.symlink(text, at: temporary)
            try FileSystem.rename(temporary, to: path)
        } catch {
            try? FileSystem.unlink(temporary)
        }
    }
}
