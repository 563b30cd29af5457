// worker start | worker stop | worker log: workers in the foreground (as systemd and containers
// want), detached in the background (their log in SPOOL/logs/worker.log), stopped from any terminal.

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
            for pid in try WorkerPool.startDetached(count: count, spool: spool, groups: groups) { Console.out(String(pid)) }
            return .success
        }
        if count > 1 { return try WorkerPool.supervise(count: count, spool: spool, groups: groups) ? .success : .failure }
        // A detached worker writes into SPOOL/logs/worker.log, kept bounded.
        let logPath = WorkerLog.path(in: spool)
        let isDetachedLog = WorkerLog.isStandardOutput(logPath)
        let worker = try Worker(spool: spool, groups: groups.map(Set.init)) { line in
            if isDetachedLog { WorkerLog.keepBounded(logPath) }
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

    /// Prints worker.log.1 then worker.log; with --follow, goes on printing what is appended,
    /// across rotations (the rest of the old file first, then the new one).
    static func log(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        let path = WorkerLog.path(in: spool)
        if let older = try? Spool.readRegularFile(path + ".1", limit: 64 << 20) {
            try? FileDescriptor.standardOutput.writeAll(older)
        }
        let follow = command.flag("follow")
        var file = try? FileDescriptor.open(path, .readOnly)
        if file == nil && !follow {
            Console.error("No worker log yet: workers started with 'queuectl worker start --detach' write \(path).")
            return .success
        }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        /// Copies what `file` holds beyond what was read; returns whether there was any.
        func drain() -> Bool {
            guard let file else { return false }
            var any = false
            while let count = try? file.read(into: &buffer), count > 0 {
                try? FileDescriptor.standardOutput.writeAll(buffer[..<count])
                any = true
            }
            return any
        }
        _ = drain()
        guard follow else { return .success }
        while true {
            if drain() { continue }
            // Rotated (or created): the old file is drained above; the new one is read from its start.
            if let atPath = try? FileSystem.linkStatus(path), atPath.inode != (try? file?.status())?.inode {
                file?.close()
                file = try? FileDescriptor.open(path, .readOnly)
                continue
            }
            SystemClock.sleep(milliseconds: 200)
        }
    }
}
