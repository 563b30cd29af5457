// JobEdits: `requeue`, `rm` and `edit`, the changes a person makes to one job by hand.
// Guarantees: a job that a worker may claim (pending, failed) is first claimed by this command
// with one rename, as `cancel` does, so no worker starts it half-changed; each change then ends
// with one rename (back into the queue, or out of the spool's folders before it is unlinked).
// A lost race (the job moved meanwhile) is reported, never half-done.

import QueueSystem

/// What an edit did to a job.
public enum EditOutcome: Sendable, Equatable {
    case changed
    /// The new record equals the old one: nothing was written.
    case unchanged
}

extension Spool {
    /// A claim name for this process: `ID@edit-HOST-PID-X.json` (the reaper knows a live one).
    private func manualClaim(of id: JobID, by verb: String) -> FileName {
        FileName.processing(id: id, worker: verb + "-" + WorkerRecord.makeID(host: CurrentProcess.hostName, pid: CurrentProcess.pid))
    }

    /// Finds a job, adopting it first if it is a dropped file not yet renamed to our scheme (a
    /// worker may be adopting it this very moment; claiming the drop could leave two copies).
    private func settledJob(_ idText: String, now: Timestamp) throws(QueueError) -> (JobLocation, JobRecord) {
        for _ in 0..<5 {
            let (location, record) = try job(idText)
            guard location.name.isDrop else { return (location, record) }
            _ = adoptDroppedFile(location.name.text, now: now)
        }
        throw .unknownJob(idText)
    }

    /// Runs a completed, dead or failed job again now: back to pending/ with its attempts reset
    /// (its log keeps the earlier runs). A failed job is claimed first, since a worker may be
    /// about to retry it; completed and dead ones no worker moves, so they are rewritten in place
    /// and moved with one rename, as `dlq retry` does.
    public func requeue(_ idText: String, now: Timestamp = .now()) throws(QueueError) -> JobID {
        for _ in 0..<5 {
            let (location, record) = try settledJob(idText, now: now)
            var requeued = record
            switch location.state {
            case .pending, .processing:
                throw .wrongState(record.id, location.state, expected: "completed, dead or failed (only a finished or failed job can be requeued)")
            case .completed, .dead:
                requeued.requeue(now: now)
                do {
                    try rewrite(requeued, at: location.name)
                    _ = try transfer(requeued, from: location.name)
                } catch where error.isNotFound {
                    continue  // purged or moved meanwhile: look again
                } catch {
                    throw .system(error)
                }
            case .failed:
                let claim = manualClaim(of: record.id, by: "requeue")
                do { try move(location.name, to: claim) } catch where error.isNotFound { continue } catch { throw .system(error) }
                requeued.requeue(now: now)
                do {
                    try rewrite(requeued, at: claim)
                    _ = try transfer(requeued, from: claim)
                } catch { throw .system(error) }
            }
            return record.id
        }
        throw .unknownJob(idText)
    }

    /// Deletes a job that is not running: its file, its log and its id. The file is first renamed
    /// out of its folder into tmp/ (for pending and failed jobs, this is the claim that beats a
    /// worker's); a crash after that leaves only a stale file in tmp/, which is cleared as any is.
    public func remove(_ idText: String, now: Timestamp = .now()) throws(QueueError) -> JobID {
        for _ in 0..<5 {
            let (location, record) = try settledJob(idText, now: now)
            if location.state == .processing {
                throw .wrongState(record.id, .processing, expected: "pending, failed, completed or dead: a running job is not removed; 'queuectl cancel \(record.id)' stops it first")
            }
            let aside = tmp + "/.rm-" + record.id.rawValue + "-" + Publisher.uniqueName()
            do {
                try FileSystem.renameNoReplace(path(location.name), to: aside)
            } catch where error.isNotFound {
                continue  // claimed or moved meanwhile: look again
            } catch {
                throw .system(error)
            }
            do {
                try FileSystem.unlink(aside)
                try? FileSystem.unlink(logPath(of: record.id))
                try syncFolders([location.state])
            } catch { throw .system(error) }
            clearCancelRequest(record.id)
            release(record.id)
            return record.id
        }
        throw .unknownJob(idText)
    }

    /// Changes a pending or failed job: claims it (no worker can start it meanwhile), passes its
    /// record to `change`, writes the result over the claim and moves it back with one rename.
    /// When `change` throws, or the result is invalid, the job goes back exactly as it was.
    /// `expected`, when given, is the record the change was made from (an edit in an editor):
    /// if the job changed since, nothing is written.
    public func edit(
        _ idText: String, expected: JobRecord? = nil, now: Timestamp = .now(),
        _ change: (JobRecord) throws -> JobRecord
    ) throws -> EditOutcome {
        for _ in 0..<5 {
            let (location, record) = try settledJob(idText, now: now)
            guard location.state == .pending || location.state == .failed else {
                throw QueueError.wrongState(record.id, location.state, expected: "pending or failed (only a job that has not run or waits for a retry can be edited)")
            }
            let claim = manualClaim(of: record.id, by: "edit")
            do { try move(location.name, to: claim) } catch where error.isNotFound { continue } catch { throw QueueError.system(error) }
            // Read again once claimed: the base of the change is what no one else can now alter.
            var current: JobRecord
            do { current = try readJob(claim) } catch {
                try? FileSystem.renameNoReplace(path(claim), to: path(location.name))
                throw error
            }
            current.state = location.state
            var rewritten = false
            do {
                if let expected, expected.fileBytes != current.fileBytes {
                    throw QueueError.wrongState(record.id, location.state, expected: "as it was when the edit began (it changed meanwhile; edit it again)")
                }
                var changed = try change(current)
                changed.state = location.state
                try validateEdit(changed, of: current)
                markGroup(changed.group)
                if changed.fileBytes == current.fileBytes {
                    _ = try transfer(current, from: claim)
                    return .unchanged
                }
                changed.updatedAt = now
                try rewrite(changed, at: claim)
                rewritten = true
                _ = try transfer(changed, from: claim)
                return .changed
            } catch {
                // Back exactly as it was, under its old name.
                if rewritten { try? rewrite(current, at: claim) }
                _ = try? transfer(current, from: claim)
                throw error
            }
        }
        throw QueueError.unknownJob(idText)
    }

    /// An edited record must still be a valid job that a worker will read: the same id, within
    /// max_job_bytes, and dependencies that exist and are not itself.
    func validateEdit(_ changed: JobRecord, of record: JobRecord) throws(QueueError) {
        if changed.id != record.id {
            throw .invalidJob([FieldProblem("id", "cannot change (it was '\(record.id)'); enqueue a new job instead")])
        }
        if changed.after.contains(changed.id) {
            throw .invalidJob([FieldProblem("after", "names the job itself: it would wait forever")])
        }
        for dependency in changed.after where !isReserved(dependency) { throw .unknownDependency(dependency) }
        let size = changed.fileBytes.count
        if size > config.maxJobBytes {
            throw .invalidJob([FieldProblem(wholeMessage: "the job would be \(size) bytes as a file, more than max_job_bytes (\(config.maxJobBytes)): a worker would set it aside unrun")])
        }
    }
}

