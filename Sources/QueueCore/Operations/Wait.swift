// Wait: blocks until some jobs (or every open job) have ended, and reports progress: done, dead
// (by name), running (jobs in processing/) and an estimate from the recent completion rate.
// inotify on the state folders is the doorbell; the folders are the truth, looked at again at
// least every second (every `poll_interval` where events do not arrive: network file systems).

import QueueSystem

/// Which jobs a wait is for.
public enum WaitTarget: Sendable {
    case jobs([JobID])
    /// Every job open (pending, processing, failed) when the wait began, and any added since.
    case all
}

/// Where a wait stands.
public struct WaitProgress: Sendable, Equatable {
    public var total = 0
    public var done = 0
    /// The jobs waited for that ended dead (with `.all`: that reached dead/ during the wait).
    public var deadJobs: [JobID] = []
    /// Jobs waited for that are in processing/ now.
    public var running = 0
    /// Jobs not finished yet.
    public var open = 0
    /// Seconds until the rest are done at the recent completion rate; nil until one has ended.
    public var etaSeconds: Double?

    public var dead: Int { deadJobs.count }
}

public final class JobWait {
    private let spool: Spool
    private let target: WaitTarget
    private let inotify: Inotify?
    private let isPolling: Bool
    /// With `.all`: the DLQ's ids when the wait began, and how many jobs were open then.
    private var deadAtStart: Set<String> = []
    private var deadCount = 0
    private var newlyDead: [JobID] = []
    private var openAtStart: Int?
    /// When each job counted as finished ended (its finished_at, else when it was seen).
    private var finishes: [Timestamp] = []
    private var finished: Set<JobID> = []
    private var finishedCount = 0
    /// The completion rate is measured over the finishes of this many seconds back.
    static let rateWindow = 60.0

    /// Checks that every job named exists (unknownJob otherwise) and sets up the doorbell.
    public init(spool: Spool, target: WaitTarget) throws(QueueError) {
        self.spool = spool
        self.target = target
        if case .jobs(let ids) = target {
            for id in ids where spool.locate(id) == nil { throw .unknownJob(id.rawValue) }
        } else {
            deadAtStart = Set(JobWait.ids(in: spool.folder(.dead)))
            deadCount = deadAtStart.count
        }
        if let inotify = try? Inotify() {
            for state in JobState.allCases { _ = try? inotify.watch(spool.folder(state)) }
            self.inotify = inotify
        } else {
            inotify = nil
        }
        isPolling = inotify == nil || FileSystem.isRemote(spool.root)
    }

    /// Where the wait stands now.
    public func check() throws(QueueError) -> WaitProgress {
        var progress = WaitProgress()
        let now = Timestamp.now()
        switch target {
        case .jobs(let ids):
            progress.total = ids.count
            for id in ids {
                guard let location = spool.locate(id) else { throw .unknownJob(id.rawValue) }
                switch location.state {
                case .completed: progress.done += 1
                case .dead: progress.deadJobs.append(id)
                case .processing: progress.open += 1; progress.running += 1
                default: progress.open += 1
                }
                if location.state.isFinal, finished.insert(id).inserted {
                    let ended = (try? spool.readJob(location.name))?.finishedAt
                    finishes.append(min(ended ?? now, now))
                }
            }
        case .all:
            for state in [JobState.pending, .processing, .failed] {
                let count: Int
                do { count = try FileSystem.countNames(in: spool.folder(state)) } catch { throw .system(error) }
                progress.open += count
                if state == .processing { progress.running = count }
            }
            let dead: Int
            do { dead = try FileSystem.countNames(in: spool.folder(.dead)) } catch { throw .system(error) }
            if dead != deadCount {  // listed again only when the DLQ changed
                deadCount = dead
                newlyDead = JobWait.ids(in: spool.folder(.dead)).filter { !deadAtStart.contains($0) }
                    .compactMap { JobID(rawValue: $0) }
            }
            progress.deadJobs = newlyDead
            openAtStart = max(openAtStart ?? 0, progress.open + newlyDead.count)
            progress.total = openAtStart ?? 0
            progress.done = max(0, progress.total - progress.open - progress.dead)
            let count = progress.done + progress.dead
            if count > finishedCount { finishes += Array(repeating: now, count: count - finishedCount) }
            finishedCount = max(finishedCount, count)
        }
        progress.etaSeconds = estimate(open: progress.open, now: now)
        return progress
    }

    /// open ÷ the rate of the finishes of the last `rateWindow` seconds, measured from the oldest
    /// of them to now (so a stall makes the estimate grow rather than stand still).
    private func estimate(open: Int, now: Timestamp) -> Double? {
        finishes.removeAll { now.secondsSince($0) > JobWait.rateWindow }
        guard open > 0, let oldest = finishes.min() else { return nil }
        let span = max(1, now.secondsSince(oldest))
        return Double(open) * span / Double(finishes.count)
    }

    /// Blocks until a state folder changes or `milliseconds` pass (at most a second, or
    /// `poll_interval` where events do not arrive).
    public func waitForChange(milliseconds: Int) {
        let cap = isPolling ? Int(spool.config.pollInterval * 1000) : 1000
        let timeout = max(0, min(milliseconds, cap))
        guard let inotify else {
            SystemClock.sleep(milliseconds: timeout)
            return
        }
        if Poll.waitForInput([inotify.descriptor], timeoutMilliseconds: timeout)[0] { _ = inotify.readEvents() }
    }

    private static func ids(in folder: String) -> [String] {
        var ids: [String] = []
        try? FileSystem.forEachName(in: folder) { name in
            if let parsed = FileName(parsing: name, in: .dead) { ids.append(parsed.id.rawValue) }
        }
        return ids
    }
}

extension Spool {
    /// Blocks until every job of `target` has ended; `progress` is called after each change and
    /// at least every second. Returns the final progress (`dead` > 0: some ended dead); throws
    /// `timedOut` after `timeout` seconds.
    public func wait(for target: WaitTarget, timeout: Double?,
                     progress report: (WaitProgress) -> Void) throws(QueueError) -> WaitProgress {
        let deadline = timeout.map { SystemClock.monotonicMicroseconds + Int64($0 * 1_000_000) }
        let wait = try JobWait(spool: self, target: target)
        while true {
            let progress = try wait.check()
            report(progress)
            if progress.open == 0 { return progress }
            let now = SystemClock.monotonicMicroseconds
            if let deadline, now > deadline {
                throw .timedOut("after \(formatDuration(timeout!)): \(progress.open) job(s) not finished")
            }
            wait.waitForChange(milliseconds: deadline.map { Int(($0 - now) / 1000) + 1 } ?? 1000)
        }
    }
}
