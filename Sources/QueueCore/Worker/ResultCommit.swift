// ResultCommit: a run's result from written to durable and moved. The result is written over
// its claim in place, unsynced (`record`); staged results are then synced together (one fsync for
// one, one syncfs for several), moved with one rename each, and each target folder fsync'ed once
// (`commit`). Until its move a job stays in processing/ with its claimed record kept as the
// backup, so a crash of the machine costs a rerun and a crash of the worker lets the reaper finish.

import QueueSystem

/// A step of recording a result that can fail.
enum ResultStep: String {
    case write = "record"
    case move
}

final class ResultCommit {
    private let spool: Spool
    private let log: (String) -> Void
    /// Results written but not yet synced and moved.
    private(set) var staged: [Claim] = []
    /// Results that could not be written or moved yet (a full disk): retried every reap tick.
    private(set) var unrecorded: [Claim] = []
    /// Monotonic µs by which the staged group is committed.
    private(set) var deadline: Int64 = 0
    /// A result waits at most this long (µs) for others to share its commit, and a group holds
    /// at most `groupSize`; an idle worker commits at once.
    static let delay: Int64 = 50_000
    static let groupSize = 64

    init(spool: Spool, log: @escaping (String) -> Void) {
        self.spool = spool
        self.log = log
    }

    var isGroupFull: Bool { staged.count >= ResultCommit.groupSize }

    /// Writes the result into its claim, unsynced, and stages it for the next commit.
    func record(_ claim: Claim) {
        CrashPoint.check("before-result")
        do {
            try spool.writeResult(claim.record, at: claim.name)
            CrashPoint.check("after-result")
            if staged.isEmpty { deadline = SystemClock.monotonicMicroseconds + ResultCommit.delay }
            staged.append(claim)
        } catch {
            failed(claim, .write, error)
        }
    }

    /// Tries the results that could not be written before once more.
    func retryUnrecorded() {
        let retrying = unrecorded
        unrecorded = []
        for claim in retrying { record(claim) }
    }

    /// Group commit of the staged results. Returns the results moved, with where they went.
    func commit() -> [(claim: Claim, target: FileName)] {
        guard !staged.isEmpty else { return [] }
        let group = staged
        staged = []
        do {
            try spool.syncContents(of: group.map(\.name))
        } catch {
            log("could not sync \(group.count) results: \(error); will retry")
            unrecorded += group
            return []
        }
        var moved: [(claim: Claim, target: FileName)] = []
        for claim in group {
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
            spool.discardBackup(of: claim.name)
            spool.clearCancelRequest(claim.record.id)
            log(Self.summary(of: claim.record))
        }
        try? spool.recordMetrics(moved.lazy.map(\.claim.record))
        return moved
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
        if error.isNotFound {
            // The claim was taken back (this worker looked dead to another host): the reaper
            // owns the job now, and its lost run was counted there.
            log("could not \(step.rawValue) the result of \(claim.record.id): the claim was taken back")
            return
        }
        // A full disk, usually: keep the claim (the job is safe in processing/) and try again at
        // the next reap tick; no new job is claimed until it is recorded.
        log("could not \(step.rawValue) the result of \(claim.record.id): \(error); will retry")
        unrecorded.append(claim)
    }
}
