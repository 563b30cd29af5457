// Metrics: running totals in SPOOL/metrics.json (completed, failed attempts, dead, run times),
// updated under flock(2) by whoever finishes a run, so `status` and /metrics never read every job.
// Counters are best effort: losing one to a crash never touches a job.

import QueueSystem

/// Totals since the spool was created.
public struct Metrics: Sendable {
    public static let bucketBounds: [Double] = [0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800, 3600]
    public var completed = 0
    public var failedAttempts = 0
    public var dead = 0
    public var durationSum = 0.0
    public var durationCount = 0
    /// Cumulative-style buckets are derived when printed; here each bucket counts its own range.
    public var buckets = [Int](repeating: 0, count: Metrics.bucketBounds.count + 1)

    public var averageDuration: Double? { durationCount == 0 ? nil : durationSum / Double(durationCount) }

    var json: JSONValue {
        var object = JSONObject()
        object["completed_total"] = .number(JSONNumber(completed))
        object["failed_attempts_total"] = .number(JSONNumber(failedAttempts))
        object["dead_total"] = .number(JSONNumber(dead))
        object["duration_sum"] = .number(JSONNumber(durationSum.rounded(toPlaces: 6)))
        object["duration_count"] = .number(JSONNumber(durationCount))
        object["duration_buckets"] = .array(buckets.map { .number(JSONNumber($0)) })
        return .object(object)
    }

    init() {}

    init(json: JSONValue) {
        let object = json.objectValue ?? JSONObject()
        completed = object["completed_total"]?.intValue ?? 0
        failedAttempts = object["failed_attempts_total"]?.intValue ?? 0
        dead = object["dead_total"]?.intValue ?? 0
        durationSum = object["duration_sum"]?.doubleValue ?? 0
        durationCount = object["duration_count"]?.intValue ?? 0
        let stored = object["duration_buckets"]?.arrayValue?.compactMap(\.intValue) ?? []
        if stored.count == buckets.count { buckets = stored }
    }

    mutating func add(_ record: JobRecord) {
        switch record.state {
        case .completed: completed += 1
        case .failed: failedAttempts += 1
        case .dead:
            dead += 1
            if !record.isCancelled { failedAttempts += 1 }
        default: return
        }
        if let duration = record.durationSeconds {
            durationSum += duration
            durationCount += 1
            buckets[Metrics.bucketBounds.firstIndex { duration <= $0 } ?? Metrics.bucketBounds.count] += 1
        }
    }
}

extension Spool {
    /// Adds finished runs to the totals (a worker sends a batch: one locked rewrite for many).
    public func recordMetrics(_ records: some Sequence<JobRecord>) throws(SystemError) {
        let file = try FileDescriptor.open(metricsPath, [.readWrite, .create], mode: 0o600)
        try file.closeAfter { file throws(SystemError) in
            _ = try file.lockExclusive(wait: true)
            let bytes = try file.readAll(limit: 1 << 20, path: metricsPath)
            var metrics = (try? parseJSON(bytes)).map(Metrics.init(json:)) ?? Metrics()
            for record in records { metrics.add(record) }
            // Overwritten in place and padded with spaces (valid JSON) rather than truncated:
            // on ext4 a truncate to zero forces the file's data to disk, an fsync we do not need.
            var text = Array((encodeJSON(metrics.json) + "\n").utf8)
            if text.count < bytes.count { text += [UInt8](repeating: 0x20, count: bytes.count - text.count) }
            try file.seek(to: 0)
            try file.writeAll(text, path: metricsPath)
        }
    }

    public func readMetrics() -> Metrics {
        guard let bytes = try? Spool.readRegularFile(metricsPath, limit: 1 << 20),
              let value = try? parseJSON(bytes) else { return Metrics() }
        return Metrics(json: value)
    }
}

