// TestSpool: a temporary folder with a spool path inside it, and the queuectl processes a test
// starts on it. Guarantees: every process started through it carries a tag in its environment
// (inherited by workers and their jobs), so `cleanup()` finds and kills them all, whatever
// process group they lead; HOME and XDG_DATA_HOME point inside the folder, so a default spool
// never touches the real home.

import QueueSystem
import Synchronization

/// How one run of queuectl ended, with everything it printed.
public struct Outcome: Sendable, CustomStringConvertible {
    public let arguments: [String]
    /// The exit status, or 128 + the signal for a run killed by a signal.
    public let status: Int32
    public let stdout: String
    public let stderr: String

    public init(arguments: [String], status: Int32, stdout: String, stderr: String) {
        self.arguments = arguments
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }

    public var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
    public var trimmed: String {
        String(stdout.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }

    public var description: String {
        "queuectl \(arguments.joined(separator: " ")) → exit \(status)\n--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)"
    }
}

public final class TestSpool: Sendable {
    /// The temporary directory of the test (removed by `cleanup()`).
    public let root: String
    /// The spool: `root/spool`.
    public let path: String
    /// A scratch folder for the files jobs write (ledgers, markers, pid files).
    public let scratch: String
    private let io: String
    private let tag: String
    private let counter = Mutex(0)

    public static let tagVariable = "QUEUECTL_TEST_TAG"
    public static let states = ["pending", "processing", "failed", "completed", "dead"]

    public init(prefix: String = "queuectl-test") throws {
        root = try FileSystem.makeTemporaryDirectory(prefix: "/tmp/\(prefix).")
        path = root + "/spool"
        scratch = root + "/scratch"
        io = root + "/io"
        tag = root
        for folder in [scratch, io, root + "/home"] { try FileSystem.makeDirectory(folder) }
    }

    /// Kills every process started by this test (workers, supervisors, jobs and their children),
    /// then removes the temporary directory.
    public func cleanup() {
        killEverything()
        for _ in 0..<5 {
            if (try? FileSystem.removeTree(root)) != nil { break }
            SystemClock.sleep(milliseconds: 50)
        }
    }

    /// SIGKILL to every process this test started (workers, jobs, namespaces), until none is left.
    public func killEverything() {
        for _ in 0..<250 {
            let pids = taggedProcesses()
            if pids.isEmpty { return }
            for pid in pids { Signals.send(.kill, to: pid) }
            SystemClock.sleep(milliseconds: 20)
        }
    }

    /// Live processes whose environment carries this test's tag.
    public func taggedProcesses() -> [Int32] {
        ProcFiles.processes(withEnvironment: "\(TestSpool.tagVariable)=\(tag)")
    }

    private func nextNumber() -> Int {
        counter.withLock { counter in
            counter += 1
            return counter
        }
    }

    /// The environment of every process: the runner's, without QUEUECTL_* settings, with HOME
    /// and XDG_DATA_HOME inside the test's folder and the tag, plus `extra`.
    public func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment: [String: String] = [:]
        for entry in CurrentProcess.environment {
            guard let equals = entry.firstIndex(of: "=") else { continue }
            let name = String(entry[..<equals])
            if !name.hasPrefix("QUEUECTL_") { environment[name] = String(entry[entry.index(after: equals)...]) }
        }
        environment["HOME"] = root + "/home"
        environment["XDG_DATA_HOME"] = root + "/home/.local/share"
        environment[TestSpool.tagVariable] = tag
        for (name, value) in extra { environment[name] = value }
        return environment
    }

    /// Starts any program with this test's environment (plus `extra`), stdout and stderr in a
    /// file. `tagged: false` for helpers (sshd, sshfs) that must outlive the workers until the
    /// test stops them itself.
    public func start(_ executable: String, _ arguments: [String], environment extra: [String: String] = [:],
                      cwd: String? = nil, tagged: Bool = true, blockedSignals: [Signal] = []) throws -> TestProcess {
        var environment = environment(extra)
        if !tagged { environment[TestSpool.tagVariable] = nil }
        return try TestProcess.start(
            [executable] + arguments, environment: environment.map { $0.key + "=" + $0.value },
            directory: cwd ?? scratch, output: io + "/process-\(nextNumber()).log", blockedSignals: blockedSignals)
    }

    /// Runs queuectl with exactly `arguments` (no `--spool` added) and waits for its end.
    public func run(_ arguments: [String], environment extra: [String: String] = [:], stdin: String? = nil,
                    cwd: String? = nil, timeout: Double = 30, location: String) async throws -> Outcome {
        let number = nextNumber()
        let outPath = io + "/\(number).out", errPath = io + "/\(number).err"
        var inPath: String?
        if let stdin {
            inPath = io + "/\(number).in"
            try FileDescriptor.open(inPath!, [.writeOnly, .create, .exclusive]).closeAfter { file throws(SystemError) in
                try file.writeAll(stdin)
            }
        }
        let process = try TestProcess.start(
            [Binary.path] + arguments, environment: environment(extra).map { $0.key + "=" + $0.value },
            directory: cwd ?? scratch, input: inPath, output: outPath, errors: errPath)
        try await waitUntil(timeout: timeout, "queuectl \(arguments.joined(separator: " ")) exits",
                            location: location) { !process.isRunning }
        return Outcome(arguments: arguments, status: process.exitStatus ?? -1,
                       stdout: ProcFiles.text(outPath) ?? "", stderr: ProcFiles.text(errPath) ?? "")
    }

    /// Starts `queuectl --spool SPOOL worker start [--count N]` in the background.
    public func startWorker(count: Int? = nil, environment extra: [String: String] = [:],
                            blockedSignals: [Signal] = []) throws -> TestProcess {
        var arguments = ["--spool", path, "worker", "start"]
        if let count { arguments += ["--count", String(count)] }
        return try start(Binary.path, arguments, environment: extra, blockedSignals: blockedSignals)
    }

    // MARK: Looking into the spool directly

    /// The names in `SPOOL/folder`, in byte order (what `ls` shows with LC_ALL=C); [] when missing.
    public func names(_ folder: String) -> [String] {
        let names = (try? FileSystem.names(in: path + "/" + folder)) ?? []
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Where the job `id` is now: its state folder and file name, found by listing the folders.
    public func location(of id: String) -> (state: String, file: String)? {
        for state in TestSpool.states {
            for name in names(state) where TestSpool.name(name, isFileOf: id) { return (state, name) }
        }
        return nil
    }

    /// True when a state folder's file name belongs to job `id` (`ID.json`, `...-ID.json`, `ID@W.json`).
    public static func name(_ name: String, isFileOf id: String) -> Bool {
        name == id + ".json" || name.hasSuffix("-" + id + ".json") || name.hasPrefix(id + "@")
    }

    /// The state folder the job is in, or nil.
    public func state(of id: String) -> String? { location(of: id)?.state }

    /// The bytes of the job's file (nil while it moves, or when there is none).
    public func recordText(of id: String) -> String? {
        guard let (state, file) = location(of: id) else { return nil }
        return ProcFiles.text(path + "/" + state + "/" + file)
    }

    /// The lines of a scratch file (a ledger jobs append to); [] while it does not exist.
    public func scratchLines(_ name: String) -> [String] {
        (ProcFiles.text(scratch + "/" + name) ?? "").split(separator: "\n").map(String.init)
    }

    public func scratchPath(_ name: String) -> String { scratch + "/" + name }
}

/// Quotes `text` for /bin/sh.
public func shellQuoted(_ text: String) -> String {
    "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
}
