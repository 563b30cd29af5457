// Worker: one process that claims and runs jobs, one at a time, until it is stopped.
// A single-threaded loop: poll(2) on a signalfd, an inotify descriptor and the running job's
// output pipe, with a timeout for the next due job, heartbeat, reap or rescan. Nothing else
// wakes it, and it never sleeps blindly.

import QueueSystem

/// How a worker is being stopped.
public enum StopMode: Sendable {
    /// Claim nothing new, let the running job finish, record it, exit.
    case graceful
    /// Kill the running job's process group and return the job to pending/ uncharged.
    case forced
}

/// A worker bound to a spool.
public final class Worker {
    public let spool: Spool
    public let registration: WorkerRegistration
    public var id: String { registration.record.id }
    private let signals: FileDescriptor
    private let inotify: Inotify?
    private var watches: [CInt: JobState] = [:]
    private var index = CandidateIndex()
    private var current: (record: JobRecord, claim: FileName, run: Run)?
    private var isCancelling = false
    /// Results that could not be written yet (a full disk): retried every reap tick.
    private var unrecorded: [(record: JobRecord, claim: FileName)] = []
    /// Results written but not yet synced and moved: committed together (see `commit`).
    private var staged: [(record: JobRecord, claim: FileName)] = []
    private var commitDeadline: Int64 = 0
    /// A result waits at most this long (µs) for others to share its commit, and a group holds
    /// at most `commitSize`; an idle worker commits at once.
    static let commitDelay: Int64 = 50_000
    static let commitSize = 64
    /// After a write failed for lack of space: no claims before this (monotonic µs).
    private var claimsPausedUntil: Int64 = 0
    private var hooks: [HookRun] = []
    private var stopMode: StopMode?
    private var lastScan: [JobState: (modified: Timestamp, at: Int64)] = [:]
    private var nextHeartbeat: Int64 = 0
    private var nextReap: Int64 = 0
    private var nextRescan: Int64 = 0
    private var nextDropCheck: Int64 = 0
    private var nextCancelCheck: Int64 = 0
    private let log: (String) -> Void
    /// What every job inherits, computed once (see `Run.inheritedEnvironment`).
    private let environment = Run.inheritedEnvironment()
    /// Seconds between rescans: `poll_interval` where change events may miss other hosts'
    /// files (no inotify, or a network file system); otherwise a slow safety net.
    private let rescanInterval: Double

    /// Registers the worker in the spool and prepares its wake-up sources.
    public init(spool: Spool, log: @escaping (String) -> Void) throws(QueueError) {
        self.spool = spool
        self.log = log
        do {
            signals = try Signals.makeSignalDescriptor([.terminate, .interrupt, .quit, .child, .hangUp, .user1])
        } catch { throw .system(error) }
        try spool.checkSafeToRun()
        registration = try spool.registerWorker()
        // No inotify (exotic file systems, exhausted watches): polling alone still works.
        if let inotify = try? Inotify() {
            for state in [JobState.pending, .failed] {
                if let watch = try? inotify.watch(spool.folder(state)) { watches[watch] = state }
            }
            self.inotify = inotify
        } else {
            inotify = nil
        }
        rescanInterval = inotify == nil || FileSystem.isRemote(spool.root) ? spool.config.pollInterval : 30
    }

    /// Runs until stopped; returns when the worker has exited cleanly.
    public func run() {
        log("started (pid \(registration.record.pid), spool \(spool.root))")
        reap()
        rescan(force: true)
        while true {
            if current == nil {
                if mayClaim { claimNext() }
                if current == nil {
                    commit()  // idle: no result waits for company
                    if stopMode != nil && hooks.isEmpty && (unrecorded.isEmpty || stopMode == .forced) { break }
                }
            }
            // A full group commits while the next job runs, not between the two.
            if staged.count >= Worker.commitSize { commit() }
            timers(now: SystemClock.monotonicMicroseconds)
            wait()
        }
        registration.end()
        log("stopped")
    }

    private var isPaused: Bool { FileSystem.exists(spool.root + "/paused") }

    /// Not stopping, not paused, no result waiting to be written, no recent lack of space.
    private var mayClaim: Bool {
        stopMode == nil && unrecorded.isEmpty && SystemClock.monotonicMicroseconds >= claimsPausedUntil && !isPaused
    }

    // MARK: Waiting

    private func wait() {
        var descriptors = [signals]
        if let inotify { descriptors.append(inotify.descriptor) }
        // Polled until end of file only: the pipe closes a moment before the child can be
        // waited for, and a closed pipe would wake every poll until then.
        if let current, !current.run.outputEnded { descriptors.append(current.run.output) }
        let now = SystemClock.monotonicMicroseconds
        var wake = min(nextHeartbeat, nextReap, nextRescan)
        if claimsPausedUntil > now { wake = min(wake, claimsPausedUntil) }
        if !staged.isEmpty { wake = min(wake, commitDeadline) }
        if !index.drops.isEmpty { wake = min(wake, nextDropCheck) }
        if current == nil, mayClaim, let due = index.nextDue {
            wake = min(wake, now + Int64(max(0, due.secondsSince(.now())) * 1_000_000) + 1000)
        }
        if let run = current?.run, let enforcement = run.nextEnforcement(graceSeconds: spool.config.stopGraceSeconds) {
            wake = min(wake, enforcement)
        }
        if current != nil { wake = min(wake, nextCancelCheck) }
        for hook in hooks { wake = min(wake, hook.deadline) }
        let timeout = max(0, Int((wake - now + 999) / 1000))
        let ready = Poll.waitForInput(descriptors, timeoutMilliseconds: timeout)
        if ready[0] { handleSignals() }
        if let inotify, ready.count > 1, ready[1] { handleEvents(inotify.readEvents()) }
        if current != nil, ready.count > 2, ready[2] { current?.run.drainOutput() }
        checkChild()
        checkHooks()
    }

    private func handleSignals() {
        for signal in Signals.readSignals(signals) {
            switch signal {
            case .child:
                continue
            case .user1:
                checkCancel()
            case .quit:
                stop(.forced)
            default:
                stop(stopMode == nil ? .graceful : .forced)
            }
        }
    }

    /// Starts stopping; a forced stop kills the running job's process group now.
    public func stop(_ mode: StopMode) {
        if stopMode == .forced { return }
        stopMode = mode
        if mode == .forced, let run = current?.run {
            log("forced stop: killing job \(current!.record.id)")
            run.terminate(timedOut: false)
            Signals.sendToGroup(.kill, group: run.child.pid)
        } else if mode == .graceful {
            log(current == nil ? "stopping" : "stopping after job \(current!.record.id)")
        }
    }

    private func handleEvents(_ events: [FolderEvent]) {
        let now = Timestamp.now()
        for event in events {
            if event.isOverflow {
                rescan(force: true)
                continue
            }
            guard let state = watches[event.watch], !event.name.hasPrefix(".") else { continue }
            if event.isArrival { index.add(event.name, in: state, now: now) } else { index.remove(event.name, in: state) }
        }
    }

    // MARK: Timers

    private func timers(now: Int64) {
        if !staged.isEmpty && now >= commitDeadline { commit() }
        if now >= nextHeartbeat {
            registration.heartbeat()
            nextHeartbeat = now + Int64(spool.config.leaseSeconds / 3 * 1_000_000)
        }
        if now >= nextReap {
            let retrying = unrecorded
            unrecorded = []
            for (record, claim) in retrying { finishMove(record, claim: claim) }
            reap()
            nextReap = now + 2_000_000
        }
        if now >= nextRescan {
            rescan(force: false)
            nextRescan = now + Int64(rescanInterval * 1_000_000)
        }
        if now >= nextDropCheck && !index.drops.isEmpty {
            adoptDrops()
            nextDropCheck = now + 1_000_000
        }
        if current != nil && now >= nextCancelCheck {
            checkCancel()
            nextCancelCheck = now + 1_000_000
        }
        if let run = current?.run { run.enforce(graceSeconds: spool.config.stopGraceSeconds, now: now) }
    }

    /// A `cancel` of the running job: SIGTERM to its process group now, SIGKILL after the grace.
    private func checkCancel() {
        guard let (record, _, run) = current, !isCancelling, spool.isCancelRequested(record.id) else { return }
        isCancelling = true
        log("cancelling job \(record.id)")
        run.terminate(timedOut: false)
    }

    private func checkHooks() {
        let now = SystemClock.monotonicMicroseconds
        hooks.removeAll { hook in
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

    private func reap() {
        let report = spool.reap(as: id)
        for job in report.returned { log("reaped \(job): returned to pending (its worker died before the run)") }
        for job in report.retried { log("reaped \(job): lost run counted, retry scheduled") }
        for job in report.dead { log("reaped \(job): lost run counted, no retries left: dead") }
        for job in report.finished { log("reaped \(job): finished the interrupted move") }
    }

    /// Lists pending/ and failed/ again when their mtime says something changed (or when
    /// `force`d). Events make this redundant on local disks; on network file systems it is the
    /// only way to see other hosts' files.
    private func rescan(force: Bool) {
        let now = Timestamp.now()
        if force { index.beginRescan() }
        for state in [JobState.pending, .failed] {
            let folder = spool.folder(state)
            guard let info = try? FileSystem.linkStatus(folder) else { continue }
            let modified = max(info.modified, info.changed)
            if !force, let last = lastScan[state], last.modified == modified,
               now.secondsSince(modified) > 2 { continue }
            lastScan[state] = (modified, SystemClock.monotonicMicroseconds)
            try? FileSystem.forEachName(in: folder) { index.add($0, in: state, now: now) }
        }
        adoptDrops()
    }

    private func adoptDrops() {
        for text in index.drops {
            switch spool.adoptDroppedFile(text) {
            case .adopted(let name):
                index.dropHandled(text)
                index.add(name.text, in: .pending, now: .now())
                log("adopted dropped file pending/\(text) as job \(name.id)")
            case .quarantined(let reason):
                index.dropHandled(text)
                log("quarantined pending/\(text): \(reason)")
            case .gone:
                index.dropHandled(text)
            case .notReady:
                continue
            }
        }
    }

    // MARK: Claiming and running

    private func claimNext() {
        let now = Timestamp.now()
        claimNext(now: now)
        // The index forgot candidates to bound its memory and has run dry: list the folders
        // again (once: the rest may all be waiting for their dependencies).
        if current == nil && index.needsRescan {
            rescan(force: true)
            claimNext(now: now)
        }
    }

    private func claimNext(now: Timestamp) {
        while let name = index.next(now: now) {
            // A job waiting for its dependencies stays where it is, unclaimed: it is read in
            // place (pending files never change) and put back in the index for a second.
            let read = try? spool.readJob(name)
            if let read, !read.after.isEmpty, case .waiting = dependencies(of: read) {
                index.postpone(name, until: now.adding(seconds: 1))
                continue
            }
            let claim = FileName.processing(id: name.id, worker: id)
            do {
                try spool.move(name, to: claim)
            } catch {
                if !error.isNotFound { log("claim of \(name.text) failed: \(error)") }
                continue  // someone else won the race: a normal event
            }
            CrashPoint.check("after-claim")
            if start(claim: claim, from: name, read: read, now: now) { return }
        }
    }

    /// Starts the claimed job; false when it did not run (bad file, unmet dependencies, lost claim).
    /// `read` is the record as read before the claim (the same file: pending files never change).
    private func start(claim: FileName, from name: FileName, read: JobRecord?, now: Timestamp) -> Bool {
        var record: JobRecord
        do {
            let owner = try FileSystem.linkStatus(spool.path(claim)).owner
            if owner != CurrentProcess.userID {
                throw QueueError.spoolUnusable(path: spool.path(claim), reason: "the job file belongs to uid \(owner), not to this worker's user")
            }
            record = try read ?? spool.readJob(claim)
        } catch {
            putAside(claim, reason: "\(error)".replacing("\n", with: "; "))
            return false
        }
        switch dependencies(of: record) {
        case .ready:
            break
        case .waiting:
            // A dependency moved back (a dlq retry) between the look and the claim.
            try? FileSystem.renameNoReplace(spool.path(claim), to: spool.path(name))
            index.postpone(name, until: now.adding(seconds: 1))
            return false
        case .failed(let dependency, let state):
            record.lastError = "dependency '\(dependency)' ended \(state.rawValue)"
            record.state = .dead
            record.updatedAt = now
            finishMove(record, claim: claim)
            return false
        }
        record.state = .processing
        record.attempts += 1
        record.startedAt = now
        record.finishedAt = nil
        record.durationSeconds = nil
        record.worker = id
        record.updatedAt = now
        do {
            try spool.beginRun(record, at: claim)
        } catch {
            if error.isNotFound {
                log("claim of \(record.id) lost before its run: \(error)")
                return false
            }
            // No space to write the record (usually): give the job back with one rename, which
            // needs none, and claim nothing for a few seconds.
            log("cannot start \(record.id): \(error); returned to the queue, claims paused for 2s")
            try? FileSystem.renameNoReplace(spool.path(claim), to: spool.path(name))
            index.postpone(name, until: now.adding(seconds: 2))
            claimsPausedUntil = SystemClock.monotonicMicroseconds + 2_000_000
            return false
        }
        do {
            let run = try Run(record: record, attempt: record.attempts, worker: id, spool: spool,
                              environment: environment, now: now)
            current = (record, claim, run)
            return true
        } catch {
            record.finishedAt = now
            record.durationSeconds = 0
            spool.settle(&record, failure: "cannot start the command: \(error)", exitCode: nil, now: now)
            finishMove(record, claim: claim)
            return false
        }
    }

    private enum DependencyState { case ready, waiting, failed(JobID, JobState) }

    /// O(number of dependencies): each is located through its id, no scan.
    private func dependencies(of record: JobRecord) -> DependencyState {
        var waiting = false
        for dependency in record.after {
            switch spool.locate(dependency)?.state {
            case .completed: continue
            case .dead: return .failed(dependency, .dead)
            case nil: return .failed(dependency, .dead)
            default: waiting = true
            }
        }
        return waiting ? .waiting : .ready
    }

    private func checkChild() {
        guard let (record, claim, run) = current else { return }
        guard Spawn.hasEnded(run.child) else { return }
        // Whatever the job left running in its group dies with it; the leader is not reaped yet,
        // so the group id cannot belong to anyone else.
        Signals.sendToGroup(.kill, group: run.child.pid)
        let termination = (try? Spawn.wait(run.child)) ?? .signalled(.kill)
        current = nil
        var finished = record
        complete(&finished, claim: claim, run: run, termination: termination)
        isCancelling = false
    }

    private func complete(_ record: inout JobRecord, claim: FileName, run: Run, termination: Termination) {
        let duration = run.finish()
        let now = Timestamp.now()
        record.finishedAt = now
        record.durationSeconds = duration
        record.updatedAt = now
        if isCancelling {
            record.state = .dead
            record.lastError = Spool.cancelledError
            if case .exited(let status) = termination { record.exitCode = Int(status) } else { record.exitCode = nil }
            record.nextRunAt = nil
            finishMove(record, claim: claim)
            return
        }
        if stopMode == .forced && !run.timedOut {
            record.state = .pending
            record.attempts -= 1
            record.lastError = "interrupted by a forced stop of worker \(id) (not counted as an attempt)"
            record.exitCode = nil
            finishMove(record, claim: claim)
            return
        }
        switch termination {
        case .exited(0) where !run.timedOut:
            record.state = .completed
            record.exitCode = 0
            record.lastError = nil
            record.nextRunAt = nil
        case .exited(let status):
            let reason = run.timedOut ? "timed out after \(formatDuration(duration))" : "exit status \(status)"
            spool.settle(&record, failure: reason, exitCode: Int(status), now: now)
        case .signalled(let signal):
            let reason = run.timedOut
                ? "timed out after \(formatDuration(duration)) (killed by \(signal))"
                : "killed by \(signal)"
            spool.settle(&record, failure: reason, exitCode: nil, now: now)
        }
        finishMove(record, claim: claim)
    }

    /// Records the result in the claimed file, unsynced; `commit` makes it durable and moves it.
    /// Until then the job stays in processing/ (its claimed record kept as the backup), so a
    /// crash of the machine costs a rerun, and a crash of the worker lets the reaper finish the move.
    private func finishMove(_ record: JobRecord, claim: FileName) {
        CrashPoint.check("before-result")
        do {
            try spool.writeResult(record, at: claim)
            CrashPoint.check("after-result")
            if staged.isEmpty { commitDeadline = SystemClock.monotonicMicroseconds + Worker.commitDelay }
            staged.append((record, claim))
        } catch {
            resultFailed(record, claim: claim, "record", error)
        }
    }

    /// A result that could not be written (`action` "record") or moved ("move").
    private func resultFailed(_ record: JobRecord, claim: FileName, _ action: String, _ error: SystemError) {
        if error.isNotFound {
            // The claim was taken back (this worker looked dead to another host): the reaper
            // owns the job now, and its lost run was counted there.
            log("could not \(action) the result of \(record.id): the claim was taken back")
            return
        }
        // A full disk, usually: keep the claim (the job is safe in processing/) and try again at
        // the next reap tick; no new job is claimed until it is recorded.
        log("could not \(action) the result of \(record.id): \(error); will retry")
        unrecorded.append((record, claim))
    }

    /// Group commit of the staged results: one sync of their contents (syncfs for several),
    /// one rename each into its folder, one fsync per target folder. Durable costs two journal
    /// commits per group instead of two per job.
    private func commit() {
        guard !staged.isEmpty else { return }
        let group = staged
        staged = []
        do {
            try spool.syncContents(of: group.map(\.claim))
        } catch {
            log("could not sync \(group.count) results: \(error); will retry")
            unrecorded += group
            return
        }
        var moved: [(record: JobRecord, claim: FileName, target: FileName)] = []
        for (record, claim) in group {
            do {
                moved.append((record, claim, try spool.transfer(record, from: claim, syncFolder: false)))
            } catch {
                resultFailed(record, claim: claim, "move", error)
            }
        }
        do {
            try spool.syncFolders(Set(moved.map(\.target.state)))
        } catch {
            // The renames happened; if they are lost to a crash, the results are still whole in
            // processing/ and the reaper finishes the moves.
            log("could not sync the folders of \(moved.count) results: \(error)")
        }
        for (record, claim, target) in moved {
            CrashPoint.check("after-move")
            spool.discardBackup(of: claim)
            spool.clearCancelRequest(record.id)
            var line = "\(record.id) \(record.state.rawValue)"
            if let duration = record.durationSeconds { line += " in \(formatDuration(duration))" }
            if let error = record.lastError { line += ": \(error)" }
            if record.state == .failed, let next = record.nextRunAt { line += "; retry at \(next.iso8601)" }
            log(line)
            if target.state == .pending || target.state == .failed { index.add(target.text, in: target.state, now: .now()) }
            if target.state.isFinal {
                do {
                    if let hook = try spool.startHook(for: record) { hooks.append(hook) }
                } catch {
                    log("hook for \(record.id) could not start: \(error)")
                }
            }
        }
        try? spool.recordMetrics(moved.lazy.map(\.record))
    }

    private func putAside(_ claim: FileName, reason: String) {
        let target = spool.quarantine + "/" + Timestamp.now().compact + "-" + claim.text
        do {
            try FileSystem.renameNoReplace(spool.path(claim), to: target)
            try? spool.writeFile(Array("\(Timestamp.now().iso8601) \(claim.text): \(reason)\n".utf8),
                                 at: target + ".reason", sync: false)
            log("quarantined \(claim.text): \(reason)")
        } catch {
            log("could not quarantine \(claim.text): \(error)")
        }
    }
}


