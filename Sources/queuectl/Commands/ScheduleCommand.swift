// schedule add | list | show | rm | pause | resume: recurring jobs, one file each under
// SPOOL/schedules/ (see Schedule.swift). Workers enqueue the occurrences; these commands only
// write and read the files.

import QueueCore
import QueueSystem

enum ScheduleCommand {
    static func add(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        guard let name = command.positionals.first else { throw command.usageError("Missing expected argument '<name>'") }
        do { try Schedule.checkName(name) } catch {
            throw command.invalidArgument("name", value: name, reason: "1 to \(Schedule.maximumNameLength) characters from A-Z, a-z, 0-9, '_' and '-', starting with a letter or digit")
        }
        let words = Array(command.positionals.dropFirst())
        var object = JSONObject()
        var job = JSONObject()
        if words.count == 1, words[0].hasPrefix("{") {
            // A JSON record: the schedule's fields, with the job under "job".
            let value: JSONValue
            do { value = try parseJSON(words[0]) } catch { throw QueueError.malformedJSON(error.description) }
            guard let parsed = value.objectValue else {
                throw QueueError.invalidJob([FieldProblem("schedule", "must be a JSON object, got \(value.typeName)")])
            }
            object = parsed
            job = object["job"]?.objectValue ?? JSONObject()
        }
        if let shellCommand = command.value("command") {
            if !words.isEmpty && object.isEmpty { throw command.usageError("Give the command either with --command or after --, not both.") }
            job["command"] = .string(shellCommand)
        } else if !words.isEmpty && object.isEmpty {
            // The words run exactly as given, as with `enqueue -- CMD`.
            job["command"] = .string(EnqueueCommand.shellCommand(words))
        }
        if job["command"] == nil && object["job"] == nil {
            throw command.usageError("Missing the command: give it after '--' (queuectl schedule add NAME --every 1h -- CMD ARG...), with --command, or as a JSON record.")
        }
        if command.value("every") != nil && command.value("cron") != nil {
            throw command.usageError("Give either '--every' or '--cron', not both.")
        }
        if let every = command.value("every") {
            object["cron"] = nil
            object["every"] = .string(every)
        }
        if let cron = command.value("cron") {
            object["every"] = nil
            object["every_sec"] = nil
            object["cron"] = .string(cron)
        }
        if command.flag("local-time") { object["time_zone"] = .string("local") }
        if let catchUp = command.value("catch-up") { object["catch_up"] = .string(catchUp) }
        if command.flag("no-overlap") { object["no_overlap"] = .bool(true) }
        if let retries = try command.int("max-retries") { job["max_retries"] = .number(JSONNumber(retries)) }
        if let priority = try command.int("priority") { job["priority"] = .number(JSONNumber(priority)) }
        if let group = command.value("group") { job["group"] = .string(group) }
        if let timeout = command.value("timeout") {
            guard let seconds = parseDuration(timeout), seconds > 0 else {
                throw command.invalidValue("timeout", reason: "expected seconds greater than 0, such as 30 or 5m")
            }
            job["timeout_sec"] = .number(JSONNumber(seconds))
        }
        if let cwd = command.value("cwd") ?? job["cwd"]?.stringValue ?? CurrentProcess.workingDirectory { job["cwd"] = .string(cwd) }
        let env = command.values("env")
        if !env.isEmpty {
            var variables = job["env"]?.objectValue ?? JSONObject()
            for pair in env {
                guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                    throw command.invalidValue("env", reason: "expected NAME=value")
                }
                variables[String(pair[..<equals])] = .string(String(pair[pair.index(after: equals)...]))
            }
            job["env"] = .object(variables)
        }
        object["job"] = .object(job)
        object["created_at"] = nil
        let schedule = try Schedule.decode(.object(object), name: name, defaults: spool.jobDefaults(cwd: nil))
        try spool.saveSchedule(schedule, replacing: command.flag("replace"))
        let next = spool.nextOccurrence(of: schedule).map { ", next at \($0.iso8601)" } ?? ""
        Console.out("Schedule '\(name)' added\(next).")
        return .success
    }

    static func list(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        let schedules = spool.schedules()
        if command.flag("json") {
            Console.out(encodeJSON(.array(schedules.map { described($0, spool: spool) }), pretty: true))
            return .success
        }
        if schedules.isEmpty {
            Console.out("No schedules. Add one with 'queuectl schedule add NAME --every 1h -- CMD'.")
            return .success
        }
        let now = Timestamp.now()
        var table = Table("NAME", "WHEN", "NEXT", "LAST JOB", "COMMAND")
        for schedule in schedules {
            let next = schedule.isPaused ? Style.yellow.apply("paused")
                : spool.nextOccurrence(of: schedule).map { "\($0.iso8601) (\(formatRelative($0, now: now)))" } ?? "never"
            table.add(schedule.name, when(schedule), next, spool.lastOccurrenceJob(of: schedule)?.rawValue ?? "-",
                      truncated(schedule.job["command"]?.stringValue ?? "", 40))
        }
        Console.out(table.rendered())
        return .success
    }

    static func show(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        let schedule = try spool.schedule(command.positionals.first ?? "")
        let value = described(schedule, spool: spool)
        if command.flag("json") {
            Console.json(value)
            return .success
        }
        Console.out(encodeJSON(value, pretty: true))
        return .success
    }

    static func remove(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        let name = command.positionals.first ?? ""
        guard try spool.removeSchedule(name) else { throw QueueError.unknownSchedule(name) }
        Console.out("Removed schedule '\(name)'; occurrences already enqueued stay.")
        return .success
    }

    static func pause(_ command: ParsedCommand, spool: Spool, paused: Bool) throws -> ExitCode {
        var schedule = try spool.schedule(command.positionals.first ?? "")
        schedule.isPaused = paused
        try spool.saveSchedule(schedule, replacing: true)
        Console.out(paused ? "Schedule '\(schedule.name)' paused." : "Schedule '\(schedule.name)' resumed.")
        return .success
    }

    /// The record with what the workers keep beside it: the next occurrence and the last job.
    static func described(_ schedule: Schedule, spool: Spool) -> JSONValue {
        guard case .object(var object) = schedule.json else { return schedule.json }
        object["next_run_at"] = schedule.isPaused ? .null : spool.nextOccurrence(of: schedule).map { .string($0.iso8601) } ?? .null
        object["last_job"] = spool.lastOccurrenceJob(of: schedule).map { .string($0.rawValue) } ?? .null
        return .object(object)
    }

    static func when(_ schedule: Schedule) -> String {
        let zone = schedule.zone == .local ? " local" : ""
        switch schedule.rule {
        case .every(let seconds): return "every \(formatDuration(Double(seconds)))"
        case .cron(let expression): return "cron '\(expression)'\(zone)"
        }
    }
}
