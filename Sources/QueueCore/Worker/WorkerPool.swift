// WorkerPool: `worker start --count N` runs N worker processes of this same binary and waits
// for them, passing on SIGTERM/SIGINT (graceful) and SIGQUIT (forced). `--detach` starts them
// in a new session and returns. `worker stop` finds live workers through their records and
// signals them by pid, which their flock proves is still theirs.

import QueueSystem

/// Starting and stopping groups of worker processes.
public enum WorkerPool {
    /// Starts `count` workers as child processes; with `detach` they outlive this process.
    /// Their output goes to SPOOL/logs/worker.log when detached.
    public static func spawn(count: Int, spool: Spool, detach: Bool) throws(QueueError) -> [ChildProcess] {
        let executable = CurrentProcess.executablePath
        var children: [ChildProcess] = []
        var output: FileDescriptor?
        if detach {
            do {
                output = try FileDescriptor.open(spool.logs + "/worker.log", [.writeOnly, .create, .append], mode: 0o600)
            } catch { throw .system(error) }
        }
        defer { output?.close() }
        for _ in 0..<count {
            do {
                let child = try Spawn.start(
                    [executable, "worker", "start", "--count", "1", "--spool", spool.root],
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

    /// Runs `count` workers in the foreground until they have all exited. Signals received
    /// are passed on; a second SIGTERM/SIGINT becomes a forced stop.
    public static func supervise(count: Int, spool: Spool) throws(QueueError) -> Bool {
        let signals: FileDescriptor
        do { signals = try Signals.makeSignalDescriptor([.terminate, .interrupt, .quit, .child, .hangUp]) } catch { throw .system(error) }
        var children = Set(try spawn(count: count, spool: spool, detach: false))
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
            let running = Set(spool.workerRecords().filter(\.isAlive).map(\.record.id))
            if local.allSatisfy({ !running.contains($0.id) }) { break }
            if SystemClock.monotonicMicroseconds > deadline {
                throw .timedOut("after \(formatDuration(timeout)) waiting for \(local.filter { running.contains($0.id) }.count) worker(s) to stop; try 'queuectl worker stop --now'")
            }
            SystemClock.sleep(milliseconds: 50)
        }
        return (local, live.filter { $0.host != host })
    }
}

