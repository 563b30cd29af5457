// Worker: one process that claims and runs jobs, one at a time, until it is stopped.
// A single-threaded loop: poll(2) on a self-pipe of signals, an inotify descriptor and the
// running job's output pipe, with a timeout for the next due job, commit, heartbeat, reap or
// rescan. Nothing else wakes it, and it never sleeps blindly. Claiming is the Claimer's,
// recording results the ResultCommit's, knowing the candidates the CandidateFeed's.
// Settings: every part reads them through the spool's LiveConfig, which the loop reloads when
// config.json changes (an inotify event on the spool root; its inode, size or times at each
// rescan and reap tick, where events cannot see; SIGHUP). A running job keeps its own (Run.settings).

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
    public private(set) var registration: WorkerRegistration
    public var id: String { registration.record.id }
    private let signals: FileDescriptor
    private let feed: CandidateFeed
    private let claimer: Claimer
    private let results: ResultCommit
    private let hooks: HookWatch
    private let fence: LeaseFence
    private let scheduleClock: ScheduleClock
    private var nextScheduleCheck: Int64 = 0
    private let housekeeping: Housekeeping
    private var current: (claim: Claim, run: Run)?
    private var isCancelling = false
    private var stopMode: StopMode?
    private var nextHeartbeat: Int64 = 0
    private var nextReap: Int64 = 0
    private var nextRescan: Int64 = 0
    private var nextDropCheck: Int64 = 0
    private var nextCancelCheck: Int64 = 0
    private var nextHousekeeping: Int64 = 0
    private let log: (String) -> Void

    /// Registers the worker in the spool and prepares its wake-up sources. With `groups`, it
    /// claims only jobs of those groups.
    public init(spool: Spool, groups: Set<String>? = nil, log: @escaping (String) -> Void) throws(QueueError) {
        self.spool = spool
        self.log = log
        do {
            signals = try Signals.makeSignalDescriptor([.terminate, .interrupt, .quit, .child, .hangUp, .user1])
        } catch { throw .system(error) }
        try spool.checkSafeToRun()
        registration = try spool.registerWorker()
        feed = CandidateFeed(spool: spool, log: log)
        fence = LeaseFence(spool: spool, now: SystemClock.monotonicMicroseconds)
        claimer = Claimer(spool: spool, worker: registration.record.id, environment: Run.inheritedEnvironment(),
                          groups: GroupGate(spool: spool, served: groups), fence: fence, log: log)
        scheduleClock = ScheduleClock(spool: spool, log: log)
        results = ResultCommit(spool: spool, fence: fence, log: log)
        hooks = HookWatch(spool: spool, log: log)
        housekeeping = Housekeeping(spool: spool, worker: registration.record.id, log: log)
    }

    /// Runs until stopped; returns when the worker has exited cleanly.
    public func run() {
        log("started (pid \(registration.record.pid), spool \(spool.root))")
        reap()
        feed.rescan(force: true)
        while true {
            if current == nil {
                if mayClaim { claimNext() }
                if current == nil {
                    commit()  // idle: no result waits for company
                    if stopMode != nil && hooks.isEmpty && (results.unrecorded.isEmpty || stopMode == .forced) { break }
                }
            }
            // A full group commits while the next job runs, not between the two.
            if results.isGroupFull { commit() }
            timers(now: SystemClock.monotonicMicroseconds)
            wait()
        }
        housekeeping.releaseLease()
        registration.end()
        log("stopped")
    }

    /// Not stopping, not paused, no result waiting to be written (a full disk, usually), the
    /// lease held (see LeaseFence).
    private var mayClaim: Bool {
        let now = SystemClock.monotonicMicroseconds
        return stopMode == nil && results.unrecorded.isEmpty && fence.isSafe(now: now)
            && !spool.isPaused
    }

    // MARK: Waiting

    private func wait() {
        var descriptors = [signals]
        if let events = feed.descriptor { descriptors.append(events) }
        // Polled until end of file only: the pipe closes a moment before the child can be
        // waited for, and a closed pipe would wake every poll until then.
        if let current, !current.run.outputEnded { descriptors.append(current.run.output) }
        let now = SystemClock.monotonicMicroseconds
        var wake = min(nextHeartbeat, nextReap, nextRescan, nextScheduleCheck, nextHousekeeping)
        if !results.staged.isEmpty { wake = min(wake, results.deadline) }
        if feed.hasDrops { wake = min(wake, nextDropCheck) }
        if current == nil, mayClaim, let due = feed.nextDue {
            wake = min(wake, now + Int64(max(0, due.secondsSince(.now())) * 1_000_000) + 1000)
        }
        if let run = current?.run, let enforcement = run.nextEnforcement(graceSeconds: run.graceSeconds) {
            wake = min(wake, enforcement)
        }
        if current != nil { wake = min(wake, nextCancelCheck) }
        if let deadline = hooks.nextDeadline { wake = min(wake, deadline) }
        let timeout = max(0, Int((wake - now + 999) / 1000))
        let ready = Poll.waitForInput(descriptors, timeoutMilliseconds: timeout)
        if ready[0] { handleSignals() }
        if feed.descriptor != nil, ready.count > 1, ready[1] {
            feed.handleEvents()
            if feed.configChanged { reloadConfig(force: true) }
        }
        if current != nil, ready.count > 2, ready[2] { current?.run.drainOutput() }
        checkChild()
        hooks.check()
    }

    private func handleSignals() {
        for signal in Signals.readSignals(signals) {
            switch signal {
            case .child: continue
            case .user1: checkCancel()
            case .hangUp: reloadConfig(force: true)  // as daemons do
            case .quit: stop(.forced)
            default: stop(stopMode == nil ? .graceful : .forced)
            }
        }
    }

    /// Starts stopping; a forced stop kills the running job's process group now.
    public func stop(_ mode: StopMode) {
        if stopMode == .forced { return }
        stopMode = mode
        if mode == .forced, let (claim, run) = current {
            log("forced stop: killing job \(claim.record.id)")
            run.terminate(timedOut: false)
            Signals.sendToGroup(.kill, group: run.child.pid)
        } else if mode == .graceful {
            log(current.map { "stopping after job \($0.claim.record.id)" } ?? "stopping")
        }
    }

    // MARK: Timers

    private func timers(now: Int64) {
        if !results.staged.isEmpty && now >= results.deadline { commit() }
        if now >= nextHeartbeat {
            heartbeat(now: now)
            nextHeartbeat = now + Int64(spool.config.leaseSeconds / 3 * 1_000_000)
        }
        if now >= nextReap {
            reloadConfig(force: false)
            results.retryUnrecorded()
            reap()
            nextReap = now + 2_000_000
        }
        if now >= nextScheduleCheck {
            // At the next occurrence, and at least every second (schedules added or changed);
            // a stopping worker enqueues nothing more.
            let next = stopMode == nil ? scheduleClock.tick(now: .now()) : nil
            let untilNext = next.map { Int64(max(0, $0.secondsSince(.now())) * 1_000_000) + 1000 } ?? .max
            nextScheduleCheck = now + min(1_000_000, untilNext)
        }
        if now >= nextRescan {
            reloadConfig(force: false)
            feed.rescan(force: false)
            nextRescan = now + Int64(feed.rescanInterval * 1_000_000)
        }
        if now >= nextDropCheck && feed.hasDrops {
            feed.adoptDrops()
            nextDropCheck = now + 1_000_000
        }
        if current != nil && now >= nextCancelCheck {
            checkCancel()
            nextCancelCheck = now + 1_000_000
        }
        // After the claim (the job already runs meanwhile), one bounded slice of retention.
        if now >= nextHousekeeping { nextHousekeeping = housekeeping.tick(now: now) }
        if let run = current?.run { run.enforce(graceSeconds: run.graceSeconds, now: now) }
    }

    /// Re-reads config.json (when it changed, or always with `force`) and logs what changed. An
    /// invalid file is logged and the settings in use stay.
    private func reloadConfig(force: Bool) {
        feed.configChanged = false
        do {
            let changes = try spool.settings.reload(force: force)
            if !changes.isEmpty {
                log("config reloaded: " + changes.joined(separator: ", "))
                nextRescan = 0  // poll_interval may have changed
            }
        } catch {
            log("config.json not reloaded, the settings in use stay: \(error)")
        }
    }

    /// Touches the worker record; publishes it again if another host removed it (our lease had
    /// lapsed). Only a heartbeat that reached the record renews the fence.
    private func heartbeat(now: Int64) {
        guard let gone = registration.heartbeat() else {
            fence.renewed(at: now)
            return
        }
        log("my worker record is gone (\(gone)); publishing it again")
        do {
            registration = try spool.registerWorker(again: registration)
            fence.renewed(at: SystemClock.monotonicMicroseconds)
        } catch {
            log("could not publish my worker record again: \(error); will retry")
        }
    }

    /// A `cancel` of the running job: SIGTERM to its process group now, SIGKILL after the grace.
    private func checkCancel() {
        guard let (claim, run) = current, !isCancelling, spool.isCancelRequested(claim.record.id) else { return }
        isCancelling = true
        log("cancelling job \(claim.record.id)")
        run.terminate(timedOut: false)
    }

    private func reap() {
        let report = spool.reap(as: id)
        for job in report.returned { log("reaped \(job): returned to pending (its worker died before the run)") }
        for job in report.retried { log("reaped \(job): lost run counted, retry scheduled") }
        for job in report.dead { log("reaped \(job): lost run counted, no retries left: dead") }
        for job in report.finished { log("reaped \(job): finished the interrupted move") }
        for slot in report.releasedSlots { log("reaped group slot \(slot): its worker is gone") }
    }

    // MARK: Claiming, running, recording

    private func claimNext() {
        while let outcome = feed.claimNext(with: claimer, now: .now()) {
            switch outcome {
            case .started(let claim, let run):
                current = (claim, run)
                return
            case .settled(let claim):
                if let slot = claim.slot { spool.releaseSlot(slot) }
                results.record(claim)
            }
        }
    }

    private func checkChild() {
        guard let (claim, run) = current, Spawn.hasEnded(run.child) else { return }
        // Whatever the job left running in its group dies with it; the leader is not reaped yet,
        // so the group id cannot belong to anyone else.
        Signals.sendToGroup(.kill, group: run.child.pid)
        let termination = (try? Spawn.wait(run.child)) ?? .signalled(.kill)
        current = nil
        if let slot = claim.slot { spool.releaseSlot(slot) }  // the run is over: its group may start another
        let ending = RunEnding(termination: termination, timedOut: run.timedOut, cancelled: isCancelling,
                               forcedStopBy: stopMode == .forced ? id : nil)
        var finished = claim
        finished.record.recordEnd(ending, duration: run.finish(), policy: run.failurePolicy, now: .now())
        results.record(finished)
        isCancelling = false
    }

    private func commit() {
        for (claim, target) in results.commit() {
            if target.state == .pending || target.state == .failed { feed.add(target) }
            if target.state.isFinal { hooks.start(for: claim.record) }
        }
    }
}
