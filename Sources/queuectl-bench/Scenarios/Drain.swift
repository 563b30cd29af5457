// Scenario 1, drain: N `true` jobs from the start of the workers to the last completion — queuectl
// with 1, 2 and 4 workers against xargs -P (the physical limit) and task-spooler with 2 slots.

import TestSupport

extension Bench {
    func drain(_ results: Results) throws {
        let count = options.drainJobs
        let section = "1. Drain \(grouped(count)) jobs of `sh -c true` (start → last completion)"
        let input = scratch.file("xargs-input")
        try Scratch.write(String(repeating: "x\n", count: count), to: input)
        let taskSpooler = try peers.taskSpooler.map { try TaskSpooler(program: $0, slots: 2, scratch: scratch) }
        defer { taskSpooler?.shutdown() }
        if taskSpooler == nil { results.skip(section, "task-spooler with 2 slots", "task-spooler is not installed") }
        if peers.xargs == nil { results.skip(section, "xargs -P (the physical limit)", "xargs is not installed") }

        var times: [String: [Double]] = [:]
        for run in 1...options.repeats {
            progress("drain: run \(run) of \(options.repeats)")
            for workers in [1, 2, 4] {
                if let xargs = peers.xargs {
                    times["xargs -P\(workers)", default: []].append(try timed {
                        try TestProcess.run([xargs, "-P", String(workers), "-I{}", peers.shell, "-c", "true"], input: input)
                    })
                }
                let label = "queuectl, \(workers) worker\(workers == 1 ? "" : "s")"
                times[label, default: []].append(try timeQueuectl(count, workers: workers, durable: true))
                if workers == 2 {
                    times[label + ", fsync off", default: []].append(try timeQueuectl(count, workers: workers, durable: false))
                }
            }
            if let taskSpooler { times["task-spooler, 2 slots", default: []].append(try timeTaskSpooler(taskSpooler, count)) }
        }

        let xargs = times["xargs -P2"].map(Summary.init)
        let spooler = times["task-spooler, 2 slots"].map(Summary.init)
        let labels = ["xargs -P1", "xargs -P2", "xargs -P4", "task-spooler, 2 slots", "queuectl, 1 worker",
                      "queuectl, 2 workers", "queuectl, 4 workers", "queuectl, 2 workers, fsync off"]
        for label in labels {
            guard let samples = times[label] else { continue }
            let summary = Summary(samples)
            var figure = Figure.median(section, label, .seconds, summary)
                .with(note: format(Double(count) / summary.median, .jobsPerSecond))
            if label == "queuectl, 2 workers" {
                if let xargs {
                    figure = figure.with(Target.atMost(1.5, times: xargs.median, of: "xargs -P2", value: summary.median, unit: .seconds))
                }
                if let spooler {
                    figure = figure.with(Target(text: "< task-spooler (\(format(spooler.median, .seconds)))", met: summary.median < spooler.median))
                }
            }
            results.add(figure)
        }
    }

    /// Enqueues `count` jobs in a new spool (fsync on or off), then times their drain.
    private func timeQueuectl(_ count: Int, workers: Int, durable: Bool) throws -> Double {
        let spool = try scratch.folder("drain")
        defer { scratch.remove(spool) }
        if !durable { try TestProcess.run(queuectl.command(spool, "config", "set", "fsync", "false")) }
        let ids = Bench.ids("d", count)
        try queuectl.enqueue(Queuectl.trueJobs(ids), spool: spool, scratch: scratch)
        return try queuectl.timeDrain(ids, workers: workers, spool: spool, timeout: 60 + Double(count) * 0.05).seconds
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
