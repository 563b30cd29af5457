// Scenario 2, one enqueue call, process start included: `queuectl enqueue`, durable and with
// `fsync false`, against `nq -q true`, `tsp -n true` and `/bin/true`, all started by posix_spawn
// and taken in turns. Targets of issue 19: durable within 1.5× of nq (which does not sync),
// with fsync off at most nq's time.

import TestSupport

extension Bench {
    func enqueueCall(_ results: Results) throws {
        let section = "2. One enqueue call, process start included (\(options.callSamples) samples each)"
        let spool = try scratch.folder("enqueue-call")
        try queuectl.create(spool: spool)
        let unsynced = try scratch.folder("enqueue-call-unsynced")
        try queuectl.create(spool: unsynced)
        try TestProcess.run(queuectl.command(unsynced, "config", "set", "fsync", "false"))
        var contenders: [(label: String, argv: [String], environment: [String: String])] = [
            ("/bin/true", [peers.trueProgram], [:]),
            ("queuectl --version (its process start alone)", [queuectl.path, "--version"], [:]),
            ("queuectl enqueue --command true", queuectl.command(spool, "enqueue", "--command", "true"), [:]),
            ("queuectl enqueue --command true, fsync false", queuectl.command(unsynced, "enqueue", "--command", "true"), [:]),
        ]
        if let nq = peers.nq {
            contenders.append(("nq -q true", [nq, "-q", peers.trueProgram], ["NQDIR": try scratch.folder("nq")]))
        } else {
            results.skip(section, "nq -q true", "nq is not installed")
        }
        let taskSpooler = try peers.taskSpooler.map { try TaskSpooler(program: $0, slots: 2, scratch: scratch) }
        defer { taskSpooler?.shutdown() }
        if let taskSpooler {
            contenders.append(("tsp -n true", taskSpooler.addArguments([peers.trueProgram]), taskSpooler.environment))
        } else {
            results.skip(section, "tsp -n true", "task-spooler is not installed")
        }

        progress("one enqueue call: \(options.callSamples) samples of \(contenders.count) programs")
        var times = [[Double]](repeating: [], count: contenders.count)
        for sample in 0..<options.callSamples {
            // Each round in a different order, so that none always follows the same one.
            for turn in 0..<contenders.count {
                let index = (sample + turn) % contenders.count
                let (label, argv, environment) = contenders[index]
                var status: Int32 = 0
                times[index].append(try timed { status = try TestProcess.launch(argv, environment: environment).wait().shellStatus })
                if status != 0 { throw BenchError("'\(label)' exited with status \(status)") }
            }
        }
        let summaries = Dictionary(uniqueKeysWithValues: zip(contenders.map(\.label), times.map(Summary.init)))
        for (label, _, _) in contenders {
            var figure = Figure.median(section, label, .seconds, summaries[label]!)
            if label.hasPrefix("queuectl enqueue"), let nq = summaries["nq -q true"] {
                let factor = label.hasSuffix("fsync false") ? 1.0 : 1.5
                figure = figure.with(Target.atMost(factor, times: nq.median, of: "nq -q true", value: figure.value, unit: .seconds))
            }
            results.add(figure)
        }
        scratch.remove(spool)
        scratch.remove(unsynced)
    }
}
