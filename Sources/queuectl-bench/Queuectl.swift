// Queuectl: the release binary under test — found beside the bench, checked to be built as the
// README's install says — and what the scenarios ask of it: batches of jobs, workers, drains.

import QueueCore
import QueueSystem
import TestSupport

struct Queuectl {
    let path: String
    /// False when the binary loads the Swift runtime dynamically (built without --static-swift-stdlib),
    /// which adds about 2 ms to every command's start.
    let isStatic: Bool

    /// The `queuectl` in the bench's own folder (.build/release/).
    static func locate() throws -> Queuectl {
        let executable = CurrentProcess.executablePath
        let directory = String(executable[..<(executable.lastIndex(of: "/") ?? executable.startIndex)])
        let path = directory + "/queuectl"
        guard FileSystem.isExecutable(path) else {
            throw BenchError("no queuectl beside the bench in \(directory)/: build both with 'swift build -c release --static-swift-stdlib'")
        }
        // The whole binary, however large (ProcFiles.text stops at 16 MiB).
        let binary = (try? FileSystem.readFile(path, limit: 1 << 30)).map { String(decoding: $0, as: UTF8.self) }
        let linksSwiftRuntime = binary?.contains("libswiftCore.so") ?? false
        return Queuectl(path: path, isStatic: !linksSwiftRuntime)
    }

    /// `queuectl --spool SPOOL ARGUMENTS...`
    func command(_ spool: String, _ arguments: String...) -> [String] {
        [path, "--spool", spool] + arguments
    }

    /// Creates the spool (`init`; reading commands such as `status` never create one).
    func create(spool: String) throws {
        try TestProcess.run(command(spool, "init"))
    }

    /// Writes `lines` (JSON Lines) to a file and enqueues them with one `enqueue --file`.
    func enqueue(_ lines: [String], spool: String, scratch: Scratch) throws {
        let file = scratch.file("jobs.jsonl")
        try Scratch.write(lines.joined(separator: "\n") + "\n", to: file)
        try TestProcess.run(command(spool, "enqueue", "--file", file), output: scratch.file("enqueue.log"))
        try? FileSystem.unlink(file)
    }

    /// `worker start --count N` in the foreground; its log goes nowhere.
    func startWorkers(_ count: Int, spool: String) throws -> TestProcess {
        try TestProcess.launch(command(spool, "worker", "start", "--count", String(count)))
    }

    /// The lines of `true` jobs with these ids.
    static func trueJobs(_ ids: [String], priority: Int = 0) -> [String] {
        let field = priority == 0 ? "" : ",\"priority\":\(priority)"
        return ids.map { "{\"id\":\"\($0)\",\"command\":\"true\"\(field)}" }
    }

    /// Seconds from starting `workers` workers until every job of `ids` is in completed/, and
    /// the peak memory and the own CPU time (not its jobs') of the process started (the worker
    /// itself when `workers` is 1), which is stopped afterwards. `observe` sees that process
    /// and the jobs done so far.
    func timeDrain(_ ids: [String], workers: Int, spool: String, timeout: Double,
                   observe: (TestProcess, Int) -> Void = { _, _ in }) throws -> (seconds: Double, peakKiB: Int, cpuSeconds: Double) {
        let paths = ids.map { spool + "/completed/" + $0 + ".json" }
        // The drain is seen by the jobs' files arriving in completed/: none may be purged meanwhile
        // (keep_completed's own figures come from Tests/Retention/drain_figures.py).
        try TestProcess.run(command(spool, "config", "set", "keep-completed", "all"))
        let start = SystemClock.monotonicNanoseconds
        let worker = try startWorkers(workers, spool: spool)
        defer { worker.stop() }
        let end = try waitForFiles(paths, timeout: timeout, watching: worker) { observe(worker, $0) }
        guard let peakKiB = worker.peakKiB, let cpu = ProcFiles.cpuSeconds(of: worker.pid) else {
            throw BenchError("cannot read the peak memory or CPU time of worker \(worker.pid)")
        }
        return (seconds(from: start, to: end), peakKiB, cpu)
    }
}

/// Waits until every path exists (all in one folder), checking them in order (jobs finish
/// roughly in order) when inotify says names arrived there, and returns the monotonic time at
/// which the last one was seen. Event-driven rather than polled, so the watcher takes no CPU
/// from the workers it measures. Fails when `process` ends or `timeout` seconds pass.
/// `progress` is told the count found so far.
func waitForFiles(_ paths: [String], timeout: Double, watching process: TestProcess,
                  progress: (Int) -> Void = { _ in }) throws -> Int64 {
    let deadline = SystemClock.monotonicNanoseconds + Int64(timeout * 1e9)
    let first = paths.first ?? "/"
    let folder = String(first[..<(first.lastIndex(of: "/") ?? first.startIndex)])
    let inotify = try Inotify()
    defer { inotify.descriptor.close() }
    _ = try inotify.watch(folder)
    var found = 0
    var nextCheck: Int64 = 0
    while true {
        while found < paths.count && FileSystem.exists(paths[found]) { found += 1 }
        let now = SystemClock.monotonicNanoseconds
        if found == paths.count { return now }
        progress(found)
        if now > deadline {
            throw BenchError("timed out after \(Int(timeout)) s: \(found) of \(paths.count) jobs done (waiting for \(paths[found]))")
        }
        if now > nextCheck {  // every 100 ms: a waitpid costs more than a stat
            if let end = process.termination {
                throw BenchError("'\(process.arguments.joined(separator: " "))' ended early (exit status \(end.shellStatus)): \(found) of \(paths.count) jobs done")
            }
            nextCheck = now + 100_000_000
        }
        if Poll.waitForInput([inotify.descriptor], timeoutMilliseconds: 100)[0] { _ = inotify.readEvents() }
    }
}
