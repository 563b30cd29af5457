// PrometheusText: /metrics in the Prometheus text exposition format (version 0.0.4): jobs per
// state and live workers as gauges, the totals of metrics.json as counters, and run durations as
// a histogram with cumulative `le` buckets, `_sum` and `_count`. Every family has # HELP and # TYPE.

import QueueCore

enum PrometheusText {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The exposition of one status snapshot.
    static func render(_ status: SpoolStatus) -> String {
        var lines: [String] = []
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(suffix: String, value: String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for sample in samples { lines.append(name + sample.suffix + " " + sample.value) }
        }
        family("queuectl_jobs", "gauge", "Jobs in each state.",
               JobState.allCases.map { ("{state=\"\($0.rawValue)\"}", String(status.counts[$0] ?? 0)) })
        family("queuectl_workers", "gauge", "Live workers.", [("", String(status.workers.count))])
        family("queuectl_group_running_jobs", "gauge", "Jobs of each group running now.",
               status.groups.map { ("{group=\"\($0.name)\"}", String($0.running)) })
        family("queuectl_group_pending_jobs", "gauge", "Jobs of each group in pending/ now.",
               status.groups.map { ("{group=\"\($0.name)\"}", String($0.pending)) })
        family("queuectl_group_limit", "gauge", "The most jobs of each limited group that may run at once.",
               status.groups.compactMap { group in group.limit.map { ("{group=\"\(group.name)\"}", String($0)) } })
        family("queuectl_group_paused", "gauge", "1 for a paused group.",
               status.groups.map { ("{group=\"\($0.name)\"}", $0.isPaused ? "1" : "0") })
        family("queuectl_quarantined_files", "gauge", "Files set aside as bad jobs.", [("", String(status.quarantined))])
        family("queuectl_oldest_pending_age_seconds", "gauge", "How long the longest-waiting ready job has waited.",
               [("", number(status.oldestPendingDue.map { max(0, status.takenAt.secondsSince($0)) } ?? 0))])
        let metrics = status.metrics
        family("queuectl_jobs_completed_total", "counter", "Runs that completed.", [("", String(metrics.completed))])
        family("queuectl_job_attempts_failed_total", "counter", "Runs that failed (each retry counts).",
               [("", String(metrics.failedAttempts))])
        family("queuectl_jobs_dead_total", "counter", "Jobs moved to the dead letter queue.", [("", String(metrics.dead))])

        var buckets: [(String, String)] = []
        var cumulative = 0
        for (index, bound) in Metrics.bucketBounds.enumerated() {
            cumulative += metrics.buckets[index]
            buckets.append(("_bucket{le=\"\(number(bound))\"}", String(cumulative)))
        }
        cumulative += metrics.buckets[Metrics.bucketBounds.count]
        buckets.append(("_bucket{le=\"+Inf\"}", String(cumulative)))
        buckets.append(("_sum", number(metrics.durationSum)))
        buckets.append(("_count", String(cumulative)))  // equal to +Inf, as the format requires
        family("queuectl_job_duration_seconds", "histogram", "Run time of finished runs.", buckets)
        return lines.joined(separator: "\n") + "\n"
    }

    /// `1`, `0.5`, `300`: whole numbers without a fraction, as Prometheus clients write them.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
