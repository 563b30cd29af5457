// GroupGate: what a worker knows of the groups when it claims: which it serves (`worker start
// --group`), which are paused, and their limits, read from SPOOL/groups/ at most once a second
// (so `group set` and `group pause` reach running workers within about a second).

import QueueSystem

final class GroupGate {
    /// Whether a job of a group may be claimed now.
    enum Admission: Equatable {
        /// Claim it; with a limit, only after taking a slot.
        case open(limit: Int?)
        /// This worker does not serve the group.
        case notServed
        case paused
    }

    private let spool: Spool
    /// The groups this worker serves; nil: all.
    let served: Set<String>?
    private var settings: [String: GroupSettings] = [:]
    private var readAt: Int64?

    init(spool: Spool, served: Set<String>?) {
        self.spool = spool
        self.served = served
    }

    func admission(_ group: String) -> Admission {
        if let served, !served.contains(group) { return .notServed }
        let now = SystemClock.monotonicMicroseconds
        if readAt.map({ now - $0 >= 1_000_000 }) ?? true {
            settings = spool.groupSettings()
            readAt = now
        }
        guard let group = settings[group] else { return .open(limit: nil) }
        return group.isPaused ? .paused : .open(limit: group.limit)
    }
}
