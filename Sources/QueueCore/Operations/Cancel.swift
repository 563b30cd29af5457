// Cancel: a pending or failed job is claimed (so no worker can start it meanwhile) and moved
// to dead/ with last_error "cancelled"; `dlq retry` brings it back. A running job gets a
// request file SPOOL/cancel/ID, and its worker (woken by SIGUSR1 on this host, or by its
// once-a-second check from another host) kills the run's process group and records it dead.

import QueueSystem

/// What `cancel` did.
public enum CancelOutcome: Sendable, Equatable {
    /// The job was pending or failed and is now in dead/.
    case cancelled
    /// The job is running; its worker was asked to stop it.
    case requested(worker: String)
}

extension Spool {
    public var cancelRequests: String { root + "/cancel" }

    public func cancel(_ idText: String, now: Timestamp = .now()) throws(QueueError) -> CancelOutcome {
        var adoptionWaits = 0
        var looks = 0
        while looks < 5 {  // the job may move while we act; look again
            looks += 1
            let (location, record) = try job(idText)
            switch location.state {
            case .completed, .dead:
                throw .alreadyFinished(record.id, location.state)
            case .processing:
                let worker = location.name.worker ?? "?"
                do {
                    try FileSystem.makeDirectory(cancelRequests)
                    let request = cancelRequests + "/" + record.id.rawValue
                    if !FileSystem.exists(request) {
                        try writeFile(Array("\(now.iso8601)\n".utf8), at: request, sync: false)
                    }
                } catch { throw .system(error) }
                if let owner = workerRecords().first(where: { $0.record.id == worker && $0.isAlive }),
                   owner.record.host == CurrentProcess.hostName {
                    Signals.send(.user1, to: owner.record.pid)
                }
                return .requested(worker: worker)
            case .pending, .failed:
                if location.name.isDrop {
                    // Not adopted yet: adopt it first (a worker may be doing so this very moment,
                    // and claiming the drop itself would leave its copy running), then look again.
                    if case .notReady = adoptDroppedFile(location.name.text, now: .now()),
                       adoptionWaits < Int(Spool.adoptionGraceSeconds * 1000 / 20) + 50 {
                        // Another adopter is publishing it (or the file is still being written):
                        // wait for that, for a little longer than the adoption grace.
                        adoptionWaits += 1
                        looks -= 1
                        SystemClock.sleep(milliseconds: 20)
                    }
                    continue
                }
                let claim = FileName.processing(id: record.id, worker: "cancel-" + WorkerRecord.makeID(host: CurrentProcess.hostName, pid: CurrentProcess.pid))
                do {
                    try take(location.name, as: claim)
                } catch where error.isNotFound {
                    continue
                } catch {
                    throw .system(error)
                }
                var cancelled = record
                cancelled.cancel(.requested, now: now)
                do {
                    try rewrite(cancelled, at: claim)
                    _ = try transfer(cancelled, from: claim)
                } catch { throw .system(error) }
                try? recordMetrics(CollectionOfOne(cancelled))
                return .cancelled
            }
        }
        throw .unknownJob(idText)
    }

    /// True when someone asked to cancel the running job `id`.
    func isCancelRequested(_ id: JobID) -> Bool {
        FileSystem.exists(cancelRequests + "/" + id.rawValue)
    }

    public func clearCancelRequest(_ id: JobID) {
        try? FileSystem.unlink(cancelRequests + "/" + id.rawValue)
    }
}

/// How the cancel of a running job ended.
public enum CancelEnding: Sendable, Equatable {
    /// It had gone back to the queue (a forced stop, a lost run) and was cancelled there.
    case cancelledInQueue
    /// Its worker killed its process group and recorded it dead.
    case cancelledWhileRunning
    /// It finished (in this state) before it could be cancelled.
    case finished(JobState)
    /// Still running when the time was up; the request stays for its worker.
    case stillRunning(worker: String)
}

extension Spool {
    /// Waits until the workers of `running` (ids with the worker each runs on) have recorded
    /// their cancels, at most `stop_grace_sec` + 10 seconds; returns how each ended.
    public func awaitCancellations(_ running: [(id: JobID, worker: String)]) -> [(id: JobID, ending: CancelEnding)] {
        var waiting = running
        var endings: [(id: JobID, ending: CancelEnding)] = []
        let deadline = SystemClock.monotonicMicroseconds + Int64((config.stopGraceSeconds + 10) * 1_000_000)
        while !waiting.isEmpty {
            waiting.removeAll { job in
                guard let location = locate(job.id), location.state != .processing else { return false }
                switch location.state {
                case .pending, .failed:
                    guard (try? cancel(job.id.rawValue)) == .cancelled else { return false }
                    clearCancelRequest(job.id)
                    endings.append((job.id, .cancelledInQueue))
                case .dead:
                    endings.append((job.id, .cancelledWhileRunning))
                default:
                    endings.append((job.id, .finished(location.state)))
                }
                return true
            }
            if waiting.isEmpty { break }
            if SystemClock.monotonicMicroseconds > deadline {
                endings += waiting.map { ($0.id, .stillRunning(worker: $0.worker)) }
                break
            }
            SystemClock.sleep(milliseconds: 50)
        }
        return endings
    }
}
