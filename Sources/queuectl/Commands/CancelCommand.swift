// cancel: pending and failed jobs go to dead/ ("cancelled"); running ones are stopped by their
// worker (SIGTERM to the process group, SIGKILL after the grace period) and recorded the same way.

import QueueCore

enum CancelCommand {
    static func run(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        var failures = 0
        var running: [(id: JobID, worker: String)] = []
        for id in command.positionals {
            do {
                switch try spool.cancel(id) {
                case .cancelled:
                    Console.out("\(id): cancelled (moved to dead/; 'queuectl dlq retry \(id)' brings it back)")
                case .requested(let worker):
                    if let jobID = JobID(rawValue: id) { running.append((jobID, worker)) }
                }
            } catch {
                Console.error("Error: \(error)")
                failures += 1
            }
        }
        // Running jobs: their workers record them (or the time is up, which is said).
        for (id, ending) in spool.awaitCancellations(running) {
            switch ending {
            case .cancelledInQueue:
                Console.out("\(id): cancelled (moved to dead/; 'queuectl dlq retry \(id)' brings it back)")
            case .cancelledWhileRunning:
                Console.out("\(id): cancelled while running (its process group was killed; moved to dead/)")
            case .finished(let state):
                Console.out("\(id): finished as \(state.rawValue) before it could be cancelled")
            case .stillRunning(let worker):
                Console.error("Error: job '\(id)' is still running on worker \(worker); the cancel request stays in \(spool.cancelRequests)/")
                failures += 1
            }
        }
        return failures == 0 ? .success : .failure
    }
}
