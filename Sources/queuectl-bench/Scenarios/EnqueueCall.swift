// Scenario 2, one enqueue call, process start included: `queuectl enqueue` (durable) against
// `nq -q true`, `tsp -n true` and `/bin/true`, all started by posix_spawn and taken in turns.

import TestSupport

extension Bench {
    func enqueueCall(_ results: Results) throws {
        let section = "2. One enqueue call, process start included (\(options.callSamples) samples each)"
        let spool = try scratch.folder("enqueue-call")
        try queuectl.create(spool: spool)
        var contenders: [(label: String, argv: [String], environment: [String: String])] = [
            ("/bin/true", [peers.trueProgram], [:]),
            ("queuectl --version (its process start alone)", [queuectl.path, "--version"], [:]),
            ("queuectl enqueue --command true", queuectl.command(spool, "enqueue", "--command", "true"), [:]),
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
                figure = figure.with(Target.atMost(2, times: nq.median, of: "nq -q true", value: figure.value, unit: .seconds))
            }
            results.add(figure)
        }
        scratch.remove(spool)
    }
}
