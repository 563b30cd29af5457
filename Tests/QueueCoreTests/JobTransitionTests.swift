// JobTransitions and RunResult: each state change sets the fields that belong to it, and what a
// run's end means (completed, retried with backoff, dead, permanent, cancelled, interrupted).

import QueueSystem
import Testing
@testable import QueueCore

@Suite struct JobTransitionTests {
    let start = Timestamp(iso8601: "2026-11-22T00:00:00Z")!
    let policy = FailurePolicy(backoff: Backoff(base: 2, maximum: 3600), permanentExitCodes: [100])

    func pending(maxRetries: Int = 2) throws -> JobRecord {
        try JobRecord.decode(try parseJSON(#"{"id":"j","command":"false","max_retries":\#(maxRetries)}"#),
                             defaults: .init(maxRetries: 3, cwd: "/", now: start))
    }

    func ended(_ termination: Termination, maxRetries: Int = 2, timedOut: Bool = false, cancelled: Bool = false,
               forcedStopBy: String? = nil) throws -> JobRecord {
        var record = try pending(maxRetries: maxRetries)
        record.beginAttempt(worker: "w1", now: start)
        let ending = RunEnding(termination: termination, timedOut: timedOut, cancelled: cancelled, forcedStopBy: forcedStopBy)
        record.recordEnd(ending, duration: 1.5, policy: policy, now: start.adding(seconds: 2))
        return record
    }

    @Test func beginAttemptChargesAnAttemptAndNamesTheWorker() throws {
        var record = try pending()
        record.beginAttempt(worker: "w1", now: start)
        #expect(record.state == .processing)
        #expect(record.attempts == 1)
        #expect(record.worker == "w1")
        #expect(record.startedAt == start)
        #expect(record.finishedAt == nil)
    }

    @Test func exitZeroCompletes() throws {
        let record = try ended(.exited(0))
        #expect(record.state == .completed)
        #expect(record.exitCode == 0)
        #expect(record.lastError == nil)
        #expect(record.durationSeconds == 1.5)
    }

    @Test func failureRetriesAfterTheBackoffThenGoesDead() throws {
        let failed = try ended(.exited(3))
        #expect(failed.state == .failed)
        #expect(failed.exitCode == 3)
        #expect(failed.lastError == "exit status 3")
        #expect(failed.nextRunAt == start.adding(seconds: 2 + 2))  // base^1 after the first run
        let dead = try ended(.exited(3), maxRetries: 0)
        #expect(dead.state == .dead)
        #expect(dead.nextRunAt == nil)
    }

    @Test func permanentExitCodeIsDeadAtOnce() throws {
        let record = try ended(.exited(100))
        #expect(record.state == .dead)
        #expect(record.lastError == "exit status 100 (permanent: no retry)")
    }

    @Test func signalsAndTimeoutsAreNamed() throws {
        #expect(try ended(.signalled(.kill)).lastError == "killed by SIGKILL")
        #expect(try ended(.signalled(.terminate), timedOut: true).lastError == "timed out after 1.5s (killed by SIGTERM)")
        // A timed-out run that exited 0 after SIGTERM is still a failure.
        #expect(try ended(.exited(0), timedOut: true).state == .failed)
    }

    @Test func cancelIsDeadNeverRetriedAndCountsAsCancelled() throws {
        let record = try ended(.signalled(.terminate), cancelled: true)
        #expect(record.state == .dead)
        #expect(record.isCancelled)
        #expect(record.lastError == JobRecord.cancelledError)
    }

    @Test func forcedStopReturnsTheJobUncharged() throws {
        let record = try ended(.signalled(.kill), forcedStopBy: "w1")
        #expect(record.state == .pending)
        #expect(record.attempts == 0)
        #expect(record.lastError?.contains("forced stop of worker w1") == true)
    }

    @Test func dependencyEndedIsACancelWithItsReason() throws {
        var record = try pending()
        record.cancel(.dependencyEnded(JobID(rawValue: "build")!, .dead), now: start)
        #expect(record.state == .dead)
        #expect(record.lastError == "dependency 'build' ended dead")
        #expect(!record.isCancelled)
    }

    @Test func dlqRetryResetsAttemptsAndTheError() throws {
        var record = try ended(.exited(3), maxRetries: 0)
        let later = start.adding(seconds: 60)
        record.resetForRetry(now: later)
        #expect(record.state == .pending)
        #expect(record.attempts == 0)
        #expect(record.lastError == nil)
        #expect(record.exitCode == nil)
        #expect(record.runAt == later)
    }

    @Test func everyMoveTheTransitionsMakeIsOneTheStateMachineAllows() {
        // The transitions trap on a move JobState does not allow; these are the moves they make.
        let moves: [(JobState, JobState)] = [
            (.pending, .processing), (.failed, .processing), (.processing, .completed), (.processing, .failed),
            (.processing, .dead), (.processing, .pending), (.dead, .pending), (.pending, .dead), (.failed, .dead),
        ]
        for (from, to) in moves { #expect(from.canMove(to: to), "\(from) → \(to)") }
        #expect(!JobState.completed.canMove(to: .processing))
        #expect(!JobState.dead.canMove(to: .processing))
    }
}
