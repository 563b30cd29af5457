// Enqueue: validates jobs completely before anything is written, reserves their ids, then publishes.
// All-or-nothing on validation and on id conflicts; the fsyncs of several jobs are grouped (one
// syncfs for the files, one fsync per folder). A batch from a file streams: see BatchEnqueue.

import QueueSystem

/// A job to add, as decoded from the command line or a JSON Lines batch.
public struct NewJob: Sendable {
    public var record: JobRecord
    /// With `unique`, an existing id is not an error: nothing is written and the id is reported.
    public var isUnique: Bool
    public init(record: JobRecord, isUnique: Bool = false) {
        self.record = record
        self.isUnique = isUnique
    }
}

/// What happened to one job of an enqueue.
public enum EnqueueOutcome: Sendable, Equatable {
    case added(JobID)
    case alreadyExists(JobID)
    public var id: JobID {
        switch self { case .added(let id), .alreadyExists(let id): id }
    }
}

extension Spool {
    /// The defaults a new job takes from this spool's config and the caller.
    public func jobDefaults(cwd: String?, now: Timestamp = .now()) -> JobRecord.Defaults {
        JobRecord.Defaults(maxRetries: config.maxRetries, cwd: cwd, now: now)
    }

    /// Decodes one JSON job given by a user; the id is generated when missing. Stricter than a
    /// dropped file, because a person is there to fix it: a field name one typo away from a known
    /// one is refused (`priorty`), and so is a record larger than a worker reads (`max_job_bytes`).
    public func decodeNewJob(_ value: JSONValue, defaults: JobRecord.Defaults) throws(QueueError) -> NewJob {
        if let object = value.objectValue {
            let typos = object.keys.compactMap { key in JobRecord.likelyTypo(key).map { (key, $0) } }
            if !typos.isEmpty {
                throw .invalidJob(typos.map { FieldProblem(wholeMessage: "unknown field '\($0.0)'; did you mean '\($0.1)'?") })
            }
        }
        var record = try JobRecord.decode(value, defaults: defaults, generateID: { JobID.generate(now: defaults.now) })
        let size = record.fileBytes.count
        if size > config.maxJobBytes {
            throw .invalidJob([FieldProblem(wholeMessage: "the job is \(size) bytes as a file, more than max_job_bytes (\(config.maxJobBytes)): a worker would set it aside unrun. Pass large data in a file the command reads, or raise max_job_bytes.")])
        }
        if record.state != .pending {
            throw .invalidJob([FieldProblem("state", "must be \"pending\" (or left out) for a new job, got \"\(record.state.rawValue)\"")])
        }
        record.updatedAt = defaults.now
        let unique = value.objectValue?["unique"]?.boolValue ?? false
        return NewJob(record: record, isUnique: unique)
    }

    /// Reads a JSON Lines batch held in memory: one job per non-blank line. Every line is checked,
    /// and all problems are reported with their line numbers. (`enqueue --file` streams instead:
    /// see BatchEnqueue; this form serves the library's callers and the fuzz target.)
    public func decodeBatch(_ bytes: [UInt8], defaults: JobRecord.Defaults) throws(QueueError) -> [NewJob] {
        var jobs: [NewJob] = []
        var problems: [(line: Int, problem: String)] = []
        var seen: [JobID: Int] = [:]
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            lineNumber += 1
            let line = bytes[start..<end]
            start = end + 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            // Each line a microsecond younger than the last: the batch keeps its order.
            var lineDefaults = defaults
            lineDefaults.now = defaults.now.adding(seconds: Double(jobs.count) / 1_000_000)
            switch decodeBatchLine(line, defaults: lineDefaults) {
            case .failure(let messages):
                problems += messages.map { (lineNumber, $0) }
            case .success(let job):
                if let first = seen[job.record.id] {
                    if !job.isUnique { problems.append((lineNumber, "duplicate id '\(job.record.id)' (first on line \(first))")) }
                    continue
                }
                seen[job.record.id] = lineNumber
                jobs.append(job)
            }
            if problems.count >= 100 { break }
        }
        if !problems.isEmpty { throw .invalidBatch(problems) }
        if jobs.isEmpty { throw .invalidBatch([(max(lineNumber, 1), "no jobs: the input is empty")]) }
        return jobs
    }

    /// Checks that every `after` id names a job of this spool (or one that completed and was
    /// purged since) or of the same batch, and that no
    /// job waits for itself, directly or around a cycle within the batch (it could never run).
    func checkDependencies(_ jobs: [NewJob]) throws(QueueError) {
        var graph: [JobID: [JobID]] = [:]
        for job in jobs { graph[job.record.id] = job.record.after }
        for job in jobs {
            for dependency in job.record.after where graph[dependency] == nil && !isReserved(dependency)
                && purgedState(of: dependency) != .completed {
                throw .unknownDependency(dependency)
            }
        }
        // Depth-first search for a cycle among the batch's jobs (existing jobs cannot name new ones).
        var finished: Set<JobID> = []
        var onPath: Set<JobID> = []
        func visit(_ id: JobID) throws(QueueError) {
            if finished.contains(id) { return }
            if onPath.contains(id) {
                throw .invalidJob([FieldProblem("after", "job '\(id)' would wait for itself (a dependency cycle)")])
            }
            onPath.insert(id)
            for dependency in graph[id] ?? [] where graph[dependency] != nil { try visit(dependency) }
            onPath.remove(id)
            finished.insert(id)
        }
        for job in jobs { try visit(job.record.id) }
    }

    /// For `--unique`: reserves `id` (true), or finds the job that holds it (false). A reservation
    /// is made before its job is published, so a racer's job may take a moment to appear; one
    /// released meanwhile (its enqueue failed) is reserved again. "Already exists" is only said
    /// of a job that was found.
    func reserveUnlessFound(_ id: JobID, for name: FileName, nonce: String = Spool.nonce()) throws(QueueError) -> Bool {
        let deadline = SystemClock.monotonicMicroseconds + 5_000_000
        while true {
            do {
                try reserve(id, for: name, nonce: nonce)
                return true
            } catch .duplicateID {
                if locate(id) != nil { return false }
            }
            if SystemClock.monotonicMicroseconds > deadline {
                throw .timedOut("waiting for job '\(id)': its id is reserved (\(ids)/\(id)) by an enqueue that has not published it; 'queuectl doctor --fix' releases a reservation left by an interrupted enqueue")
            }
            SystemClock.sleep(milliseconds: 50)
        }
    }

    /// Adds jobs. All ids are reserved first; if one is taken (and not `unique`), every reservation
    /// made is released and nothing is written. Then the files are written to tmp/, made durable
    /// together, and renamed into pending/.
    @discardableResult
    public func enqueue(_ jobs: [NewJob]) throws(QueueError) -> [EnqueueOutcome] {
        try checkDependencies(jobs)
        var outcomes: [EnqueueOutcome] = []
        var records: [JobRecord] = []
        for job in jobs {
            let name = FileName.make(for: job.record)
            do {
                if job.isUnique, try !reserveUnlessFound(job.record.id, for: name) {
                    outcomes.append(.alreadyExists(job.record.id))
                    continue
                }
                if !job.isUnique { try reserve(job.record.id, for: name) }
                records.append(job.record)
                outcomes.append(.added(job.record.id))
            } catch {
                for record in records { release(record.id) }
                throw error
            }
        }
        CrashPoint.check("enqueue-after-reserve")
        for group in Set(records.map(\.group)) { markGroup(group) }
        let publisher = self.publisher
        let written = records.map { (temporary: publisher.temporaryPath(), name: FileName.make(for: $0)) }
        var published = 0
        do {
            let durable = config.isDurable
            let single = records.count == 1
            for (record, file) in zip(records, written) {
                try Publisher.createFile(record.fileBytes, at: file.temporary, sync: durable && single)
            }
            if durable && !single {
                // One syncfs (where it reaches the disk) makes every file of the batch durable
                // before any rename.
                try FileSystem.syncFiles(written.map(\.temporary))
            }
            for (temporary, name) in written {
                try FileSystem.renameNoReplace(temporary, to: path(name))
                published += 1
            }
            if durable {
                // The ids/ reservations were made before the renames: on journaling file systems
                // (ext4, XFS) this one fsync commits them too. Where it does not, a lost
                // reservation is found and restored by `doctor --fix`.
                try FileSystem.syncDirectory(folder(.pending))
            }
        } catch {
            // Nothing half-done stays: every job not published loses its temporary file (if it
            // got one) and its id reservation.
            for (temporary, name) in written.dropFirst(published) {
                try? FileSystem.unlink(temporary)
                release(name.id)
            }
            throw .system(error)
        }
        return outcomes
    }
}

