// The spool format from outside queuectl: the producers of Tests/Producers/ (sh, Python, Node.js,
// Perl, C), each the smallest correct drop, run against a real worker; the same drop through the
// QueueCore library from Swift; and monitor.sh, which reads the queue with ls and cat only.
// A producer whose language is not installed is skipped with a banner, never silently.

import Foundation
import QueueCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Tests/Producers/NAME, found from this file's path.
private func producerPath(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Producers").appendingPathComponent(name).path
}

/// How to run one language's producer: the program that must be installed, and the command line
/// (built in `scratch`, for C).
private struct Producer: Sendable, CustomStringConvertible {
    let language: String
    let program: String
    let package: String
    let file: String

    var description: String { language }

    func commandLine(scratch: String) throws -> [String]? {
        guard programPath(program) != nil else { return nil }
        let source = producerPath(file)
        switch language {
        case "c":
            let binary = scratch + "/drop"
            let build = try runProgram(["cc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", binary, source])
            guard build.status == 0 else { throw HarnessFailure("cc drop.c:\n\(build.stderr)") }
            return [binary]
        default:
            return [program, source]
        }
    }

    static let all = [
        Producer(language: "sh", program: "sh", package: "dash coreutils", file: "drop.sh"),
        Producer(language: "python", program: "python3", package: "python3", file: "drop.py"),
        Producer(language: "node", program: "node", package: "nodejs", file: "drop.js"),
        Producer(language: "perl", program: "perl", package: "perl", file: "drop.pl"),
        Producer(language: "c", program: "cc", package: "gcc libc6-dev", file: "drop.c"),
    ]
}

@Suite struct ProducerTests {
    @Test(arguments: Producer.all)
    private func aProducerDropsAJobThatAWorkerRuns(_ producer: Producer) async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        guard let command = try producer.commandLine(scratch: spool.scratch) else {
            reportSkipped("the \(producer.language) producer (Tests/Producers/\(producer.file)) needs '\(producer.program)'. Install with: apt-get install -y \(producer.package)")
            return
        }
        #expect(try await spool.q("init").status == 0)  // creates the spool
        let worker = try spool.startWorker()
        defer { worker.signal(SIGKILL) }
        let id = "from-\(producer.language)"
        let record = #"{"id": "\#(id)", "command": "echo \"hello from $QUEUECTL_JOB_ID\"", "priority": -3, "env": {"LANG_OF": "\#(producer.language)"}}"#
        let drop = try runProgram(command + [spool.path, "\(id).json", record], environment: spool.environment())
        #expect(drop.status == 0, "\(producer.language) producer: \(drop.stderr)")
        let done = try await spool.waitForState(id, "completed", timeout: 20)
        // The producer's temporary file is gone (a worker's own, while it starts a run, is
        // there for a moment only: once the job is done, tmp/ must be empty).
        try await waitUntil(timeout: 5, "tmp/ is empty (it holds \(spool.names("tmp")))") { spool.names("tmp").isEmpty }
        #expect(int(done, "priority") == -3)
        #expect((done["env"] as? [String: String]) == ["LANG_OF": producer.language])
        #expect(try await spool.q("logs", id).stdout.hasSuffix("\nhello from \(id)\n"))
        #expect(spool.names("quarantine").isEmpty)
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit() == 0)
    }

    /// The Swift producer: the QueueCore library's enqueue, as a program that imports it would.
    @Test func swiftProgramsEnqueueThroughTheLibrary() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }

        // The README's example, with the test's spool and a directory that exists here.
        let queue = try Spool.open(spool.path)
        var record = JobRecord(id: JobID(rawValue: "from-swift")!, command: "echo hello from Swift",
                               maxRetries: queue.config.maxRetries, now: .now())
        record.priority = -3
        record.cwd = "/"
        let outcomes = try queue.enqueue([NewJob(record: record)])
        // (end of the example)

        #expect(outcomes == [.added(JobID(rawValue: "from-swift")!)])
        #expect(ProcFiles.text(spool.path + "/format") == "queuectl-spool 1\n")
        #expect(spool.state(of: "from-swift") == "pending", "published under its name at once")
        let worker = try spool.startWorker()
        defer { worker.signal(SIGKILL) }
        try await spool.waitForState("from-swift", "completed", timeout: 20)
        #expect(try await spool.q("logs", "from-swift").stdout.hasSuffix("\nhello from Swift\n"))
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit() == 0)
    }

    /// monitor.sh reads the spool with ls and cat, as a monitoring check would, and agrees with
    /// `queuectl status`; it exits 2 while the dead letter queue holds a job.
    @Test func aShellMonitorReadsTheQueueWithLsAndCat() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let monitor = producerPath("monitor.sh")
        #expect(try await spool.q("enqueue", "--id", "ok", "--command", "true").status == 0)
        #expect(try await spool.q("enqueue", "--id", "bad", "--max-retries", "0", "--command", "echo no >&2; exit 4").status == 0)
        #expect(try await spool.q("enqueue", "--id", "flaky", "--max-retries", "5", "--command", "exit 1").status == 0)
        #expect(try await spool.q("enqueue", "--id", "later", "--delay", "3600", "--command", "true").status == 0)

        let before = try runProgram(["sh", monitor, spool.path])
        #expect(before.status == 0, "\(before.stderr)")
        #expect(before.stdout.hasPrefix("pending 4\nprocessing 0\nfailed 0\ncompleted 0\ndead 0\n"), "\(before.stdout)")

        let worker = try spool.startWorker()
        defer { worker.signal(SIGKILL) }
        try await spool.waitForState("ok", "completed")
        try await spool.waitForState("bad", "dead")
        let failed = try await spool.waitForState("flaky", "failed")
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit() == 0)

        let after = try runProgram(["sh", monitor, spool.path])
        #expect(after.status == 2, "a dead job is critical: \(after)")
        let retry = try #require(time(failed, "next_run_at"))
        #expect(after.stdout == """
            pending 1
            processing 0
            failed 1
            completed 1
            dead 1
            next_retry \(retry.compact)
              "last_error": "exit status 4",

            """, "\(after.stdout)")
        let status = try jsonObject(try await spool.q("status", "--json").stdout)
        #expect((status["jobs"] as? [String: Int]) == ["pending": 1, "processing": 0, "failed": 1, "completed": 1, "dead": 1])

        // A spool of a newer format is not guessed at.
        try Data("queuectl-spool 2\n".utf8).write(to: URL(fileURLWithPath: spool.path + "/format"))
        let newer = try runProgram(["sh", monitor, spool.path])
        #expect(newer.status == 3 && newer.stdout == "UNKNOWN: queuectl-spool 2\n", "\(newer)")
    }
}
