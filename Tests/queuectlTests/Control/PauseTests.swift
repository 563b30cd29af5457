// pause / resume: while SPOOL/paused exists workers claim nothing new, the running job finishes,
// enqueue works and status says so; resume lets the held jobs run. A paused worker sleeps.

import Foundation
import QueueCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension Control {
    @Suite("pause and resume") struct PauseResume {
        @Test func pauseHoldsNewClaimsWhileTheRunningJobFinishes() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            // Heartbeats every lease_sec / 3 = 1 s: the bounded window below is one heartbeat long.
            #expect(try await spool.q("config", "set", "lease-sec", "3").status == 0)
            #expect(try await spool.q("enqueue", "--command", Control.gated(spool, "first"), "--id", "first").status == 0)
            let worker = try spool.startWorker()
            _ = try await Control.pid(in: spool, "first.started")
            #expect(spool.state(of: "first") == "processing")

            let pause = try await spool.q("pause")
            #expect(pause.status == 0, "\(pause)")
            #expect(pause.stdout.lowercased().contains("paused"), "\(pause)")
            #expect(FileManager.default.fileExists(atPath: spool.path + "/paused"), "the pause is a file in the spool")
            let status = try jsonObject(try await spool.q("status", "--json").stdout)
            #expect(status["paused"] as? Bool == true, "\(status)")
            let human = try await spool.q("status")
            #expect(human.stdout.lowercased().contains("paused"), "\(human)")

            let enqueued = try await spool.q("enqueue", "--command", ledgerCommand(spool), "--id", "second")
            #expect(enqueued.status == 0, "enqueue works while paused: \(enqueued)")

            // The running job finishes and is recorded.
            Control.release(spool, "first")
            let first = try await spool.waitForState("first", "completed")
            #expect(int(first, "exit_code") == 0)
            // Then the worker goes around its loop (a fresh heartbeat) and still claims nothing.
            let completedAt = Date().timeIntervalSince1970
            try await waitUntil(timeout: 10, "the worker heartbeats after the first job completed") {
                (Control.heartbeat(spool, pid: worker.pid) ?? 0) > completedAt
            }
            #expect(spool.state(of: "second") == "pending", "a paused worker claims nothing new")
            let held = try #require(spool.record(of: "second"))
            #expect(int(held, "attempts") == 0, "\(held)")
            #expect(spool.scratchLines("ledger").isEmpty)
            #expect(worker.isRunning)

            let resume = try await spool.q("resume")
            #expect(resume.status == 0, "\(resume)")
            #expect(!FileManager.default.fileExists(atPath: spool.path + "/paused"))
            try await spool.waitForState("second", "completed")
            #expect(spool.scratchLines("ledger") == ["second"])
            let after = try jsonObject(try await spool.q("status", "--json").stdout)
            #expect(after["paused"] as? Bool == false, "\(after)")
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        }

        @Test func pauseAndResumeAreIdempotent() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("pause").status == 0)
            #expect(try await spool.q("pause").status == 0)
            #expect(FileManager.default.fileExists(atPath: spool.path + "/paused"))
            #expect(try await spool.q("resume").status == 0)
            #expect(try await spool.q("resume").status == 0)
            #expect(!FileManager.default.fileExists(atPath: spool.path + "/paused"))
        }

        @Test func pausedWorkerSleepsWhileAScheduledJobIsDue() async throws {
            // A paused worker has nothing to do until resume: it may look every second or so,
            // but must not spin on a scheduled job that became due while it was paused.
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("pause").status == 0)
            let worker = try spool.startWorker()
            try await waitUntil("the worker has registered") { spool.names("workers").contains { $0.hasSuffix(".json") } }
            // Enqueued while the worker watches: it learns of the job while the job is not yet due.
            // Due in 5 s: long enough that a loaded machine still has it scheduled when it is read back.
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "soon", "--delay", "5").status == 0)
            let scheduled = try #require(spool.record(of: "soon"))
            let runAt = try #require(time(scheduled, "run_at"), "\(scheduled)")
            try #require(Timestamp.now() < runAt, "the job became due before the worker could see it scheduled")
            try await waitUntil("the scheduled job is due") { Timestamp.now().secondsSince(runAt) > 0.3 }

            let start = try #require(Control.wakeups(of: worker.pid))
            // A few wakeups a second (rescan, reap) is fine; hundreds is a busy loop.
            let spun = try await Control.happens(within: 3) { (Control.wakeups(of: worker.pid) ?? start) - start > 300 }
            #expect(!spun, "the paused worker woke \((Control.wakeups(of: worker.pid) ?? start) - start) times in 3 s")
            #expect(spool.state(of: "soon") == "pending")

            #expect(try await spool.q("resume").status == 0)
            try await spool.waitForState("soon", "completed")
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        }
    }
}
