// Recurring jobs with the real binary: `--every 1s` with 3 workers yields one occurrence per
// second, none twice; the catch-up policies after workers were stopped; --no-overlap; a dead
// occurrence does not stop the next; bad expressions are refused with exit 2 naming the field.

import Foundation
import QueueCore
import Testing

@Suite("schedules") struct ScheduleTests {
    /// The occurrence times (seconds since the epoch) of schedule `name`'s jobs, in any state.
    static func occurrences(_ spool: TestSpool, _ name: String) -> [Int64] {
        var times: [Int64] = []
        for state in TestSpool.states {
            for file in spool.names(state) {
                guard let range = file.range(of: name + "-"), file.hasSuffix(".json") else { continue }
                let text = file[range.upperBound...].prefix(15)  // 20261202T103000
                if let time = Timestamp(compact: text + ".000Z") { times.append(time.microseconds / 1_000_000) }
            }
        }
        return times.sorted()
    }

    /// Seconds of the run: the issue's 60 s (the test takes that long by design).
    static let everySecondRun = 60.0

    @Test func everySecondWithThreeWorkersYieldsOneOccurrencePerSecondNoneTwice() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let ledger = spool.scratchPath("runs")
        let added = try await spool.q("schedule", "add", "tick", "--every", "1s", "--", "/bin/sh", "-c", "echo $QUEUECTL_JOB_ID >> \(shellQuoted(ledger))")
        #expect(added.status == 0, "\(added)")
        let workers = try spool.startWorker(count: 3)
        let startedAt = Timestamp.now()
        try await Task.sleep(for: .seconds(Self.everySecondRun))
        #expect(try await spool.q("schedule", "pause", "tick").status == 0)
        let pausedAt = Timestamp.now()
        try await waitUntil(timeout: 30, "every occurrence ran") {
            spool.names("pending").isEmpty && spool.names("processing").isEmpty
        }
        workers.signal(.terminate)
        _ = try await workers.waitForExit()
        let times = Self.occurrences(spool, "tick")
        let runs = spool.scratchLines("runs")
        let elapsed = pausedAt.secondsSince(startedAt)
        let gaps = zip(times, times.dropFirst()).filter { $1 - $0 != 1 }
        print("figure: --every 1s, 3 workers, \(String(format: "%.1f", elapsed)) s: \(times.count) occurrences, \(runs.count) runs, \(Set(runs).count) distinct, gaps \(gaps)")
        #expect(abs(Double(times.count) - elapsed) <= 2, "one occurrence per second (±1 at each edge)")
        #expect(gaps.isEmpty, "no second missed")
        #expect(runs.count == Set(runs).count && runs.count == times.count, "each occurrence ran exactly once")
    }

    @Test func catchUpPoliciesAfterWorkersWereStopped() async throws {
        let policies = ["skip", "last", "all"]
        var spools: [String: TestSpool] = [:]
        // Each schedule's first occurrence is the first multiple of 2 s after the second it was
        // created in, as its file records it (on a loaded machine the add's process may start a
        // second or more after the test called it, so the test's own clock would be off).
        var firstOccurrence: [String: Int64] = [:]
        for policy in policies {
            let spool = try TestSpool()
            spools[policy] = spool
            let added = try await spool.q("schedule", "add", "s", "--every", "2s", "--catch-up", policy, "--command", "true")
            #expect(added.status == 0, "\(added)")
            let file = try #require(try? jsonObject(String(contentsOfFile: spool.path + "/schedules/s.json", encoding: .utf8)))
            let created = try #require((file["created_at"] as? String).flatMap { Timestamp(iso8601: $0) }, "\(file)")
            firstOccurrence[policy] = (created.microseconds / 2_000_000 + 1) * 2
        }
        defer { for spool in spools.values { spool.cleanup() } }
        try await Task.sleep(for: .seconds(9))  // no worker: about four occurrences missed
        let restart = Timestamp.now().microseconds / 1_000_000
        var workers: [TestProcess] = []
        for policy in policies { workers.append(try spools[policy]!.startWorker()) }
        try await Task.sleep(for: .seconds(5))
        for worker in workers { worker.signal(.terminate) }
        for worker in workers { _ = try await worker.waitForExit() }
        var figures: [String] = []
        for policy in policies {
            let missed = stride(from: firstOccurrence[policy]!, through: restart, by: 2).map { Int64($0) }
            let times = Self.occurrences(spools[policy]!, "s")
            let before = times.filter { $0 <= restart }, after = times.filter { $0 > restart }
            figures.append("\(policy): \(before.count) of \(missed.count) missed enqueued, \(after.count) on time after")
            #expect(!after.isEmpty, "\(policy): the schedule goes on after the restart")
            switch policy {
            case "all": #expect(before == missed, "all: every missed occurrence ran")
            case "last": #expect(before == [missed.last!], "last: only the latest missed occurrence ran, once")
            default: #expect(before.allSatisfy { $0 >= restart - 2 }, "skip: nothing older than the grace ran: \(before)")
            }
        }
        print("figure: catch-up after 9 s without workers (every 2s): " + figures.joined(separator: "; "))
    }

    @Test func noOverlapSkipsWhileThePreviousRunsAndDeadOccurrencesDoNotStopTheNext() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("schedule", "add", "slow", "--every", "1s", "--no-overlap", "--command", "sleep 2.5").status == 0)
        #expect(try await spool.q("schedule", "add", "failing", "--every", "1s", "--max-retries", "0", "--command", "exit 3").status == 0)
        let workers = try spool.startWorker(count: 3)
        try await Task.sleep(for: .seconds(8))
        #expect(try await spool.q("schedule", "pause", "slow").status == 0)
        #expect(try await spool.q("schedule", "pause", "failing").status == 0)
        try await waitUntil(timeout: 20, "the runs ended") { spool.names("processing").isEmpty && spool.names("pending").isEmpty }
        workers.signal(.terminate)
        _ = try await workers.waitForExit()
        let slow = spool.records(in: "completed").filter { ($0["id"] as? String)?.hasPrefix("slow-") == true }
            .compactMap { record -> (Timestamp, Timestamp)? in
                guard let start = time(record, "started_at"), let end = time(record, "finished_at") else { return nil }
                return (start, end)
            }.sorted { $0.0 < $1.0 }
        let overlapping = zip(slow, slow.dropFirst()).filter { $1.0 < $0.1 }
        let dead = spool.names("dead").filter { $0.hasPrefix("failing-") }
        print("figure: --no-overlap, every 1s, 2.5 s runs over 8 s: \(slow.count) runs, \(overlapping.count) overlapping; failing schedule: \(dead.count) dead occurrences")
        #expect(slow.count >= 2 && slow.count <= 4)
        #expect(overlapping.isEmpty)
        #expect(dead.count >= 5, "each dead occurrence is followed by the next")
    }

    @Test func schedulesAreFilesAndBadOnesAreRefused() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let bad = try await spool.q("schedule", "add", "x", "--cron", "0 25 * * *", "--", "true")
        #expect(bad.status == 2 && bad.stderr.contains("hour"), "\(bad)")
        let both = try await spool.q("schedule", "add", "x", "--cron", "* * * * *", "--every", "1m", "--", "true")
        #expect(both.status == 2, "\(both)")
        let none = try await spool.q("schedule", "add", "x", "--", "true")
        #expect(none.status == 2, "\(none)")
        #expect(!FileManager.default.fileExists(atPath: spool.path + "/schedules/x.json"), "nothing written")
        let json = try await spool.q("schedule", "add", "nightly", #"{"cron": "30 2 * * mon-fri", "catch_up": "skip", "job": {"command": "make backup", "group": "ops"}}"#)
        #expect(json.status == 0, "\(json)")
        let again = try await spool.q("schedule", "add", "nightly", "--every", "1h", "--", "true")
        #expect(again.status == 2, "a name is taken once: \(again)")
        let list = try jsonArray(try await spool.q("schedule", "list", "--json").stdout)
        #expect(list.count == 1 && list[0]["next_run_at"] is String && list[0]["catch_up"] as? String == "skip", "\(list)")
        #expect(try await spool.q("schedule", "rm", "nightly").status == 0)
        #expect(try await spool.q("schedule", "rm", "nightly").status == 1)
    }
}
