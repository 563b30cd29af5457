// Retention and housekeeping, with the real binary and real workers: keep_completed/keep_dead by
// count and by age (files backdated with touch), kill -9 at each step of a purge, purgers racing,
// a --unique id enqueued again once its job is purged, dependencies on purged jobs, stale tmp/
// files, ended cancel/ markers and the rotation of logs/worker.log.

import Foundation
import QueueCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Retention and housekeeping", .serialized) struct RetentionTests {
    /// The job files of a folder, ids only.
    static func ids(_ spool: TestSpool, _ state: String) -> [String] {
        spool.names(state).compactMap { $0.hasSuffix(".json") ? String($0.dropLast(5)) : nil }.sorted()
    }

    /// Ids in ids/, and jobs' output logs, without the workers' own log.
    static func reservations(_ spool: TestSpool) -> [String] { spool.names("ids").sorted() }
    static func outputLogs(_ spool: TestSpool) -> [String] {
        spool.names("logs").filter { $0.hasSuffix(".log") && !$0.hasPrefix("worker.log") }.map { String($0.dropLast(4)) }.sorted()
    }

    static func stop(_ worker: BackgroundProcess) async throws {
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit() == 0, "\(worker.output)")
    }

    @Test func byCountTheNewestAreKeptWithTheirLogsAndIds() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("config", "set", "keep-completed", "3").status == 0)
        #expect(try await spool.q("config", "set", "keep-dead", "2").status == 0)
        for number in 1...8 {
            #expect(try await spool.q("enqueue", "--id", "ok\(number)", "--command", "echo out-\(number)").status == 0)
        }
        for number in 1...5 {
            #expect(try await spool.q("enqueue", "--id", "bad\(number)", "--max-retries", "0", "--priority", "5",
                                      "--command", "echo err-\(number); exit 3").status == 0)
        }
        let worker = try spool.startWorker()
        // One worker runs them in order (priority 0 first), so the newest are the last ones.
        try await waitUntil(timeout: 30, "3 completed and 2 dead are left") {
            Self.ids(spool, "completed") == ["ok6", "ok7", "ok8"] && Self.ids(spool, "dead") == ["bad4", "bad5"]
        }
        try await Self.stop(worker)
        #expect(Self.reservations(spool) == ["bad4", "bad5", "ok6", "ok7", "ok8"])
        #expect(Self.outputLogs(spool) == ["bad4", "bad5", "ok6", "ok7", "ok8"])
        let doctor = try await spool.q("doctor")
        #expect(doctor.status == 0 && doctor.stdout.contains("No problems"), "\(doctor)")
        let status = try await spool.q("status")
        #expect(status.stdout.contains("keeping the newest 3"), "\(status)")
        let json = try jsonObject(try await spool.q("status", "--json").stdout)
        #expect(json["retention"] as? [String: String] == ["completed": "3", "dead": "2"])
        // Purged jobs are gone for every command, like any unknown id.
        #expect(try await spool.q("show", "ok1").status == 1)
    }

    @Test func byAgeOnlyFilesOlderThanTheLimitGo() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        for number in 1...6 {
            #expect(try await spool.q("enqueue", "--id", "job\(number)", "--command", "echo \(number)").status == 0)
        }
        let worker = try spool.startWorker()
        for number in 1...6 { try await spool.waitForState("job\(number)", "completed") }
        try await Self.stop(worker)
        // Backdate three of them: finished two hours ago, as far as the spool can tell.
        for number in 1...3 {
            #expect(runQuietly("/usr/bin/touch", ["-d", "2 hours ago", spool.path + "/completed/job\(number).json"]) == 0)
        }
        #expect(try await spool.q("config", "set", "keep-completed", "1h").status == 0)
        let again = try spool.startWorker()
        try await waitUntil(timeout: 20, "the three old jobs are purged") {
            Self.ids(spool, "completed") == ["job4", "job5", "job6"]
        }
        try await Self.stop(again)
        #expect(Self.reservations(spool) == ["job4", "job5", "job6"])
        #expect(Self.outputLogs(spool) == ["job4", "job5", "job6"])
    }

    @Test func invalidSettingsAreRefusedAndNothingChanges() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("config", "set", "keep-completed", "7d,500").status == 0)
        for bad in ["", "-5", "7x", "7d,7d", "10,20", "all,5", "1.5", "7d,10000,3"] {
            let outcome = try await spool.q("config", "set", "keep-completed", bad)
            #expect(outcome.status == 2, "'\(bad)': \(outcome)")
            #expect(outcome.stderr.contains("keep_completed"), "\(outcome)")
        }
        #expect(try await spool.q("config", "get", "keep-completed").trimmed == "7d,500")
        #expect(try await spool.q("config", "set", "keep-dead", "10000, 180d").status == 0)
        #expect(try await spool.q("config", "get", "keep-dead").trimmed == "180d,10000")
        #expect(try await spool.q("config", "set", "keep-dead", "ALL").status == 0)
        #expect(try await spool.q("config", "get", "keep-dead").trimmed == "all")
    }

    // MARK: Crashes and races

    @Test(arguments: ["purge-after-record", "purge-after-unlink", "purge-after-log"])
    func workerKilledInAPurgeLeavesOnlyWhatDoctorFixRemoves(_ point: String) async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("config", "set", "keep-completed", "2").status == 0)
        for number in 1...5 {
            #expect(try await spool.q("enqueue", "--id", "job\(number)", "--command", "echo \(number)").status == 0)
        }
        let crashing = try spool.startWorker(environment: crashAt(point))
        #expect(try await crashing.waitForExit(timeout: 30) == 137, "the worker must die at \(point):\n\(crashing.output)")
        // Every job ran and finished before the purge began; none is anywhere but completed/.
        #expect(Self.ids(spool, "pending").isEmpty && spool.names("processing").isEmpty)

        let doctor = try await spool.q("doctor")
        if point == "purge-after-record" {
            #expect(doctor.status == 0 && doctor.stdout.contains("No problems"), "\(doctor)")
        } else {
            // The first job's file is gone; its id (and, before the log step, its log) is left.
            #expect(doctor.stdout.contains("ids/job1") && doctor.stdout.contains("interrupted purge"), "\(doctor)")
            let fix = try await spool.q("doctor", "--fix")
            #expect(fix.status == 0, "\(fix)")
            let after = try await spool.q("doctor")
            #expect(after.status == 0 && after.stdout.contains("No problems"), "\(after)")
        }
        // A worker started again finishes the job: the newest two are left, with their ids and logs.
        let worker = try spool.startWorker()
        try await waitUntil(timeout: 20, "2 completed jobs are left") { Self.ids(spool, "completed") == ["job4", "job5"] }
        try await Self.stop(worker)
        #expect(Self.reservations(spool) == ["job4", "job5"])
        #expect(Self.outputLogs(spool) == ["job4", "job5"])
        let final = try await spool.q("doctor")
        #expect(final.status == 0 && final.stdout.contains("No problems"), "\(final)")
    }

    @Test func purgersRacingRemoveNothingTwiceAndNothingUnfinished() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("config", "set", "keep-completed", "10").status == 0)
        #expect(try await spool.q("config", "set", "fsync", "false").status == 0)
        let total = 400
        let batch = try jsonLines((1...total).map { number in
            ["id": "job\(number)", "command": faultLedger(spool)] as [String: Any]
        })
        #expect(try await spool.q("enqueue", "--file", "-", stdin: batch).status == 0)
        // Two workers (one of them the housekeeper) and two hand purges in loops, all at once.
        let workers = [try spool.startWorker(), try spool.startWorker()]
        let purgers = try (0..<2).map { _ in
            try spool.startProcess("/bin/sh", ["-c", "for i in $(seq 1 40); do \(shellQuoted(Binary.path)) --spool \(shellQuoted(spool.path)) purge --state completed || exit 1; done"],
                                   label: "purge loop")
        }
        for purger in purgers { #expect(try await purger.waitForExit(timeout: 120) == 0, "\(purger.output)") }
        try await waitUntil(timeout: 60, "every job ran") { spool.scratchLines("ledger").count >= total }
        try await waitUntil(timeout: 20, "nothing is left to run, at most 10 completed") {
            Self.ids(spool, "pending").isEmpty && spool.names("processing").isEmpty && Self.ids(spool, "completed").count <= 10
        }
        for worker in workers { try await Self.stop(worker) }
        let runs = ledgerCounts(spool.scratchLines("ledger"))
        #expect(runs.count == total && runs.values.allSatisfy { $0 == 1 }, "every job ran exactly once")
        #expect(Self.ids(spool, "failed").isEmpty && Self.ids(spool, "dead").isEmpty)
        #expect(Self.reservations(spool) == Self.ids(spool, "completed"), "ids/ holds exactly the jobs kept")
        for worker in workers {
            #expect(!worker.output.contains("error") && !worker.output.contains("No such file"), "\(worker.output)")
        }
        let doctor = try await spool.q("doctor")
        #expect(doctor.status == 0 && doctor.stdout.contains("No problems"), "\(doctor)")
    }

    // MARK: Ids and dependencies after a purge

    @Test func uniqueIdMayBeEnqueuedAgainOnceItsJobIsPurged() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("config", "set", "keep-completed", "0").status == 0)
        #expect(try await spool.q("enqueue", "--unique", "--id", "nightly", "--command", faultLedger(spool)).status == 0)
        let worker = try spool.startWorker()
        try await waitUntil(timeout: 20, "the job ran and was purged") {
            spool.scratchLines("ledger") == ["nightly"] && !Self.reservations(spool).contains("nightly")
        }
        let again = try await spool.q("enqueue", "--unique", "--id", "nightly", "--command", faultLedger(spool))
        #expect(again.status == 0 && again.trimmed == "nightly", "\(again)")
        try await waitUntil(timeout: 20, "it ran again") { spool.scratchLines("ledger") == ["nightly", "nightly"] }
        try await Self.stop(worker)
    }

    @Test func aJobWaitingOnAPurgedCompletedDependencyRunsAndOnAPurgedDeadOneDies() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("config", "set", "keep-completed", "0").status == 0)
        #expect(try await spool.q("config", "set", "keep-dead", "0").status == 0)
        #expect(try await spool.q("enqueue", "--id", "fetch", "--command", "true").status == 0)
        #expect(try await spool.q("enqueue", "--id", "broken", "--max-retries", "0", "--command", "exit 1").status == 0)
        // Due only after both were purged: the dependency is looked up when nothing is left of it.
        #expect(try await spool.q("enqueue", "--id", "build", "--after", "fetch", "--delay", "5",
                                  "--command", faultLedger(spool)).status == 0)
        #expect(try await spool.q("enqueue", "--id", "report", "--after", "broken", "--delay", "5",
                                  "--command", faultLedger(spool)).status == 0)
        let worker = try spool.startWorker()
        try await waitUntil(timeout: 20, "fetch and broken are purged") {
            !Self.reservations(spool).contains("fetch") && !Self.reservations(spool).contains("broken")
        }
        #expect(Self.ids(spool, "completed").isEmpty && Self.ids(spool, "dead").isEmpty)
        // `wait` answers for purged jobs as they had ended.
        #expect(try await spool.q("wait", "fetch").status == 0)
        #expect(try await spool.q("wait", "broken").status == 1)
        #expect(spool.names("pending").count == 2, "build and report still wait: \(spool.names("pending"))")
        try await waitUntil(timeout: 20, "build ran, report ended") {
            spool.scratchLines("ledger") == ["build"] && spool.names("pending").isEmpty
        }
        // A new job may name the purged completed job, and runs at once; one naming the purged
        // dead job is refused as unknown, as before.
        let late = try await spool.q("enqueue", "--id", "late", "--after", "fetch", "--command", faultLedger(spool))
        #expect(late.status == 0, "\(late)")
        try await waitUntil(timeout: 20, "late ran") { spool.scratchLines("ledger") == ["build", "late"] }
        #expect(try await spool.q("enqueue", "--after", "broken", "--command", "true").status == 2)
        try await Self.stop(worker)
        #expect(worker.output.contains("report"), "the worker says report ended dead: \(worker.output)")
    }

    // MARK: The rest of the growth

    @Test func staleTmpFilesAndCancelMarkersOfEndedJobsAreRemoved() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("enqueue", "--id", "done", "--command", "true").status == 0)
        let fresh = try spool.startWorker()
        try await spool.waitForState("done", "completed")
        try await Self.stop(fresh)
        try FileManager.default.createDirectory(atPath: spool.path + "/cancel", withIntermediateDirectories: true)
        for name in ["done", "ghost"] { FileManager.default.createFile(atPath: spool.path + "/cancel/" + name, contents: Data()) }
        FileManager.default.createFile(atPath: spool.path + "/tmp/abandoned", contents: Data("half".utf8))
        FileManager.default.createFile(atPath: spool.path + "/tmp/recent", contents: Data("half".utf8))
        #expect(runQuietly("/usr/bin/touch", ["-d", "40 hours ago", spool.path + "/tmp/abandoned"]) == 0)
        let worker = try spool.startWorker()
        try await waitUntil(timeout: 20, "the stale tmp/ file and both markers are gone") {
            spool.names("tmp") == ["recent"] && spool.names("cancel").isEmpty
        }
        try await Self.stop(worker)
    }

    @Test func workerLogIsRotatedAtItsSizeWithOneOldFileKept() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("config", "set", "max-worker-log-bytes", "2048").status == 0)
        let detached = try await spool.q("worker", "start", "--detach", "--count", "2")
        #expect(detached.status == 0, "\(detached)")
        var pids: [Int] = []
        try await waitUntil(timeout: 10, "both workers are registered") {
            let status = try jsonObject(try await spool.q("status", "--json").stdout)
            pids = (status["workers"] as? [[String: Any]] ?? []).compactMap { int($0, "pid") }
            return pids.count == 2
        }
        let batch = try jsonLines((1...100).map { ["id": "job\($0)", "command": "true"] as [String: Any] })
        #expect(try await spool.q("enqueue", "--file", "-", stdin: batch).status == 0)
        try await waitUntil(timeout: 30, "every job ran") { spool.state(of: "job100") == "completed" && Self.ids(spool, "pending").isEmpty }
        try await waitUntil(timeout: 30, "worker.log was rotated") { spool.names("logs").contains("worker.log.1") }
        // Both workers then write to the new worker.log (their stdout and stderr were moved to it).
        try await waitUntil(timeout: 30, "both workers follow the rotation") {
            pids.allSatisfy { pid in
                [1, 2].allSatisfy { fd in
                    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")) == spool.path + "/logs/worker.log"
                }
            }
        }
        #expect(try await spool.q("worker", "stop").status == 0)
        // (worker.log.lock is the flock that serialises rotations, not a log.)
        #expect(spool.names("logs").filter { $0.hasPrefix("worker.log") && !$0.hasSuffix(".lock") } == ["worker.log", "worker.log.1"])
        let size = try #require(FileManager.default.attributesOfItem(atPath: spool.path + "/logs/worker.log.1")[.size] as? Int)
        #expect(size < 64 * 1024, "the old file is bounded too: \(size) bytes")
    }
}
