// cancel: pending and failed jobs go to dead/ ("cancelled"); running ones are stopped by their
// worker (SIGTERM to the process group, SIGKILL after the grace period) and recorded the same way.

import QueueCore
import QueueSystem

enum CancelCommand {
    static func run(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        var failures = 0
        var running: [(id: String, worker: String)] = []
        for id in command.positionals {
            do {
                switch try spool.cancel(id) {
                case .cancelled:
                    Console.out("\(id): cancelled (moved to dead/; 'queuectl dlq retry \(id)' brings it back)")
                case .requested(let worker):
                    running.append((id, worker))
                }
            } catch {
                Console.error("Error: \(error)")
                failures += 1
            }
        }
        // Running jobs: wait until their workers have recorded them (or give up, saying so).
        let deadline = SystemClock.monotonicMicroseconds + Int64((spool.config.stopGraceSeconds + 10) * 1_000_000)
        while !running.isEmpty {
            running.removeAll { job in
                guard let location = spool.locate(JobID(rawValue: job.id)!), location.state != .processing else { return false }
                if location.state == .pending || location.state == .failed {
                    // Back in the queue (a forced stop, a lost run): cancel it there.
                    if (try? spool.cancel(job.id)) == .cancelled {
                        spool.clearCancelRequest(JobID(rawValue: job.id)!)
                        Console.out("\(job.id): cancelled (moved to dead/; 'queuectl dlq retry \(job.id)' brings it back)")
                        return true
                    }
                    return false
                }
                if location.state == .dead {
                    Console.out("\(job.id): cancelled while running (its process group was killed; moved to dead/)")
                } else {
                    Console.out("\(job.id): finished as \(location.state.rawValue) before it could be cancelled")
                }
                return true
            }
            if running.isEmpty { break }
            if SystemClock.monotonicMicroseconds > deadline {
                for job in running {
                    Console.error("Error: job '\(job.id)' is still running on worker \(job.worker); the cancel request stays in \(spool.cancelRequests)/")
                }
                return .failure
            }
            SystemClock.sleep(milliseconds: 50)
        }
        return failures == 0 ? .success : .failure
    }
}
