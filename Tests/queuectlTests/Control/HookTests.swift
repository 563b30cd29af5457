// Hooks (on_dead, on_complete): the record on stdin, QUEUECTL_JOB_ID/QUEUECTL_STATE, their own process
// group; a hanging hook is killed and blocks nothing; a failing one changes nothing.

import Foundation
import QueueCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension Control {
    @Suite("hooks") struct Hooks {
        /// A hook that saves its stdin as NAME.json and its environment as NAME.env (the .env file
        /// appears last, whole: the test waits for it).
        private func recordingHook(_ spool: TestSpool, _ name: String) -> String {
            let json = shellQuoted(spool.scratchPath(name + ".json"))
            let env = shellQuoted(spool.scratchPath(name + ".env"))
            let partial = shellQuoted(spool.scratchPath(name + ".env.partial"))
            return "cat > \(json); printf '%s %s\\n' \"$QUEUECTL_JOB_ID\" \"$QUEUECTL_STATE\" > \(partial); mv \(partial) \(env)"
        }

        @Test func onDeadHookReceivesTheRecordOnStdinAndTheEnvironment() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("config", "set", "on-dead", recordingHook(spool, "dead-hook")).status == 0)
            #expect(try await spool.q("config", "set", "on-complete", recordingHook(spool, "complete-hook")).status == 0)
            #expect(try await spool.q("enqueue", "--command", "echo failing; exit 5", "--id", "doomed", "--max-retries", "0").status == 0)
            let worker = try spool.startWorker()

            try await spool.waitForState("doomed", "dead")
            try await waitUntil("the on_dead hook has run:\n\(worker.output)") {
                FileManager.default.fileExists(atPath: spool.scratchPath("dead-hook.env"))
            }
            let stdin = try #require(ProcFiles.text(spool.scratchPath("dead-hook.json")))
            let record = try jsonObject(stdin)
            #expect(record["id"] as? String == "doomed", "\(record)")
            #expect(record["state"] as? String == "dead", "the record as it landed: \(record)")
            #expect(int(record, "exit_code") == 5, "\(record)")
            #expect(spool.scratchLines("dead-hook.env") == ["doomed dead"])
            #expect(!FileManager.default.fileExists(atPath: spool.scratchPath("complete-hook.env")),
                    "on_complete is not run for a dead job")

            #expect(try await spool.q("enqueue", "--command", "true", "--id", "fine").status == 0)
            try await spool.waitForState("fine", "completed")
            try await waitUntil("the on_complete hook has run:\n\(worker.output)") {
                FileManager.default.fileExists(atPath: spool.scratchPath("complete-hook.env"))
            }
            let completedStdin = try #require(ProcFiles.text(spool.scratchPath("complete-hook.json")))
            #expect(try jsonObject(completedStdin)["id"] as? String == "fine", "\(completedStdin)")
            #expect(spool.scratchLines("complete-hook.env") == ["fine completed"])
            // The hook's stdin file is temporary: nothing is left in tmp/.
            #expect(spool.names("tmp").filter { !$0.hasPrefix(".") }.isEmpty, "\(spool.names("tmp"))")
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        }

        @Test func hangingHookIsKilledAfterHookTimeoutAndTheWorkerGoesOn() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            let hookPid = shellQuoted(spool.scratchPath("hook.pid"))
            let sleepPid = shellQuoted(spool.scratchPath("hook-sleep.pid"))
            #expect(try await spool.q("config", "set", "on-dead", "echo $$ > \(hookPid); sleep 300 & echo $! > \(sleepPid); wait").status == 0)
            #expect(try await spool.q("config", "set", "hook-timeout-sec", "1").status == 0)
            #expect(try await spool.q("enqueue", "--command", "exit 1", "--id", "doomed", "--max-retries", "0").status == 0)
            let worker = try spool.startWorker()

            let shell = try await Control.pid(in: spool, "hook.pid")
            let sleeper = try await Control.pid(in: spool, "hook-sleep.pid")

            // The worker is not blocked by its hook: the next job runs and completes.
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "next").status == 0)
            try await spool.waitForState("next", "completed")
            // After hook_timeout_sec the hook's whole process group is killed.
            try await Control.waitUntilGone(sleeper, "the hook's sleep")
            try await Control.waitUntilGone(shell, "the hook's shell")
            try await waitUntil("the worker logs the killed hook:\n\(worker.output)") { worker.output.contains("hook for doomed") }
            #expect(spool.state(of: "doomed") == "dead", "a killed hook changes nothing")
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        }

        @Test func hookThatOutlivesJobsDoesNotBlockTheWorker() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            let hookPid = shellQuoted(spool.scratchPath("hook.pid"))
            let sleepPid = shellQuoted(spool.scratchPath("hook-sleep.pid"))
            // A timeout far longer than the next jobs take: the hook is still running meanwhile.
            #expect(try await spool.q("config", "set", "on-dead", "echo $$ > \(hookPid); sleep 300 & echo $! > \(sleepPid); wait").status == 0)
            #expect(try await spool.q("config", "set", "hook-timeout-sec", "120").status == 0)
            #expect(try await spool.q("enqueue", "--command", "exit 1", "--id", "doomed", "--max-retries", "0").status == 0)
            let worker = try spool.startWorker()
            let shell = try await Control.pid(in: spool, "hook.pid")
            let sleeper = try await Control.pid(in: spool, "hook-sleep.pid")
            #expect(Control.processGroup(of: shell) == shell, "the hook leads its own process group")
            #expect(Control.processGroup(of: sleeper) == shell, "the hook's children are in its group")
            #expect(Control.processGroup(of: shell) != Control.processGroup(of: worker.pid))

            for id in ["n1", "n2", "n3"] {
                #expect(try await spool.q("enqueue", "--command", "true", "--id", id).status == 0)
            }
            for id in ["n1", "n2", "n3"] { try await spool.waitForState(id, "completed") }
            #expect(ProcFiles.isAlive(sleeper), "the hook was still running while the worker ran three jobs")
            kill(-(Control.processGroup(of: sleeper) ?? sleeper), SIGKILL)
            try await Control.waitUntilGone(sleeper, "the hook's sleep")
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        }

        @Test func failingHooksDoNotChangeTheJobsState() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            let ran = shellQuoted(spool.scratchPath("hooks-ran"))
            #expect(try await spool.q("config", "set", "on-complete", "echo \"$QUEUECTL_JOB_ID\" >> \(ran); exit 9").status == 0)
            #expect(try await spool.q("config", "set", "on-dead", "echo \"$QUEUECTL_JOB_ID\" >> \(ran); kill -KILL $$").status == 0)
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "ok").status == 0)
            #expect(try await spool.q("enqueue", "--command", "exit 4", "--id", "bad", "--max-retries", "0").status == 0)
            let worker = try spool.startWorker()

            try await waitUntil("both hooks ran") { Set(spool.scratchLines("hooks-ran")) == ["ok", "bad"] }
            try await waitUntil("the worker logs the failed hooks:\n\(worker.output)") {
                worker.output.contains("hook for ok") && worker.output.contains("hook for bad")
            }
            let ok = try #require(spool.record(of: "ok"))
            #expect(spool.state(of: "ok") == "completed")
            #expect(int(ok, "exit_code") == 0 && ok["last_error"] == nil, "\(ok)")
            let bad = try #require(spool.record(of: "bad"))
            #expect(spool.state(of: "bad") == "dead")
            #expect(int(bad, "exit_code") == 4 && int(bad, "attempts") == 1, "\(bad)")
            #expect(worker.isRunning)
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        }
    }
}
