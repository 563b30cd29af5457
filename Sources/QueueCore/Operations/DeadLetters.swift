// DeadLetters: taking jobs back out of the DLQ, and purging finished jobs for good.
// `dlq retry` rewrites dead/ID.json in place (state pending, attempts 0), then renames it into
// pending/ with one rename: a crash between the two leaves a dead file that says "pending",
// which another `dlq retry` (or `doctor --fix`) finishes.

import QueueSystem

extension Spool {
    /// Moves a dead job back to pending/ with `attempts` reset to 0 (a fresh start: the job
    /// was presumably fixed; keeping old attempts would send it straight back to the DLQ).
    public func retryDead(_ idText: String, now: Timestamp = .now()) throws(QueueError) -> JobID {
        let (location, record) = try job(idText)
        guard location.state == .dead else { throw .wrongState(record.id, location.state, expected: "dead") }
        var retried = record
        retried.resetForRetry(now: now)
        do {
            try rewrite(retried, at: location.name)
            CrashPoint.check("dlq-retry-after-rewrite")
            _ = try transfer(retried, from: location.name)
        } catch {
            if error.isNotFound { throw .wrongState(record.id, .pending, expected: "dead (another command moved it)") }
            throw .system(error)
        }
        return record.id
    }

    /// Every dead job's id.
    public func deadIDs() -> [String] {
        ((try? FileSystem.names(in: folder(.dead))) ?? []).compactMap { FileName(parsing: $0, in: .dead)?.id.rawValue }.sorted()
    }

    /// Deletes completed or dead jobs (and their logs and ids) last changed before `cutoff`.
    public func purge(_ state: JobState, olderThan cutoff: Timestamp?) -> Int {
        precondition(state.isFinal)
        var count = 0
        try? FileSystem.forEachName(in: folder(state)) { text in
            guard let name = FileName(parsing: text, in: state) else { return }
            if let cutoff {
                guard let info = try? FileSystem.linkStatus(path(name)), info.modified < cutoff else { return }
            }
            guard (try? FileSystem.unlink(path(name))) != nil else { return }
            try? FileSystem.unlink(logPath(of: name.id))
            release(name.id)
            count += 1
        }
        return count
    }

    /// Creates or removes SPOOL/paused: while it exists, workers claim nothing new.
    public func setPaused(_ paused: Bool) throws(QueueError) {
        let path = pausedPath
        do {
            if paused {
                if !FileSystem.exists(path) {
                    try writeFile(Array("paused at \(Timestamp.now().iso8601)\n".utf8), at: path, sync: config.isDurable)
                }
            } else if FileSystem.exists(path) {
                try FileSystem.unlink(path)
            }
        } catch { throw .system(error) }
    }
}
