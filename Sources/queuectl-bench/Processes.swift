// Processes: the programs under test are started with posix_spawn (no shell in between, the same
// way for queuectl and its peers) and waited for; a worker's peak memory is read from /proc.

import QueueCore
#if canImport(Glibc)
import Glibc
#endif

/// A failure that stops one scenario; the others still run.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// How a child ended: its exit status, or 128 + the signal that killed it.
struct Exit: Sendable {
    let status: Int32

    init(waitStatus: Int32) {
        let signal = waitStatus & 0x7f
        status = signal == 0 ? (waitStatus >> 8) & 0xff : 128 + signal
    }
}

/// A started child process.
struct Child: Sendable {
    let pid: pid_t
    let argv: [String]

    /// Starts `argv[0]` (an absolute path) with the bench's environment plus `environment`,
    /// stdin from `input` (else /dev/null), stdout into `output` (else /dev/null) and stderr
    /// into `errors` (else where stdout goes).
    static func start(_ argv: [String], environment: [String: String] = [:], input: String? = nil,
                      output: String? = nil, errors: String? = nil) throws -> Child {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o600)
        if let errors {
            posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }

        var variables = Child.environment.filter { entry in
            !environment.keys.contains { entry.hasPrefix($0 + "=") }
        }
        variables += environment.map { $0.key + "=" + $0.value }
        let arguments = argv.map { strdup($0) } + [nil]
        let envp = variables.map { strdup($0) } + [nil]
        defer {
            arguments.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, argv[0], &actions, nil, arguments, envp)
        guard result == 0 else {
            throw BenchError("cannot start \(argv[0]): \(String(cString: strerror(result)))")
        }
        return Child(pid: pid, argv: argv)
    }

    /// Starts and waits; throws unless it exits 0, quoting its errors when they went to a file.
    @discardableResult
    static func run(_ argv: [String], environment: [String: String] = [:], input: String? = nil,
                    output: String? = nil, errors: String? = nil) throws -> Exit {
        let exit = try start(argv, environment: environment, input: input, output: output, errors: errors).wait()
        guard exit.status == 0 else {
            let log = (errors ?? output).flatMap { readText($0) }.map { ":\n" + String($0.suffix(2000)) } ?? ""
            throw BenchError("'\(argv.joined(separator: " "))' exited with status \(exit.status)\(log)")
        }
        return exit
    }

    /// Blocks until the child ends.
    func wait() -> Exit {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return Exit(waitStatus: status)
    }

    /// The child's end if it has ended (reaped), nil while it runs.
    func poll() -> Exit? {
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        return Exit(waitStatus: status)
    }

    /// SIGTERM, then SIGKILL if it is still there after `grace` seconds.
    @discardableResult
    func stop(grace: Double = 30) -> Exit {
        kill(pid, SIGTERM)
        let deadline = monotonicNanoseconds() + Int64(grace * 1e9)
        while monotonicNanoseconds() < deadline {
            if let exit = poll() { return exit }
            sleep(milliseconds: 5)
        }
        kill(pid, SIGKILL)
        return wait()
    }

    /// The peak resident memory so far (VmHWM of /proc/PID/status), in KiB. Not wait4's
    /// ru_maxrss: a child started by posix_spawn (vfork) inherits its parent's high-water mark.
    var peakKiB: Int? {
        guard let text = readText("/proc/\(pid)/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.dropFirst(6).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }

    /// True once the child has exited (a zombie not yet waited for), without reaping it.
    var hasEnded: Bool {
        guard let stat = readText("/proc/\(pid)/stat"), let paren = stat.lastIndex(of: ")") else { return true }
        return stat[paren...].dropFirst(2).first == "Z"
    }

    private static let environment = CurrentProcess.environment + ["NO_COLOR=1"]
}

/// The text of a small file, or nil.
func readText(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count <= 0 { break }
        bytes += buffer[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// The absolute path of a program in PATH, or nil.
func which(_ name: String) -> String? {
    let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = directory + "/" + name
        if access(candidate, X_OK) == 0 { return candidate }
    }
    return nil
}

