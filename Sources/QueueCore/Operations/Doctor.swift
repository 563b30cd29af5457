// Doctor: checks a spool the way Postfix's `postsuper -s` does, and with `fix` repairs what is
// safe to repair: stale tmp/ files and orphaned job files go to quarantine (never deleted), the
// staging folders of dead batch enqueues are undone (or finished, once marked ready),
// dead workers' claims are reaped, interrupted moves are finished, reservations of jobs that
// were never published are released, loose permissions are tightened, and the ids and logs an
// interrupted purge left behind are removed.

import QueueSystem

/// One finding, and what was done about it.
public struct DoctorFinding: Sendable {
    public let problem: String
    public let path: String
    public var repair: String?
}

extension Spool {
    /// Age after which a file in tmp/ is abandoned (maildir's rule).
    public static let staleTemporarySeconds = 36.0 * 3600

    public func examine(fix: Bool, now: Timestamp = .now()) -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        func found(_ problem: String, _ path: String, _ repair: () -> String?) {
            findings.append(DoctorFinding(problem: problem, path: path, repair: fix ? repair() : nil))
        }

        // Permissions: the spool and its folders belong to this user, mode 0700.
        for folder in [root] + JobState.allCases.map(folder) + [tmp, ids, logs, workers, quarantine] {
            guard let info = try? FileSystem.linkStatus(folder) else { continue }
            if info.owner != CurrentProcess.userID {
                found("owned by uid \(info.owner), not by you (uid \(CurrentProcess.userID))", folder) { nil }
            } else if info.permissions & 0o077 != 0 {
                found("mode \(String(info.permissions, radix: 8)): other users can read or write it", folder) {
                    (try? FileSystem.setPermissions(folder, 0o700)) != nil ? "set mode 700" : nil
                }
            }
        }

        // Batches whose enqueue died (see BatchEnqueue): before the `.ready` mark none of the
        // jobs is visible and the batch is undone; after it every file is durable and the
        // renames are finished.
        for (staging, isReady) in abandonedBatches() {
            if isReady {
                found("a batch enqueue killed while publishing its jobs (their files are durable)", staging.path) {
                    guard (try? publishStaged(staging)) != nil else { return nil }
                    removeStaging(staging)
                    return "published the rest of the batch"
                }
            } else {
                found("a batch enqueue killed before it was complete (none of its jobs is visible)", staging.path) {
                    discardStaged(staging)
                    return "removed, and its ids released"
                }
            }
        }

        // tmp/: abandoned half-written files.
        for name in (try? FileSystem.names(in: tmp)) ?? [] {
            let path = tmp + "/" + name
            guard let info = try? FileSystem.linkStatus(path), now.secondsSince(info.modified) > Spool.staleTemporarySeconds else { continue }
            found("stale temporary file (untouched for over 36 hours)", path) {
                moveAside(name, in: "tmp", reason: "stale temporary file", now: now)
            }
        }

        // Every job file: names outside the scheme, the same id twice, interrupted moves.
        var seen: [JobID: String] = [:]
        for state in JobState.allCases {
            for text in (try? FileSystem.names(in: folder(state))) ?? [] {
                let path = folder(state) + "/" + text
                guard let name = FileName(parsing: text, in: state) else {
                    if state != .pending {  // pending/ drops are adopted by workers
                        found("not a job file name of \(state.folder)/", path) {
                            moveAside(text, in: state.folder, reason: "unknown file in \(state.folder)/", now: now)
                        }
                    }
                    continue
                }
                if let other = seen[name.id] {
                    found("job '\(name.id)' is also at \(other)", path) { nil }
                }
                seen[name.id] = state.folder + "/" + text
                if state == .dead, (try? readRecordedState(name)) == .pending {
                    found("an interrupted 'dlq retry' (the record says pending)", path) {
                        guard let record = try? readJob(name) else { return nil }
                        var pending = record
                        pending.state = .pending
                        return (try? transfer(pending, from: name)) != nil ? "moved to pending/" : nil
                    }
                }
                if !isReserved(name.id) {
                    found("job '\(name.id)' has no entry in ids/", path) {
                        (try? reserve(name.id, for: name)) != nil ? "added ids/\(name.id)" : nil
                    }
                }
            }
        }

        // Claims of workers that are gone.
        let alive = Set(workerRecords().filter(\.isAlive).map(\.record.id))
        let orphans = ((try? FileSystem.names(in: folder(.processing))) ?? [])
            .compactMap { FileName(parsing: $0, in: .processing) }
            .filter { !alive.contains($0.worker ?? "") }
        if !orphans.isEmpty {
            var report: ReapReport?
            for orphan in orphans {
                found("claimed by worker \(orphan.worker ?? "?"), which is not running", path(orphan)) {
                    if report == nil { report = reap(as: "doctor-" + WorkerRecord.makeID(host: CurrentProcess.hostName, pid: CurrentProcess.pid)) }
                    return "reaped"
                }
            }
        }

        // Backups of claimed records kept by versions before 2026-12 (claims named without an
        // attempt) whose claim is gone: a worker died after recording the result but before
        // removing the backup.
        try? FileSystem.forEachName(in: folder(.processing), hidden: true) { text in
            let path = folder(.processing) + "/" + text
            guard let claim = FileName(parsing: String(text.dropFirst()), in: .processing),
                  !FileSystem.exists(self.path(claim)) else { return }
            if locate(claim.id) != nil {
                found("leftover copy of job '\(claim.id)', which has finished", path) {
                    (try? FileSystem.unlink(path)) != nil ? "removed (the job is at its final place)" : nil
                }
            } else {
                // The only copy of the job: put back as the claim it was, for the reaper to return
                // (a lost run, charged like any other). Setting it aside would lose the job.
                found("the only copy of job '\(claim.id)' (its claim is gone)", path) {
                    guard (try? FileSystem.renameNoReplace(path, to: self.path(claim))) != nil else { return nil }
                    _ = reap(as: "doctor-" + WorkerRecord.makeID(host: CurrentProcess.hostName, pid: CurrentProcess.pid))
                    return "restored to processing/ and reaped"
                }
            }
        }

        // ids/ entries whose job was never published (an enqueue that crashed).
        // A batch still being staged holds reservations whose jobs are not published yet.
        let liveBatches = liveBatchNonces()
        for text in (try? FileSystem.names(in: ids)) ?? [] {
            guard let id = JobID(rawValue: text), seen[id] == nil, locate(id) == nil else { continue }
            if !liveBatches.isEmpty, let nonce = reservationNonce(id), liveBatches.contains(nonce) { continue }
            let cause = purgedState(of: id) != nil ? "an interrupted purge" : "an interrupted enqueue"
            found("id reserved but no job has it (\(cause))", ids + "/" + text) {
                release(id)
                return "released"
            }
        }

        // Output logs of jobs that are gone (a purge interrupted after the job's file went).
        for text in (try? FileSystem.names(in: logs)) ?? [] where text.hasSuffix(".log") && text != "worker.log" {
            guard let id = JobID(rawValue: String(text.dropLast(4))), seen[id] == nil, locate(id) == nil else { continue }
            found("output of a job that no longer exists (an interrupted purge)", logs + "/" + text) {
                (try? FileSystem.unlink(logs + "/" + text)) != nil ? "removed" : nil
            }
        }
        return findings
    }

    /// `SPOOL/FOLDER/NAME` into quarantine/ (the one quarantine, see `quarantineFile`).
    private func moveAside(_ name: String, in folder: String, reason: String, now: Timestamp) -> String? {
        (try? quarantineFile(named: name, in: folder, reason: reason, now: now)) != nil ? "moved to quarantine/" : nil
    }
}
