// worker start | worker stop: workers in the foreground (as systemd and containers want),
// detached in the background, and stopped from any terminal.

import QueueCore
import QueueSystem

enum WorkerCommand {
    static func start(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        let count = try command.int("count") ?? 1
        guard (1...256).contains(count) else { throw command.invalidValue("count", reason: "expected 1 to 256") }
        if command.flag("detach") {
            let children = try WorkerPool.spawn(count: count, spool: spool, detach: true)
            for child in children { Console.out(String(child.pid)) }
            return .success
        }
        if count > 1 { return try WorkerPool.supervise(count: count, spool: spool) ? .success : .failure }
        let worker = try Worker(spool: spool) { line in
            Console.out("\(Timestamp.now().iso8601) [\(CurrentProcess.pid)] \(line)")
        }
        worker.run()
        return .success
    }

    static func stop(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        let timeout = try command.double("timeout") ?? 30
        let (stopped, remote) = try WorkerPool.stop(spool: spool, forced: command.flag("now"), timeout: timeout)
        if stopped.isEmpty {
            Console.out("No workers running on this host.")
        } else {
            Console.out("Stopped \(stopped.count) worker\(stopped.count == 1 ? "" : "s") (pid \(stopped.map { String($0.pid) }.joined(separator: ", "))).")
        }
        if !remote.isEmpty {
            Console.error("Note: \(remote.count) worker(s) on other hosts (\(Set(remote.map(\.host)).sorted().joined(separator: ", "))) must be stopped there.")
        }
        return .success
    }
}
