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
        let input = tmp + "/hook-" + Spool.temporaryName()
        try writeFile(record.fileBytes, at: input, sync: false)
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
