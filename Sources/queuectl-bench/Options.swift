// Options: the bench's command line, and the sizes each scenario uses in a full run or with
// --quick (a smoke test of a minute or two).

struct Options {
    var quick = false
    /// Runs of the cheap measurements; the expensive ones do at most 3.
    var repeats = 5
    var jsonPath = ".build/bench.json"
    var parent = "/tmp"
    /// The largest spool of the scale scenario.
    var maxJobs = 1_000_000
    var install = true
    var showHelp = false
    var only: Set<String> = Set(Options.scenarios)

    static let scenarios = ["drain", "enqueue", "batch", "latency", "scale", "memory"]

    static let usage = """
        Usage: queuectl-bench [--quick] [--repeat N] [--json FILE] [--dir DIR] [--max-jobs N]
                              [--only drain,enqueue,batch,latency,scale,memory] [--no-install]

        Measures queuectl (the release binary beside this one) against nq, task-spooler and
        xargs, prints a table with the targets of issues 6 and 19 and writes the figures as JSON.
          --quick        a small version for smoke tests (a minute or two)
          --repeat N     runs of each cheap measurement (default 5; expensive ones do at most 3)
          --json FILE    where the figures go (default .build/bench.json)
          --dir DIR      where the temporary spools go (default /tmp)
          --max-jobs N   the largest spool of the scale scenario (default 1000000)
          --only LIST    run only these scenarios
          --no-install   do not apt-get install missing peers (their comparisons are skipped)
        """

    init(arguments: [String]) throws {
        var rest = arguments[...]
        var repeatGiven = false
        func value(_ flag: String) throws -> String {
            guard let next = rest.popFirst() else { throw BenchError("\(flag) needs a value\n\n\(Options.usage)") }
            return next
        }
        func number(_ flag: String) throws -> Int {
            let text = try value(flag)
            guard let number = Int(text), number > 0 else { throw BenchError("\(flag): expected a positive number, got '\(text)'") }
            return number
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--quick": quick = true
            case "--repeat": repeats = try number(argument); repeatGiven = true
            case "--json": jsonPath = try value(argument)
            case "--dir": parent = try value(argument)
            case "--max-jobs": maxJobs = try number(argument)
            case "--no-install": install = false
            case "--only":
                only = Set(try value(argument).split(separator: ",").map(String.init))
                if let unknown = only.first(where: { !Options.scenarios.contains($0) }) {
                    throw BenchError("--only: unknown scenario '\(unknown)'; expected \(Options.scenarios.joined(separator: ", "))")
                }
            case "--help", "-h": showHelp = true
            default: throw BenchError("unknown argument '\(argument)'\n\n\(Options.usage)")
            }
        }
        if quick && !repeatGiven { repeats = 2 }
        if quick { maxJobs = min(maxJobs, 10_000) }
    }

    /// Runs of an expensive measurement.
    var fewRepeats: Int { quick ? 1 : min(repeats, 3) }

    // Sizes of the scenarios.
    var drainJobs: Int { quick ? 200 : 2_000 }
    /// task-spooler keeps a waiting client process (and a connection) per queued job and stalls
    /// near its limit of 1,000: it drains fewer, and is compared by jobs a second.
    var taskSpoolerJobs: Int { 900 }
    var callSamples: Int { quick ? 40 : 200 }
    var batchSizes: [Int] { quick ? [2_000, 10_000] : [20_000, 100_000] }
    /// The batch whose peak memory is compared with the smallest's (issue 19: 1,000,000 lines).
    var largeBatch: Int { max(quick ? 50_000 : maxJobs, batchSizes[0] * 2) }
    var latencySamples: Int { quick ? 30 : 200 }
    var scaleSizes: [Int] { (quick ? [1_000] : [1_000, 100_000]).filter { $0 < maxJobs } + [maxJobs] }
    var backlog: Int { quick ? 5_000 : 100_000 }                     // completed + pending each, for the drain at scale
    var backlogDrainJobs: Int { quick ? 300 : 2_000 }
    var memoryJobs: Int { quick ? 5_000 : 100_000 }
}
