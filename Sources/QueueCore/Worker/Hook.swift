// Hook: the `on_complete` / `on_dead` commands, run by the worker after a job lands, with the
// job record on stdin and QUEUECTL_JOB_ID, QUEUECTL_STATE in the environment. A hook runs in
// its own process group beside the worker's loop, never blocking it, and is killed after
// `hook_timeout_sec`. Whatever it does, the job's state does not change.

import QueueSystem

/// A hook process the worker is watching.
public struct HookRun: Sendable {
    public let jobID: JobID
    public let state: JobState
    public let child: ChildProcess
    /// Monotonic microseconds after which the hook's process group is killed.
    public let deadline: Int64
}

extension Spool {
    /// Starts the hook configured for the record's (final) state, if any.
    public func startHook(for record: JobRecord) throws(SystemError) -> HookRun? {
        guard let command = config.hook(for: record.state) else { return nil }
        let input = try publisher.stage(record.fileBytes, sync: false)
        defer { try? FileSystem.unlink(input) }  // the child has it open once spawned
        var environment = CurrentProcess.environment.filter {
            !$0.hasPrefix("QUEUECTL_JOB_ID=") && !$0.hasPrefix("QUEUECTL_STATE=")
        }
        environment += ["QUEUECTL_JOB_ID=" + record.id.rawValue, "QUEUECTL_STATE=" + record.state.rawValue]
        let child = try Spawn.start(["/bin/sh", "-c", command], environment: environment, directory: nil,
                                    output: .standardOutput, newProcessGroup: true, inputPath: input)
        let deadline = SystemClock.monotonicMicroseconds + Int64(config.hookTimeoutSeconds * 1_000_000)
        return HookRun(jobID: record.id, state: record.state, child: child, deadline: deadline)
    }
}

/// The hooks a worker has started and watches beside its loop: each is reaped when it ends and
/// its process group killed at its deadline. A hook that fails is logged; the job stays as it is.
final class HookWatch {
    private let spool: Spool
    private let log: (String) -> Void
    private var running: [HookRun] = []

    init(spool: Spool, log: @escaping (String) -> Void) {
        self.spool = spool
        self.log = log
    }

    var isEmpty: Bool { running.isEmpty }

    /// The earliest deadline of a running hook (monotonic µs).
    var nextDeadline: Int64? { running.map(\.deadline).min() }

    /// Starts the hook for a job that just reached a final state, when one is configured.
    func start(for record: JobRecord) {
        do {
            if let hook = try spool.startHook(for: record) { running.append(hook) }
        } catch {
            log("hook for \(record.id) could not start: \(error)")
        }
    }

    /// Reaps the hooks that ended; kills those past their deadline.
    func check() {
        let now = SystemClock.monotonicMicroseconds
        running.removeAll { hook in
            if let end = try? Spawn.poll(hook.child) {
                if end != .exited(0) { log("hook for \(hook.jobID) (\(hook.state.rawValue)) ended with \(end)") }
                return true
            }
            if now >= hook.deadline {
                Signals.sendToGroup(.kill, group: hook.child.pid)
                log("hook for \(hook.jobID) (\(hook.state.rawValue)) killed after \(formatDuration(spool.config.hookTimeoutSeconds))")
                _ = try? Spawn.wait(hook.child)
                return true
            }
            return false
        }
    }
}
