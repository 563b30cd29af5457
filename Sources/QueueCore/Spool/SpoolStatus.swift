// SpoolStatus: the numbers `status` and the dashboard show, computed from folder listings,
// the worker records and the metrics file. The groups' running counts read the claims in
// processing/ (one a worker); their pending counts read each pending file once, and only on a
// spool that uses groups other than `default` (see `groupStatuses`).

import QueueSystem

/// A snapshot of the spool.
public struct SpoolStatus: Sendable {
    public var counts: [JobState: Int] = [:]
    public var workers: [(record: WorkerRecord, currentJob: JobID?)] = []
    public var staleWorkers = 0
    /// The due time of the longest-waiting ready pending job.
    public var oldestPendingDue: Timestamp?
    public var nextRetry: Timestamp?
    public var metrics = Metrics()
    public var quarantined = 0
    public var isPaused = false
    /// Groups with settings or running or pending jobs, with their limits and counts.
    public var groups: [GroupStatus] = []
    public var takenAt = Timestamp.now()
    /// What the workers keep of completed/ and dead/ (`keep_completed`, `keep_dead`).
    public var retention: [JobState: Retention] = [:]

    /// The JSON of `status --json` and `/api/status`.
    public var json: JSONValue {
        var jobs = JSONObject()
        for state in JobState.allCases { jobs[state.rawValue] = .number(JSONNumber(counts[state] ?? 0)) }
        var object = JSONObject()
        object["jobs"] = .object(jobs)
        object["workers"] = .array(workers.map { worker, job in
            guard case .object(var fields) = worker.json else { return worker.json }
            fields["current_job"] = job.map { .string($0.rawValue) } ?? .null
            fields["heartbeat_age_sec"] = .number(JSONNumber(takenAt.secondsSince(worker.heartbeat).rounded(toPlaces: 3)))
            return .object(fields)
        })
        object["paused"] = .bool(isPaused)
        object["groups"] = .array(groups.map(\.json))
        object["quarantined"] = .number(JSONNumber(quarantined))
        object["oldest_pending_age_sec"] = oldestPendingDue.map {
            .number(JSONNumber(max(0, takenAt.secondsSince($0)).rounded(toPlaces: 3)))
        } ?? .null
        object["next_retry_at"] = nextRetry.map { .string($0.iso8601) } ?? .null
        var kept = JSONObject()
        for state in [JobState.completed, .dead] { kept[state.rawValue] = .string((retention[state] ?? .all).text) }
        object["retention"] = .object(kept)
        var totals = JSONObject()
        totals["completed"] = .number(JSONNumber(metrics.completed))
        totals["failed_attempts"] = .number(JSONNumber(metrics.failedAttempts))
        totals["dead"] = .number(JSONNumber(metrics.dead))
        totals["average_run_sec"] = metrics.averageDuration.map { .number(JSONNumber($0.rounded(toPlaces: 3))) } ?? .null
        object["metrics"] = .object(totals)
        return .object(object)
    }
}

extension Spool {
    public var isPaused: Bool { FileSystem.exists(pausedPath) }

    /// Counts and times from the folder listings alone: names are compared as bytes (their
    /// fields are fixed width), so a million pending jobs cost one readdir pass and no allocation.
    /// A reader that polls passes one `groupCache` to every call: each poll then reads only the
    /// pending files that arrived since the last (see PendingGroupCache).
    public func status(groupCache: PendingGroupCache? = nil) -> SpoolStatus {
        var status = SpoolStatus()
        for state in [JobState.completed, .dead] { status.retention[state] = config.retention(of: state) }
        let now = Array(status.takenAt.compact.utf8)
        var oldestDue: [UInt8]?
        var nextRetry: [UInt8]?
        var pendingCount = 0, failedCount = 0
        try? FileSystem.forEachRawName(in: folder(.pending)) { name in
            pendingCount += 1
            guard let due = FileName.dueBytes(ofPending: name) else { return }
            guard !now.lexicographicallyPrecedes(due) else { return }  // scheduled, not waiting yet
            if oldestDue.map({ due.lexicographicallyPrecedes($0) }) ?? true { oldestDue = Array(due) }
        }
        try? FileSystem.forEachRawName(in: folder(.failed)) { name in
            failedCount += 1
            guard let retry = FileName.retryBytes(ofFailed: name) else { return }
            if nextRetry.map({ retry.lexicographicallyPrecedes($0) }) ?? true { nextRetry = Array(retry) }
        }
        status.oldestPendingDue = oldestDue.flatMap { Timestamp(compact: String(decoding: $0, as: UTF8.self)) }
        status.nextRetry = nextRetry.flatMap { Timestamp(compact: String(decoding: $0, as: UTF8.self)) }
        var claims: [String: JobID] = [:]
        status.counts[.pending] = pendingCount
        status.counts[.failed] = failedCount
        for state in [JobState.processing, .completed, .dead] {
            status.counts[state] = (try? FileSystem.countNames(in: folder(state))) ?? 0
        }
        try? FileSystem.forEachName(in: folder(.processing)) { text in
            if let name = FileName(parsing: text, in: .processing), let worker = name.worker { claims[worker] = name.id }
        }
        for (record, isAlive) in workerRecords() {
            if isAlive { status.workers.append((record, claims[record.id])) } else { status.staleWorkers += 1 }
        }
        status.metrics = readMetrics()
        status.quarantined = quarantineCount()
        status.isPaused = isPaused
        status.groups = groupStatuses(pendingTotal: pendingCount, cache: groupCache)
        return status
    }

    /// Jobs of one state in display order: pending in run order, failed by retry time,
    /// processing by id, completed and dead newest first. Reads only the files it returns;
    /// with a limit, keeps only that many names while listing (no sort of the whole folder).
    public func list(_ state: JobState, limit: Int?) -> [JobRecord] {
        // A few spare names, for files that turn out unreadable or move away meanwhile.
        let capacity = limit.map { $0 + 8 } ?? Int.max
        var names: [String]
        if state.isFinal {
            var newest = SmallestElements<(modified: Int64, text: String)>(capacity: capacity) {
                $0.modified != $1.modified ? $0.modified > $1.modified : $0.text < $1.text
            }
            try? FileSystem.forEachName(in: folder(state)) { text in
                let modified = (try? FileSystem.linkStatus(folder(state) + "/" + text).modified.microseconds) ?? 0
                newest.offer((modified, text))
            }
            names = newest.items.map(\.text)
        } else {
            var first = SmallestElements<[UInt8]>(capacity: capacity) { $0.lexicographicallyPrecedes($1) }
            try? FileSystem.forEachRawName(in: folder(state)) { name in
                if first.isFull, let last = first.items.last, !name.lexicographicallyPrecedes(last) { return }
                first.offer(Array(name))
            }
            names = first.items.map { String(decoding: $0, as: UTF8.self) }
        }
        var records: [JobRecord] = []
        for text in names {
            if let limit, records.count >= limit { break }
            if let name = FileName(parsing: text, in: state), let record = try? readJob(name) {
                records.append(record)
            } else if state == .pending, let record = droppedRecord(text) {
                records.append(record)
            }
        }
        return records
    }

    /// A file dropped into pending/ and not yet adopted, shown as the job it will become.
    func droppedRecord(_ text: String) -> JobRecord? {
        guard let bytes = try? Spool.readRegularFile(folder(.pending) + "/" + text, limit: config.maxJobBytes),
              var record = try? JobRecord.parse(bytes, defaults: jobDefaults(cwd: nil),
                                                generateID: { JobID(rawValue: String(text.dropLast(5))) ?? JobID(rawValue: "dropped")! })
        else { return nil }
        record.state = .pending
        return record
    }
}

/// The `capacity` first elements of a sequence in a given order, kept sorted as they arrive.
struct SmallestElements<Element> {
    let capacity: Int
    let areInOrder: (Element, Element) -> Bool
    private(set) var items: [Element] = []

    init(capacity: Int, by areInOrder: @escaping (Element, Element) -> Bool) {
        self.capacity = capacity
        self.areInOrder = areInOrder
    }

    var isFull: Bool { items.count >= capacity }

    mutating func offer(_ element: Element) {
        if isFull, let last = items.last, !areInOrder(element, last) { return }
        var low = 0, high = items.count
        while low < high {
            let middle = (low + high) / 2
            if areInOrder(items[middle], element) { low = middle + 1 } else { high = middle }
        }
        items.insert(element, at: low)
        if items.count > capacity { items.removeLast() }
    }
}
