// queuectl-bench: the benchmark of issues 6 and 19. It drives the release binary with posix_spawn against
// nq, task-spooler and xargs on temporary spools, prints the table of targets and writes JSON.

import QueueCore
import QueueSystem
import TestSupport

/// The 1-minute load average: above ~0.5 on this 2-core machine, figures are noisy.
func loadAverage() -> Double {
    Double(ProcFiles.text("/proc/loadavg")?.split(separator: " ").first ?? "") ?? -1
}

func printError(_ text: String) {
    try? FileDescriptor.standardError.writeAll(text + "\n")
}

let options: Options
do {
    options = try Options(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    printError("\(error)")
    CurrentProcess.exit(2)
}
if options.showHelp {
    print(Options.usage)
    CurrentProcess.exit(0)
}

let queuectl: Queuectl
let scratch: Scratch
do {
    queuectl = try Queuectl.locate()
    scratch = try Scratch(parent: options.parent)
} catch {
    printError("queuectl-bench: \(error)")
    CurrentProcess.exit(2)
}
if !queuectl.isStatic {
    printError("!!! \(queuectl.path) loads the Swift runtime dynamically: build it as the README says, with --static-swift-stdlib; every command start is ~2 ms slower")
}
let peers = Peers.find(install: options.install, scratch: scratch) { printError("  · " + $0) }
for problem in peers.problems { printError("!!! \(problem): its comparisons are SKIPPED") }

let cores = CurrentProcess.onlineProcessorCount
let loadBefore = loadAverage()
printError("queuectl-bench: \(queuectl.path) on \(cores) cores, load average \(fixed(loadBefore, 2)), spools in \(scratch.root)")
if loadBefore > 0.5 { printError("!!! the machine is busy (load \(fixed(loadBefore, 2))): expect noisy figures") }

let bench = Bench(options: options, queuectl: queuectl, peers: peers, scratch: scratch)
let results = Results()
let scenarios: [(name: String, run: (Results) throws -> Void)] = [
    ("drain", bench.drain), ("enqueue", bench.enqueueCall), ("batch", bench.batchEnqueue),
    ("latency", bench.latency), ("scale", bench.scale), ("memory", bench.memory),
]
let started = SystemClock.monotonicNanoseconds
for (name, run) in scenarios where options.only.contains(name) {
    do {
        try run(results)
    } catch {
        printError("!!! \(name) failed: \(error)")
        results.fail(name, error)
    }
}
scratch.removeAll()
let loadAfter = loadAverage()
let elapsed = seconds(from: started, to: SystemClock.monotonicNanoseconds)

print("queuectl-bench\(options.quick ? " --quick" : ""): \(cores) cores, load average \(fixed(loadBefore, 2)) before, \(fixed(loadAfter, 2)) after; \(format(elapsed, .seconds))")
print(results.table())

var context = JSONObject()
context["generated_at"] = .string(Timestamp.now().iso8601)
context["quick"] = .bool(options.quick)
context["repeats"] = .number(JSONNumber(options.repeats))
context["cores"] = .number(JSONNumber(cores))
context["load_average_before"] = .number(JSONNumber(loadBefore))
context["load_average_after"] = .number(JSONNumber(loadAfter))
context["seconds"] = .number(JSONNumber(elapsed))
context["queuectl"] = .object(["path": .string(queuectl.path), "static_swift_stdlib": .bool(queuectl.isStatic)])
do {
    if let slash = options.jsonPath.lastIndex(of: "/") { try FileSystem.makeDirectory(String(options.jsonPath[..<slash])) }
    try Scratch.write(results.json(context: context), to: options.jsonPath)
    printError("figures written to \(options.jsonPath)")
} catch {
    printError("!!! \(error)")
    CurrentProcess.exit(1)
}
CurrentProcess.exit(results.errors.isEmpty ? 0 : 1)
