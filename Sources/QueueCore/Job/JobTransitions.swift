// JobTransitions: every change of a job's state is one of these functions, and each is checked
// against JobState's moves (a move the state machine does not allow is a bug, and traps).
// Guarantees: the fields that belong to a state (attempts, times, exit code, last error, next
// run) are set together here and nowhere else.

/// Why a job ended in the DLQ without its command failing.
public enum CancelReason: Sendable, Equatable {
    /// `queuectl cancel`.
    case requested
    /// A job in its `after` list ended dead (or is gone).
    case dependencyEnded(JobID, JobState)

    /// The `last_error` it records.
    public var message: String {
        switch self {
        case .requested: JobRecord.cancelledError
        case .dependencyEnded(let id, let state): "dependency '\(id)' ended \(state.rawValue)"
        }
    }
}

/// What a failed run means: the spool's settings a record is judged by.
public struct FailurePolicy: Sendable {
    public let backoff: Backoff
    public let permanentExitCodes: [Int]

    public init(backoff: Backoff, permanentExitCodes: [Int]) {
        self.backoff = backoff
        self.permanentExitCodes = permanentExitCodes
    }
}

extension JobRecord {
    /// `last_error` of a cancelled job.
    public static let cancelledError = "cancelled"

    /// True for a job that `cancel` sent to the DLQ (not a failure of its command).
    public var isCancelled: Bool { state == .dead && lastError == JobRecord.cancelledError }

    private mutating func move(to next: JobState, now: Timestamp) {
        precondition(state == next || state.canMove(to: next), "job \(id): \(state.rawValue) → \(next.rawValue) is not a move")
        state = next
        updatedAt = now
    }

    /// A claimed job starts a run: one more attempt, charged now.
    public mutating func beginAttempt(worker: String, now: Timestamp) {
        beginAttempt(attempts + 1, worker: worker, now: now)
    }

    /// A run that is attempt number `attempt` began at `now` (a claim named with its attempt
    /// holds the record from before its run: see `FileName.attempt`).
    public mutating func beginAttempt(_ attempt: Int, worker: String, now: Timestamp) {
        move(to: .processing, now: now)
        attempts = attempt
        runs = max(runs, attempts - 1) + 1
        startedAt = now
        finishedAt = nil
        durationSeconds = nil
        self.worker = worker
    }

    /// The run ended (whatever the outcome): its end time and length.
    public mutating func endRun(duration: Double, now: Timestamp) {
        finishedAt = now
        durationSeconds = duration
    }

    /// The run exited 0.
    public mutating func complete(now: Timestamp) {
        move(to: .completed, now: now)
        exitCode = 0
        lastError = nil
        nextRunAt = nil
    }

    /// The run failed: retried after the backoff (`failed`), or `dead` when no retry is left or
    /// its exit status is a permanent one. Returns the new state.
    @discardableResult
    public mutating func fail(_ reason: String, exitCode: Int?, policy: FailurePolicy, now: Timestamp) -> JobState {
        self.exitCode = exitCode
        let permanent = exitCode.map { (permanentExitCodes ?? policy.permanentExitCodes).contains($0) } ?? false
        if !permanent && Backoff.hasRetriesLeft(attempts: attempts, maxRetries: maxRetries) {
            move(to: .failed, now: now)
            lastError = reason
            nextRunAt = now.adding(seconds: policy.backoff.delay(afterAttempt: attempts))
        } else {
            move(to: .dead, now: now)
            lastError = permanent ? reason + " (permanent: no retry)" : reason
            nextRunAt = nil
        }
        return state
    }

    /// Straight to the DLQ, never retried: a cancel, or a dependency that ended dead.
    public mutating func cancel(_ reason: CancelReason, exitCode: Int? = nil, now: Timestamp) {
        move(to: .dead, now: now)
        lastError = reason.message
        self.exitCode = exitCode
        nextRunAt = nil
    }

    /// A run stopped from outside (a forced stop): back to pending/, the attempt not charged.
    public mutating func interrupt(_ reason: String, now: Timestamp) {
        move(to: .pending, now: now)
        attempts = max(0, attempts - 1)
        lastError = reason
        exitCode = nil
    }

    /// A reaper took the claim over: the record names the reaper, so a worker that reads its old
    /// claim back (on a network file system, through a stale name) sees that it is no longer its own.
    public mutating func takeOver(by reaper: String) {
        worker = reaper
    }

    /// A claim whose run never began goes back to pending/ as it was.
    public mutating func giveBack(now: Timestamp) {
        move(to: .pending, now: now)
    }

    /// Run again now (`requeue`), from completed/, dead/ or failed/: attempts reset, due now, the
    /// last run's result cleared (its output stays in the log).
    public mutating func requeue(now: Timestamp) {
        resetForRetry(now: now)
        startedAt = nil
        finishedAt = nil
        durationSeconds = nil
        worker = nil
    }

    /// A fresh start from the DLQ (`dlq retry`): attempts reset, due now.
    public mutating func resetForRetry(now: Timestamp) {
        move(to: .pending, now: now)
        attempts = 0
        runAt = now
        nextRunAt = nil
        exitCode = nil
        lastError = nil
    }
}
