// Housekeeping: what keeps a spool that runs for months bounded, done by the workers a little at a
// time from their timers (a running job's wait, or an idle one): retention of completed/ and dead/
// (`keep_completed`, `keep_dead`, oldest first, at most one batch per tick), stale tmp/ files
// (36 hours, maildir's rule) and cancel/ markers of ended jobs. (logs/worker.log is kept bounded
// by its writers: WorkerLog.)
// One worker of a spool does the removals at a time, the holder of SPOOL/housekeeper, a lease
// that lapses when its holder stops renewing it (no lock that needs its host alive). Two holders
// at once are still safe: every removal is one unlink that only one of them can win (see Purge).

import QueueSystem

final class Housekeeping {
    private let spool: Spool
    private let worker: String
    private let log: (String) -> Void
    /// Per final state: the oldest files found by the last listing, oldest first, and when it was made.
    private var ledgers: [JobState: Ledger] = [:]
    /// Jobs still to remove by count, from the last count (counted again once it is done).
    private var excess: [JobState: Int] = [:]
    private var isHolder = false
    private var nextRenewal: Int64 = 0
    private var nextChores: Int64 = 0

    /// The time between ticks while a folder is over its limit, and once it is not.
    static let busyInterval: Int64 = 50_000
    static let idleInterval: Int64 = 1_000_000
    /// Jobs removed per tick at most: one batch (one line write and fsync in purged/, then three
    /// unlinks per job), a few milliseconds.
    static let batchSize = 100
    /// The oldest files a listing keeps in memory; a new listing is made when they are used up.
    static let ledgerCapacity = 4096
    /// A listing older than this is made again (files moved in or out by others meanwhile).
    static let ledgerLifetime: Int64 = 60_000_000

    init(spool: Spool, worker: String, log: @escaping (String) -> Void) {
        self.spool = spool
        self.worker = worker
        self.log = log
    }

    var leasePath: String { spool.root + "/housekeeper" }

    /// Does one tick's share of the work; returns when the next tick is due (monotonic µs).
    func tick(now: Int64) -> Int64 {
        let isHolder = holdsLease(now: now)
        guard isHolder else { return now + Housekeeping.idleInterval }
        if now >= nextChores {
            removeStaleTemporaryFiles()
            removeEndedCancelRequests()
            nextChores = now + 60_000_000
        }
        var isBehind = false
        for state in [JobState.completed, .dead] {
            if enforceRetention(of: state, now: now) { isBehind = true }
        }
        return now + (isBehind ? Housekeeping.busyInterval : Housekeeping.idleInterval)
    }

    // MARK: The lease

    /// True when this worker holds the lease, taking it when it is free or has lapsed (not
    /// renewed for `lease_sec`), and renewing it every third of that; the file is looked at
    /// that often too, by holder and others alike.
    private func holdsLease(now: Int64) -> Bool {
        if now < nextRenewal { return isHolder }
        // Taken when free, lapsed (not renewed for `lease_sec`), or held by a worker that is gone
        // (its record says so: a stopped or killed worker's lease need not run out).
        let lapse = spool.config.leaseSeconds
        let info = try? FileSystem.linkStatus(leasePath)
        let holder = info.flatMap { _ in try? Spool.readRegularFile(leasePath, limit: 512) }
            .map { String(decoding: $0, as: UTF8.self).trimmingWhitespace() }
        let isFresh = info.map { Timestamp.now().secondsSince($0.modified) < lapse } ?? false
        if holder == worker {
            // Renewed by rewriting (not by touching: a futimens on a network file system may be
            // refused for a file the same user wrote from another host).
            isHolder = (try? spool.publish(Array((worker + "\n").utf8), at: leasePath, replacing: true)) != nil
        } else if isFresh, let holder, spool.workerRecords().contains(where: { $0.record.id == holder && $0.isAlive }) {
            isHolder = false
        } else {
            // Free or lapsed: take it, then read it back; of two takers the last rename wins.
            try? spool.publish(Array((worker + "\n").utf8), at: leasePath, replacing: true)
            let now = (try? Spool.readRegularFile(leasePath, limit: 512)).map { String(decoding: $0, as: UTF8.self).trimmingWhitespace() }
            isHolder = now == worker
            if isHolder { log("housekeeping: this worker now enforces retention (holds \(leasePath))") }
        }
        nextRenewal = now + Int64(lapse / 3 * 1_000_000)
        return isHolder
    }

    /// Gives the lease up (a worker that stops), so that another worker takes over at once.
    func releaseLease() {
        guard isHolder else { return }
        isHolder = false
        let holder = (try? Spool.readRegularFile(leasePath, limit: 512)).map { String(decoding: $0, as: UTF8.self).trimmingWhitespace() }
        if holder == worker { try? FileSystem.unlink(leasePath) }
    }

    // MARK: Retention

    /// The oldest files of a folder, oldest first.
    private struct Ledger {
        var names: ArraySlice<(modified: Int64, text: String)>
        let madeAt: Int64
    }

    /// Removes at most one batch from `state`'s folder; true when it is still over its limit.
    private func enforceRetention(of state: JobState, now: Int64) -> Bool {
        let retention = spool.config.retention(of: state)
        guard !retention.keepsAll else {
            ledgers[state] = nil
            excess[state] = nil
            return false
        }
        if excess[state, default: 0] <= 0 {
            let count = (try? FileSystem.countNames(in: spool.folder(state))) ?? 0
            excess[state] = retention.count.map { max(0, count - $0) } ?? 0
        }
        let cutoff = retention.age.map { Timestamp.now().adding(seconds: -$0).microseconds }
        var ledger = ledgers[state]
        if ledger == nil || ledger!.names.isEmpty || now - ledger!.madeAt > Housekeeping.ledgerLifetime {
            // Nothing to do by count, and (by age) nothing old enough could be there: no listing.
            if excess[state, default: 0] == 0 && cutoff == nil { return false }
            ledger = listOldest(state, now: now)
        }
        var batch: [FileName] = []
        while batch.count < Housekeeping.batchSize, let oldest = ledger!.names.first {
            let isExpired = cutoff.map { oldest.modified < $0 } ?? false
            guard isExpired || excess[state, default: 0] > 0 else { break }
            ledger!.names.removeFirst()
            if let name = FileName(parsing: oldest.text, in: state) { batch.append(name) }
            excess[state, default: 0] -= 1
        }
        excess[state] = max(0, excess[state, default: 0])
        ledgers[state] = ledger
        guard !batch.isEmpty else {
            excess[state] = 0  // nothing left to list: count again next time
            return false
        }
        let removed = spool.purgeFinished(batch)
        if removed.count < batch.count { ledgers[state] = nil }  // others moved files: list again
        return true
    }

    /// The oldest `ledgerCapacity` files of a folder by modification time (a finished job's file
    /// is last written when its result is).
    private func listOldest(_ state: JobState, now: Int64) -> Ledger {
        let folder = spool.folder(state)
        var oldest = SmallestElements<(modified: Int64, text: String)>(capacity: Housekeeping.ledgerCapacity) {
            $0.modified != $1.modified ? $0.modified < $1.modified : $0.text < $1.text
        }
        try? FileSystem.forEachName(in: folder) { text in
            guard let modified = try? FileSystem.linkStatus(folder + "/" + text).modified.microseconds else { return }
            oldest.offer((modified, text))
        }
        return Ledger(names: oldest.items[...], madeAt: now)
    }

    // MARK: The rest of the growth

    /// maildir's rule: a file in tmp/ untouched for 36 hours was abandoned by its writer.
    private func removeStaleTemporaryFiles() {
        let now = Timestamp.now()
        try? FileSystem.forEachName(in: spool.tmp) { name in
            let path = spool.tmp + "/" + name
            guard let info = try? FileSystem.linkStatus(path), !info.isDirectory,
                  now.secondsSince(info.modified) > Spool.staleTemporarySeconds else { return }
            if (try? FileSystem.unlink(path)) != nil { log("housekeeping: removed stale tmp/\(name)") }
        }
    }

    /// A cancel request outlives its job only by accident (the job ended as it was written).
    private func removeEndedCancelRequests() {
        try? FileSystem.forEachName(in: spool.cancelRequests) { text in
            guard let id = JobID(rawValue: text) else { return }
            if let location = spool.locate(id), !location.state.isFinal { return }
            spool.clearCancelRequest(id)
        }
    }
}
