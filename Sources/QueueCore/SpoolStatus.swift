// SpoolStatus: the numbers `status` and the dashboard show, computed from folder listings,
// the worker records and the metrics file, never by reading job files.

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
    public var takenAt = Timestamp.now()

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
        object["quarantined"] = .number(JSONNumber(quarantined))
        object["oldest_pending_age_sec"] = oldestPendingDue.map {
            .number(JSONNumber(max(0, takenAt.secondsSince($0)).rounded(toPlaces: 3)))
        } ?? .null
        object["next_retry_at"] = nextRetry.map { .string($0.iso8601) } ?? .null
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
    public var isPaused: Bool { FileSystem.exists(root + "/paused") }

    public func status() -> SpoolStatus {
        var status = SpoolStatus()
        let now = status.takenAt
        var claims: [String: JobID] = [:]
        for state in JobState.allCases {
            var count = 0
            try? FileSystem.forEachName(in: folder(state)) { text in
                count += 1
                switch state {
                case .pending:
                    if let due = FileName(parsing: text, in: .pending)?.due, due <= now {
                        status.oldestPendingDue = min(status.oldestPendingDue ?? due, due)
                    }
                case .failed:
                    if let due = FileName(parsing: text, in: .failed)?.due {
                        status.nextRetry = min(status.nextRetry ?? due, due)
                    }
                case .processing:
                    if let name = FileName(parsing: text, in: .processing), let worker = name.worker {
                        claims[worker] = name.id
                    }
                default: break
                }
            }
            status.counts[state] = count
        }
        for (record, isAlive) in workerRecords() {
            if isAlive { status.workers.append((record, claims[record.id])) } else { status.staleWorkers += 1 }
        }
        status.metrics = readMetrics()
        status.quarantined = quarantineCount()
        status.isPaused = isPaused
        return status
    }

    /// Jobs of one state in display order: pending in run order, failed by retry time,
    /// processing by id, completed and dead newest first. Reads only the files it returns.
    public func list(_ state: JobState, limit: Int?) -> [JobRecord] {
        var names: [(text: String, key: Int64)] = []
        try? FileSystem.forEachName(in: folder(state)) { text in
            if state.isFinal {
                let modified = (try? FileSystem.linkStatus(folder(state) + "/" + text).modified.microseconds) ?? 0
                names.append((text, -modified))
            } else {
                names.append((text, 0))
            }
        }
        names.sort { $0.key != $1.key ? $0.key < $1.key : $0.text.utf8.lexicographicallyPrecedes($1.text.utf8) }
        var records: [JobRecord] = []
        for (text, _) in names {
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
