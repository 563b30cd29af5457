// worker start | worker stop: workers in the foreground (as systemd and containers want),
// detached in the background, and stopped from any terminal.

import QueueCore
import QueueSystem

enum WorkerCommand {
    static func start(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        let count = try command.int("count") ?? 1
        guard (1...256).contains(count) else { throw command.invalidValue("count", reason: "expected 1 to 256") }
        var groups: [String]?
        if let text = command.value("group") {
            let names = text.split(separator: ",").map(String.init)
            guard !names.isEmpty, names.allSatisfy({ (try? Spool.checkGroupName($0)) != nil }) else {
                throw command.invalidValue("group", reason: "expected group names separated by commas: \(JobID.rule)")
            }
            groups = names
        }
        if command.flag("detach") {
            let children = try WorkerPool.spawn(count: count, spool: spool, detach: true, groups: groups)
            for child in children { Console.out(String(child.pid)) }
            return .success
        }
        if count > 1 { return try WorkerPool.supervise(count: count, spool: spool, groups: groups) ? .success : .failure }
        let worker = try Worker(spool: spool, groups: groups.map(Set.init)) { line in
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
