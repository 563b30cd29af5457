// list, dlq list, show, logs: reading jobs back, for people (tables) and scripts (--json).

import QueueCore
import QueueSystem

enum ListCommand {
    static func list(_ command: ParsedCommand, spool: Spool, state fixed: JobState?) throws -> ExitCode {
        var states = JobState.allCases
        if let fixed {
            states = [fixed]
        } else if let text = command.value("state") {
            guard let state = JobState(argument: text) else {
                throw command.invalidValue("state", reason: "expected one of pending, processing, failed, completed, dead")
            }
            states = [state]
        }
        let limit = try command.int("limit")
        if let limit, limit < 0 { throw command.invalidValue("limit", reason: "expected 0 or more") }
        var records: [JobRecord] = []
        let group = fixed == nil ? command.value("group") : nil
        for state in states {
            // With --group, the folder is read whole and filtered (a group is not in the names).
            var found = spool.list(state, limit: group == nil ? limit.map { $0 - records.count } : nil)
            if let group { found = found.filter { $0.group == group } }
            if let limit { found = Array(found.prefix(limit - records.count)) }
            records += found
            if let limit, records.count >= limit { break }
        }
        if command.flag("json") {
            Console.out(encodeJSON(.array(records.map(\.json)), pretty: true))
            return .success
        }
        if command.accepts("quiet"), command.flag("quiet") {
            if !records.isEmpty { Console.out(records.map(\.id.rawValue).joined(separator: "\n")) }
            return .success
        }
        if records.isEmpty {
            Console.out(fixed == .dead ? "The dead letter queue is empty." : "No jobs.")
            return .success
        }
        let now = Timestamp.now()
        // How the last run ended (exit status, run time), when a job listed has run; the DLQ
        // also shows why each job is there.
        let showsRuns = records.contains { $0.state != .processing && ($0.exitCode != nil || $0.durationSeconds != nil) }
        let showsErrors = fixed == .dead
        var header = ["ID", "STATE", "TRIES", "PRI", "WHEN"]
        if showsRuns { header += ["EXIT", "RAN"] }
        if showsErrors { header.append("LAST ERROR") }
        var table = Table()
        table.header = header + ["COMMAND"]
        for record in records {
            var cells = [record.id.rawValue, Style.of(record.state).apply(record.state.rawValue),
                         "\(record.attempts)/\(record.maxRetries + 1)", String(record.priority), when(record, now: now)]
            if showsRuns {
                let ran = record.state != .processing
                cells.append(ran ? record.exitCode.map(String.init) ?? "-" : "-")
                cells.append(ran ? record.durationSeconds.map(formatDuration) ?? "-" : "-")
            }
            if showsErrors { cells.append(truncated(record.lastError ?? "-", 40)) }
            table.add(cells + [truncated(record.command, showsErrors ? 30 : 50)])
        }
        Console.out(table.rendered())
        return .success
    }

    /// A short phrase for when a job runs or ran.
    static func when(_ record: JobRecord, now: Timestamp) -> String {
        switch record.state {
        case .pending:
            if !record.after.isEmpty { return "after " + record.after.map(\.rawValue).joined(separator: ",") }
            return record.runAt > now ? "runs \(formatRelative(record.runAt, now: now))" : "waiting \(formatDuration(now.secondsSince(record.runAt)))"
        case .processing:
            return "running \(formatDuration(now.secondsSince(record.startedAt ?? now)))"
        case .failed:
            return "retry \(formatRelative(record.nextRunAt ?? now, now: now))"
        case .completed, .dead:
            return formatRelative(record.finishedAt ?? record.updatedAt, now: now)
        }
    }

    static func show(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        let (location, record) = try spool.job(command.positionals[0])
        if command.flag("json") {
            Console.json(record.json)
            return .success
        }
        let now = Timestamp.now()
        var table = Table("FIELD", "VALUE")
        table.header = []
        var rows: [(String, String)] = [
            ("id", record.id.rawValue),
            ("state", Style.of(record.state).apply(record.state.rawValue) + "  (" + location.state.folder + "/" + location.name.text + ")"),
            ("command", record.command),
            ("attempts", "\(record.attempts) of \(record.maxRetries + 1)"),
            ("priority", String(record.priority)),
            ("run at", "\(record.runAt.iso8601) (\(formatRelative(record.runAt, now: now)))"),
            ("created", "\(record.createdAt.iso8601) (\(formatRelative(record.createdAt, now: now)))"),
        ]
        if let timeout = record.timeoutSeconds { rows.append(("timeout", formatDuration(timeout))) }
        if let cwd = record.cwd { rows.append(("cwd", cwd)) }
        for (name, value) in record.environment { rows.append(("env", "\(name)=\(value)")) }
        if !record.after.isEmpty {
            // Each dependency with its state: what the job is waiting for, at a glance.
            let dependencies = record.after.map { "\($0) (\(spool.locate($0)?.state.rawValue ?? "gone"))" }
            rows.append(("after", dependencies.joined(separator: ", ")))
        }
        if let worker = record.worker { rows.append(("worker", worker)) }
        if let started = record.startedAt { rows.append(("started", "\(started.iso8601) (\(formatRelative(started, now: now)))")) }
        if let finished = record.finishedAt { rows.append(("finished", "\(finished.iso8601) (\(formatRelative(finished, now: now)))")) }
        if let duration = record.durationSeconds { rows.append(("duration", formatDuration(duration))) }
        if let exit = record.exitCode { rows.append(("exit code", String(exit))) }
        if let next = record.nextRunAt, record.state == .failed { rows.append(("next run", "\(next.iso8601) (\(formatRelative(next, now: now)))")) }
        if let error = record.lastError { rows.append(("last error", Style.red.apply(error))) }
        // Kept, never used by queuectl: shown so that a misspelt field of a dropped file is seen.
        for (name, value) in record.extra { rows.append(("unknown field", "\(name) = \(encodeJSON(value))")) }
        let labelWidth = rows.map(\.0.count).max() ?? 0
        var lines = rows.map { $0.0 + ":" + String(repeating: " ", count: labelWidth - $0.0.count + 2) + $0.1 }
        let tail = spool.logTail(record.id, lines: 10)
        if !tail.isEmpty {
            lines.append("")
            lines.append(Style.bold.apply("output (last \(tail.count) lines; 'queuectl logs \(record.id)' for all):"))
            lines += tail.map { "  " + $0 }
        }
        Console.out(lines.joined(separator: "\n"))
        return .success
    }

    static func logs(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        let (_, record) = try spool.job(command.positionals[0])
        let path = spool.logPath(of: record.id)
        var offset = 0
        func printNew() -> Bool {
            guard let bytes = try? Spool.readRegularFile(path, limit: 1 << 30) else { return false }
            if bytes.count < offset { offset = 0 }  // the log was trimmed: start again from its tail
            guard bytes.count > offset else { return false }
            try? FileDescriptor.standardOutput.writeAll(bytes[offset...])
            offset = bytes.count
            return true
        }
        if !printNew() && !command.flag("follow") && !FileSystem.exists(path) {
            // Silent runs leave no log file (it is created at the first byte of output).
            Console.error(record.state.isFinal ? "Job '\(record.id)' wrote no output."
                                               : "No output captured for job '\(record.id)' yet.")
            return .success
        }
        guard command.flag("follow") else { return .success }
        // Follow until the job is no longer pending, processing or failed and the log is drained.
        while true {
            let state = spool.locate(record.id)?.state
            if printNew() { continue }
            if state == nil || state!.isFinal { return .success }
            SystemClock.sleep(milliseconds: 100)
        }
    }
}
