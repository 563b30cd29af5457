// Reaper: returns the claims of dead workers. A claim is taken over by renaming it to the
// reaper's own name first (so two reapers never both act on it), then what it holds decides.
// A claim named with its attempt (`ID@W~A.json`) holds the record as it was claimed until the
// run's result replaces it: the run's result → the interrupted move is finished; the claimed
// record (fewer attempts than A) with the result whole in tmp/ (the worker was killed before its
// group commit) → that result is placed and moved; the claimed record alone → a lost run,
// charged, retried or dead. A claim without one (a
// job that did not run, or an earlier version's claim with its start record and `.ID@W.json`
// backup) is judged by the state it records: never started → back to pending, uncharged;
// started → a lost run; a result → the move is finished. The takeover's rewrite is a new file
// naming the reaper: a stale worker on another host that still opens its old claim name reaches
// an unlinked file, or reads that the claim is no longer its own (see LeaseFence).

import QueueSystem

/// What a reap did, for `queuectl reap` and the workers' logs.
public struct ReapReport: Sendable {
    public var returned: [JobID] = []
    public var retried: [JobID] = []
    public var dead: [JobID] = []
    public var finished: [JobID] = []
    public var removedWorkers: [String] = []
    /// Group slots of dead workers released, as "GROUP: ID@WORKER".
    public var releasedSlots: [String] = []
    public var total: Int { returned.count + retried.count + dead.count + finished.count }
}

extension Spool {
    /// Reaps every claim whose worker is gone. `me` is the reaper's own worker id.
    public func reap(as me: String, now: Timestamp = .now()) -> ReapReport {
        var report = ReapReport()
        let workers = workerRecords()
        let alive = Set(workers.filter(\.isAlive).map(\.record.id))
        let known = Set(workers.map(\.record.id))
        var claims: [FileName] = []
        try? FileSystem.forEachName(in: folder(.processing)) { text in
            if let name = FileName(parsing: text, in: .processing) { claims.append(name) }
        }
        for claim in claims where claim.worker != me && !alive.contains(claim.worker ?? "") {
            // A worker whose record is not visible may be another host's, seen through a network
            // file system's attribute cache: its claim is only taken once it is older than a lease
            // (unless its id names a process of this host that is gone: a crashed `reap`).
            if let worker = claim.worker, !known.contains(worker), !WorkerRecord.isGoneFromThisHost(worker),
               let info = try? FileSystem.linkStatus(path(claim)),
               now.secondsSince(max(info.modified, info.changed)) < config.leaseSeconds {
                continue
            }
            reapClaim(claim, as: me, now: now, into: &report)
        }
        removeStrayBackups(claims: claims)
        report.releasedSlots = reapSlots(alive: alive, known: known, me: me, now: now)
        for (record, isAlive) in workers where !isAlive {
            try? FileSystem.unlink(self.workers + "/" + record.id + ".json")
            report.removedWorkers.append(record.id)
        }
        return report
    }

    /// Removes `processing/.ID@W.json` backups left by a worker or reaper that died after the
    /// job had moved on: no claim of that id is left in processing/, and the job is elsewhere.
    private func removeStrayBackups(claims: [FileName]) {
        let claimed = Set(claims.map(\.id))
        try? FileSystem.forEachName(in: folder(.processing), hidden: true) { text in
            guard let backup = FileName(parsing: String(text.dropFirst()), in: .processing),
                  !claimed.contains(backup.id),
                  let location = locate(backup.id), location.state != .processing else { return }
            try? FileSystem.unlink(folder(.processing) + "/" + text)
        }
    }

    /// The backup of a claim of `id`, whichever worker made it (a reaper may have renamed the claim).
    private func backup(of id: JobID) -> String? {
        var found: String?
        let prefix = "." + id.rawValue + "@"
        try? FileSystem.forEachName(in: folder(.processing), hidden: true) { text in
            if found == nil, text.hasPrefix(prefix), FileName(parsing: String(text.dropFirst()), in: .processing)?.id == id {
                found = folder(.processing) + "/" + text
            }
        }
        return found
    }

    private func reapClaim(_ claim: FileName, as me: String, now: Timestamp, into report: inout ReapReport) {
        let mine = FileName.processing(id: claim.id, worker: me, attempt: claim.attempt)
        // When the run began: the claim's rename set its ctime (the takeover sets it again).
        let began = (try? FileSystem.linkStatus(path(claim))).map { Timestamp(microseconds: $0.changedMicroseconds) } ?? now
        do {
            try take(claim, as: mine)
        } catch {
            return  // another reaper took it, or the worker finished: not ours
        }
        CrashPoint.check("reap-after-takeover")
        if let attempt = claim.attempt {
            reapRun(claim, attempt: attempt, began: began, as: mine, now: now, into: &report)
            return
        }
        // A claim without its attempt: a job that did not run, or an earlier version's claim.
        // A record lost to a crash (its run began unsynced) falls back to the claimed backup.
        let backup = self.backup(of: claim.id) ?? backupPath(of: claim)
        var recorded = (try? readRecordedState(mine)) ?? .processing
        var record: JobRecord
        if let current = try? readJob(mine) {
            record = current
        } else if let bytes = try? Spool.readRegularFile(backup, limit: config.maxJobBytes),
                  let saved = try? JobRecord.parse(bytes, defaults: jobDefaults(cwd: nil)) {
            record = saved
            record.state = .processing  // it was claimed, and its run had begun (only then is there a backup)
            record.beginAttempt(worker: claim.worker ?? "?", now: now)
            recorded = .processing
            try? rewrite(record, at: mine)
        } else {
            return  // neither is readable: left for doctor, never deleted
        }
        defer { if (try? FileSystem.linkStatus(path(mine))) == nil { try? FileSystem.unlink(backup) } }
        do {
            switch recorded {
            case .completed, .dead, .failed:
                // A worker writes its results unsynced and syncs them in groups: this one may
                // not be on disk yet (the worker died in between), so it is synced before it moves.
                record.state = recorded
                try syncContents(of: [mine])
                _ = try transfer(record, from: mine)
                report.finished.append(record.id)
            case .pending:
                record.giveBack(now: now)
                try rewrite(record, at: mine)
                _ = try transfer(record, from: mine)
                report.returned.append(record.id)
            case .processing:
                try chargeLostRun(&record, of: claim, as: mine, now: now, into: &report)
            }
        } catch {
            // Left as our claim: the next reap (after this process is gone) takes it again.
        }
    }

    /// Reaps a claim named with its attempt, taken over as `mine` (see the top of this file).
    private func reapRun(_ claim: FileName, attempt: Int, began: Timestamp, as mine: FileName, now: Timestamp,
                         into report: inout ReapReport) {
        guard var record = try? readStoredJob(mine) else { return }  // unreadable: left for doctor, never deleted
        do {
            if Spool.isResult(record, ofAttempt: attempt) {
                // The worker syncs its results before it places them; synced again in case a
                // version that wrote them in place left this one.
                try syncContents(of: [mine])
                _ = try transfer(record, from: mine)
                report.finished.append(record.id)
                try? FileSystem.unlink(stagingPath(of: claim))  // the claimed record, if the exchange left it there
                return
            }
            if let result = salvageResult(of: claim, into: mine, attempt: attempt) {
                _ = try transfer(result, from: mine)
                report.finished.append(result.id)
                return
            }
            // The record as it was claimed: its run began (the name says so) and was lost.
            record.state = .processing
            record.beginAttempt(attempt, worker: claim.worker ?? "?", now: began)
            try chargeLostRun(&record, of: claim, as: mine, now: now, into: &report)
        } catch {
            // Left as our claim: the next reap (after this process is gone) takes it again.
        }
    }

    /// A run that began and was lost: failed by policy (retried or dead) and charged, rewritten
    /// as a new file naming the reaper (`mine`), and moved on.
    private func chargeLostRun(_ record: inout JobRecord, of claim: FileName, as mine: FileName, now: Timestamp,
                               into report: inout ReapReport) throws(SystemError) {
        let lost = "lost: worker \(claim.worker ?? "?") stopped during the run"
        let next = record.fail(lost, exitCode: nil, policy: failurePolicy, now: now)
        record.takeOver(by: mine.worker ?? "?")
        try rewrite(record, at: mine)
        CrashPoint.check("reap-after-rewrite")
        _ = try transfer(record, from: mine)
        if next == .dead { report.dead.append(record.id) } else { report.retried.append(record.id) }
        try? recordMetrics(CollectionOfOne(record))
    }

    /// The result that the run of `claim` staged in tmp/ (see `stageResult`) but did not place:
    /// its worker was killed before its group commit. Taken under the reaper's own staging name
    /// (so a stale worker can no longer place it), then trusted only if it parses as this
    /// attempt's result: after a power cut an unsynced file comes back empty or torn, and is
    /// removed. Synced, then exchanged into `mine`. Nil when there is none to trust.
    private func salvageResult(of claim: FileName, into mine: FileName, attempt: Int) -> JobRecord? {
        let staged = stagingPath(of: claim), taken = stagingPath(of: mine)
        guard (try? FileSystem.renameToOwnName(staged, to: taken)) != nil else { return nil }
        guard let bytes = try? Spool.readRegularFile(taken, limit: config.maxJobBytes),
              let result = try? JobRecord.parse(bytes, defaults: jobDefaults(cwd: nil)),
              result.id == claim.id, Spool.isResult(result, ofAttempt: attempt),
              (try? syncTemporaries([taken])) != nil,
              (try? placeResult(taken, in: mine)) != nil
        else {
            try? FileSystem.unlink(taken)
            return nil
        }
        return result
    }

    /// The "state" field as written in the file (the folder overrides it on normal reads).
    func readRecordedState(_ name: FileName) throws(QueueError) -> JobState {
        let bytes: [UInt8]
        do { bytes = try Spool.readRegularFile(path(name), limit: config.maxJobBytes) } catch { throw .system(error) }
        guard let value = try? parseJSON(bytes), let text = value.objectValue?["state"]?.stringValue,
              let state = JobState(rawValue: text) else { return .pending }
        return state
    }

    /// What a failed run means in this spool: its backoff and permanent exit codes.
    public var failurePolicy: FailurePolicy {
        FailurePolicy(backoff: Backoff(config: config), permanentExitCodes: config.permanentExitCodes)
    }
}
