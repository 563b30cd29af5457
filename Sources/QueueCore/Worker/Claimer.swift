// Claimer: turns the next candidate into a running job. A claim is one rename into processing/
// (renameat2 NOREPLACE: two workers never hold the same claim); a lost race (ENOENT) is a normal
// event. A job waiting for its dependencies is read in place and left unclaimed; a claimed file
// that cannot be run goes to quarantine, never executed and never deleted. A job of a limited
// group is claimed only with a slot of its group taken first (Groups.swift); one whose group is
// full, paused or not served here is postponed in the index, so it never holds up the jobs of
// other groups queued behind it.
// Nothing is written when a run begins: the claim's rename is the record of it. Its name carries
// what the reaper needs, the worker and the attempt the run is (`ID@WORKER~A.json`, A = the
// claimed record's attempts + 1, known from the read before the claim: pending files never
// change), and the file keeps the claimed record, durable since it was enqueued, until the run's
// result replaces it (ResultCommit). A job that will not run is held under a name without the
// attempt (`FileName.unnumbered`): its result says it never ran.

import QueueSystem

/// What one attempt to claim and start a job came to.
enum ClaimOutcome {
    /// The job runs.
    case started(Claim, Run)
    /// The job ended without running (a dependency ended dead, or the command cannot start):
    /// its result is to be recorded.
    case settled(Claim)
}

struct Claimer {
    let spool: Spool
    let worker: String
    /// What every job inherits, computed once (see `Run.inheritedEnvironment`).
    let environment: [String]
    let groups: GroupGate
    /// Checked just before a run begins: a worker stopped since its claim may have lost it.
    let fence: LeaseFence
    let log: (String) -> Void

    /// Seconds a job whose group is full waits before it is tried again (a slot freed on another
    /// worker is seen within this), one whose group is paused, and one this worker does not serve.
    static let fullGroupWait = 0.2, pausedGroupWait = 1.0, unservedGroupWait = 30.0

    /// Claims the best candidate that can be claimed now; nil when none can.
    func claimNext(from index: inout CandidateIndex, now: Timestamp) -> ClaimOutcome? {
        var fullGroups: Set<String> = []
        while let (name, knownGroup) = index.nextCandidate(now: now) {
            // A job already known to be held back is put back without reading it again.
            if let knownGroup, let wait = holdBack(knownGroup, fullGroups: fullGroups) {
                index.postpone(name, until: now.adding(seconds: wait), group: knownGroup)
                continue
            }
            // A job waiting for its dependencies stays where it is, unclaimed: it is read in
            // place (pending files never change) and put back in the index for a second.
            let read = try? spool.readJob(name)
            if let read, let wait = holdBack(read.group, fullGroups: fullGroups) {
                index.postpone(name, until: now.adding(seconds: wait), group: read.group)
                continue
            }
            if let read, !read.after.isEmpty, case .waiting = dependencies(of: read) {
                index.postpone(name, until: now.adding(seconds: 1), group: read.group)
                continue
            }
            // The attempt this run will be goes into the claim's name; a job that could not be
            // read yet is claimed without it and renamed once it is (see `start`).
            let claim = FileName.processing(id: name.id, worker: worker, attempt: read.map { $0.attempts + 1 })
            var slot: String?
            if let read, case .open(let limit?) = groups.admission(read.group) {
                slot = spool.takeSlot(in: read.group, limit: limit, for: claim)
                if slot == nil {
                    fullGroups.insert(read.group)
                    index.postpone(name, until: now.adding(seconds: Claimer.fullGroupWait), group: read.group)
                    continue
                }
            }
            do {
                try spool.take(name, as: claim)
            } catch {
                if let slot { spool.releaseSlot(slot) }
                if !error.isNotFound { log("claim of \(name.text) failed: \(error)") }
                continue  // someone else won the race: a normal event
            }
            CrashPoint.check("after-claim")
            let outcome = start(claim, from: name, read: read, index: &index, now: now)
            switch outcome {
            case .started(var claimed, let run)?:
                claimed.slot = slot
                return .started(claimed, run)
            case .settled(var claimed)?:
                claimed.slot = slot
                return .settled(claimed)
            case nil:
                if let slot { spool.releaseSlot(slot) }
            }
        }
        return nil
    }

    /// Seconds to put off a job of `group` without trying it; nil: try it now.
    private func holdBack(_ group: String, fullGroups: Set<String>) -> Double? {
        switch groups.admission(group) {
        case .notServed: return Claimer.unservedGroupWait
        case .paused: return Claimer.pausedGroupWait
        case .open(let limit): return limit != nil && fullGroups.contains(group) ? Claimer.fullGroupWait : nil
        }
    }

    /// Starts the claimed job; nil when it did not run and nothing is left to record (a bad file
    /// quarantined, a dependency not ready after all, a claim lost).
    /// `read` is the record as read before the claim (the same file: pending files never change).
    private func start(_ taken: FileName, from name: FileName, read: JobRecord?, index: inout CandidateIndex,
                       now: Timestamp) -> ClaimOutcome? {
        var claim = taken
        var record: JobRecord
        var pause = 50
        while true {
            do {
                let owner = try FileSystem.linkStatus(spool.path(claim)).owner
                if owner != CurrentProcess.userID {
                    throw QueueError.spoolUnusable(path: spool.path(claim), reason: "the job file belongs to uid \(owner), not to this worker's user")
                }
                record = try read ?? spool.readJob(claim)
                if pause > 50 { log("claim of \(claim.text) read on a retry after \(pause - 50) ms") }
                break
            } catch {
                // A network file system's attribute cache can show a file just published by
                // another host as empty or absent for a moment: read again before judging it.
                if pause <= 400 {
                    SystemClock.sleep(milliseconds: pause)
                    pause *= 2
                    continue
                }
                if let failure = (error as? SystemError) ?? (error as? QueueError)?.systemError, failure.isGone {
                    // Another claimer's rename of the same file returned 0 too, and it has the
                    // job; or our own name is hidden for a moment: then giving it back by name
                    // returns the job to the queue (and fails harmlessly in the first case).
                    log("claim of \(claim.text) lost before its run: \(failure)")
                    giveBack(claim, to: name, index: &index, for: 0, now: now)
                    return nil
                }
                putAside(claim, reason: "\(error)".replacing("\n", with: "; "))
                return nil
            }
        }
        record.state = .processing  // the folder is the truth: it was claimed
        switch dependencies(of: record) {
        case .ready:
            break
        case .waiting:
            // A dependency moved back (a dlq retry) between the look and the claim.
            giveBack(claim, to: name, index: &index, for: 1, now: now)
            return nil
        case .failed(let dependency, let state):
            record.cancel(.dependencyEnded(dependency, state), now: now)
            return .settled(Claim(record: record, name: claim))  // renamed unnumbered by ResultCommit
        }
        guard fence.isSafe(now: SystemClock.monotonicMicroseconds) else {
            // Stopped between the claim and here for long enough to be reaped: give it back by
            // name (ENOENT if a reaper has it) rather than begin a run in a claim maybe taken.
            log("claim of \(record.id) given back: lease lapsed before its run began")
            giveBack(claim, to: name, index: &index, for: 0, now: now)
            return nil
        }
        if claim.attempt == nil {
            // Claimed before it could be read: the name takes its attempt now. A crash before
            // this rename leaves a claim without one, which the reaper returns uncharged (its run
            // had not begun).
            let numbered = FileName.processing(id: claim.id, worker: worker, attempt: record.attempts + 1)
            do {
                try spool.take(claim, as: numbered)
            } catch {
                log("claim of \(record.id) lost before its run: \(error)")
                return nil
            }
            claim = numbered
        }
        // The run begins: in memory only. On disk the claim's name says so (see the top).
        record.beginAttempt(worker: worker, now: now)
        do {
            let run = try Run(record: record, attempt: record.attempts, worker: worker, spool: spool,
                              environment: environment, now: now)
            return .started(Claim(record: record, name: claim), run)
        } catch {
            record.endRun(duration: 0, now: now)
            record.fail("cannot start the command: \(error)", exitCode: nil, policy: spool.failurePolicy, now: now)
            return .settled(Claim(record: record, name: claim))
        }
    }

    /// Undoes a claim with one rename back to the name it had, and looks at it again `seconds` later.
    private func giveBack(_ claim: FileName, to name: FileName, index: inout CandidateIndex, for seconds: Double,
                          now: Timestamp) {
        try? FileSystem.renameNoReplace(spool.path(claim), to: spool.path(name))
        index.postpone(name, until: now.adding(seconds: seconds))  // its group read again then
    }

    private func putAside(_ claim: FileName, reason: String) {
        do {
            try spool.quarantineFile(named: claim.text, in: JobState.processing.folder, reason: reason)
            log("quarantined \(claim.text): \(reason)")
        } catch {
            log("could not quarantine \(claim.text): \(error)")
        }
    }

    enum DependencyState { case ready, waiting, failed(JobID, JobState) }

    /// O(number of dependencies): each is located through its id, no scan.
    func dependencies(of record: JobRecord) -> DependencyState {
        var waiting = false
        for dependency in record.after {
            switch spool.locate(dependency)?.state {
            case .completed: continue
            case .dead: return .failed(dependency, .dead)
            case nil:
                // Purged: a completed one still counts as completed (see PurgeRecord); one
                // forgotten, or removed with `rm`, counts as dead, as it did before.
                if spool.purgedState(of: dependency) == .completed { continue }
                return .failed(dependency, .dead)
            default: waiting = true
            }
        }
        return waiting ? .waiting : .ready
    }
}
