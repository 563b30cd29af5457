// Scenarios 7 and 8: kill -9 at the worst moments, and crashes between the steps of every
// multi-step operation. `QUEUECTL_CRASH_AT=<point>` makes queuectl SIGKILL itself at a named
// point (Sources/QueueCore/CrashPoint.swift lists them). After each crash, a restart or
// `doctor --fix` must converge: every job completed or dead as its command says, nothing in
// processing/, no job lost or in two places, no run more than the crashes explain, and
// `doctor` finds nothing.

import Foundation
import QueueCore
import QueueSystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The environment that makes queuectl kill itself at `point`.
func crashAt(_ point: String) -> [String: String] { ["QUEUECTL_CRASH_AT": point] }

/// How a test job behaves, by its command.
enum JobBehaviour: String, Sendable, CustomStringConvertible {
    case succeeds, failsOnceThenSucceeds, alwaysFails
    var description: String { rawValue }

    /// The command (which appends the id to the ledger first) and its max_retries.
    func job(_ spool: TestSpool) -> (command: String, maxRetries: Int) {
        switch self {
        case .succeeds: (faultLedger(spool), 3)
        case .failsOnceThenSucceeds: (faultLedger(spool) + #"; [ "$QUEUECTL_ATTEMPT" -ge 2 ]"#, 3)
        case .alwaysFails: (faultLedger(spool) + "; exit 3", 0)
        }
    }
}

/// One worker crash: where, what the job does, and how it must end.
struct WorkerCrash: Sendable, CustomTestStringConvertible {
    let point: String
    let behaviour: JobBehaviour
    let state: JobState
    let attempts: Int
    let runs: Int
    var testDescription: String { "\(point), job \(behaviour) → \(state.rawValue), \(attempts) attempts, \(runs) runs" }
}

extension Faults {
    @Suite("Crashes at the worst moments") struct WorstMoments {
        static let cases: [WorkerCrash] = [
            // Claimed, its command not started: the claim's rename is the record that the run
            // began, so it counts as a lost run (charged) although the command never ran; runs once.
            WorkerCrash(point: "after-claim", behaviour: .succeeds, state: .completed, attempts: 2, runs: 1),
            // The run happened but its result was never written: a lost run, charged, run again.
            WorkerCrash(point: "before-result", behaviour: .succeeds, state: .completed, attempts: 2, runs: 2),
            WorkerCrash(point: "before-result", behaviour: .failsOnceThenSucceeds, state: .completed, attempts: 2, runs: 2),
            WorkerCrash(point: "before-result", behaviour: .alwaysFails, state: .dead, attempts: 1, runs: 1),
            // The result is staged in tmp/ but not yet in its claim: the reaper finds it there
            // (whole: only a power cut tears an unsynced file), places it and moves it; nothing
            // runs again.
            WorkerCrash(point: "after-stage", behaviour: .succeeds, state: .completed, attempts: 1, runs: 1),
            WorkerCrash(point: "after-stage", behaviour: .failsOnceThenSucceeds, state: .completed, attempts: 2, runs: 2),
            WorkerCrash(point: "after-stage", behaviour: .alwaysFails, state: .dead, attempts: 1, runs: 1),
            // The result is in its claim, the move is not: the reaper finishes the move, nothing runs again.
            WorkerCrash(point: "after-result", behaviour: .succeeds, state: .completed, attempts: 1, runs: 1),
            // ... including a retry being scheduled (the record says failed with its retry time).
            WorkerCrash(point: "after-result", behaviour: .failsOnceThenSucceeds, state: .completed, attempts: 2, runs: 2),
            WorkerCrash(point: "after-result", behaviour: .alwaysFails, state: .dead, attempts: 1, runs: 1),
            // Moved, its cancel request and metrics not yet done.
            WorkerCrash(point: "after-move", behaviour: .succeeds, state: .completed, attempts: 1, runs: 1),
            WorkerCrash(point: "after-move", behaviour: .failsOnceThenSucceeds, state: .completed, attempts: 2, runs: 2),
        ]

        @Test(arguments: cases)
        func workerKilledAtACrashPointConvergesAfterARestart(_ crash: WorkerCrash) async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("config", "set", "backoff-base", "1").status == 0)
            let (command, retries) = crash.behaviour.job(spool)
            #expect(try await spool.q("enqueue", "--command", command, "--id", "victim", "--max-retries", String(retries)).status == 0)

            let crashing = try spool.startWorker(environment: crashAt(crash.point))
            #expect(try await crashing.waitForExit() == 137, "the worker must die at \(crash.point):\n\(crashing.output)")
            // Right after the crash the job is still claimed by the dead worker (or, after the
            // move, in its new folder), and nowhere else.
            let census = takeCensus(spool.path)
            let expectedNow = crash.point != "after-move" ? "processing" : crash.behaviour == .succeeds ? "completed" : "failed"
            #expect(census.total == 1 && census.state(of: "victim") == expectedNow, "\(census)")
            let ranBefore = spool.scratchLines("ledger").count
            #expect(ranBefore == (crash.point == "after-claim" ? 0 : 1))

            let worker = try spool.startWorker()
            let record = try await spool.waitForState("victim", crash.state.rawValue, timeout: 20)
            #expect(int(record, "attempts") == crash.attempts, "\(record)")
            #expect(spool.scratchLines("ledger") == Array(repeating: "victim", count: crash.runs))
            if crash.state == .completed { #expect(int(record, "exit_code") == 0, "\(record)") }
            // (After a crash past the move, the job may be finished before the new worker is up.)
            try await waitUntil("the new worker is up") { worker.output.contains("started (pid") }
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")
            try await expectConverged(spool, expected: ["victim": crash.state])
        }

        /// Killed while the job waits in failed/ for its retry: a restarted worker still runs it
        /// at its retry time (not before, hardly after), and the kill costs no attempt.
        @Test func killDuringARetryBackoffKeepsTheRetryOnTime() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("config", "set", "backoff-base", "3").status == 0)
            let (command, _) = JobBehaviour.failsOnceThenSucceeds.job(spool)
            #expect(try await spool.q("enqueue", "--command", command, "--id", "backoff").status == 0)
            let first = try spool.startWorker()
            let failed = try await spool.waitForState("backoff", "failed")
            let retryAt = try #require(time(failed, "next_run_at"), "\(failed)")
            // Killed once it has finished recording the failure (its log says so): only the backoff is left.
            try await waitUntil("the worker logged the failure") { first.output.contains("backoff failed") }
            try await first.killHard()
            #expect(Timestamp.now() < retryAt, "the kill must happen during the backoff")
            #expect(spool.state(of: "backoff") == "failed")

            let second = try spool.startWorker()
            let done = try await spool.waitForState("backoff", "completed", timeout: 20)
            let started = try #require(time(done, "started_at"), "\(done)")
            let lateness = started.secondsSince(retryAt)
            #expect(lateness >= -0.01, "the retry started \(-lateness) s before its time")
            #expect(lateness < 1.5, "the retry started \(lateness) s after its time")
            #expect(int(done, "attempts") == 2, "the kill during the backoff must cost no attempt: \(done)")
            #expect(spool.scratchLines("ledger") == ["backoff", "backoff"])
            second.signal(SIGTERM)
            #expect(try await second.waitForExit() == 0)
            try await expectConverged(spool, expected: ["backoff": .completed])
        }

        /// Three kill -9 / restart cycles in a row, each while a job runs: every job still ends
        /// as its command says, and the kills explain every extra run.
        @Test func threeKillRestartCyclesInARow() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("config", "set", "backoff-base", "1").status == 0)
            var expected: [String: JobState?] = [:]
            var lines: [[String: Any]] = []
            for index in 1...4 {
                lines.append(["id": "ok-\(index)", "command": faultLedger(spool) + "; sleep 0.4", "max_retries": 5])
                expected["ok-\(index)"] = .completed
            }
            for index in 1...2 {
                lines.append(["id": "bad-\(index)", "command": faultLedger(spool) + "; sleep 0.4; exit 4", "max_retries": 0])
                expected["bad-\(index)"] = .dead
            }
            #expect(try await spool.q("enqueue", "--file", "-", stdin: try jsonLines(lines)).status == 0)

            for cycle in 1...3 {
                let before = spool.scratchLines("ledger").count
                let worker = try spool.startWorker()
                try await waitUntil(timeout: 20, "worker \(cycle) starts a run") { spool.scratchLines("ledger").count > before }
                try await worker.killHard()
                #expect(takeCensus(spool.path).count(.processing) >= 1, "cycle \(cycle) must kill a worker during a run")
            }
            let last = try spool.startWorker()
            try await waitUntil(timeout: 30, "every job is finished (\(takeCensus(spool.path)))") { finishedCount(spool.path) == 6 }
            last.signal(SIGTERM)
            #expect(try await last.waitForExit() == 0)
            try await expectConverged(spool, expected: expected)
            let ledger = spool.scratchLines("ledger")
            #expect(Set(ledger) == Set(expected.keys), "\(ledger)")
            #expect(ledger.count - 6 <= 3, "\(ledger.count - 6) extra runs for 3 kills: \(ledgerCounts(ledger))")
        }
    }

    @Suite("Crashes between the steps of multi-step operations") struct MultiStep {
        enum Repair: String, Sendable, CaseIterable, CustomStringConvertible {
            case sameCommandAgain, doctorFix
            var description: String { rawValue }
        }

        /// `dlq retry` rewrites dead/ID.json to say pending, then moves it. Killed in between,
        /// the job is in dead/ saying pending: `dlq retry` again or `doctor --fix` finishes it.
        @Test(arguments: Repair.allCases)
        func dlqRetryKilledBetweenRewriteAndMove(_ repair: Repair) async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            let fixed = spool.scratchPath("fixed")
            let command = faultLedger(spool) + "; test -e " + shellQuoted(fixed)
            #expect(try await spool.q("enqueue", "--command", command, "--id", "phoenix", "--max-retries", "0").status == 0)
            let worker = try spool.startWorker()
            try await spool.waitForState("phoenix", "dead")
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0)
            FileManager.default.createFile(atPath: fixed, contents: nil)  // someone fixed the cause

            let crashed = try await spool.run(["--spool", spool.path, "dlq", "retry", "phoenix"], environment: crashAt("dlq-retry-after-rewrite"))
            #expect(crashed.status == 137, "\(crashed)")
            #expect(spool.state(of: "phoenix") == "dead")
            #expect(spool.record(of: "phoenix")?["state"] as? String == "pending", "the rewrite happened before the crash")
            let doctor = try await spool.q("doctor", "--json")
            #expect(doctor.status == 1 && doctor.stdout.contains("dlq retry"), "doctor must see the interrupted retry: \(doctor)")

            switch repair {
            case .sameCommandAgain:
                let again = try await spool.q("dlq", "retry", "phoenix")
                #expect(again.status == 0 && again.trimmed == "phoenix", "\(again)")
            case .doctorFix:
                let fix = try await spool.q("doctor", "--fix")
                #expect(fix.status == 0, "\(fix)")
            }
            let pending = try #require(spool.record(of: "phoenix"))
            #expect(spool.state(of: "phoenix") == "pending" && int(pending, "attempts") == 0, "\(pending)")
            #expect(takeCensus(spool.path).total == 1)

            let second = try spool.startWorker()
            let done = try await spool.waitForState("phoenix", "completed")
            #expect(int(done, "attempts") == 1, "\(done)")
            #expect(spool.scratchLines("ledger") == ["phoenix", "phoenix"], "one dead run, one after the retry")
            second.signal(SIGTERM)
            #expect(try await second.waitForExit() == 0)
            try await expectConverged(spool, expected: ["phoenix": .completed])
        }

        /// A batch reserves ids (ids/ID) and stages the job files in tmp/.batch-NONCE/ before any
        /// of them is published. Killed then: the ids stay reserved (a new enqueue of them is
        /// refused), `doctor --fix` removes the staging folder and releases them, and then they
        /// can be enqueued and run once.
        @Test(arguments: [1, 3])
        func enqueueKilledAfterReservingIds(_ count: Int) async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            let ids = (1...count).map { "reserved-\($0)" }
            let batch = try jsonLines(ids.map { ["id": $0, "command": faultLedger(spool)] })
            let crashed = try await spool.run(["--spool", spool.path, "enqueue", "--file", "-"], environment: crashAt("enqueue-after-reserve"),
                                              stdin: batch)
            #expect(crashed.status == 137, "\(crashed)")
            for id in ids { #expect(FileSystem.exists(spool.path + "/ids/" + id), "ids/\(id) must stay reserved") }
            #expect(takeCensus(spool.path).total == 0, "no job file may be published")
            #expect(spool.names("tmp").isEmpty, "no file in tmp/: \(spool.names("tmp"))")

            let refused = try await spool.q("enqueue", "--command", "true", "--id", ids[0])
            #expect(refused.status == 2, "a reserved id is taken: \(refused)")
            let doctor = try await spool.q("doctor", "--json")
            // The batch's staging folder in tmp/, and each reservation.
            #expect(doctor.status == 1 && (try? jsonArray(doctor.stdout))?.count == count + 1, "\(doctor)")
            let fix = try await spool.q("doctor", "--fix")
            #expect(fix.status == 0, "\(fix)")
            for id in ids { #expect(!FileSystem.exists(spool.path + "/ids/" + id), "doctor --fix must release ids/\(id)") }

            let again = try await spool.q("enqueue", "--file", "-", stdin: batch)
            #expect(again.status == 0 && again.lines == ids, "\(again)")
            let worker = try spool.startWorker()
            for id in ids { try await spool.waitForState(id, "completed") }
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0)
            #expect(spool.scratchLines("ledger").sorted() == ids)
            try await expectConverged(spool, expected: Dictionary(uniqueKeysWithValues: ids.map { ($0, .completed) }))
        }

        /// A worker adopting a dropped file publishes the job under its own name, then removes the
        /// original. Killed in between, both are in pending/: the next worker runs the job once
        /// and removes the original (no second job, nothing quarantined).
        @Test(arguments: [nil, "explicit-id"] as [String?])
        func dropAdoptionKilledBeforeTheOriginalIsRemoved(_ explicitID: String?) async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("init").status == 0)
            let id = explicitID ?? "dropped-job"
            var job: [String: Any] = ["command": faultLedger(spool)]
            if let explicitID { job["id"] = explicitID }
            let staged = spool.path + "/tmp/.staged"
            try JSONSerialization.data(withJSONObject: job).write(to: URL(fileURLWithPath: staged))
            #expect(rename(staged, spool.path + "/pending/dropped-job.json") == 0)

            let crashing = try spool.startWorker(environment: crashAt("adopt-before-unlink"))
            #expect(try await crashing.waitForExit() == 137, "\(crashing.output)")
            let census = takeCensus(spool.path)
            #expect(census.locations[id]?.count == 1 && census.foreign == ["pending/dropped-job.json"],
                    "the job is published and the original still there: \(census)")

            let worker = try spool.startWorker()
            try await spool.waitForState(id, "completed")
            try await waitUntil("the original is removed (\(spool.names("pending")))") { spool.names("pending").isEmpty }
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0)
            #expect(spool.scratchLines("ledger") == [id])
            #expect(spool.names("quarantine").isEmpty, "nothing may be quarantined: \(spool.names("quarantine"))")
            try await expectConverged(spool, expected: [id: .completed])
        }

        enum ReapRepair: String, Sendable, CaseIterable, CustomStringConvertible {
            case workerRestart, reapCommand, doctorFix
            var description: String { rawValue }
        }

        /// Retry scheduling by the reaper: it renames an orphaned claim to its own name, charges the
        /// lost run in the record, then moves it to failed/. Killed after either step, a worker
        /// start, `queuectl reap` or `doctor --fix` finishes the job charged exactly once.
        @Test(arguments: ["reap-after-takeover", "reap-after-rewrite"], ReapRepair.allCases)
        func reaperKilledWhileSchedulingARetry(_ point: String, _ repair: ReapRepair) async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("config", "set", "backoff-base", "1").status == 0)
            let command = faultLedger(spool) + #"; if [ "$QUEUECTL_ATTEMPT" = 1 ]; then sleep 60; fi"#
            #expect(try await spool.q("enqueue", "--command", command, "--id", "orphan").status == 0)
            let first = try spool.startWorker()
            try await waitUntil("the first run started") { spool.scratchLines("ledger").count == 1 }
            try await first.killHard()

            let crashed = try await spool.run(["--spool", spool.path, "reap"], environment: crashAt(point))
            #expect(crashed.status == 137, "\(crashed)")
            let claim = try #require(spool.location(of: "orphan"))
            #expect(claim.state == "processing" && claim.file.contains("@reaper-"), "the reaper took the claim over: \(claim)")
            #expect(claim.file.hasSuffix("~1.json"), "the takeover keeps the attempt in the name: \(claim)")
            // After the takeover the file still holds the record as it was claimed (the name says
            // its first run began); after the rewrite, the lost run charged.
            let taken = try #require(spool.record(of: "orphan"))
            #expect(int(taken, "attempts") == (point == "reap-after-takeover" ? 0 : 1), "\(taken)")
            #expect(taken["state"] as? String == (point == "reap-after-takeover" ? "pending" : "failed"), "\(taken)")

            switch repair {
            case .workerRestart:
                break
            case .reapCommand:
                let reap = try await spool.q("reap")
                #expect(reap.status == 0, "\(reap)")
            case .doctorFix:
                let fix = try await spool.q("doctor", "--fix")
                #expect(fix.status == 0, "\(fix)")
            }
            if repair != .workerRestart {
                let retry = try await spool.waitForState("orphan", "failed", timeout: 5)
                #expect(int(retry, "attempts") == 1, "the lost run is charged once, not twice: \(retry)")
            }
            let worker = try spool.startWorker()
            let done = try await spool.waitForState("orphan", "completed", timeout: 20)
            #expect(int(done, "attempts") == 2, "one lost run, one good run: \(done)")
            #expect(spool.scratchLines("ledger") == ["orphan", "orphan"])
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0)
            try await expectConverged(spool, expected: ["orphan": .completed])
        }
    }
}
