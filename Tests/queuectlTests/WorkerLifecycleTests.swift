// Stopping and losing workers: graceful stop (SIGTERM, SIGINT), forced stop (--now, a second
// SIGTERM), `worker stop` from another process, and reaping the job of a SIGKILLed worker.

import Foundation
import QueueCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A job that marks that it started (and its shell's pid), then runs until RELEASE exists.
private func blockingCommand(_ spool: TestSpool, name: String = "job") -> String {
    let started = shellQuoted(spool.scratchPath(name + ".started"))
    let release = shellQuoted(spool.scratchPath(name + ".release"))
    return "echo $$ > \(started); while [ ! -e \(release) ]; do sleep 0.05; done; echo finished"
}

/// The pid the blocking job wrote, once it has started.
private func startedJobPid(_ spool: TestSpool, name: String = "job") async throws -> Int32 {
    var pid: Int32?
    try await waitUntil("the job \(name) has started") {
        pid = Int32((ProcFiles.text(spool.scratchPath(name + ".started")) ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
        return pid != nil
    }
    return pid!
}

@Suite struct WorkerLifecycleTests {
    @Test func sigtermLetsTheRunningJobFinishThenExitsZero() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("enqueue", "--command", blockingCommand(spool), "--id", "graceful").status == 0)
        let worker = try spool.startWorker()
        let jobPid = try await startedJobPid(spool)

        worker.signal(SIGTERM)
        try await waitUntil("the worker reports that it is stopping:\n\(worker.output)") {
            worker.output.contains("stopping")
        }
        // The job keeps running and the worker waits for it; it claims nothing new.
        #expect(try await spool.q("enqueue", "--command", "true", "--id", "after-stop").status == 0)
        #expect(worker.isRunning, "the worker must not exit while its job runs")
        #expect(ProcFiles.isAlive(jobPid), "a graceful stop must not kill the job")
        #expect(spool.state(of: "graceful") == "processing")

        #expect(FileManager.default.createFile(atPath: spool.scratchPath("job.release"), contents: nil))
        #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        let record = try #require(spool.record(of: "graceful"))
        #expect(spool.state(of: "graceful") == "completed")
        #expect(int(record, "attempts") == 1)
        #expect(int(record, "exit_code") == 0)
        #expect(try await spool.q("logs", "graceful").stdout.contains("finished"))
        #expect(spool.state(of: "after-stop") == "pending", "a stopping worker must claim nothing new")
        #expect(int(try #require(spool.record(of: "after-stop")), "attempts") == 0)
    }

    @Test func sigintStopsAnIdleWorker() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let worker = try spool.startWorker()
        try await waitUntil("the worker has registered") { spool.names("workers").count == 1 }
        worker.signal(SIGINT)
        #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        #expect(spool.names("workers").filter { $0.hasSuffix(".json") }.isEmpty, "the worker's record must be gone")
    }

    @Test func sigtermStopsAWorkerThatInheritedABlockedSIGTERM() async throws {
        // A parent may start the worker from a thread that blocks SIGTERM (Foundation's Process does,
        // from the threads of Swift concurrency); posix_spawn passes the mask on. The worker installs
        // handlers for SIGTERM/SIGINT, so it must also unblock them, or it can never be stopped.
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let worker = try spool.startWorker(blockedSignals: [SIGTERM, SIGINT])
        try await waitUntil("the worker has registered") { spool.names("workers").count == 1 }
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit(timeout: 10) == 0, "\(worker.output)")
    }

    @Test func workerStopNowKillsTheJobAndReturnsItUncharged() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("enqueue", "--command", blockingCommand(spool), "--id", "forced").status == 0)
        let worker = try spool.startWorker()
        let jobPid = try await startedJobPid(spool)
        // Running, its first attempt (the claim's name says so: the file keeps the claimed record).
        let running = try jsonObject(try await spool.q("show", "forced", "--json").stdout)
        #expect(int(running, "attempts") == 1 && running["state"] as? String == "processing", "\(running)")
        #expect(spool.location(of: "forced")?.file.hasSuffix("~1.json") == true)

        let stop = try await spool.q("worker", "stop", "--now")
        #expect(stop.status == 0, "\(stop)")
        #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        #expect(!ProcFiles.isAlive(jobPid), "a forced stop must kill the job")
        #expect(spool.state(of: "forced") == "pending")
        let record = try #require(spool.record(of: "forced"))
        #expect(int(record, "attempts") == 0, "a forced stop must not charge an attempt: \(record)")
        #expect(record["state"] as? String == "pending")
        #expect(spool.names("processing").isEmpty)
    }

    @Test func secondSIGTERMForcesTheStop() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("enqueue", "--command", blockingCommand(spool), "--id", "twice").status == 0)
        let worker = try spool.startWorker()
        let jobPid = try await startedJobPid(spool)
        worker.signal(SIGTERM)
        try await waitUntil("the worker reports that it is stopping:\n\(worker.output)") {
            worker.output.contains("stopping")
        }
        #expect(ProcFiles.isAlive(jobPid))
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        #expect(!ProcFiles.isAlive(jobPid), "the second SIGTERM must kill the job")
        #expect(spool.state(of: "twice") == "pending")
        #expect(int(try #require(spool.record(of: "twice")), "attempts") == 0)
    }

    @Test func workerStopFromAnotherProcessStopsAPoolOfTwo() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let pool = try spool.startWorker(count: 2)
        try await waitUntil("two workers have registered") {
            spool.names("workers").filter { $0.hasSuffix(".json") }.count == 2
        }
        let status = try jsonObject(try await spool.q("status", "--json").stdout)
        let workers = try #require(status["workers"] as? [[String: Any]])
        #expect(workers.count == 2, "\(workers)")
        let pids = workers.compactMap { int($0, "pid") }.map(Int32.init)
        #expect(pids.count == 2 && pids.allSatisfy(ProcFiles.isAlive), "\(workers)")

        let stop = try await spool.q("worker", "stop")
        #expect(stop.status == 0, "\(stop)")
        #expect(stop.stdout.contains("2"), "\(stop)")
        // `worker stop` waits until they have exited.
        #expect(pids.allSatisfy { !ProcFiles.isAlive($0) }, "worker stop returned before the workers exited")
        #expect(try await pool.waitForExit() == 0, "\(pool.output)")
        let after = try jsonObject(try await spool.q("status", "--json").stdout)
        #expect((after["workers"] as? [Any])?.isEmpty == true, "\(after)")
        #expect(spool.taggedProcesses().isEmpty, "processes left behind: \(spool.taggedProcesses())")

        let none = try await spool.q("worker", "stop")
        #expect(none.status == 0, "\(none)")
    }

    /// A job whose first attempt blocks (so that its worker can be SIGKILLed during it) and whose
    /// second attempt succeeds; each attempt appends its number to scratch/attempts.
    private func enqueueInterruptible(_ spool: TestSpool, id: String) async throws {
        let attempts = shellQuoted(spool.scratchPath("attempts"))
        let started = shellQuoted(spool.scratchPath("first.started"))
        let command = #"echo "$QUEUECTL_ATTEMPT" >> \#(attempts); if [ "$QUEUECTL_ATTEMPT" = 1 ]; then touch \#(started); exec sleep 60; fi; echo second-run"#
        #expect(try await spool.q("enqueue", "--command", command, "--id", id).status == 0)
    }

    @Test func jobOfAKilledWorkerRunsAgainUnderANewWorker() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        try await enqueueInterruptible(spool, id: "orphan")
        let first = try spool.startWorker()
        try await waitUntil("the first attempt started") { FileManager.default.fileExists(atPath: spool.scratchPath("first.started")) }
        first.signal(SIGKILL)
        #expect(try await first.waitForExit() == 128 + SIGKILL)
        let killedAt = ContinuousClock.now
        #expect(spool.state(of: "orphan") == "processing")

        let second = try spool.startWorker()
        let record = try await spool.waitForState("orphan", "completed", timeout: 15)
        #expect(ContinuousClock.now - killedAt < .seconds(15))
        #expect(int(record, "attempts") == 2, "the lost run counts as an attempt: \(record)")
        #expect(spool.scratchLines("attempts") == ["1", "2"])
        #expect(try await spool.q("logs", "orphan").stdout.contains("second-run"))
        second.signal(SIGTERM)
        #expect(try await second.waitForExit() == 0)
    }

    @Test func reapCommandReturnsTheJobOfAKilledWorker() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        try await enqueueInterruptible(spool, id: "reaped")
        let first = try spool.startWorker()
        try await waitUntil("the first attempt started") { FileManager.default.fileExists(atPath: spool.scratchPath("first.started")) }
        first.signal(SIGKILL)
        _ = try await first.waitForExit()

        let reap = try await spool.q("reap")
        #expect(reap.status == 0, "\(reap)")
        #expect(reap.stdout.contains("reaped"), "\(reap)")
        let state = try #require(spool.state(of: "reaped"))
        #expect(state == "failed" || state == "pending", "reaped job is \(state)")
        let record = try #require(spool.record(of: "reaped"))
        #expect(int(record, "attempts") == 1, "\(record)")
        #expect(record["last_error"] is String, "\(record)")
        #expect(spool.names("processing").isEmpty)

        let second = try spool.startWorker()
        let done = try await spool.waitForState("reaped", "completed", timeout: 15)
        #expect(int(done, "attempts") == 2)
        second.signal(SIGTERM)
        #expect(try await second.waitForExit() == 0)
    }
}
