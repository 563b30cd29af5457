// Scenario 1, drain: N `true` jobs from the start of the workers to the last completion — queuectl
// with 1, 2 and 4 workers against xargs -P (the physical limit) and task-spooler with 2 slots —
// and the worker's own CPU per job. Targets of issue 19: within 1.15× of xargs with 1 and with 2
// workers, more jobs a second than task-spooler, and half the 0.52 ms of CPU per job of before.

import TestSupport

extension Bench {
    func drain(_ results: Results) throws {
        let count = options.drainJobs
        let spoolerCount = min(count, options.taskSpoolerJobs)
        let section = "1. Drain \(grouped(count)) jobs of `sh -c true` (start → last completion)"
        let input = scratch.file("xargs-input")
        try Scratch.write(String(repeating: "x\n", count: count), to: input)
        let taskSpooler = try peers.taskSpooler.map { try TaskSpooler(program: $0, slots: 2, scratch: scratch) }
        defer { taskSpooler?.shutdown() }
        if taskSpooler == nil { results.skip(section, "task-spooler with 2 slots", "task-spooler is not installed") }
        if peers.xargs == nil { results.skip(section, "xargs -P (the physical limit)", "xargs is not installed") }

        var times: [String: [Double]] = [:]
        var cpuPerJob: [Double] = []
        for run in 1...options.repeats {
            progress("drain: run \(run) of \(options.repeats)")
            for workers in [1, 2, 4] {
                if let xargs = peers.xargs {
                    times["xargs -P\(workers)", default: []].append(try timed {
                        try TestProcess.run([xargs, "-P", String(workers), "-I{}", peers.shell, "-c", "true"], input: input)
                    })
                }
                let label = "queuectl, \(workers) worker\(workers == 1 ? "" : "s")"
                let drain = try timeQueuectl(count, workers: workers, durable: true)
                times[label, default: []].append(drain.seconds)
                if workers == 1 { cpuPerJob.append(drain.cpuSeconds / Double(count)) }
                if workers == 2 {
                    times[label + ", fsync off", default: []].append(try timeQueuectl(count, workers: workers, durable: false).seconds)
                }
            }
            if let taskSpooler { times["task-spooler, 2 slots", default: []].append(try timeTaskSpooler(taskSpooler, spoolerCount)) }
        }

        let spooler = times["task-spooler, 2 slots"].map { Double(spoolerCount) / Summary($0).median }
        let labels = ["xargs -P1", "xargs -P2", "xargs -P4", "task-spooler, 2 slots", "queuectl, 1 worker",
                      "queuectl, 2 workers", "queuectl, 4 workers", "queuectl, 2 workers, fsync off"]
        for label in labels {
            guard let samples = times[label] else { continue }
            let summary = Summary(samples)
            let jobs = label.hasPrefix("task-spooler") ? spoolerCount : count
            var figure = Figure.median(section, jobs == count ? label : "\(label) (\(grouped(jobs)) jobs)", .seconds, summary)
                .with(note: format(Double(jobs) / summary.median, .jobsPerSecond))
            let reference = label == "queuectl, 1 worker" ? "xargs -P1" : label == "queuectl, 2 workers" ? "xargs -P2" : nil
            if let reference, let physical = times[reference].map(Summary.init) {
                figure = figure.with(Target.atMost(1.15, times: physical.median, of: reference, value: summary.median, unit: .seconds))
            }
            if label == "queuectl, 2 workers", let spooler {
                let rate = Double(count) / summary.median
                figure = figure.with(Target(text: "> task-spooler's \(format(spooler, .jobsPerSecond))", met: rate > spooler))
            }
            results.add(figure)
        }
        if !cpuPerJob.isEmpty {
            // The worker's user + system time from /proc/PID/stat, its jobs' not included.
            results.add(Figure.median(section, "queuectl, 1 worker: its own CPU per job", .seconds, Summary(cpuPerJob))
                .with(Target.atMost(0.000_26, value: Summary(cpuPerJob).median, unit: .seconds)))
        }
    }

    /// Enqueues `count` jobs in a new spool (fsync on or off), then times their drain.
    private func timeQueuectl(_ count: Int, workers: Int, durable: Bool) throws -> (seconds: Double, cpuSeconds: Double) {
        let spool = try scratch.folder("drain")
        defer { scratch.remove(spool) }
        if !durable { try TestProcess.run(queuectl.command(spool, "config", "set", "fsync", "false")) }
        let ids = Bench.ids("d", count)
        try queuectl.enqueue(Queuectl.trueJobs(ids), spool: spool, scratch: scratch)
        let drain = try queuectl.timeDrain(ids, workers: workers, spool: spool, timeout: 60 + Double(count) * 0.05)
        return (drain.seconds, drain.cpuSeconds)
    }

    /// Fills task-spooler's queue behind a gate job, then times from opening the gate until a
    /// last job that needs both slots has ended (so every other job has ended before it).
    private func timeTaskSpooler(_ taskSpooler: TaskSpooler, _ count: Int) throws -> Double {
        taskSpooler.clearFinished()
        try taskSpooler.closeGate()
        for _ in 0..<count { try taskSpooler.add([peers.shell, "-c", "true"]) }
        try taskSpooler.add([peers.trueProgram], slots: taskSpooler.slots)
        return try timed {
            try taskSpooler.openGate()
            try taskSpooler.waitForLast()
        }
    }
}
