// demo: a short end-to-end run on a fresh spool, shown as a transcript of real commands:
// a job that succeeds, one that fails and retries into the DLQ, one that times out, one
// scheduled a few seconds ahead, two workers; then status and the DLQ. Leaves no process behind.

import QueueCore
import QueueSystem

enum DemoCommand {
    static func run(_ command: ParsedCommand) throws -> ExitCode {
        let spool = command.value("spool") ?? "/tmp/queuectl-demo-\(CurrentProcess.pid)"
        if FileSystem.exists(spool + "/pending") {
            throw command.usageError("The demo needs a fresh spool; '\(spool)' is already one.")
        }
        Console.out(Style.bold.apply("queuectl demo") + " — a fresh spool in \(spool)\n")
        let steps: [[String]] = [
            ["config", "set", "backoff-base", "1.5"],
            ["enqueue", "--id", "hello", "--command", "echo hello from queuectl"],
            ["enqueue", "--id", "flaky", "--command", "echo trying; exit 3", "--max-retries", "2"],
            ["enqueue", "--id", "slow", "--command", "sleep 30", "--timeout", "1", "--max-retries", "0"],
            ["enqueue", "--id", "later", "--command", "date -u", "--delay", "3"],
            ["enqueue", "{\"id\":\"urgent\",\"command\":\"echo I jumped the queue\",\"priority\":-10}"],
            ["list"],
            ["worker", "start", "--detach", "--count", "2"],
            ["wait", "hello", "later", "urgent", "--timeout", "30"],
            ["wait", "flaky", "slow", "--timeout", "30"],
            ["status"],
            ["dlq", "list"],
            ["show", "flaky"],
            ["worker", "stop"],
        ]
        for step in steps {
            let shown = step.map { $0.contains(" ") || $0.contains("{") ? "'\($0)'" : $0 }.joined(separator: " ")
            Console.out(Style.dim.apply("$ ") + Style.bold.apply("queuectl " + shown))
            let status = try runSelf(step + ["--spool", spool])
            if step.first == "wait" {
                Console.out(Style.dim.apply("(exit status \(status): " + (status == 0 ? "all completed" : "some ended dead") + ")"))
            }
            Console.out("")
        }
        Console.out("The spool is a directory; look around: ls -R \(spool)")
        return .success
    }

    private static func runSelf(_ arguments: [String]) throws -> Int32 {
        let child = try Spawn.start([CurrentProcess.executablePath] + arguments,
                                    environment: CurrentProcess.environment.filter { !$0.hasPrefix("QUEUECTL_SPOOL=") },
                                    directory: nil, output: .standardOutput, newProcessGroup: false)
        return try Spawn.wait(child).shellStatus
    }
}
