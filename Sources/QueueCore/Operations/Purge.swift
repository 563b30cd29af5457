// Purge: removing finished jobs for good, by hand (`purge`) or by the workers' retention.
// Per batch, then per job, in this order: a line in purged/ (durable, see PurgeRecord), the job's
// file (the step that decides: whoever unlinks it purges the job, so two purgers never remove
// anything twice), its output log, its id. A crash between two steps leaves at worst an id and a
// log that belong to no job, which `doctor` reports and `doctor --fix` removes.

import QueueSystem

extension Spool {
    /// Removes the finished jobs named (files of completed/ or dead/), with their logs and ids;
    /// returns the ids this call removed. A dead file whose record says pending (a `dlq retry`
    /// under way) is left alone, as is any file another process moved or removed first.
    func purgeFinished(_ names: [FileName]) -> [JobID] {
        var chosen = names.filter { name in
            name.state.isFinal && !(name.state == .dead && (try? readRecordedState(name)) == .pending)
        }
        do {
            try recordPurges(chosen.map { ($0.id, $0.state) })
        } catch {
            // No room even for a line (a full disk, most likely): dead jobs still go, as a
            // forgotten dead job reads as dead anyway; completed ones wait, since a job waiting
            // for one of them would otherwise take it for dead.
            chosen = chosen.filter { $0.state == .dead }
        }
        CrashPoint.check("purge-after-record")
        var removed: [JobID] = []
        for name in chosen {
            guard (try? FileSystem.unlink(path(name))) != nil else { continue }
            CrashPoint.check("purge-after-unlink")
            try? FileSystem.unlink(logPath(of: name.id))
            CrashPoint.check("purge-after-log")
            release(name.id)
            removed.append(name.id)
        }
        return removed
    }

    /// Deletes completed or dead jobs (and their logs and ids) last changed before `cutoff`.
    public func purge(_ state: JobState, olderThan cutoff: Timestamp?) -> Int {
        precondition(state.isFinal)
        var names: [FileName] = []
        try? FileSystem.forEachName(in: folder(state)) { text in
            guard let name = FileName(parsing: text, in: state) else { return }
            if let cutoff {
                guard let info = try? FileSystem.linkStatus(path(name)), info.modified < cutoff else { return }
            }
            names.append(name)
        }
        var count = 0
        var start = 0
        while start < names.count {
            let batch = Array(names[start..<min(start + 512, names.count)])
            count += purgeFinished(batch).count
            start += batch.count
        }
        return count
    }
}
