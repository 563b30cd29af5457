// Scenario 4, latency with an idle worker: `enqueue` starting → the job's command starting (against
// task-spooler and nq), and inside the worker: the job file's arrival in pending/ → the same.

import QueueCore
import QueueSystem
import TestSupport

extension Bench {
    /// Every start is seen through a FIFO the command writes to. The worker's own share is the
    /// arrival → start time less the start of `sh -c` alone, measured by the bench right after it.
    func latency(_ results: Results) throws {
        let samples = options.latencySamples
        let section = "4. Latency to the job's start, idle worker (\(samples) samples each)"
        let spool = try scratch.folder("latency")
        try queuectl.create(spool: spool)
        let signal = try StartSignal(path: scratch.file("start.fifo"))
        let worker = try queuectl.startWorkers(1, spool: spool)
        defer { worker.stop() }
        let taskSpooler = try peers.taskSpooler.map { try TaskSpooler(program: $0, slots: 2, scratch: scratch) }
        defer { taskSpooler?.shutdown() }
        let nqFolder = try scratch.folder("nq")
        if taskSpooler == nil { results.skip(section, "task-spooler", "task-spooler is not installed") }
        if peers.nq == nil { results.skip(section, "nq", "nq is not installed") }

        /// Times one start: `begin` starts it (returns the child to wait for, if any), the job
        /// signals `token`, `end` waits until it is over so the next sample finds everything idle.
        func sample(_ token: String, begin: () throws -> TestProcess?, end: () throws -> Void) throws -> Double {
            let start = SystemClock.monotonicNanoseconds
            let child = try begin()
            let started = try signal.wait(for: token, timeout: 10)
            if let child, case let status = child.wait().shellStatus, status != 0 {
                throw BenchError("'\(child.arguments.joined(separator: " "))' exited with status \(status)")
            }
            try end()
            SystemClock.sleep(milliseconds: 5)
            return seconds(from: start, to: started)
        }
        func completed(_ id: String) throws {
            _ = try waitForFiles([spool + "/completed/" + id + ".json"], timeout: 10, watching: worker)
        }

        var enqueueTimes: [Double] = [], spoolerTimes: [Double] = [], nqTimes: [Double] = []
        var insideTimes: [Double] = [], shellTimes: [Double] = [], shares: [Double] = []
        progress("latency: \(samples) samples of each, one at a time")
        for index in 0..<samples {
            let id = "q-\(index)"
            enqueueTimes.append(try sample(id, begin: {
                try TestProcess.launch(queuectl.command(spool, "enqueue", "--id", id, "--command", signal.command(id)))
            }, end: { try completed(id) }))

            let drop = try JobDrop(spool: spool, id: "i-\(index)", command: signal.command("i-\(index)"))
            let inside = try sample(drop.id, begin: { try drop.publish(); return nil }, end: { try completed(drop.id) })
            let shell = try sample("s-\(index)", begin: {
                try TestProcess.launch([peers.shell, "-c", signal.command("s-\(index)")])
            }, end: {})
            insideTimes.append(inside)
            shellTimes.append(shell)
            shares.append(inside - shell)

            if let taskSpooler {
                let token = "t-\(index)"
                spoolerTimes.append(try sample(token, begin: {
                    try TestProcess.launch(taskSpooler.addArguments([peers.shell, "-c", signal.command(token)]), environment: taskSpooler.environment)
                }, end: { try taskSpooler.waitForLast() }))
            }
            if let nq = peers.nq {
                let token = "n-\(index)"
                nqTimes.append(try sample(token, begin: {
                    try TestProcess.launch([nq, "-q", peers.shell, "-c", signal.command(token)], environment: ["NQDIR": nqFolder])
                }, end: { SystemClock.sleep(milliseconds: 5) }))
            }
        }

        let enqueue = Summary(enqueueTimes)
        let spooler = spoolerTimes.isEmpty ? nil : Summary(spoolerTimes)
        var p50 = Figure.median(section, "queuectl enqueue → command start, p50", .seconds, enqueue)
        // Issue 19: p50 at most task-spooler's, p99 within 2× of its p99.
        var p99 = Figure.percentile(section, "queuectl enqueue → command start, p99", enqueue, 99)
        if let spooler {
            p50 = p50.with(Target.atMost(1, times: spooler.median, of: "task-spooler p50", value: enqueue.median, unit: .seconds))
            p99 = p99.with(Target.atMost(2, times: spooler.percentile(99), of: "task-spooler p99", value: enqueue.percentile(99), unit: .seconds))
        }
        results.add(p50)
        results.add(Figure.percentile(section, "queuectl enqueue → command start, p95", enqueue, 95))
        results.add(p99)
        for (label, times) in [("task-spooler (tsp -n)", spoolerTimes), ("nq", nqTimes)] where !times.isEmpty {
            let summary = Summary(times)
            results.add(Figure.median(section, "\(label) → command start, p50", .seconds, summary))
            results.add(Figure.percentile(section, "\(label) → command start, p95", summary, 95))
            results.add(Figure.percentile(section, "\(label) → command start, p99", summary, 99))
        }
        let inside = Summary(insideTimes)
        results.add(Figure.median(section, "inside the worker: file in pending/ → command start, p50", .seconds, inside))
        results.add(Figure.percentile(section, "inside the worker: file in pending/ → command start, p99", inside, 99))
        results.add(Figure.median(section, "sh -c start alone (posix_spawn by the bench → command start)", .seconds, Summary(shellTimes)))
        let share = Summary(shares)
        results.add(Figure.median(section, "inside the worker, less sh start (paired samples), p50", .seconds, share)
            .with(Target.atMost(0.001, value: share.median, unit: .seconds)))
    }
}

/// A job published the way `enqueue` publishes one — its id reserved in ids/, its record written
/// to tmp/ — whose final rename into pending/ (its arrival) is left for the timed moment.
private struct JobDrop {
    let id: String
    let temporary: String
    let target: String

    init(spool: String, id: String, command: String) throws {
        self.id = id
        let now = Timestamp.now()
        let jobID = JobID(rawValue: id)!
        let name = FileName.pending(id: jobID, priority: 0, due: now, age: now)
        temporary = spool + "/tmp/bench-" + id
        target = spool + "/pending/" + name.text
        try FileSystem.symlink("../pending/" + name.text, at: spool + "/ids/" + id)
        try Scratch.write(String(decoding: JobRecord(id: jobID, command: command, maxRetries: 0, now: now).fileBytes, as: UTF8.self),
                          to: temporary)
    }

    func publish() throws {
        try FileSystem.rename(temporary, to: target)
    }
}
