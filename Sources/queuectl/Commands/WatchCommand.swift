// status --watch: a full-screen view refreshed in place, like top(1): counts per state, running
// jobs and their elapsed time, the next retries, the newest dead jobs, workers and their
// heartbeat age. `q` or Ctrl-C leaves and restores the terminal.

import QueueCore
import QueueSystem

enum WatchCommand {
    static func run(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        let interval = try command.double("interval") ?? 2
        guard interval >= 0.1 else { throw command.invalidValue("interval", reason: "expected at least 0.1 seconds") }
        guard CurrentProcess.isTerminal(.standardOutput), CurrentProcess.isTerminal(.standardInput) else {
            throw command.usageError("'--watch' needs a terminal; use 'queuectl status' (or --json) in scripts.")
        }
        let signals = try Signals.makeSignalDescriptor([.interrupt, .terminate, .hangUp])
        let terminal = try RawTerminal(.standardInput)
        // Alternate screen, cursor hidden; undone on every way out.
        try? FileDescriptor.standardOutput.writeAll("\u{1B}[?1049h\u{1B}[?25l")
        defer {
            try? FileDescriptor.standardOutput.writeAll("\u{1B}[?25h\u{1B}[?1049l")
            terminal.restore()
        }
        let groupCache = PendingGroupCache()
        while true {
            try? FileDescriptor.standardOutput.writeAll("\u{1B}[H\u{1B}[2J" + screen(spool: spool, interval: interval, groupCache: groupCache))
            let ready = Poll.waitForInput([signals, .standardInput], timeoutMilliseconds: Int(interval * 1000))
            if ready[0] && !Signals.readSignals(signals).isEmpty { return .success }
            if ready[1] && terminal.readKeys().contains(where: { $0 == UInt8(ascii: "q") || $0 == UInt8(ascii: "Q") || $0 == 3 }) {
                return .success
            }
        }
    }

    static func screen(spool: Spool, interval: Double, groupCache: PendingGroupCache? = nil) -> String {
        let status = spool.status(groupCache: groupCache)
        let now = status.takenAt
        var lines: [String] = []
        lines.append(Style.bold.apply("queuectl") + "  \(spool.root)  \(now.iso8601)" + (status.isPaused ? Style.yellow.apply("  PAUSED") : "")
                     + Style.dim.apply("  (every \(formatDuration(interval)); q quits)"))
        lines.append("")
        lines.append(JobState.allCases.map { Style.of($0).apply("\($0.rawValue) \(status.counts[$0] ?? 0)") }.joined(separator: "   ")
                     + (status.quarantined > 0 ? Style.red.apply("   quarantined \(status.quarantined)") : ""))
        // As in `status`: every group, once the queue uses one other than default, a limit or a pause.
        if status.groups.contains(where: { $0.name != "default" || $0.limit != nil || $0.isPaused }) {
            lines.append("groups  " + status.groups.map { group in
                "\(group.name) \(group.running)/\(group.limit.map(String.init) ?? "-") running, \(group.pending) pending" + (group.isPaused ? Style.yellow.apply(" paused") : "")
            }.joined(separator: "   "))
        }
        lines.append("")
        var running = Table("RUNNING", "FOR", "WORKER", "COMMAND")
        for record in spool.list(.processing, limit: 10) {
            running.add(record.id.rawValue, formatDuration(now.secondsSince(record.startedAt ?? now)), record.worker ?? "", truncated(record.command, 40))
        }
        lines.append(running.rendered())
        lines.append("")
        var retries = Table("NEXT RETRIES", "WHEN", "TRIES", "LAST ERROR")
        for record in spool.list(.failed, limit: 5) {
            retries.add(record.id.rawValue, formatRelative(record.nextRunAt ?? now, now: now), "\(record.attempts)/\(record.maxRetries + 1)", truncated(record.lastError ?? "", 40))
        }
        lines.append(retries.rendered())
        lines.append("")
        var dead = Table("NEWEST DEAD", "WHEN", "LAST ERROR")
        for record in spool.list(.dead, limit: 5) {
            dead.add(record.id.rawValue, formatRelative(record.finishedAt ?? record.updatedAt, now: now), truncated(record.lastError ?? "", 50))
        }
        lines.append(dead.rendered())
        lines.append("")
        var workers = Table("WORKER", "PID", "HOST", "HEARTBEAT", "JOB")
        for (record, job) in status.workers {
            workers.add(record.id, String(record.pid), record.host, formatDuration(now.secondsSince(record.heartbeat)) + " ago", job?.rawValue ?? "idle")
        }
        lines.append(workers.rendered())
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}

