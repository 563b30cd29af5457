// ScheduleClock: how workers turn schedules into jobs. Every worker looks at the schedules when
// an occurrence falls due (and re-reads SPOOL/schedules/ every second); each occurrence's job id
// is the schedule's name and its time, reserved like any id, so whichever worker reserves it
// first enqueues it and the others meet a duplicate id: exactly once across workers and hosts,
// however many run. NAME.last, moved on after each occurrence, only spares the work of
// looking again; the reservation is what decides.

import QueueSystem

final class ScheduleClock {
    private let spool: Spool
    private let log: (String) -> Void
    private var schedules: [Schedule] = []
    private var readAt: Int64?
    /// An occurrence met later than this after its time was missed (no worker ran then): the
    /// catch-up policy decides. Workers normally meet one within milliseconds.
    static let missedAfterSeconds: Int64 = 2
    /// Occurrences enqueued per schedule and pass with catch-up `all` (the rest follow next pass).
    static let batch = 100

    init(spool: Spool, log: @escaping (String) -> Void) {
        self.spool = spool
        self.log = log
    }

    /// Enqueues the occurrences due at `now`; returns when the next one falls due.
    func tick(now: Timestamp) -> Timestamp? {
        let monotonic = SystemClock.monotonicMicroseconds
        if readAt.map({ monotonic - $0 >= 1_000_000 }) ?? true {
            schedules = spool.schedules()
            readAt = monotonic
        }
        let seconds = now.microseconds / 1_000_000
        var earliest: Int64?
        for schedule in schedules where !schedule.isPaused {
            var last = spool.lastOccurrence(of: schedule)
            let due = dueOccurrences(schedule, after: last, through: seconds)
            if let latest = due.last {
                let chosen: ArraySlice<Int64>
                switch schedule.catchUp {
                case .all: chosen = due.prefix(ScheduleClock.batch)
                case .last: chosen = [latest]
                case .skip: chosen = seconds - latest <= ScheduleClock.missedAfterSeconds ? [latest] : []
                }
                for occurrence in chosen { enqueue(schedule, occurrence, now: now) }
                last = schedule.catchUp == .all ? (chosen.last ?? latest) : latest
                if last > spool.lastOccurrence(of: schedule) {
                    spool.setMarker(spool.lastOccurrencePath(schedule.name), to: Schedule.timeText(last))
                }
                if chosen.count < due.count && schedule.catchUp == .all { earliest = seconds; continue }
            }
            if let next = schedule.rule.next(after: max(last, seconds), in: schedule.zone) {
                earliest = min(earliest ?? next, next)
            }
        }
        return earliest.map { Timestamp(microseconds: $0 * 1_000_000) }
    }

    /// The occurrences in (`last`, `now`], oldest first. After a long stop only the most recent
    /// stretch is listed (a cap keeps a pass short); with catch-up `all` the rest follow in
    /// later passes, since the marker moves on only as far as what was enqueued.
    private func dueOccurrences(_ schedule: Schedule, after last: Int64, through now: Int64) -> [Int64] {
        guard let first = schedule.rule.next(after: last, in: schedule.zone), first <= now else { return [] }
        if schedule.catchUp != .all {
            // Only the latest matters: look back over growing windows, not over the whole gap.
            for window: Int64 in [3600, 2 * 86_400, 400 * 86_400] where now - window > last {
                let found = list(schedule, after: now - window, through: now, limit: 100_000)
                if !found.isEmpty { return Array(found.suffix(1)) }
            }
        }
        return list(schedule, after: last, through: now, limit: schedule.catchUp == .all ? ScheduleClock.batch + 1 : 100_000)
    }

    private func list(_ schedule: Schedule, after start: Int64, through end: Int64, limit: Int) -> [Int64] {
        var found: [Int64] = []
        var time = start
        while found.count < limit, let next = schedule.rule.next(after: time, in: schedule.zone), next <= end {
            found.append(next)
            time = next
        }
        return found
    }

    /// Enqueues one occurrence unless another worker already has, or (with no_overlap) the
    /// previous occurrence has not finished.
    private func enqueue(_ schedule: Schedule, _ occurrence: Int64, now: Timestamp) {
        let id = schedule.occurrenceID(occurrence)
        if spool.isReserved(id) { return }
        if schedule.noOverlap, let previous = spool.lastOccurrenceJob(of: schedule), previous != id,
           let state = spool.locate(previous)?.state, !state.isFinal {
            log("schedule \(schedule.name): skipped \(id): \(previous) is still \(state.rawValue) (no_overlap)")
            return
        }
        do {
            let record = try schedule.occurrence(occurrence, defaults: spool.jobDefaults(cwd: nil, now: now))
            try spool.enqueue([NewJob(record: record)])
            spool.setMarker(spool.lastJobPath(schedule.name), to: id.rawValue)
            log("schedule \(schedule.name): enqueued \(id)")
        } catch .duplicateID {
            return  // another worker won the reservation: a normal event
        } catch {
            log("schedule \(schedule.name): could not enqueue \(id): \(error)")
        }
    }
}
