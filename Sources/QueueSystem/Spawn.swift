// posix_spawn of a job: `/bin/sh -c COMMAND` in its own process group, stdin from /dev/null,
// stdout and stderr into one pipe, a clean signal mask and default dispositions, a chosen cwd.

#if canImport(Glibc)
import Glibc
#endif

/// A started child process: its pid, which is also its process group id.
public struct ChildProcess: Sendable, Hashable {
    public let pid: pid_t
    public init(pid: pid_t) { self.pid = pid }
}

/// How a child ended.
public enum Termination: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signalled(Signal)

    /// What a shell's `$?` says: the exit status, or 128 + the signal that killed it.
    public var shellStatus: Int32 {
        switch self {
        case .exited(let status): status
        case .signalled(let signal): 128 + signal.rawValue
        }
    }

    public var description: String {
        switch self {
        case .exited(let status): "exit status \(status)"
        case .signalled(let signal): "killed by \(signal)"
        }
    }
}

public enum Spawn {
    private static let spawnAttempts = 5

    /// Starts `arguments[0]` with `arguments`, `environment` ("NAME=value"), in `directory`.
    /// With `newProcessGroup` the child leads its own group, so one kill(-pid) reaches
    /// everything it starts; with `newSession` it also leaves the terminal.
    public static func start(
        _ arguments: [String], environment: [String], directory: String?,
        output: FileDescriptor?, errors: FileDescriptor? = nil, newProcessGroup: Bool, newSession: Bool = false,
        inputPath: String? = nil, inheritsInput: Bool = false, blockedSignals: [Signal] = []
    ) throws(SystemError) -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // 1. stdin from /dev/null (so a job that reads input ends instead of hanging), or a file,
        //    or ours (an editor that a command opens on the terminal).
        if !inheritsInput {
            posix_spawn_file_actions_addopen(&actions, 0, inputPath ?? "/dev/null", O_RDONLY, 0)
        }
        // 2. stdout into the capture pipe (or /dev/null when there is none), stderr where
        //    `errors` says, else with stdout.
        if let output {
            posix_spawn_file_actions_adddup2(&actions, output.rawValue, 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        if let errors {
            posix_spawn_file_actions_adddup2(&actions, errors.rawValue, 2)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        // 3. Nothing else is inherited: descriptors the worker got from its own parent (a
        //    supervisor's socket, a test's pipe) must not be held open by a long job.
        _ = system_posix_spawn_file_actions_addclosefrom_np(&actions, 3)
        // 4. The working directory last, so the opens above do not depend on it. A directory
        //    that cannot be entered fails here, named, rather than as a puzzling spawn error.
        if let directory {
            var info = stat()
            if stat(directory, &info) != 0 { throw SystemError("chdir", [directory], .current) }
            if info.st_mode & S_IFMT != S_IFDIR { throw SystemError("chdir", [directory], .notDirectory) }
            _ = system_posix_spawn_file_actions_addchdir_np(&actions, directory)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The mask the child starts with: empty (a job must not inherit the worker's blocked
        // signals), or what a test asks for to play a parent that blocks some.
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        for signal in blockedSignals { sigaddset(&noSignals, signal.rawValue) }
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        sigdelset(&allSignals, SIGKILL)
        sigdelset(&allSignals, SIGSTOP)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if newSession {
            flags |= 0x80  // POSIX_SPAWN_SETSID: a detached worker leaves the terminal's session
        } else if newProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        // EAGAIN (the process limit, for a moment) is retried a few times, 10 ms apart; then it
        // is reported like any other error, so a worker fails the run instead of hanging.
        for attempt in 1...spawnAttempts {
            // posix_spawn returns the error number; it does not set errno.
            let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
            if result == 0 { return ChildProcess(pid: pid) }
            if result != EAGAIN || attempt == spawnAttempts {
                throw SystemError("posix_spawn", [arguments[0]], Errno(rawValue: result))
            }
            SystemClock.sleep(milliseconds: 10)
        }
        fatalError("unreachable")
    }

    /// waitpid(WNOHANG): the child's end if it has ended, nil while it runs.
    public static func poll(_ child: ChildProcess) throws(SystemError) -> Termination? {
        var status: CInt = 0
        let pid = try valueOrErrno("waitpid") { waitpid(child.pid, &status, WNOHANG) }
        if pid == 0 { return nil }
        return decode(status)
    }

    /// True once the child has ended, without reaping it (waitid WNOWAIT): until it is reaped
    /// its pid, and so its process group id, cannot be given to another process, so the group
    /// can still be signalled safely. (pid_max is often 32768: pids come round quickly.)
    public static func hasEnded(_ child: ChildProcess) -> Bool {
        var info = siginfo_t()
        guard waitid(P_PID, id_t(child.pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 else {
            return errno == ECHILD
        }
        // With WNOHANG, si_pid stays 0 while the child runs (it follows si_signo, si_errno,
        // si_code and padding: byte 16 on 64-bit Linux).
        return withUnsafeBytes(of: &info) { $0.load(fromByteOffset: 16, as: Int32.self) } != 0
    }

    /// waitpid blocking until the child ends.
    public static func wait(_ child: ChildProcess) throws(SystemError) -> Termination {
        var status: CInt = 0
        _ = try valueOrErrno("waitpid") { waitpid(child.pid, &status, 0) }
        return decode(status)
    }

    /// The status of a wait(2) as a Termination: the one decoder of wait statuses.
    public static func decode(_ status: CInt) -> Termination {
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(Signal(rawValue: signal))
    }
}
