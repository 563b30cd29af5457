// TestProcess: a program that a test or the benchmark starts (queuectl, a peer, a shell),
// through the same posix_spawn as queuectl's own jobs. Guarantees: its end is read once with
// waitpid and kept, so a reaped pid is never signalled again; output goes to files.

import QueueSystem
import Synchronization

/// A started child process and, once it has ended, how it ended.
public final class TestProcess: Sendable {
    public let pid: Int32
    public let arguments: [String]
    /// Where its stdout went (and its stderr, unless it had a file of its own).
    public let outputPath: String?
    private let end = Mutex<Termination?>(nil)

    init(pid: Int32, arguments: [String], outputPath: String?) {
        self.pid = pid
        self.arguments = arguments
        self.outputPath = outputPath
    }

    /// Starts `arguments[0]` (an absolute path) with exactly `environment` ("NAME=value"), in
    /// `directory`, stdin from `input` (else /dev/null), stdout appended to `output` (else
    /// /dev/null), stderr to `errors` (else with stdout), and `blockedSignals` blocked at start.
    public static func start(
        _ arguments: [String], environment: [String], directory: String? = nil, input: String? = nil,
        output: String? = nil, errors: String? = nil, blockedSignals: [Signal] = []
    ) throws -> TestProcess {
        let out = try output.map { path throws(SystemError) in
            try FileDescriptor.open(path, [.writeOnly, .create, .append], mode: 0o600)
        }
        defer { out?.close() }
        let err = try errors.map { path throws(SystemError) in
            try FileDescriptor.open(path, [.writeOnly, .create, .append], mode: 0o600)
        }
        defer { err?.close() }
        let child = try Spawn.start(
            arguments, environment: environment, directory: directory, output: out, errors: err,
            newProcessGroup: false, inputPath: input, blockedSignals: blockedSignals)
        return TestProcess(pid: child.pid, arguments: arguments, outputPath: output)
    }

    /// How it ended, or nil while it runs (reaps it the first time it has ended).
    public var termination: Termination? {
        end.withLock { end in
            if end == nil, let ended = try? Spawn.poll(ChildProcess(pid: pid)) { end = ended }
            return end
        }
    }

    public var isRunning: Bool { termination == nil }

    /// Its exit status, or 128 + the signal that killed it; nil while it runs.
    public var exitStatus: Int32? { termination?.shellStatus }

    /// What it printed so far into its output file.
    public var output: String { outputPath.flatMap(ProcFiles.text) ?? "" }

    /// Sends `signal` while it runs (never to a reaped pid, which may belong to another process).
    public func signal(_ signal: Signal) {
        end.withLock { end in
            if end == nil { Signals.send(signal, to: pid) }
        }
    }

    /// Blocks until it ends.
    @discardableResult
    public func wait() -> Termination {
        end.withLock { end in
            if end == nil { end = (try? Spawn.wait(ChildProcess(pid: pid))) ?? .exited(-1) }
            return end!
        }
    }

    /// Waits (polling) until it has ended and returns its status (128 + signal when killed).
    public func waitForExit(timeout: Double = 15, location: String) async throws -> Int32 {
        try await waitUntil(timeout: timeout, "\(arguments.joined(separator: " ")) exits; its output:\n\(output)",
                            location: location) { !isRunning }
        return exitStatus ?? -1
    }

    /// SIGTERM, then SIGKILL if it still runs after `grace` seconds; returns how it ended.
    @discardableResult
    public func stop(grace: Double = 30) -> Termination {
        signal(.terminate)
        let deadline = SystemClock.monotonicMicroseconds + Int64(grace * 1_000_000)
        while SystemClock.monotonicMicroseconds < deadline {
            if let termination { return termination }
            SystemClock.sleep(milliseconds: 5)
        }
        signal(.kill)
        return wait()
    }
}
