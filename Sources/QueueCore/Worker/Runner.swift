// Runner: one run of one job. Starts `/bin/sh -c COMMAND` (see Spawn), copies its output into
// SPOOL/logs/ID.log (bounded to the last `max_log_bytes`; created at the first byte of output, so
// a silent job costs no file), enforces the timeout with SIGTERM to
// the process group and SIGKILL after a grace period, and reports how the run ended. A run keeps
// the settings it started with (`settings`): a `config set` during it applies to the next run.

import QueueSystem

/// A running job: the child, its output pipe and its log.
public final class Run {
    public let child: ChildProcess
    public let output: FileDescriptor
    public let startedAt: Timestamp
    let startedMonotonic: Int64
    let logPath: String
    /// The spool's settings when the run started: its timeout, log bound, stop grace and failure
    /// policy stay these whatever `config set` does meanwhile.
    public let settings: Config
    var maxLogBytes: Int { settings.maxLogBytes }
    private var log: FileDescriptor?
    private var logSize = 0
    /// "--- run R (attempt N) started ... ---", written before the run's first output.
    private var header: [UInt8]?
    /// When the timeout (or a stop) sent SIGTERM; SIGKILL follows after the grace period.
    public private(set) var terminatedAt: Int64?
    public private(set) var timedOut = false
    /// The output pipe reached end of file: nothing more to poll it for (the exit comes as SIGCHLD).
    public private(set) var outputEnded = false
    public var deadline: Int64?

    /// The worker's environment as jobs inherit it: without the variables each run sets itself.
    public static func inheritedEnvironment() -> [String] {
        CurrentProcess.environment.filter { !$0.hasPrefix("QUEUECTL_JOB_ID=") && !$0.hasPrefix("QUEUECTL_ATTEMPT=") }
    }

    /// Starts the job's command in `environment` (see `inheritedEnvironment`) plus the job's own
    /// variables. Throws when it cannot be started (bad cwd, no /bin/sh...).
    public init(record: JobRecord, attempt: Int, worker: String, spool: Spool, environment inherited: [String],
                now: Timestamp) throws(SystemError) {
        logPath = spool.logPath(of: record.id)
        settings = spool.config
        let pipe = try FileDescriptor.pipe()
        var environment = inherited
        for (name, value) in record.environment {
            environment.removeAll { $0.hasPrefix(name + "=") }
            environment.append(name + "=" + value)
        }
        environment.append("QUEUECTL_JOB_ID=" + record.id.rawValue)
        environment.append("QUEUECTL_ATTEMPT=\(attempt)")
        do {
            child = try Spawn.start(["/bin/sh", "-c", record.command], environment: environment,
                                    directory: record.cwd, output: pipe.write, newProcessGroup: true)
        } catch {
            pipe.read.close()
            pipe.write.close()
            throw error
        }
        pipe.write.close()
        try? pipe.read.setNonBlocking()
        output = pipe.read
        startedAt = now
        startedMonotonic = SystemClock.monotonicMicroseconds
        if let timeout = record.timeoutSeconds ?? settings.timeoutSeconds {
            deadline = startedMonotonic + Int64(timeout * 1_000_000)
        }
        // The run number tells apart runs whose attempts restarted at 1 (dlq retry, requeue).
        header = Array("--- run \(max(record.runs, attempt)) (attempt \(attempt)) started \(now.iso8601) on \(worker) ---\n".utf8)
    }

    /// Copies whatever the child has written so far into the log. Returns false at end of output.
    @discardableResult
    public func drainOutput() -> Bool {
        guard !outputEnded else { return false }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64 * 1024) { buffer in
            while true {
                let count: Int
                do throws(SystemError) {
                    count = try output.read(into: UnsafeMutableRawBufferPointer(buffer))
                } catch {
                    // A non-blocking pipe with nothing in it yet: more may come.
                    if error.errno == .resourceTemporarilyUnavailable { return true }
                    count = 0
                }
                if count > 0 {
                    append(UnsafeBufferPointer(rebasing: buffer[0..<count]))
                    continue
                }
                outputEnded = true
                return false
            }
        }
    }

    private func append(_ bytes: some Collection<UInt8>) {
        if let header {
            self.header = nil
            log = try? FileDescriptor.open(logPath, [.writeOnly, .create, .append], mode: 0o600)
            logSize = (try? log?.status().size) ?? 0
            append(header)
        }
        guard let log else { return }
        do {
            try log.writeAll(bytes, path: logPath)
            logSize += bytes.count
        } catch {
            // A full disk must not stop the run: the output is dropped, the job goes on.
            return
        }
        if logSize > 2 * maxLogBytes { trimLog() }
    }

    /// Keeps the last `maxLogBytes` of the log: the tail is copied to a new file that replaces it.
    func trimLog() {
        guard let bytes = try? Spool.readRegularFile(logPath, limit: 4 * maxLogBytes + (1 << 20)) else { return }
        let tail = Array(bytes.suffix(maxLogBytes))
        let temporary = logPath + ".trim"
        do {
            let file = try FileDescriptor.open(temporary, [.writeOnly, .create, .truncate], mode: 0o600)
            try file.closeAfter { file throws(SystemError) in try file.writeAll(tail) }
            try FileSystem.rename(temporary, to: logPath)
            log?.close()
            log = try FileDescriptor.open(logPath, [.writeOnly, .append])
            logSize = tail.count
        } catch {
            try? FileSystem.unlink(temporary)
        }
    }

    /// Sends SIGTERM to the whole process group (a timeout, a cancel or a forced stop).
    public func terminate(timedOut: Bool) {
        if terminatedAt == nil {
            terminatedAt = SystemClock.monotonicMicroseconds
            self.timedOut = self.timedOut || timedOut
            Signals.sendToGroup(.terminate, group: child.pid)
        }
    }

    /// The stop grace of the run's settings.
    public var graceSeconds: Double { settings.stopGraceSeconds }

    /// What a failure of this run means (backoff, permanent exit codes), as set when it started.
    public var failurePolicy: FailurePolicy {
        FailurePolicy(backoff: Backoff(config: settings), permanentExitCodes: settings.permanentExitCodes)
    }

    /// SIGKILL to the process group once the grace period after SIGTERM has passed.
    public func enforce(graceSeconds: Double, now: Int64) {
        if let deadline, terminatedAt == nil, now >= deadline { terminate(timedOut: true) }
        if let terminatedAt, now >= terminatedAt + Int64(graceSeconds * 1_000_000) {
            Signals.sendToGroup(.kill, group: child.pid)
        }
    }

    /// The next moment `enforce` has something to do, in monotonic microseconds.
    public func nextEnforcement(graceSeconds: Double) -> Int64? {
        if let terminatedAt { return terminatedAt + Int64(graceSeconds * 1_000_000) }
        return deadline
    }

    /// After the child ended: the rest of its output, the log closed and trimmed, the duration.
    public func finish() -> Double {
        drainOutput()
        output.close()
        if logSize > maxLogBytes { trimLog() }
        log?.close()
        return Double(SystemClock.monotonicMicroseconds - startedMonotonic) / 1_000_000
    }
}

