// Signals: kill(2) of a process or a whole process group, liveness checks,
// and a self-pipe so a worker reads SIGTERM, SIGINT and SIGCHLD in its poll loop.

#if canImport(Glibc)
import Glibc
#endif

public enum Signals {
    /// Sends `signal` to one process; false when it no longer exists.
    @discardableResult
    public static func send(_ signal: Signal, to pid: pid_t) -> Bool {
        kill(pid, signal.rawValue) == 0
    }

    /// Sends `signal` to every process of the group led by `group` (never group 0: that is ourselves).
    @discardableResult
    public static func sendToGroup(_ signal: Signal, group: pid_t) -> Bool {
        precondition(group > 1, "refusing to signal process group \(group)")
        return kill(-group, signal.rawValue) == 0
    }

    /// True while a process with this pid exists on this host (it may be a reused pid:
    /// callers that need certainty use the worker's flock instead).
    public static func isAlive(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// True while the process runs: alive and not a zombie (an exited process whose parent has
    /// not reaped it; a detached worker's parent may be an init that never does).
    public static func isRunning(_ pid: pid_t) -> Bool {
        guard isAlive(pid) else { return false }
        guard let stat = try? FileSystem.readFile("/proc/\(pid)/stat", limit: 4096),
              let close = stat.lastIndex(of: UInt8(ascii: ")")) else { return true }  // no /proc: trust kill
        let state = stat[(close + 1)...].first { $0 != UInt8(ascii: " ") }
        return state != UInt8(ascii: "Z") && state != UInt8(ascii: "X")
    }

    /// Routes `signals` into a pipe (the self-pipe trick) and returns its read end, so a poll
    /// loop sees them as input. Each byte read is one signal number.
    public static func makeSignalDescriptor(_ signals: [Signal]) throws(SystemError) -> FileDescriptor {
        let pipe = try FileDescriptor.pipe()
        try pipe.read.setNonBlocking()
        try pipe.write.setNonBlocking()
        signalPipe = pipe.write.rawValue
        for signal in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = forwardSignal
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            _ = try valueOrErrno("sigaction") { sigaction(signal.rawValue, &action, nil) }
        }
        // A parent may have started us with these signals blocked (Foundation's Process and
        // Python do): unblock them, or SIGTERM would never arrive.
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal.rawValue) }
        _ = pthread_sigmask(SIG_UNBLOCK, &set, nil)
        return pipe.read
    }

    /// Reads the signals that arrived since the last call.
    public static func readSignals(_ descriptor: FileDescriptor) -> [Signal] {
        var result: [Signal] = []
        var buffer = [UInt8](repeating: 0, count: 64)
        // The pipe is non-blocking: EAGAIN (a thrown error) ends the loop, as end of file does.
        while let count = try? descriptor.read(into: &buffer), count > 0 {
            result += buffer[0..<count].map { Signal(rawValue: CInt($0)) }
        }
        return result
    }

    /// Ignores SIGPIPE so a closed reader surfaces as EPIPE, not death.
    public static func ignoreBrokenPipe() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Sends `signal` to this process (a crash point dies this way: no cleanup at all).
    public static func raise(_ signal: Signal) {
        kill(getpid(), signal.rawValue)
    }
}

/// The write end of the self-pipe; set once before any handler is installed.
nonisolated(unsafe) private var signalPipe: CInt = -1

/// The handler: async-signal-safe, it only writes one byte.
private let forwardSignal: @convention(c) (CInt) -> Void = { signal in
    var byte = UInt8(truncatingIfNeeded: signal)
    _ = write(signalPipe, &byte, 1)
}
