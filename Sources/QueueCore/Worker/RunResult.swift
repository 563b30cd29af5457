// RunResult: what the end of a run means for its job, decided in one place: completed, failed
// (retried or dead by the spool's policy), cancelled, or returned uncharged by a forced stop.

import QueueSystem

/// How a run came to its end, beyond the child's own termination.
public struct RunEnding: Sendable {
    public var termination: Termination
    /// The run was killed for running past its timeout.
    public var timedOut: Bool
    /// A `cancel` of this job killed the run.
    public var cancelled: Bool
    /// The worker was stopped with force (its id), and that killed the run.
    public var forcedStopBy: String?

    public init(termination: Termination, timedOut: Bool, cancelled: Bool, forcedStopBy: String?) {
        self.termination = termination
        self.timedOut = timedOut
        self.cancelled = cancelled
        self.forcedStopBy = forcedStopBy
    }
}

extension JobRecord {
    /// Records the end of the run that `beginAttempt` started.
    public mutating func recordEnd(_ ending: RunEnding, duration: Double, policy: FailurePolicy, now: Timestamp) {
        endRun(duration: duration, now: now)
        if ending.cancelled {
            var status: Int?
            if case .exited(let code) = ending.termination { status = Int(code) }
            cancel(.requested, exitCode: status, now: now)
            return
        }
        if let worker = ending.forcedStopBy, !ending.timedOut {
            interrupt("interrupted by a forced stop of worker \(worker) (not counted as an attempt)", now: now)
            return
        }
        switch ending.termination {
        case .exited(0) where !ending.timedOut:
            complete(now: now)
        case .exited(let status):
            let reason = ending.timedOut ? "timed out after \(formatDuration(duration))" : "exit status \(status)"
            fail(reason, exitCode: Int(status), policy: policy, now: now)
        case .signalled(let signal):
            let reason = ending.timedOut
                ? "timed out after \(formatDuration(duration)) (killed by \(signal))"
                : "killed by \(signal)"
            fail(reason, exitCode: nil, policy: policy, now: now)
        }
    }
}
