// CrashPoint: test-only fault injection. When QUEUECTL_CRASH_AT names a point, the process
// aborts there, so tests can prove that a restart or `doctor --fix` converges.
// The points (Tests/queuectlTests/Faults/ uses each of them):
//   enqueue-after-reserve     BatchEnqueue: every id reserved and file staged in tmp/.batch-*, not yet synced
//   enqueue-after-first-rename BatchEnqueue: marked ready, the first staged file renamed into pending/
//   after-claim               Worker.claimNext: right after the claim rename into processing/
//   before-result             Worker.finishMove: the run ended, its result not yet written
//   after-result              Worker.finishMove: the result rewritten in processing/, not yet moved
//   after-move                Worker.finishMove: moved to its new folder, the claim's backup not yet removed
//   dlq-retry-after-rewrite   DeadLetters.retryDead: dead/ID.json says pending, not yet moved
//   adopt-before-unlink       Drop: the dropped job published under its name, the original left
//   reap-after-takeover       Reaper: an orphaned claim renamed to the reaper's name, not yet charged
//   reap-after-rewrite        Reaper: the lost run charged in the record (retry scheduled), not yet moved
//   purge-after-record        Purge: the batch's lines written in purged/, no job file removed yet
//   purge-after-unlink        Purge: the first job's file removed, its log and id not yet
//   purge-after-log           Purge: the first job's file and log removed, its id not yet released

import QueueSystem

enum CrashPoint {
    private static let target: String? = CurrentProcess.environmentValue("QUEUECTL_CRASH_AT")

    /// Dies with SIGKILL (no cleanup, like a power cut for this process) when `point` is the target.
    static func check(_ point: String) {
        guard let target, target == point else { return }
        Signals.raise(.kill)
    }
}
