// LeaseFence: when a worker may still write into its claims. Other hosts reap a claim once its
// worker's heartbeat is older than lease_sec, and on a network file system a worker that was
// stopped can still open a claim renamed away by the reaper (GlusterFS: for about a second, and
// what it writes lands in the reaper's file). So a worker whose last successful heartbeat is older
// than lease_sec/2 writes and moves nothing until it has renewed its heartbeat and `settle`
// seconds have passed (stale names expire, a reap already under way ends); then each held result
// is placed only if a fresh read finds the claim still there and still ours (see
// ResultCommit.isStillOurs: a reaper's takeover rewrites the claim naming the reaper). Where the
// result's exchange into the claim is atomic, that read is made when a held result is staged
// again, and not again before its exchange, which fails by itself on a claim taken away.

import QueueSystem

final class LeaseFence {
    /// Its lease_sec, read live (a `config set lease-sec` reaches running workers).
    private let spool: Spool
    /// Half the lease (µs): a heartbeat older than this may have let another host reap us.
    private var limit: Int64 { Int64(spool.config.leaseSeconds * 500_000) }
    /// Monotonic µs of the last successful heartbeat.
    private(set) var lastRenewal: Int64
    /// After a lapse: no write before this (monotonic µs).
    private var settledAt: Int64 = 0
    /// Set by a lapse; claims are checked by a fresh read before their results are written.
    private(set) var isChecking = false
    /// How long stale names and a reap under way may outlive a renewed heartbeat.
    static let settle: Int64 = 2_000_000

    init(spool: Spool, now: Int64) {
        self.spool = spool
        lastRenewal = now
    }

    /// A heartbeat that reached the worker record. One after a lapse starts the settle period.
    func renewed(at now: Int64) {
        if now - lastRenewal >= limit {
            settledAt = now + LeaseFence.settle
            isChecking = true
        }
        lastRenewal = now
    }

    /// Results may be written and moved now.
    func isSafe(now: Int64) -> Bool {
        if now - lastRenewal >= limit {
            isChecking = true
            return false
        }
        return now >= settledAt
    }

    /// The held results have been checked: back to normal.
    func checked() { isChecking = false }

    /// Seconds since the last successful heartbeat, for the log.
    func age(now: Int64) -> Double { Double(now - lastRenewal) / 1_000_000 }
}
