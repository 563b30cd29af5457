// status: counts per state, live workers, the oldest pending job's age, the average run time.

import QueueCore

enum StatusCommand {
    static func run(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        if command.flag("watch") { return try WatchCommand.run(command, spool: spool) }
        let status = spool.status()
        if command.flag("json") {
            Console.json(status.json)
            return .success
        }
        let now = status.takenAt
        var lines: [String] = []
        lines.append(Style.bold.apply("Spool: ") + spool.root + (status.isPaused ? Style.yellow.apply("  (paused: workers claim nothing new)") : ""))
        var table = Table("STATE", "JOBS", "")
        for state in JobState.allCases {
            var note = ""
            switch state {
            case .pending:
                if let due = status.oldestPendingDue { note = "oldest waiting \(formatDuration(max(0, now.secondsSince(due))))" }
            case .failed:
                if let next = status.nextRetry { note = "next retry \(formatRelative(next, now: now))" }
            case .completed:
                if let average = status.metrics.averageDuration { note = "average run \(formatDuration(average))" }
            default: break
            }
            table.add(Style.of(state).apply(state.rawValue), String(status.counts[state] ?? 0), note)
        }
        if status.quarantined > 0 {
            table.add(Style.red.apply("quarantined"), String(status.quarantined), "see 'queuectl quarantine list'")
        }
        lines.append(table.rendered())
        if status.groups.contains(where: { $0.name != "default" || $0.limit != nil || $0.isPaused }) {
            lines.append("")
            lines.append(GroupCommand.table(status.groups).rendered())
        }
        lines.append("")
        if status.workers.isEmpty {
            lines.append("Workers: none running. Start one with 'queuectl worker start'.")
        } else {
            lines.append(Style.bold.apply("Workers: \(status.workers.count)"))
            var workers = Table("PID", "HOST", "STARTED", "HEARTBEAT", "JOB")
            for (record, job) in status.workers {
                workers.add(String(record.pid), record.host, formatRelative(record.startedAt, now: now),
                            formatRelative(record.heartbeat, now: now), job?.rawValue ?? "idle")
            }
            lines.append(workers.rendered())
        }
        Console.out(lines.joined(separator: "\n"))
        return .success
    }
}
