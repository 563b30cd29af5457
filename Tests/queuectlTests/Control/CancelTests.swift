// `queuectl cancel`: pending and failed jobs go to dead/ "cancelled"; a running job's process group
// really dies (SIGTERM, then SIGKILL after the grace); unknown and finished jobs exit 1; dlq retry.

import Foundation
import QueueCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension Control {
    @Suite("cancel") struct Cancel {
        @Test func pendingJobGoesToTheDLQAndDlqRetryBringsItBack() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("enqueue", "--command", ledgerCommand(spool), "--id", "p1").status == 0)

            let cancel = try await spool.q("cancel", "p1")
            #expect(cancel.status == 0, "\(cancel)")
            #expect(cancel.stdout.contains("p1"), "\(cancel)")
            let dead = try #require(spool.record(of: "p1"))
            #expect(spool.state(of: "p1") == "dead")
            #expect(dead["state"] as? String == "dead", "\(dead)")
            #expect(dead["last_error"] as? String == "cancelled", "\(dead)")
            #expect(int(dead, "attempts") == 0, "a cancelled pending job never ran: \(dead)")
            #expect(spool.names("pending").isEmpty && spool.names("processing").filter { !$0.hasPrefix(".") }.isEmpty,
                    "no copy may stay behind: \(Control.jobFiles(spool))")
            let dlq = try jsonArray(try await spool.q("dlq", "list", "--json").stdout)
            #expect(dlq.compactMap { $0["id"] as? String } == ["p1"])

            let retry = try await spool.q("dlq", "retry", "p1")
            #expect(retry.status == 0, "\(retry)")
            #expect(spool.state(of: "p1") == "pending")
            let back = try #require(spool.record(of: "p1"))
            #expect(int(back, "attempts") == 0, "\(back)")
            #expect(back["last_error"] == nil, "dlq retry clears last_error: \(back)")

            let worker = try spool.startWorker()
            try await spool.waitForState("p1", "completed")
            #expect(spool.scratchLines("ledger") == ["p1"])
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        }

        /// `cancel` of a dropped file while two workers adopt it: `cancel` adopts it first (so no
        /// copy of it runs) and a worker adopting the same drop must not publish it again after
        /// `cancel` moved it to dead/. Before the fix, 1 to 4 of 200–300 such races left the job in
        /// two folders (found by the power-cut campaign, then reproduced without any cut).
        @Test func cancelRacingTheAdoptionOfDropsLeavesEachJobInOnePlace() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("config", "set", "poll-interval", "0.05").status == 0)
            let worker = try spool.startWorker(count: 2)
            try await waitUntil("the workers are registered") { spool.names("workers").count == 2 }
            let total = 150
            var cancels: [BackgroundProcess] = []
            for index in 1...total {
                let temporary = spool.path + "/tmp/r\(index)"
                try Data(#"{"id":"r\#(index)","command":"sleep 0.02"}"#.utf8).write(to: URL(fileURLWithPath: temporary))
                #expect(rename(temporary, spool.path + "/pending/r\(index).json") == 0)
                cancels.append(try Control.startQueuectl(spool, ["cancel", "r\(index)"]))
            }
            for cancel in cancels { _ = try await cancel.waitForExit(timeout: 30) }
            try await waitUntil(timeout: 30, "every job is finished (\(Control.jobFiles(spool).count) files)") {
                spool.names("pending").isEmpty && spool.names("processing").filter { !$0.hasPrefix(".") }.isEmpty
            }
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")
            var places: [String: [String]] = [:]
            for file in Control.jobFiles(spool) {
                let name = String(file.split(separator: "/").last!)
                let id = name.hasSuffix(".json") ? String(name.dropLast(5).split(separator: "-").last!) : name
                places[id, default: []].append(file)
            }
            let twice = places.filter { $0.value.count > 1 }
            #expect(twice.isEmpty, "in two folders: \(twice.sorted { $0.key < $1.key }.prefix(5))")
            #expect(Set(places.keys) == Set((1...total).map { "r\($0)" }), "missing: \(Set((1...total).map { "r\($0)" }).subtracting(places.keys).sorted().prefix(5))")
            let cancelled = places.values.filter { $0.first?.hasPrefix("dead/") == true }.count
            print("figure: \(total) drops cancelled while 2 workers adopted them: \(cancelled) cancelled, \(total - cancelled) ran first, \(twice.count) in two folders")
        }

        @Test func failedJobWaitingForItsRetryGoesToTheDLQAndIsNotRetried() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            // The retry after the first failure would come 1000 s later: the job sits in failed/.
            #expect(try await spool.q("config", "set", "backoff-base", "1000").status == 0)
            let command = ledgerCommand(spool) + "; exit 3"
            #expect(try await spool.q("enqueue", "--command", command, "--id", "f1", "--max-retries", "3").status == 0)
            let worker = try spool.startWorker()
            let failed = try await spool.waitForState("f1", "failed")
            #expect(int(failed, "attempts") == 1)

            let cancel = try await spool.q("cancel", "f1")
            #expect(cancel.status == 0, "\(cancel)")
            let dead = try #require(spool.record(of: "f1"))
            #expect(spool.state(of: "f1") == "dead")
            #expect(dead["last_error"] as? String == "cancelled", "\(dead)")
            #expect(int(dead, "attempts") == 1, "\(dead)")
            #expect(dead["next_run_at"] == nil, "a cancelled job has no retry time: \(dead)")
            #expect(spool.names("failed").isEmpty, "\(spool.names("failed"))")

            // The worker goes on (a later job completes), and the cancelled job stays dead.
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "later").status == 0)
            try await spool.waitForState("later", "completed")
            #expect(spool.state(of: "f1") == "dead")
            #expect(spool.scratchLines("ledger") == ["f1"], "ran once, never retried")

            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")

            #expect(try await spool.q("dlq", "retry", "f1").status == 0)
            let back = try #require(spool.record(of: "f1"))
            #expect(spool.state(of: "f1") == "pending", "\(back)")
            #expect(int(back, "attempts") == 0, "dlq retry resets attempts: \(back)")
        }

        @Test func runningJobsProcessGroupDiesAndTheJobIsDeadNeverRetried() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            let pidfile = shellQuoted(spool.scratchPath("sleep.pid"))
            let shellPid = shellQuoted(spool.scratchPath("shell.pid"))
            let command = ledgerCommand(spool) + "; echo $$ > \(shellPid); sleep 300 & echo $! > \(pidfile); wait"
            #expect(try await spool.q("enqueue", "--command", command, "--id", "r1", "--max-retries", "3").status == 0)
            let worker = try spool.startWorker()
            let sleepPid = try await Control.pid(in: spool, "sleep.pid")
            let shell = try await Control.pid(in: spool, "shell.pid")
            #expect(spool.state(of: "r1") == "processing")
            #expect(ProcFiles.isAlive(sleepPid))
            #expect(Control.processGroup(of: sleepPid) == shell, "the job's children share its process group")

            let cancel = try await spool.q("cancel", "r1")
            #expect(cancel.status == 0, "\(cancel)")
            #expect(cancel.stdout.contains("r1"), "\(cancel)")
            // `cancel` returns once the worker has recorded the job: it is dead now.
            let dead = try #require(spool.record(of: "r1"), "\(cancel)")
            #expect(spool.state(of: "r1") == "dead", "\(cancel)\n\(worker.output)")
            #expect(dead["last_error"] as? String == "cancelled", "\(dead)")
            #expect(int(dead, "attempts") == 1, "\(dead)")
            try await Control.waitUntilGone(sleepPid, "the job's background sleep")
            try await Control.waitUntilGone(shell, "the job's shell")
            #expect(worker.output.contains("cancelling job r1"), "\(worker.output)")
            #expect(!FileManager.default.fileExists(atPath: spool.path + "/cancel/r1"),
                    "the cancel request must be cleared once the job is recorded")

            // After a while (the worker has run another job since), it is still dead, never retried.
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "next").status == 0)
            try await spool.waitForState("next", "completed")
            let still = try #require(spool.record(of: "r1"))
            #expect(spool.state(of: "r1") == "dead")
            #expect(int(still, "attempts") == 1, "\(still)")
            #expect(spool.scratchLines("ledger") == ["r1"], "the job ran once")
            #expect(worker.isRunning, "the worker survives a cancel")
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        }

        @Test func runningJobThatIgnoresSIGTERMIsKilledAfterTheGrace() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("config", "set", "stop-grace-sec", "1").status == 0)
            let pidfile = shellQuoted(spool.scratchPath("sleep.pid"))
            // Both the shell and its child ignore SIGTERM: only SIGKILL ends them.
            let command = "trap '' TERM; sleep 300 & echo $! > \(pidfile); while :; do wait; done"
            #expect(try await spool.q("enqueue", "--command", command, "--id", "stubborn").status == 0)
            let worker = try spool.startWorker()
            let sleepPid = try await Control.pid(in: spool, "sleep.pid")

            let cancel = try await spool.q("cancel", "stubborn")
            #expect(cancel.status == 0, "\(cancel)")
            try await Control.waitUntilGone(sleepPid, "the job's background sleep that ignores SIGTERM")
            let dead = try await spool.waitForState("stubborn", "dead")
            #expect(dead["last_error"] as? String == "cancelled", "\(dead)")
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        }

        @Test func jobWaitingForItsDependenciesIsCancelledEvenWhileAWorkerChecksIt() async throws {
            // Workers check a waiting job by claiming it for a moment (it is in processing/ then):
            // a cancel that meets it there must still cancel it, not report it "finished as pending".
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("enqueue", "--command", Control.gated(spool, "long"), "--id", "long").status == 0)
            let workers = try spool.startWorker(count: 3)
            _ = try await Control.pid(in: spool, "long.started")
            let ids = (1...5).map { "waiter-\($0)" }
            for id in ids {
                #expect(try await spool.q("enqueue", "--command", ledgerCommand(spool), "--id", id, "--after", "long").status == 0)
                let cancel = try await spool.q("cancel", id)
                #expect(cancel.status == 0, "\(cancel)")
                #expect(!cancel.stdout.contains("before it could be cancelled"), "\(cancel)")
                let state = try await Control.record(spool, id)
                #expect(spool.state(of: id) == "dead" && state["last_error"] as? String == "cancelled",
                        "\(id) must be cancelled: \(cancel.stdout) \(state)")
            }
            // None of them runs when its dependency completes, and no cancel request is left behind.
            Control.release(spool, "long")
            try await spool.waitForState("long", "completed")
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "probe").status == 0)
            try await spool.waitForState("probe", "completed")
            #expect(spool.scratchLines("ledger").isEmpty, "cancelled jobs ran: \(spool.scratchLines("ledger"))")
            #expect(spool.names("cancel").isEmpty, "stale cancel requests: \(spool.names("cancel"))")
            workers.signal(SIGTERM)
            #expect(try await workers.waitForExit() == 0, "\(workers.output)")
        }

        @Test func unknownIdExitsOneNamingIt() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            let cancel = try await spool.q("cancel", "no-such-job")
            #expect(cancel.status == 1, "\(cancel)")
            #expect(cancel.stderr.contains("no-such-job"), "\(cancel)")
            #expect(cancel.stdout.isEmpty, "\(cancel)")

            // With several ids, the known ones are still cancelled; the status says one failed.
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "known").status == 0)
            let mixed = try await spool.q("cancel", "known", "ghost")
            #expect(mixed.status == 1, "\(mixed)")
            #expect(mixed.stderr.contains("ghost"), "\(mixed)")
            #expect(spool.state(of: "known") == "dead")
        }

        @Test func completedJobExitsOneAlreadyCompleted() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "done").status == 0)
            let worker = try spool.startWorker()
            try await spool.waitForState("done", "completed")
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0)

            let cancel = try await spool.q("cancel", "done")
            #expect(cancel.status == 1, "\(cancel)")
            #expect(cancel.stderr.contains("already completed"), "\(cancel)")
            #expect(spool.state(of: "done") == "completed", "a refused cancel changes nothing")
            let record = try #require(spool.record(of: "done"))
            #expect(record["last_error"] == nil, "\(record)")
        }
    }
}
