// Scenario 5, scale: `status`, `list` and `show` with 1,000 to 1,000,000 jobs in the spool, and
// one worker's drain rate beside 100,000 completed and 100,000 pending jobs against an empty spool.

import TestSupport

extension Bench {
    func scale(_ results: Results) throws {
        let spool = try scratch.folder("scale")
        try queuectl.create(spool: spool)
        var builder = SpoolBuilder(spool: spool)
        var size = 0
        var shown: (pending: String, completed: String)?
        var baseline: [String: Double] = [:]
        let smallest = options.scaleSizes[0], largest = options.scaleSizes[options.scaleSizes.count - 1]
        for target in options.scaleSizes {
            progress("scale: writing the spool up to \(grouped(target)) jobs")
            let completedCount = (target - size) / 2
            let buildTime = try timed {
                let pending = try builder.add(target - size - completedCount, .pending)
                let completed = try builder.add(completedCount, .completed)
                if shown == nil, !pending.isEmpty, !completed.isEmpty {
                    shown = (pending[pending.count / 2], completed[completed.count / 2])
                }
            }
            size = target
            progress("scale: \(grouped(size)) jobs written in \(format(buildTime, .seconds)); timing the commands")
            guard let shown else { throw BenchError("scale: the spool needs at least 2 jobs") }
            let section = "5. Scale: \(grouped(size)) jobs in the spool (half completed, half pending)"
            for (label, summary) in try timeQueries(spool: spool, shown: shown) {
                var figure = Figure.median(section, label, .seconds, summary)
                let base = baseline[label] ?? summary.median
                baseline[label] = base
                if size == largest && size > smallest {
                    if label.hasPrefix("show") || label.hasPrefix("list --state pending") {
                        figure = figure.with(Target.atMost(2, times: base, of: "at \(grouped(smallest))", value: summary.median, unit: .seconds))
                    }
                    if label == "status" { figure = figure.with(Target.atMost(0.5, value: summary.median, unit: .seconds)) }
                }
                results.add(figure)
            }
        }
        scratch.remove(spool)
        try drainAtScale(results)
    }

    /// The read commands, each run once to warm the page cache and then `repeats` times, in turns.
    private func timeQueries(spool: String, shown: (pending: String, completed: String)) throws -> [(String, Summary)] {
        let commands: [(label: String, argv: [String])] = [
            ("status", queuectl.command(spool, "status")),
            ("list --state pending --limit 10", queuectl.command(spool, "list", "--state", "pending", "--limit", "10")),
            ("show ID (a pending job)", queuectl.command(spool, "show", shown.pending)),
            ("show ID (a completed job)", queuectl.command(spool, "show", shown.completed)),
            ("list --state completed --limit 10", queuectl.command(spool, "list", "--state", "completed", "--limit", "10")),
        ]
        let errors = scratch.file("query-errors.log")
        var times = [[Double]](repeating: [], count: commands.count)
        for run in 0...options.repeats {
            for (index, command) in commands.enumerated() {
                let time = try timed { try TestProcess.run(command.argv, errors: errors) }
                if run > 0 { times[index].append(time) }
            }
        }
        return zip(commands, times).map { ($0.label, Summary($1)) }
    }

    /// One worker drains jobs queued ahead (priority -1) of a backlog of completed and pending
    /// jobs, against the same jobs in an empty spool; its peak memory is kept for scenario 6.
    private func drainAtScale(_ results: Results) throws {
        let count = options.backlogDrainJobs
        let backlog = options.backlog
        let section = "5. Scale: drain \(grouped(count)) jobs, 1 worker, beside \(grouped(backlog)) completed + \(grouped(backlog)) pending"
        let loaded = try scratch.folder("backlog")
        defer { scratch.remove(loaded) }
        try queuectl.create(spool: loaded)
        progress("scale: writing \(grouped(backlog)) completed and \(grouped(backlog)) pending jobs")
        var builder = SpoolBuilder(spool: loaded)
        _ = try builder.add(backlog, .completed)
        _ = try builder.add(backlog, .pending)

        var times: (empty: [Double], loaded: [Double]) = ([], [])
        var peaks: (empty: [Double], loaded: [Double]) = ([], [])
        let runs = options.fewRepeats
        for run in 1...runs {
            progress("scale: drain beside the backlog, run \(run) of \(runs)")
            let ids = Bench.ids("r\(run)", count)
            let empty = try scratch.folder("empty")
            for spool in [empty, loaded] {
                try queuectl.enqueue(Queuectl.trueJobs(ids, priority: -1), spool: spool, scratch: scratch)
                let (time, peakKiB, _) = try queuectl.timeDrain(ids, workers: 1, spool: spool, timeout: 60 + Double(count) * 0.1)
                if spool == empty {
                    times.empty.append(time)
                    peaks.empty.append(Double(peakKiB) / 1024)
                } else {
                    times.loaded.append(time)
                    peaks.loaded.append(Double(peakKiB) / 1024)
                }
            }
            scratch.remove(empty)
        }
        let empty = Summary(times.empty), full = Summary(times.loaded)
        let rate = { (summary: Summary) in format(Double(count) / summary.median, .jobsPerSecond) }
        results.add(Figure.median(section, "empty spool", .seconds, empty).with(note: rate(empty)))
        results.add(Figure.median(section, "beside the backlog", .seconds, full)
            .with(Target.atMost(1.25, times: empty.median, of: "empty spool", value: full.median, unit: .seconds))
            .with(note: rate(full)))
        let memory = "6. Memory: peak RSS of one worker (VmHWM)"
        let emptyPeak = Summary(peaks.empty), loadedPeak = Summary(peaks.loaded)
        results.add(Figure.median(memory, "drain of \(grouped(count)) in an empty spool", .mebibytes, emptyPeak))
        results.add(Figure.median(memory, "drain of \(grouped(count)) beside \(grouped(2 * backlog)) jobs", .mebibytes, loadedPeak)
            .with(Target.atMost(1.25, times: emptyPeak.median, of: "empty spool", value: loadedPeak.median, unit: .mebibytes)))
    }
}
