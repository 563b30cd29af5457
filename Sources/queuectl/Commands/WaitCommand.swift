// wait: blocks until jobs end (Spool.wait does the waiting). Exit 0 when all completed, 1 when
// any is dead, 124 on --timeout. On a terminal, a progress line; its last state names the dead.

import QueueCore
import QueueSystem

enum WaitCommand {
    static func run(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        let timeout = try command.double("timeout")
        let all = command.flag("all")
        if all && !command.positionals.isEmpty { throw command.usageError("Give job ids or '--all', not both.") }
        if !all && command.positionals.isEmpty { throw command.usageError("Missing expected argument '<id> ...' (or give '--all').") }
        var ids: [JobID] = []
        for text in command.positionals {
            guard let id = JobID(rawValue: text) else { throw QueueError.unknownJob(text) }
            ids.append(id)
        }
        let showProgress = !command.flag("quiet") && CurrentProcess.isTerminal(.standardError)
        var shown = false
        do {
            let final = try spool.wait(for: all ? .all : .jobs(ids), timeout: timeout) { progress in
                guard showProgress else { return }
                shown = true
                try? FileDescriptor.standardError.writeAll("\r\(line(progress))\u{1B}[K")
            }
            if shown { try? FileDescriptor.standardError.writeAll("\n") }
            return final.dead > 0 ? .failure : .success
        } catch {
            if shown { try? FileDescriptor.standardError.writeAll("\n") }
            throw error
        }
    }

    /// "37/120 done, 2 dead (a, b), 3 running, eta 40s"; the dead are named, the first ten.
    static func line(_ progress: WaitProgress) -> String {
        var text = "\(progress.done)/\(progress.total) done, \(progress.dead) dead"
        if !progress.deadJobs.isEmpty {
            let names = progress.deadJobs.prefix(10).map(\.rawValue).joined(separator: ", ")
            text += " (\(names)\(progress.dead > 10 ? ", and \(progress.dead - 10) more" : ""))"
        }
        if progress.open > 0 {
            text += ", \(progress.running) running"
            if let eta = progress.etaSeconds { text += ", eta \(formatDuration(eta))" }
        }
        return text
    }
}
