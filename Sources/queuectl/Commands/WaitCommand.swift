// wait: blocks until jobs end. Exit 0 when all completed, 1 when any is dead, 124 on --timeout.

import QueueCore
import QueueSystem

enum WaitCommand {
    static func run(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        let timeout = try command.double("timeout")
        let deadline = timeout.map { SystemClock.monotonicMicroseconds + Int64($0 * 1_000_000) }
        let all = command.flag("all")
        if all && !command.positionals.isEmpty { throw command.usageError("Give job ids or '--all', not both.") }
        if !all && command.positionals.isEmpty { throw command.usageError("Missing expected argument '<id> ...' (or give '--all').") }
        var ids: [JobID] = []
        for text in command.positionals {
            guard let id = JobID(rawValue: text), spool.locate(id) != nil else { throw QueueError.unknownJob(text) }
            ids.append(id)
        }
        let showProgress = !command.flag("quiet") && CurrentProcess.isTerminal(.standardError)
        // With --all, "any ended dead" means: the DLQ grew while we waited.
        let deadAtStart = all ? (try FileSystem.countNames(in: spool.folder(.dead))) : 0
        let started = SystemClock.monotonicMicroseconds
        var openAtStart: Int?
        while true {
            var done = 0, dead = 0, open = 0, running = 0
            if all {
                for state in [JobState.pending, .processing, .failed] {
                    let count = try FileSystem.countNames(in: spool.folder(state))
                    open += count
                    if state == .processing { running = count }
                }
                dead = max(0, try FileSystem.countNames(in: spool.folder(.dead)) - deadAtStart)
                openAtStart = openAtStart ?? open
                done = max(0, (openAtStart ?? 0) - open - dead)
            } else {
                for id in ids {
                    switch spool.locate(id)?.state {
                    case .completed: done += 1
                    case .dead: dead += 1
                    case .processing: open += 1; running += 1
                    case nil: throw QueueError.unknownJob(id.rawValue)
                    default: open += 1
                    }
                }
            }
            if showProgress {
                let total = all ? (openAtStart ?? 0) : ids.count
                var text = "\(done)/\(total) done, \(dead) dead, \(running) running"
                // The rate so far, applied to what is left.
                let elapsed = Double(SystemClock.monotonicMicroseconds - started) / 1_000_000
                if done + dead > 0, open > 0 { text += ", eta \(formatDuration(elapsed / Double(done + dead) * Double(open)))" }
                try? FileDescriptor.standardError.writeAll("\r\(text)\u{1B}[K")
            }
            if open == 0 {
                if showProgress { try? FileDescriptor.standardError.writeAll("\n") }
                return dead > 0 ? .failure : .success
            }
            if let deadline, SystemClock.monotonicMicroseconds > deadline {
                if showProgress { try? FileDescriptor.standardError.writeAll("\n") }
                throw QueueError.timedOut("after \(formatDuration(timeout!)): \(open) job(s) not finished")
            }
            SystemClock.sleep(milliseconds: 50)
        }
    }
}
