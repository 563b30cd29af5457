// `wait ID...` and `wait --all`: exit 0 when every job completed, 1 when one ended dead, 124 on
// --timeout; quiet off a terminal and with --quiet; a live progress line on a terminal (tmux).

import Foundation
import QueueCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension Control {
    @Suite("wait") struct Wait {
        @Test func waitAllExitsZeroWhenEverythingCompleted() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            for id in ["w1", "w2", "w3"] {
                #expect(try await spool.q("enqueue", "--command", "sleep 0.1", "--id", id).status == 0)
            }
            let wait = try Control.startQueuectl(spool, ["wait", "--all", "--timeout", "60"])
            let worker = try spool.startWorker()
            #expect(try await wait.waitForExit(timeout: 60) == 0, "\(wait.output)")
            for id in ["w1", "w2", "w3"] { #expect(spool.state(of: id) == "completed", "\(id) when wait returned") }
            #expect(wait.output.isEmpty, "no progress noise when stderr is not a terminal: \(wait.output)")
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        }

        @Test func waitAllExitsOneWhenAJobEndedDead() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "good").status == 0)
            #expect(try await spool.q("enqueue", "--command", "exit 1", "--id", "bad", "--max-retries", "0").status == 0)
            // The job must end dead while wait --all waits (a dead job from before is not its business).
            let wait = try Control.startQueuectl(spool, ["wait", "--all", "--timeout", "60"])
            try await Control.waitUntilBlocked(wait)
            let worker = try spool.startWorker()
            #expect(try await wait.waitForExit(timeout: 60) == 1, "\(wait.output)")
            #expect(spool.state(of: "good") == "completed")
            #expect(spool.state(of: "bad") == "dead")
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        }

        @Test func waitExits124OnTimeout() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("enqueue", "--command", Control.gated(spool, "stuck"), "--id", "stuck").status == 0)
            let worker = try spool.startWorker()
            _ = try await Control.pid(in: spool, "stuck.started")

            let all = try await spool.q("wait", "--all", "--timeout", "0.5")
            #expect(all.status == 124, "\(all)")
            #expect(all.stderr.lowercased().contains("timed out"), "\(all)")
            let one = try await spool.q("wait", "stuck", "--timeout", "0.5")
            #expect(one.status == 124, "\(one)")
            let quiet = try await spool.q("wait", "stuck", "--timeout", "0.3", "--quiet")
            #expect(quiet.status == 124, "\(quiet)")
            #expect(quiet.stdout.isEmpty, "\(quiet)")
            #expect(spool.state(of: "stuck") == "processing", "a wait that gives up changes nothing")

            Control.release(spool, "stuck")
            #expect(try await spool.q("wait", "stuck", "--timeout", "30").status == 0)
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        }

        @Test func waitForTwoIdsWaitsForBoth() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "quick").status == 0)
            #expect(try await spool.q("enqueue", "--command", Control.gated(spool, "slow"), "--id", "slow").status == 0)
            let wait = try Control.startQueuectl(spool, ["wait", "quick", "slow", "--quiet"])
            let workers = try spool.startWorker(count: 2)
            try await spool.waitForState("quick", "completed")
            _ = try await Control.pid(in: spool, "slow.started")
            // A second wait that only needs `quick` returns: the first one has seen quick complete too.
            #expect(try await spool.q("wait", "quick").status == 0)
            #expect(wait.isRunning, "wait quick slow returned before slow ended: \(wait.output)")

            Control.release(spool, "slow")
            #expect(try await wait.waitForExit(timeout: 30) == 0, "\(wait.output)")
            #expect(spool.state(of: "slow") == "completed", "wait returned only after slow completed")
            #expect(wait.output.isEmpty, "--quiet prints nothing: \(wait.output)")

            // One of two ending dead: exit 1.
            #expect(try await spool.q("enqueue", "--command", "exit 2", "--id", "broken", "--max-retries", "0").status == 0)
            let mixed = try await spool.q("wait", "quick", "broken", "--timeout", "30")
            #expect(mixed.status == 1, "\(mixed)")
            workers.signal(SIGTERM)
            #expect(try await workers.waitForExit() == 0, "\(workers.output)")
        }

        @Test func waitForAnUnknownIdExitsOne() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "real").status == 0)
            let wait = try await spool.q("wait", "real", "imaginary", "--timeout", "5")
            #expect(wait.status == 1, "\(wait)")
            #expect(wait.stderr.contains("imaginary"), "\(wait)")
            let usage = try await spool.q("wait")
            #expect(usage.status == 2, "wait without ids or --all is a usage error: \(usage)")
        }

        @Test
        func waitShowsAProgressLineOnATerminal() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "quick").status == 0)
            #expect(try await spool.q("enqueue", "--command", Control.gated(spool, "slow"), "--id", "slow").status == 0)
            let workers = try spool.startWorker(count: 2)
            try await spool.waitForState("quick", "completed")
            _ = try await Control.pid(in: spool, "slow.started")

            let q = shellQuoted(Binary.path) + " --spool " + shellQuoted(spool.path)
            let tmux = try await Control.Tmux.start(spool, script: "\(q) wait quick slow; echo EXITED:$?; exec sleep 300")
            // The example: "37/120 done, 2 dead, 3 running, eta 40s".
            let progress = try await tmux.waitForScreen(containing: "1/2 done")
            #expect(progress.contains("0 dead"), "\(progress)")
            #expect(progress.contains("1 running"), "the progress line counts the running jobs: \(progress)")
            #expect(progress.contains("eta"), "with one of two done and one open, an estimate: \(progress)")
            Control.release(spool, "slow")
            let end = try await tmux.waitForScreen(containing: "EXITED:0")
            #expect(end.contains("2/2 done"), "\(end)")
            await tmux.kill()
            workers.signal(SIGTERM)
            #expect(try await workers.waitForExit() == 0, "\(workers.output)")
        }

        @Test
        func waitQuietPrintsNothingEvenOnATerminal() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("enqueue", "--command", Control.gated(spool, "slow"), "--id", "slow").status == 0)
            let worker = try spool.startWorker()
            _ = try await Control.pid(in: spool, "slow.started")
            let q = shellQuoted(Binary.path) + " --spool " + shellQuoted(spool.path)
            let tmux = try await Control.Tmux.start(spool, script: "echo BEGIN; \(q) wait slow --quiet; echo EXITED:$?; exec sleep 300")
            try await tmux.waitForScreen(containing: "BEGIN")
            Control.release(spool, "slow")
            let end = try await tmux.waitForScreen(containing: "EXITED:0")
            let lines = end.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            #expect(lines == ["BEGIN", "EXITED:0"], "--quiet: nothing between the two lines: \(end)")
            await tmux.kill()
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        }
    }
}
