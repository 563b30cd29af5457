// Real workers running real /bin/sh jobs: success and output capture, retries with backoff and the
// DLQ, run order, schedules, timeouts, exactly-once claims, wait, cwd/env, bounded output, bad cwd.

import Foundation
import QueueCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A command that appends the job's id to a ledger file in the scratch folder.
func ledgerCommand(_ spool: TestSpool, _ ledger: String = "ledger") -> String {
    #"echo "$QUEUECTL_JOB_ID" >> "# + shellQuoted(spool.scratchPath(ledger))
}

/// The start times of each run, read from the `--- run R (attempt N) started TIME on W ---` headers.
func attemptStarts(_ log: String) -> [Timestamp] {
    log.split(separator: "\n").compactMap { line in
        guard line.hasPrefix("--- run "), let started = line.range(of: " started ") else { return nil }
        let rest = line[started.upperBound...]
        return Timestamp(iso8601: String(rest.prefix { $0 != " " }))
    }
}

@Suite struct WorkerTests {
    @Test func successfulJobIsCompletedWithItsOutputCaptured() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let enqueued = try await spool.q("enqueue", "--command", "echo out-line; echo err-line >&2", "--id", "ok")
        #expect(enqueued.status == 0, "\(enqueued)")
        let worker = try spool.startWorker()
        let record = try await spool.waitForState("ok", "completed")
        #expect(record["state"] as? String == "completed")
        #expect(int(record, "exit_code") == 0)
        #expect(int(record, "attempts") == 1)
        #expect(time(record, "started_at") != nil && time(record, "finished_at") != nil, "\(record)")
        #expect(record["last_error"] == nil, "\(record)")

        let logs = try await spool.q("logs", "ok")
        #expect(logs.status == 0, "\(logs)")
        #expect(logs.stdout.contains("out-line\n"), "\(logs)")
        #expect(logs.stdout.contains("err-line\n"), "\(logs)")
        let show = try await spool.q("show", "ok")
        #expect(show.status == 0, "\(show)")
        #expect(show.stdout.contains("out-line"), "show must include the output tail: \(show)")
        #expect(show.stdout.contains("completed"), "\(show)")

        let status = try jsonObject(try await spool.q("status", "--json").stdout)
        let workers = try #require(status["workers"] as? [[String: Any]])
        #expect(workers.count == 1, "\(workers)")
        #expect(workers.first.flatMap { int($0, "pid") } == Int(worker.pid))
        #expect((workers.first?["host"] as? String)?.isEmpty == false)
        #expect(int(try #require(status["jobs"] as? [String: Any]), "completed") == 1)

        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit() == 0, "\(worker.output)")
    }

    @Test func failingJobRetriesWithBackoffThenGoesToTheDLQ() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("config", "set", "backoff-base", "1.5").status == 0)
        #expect(try await spool.q("config", "set", "max-retries", "2").status == 0)
        #expect(try await spool.q("enqueue", "--command", "echo try-$QUEUECTL_ATTEMPT; exit 3", "--id", "flaky").status == 0)
        let worker = try spool.startWorker()

        // While it waits for its retry, it is in failed/ under a name that starts with the retry time.
        let failed = try await spool.waitForState("flaky", "failed")
        let retryAt = try #require(time(failed, "next_run_at"), "\(failed)")
        let failedName = try #require(spool.location(of: "flaky")?.file)
        #expect(failedName.hasPrefix(retryAt.compact), "\(failedName) should start with \(retryAt.compact)")

        let dead = try await spool.waitForState("flaky", "dead", timeout: 30)
        #expect(int(dead, "attempts") == 3, "1 run + 2 retries: \(dead)")
        #expect(int(dead, "exit_code") == 3)
        #expect((dead["last_error"] as? String)?.contains("3") == true, "\(dead)")

        let log = try await spool.q("logs", "flaky").stdout
        for attempt in 1...3 { #expect(log.contains("try-\(attempt)\n"), "\(log)") }
        let starts = attemptStarts(log)
        try #require(starts.count == 3, "expected three attempt headers in the log:\n\(log)")
        // Retry n waits at least 1.5^n seconds after the n-th failure (a loose lower bound only).
        let firstGap = starts[1].secondsSince(starts[0]), secondGap = starts[2].secondsSince(starts[1])
        #expect(firstGap >= 1.5 - 0.01, "first retry after \(firstGap) s")
        #expect(secondGap >= 2.25 - 0.01, "second retry after \(secondGap) s")

        let dlq = try await spool.q("dlq", "list", "--json")
        #expect(dlq.status == 0, "\(dlq)")
        let deadJobs = try jsonArray(dlq.stdout)
        #expect(deadJobs.compactMap { $0["id"] as? String } == ["flaky"])
        #expect(deadJobs.first?["state"] as? String == "dead")

        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit() == 0)

        let retry = try await spool.q("dlq", "retry", "flaky")
        #expect(retry.status == 0, "\(retry)")
        #expect(retry.trimmed == "flaky")
        #expect(spool.state(of: "flaky") == "pending")
        let retried = try #require(spool.record(of: "flaky"))
        #expect(int(retried, "attempts") == 0, "\(retried)")
        #expect(retried["state"] as? String == "pending")
        #expect(try jsonArray(try await spool.q("dlq", "list", "--json").stdout).isEmpty)

        let again = try await spool.q("dlq", "retry", "flaky")
        #expect(again.status == 1, "a pending job is not in the DLQ: \(again)")
        #expect(try await spool.q("dlq", "retry", "never-existed").status == 1)
    }

    @Test func lowerPriorityRunsFirst() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        for (id, priority) in [("prio-plus5", "5"), ("prio-minus5", "-5"), ("prio-zero", "0")] {
            #expect(try await spool.q("enqueue", "--command", ledgerCommand(spool), "--id", id,
                                      "--priority", priority).status == 0)
        }
        let worker = try spool.startWorker()
        try await waitUntil("all three jobs ran") { spool.scratchLines("ledger").count == 3 }
        #expect(spool.scratchLines("ledger") == ["prio-minus5", "prio-zero", "prio-plus5"])
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit() == 0)
    }

    @Test func scheduledJobsDoNotStartBeforeTheirTime() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let worker = try spool.startWorker()
        let runAtTime = Timestamp.now().adding(seconds: 3)
        #expect(try await spool.q("enqueue", "--command", ledgerCommand(spool), "--id", "at-time",
                                  "--run-at", runAtTime.iso8601).status == 0)
        #expect(try await spool.q("enqueue", "--command", ledgerCommand(spool), "--id", "delayed", "--delay", "3").status == 0)
        #expect(try await spool.q("enqueue", "--command", ledgerCommand(spool), "--id", "right-now").status == 0)
        let rightNowQueuedAt = Timestamp.now()

        for id in ["at-time", "delayed"] {
            let record = try await spool.waitForState(id, "completed")
            let due = try #require(time(record, "run_at"))
            let started = try #require(time(record, "started_at"))
            #expect(started >= due, "\(id) started at \(started), before its run_at \(due)")
        }
        #expect(spool.state(of: "right-now") == "completed")
        // Waiting jobs do not hold up a ready one (checked only when this machine was quick enough
        // to queue it well before the others were due).
        if rightNowQueuedAt.adding(seconds: 1.5) < runAtTime {
            #expect(spool.scratchLines("ledger").first == "right-now", "\(spool.scratchLines("ledger"))")
        }
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit() == 0)
    }

    @Test func timeoutKillsTheWholeProcessGroup() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let pidFile = shellQuoted(spool.scratchPath("sleep.pid"))
        #expect(try await spool.q("enqueue", "--command", "sleep 100 & echo $! > \(pidFile); wait",
                                  "--id", "slow", "--timeout", "1", "--max-retries", "0").status == 0)
        let worker = try spool.startWorker()
        let dead = try await spool.waitForState("slow", "dead")
        #expect((dead["last_error"] as? String)?.contains("timed out") == true, "\(dead)")
        let text = try #require(ProcFiles.text(spool.scratchPath("sleep.pid")))
        let pid = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        try await waitUntil(timeout: 3, "the job's background sleep (pid \(pid)) is gone") { !ProcFiles.isAlive(pid) }
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit() == 0)
    }

    @Test func timeoutEscalatesToSIGKILLForAJobThatIgnoresSIGTERM() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("config", "set", "stop_grace_sec", "0.5").status == 0)
        let pidFile = shellQuoted(spool.scratchPath("stubborn.pid"))
        #expect(try await spool.q("enqueue", "--command", "trap '' TERM; sleep 100 & echo $! > \(pidFile); wait; wait",
                                  "--id", "stubborn", "--timeout", "1", "--max-retries", "0").status == 0)
        let worker = try spool.startWorker()
        let dead = try await spool.waitForState("stubborn", "dead")
        #expect((dead["last_error"] as? String)?.contains("timed out") == true, "\(dead)")
        let pid = try #require(Int32((ProcFiles.text(spool.scratchPath("stubborn.pid")) ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        try await waitUntil(timeout: 3, "the stubborn sleep (pid \(pid)) is gone") { !ProcFiles.isAlive(pid) }
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit() == 0)
    }

    @Test func fourWorkersRunThreeHundredJobsExactlyOnce() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let ids = (1...300).map { String(format: "once-%03d", $0) }
        let batch = ids.map { #"{"id":"\#($0)","command":\#(jsonString(ledgerCommand(spool)))}"# }.joined(separator: "\n")
        let enqueued = try await spool.q("enqueue", "--file", "-", stdin: batch)
        #expect(enqueued.status == 0, "\(enqueued)")
        #expect(enqueued.lines.count == 300)

        let workers = try spool.startWorker(count: 4)
        try await waitUntil(timeout: 120, "300 jobs completed (\(spool.names("completed").count) so far)") {
            spool.names("completed").count == 300
        }
        let ledger = spool.scratchLines("ledger")
        #expect(ledger.count == 300, "the ledger has \(ledger.count) lines")
        var seen: [String: Int] = [:]
        for id in ledger { seen[id, default: 0] += 1 }
        #expect(seen.filter { $0.value != 1 }.isEmpty, "ran more than once: \(seen.filter { $0.value != 1 })")
        #expect(Set(ledger) == Set(ids))
        let records = spool.records(in: "completed")
        #expect(records.allSatisfy { int($0, "attempts") == 1 })
        #expect(Set(records.compactMap { $0["worker"] as? String }).count > 1, "the jobs should be shared by the workers")
        for state in ["pending", "processing", "failed", "dead"] { #expect(spool.names(state).isEmpty, "\(state)") }

        workers.signal(SIGTERM)
        #expect(try await workers.waitForExit() == 0, "\(workers.output)")
    }

    @Test func waitExitsZeroForCompletedOneForDeadAnd124OnTimeout() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("enqueue", "--command", "true", "--id", "w-ok").status == 0)
        #expect(try await spool.q("enqueue", "--command", "exit 1", "--id", "w-dead", "--max-retries", "0").status == 0)
        #expect(try await spool.q("enqueue", "--command", "sleep 60", "--id", "w-long", "--priority", "10").status == 0)
        let worker = try spool.startWorker()
        let ok = try await spool.q("wait", "w-ok")
        #expect(ok.status == 0, "\(ok)")
        #expect(spool.state(of: "w-ok") == "completed")
        let dead = try await spool.q("wait", "w-dead")
        #expect(dead.status == 1, "\(dead)")
        #expect(spool.state(of: "w-dead") == "dead")
        try await spool.waitForState("w-long", "processing")
        let started = ContinuousClock.now
        let timedOut = try await spool.q("wait", "w-long", "--timeout", "1")
        #expect(timedOut.status == 124, "\(timedOut)")
        #expect(ContinuousClock.now - started < .seconds(15), "wait --timeout 1 took \(ContinuousClock.now - started)")
        #expect(try await spool.q("wait", "no-such-job").status == 1)
        worker.signal(SIGKILL)
    }

    @Test func jobRunsInItsCwdWithItsEnvironment() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let directory = spool.scratchPath("run here")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let out = shellQuoted(spool.scratchPath("env.out"))
        let command = #"pwd > \#(out); printf '%s\n' "$FOO" "$SPACED" "$HOME" "$QUEUECTL_JOB_ID" "$QUEUECTL_ATTEMPT" >> \#(out)"#
        #expect(try await spool.q("enqueue", "--command", command, "--id", "env-job", "--cwd", directory,
                                  "--env", "FOO=bar", "--env", "SPACED=a b  c", "--env", "HOME=/custom/home").status == 0)
        let worker = try spool.startWorker()
        try await spool.waitForState("env-job", "completed")
        let lines = spool.scratchLines("env.out")
        try #require(lines.count == 6, "\(lines)")
        #expect(URL(fileURLWithPath: lines[0]).resolvingSymlinksInPath().path
                == URL(fileURLWithPath: directory).resolvingSymlinksInPath().path)
        #expect(Array(lines[1...]) == ["bar", "a b  c", "/custom/home", "env-job", "1"])
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit() == 0)
    }

    @Test func capturedOutputIsBoundedAndKeepsTheEnd() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("config", "set", "max_log_bytes", "2048").status == 0)
        // 1000 lines of 100 bytes, then a last line.
        let line = String(repeating: "x", count: 99)
        #expect(try await spool.q("enqueue", "--command", "yes \(line) | head -n 1000; echo LAST-LINE-OF-OUTPUT",
                                  "--id", "chatty").status == 0)
        let worker = try spool.startWorker()
        try await spool.waitForState("chatty", "completed")
        let logs = try await spool.q("logs", "chatty")
        #expect(logs.status == 0)
        #expect(logs.stdout.utf8.count <= 4096, "the log kept \(logs.stdout.utf8.count) bytes")
        #expect(logs.stdout.utf8.count >= 1024, "the log kept only \(logs.stdout.utf8.count) bytes")
        #expect(logs.stdout.hasSuffix("LAST-LINE-OF-OUTPUT\n"), "\(logs.stdout.suffix(200))")
        var info = stat()
        #expect(stat(spool.path + "/logs/chatty.log", &info) != 0 || info.st_size <= 4096, "log file of \(info.st_size) bytes")
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit() == 0)
    }

    @Test func jobInheritsOnlyStandardDescriptors() async throws {
        // The worker's parent may hand it other descriptors (Foundation's Process passes a socket
        // whose EOF tells it the child exited). A job must not keep them open: an orphaned job
        // would hold the parent's socket or pipe long after its worker is gone.
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let pidFile = shellQuoted(spool.scratchPath("fd-job.pid"))
        #expect(try await spool.q("enqueue", "--command", "echo $$ > \(pidFile); exec sleep 30", "--id", "fds").status == 0)
        let worker = try spool.startWorker()
        var pid: Int32 = 0
        try await waitUntil("the job has exec'ed sleep") {
            guard let text = ProcFiles.text(spool.scratchPath("fd-job.pid")),
                  let found = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return false }
            pid = found
            return (ProcFiles.text("/proc/\(found)/cmdline") ?? "").hasPrefix("sleep")
        }
        let descriptors = (try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))
            .sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }
        let targets = descriptors.map { "\($0) → " + ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")) ?? "?") }
        #expect(descriptors == ["0", "1", "2"], "the job holds descriptors it did not open: \(targets)")
        worker.signal(SIGQUIT)
        _ = try await worker.waitForExit()
    }

    @Test func commandThatCannotStartFailsWithAClearError() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let missing = spool.scratchPath("no-such-directory")
        #expect(try await spool.q("enqueue", "--command", "echo never", "--id", "no-cwd", "--cwd", missing,
                                  "--max-retries", "0").status == 0)
        let worker = try spool.startWorker()
        let dead = try await spool.waitForState("no-cwd", "dead")
        #expect(int(dead, "attempts") == 1)
        let error = try #require(dead["last_error"] as? String, "\(dead)")
        #expect(error.contains(missing), "last_error should name the missing directory \(missing): \(error)")
        #expect(try await spool.q("logs", "no-cwd").stdout.contains("never") == false)
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit() == 0)
    }
}

/// `text` as a JSON string literal.
func jsonString(_ text: String) -> String {
    let data = try! JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
    let array = String(decoding: data, as: UTF8.self)
    return String(array.dropFirst().dropLast())
}
