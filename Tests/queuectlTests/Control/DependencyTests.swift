// Dependencies (`enqueue --after ID`, the field `after`): a chain and a diamond run in order, a dead
// dependency propagates, unknown ids are refused, a waiting job blocks nobody, show/list say why.

import Foundation
import QueueCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension Control {
    @Suite("dependencies") struct Dependencies {
        /// The position of `line` in the ledger, failing the test when it is missing.
        private func position(_ line: String, in ledger: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
            try #require(ledger.firstIndex(of: line), "\(line) is not in the ledger \(ledger)", sourceLocation: sourceLocation)
        }

        @Test func chainOfThreeRunsInOrder() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            // Priorities and batch order both say c, b, a: only the dependencies make it a, b, c.
            let batch = try Control.batch([
                ["id": "c", "command": Control.ledgered(spool), "after": ["b"], "priority": -10],
                ["id": "b", "command": Control.ledgered(spool), "after": ["a"], "priority": -5],
                ["id": "a", "command": Control.ledgered(spool, "sleep 0.2"), "priority": 0],
            ])
            let enqueued = try await spool.q("enqueue", "--file", "-", stdin: batch)
            try #require(enqueued.status == 0, "\(enqueued)")
            let workers = try spool.startWorker(count: 3)
            for id in ["a", "b", "c"] { try await spool.waitForState(id, "completed") }
            #expect(spool.scratchLines("ledger") == ["start a", "end a", "start b", "end b", "start c", "end c"])
            for id in ["a", "b", "c"] {
                let record = try #require(spool.record(of: id))
                #expect(int(record, "attempts") == 1, "waiting costs no attempt: \(record)")
            }
            workers.signal(SIGTERM)
            #expect(try await workers.waitForExit() == 0, "\(workers.output)")
        }

        @Test func diamondRunsTheJoinAfterBothBranches() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("enqueue", "--command", Control.ledgered(spool, "sleep 0.2"), "--id", "a").status == 0)
            #expect(try await spool.q("enqueue", "--command", Control.ledgered(spool, "sleep 0.3"), "--id", "b", "--after", "a").status == 0)
            #expect(try await spool.q("enqueue", "--command", Control.ledgered(spool), "--id", "c", "--after", "a").status == 0)
            #expect(try await spool.q("enqueue", "--command", Control.ledgered(spool), "--id", "d",
                                      "--after", "b", "--after", "c", "--priority", "-100").status == 0)
            let d = try jsonObject(try await spool.q("show", "d", "--json").stdout)
            #expect((d["after"] as? [String]).map(Set.init) == ["b", "c"], "\(d)")

            let workers = try spool.startWorker(count: 3)
            for id in ["a", "b", "c", "d"] { try await spool.waitForState(id, "completed") }
            let ledger = spool.scratchLines("ledger")
            #expect(ledger.count == 8, "\(ledger)")
            let endA = try position("end a", in: ledger)
            #expect(try position("start b", in: ledger) > endA, "\(ledger)")
            #expect(try position("start c", in: ledger) > endA, "\(ledger)")
            let startD = try position("start d", in: ledger)
            #expect(startD > (try position("end b", in: ledger)), "d started before b ended: \(ledger)")
            #expect(startD > (try position("end c", in: ledger)), "d started before c ended: \(ledger)")
            workers.signal(SIGTERM)
            #expect(try await workers.waitForExit() == 0, "\(workers.output)")
        }

        @Test func deadDependencyPropagatesDownTheChain() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("enqueue", "--command", Control.ledgered(spool, "exit 1"), "--id", "a",
                                      "--max-retries", "0").status == 0)
            #expect(try await spool.q("enqueue", "--command", Control.ledgered(spool), "--id", "b", "--after", "a").status == 0)
            #expect(try await spool.q("enqueue", "--command", Control.ledgered(spool), "--id", "c", "--after", "b").status == 0)
            let worker = try spool.startWorker()
            let a = try await spool.waitForState("a", "dead")
            #expect(int(a, "attempts") == 1, "\(a)")
            let b = try await spool.waitForState("b", "dead")
            let bError = try #require(b["last_error"] as? String, "\(b)")
            #expect(bError.contains("'a'"), "b's last_error must name the failed dependency: \(bError)")
            #expect(int(b, "attempts") == 0, "b never ran: \(b)")
            let c = try await spool.waitForState("c", "dead")
            #expect((c["last_error"] as? String)?.contains("'b'") == true, "\(c)")
            #expect(spool.scratchLines("ledger") == ["start a"], "only a ran")
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        }

        @Test func cancelledDependencyPropagates() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            // a is scheduled an hour ahead: b waits for it, until a is cancelled.
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "a", "--delay", "1h").status == 0)
            #expect(try await spool.q("enqueue", "--command", Control.ledgered(spool), "--id", "b", "--after", "a").status == 0)
            let worker = try spool.startWorker()
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "probe").status == 0)
            try await spool.waitForState("probe", "completed")
            #expect(!["completed", "dead"].contains(spool.state(of: "b") ?? "moving"), "b waits while a is scheduled")
            #expect(spool.scratchLines("ledger").isEmpty, "b did not run")

            #expect(try await spool.q("cancel", "a").status == 0)
            let b = try await spool.waitForState("b", "dead")
            #expect((b["last_error"] as? String)?.contains("'a'") == true, "\(b)")
            #expect(spool.scratchLines("ledger").isEmpty, "b never ran")
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        }

        @Test func unknownDependencyIsRefusedAndNothingIsWritten() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "known").status == 0)
            let before = (Control.jobFiles(spool), spool.names("ids"))

            let single = try await spool.q("enqueue", "--command", "true", "--id", "x", "--after", "ghost")
            #expect(single.status == 2, "\(single)")
            #expect(single.stderr.contains("ghost"), "the error names the unknown id: \(single)")
            #expect(single.stdout.isEmpty, "\(single)")

            let mixed = try await spool.q("enqueue", "--command", "true", "--id", "y", "--after", "known", "--after", "phantom")
            #expect(mixed.status == 2, "\(mixed)")
            #expect(mixed.stderr.contains("phantom"), "\(mixed)")

            let batch = try Control.batch([["id": "z1", "command": "true"], ["id": "z2", "command": "true", "after": ["nowhere"]]])
            let refused = try await spool.q("enqueue", "--file", "-", stdin: batch)
            #expect(refused.status == 2, "\(refused)")

            #expect(Control.jobFiles(spool) == before.0, "no job file may be written")
            #expect(spool.names("ids") == before.1, "no id may be reserved")
            #expect(spool.names("tmp").filter { !$0.hasPrefix(".") }.isEmpty, "\(spool.names("tmp"))")
        }

        @Test func selfAndCircularDependenciesAreRefused() async throws {
            // A job that waits for itself, or two that wait for each other, can never run.
            let spool = try TestSpool()
            defer { spool.cleanup() }
            let itself = try await spool.q("enqueue", #"{"id": "loop", "command": "true", "after": ["loop"]}"#)
            #expect(itself.status == 2, "a job that depends on itself would wait forever: \(itself)")
            let cycle = try Control.batch([["id": "p", "command": "true", "after": ["q"]],
                                       ["id": "q", "command": "true", "after": ["p"]]])
            let circular = try await spool.q("enqueue", "--file", "-", stdin: cycle)
            #expect(circular.status == 2, "two jobs that wait for each other would wait forever: \(circular)")
            #expect(Control.jobFiles(spool).isEmpty, "\(Control.jobFiles(spool))")
        }

        @Test func waitingJobDoesNotBlockTheJobsBehindIt() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("enqueue", "--command", Control.gated(spool, "long"), "--id", "long").status == 0)
            #expect(try await spool.q("enqueue", "--command", ledgerCommand(spool), "--id", "x", "--after", "long").status == 0)
            #expect(try await spool.q("enqueue", "--command", ledgerCommand(spool), "--id", "y").status == 0)
            let workers = try spool.startWorker(count: 2)
            _ = try await Control.pid(in: spool, "long.started")

            // x is first in run order but waits; y, behind it, runs on the free worker.
            try await spool.waitForState("y", "completed")
            #expect(spool.state(of: "long") == "processing")
            // x is still waiting (in pending/, or for a moment in processing/ while a worker checks it).
            #expect(!["completed", "dead"].contains(spool.state(of: "x") ?? "moving"))
            #expect(spool.scratchLines("ledger") == ["y"], "x has not run")
            let waiting = try await Control.record(spool, "x")
            #expect(int(waiting, "attempts") == 0, "waiting is not an attempt: \(waiting)")

            Control.release(spool, "long")
            try await spool.waitForState("x", "completed")
            #expect(spool.scratchLines("ledger") == ["y", "x"])
            workers.signal(SIGTERM)
            #expect(try await workers.waitForExit() == 0, "\(workers.output)")
        }

        @Test func idleWorkerChecksAWaitingJobAboutOnceASecond() async throws {
            // A waiting job is claimed for a moment to check its dependencies (a rename into
            // processing/), then "postponed in that worker's index for a second" (README): one
            // worker's checks of it are about a second apart, however busy the machine is.
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "later", "--delay", "1h").status == 0)
            let checks = try Control.ArrivalClock(folder: spool.path + "/processing", prefix: "waiter@")
            defer { checks.stop() }
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "waiter", "--after", "later").status == 0)
            let worker = try spool.startWorker()
            try await waitUntil("the worker has registered") { spool.names("workers").contains { $0.hasSuffix(".json") } }
            // Watch for 5 s (or until 20 checks, plenty to judge). A worker that checks without
            // claiming shows no arrivals at all, which is fine too.
            _ = try await Control.happens(within: 5) { checks.count >= 20 }
            if let gap = checks.shortestGap {
                #expect(gap >= 0.5, "the worker checked the waiting job twice within \(Int(gap * 1000)) ms (\(checks.count) checks)")
            }
            #expect(!["completed", "dead"].contains(spool.state(of: "waiter") ?? "moving"))
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        }

        @Test func showAndListSayWhatAJobWaitsFor() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "build").status == 0)
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "test-suite", "--delay", "1h").status == 0)
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "deploy",
                                      "--after", "build", "--after", "test-suite").status == 0)
            let worker = try spool.startWorker()
            try await spool.waitForState("build", "completed")
            // Stopped, so that no worker is checking deploy (briefly claiming it) while we look.
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")
            #expect(spool.state(of: "deploy") == "pending")

            let show = try await spool.q("show", "deploy")
            #expect(show.status == 0, "\(show)")
            let afterLine = try #require(show.lines.first { $0.hasPrefix("after") }, "show names the dependencies: \(show)")
            #expect(afterLine.contains("build (completed)"), "\(show)")
            #expect(afterLine.contains("test-suite (pending)"), "show says which dependency is still open: \(show)")

            let list = try await spool.q("list", "--state", "pending")
            let row = try #require(list.lines.first { $0.hasPrefix("deploy ") }, "\(list)")
            #expect(row.contains("test-suite"), "list says what deploy waits for: \(row)")

            let json = try jsonArray(try await spool.q("list", "--json").stdout)
            let record = try #require(json.first { $0["id"] as? String == "deploy" })
            #expect(record["after"] as? [String] == ["build", "test-suite"], "\(record)")
        }
    }
}
