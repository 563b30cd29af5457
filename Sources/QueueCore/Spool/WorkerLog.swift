// WorkerLog: SPOOL/logs/worker.log, where detached workers write (their standard output and error).
// Bounded: past `limit` bytes it is renamed to worker.log.1 (replacing the older one) and a new
// worker.log begins; rotations are serialised by an flock, so two writers never rotate twice.

import QueueSystem

public enum WorkerLog {
    /// Bytes after which the log is rotated.
    public static let limit = 4 << 20

    public static func path(in spool: Spool) -> String { spool.logs + "/worker.log" }

    /// Renames `path` to `path.1` when it holds more than `limit` bytes (the one rotation every
    /// writer of the log calls). Returns true when it rotated. Under an flock of `path.lock`:
    /// a writer that finds the log already rotated by another does nothing.
    @discardableResult
    public static func rotate(_ path: String, limit: Int = WorkerLog.limit) -> Bool {
        guard let info = try? FileSystem.linkStatus(path), info.size > limit,
              let lock = try? FileDescriptor.open(path + ".lock", [.writeOnly, .create], mode: 0o600) else { return false }
        defer { lock.close() }  // closing drops the flock
        guard (try? lock.lockExclusive(wait: true)) == true,
              let current = try? FileSystem.linkStatus(path), current.size > limit else { return false }
        return (try? FileSystem.rename(path, to: path + ".1")) != nil
    }

    /// True when this process's standard output is the log at `path` (a detached worker, as
    /// WorkerPool starts it): asked once, at start.
    public static func isStandardOutput(_ path: String) -> Bool {
        guard let mine = try? FileDescriptor.standardOutput.status(), mine.isRegularFile,
              let atPath = try? FileSystem.linkStatus(path) else { return false }
        return mine.inode == atPath.inode
    }

    /// For a process whose standard output and error are this log (see `isStandardOutput`),
    /// called before it writes a line: rotates the log when it is over the limit, and when the
    /// file at `path` is no longer the one they write to (rotated by this process or another),
    /// points them at a new `path`.
    public static func keepBounded(_ path: String, limit: Int = WorkerLog.limit) {
        guard let mine = try? FileDescriptor.standardOutput.status() else { return }
        var atPath = try? FileSystem.linkStatus(path)
        if atPath?.inode == mine.inode {
            if mine.size <= limit { return }
            rotate(path, limit: limit)
            atPath = try? FileSystem.linkStatus(path)
            if atPath?.inode == mine.inode { return }  // could not rotate: keep writing there
        }
        guard let fresh = try? FileDescriptor.open(path, [.writeOnly, .create, .append], mode: 0o600) else { return }
        try? fresh.duplicate(onto: .standardOutput)
        try? fresh.duplicate(onto: .standardError)
        fresh.close()
    }
}
