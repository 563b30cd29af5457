// WorkerPool: `worker start --count N` runs N worker processes of this same binary and waits
// for them, passing on SIGTERM/SIGINT (graceful) and SIGQUIT (forced). `--detach` starts them
// in a new session and returns once each has registered (so a `worker stop` straight after finds
// them all), or stops them and says which failed. `worker stop` finds live workers through their records and
// signals them by pid, which their flock proves is still theirs.

import QueueSystem

/// Starting and stopping groups of worker processes.
public enum WorkerPool {
    /// Starts `count` workers as child processes; with `detach` they outlive this process.
    /// Their output goes to SPOOL/logs/worker.log when detached.
    public static func spawn(count: Int, spool: Spool, detach: Bool, groups: [String]? = nil) throws(QueueError) -> [ChildProcess] {
        let executable = CurrentProcess.executablePath
        var children: [ChildProcess] = []
        var output: FileDescriptor?
        if detach {
            WorkerLog.rotate(WorkerLog.path(in: spool))
            do {
                output = try FileDescriptor.open(WorkerLog.path(in: spool), [.writeOnly, .create, .append], mode: 0o600)
            } catch { throw .system(error) }
        }
        defer { output?.close() }
        for _ in 0..<count {
            do {
                let child = try Spawn.start(
                    [executable, "worker", "start", "--count", "1", "--spool", spool.root]
                        + (groups.map { ["--group", $0.joined(separator: ",")] } ?? []),
                    environment: CurrentProcess.environment, directory: nil,
                    output: detach ? output : .standardOutput, newProcessGroup: true, newSession: detach)
                children.append(child)
            } catch {
                for child in children { Signals.send(.terminate, to: child.pid) }
                throw .system(error)
            }
        }
        return children
    }

    /// `worker start --detach`: starts `count` workers in the background and returns their pids
    /// once every one of them is registered in workers/ (its signals set up, its flock held: a
    /// `worker stop` now finds and stops it). When one exits first, or `timeout` passes, the
    /// others are stopped too and the error names what failed, with the worker log's last lines.
    public static func startDetached(count: Int, spool: Spool, groups: [String]? = nil, timeout: Double = 60) throws(QueueError) -> [Int32] {
        let logPath = WorkerLog.path(in: spool)
        let logStart = (try? FileSystem.linkStatus(logPath).size) ?? 0
        let children = try spawn(count: count, spool: spool, detach: true, groups: groups)
        let deadline = SystemClock.monotonicMicroseconds + Int64(timeout * 1_000_000)
        var waiting = Set(children.map(\.pid))
        var failure: String?
        while !waiting.isEmpty && failure == nil {
            let registered = Set(spool.workerRecords().filter { $0.isAlive && $0.record.host == CurrentProcess.hostName }.map(\.record.pid))
            waiting.subtract(registered)
            for child in children where waiting.contains(child.pid) {
                if let end = try? Spawn.poll(child) {
                    failure = "worker pid \(child.pid) ended (\(end)) before it was ready"
                    break
                }
            }
            if waiting.isEmpty || failure != nil { break }
            if SystemClock.monotonicMicroseconds > deadline {
                failure = "after \(formatDuration(timeout)), worker pid \(waiting.sorted().map(String.init).joined(separator: ", ")) not ready yet"
                break
            }
            SystemClock.sleep(milliseconds: 10)
        }
        guard let failure else { return children.map(\.pid) }
        // All or nothing: the ones that did start are stopped (the loop above reaps the others).
        for child in children { Signals.send(.terminate, to: child.pid) }
        for child in children { _ = try? Spawn.wait(child) }
        var lines = ((try? FileSystem.readFile(logPath)) ?? []).dropFirst(logStart)
            .split(separator: UInt8(ascii: "\n")).suffix(3).map { "  " + String(decoding: $0, as: UTF8.self) }
        if lines.isEmpty { lines = ["  (nothing in \(logPath))"] }
        throw .workersNotStarted("Could not start \(count) worker\(count == 1 ? "" : "s"): \(failure); none left running. The worker log says:\n" + lines.joined(separator: "\n"))
    }

    /// Runs `count` workers in the foreground until they have all exited. Signals received
    /// are passed on; a second SIGTERM/SIGINT becomes a forced stop.
    public static func supervise(count: Int, spool: Spool, groups: [String]? = nil) throws(QueueError) -> Bool {
        let signals: FileDescriptor
        do { signals = try Signals.makeSignalDescriptor([.terminate, .interrupt, .quit, .child, .hangUp]) } catch { throw .system(error) }
        var children = Set(try spawn(count: count, spool: spool, detach: false, groups: groups))
        var stopping = false
        var allClean = true
        while !children.isEmpty {
            for child in children {
                if let end = try? Spawn.poll(child) {
                    children.remove(child)
                    if end != .exited(0) { allClean = false }
                }
            }
            if children.isEmpty { break }
            if Poll.waitForInput([signals], timeoutMilliseconds: 1000)[0] {
                for signal in Signals.readSignals(signals) where signal != .child {
                    if signal == .hangUp {  // re-read the config: passed on as it came
                        for child in children { Signals.send(.hangUp, to: child.pid) }
                        continue
                    }
                    // The children lead their own process groups, so a terminal's Ctrl-C
                    // reaches only this process: each signal is passed on exactly once.
                    let forced = signal == .quit || stopping
                    stopping = true
                    for child in children { Signals.send(forced ? .quit : .terminate, to: child.pid) }
                }
            }
        }
        return allClean
    }

    /// Signals every live worker of this host and waits until they are gone.
    /// Returns the workers signalled, and those of other hosts that cannot be.
    public static func stop(spool: Spool, forced: Bool, timeout: Double) throws(QueueError) -> (stopped: [WorkerRecord], remote: [WorkerRecord]) {
        let host = CurrentProcess.hostName
        let live = spool.workerRecords().filter(\.isAlive).map(\.record)
        let local = live.filter { $0.host == host }
        for worker in local { Signals.send(forced ? .quit : .terminate, to: worker.pid) }
        let deadline = SystemClock.monotonicMicroseconds + Int64(timeout * 1_000_000)
        while true {
            // Unregistered (the flock is dropped a moment before the exit), then gone.
            let registered = Set(spool.workerRecords().filter(\.isAlive).map(\.record.id))
            let running = Set(local.filter { registered.contains($0.id) || Signals.isRunning($0.pid) }.map(\.id))
            if running.isEmpty { break }
            if SystemClock.monotonicMicroseconds > deadline {
                throw .timedOut("after \(formatDuration(timeout)) waiting for \(local.filter { running.contains($0.id) }.count) worker(s) to stop; try 'queuectl worker stop --now'")
            }
            SystemClock.sleep(milliseconds: 50)
        }
        return (local, live.filter { $0.host != host })
    }
}

