// dlq retry, reap, purge, quarantine, pause/resume: the commands that repair and tidy the spool.

import QueueCore
import QueueSystem

enum AdminCommand {
    static func retry(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        var ids = command.positionals
        if command.flag("all") {
            if !ids.isEmpty { throw command.usageError("Give job ids or '--all', not both.") }
            ids = spool.deadIDs()
            if ids.isEmpty {
                Console.out("The dead letter queue is empty.")
                return .success
            }
        } else if ids.isEmpty {
            throw command.usageError("Missing expected argument '<id>' (or give '--all').")
        }
        var failures = 0
        for id in ids {
            do {
                Console.out(try spool.retryDead(id).rawValue)
            } catch {
                Console.error("Error: \(error)")
                failures += 1
            }
        }
        return failures == 0 ? .success : .failure
    }

    static func reap(_ command: ParsedCommand, spool: Spool) -> ExitCode {
        let report = spool.reap(as: "reaper-" + WorkerRecord.makeID(host: CurrentProcess.hostName, pid: CurrentProcess.pid))
        for id in report.returned { Console.out("\(id): returned to pending (its worker died before the run)") }
        for id in report.retried { Console.out("\(id): lost run counted as a failed attempt; retry scheduled") }
        for id in report.dead { Console.out("\(id): lost run counted; no retries left, moved to dead") }
        for id in report.finished { Console.out("\(id): finished an interrupted move") }
        Console.out("Reaped \(report.total) job\(report.total == 1 ? "" : "s"); removed \(report.removedWorkers.count) dead worker record\(report.removedWorkers.count == 1 ? "" : "s").")
        return .success
    }

    static func purge(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        guard let text = command.value("state") else {
            throw command.usageError("Missing expected argument '--state <state>' (completed or dead).")
        }
        guard let state = JobState(argument: text), state.isFinal else {
            throw command.invalidValue("state", reason: "expected completed or dead")
        }
        var cutoff: Timestamp?
        if let age = command.value("older-than") {
            guard let seconds = parseDuration(age) else {
                throw command.invalidValue("older-than", reason: "expected a duration such as 7d, 12h or 30m")
            }
            cutoff = Timestamp.now().adding(seconds: -seconds)
        }
        let count = spool.purge(state, olderThan: cutoff)
        Console.out("Purged \(count) \(state.rawValue) job\(count == 1 ? "" : "s").")
        return .success
    }

    static func quarantineList(_ command: ParsedCommand, spool: Spool) -> ExitCode {
        let files = spool.quarantinedFiles()
        if command.flag("json") {
            Console.out(encodeJSON(.array(files.map { file in
                var object = JSONObject()
                object["name"] = .string(file.name)
                object["reason"] = .string(file.reason)
                object["quarantined_at"] = file.quarantinedAt.map { .string($0.iso8601) } ?? .null
                return .object(object)
            }), pretty: true))
            return .success
        }
        if files.isEmpty {
            Console.out("The quarantine is empty.")
            return .success
        }
        var table = Table("NAME", "REASON")
        for file in files { table.add(file.name, file.reason) }
        Console.out(table.rendered())
        return .success
    }

    static func quarantineRequeue(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        let name = try spool.requeueQuarantined(command.positionals[0])
        Console.out("pending/\(name)")
        return .success
    }

    static func pause(spool: Spool, paused: Bool) throws -> ExitCode {
        try spool.setPaused(paused)
        Console.out(paused ? "Paused: workers claim no new jobs until 'queuectl resume'." : "Resumed.")
        return .success
    }
}
