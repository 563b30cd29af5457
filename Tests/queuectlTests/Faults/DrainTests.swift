// Draining many jobs: under a storm of kill -9 (scenario 1), and with 8 workers and no faults
// (scenario 2). The jobs write their own ids into a ledger; the ledger and the spool's folders
// together prove that nothing was lost and nothing ran more often than the faults explain.

import Foundation
import QueueCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension Faults {
    @Suite("Draining under faults") struct Drain {
        /// Scenario 1. Four workers drain 300 jobs while a random one is killed with SIGKILL every
        /// 150–400 ms and replaced at once. A lost run counts as a failed attempt, so retries are
        /// generous (the test is about loss and duplication, not about the DLQ) and backoff is 1 s.
        @Test func randomKill9WhileThreeHundredJobsDrain() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            let total = 300
            #expect(try await spool.q("config", "set", "max-retries", "100").status == 0)
            #expect(try await spool.q("config", "set", "backoff-base", "1").status == 0)
            // The sleep after the ledger line widens the window in which a kill makes a run count twice.
            let command = faultLedger(spool) + "; sleep 0.1"
            let ids = (1...total).map { String(format: "storm-%03d", $0) }
            let batch = try jsonLines(ids.map { ["id": $0, "command": command] })
            let enqueued = try await spool.q("enqueue", "--file", "-", stdin: batch)
            try #require(enqueued.status == 0, "\(enqueued)")

            var workers = try (0..<4).map { _ in try spool.startWorker() }
            var kills = 0
            let started = ContinuousClock.now
            let deadline = started + .seconds(120)
            var generator = SystemRandomNumberGenerator()
            // Kill while at least a tenth of the jobs are left, then let the survivors converge.
            while finishedCount(spool.path) < total * 9 / 10 {
                if ContinuousClock.now > deadline {
                    Issue.record("the storm did not drain in 120 s: \(await stableCensus(spool.path)); \(kills) kills")
                    return
                }
                try await Task.sleep(for: .milliseconds(Int.random(in: 150...400, using: &generator)))
                let victim = Int.random(in: 0..<workers.count, using: &generator)
                try await workers[victim].killHard()
                kills += 1
                workers[victim] = try spool.startWorker()
            }
            try await waitUntil(timeout: 60, "every job is finished (\(takeCensus(spool.path)))") {
                finishedCount(spool.path) == total
            }
            let elapsed = ContinuousClock.now - started
            for worker in workers { worker.signal(SIGTERM) }
            for worker in workers { #expect(try await worker.waitForExit() == 0, "\(worker.output)") }

            try await expectConverged(spool, expected: Dictionary(uniqueKeysWithValues: ids.map { ($0, .completed) }))
            let ledger = spool.scratchLines("ledger")
            let counts = ledgerCounts(ledger)
            let missing = ids.filter { counts[$0] == nil }
            #expect(missing.isEmpty, "never ran: \(missing)")
            #expect(Set(counts.keys).isSubset(of: Set(ids)), "the ledger has ids nobody enqueued")
            let extra = ledger.count - total
            #expect(extra <= kills, "\(extra) extra runs but only \(kills) kills: \(counts.filter { $0.value > 1 })")
            #expect(kills >= 10, "the storm must really kill workers (\(kills) kills in \(elapsed))")
            print("kill storm: \(total) jobs, \(kills) kills, \(extra) extra runs, drained in \(elapsed)")
        }

        /// Scenario 2. `worker start --count 8`, 2000 jobs, no faults: every id exactly once.
        @Test func eightWorkersRunTwoThousandJobsExactlyOnce() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            let total = 2000
            let ids = (1...total).map { String(format: "many-%04d", $0) }
            let batch = try jsonLines(ids.map { ["id": $0, "command": faultLedger(spool)] })
            let enqueued = try await spool.q("enqueue", "--file", "-", stdin: batch)
            try #require(enqueued.status == 0, "\(enqueued)")
            #expect(enqueued.lines.count == total)

            let started = ContinuousClock.now
            let pool = try spool.startWorker(count: 8)
            try await waitUntil(timeout: 240, "2000 jobs are finished (\(takeCensus(spool.path)))") {
                finishedCount(spool.path) == total
            }
            let elapsed = ContinuousClock.now - started
            let status = try jsonObject(try await spool.q("status", "--json").stdout)
            #expect((status["workers"] as? [Any])?.count == 8, "\(status)")
            pool.signal(SIGTERM)
            #expect(try await pool.waitForExit(timeout: 30) == 0, "\(pool.output)")

            try await expectConverged(spool, expected: Dictionary(uniqueKeysWithValues: ids.map { ($0, .completed) }))
            let ledger = spool.scratchLines("ledger")
            let counts = ledgerCounts(ledger)
            #expect(ledger.count == total, "\(ledger.count) ledger lines for \(total) jobs; twice: \(counts.filter { $0.value > 1 }.keys.sorted().prefix(20))")
            #expect(Set(counts.keys) == Set(ids), "never ran: \(Set(ids).subtracting(counts.keys).sorted().prefix(20))")
            let attempts = spool.records(in: "completed").filter { int($0, "attempts") != 1 }
            #expect(attempts.isEmpty, "jobs with attempts ≠ 1: \(attempts.prefix(5))")
            // Every worker took part (a worker that never claims would hide a claim bug).
            let workersSeen = Set(spool.records(in: "completed").compactMap { $0["worker"] as? String })
            #expect(workersSeen.count == 8, "jobs ran on \(workersSeen.count) workers: \(workersSeen)")
            print("8 workers: \(total) jobs in \(elapsed)")
        }
    }
}
