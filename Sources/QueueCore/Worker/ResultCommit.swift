// ResultCommit: a run's result from written to durable and moved. The result is written as a new
// file in tmp/, unsynced (`record`); staged results are then synced together (one fsync for one,
// one syncfs for several), each put in its claim with an exchange that fails if the claim was
// taken back, moved with one rename, and each target folder fsync'ed once (`commit`). The claim is
// never written into: until its result replaces it, it holds the record as it was claimed
// (durable since it was enqueued), so a crash of the machine costs a rerun (the reaper charges the
// lost run) and never leaves a torn record, and a crash of the worker lets the reaper finish:
// with the result staged under the claim's name in tmp/ (Spool.stageResult) or already placed.
// Fenced (see LeaseFence): nothing is placed or moved while the worker's lease may have lapsed,
// and a placement is preceded by a fresh read that finds the claim still ours, unless the
// file system has shown that its exchange is atomic and the fence is not checking (after a
// lapse, held results are read afresh when they are staged again): the exchange itself then
// fails (ENOENT) on a claim a reaper took, and the read would only repeat it.

import QueueSystem

/// A step of recording a result that can fail.
enum ResultStep: String {
    case write = "record"
    case move
}

final class ResultCommit {
    private let spool: Spool
    private let log: (String) -> Void
    /// Results written in tmp/ (at `temporary`) but not yet synced, placed and moved.
    private(set) var staged: [(claim: Claim, temporary: String)] = []
    /// Results that could not be written or moved yet (a full disk): retried every reap tick.
    private(set) var unrecorded: [Claim] = []
    /// Monotonic µs by which the staged group is committed.
    private(set) var deadline: Int64 = 0
    /// A result waits at most this long (µs) for others to share its commit, and a group holds
    /// at most `groupSize`; an idle worker commits at once.
    static let delay: Int64 = 50_000
    static let groupSize = 64
    /// How long (µs) a worker's own claim must stay gone or someone else's, without a lapse of
    /// its lease, before its result is given up.
    static let doubtLimit: Int64 = 30_000_000
    /// Claims that did not read as ours without a lapse, since when (monotonic µs).
    private var doubtSince: [JobID: Int64] = [:]

    private let fence: LeaseFence
    /// Set by a placement done with an atomic exchange (local file systems), cleared by one that
    /// needed the fallback (GlusterFS, NFS): only then is the fresh read before each placement
    /// skipped while the fence is not checking. Four system calls and a parse less per job.
    private var exchangeIsAtomic = false

    init(spool: Spool, fence: LeaseFence, log: @escaping (String) -> Void) {
        self.spool = spool
        self.fence = fence
        self.log = log
    }

    var isGroupFull: Bool { staged.count >= ResultCommit.groupSize }

    /// Writes the result in tmp/, unsynced, and stages it for the next commit. A job that did not
    /// run (a forced stop, a settled dependency: its attempts are not the claim's) first has its
    /// claim renamed without the attempt, so that what the claim holds never reads as a lost run
    /// (see `FileName.attempt`).
    func record(_ claim: Claim) {
        CrashPoint.check("before-result")
        guard isFenceOpen(for: claim) else { return }
        var claim = claim
        do {
            if let attempt = claim.name.attempt, claim.record.attempts != attempt {
                let unnumbered = claim.name.unnumbered
                try spool.take(claim.name, as: unnumbered)
                claim = Claim(record: claim.record, name: unnumbered, slot: claim.slot)
            }
            let temporary = try spool.stageResult(claim.record, for: claim.name)
            CrashPoint.check("after-stage")
            if staged.isEmpty { deadline = SystemClock.monotonicMicroseconds + ResultCommit.delay }
            staged.append((claim, temporary))
        } catch {
            failed(claim, .write, error)
        }
    }

    /// Tries the results that could not be written before once more.
    func retryUnrecorded() {
        let retrying = unrecorded
        unrecorded = []
        let checking = fence.isChecking
        for claim in retrying { record(claim) }
        if checking && unrecorded.isEmpty && fence.isSafe(now: SystemClock.monotonicMicroseconds) { fence.checked() }
    }

    /// Whether the result of `claim` may be written now. While the lease may have lapsed it is
    /// held (retried with the unrecorded ones); after a lapse the claim must be found still ours.
    private func isFenceOpen(for claim: Claim) -> Bool {
        let now = SystemClock.monotonicMicroseconds
        guard fence.isSafe(now: now) else {
            log(fence.age(now: now) * 2 >= spool.config.leaseSeconds
                ? "holding the result of \(claim.record.id): last heartbeat \(formatDuration(fence.age(now: now))) ago, "
                    + "past half of lease_sec; the claim may have been taken by another host"
                : "holding the result of \(claim.record.id) until the claim can be checked (heartbeat renewed after a lapse)")
            unrecorded.append(claim)
            return false
        }
        return !fence.isChecking || isStillOurs(claim)
    }

    /// A fresh read of the claim: there, and ours. Under a name with the attempt, ours is the
    /// record as claimed (fewer attempts than the name's: the run's result is not in it yet) or
    /// this run's result naming this worker; under one without (a job that did not run, or a claim
    /// of an earlier version), a record naming the worker this one wrote into it. A reaper takes a
    /// claim by renaming it to its own name and rewrites it as a new file naming itself with the
    /// lost attempt charged, so a stale name that reaches the reaper's file reads as not ours.
    /// Gone or someone else's is believed after a lapse of the lease (only then may a reaper have
    /// taken it), or once it has stayed so for `doubtLimit`: the result is dropped, the reaper owns
    /// the job and counted the lost run. Until then the result is held and retried at each reap
    /// tick: on GlusterFS a worker's own claim read ENOENT, or older content, for a moment.
    private func isStillOurs(_ claim: Claim) -> Bool {
        let id = claim.record.id
        let doubt: String
        do {
            let current = try spool.readStoredJob(claim.name)
            let ours: Bool
            if let attempt = claim.name.attempt {
                ours = current.attempts < attempt || (current.attempts == attempt && current.worker == claim.record.worker)
            } else {
                // Renamed without its attempt by `record` (a job that did not run), it still holds
                // the record as it was claimed, naming that record's worker, with the attempts
                // the result keeps.
                ours = current.worker == claim.record.worker
                    || (current.attempts == claim.record.attempts && (current.state == .pending || current.state == .failed))
            }
            if ours {
                doubtSince[id] = nil
                return true
            }
            doubt = "now \(current.worker ?? "no one")'s"
        } catch .system(let error) where error.isGone {
            doubt = "\(error)"
        } catch {
            log("could not check the claim of \(id): \(error); will retry")
            unrecorded.append(claim)
            return false
        }
        let now = SystemClock.monotonicMicroseconds
        let since = doubtSince[id] ?? now
        if fence.isChecking || now - since >= ResultCommit.doubtLimit {
            doubtSince[id] = nil
            log("could not record the result of \(id): the claim was taken back (\(doubt))")
            return false
        }
        doubtSince[id] = since
        log("the claim of \(id) does not read as ours (\(doubt)); held, looking again at the next reap tick")
        unrecorded.append(claim)
        return false
    }

    /// Group commit of the staged results. Returns the results moved, with where they went.
    func commit() -> [(claim: Claim, target: FileName)] {
        guard !staged.isEmpty else { return [] }
        let group = staged
        staged = []
        do {
            try spool.syncTemporaries(group.map(\.temporary))
        } catch {
            // Not trusted to a second fsync of the same data (see README "Guarantees"): each is
            // written again as a new file when retried.
            log("could not sync \(group.count) results: \(error); will retry")
            discard(group)
            return []
        }
        var moved: [(claim: Claim, target: FileName)] = []
        for (index, (claim, temporary)) in group.enumerated() {
            // A placement and a move only after the fence and a fresh read of the claim.
            let now = SystemClock.monotonicMicroseconds
            guard fence.isSafe(now: now) else {
                log("holding the result of \(claim.record.id): last heartbeat \(formatDuration(fence.age(now: now))) ago")
                discard(group[index...index])
                continue
            }
            guard (exchangeIsAtomic && !fence.isChecking) || isStillOurs(claim) else {
                try? FileSystem.unlink(temporary)
                continue
            }
            do {
                exchangeIsAtomic = try spool.placeResult(temporary, in: claim.name)
            } catch {
                try? FileSystem.unlink(temporary)
                failed(claim, .write, error)
                continue
            }
            CrashPoint.check("after-result")  // the result is in the claim, not moved
            do {
                moved.append((claim, try spool.transfer(claim.record, from: claim.name, syncFolder: false)))
            } catch {
                failed(claim, .move, error)
            }
        }
        do {
            try spool.syncFolders(Set(moved.map(\.target.state)))
        } catch {
            // The renames happened; if they are lost to a crash, the results are still whole in
            // processing/ and the reaper finishes the moves.
            log("could not sync the folders of \(moved.count) results: \(error)")
        }
        for (claim, _) in moved {
            CrashPoint.check("after-move")
            if claim.name.attempt == nil { spool.discardBackup(of: claim.name) }  // an earlier version's claim
            spool.clearCancelRequest(claim.record.id)
            log(Self.summary(of: claim.record))
        }
        try? spool.recordMetrics(moved.lazy.map(\.claim.record))
        return moved
    }

    /// Gives staged results up for now: their files go, the claims wait with the unrecorded ones
    /// and are staged again when retried.
    private func discard(_ results: some Sequence<(claim: Claim, temporary: String)>) {
        for (claim, temporary) in results {
            try? FileSystem.unlink(temporary)
            unrecorded.append(claim)
        }
    }

    /// "ID failed in 2s: exit status 1; retry at ...", the worker log's line for a result.
    static func summary(of record: JobRecord) -> String {
        var line = "\(record.id) \(record.state.rawValue)"
        if let duration = record.durationSeconds { line += " in \(formatDuration(duration))" }
        if let error = record.lastError { line += ": \(error)" }
        if record.state == .failed, let next = record.nextRunAt { line += "; retry at \(next.iso8601)" }
        return line
    }

    private func failed(_ claim: Claim, _ step: ResultStep, _ error: SystemError) {
        if error.isGone {
            // The claim was taken back (this worker looked dead to another host): the reaper
            // owns the job now, and its lost run was counted there. Unless a fresh look finds
            // it still ours (a network file system's cache said ENOENT): then it is retried.
            if isStillOurs(claim) {
                log("could not \(step.rawValue) the result of \(claim.record.id): \(error); the claim is still there, will retry")
                unrecorded.append(claim)
            }
            return  // held by isStillOurs, or given up
        }
        if error.isExisting && step == .move {
            // The job is already final under its fixed name: this claim is a second copy (a run
            // twice over through a fault). Set aside for a human rather than retried for ever.
            let reason = "a second copy of job \(claim.record.id), already recorded as \(claim.record.state.rawValue); this run's result is in the file"
            if (try? spool.quarantineFile(named: claim.name.text, in: JobState.processing.folder, reason: reason)) != nil {
                if claim.name.attempt == nil { spool.discardBackup(of: claim.name) }
                log("quarantined \(claim.name.text): \(reason)")
                return
            }
        }
        // A full disk, usually: keep the claim (the job is safe in processing/) and try again at
        // the next reap tick; no new job is claimed until it is recorded.
        log("could not \(step.rawValue) the result of \(claim.record.id): \(error); will retry")
        unrecorded.append(claim)
    }
}
