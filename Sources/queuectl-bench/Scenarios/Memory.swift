// Scenario 6, memory: the peak resident memory (VmHWM) of one worker draining 100,000 jobs,
// read after its first 1,000 jobs and at the end, to show whether it stays flat.

extension Bench {
    func memory(_ results: Results) throws {
        let count = options.memoryJobs
        let section = "6. Memory: peak RSS of one worker (VmHWM)"
        let spool = try scratch.folder("memory")
        defer { scratch.remove(spool) }
        let ids = Bench.ids("m", count)
        progress("memory: enqueueing \(grouped(count)) jobs")
        try queuectl.enqueue(Queuectl.trueJobs(ids), spool: spool, scratch: scratch)
        progress("memory: one worker drains them")
        var early: Int?
        let (time, peakKiB, _) = try queuectl.timeDrain(ids, workers: 1, spool: spool, timeout: 600 + Double(count) * 0.05) { worker, done in
            if early == nil && done >= min(1_000, count / 10) { early = worker.peakKiB }
        }
        if let early {
            results.add(Figure(section, "after the first \(grouped(min(1_000, count / 10))) of \(grouped(count)) jobs", .mebibytes,
                               value: Double(early) / 1024, samples: 1))
        }
        results.add(Figure(section, "draining \(grouped(count)) jobs", .mebibytes, value: Double(peakKiB) / 1024, samples: 1)
            .with(Target.atMost(50, value: Double(peakKiB) / 1024, unit: .mebibytes))
            .with(note: "drained at " + format(Double(count) / time, .jobsPerSecond)))
    }
}
