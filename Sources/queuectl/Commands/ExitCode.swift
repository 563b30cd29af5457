// ExitCode: how queuectl ends, decided in one place. 0 success; 1 a failure (an unknown job, a
// job that ended dead for `wait`, a system error); 2 a usage or validation error, with nothing
// written; 124 a `wait` that timed out (as timeout(1)).

import QueueCore

enum ExitCode: Int32, Sendable {
    case success = 0
    case failure = 1
    case usage = 2
    case timedOut = 124

    /// The exit status for an error a command threw.
    init(_ error: QueueError) {
        self = ExitCode(rawValue: error.exitCode) ?? .failure
    }
}
