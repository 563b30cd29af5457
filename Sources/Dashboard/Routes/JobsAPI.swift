// JobsAPI: the JSON API under /api: the status snapshot (exactly `status --json`), job listings,
// one job with its output tail, and retrying a dead job. Errors are `{"error": "..."}` with
// 400 (bad parameter), 404 (no such job) or 409 (the job is not dead).

import QueueCore

/// The handlers of the /api routes, over one spool.
struct JobsAPI: Sendable {
    let spool: Spool
    let groupCache: PendingGroupCache

    static let defaultLimit = 100
    static let maximumLimit = 10_000
    /// Lines of captured output in a job's `output_tail`.
    static let tailLines = 200

    /// GET /api/status
    func status() -> HTTPResponse {
        .json(spool.status(groupCache: groupCache).json)
    }

    /// GET /api/jobs?state=S&limit=N: records of one state (or of all, in state order).
    func jobs(_ query: [String: String]) -> HTTPResponse {
        var states = JobState.allCases
        if let text = query["state"] {
            guard let state = JobState(argument: text) else {
                return .jsonError(.badRequest, "Unknown state '\(text)': expected one of pending, processing, failed, completed, dead.")
            }
            states = [state]
        }
        var limit = JobsAPI.defaultLimit
        if let text = query["limit"] {
            guard let value = Int(text), (0...JobsAPI.maximumLimit).contains(value) else {
                return .jsonError(.badRequest, "Invalid limit '\(text)': expected a number from 0 to \(JobsAPI.maximumLimit).")
            }
            limit = value
        }
        var records: [JobRecord] = []
        for state in states where records.count < limit {
            records += spool.list(state, limit: limit - records.count)
        }
        return .json(.array(records.map(\.json)))
    }

    /// GET /api/jobs/ID: the record with an `output_tail` string (the last lines of its output).
    func job(_ id: String) throws(QueueError) -> HTTPResponse {
        do {
            let (_, record) = try spool.job(id)
            guard case .object(var fields) = record.json else { return .json(record.json) }
            let tail = spool.logTail(record.id, lines: JobsAPI.tailLines)
            fields["output_tail"] = .string(tail.map { $0 + "\n" }.joined())
            return .json(.object(fields))
        } catch .unknownJob {
            return .jsonError(.notFound, QueueError.unknownJob(id).description)
        }
    }

    /// POST /api/jobs/ID/retry: dead → pending with attempts reset, as `dlq retry` does.
    func retry(_ id: String) throws(QueueError) -> HTTPResponse {
        do {
            let retried = try spool.retryDead(id)
            return .json(.object(["id": .string(retried.rawValue), "state": .string(JobState.pending.rawValue)]))
        } catch .unknownJob {
            return .jsonError(.notFound, QueueError.unknownJob(id).description)
        } catch .wrongState(let job, let state, let expected) {
            return .jsonError(.conflict, QueueError.wrongState(job, state, expected: expected).description)
        }
    }
}
