// Harness: runs the real queuectl binary against a fresh temporary spool per test, starts workers
// in the background, waits for conditions with deadlines, and kills every process a test started.

import Foundation
import QueueCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

// MARK: - The binary

enum Binary {
    /// `queuectl` beside the test runner (`/proc/self/exe` lives in `.build/<triple>/debug/`),
    /// else `.build/debug/queuectl` under the package root found by walking up from this file.
    static let path: String = {
        let files = FileManager.default
        if let runner = try? files.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let candidate = URL(fileURLWithPath: runner).deletingLastPathComponent().appendingPathComponent("queuectl").path
            if files.isExecutableFile(atPath: candidate) { return candidate }
        }
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while folder.path != "/" {
            if files.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
                return folder.appendingPathComponent(".build/debug/queuectl").path
            }
            folder = folder.deletingLastPathComponent()
        }
        return ".build/debug/queuectl"
    }()
}

// MARK: - Results

/// How one run of queuectl ended, with everything it printed.
struct Outcome: Sendable, CustomStringConvertible {
    let arguments: [String]
    /// The exit status, or 128 + the signal for a run killed by a signal.
    let status: Int32
    let stdout: String
    let stderr: String

    var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
    var trimmed: String { stdout.trimmingCharacters(in: .whitespacesAndNewlines) }

    var description: String {
        "queuectl \(arguments.joined(separator: " ")) → exit \(status)\n--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)"
    }
}

/// A condition that did not come true before its deadline, or a process that did not end.
struct HarnessFailure: Error, CustomStringConvertible {
    let description: String
}

// MARK: - Waiting

/// Polls `condition` every 20 ms until it is true; throws (failing the test) after `timeout` seconds.
func waitUntil(
    timeout: Double = 15, _ what: @autoclosure () -> String = "the condition holds",
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    while true {
        if try await condition() { return }
        if ContinuousClock.now >= deadline {
            throw HarnessFailure(description: "Timed out after \(timeout) s waiting until \(what()) (\(sourceLocation.fileName):\(sourceLocation.line))")
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}

// MARK: - Processes

/// True while `pid` exists and is not a zombie (this machine's init may never reap orphans).
func isProcessAlive(_ pid: Int32) -> Bool {
    guard let stat = readSmallFile("/proc/\(pid)/stat") else { return false }
    // "PID (comm) S ...": the state follows the last ')'.
    guard let close = stat.lastIndex(of: ")") else { return false }
    let rest = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces)
    return !(rest.hasPrefix("Z") || rest.hasPrefix("X"))
}

/// The exit status (128 + signal when killed by one) of a zombie child not yet reaped; nil otherwise.
func zombieStatus(_ pid: Int32) -> Int32? {
    guard let stat = readSmallFile("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    // fields[0] is the state (field 3 of stat); exit_code is field 52, a waitpid(2) status.
    guard fields.first == "Z", fields.count > 49, let status = Int32(fields[49].trimmingCharacters(in: .whitespacesAndNewlines))
    else { return nil }
    return status & 0x7f != 0 ? 128 + (status & 0x7f) : (status >> 8) & 0xff
}

/// Reads a file that may report size 0 (as /proc files do); nil when it cannot be read.
func readSmallFile(_ path: String) -> String? {
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

/// A background queuectl process (a worker or a supervisor of several), its output in a file.
final class BackgroundProcess: @unchecked Sendable {
    let process: Process
    let outputPath: String
    let arguments: [String]

    init(process: Process, outputPath: String, arguments: [String]) {
        self.process = process
        self.outputPath = outputPath
        self.arguments = arguments
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning && zombieStatus(pid) == nil }
    /// What it printed so far (stdout and stderr together).
    var output: String { readSmallFile(outputPath) ?? "" }

    func signal(_ signal: Int32) {
        if process.isRunning { kill(pid, signal) }
    }

    /// Waits until it has exited and returns its status (128 + signal when killed by one).
    ///
    /// Foundation learns of the exit through a socket the child inherits; a job the worker
    /// started may inherit it too and keep it open after the worker died. So a zombie counts as
    /// exited, and its status comes from /proc (the `exit_code` field of `stat`).
    func waitForExit(timeout: Double = 15, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Int32 {
        try await waitUntil(timeout: timeout, "queuectl \(arguments.joined(separator: " ")) exits; its output:\n\(output)",
                            sourceLocation: sourceLocation) { !process.isRunning || zombieStatus(pid) != nil }
        if !process.isRunning { return exitStatus(process) }
        return zombieStatus(pid) ?? -1
    }
}

/// Starts `process` with exactly `blocked` signals blocked (none by default), as a shell would:
/// posix_spawn passes on the calling thread's mask, and the test runner's threads block signals.
func launch(_ process: Process, blocked: [Int32] = []) throws {
    var mask = sigset_t()
    sigemptyset(&mask)
    for signal in blocked { sigaddset(&mask, signal) }
    var saved = sigset_t()
    pthread_sigmask(SIG_SETMASK, &mask, &saved)
    defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
    try process.run()
}

private func exitStatus(_ process: Process) -> Int32 {
    process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
}

// MARK: - The spool of one test

/// A temporary directory with a spool path inside it (the spool itself is created by queuectl).
/// Every process started through it carries a tag in its environment, inherited by workers and
/// their jobs, so `cleanup()` finds and kills them all, whatever process group they lead.
final class TestSpool: @unchecked Sendable {
    /// The temporary directory of the test (removed by `cleanup()`).
    let root: String
    /// The spool: `root/spool`.
    let path: String
    /// A scratch folder for the files jobs write (ledgers, markers, pid files).
    let scratch: String
    private let io: String
    private let tag: String
    private let lock = NSLock()
    private var counter = 0

    static let tagVariable = "QUEUECTL_TEST_TAG"

    init() throws {
        var template = Array("/tmp/queuectl-test.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw HarnessFailure(description: "mkdtemp failed: errno \(errno)")
        }
        root = String(cString: made)
        path = root + "/spool"
        scratch = root + "/scratch"
        io = root + "/io"
        tag = root
        for folder in [scratch, io, root + "/home"] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
    }

    /// Kills every process started by this test (workers, supervisors, jobs and their children),
    /// then removes the temporary directory.
    func cleanup() {
        for _ in 0..<250 {
            let pids = taggedProcesses()
            if pids.isEmpty { break }
            for pid in pids { kill(pid, SIGKILL) }
            usleep(20_000)
        }
        for _ in 0..<5 {
            if (try? FileManager.default.removeItem(atPath: root)) != nil { break }
            usleep(50_000)
        }
    }

    /// Live processes whose environment carries this test's tag.
    func taggedProcesses() -> [Int32] {
        let needle = Array("\(TestSpool.tagVariable)=\(tag)\0".utf8)
        let me = getpid()
        var found: [Int32] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), pid != me, isProcessAlive(pid),
                  let environ = readSmallFile("/proc/\(pid)/environ") else { continue }
            if Array(environ.utf8).contains(subsequence: needle) { found.append(pid) }
        }
        return found
    }

    private func nextNumber() -> Int {
        lock.lock()
        defer { lock.unlock() }
        counter += 1
        return counter
    }

    /// The environment of every process: the runner's, without QUEUECTL_* settings, with HOME and
    /// XDG_DATA_HOME inside the test's folder (so a default spool never touches the real home).
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("QUEUECTL_") }
        environment["HOME"] = root + "/home"
        environment["XDG_DATA_HOME"] = root + "/home/.local/share"
        environment[TestSpool.tagVariable] = tag
        for (name, value) in extra { environment[name] = value }
        return environment
    }

    /// Runs `queuectl --spool SPOOL ARGS...` to its end.
    @discardableResult
    func q(_ arguments: String..., stdin: String? = nil, cwd: String? = nil,
           sourceLocation: SourceLocation = #_sourceLocation) async throws -> Outcome {
        try await run(["--spool", path] + arguments, stdin: stdin, cwd: cwd, sourceLocation: sourceLocation)
    }

    /// Runs queuectl with exactly `arguments` (no `--spool` added) and waits for its end.
    func run(_ arguments: [String], environment extra: [String: String] = [:], stdin: String? = nil,
             cwd: String? = nil, timeout: Double = 30,
             sourceLocation: SourceLocation = #_sourceLocation) async throws -> Outcome {
        let number = nextNumber()
        let outPath = io + "/\(number).out", errPath = io + "/\(number).err"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Binary.path)
        process.arguments = arguments
        process.environment = environment(extra)
        process.currentDirectoryURL = URL(fileURLWithPath: cwd ?? scratch)
        let out = try handleForWriting(outPath), err = try handleForWriting(errPath)
        process.standardOutput = out
        process.standardError = err
        var input: FileHandle?
        if let stdin {
            let inPath = io + "/\(number).in"
            try Data(stdin.utf8).write(to: URL(fileURLWithPath: inPath))
            input = FileHandle(forReadingAtPath: inPath)
            process.standardInput = input
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try launch(process)
        try? out.close()
        try? err.close()
        try? input?.close()
        try await waitUntil(timeout: timeout, "queuectl \(arguments.joined(separator: " ")) exits",
                            sourceLocation: sourceLocation) { !process.isRunning }
        return Outcome(arguments: arguments, status: exitStatus(process),
                       stdout: readSmallFile(outPath) ?? "", stderr: readSmallFile(errPath) ?? "")
    }

    /// Starts `queuectl --spool SPOOL worker start [--count N]` in the background.
    func startWorker(count: Int? = nil, environment extra: [String: String] = [:],
                     blockedSignals: [Int32] = []) throws -> BackgroundProcess {
        var arguments = ["--spool", path, "worker", "start"]
        if let count { arguments += ["--count", String(count)] }
        let outputPath = io + "/worker-\(nextNumber()).log"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Binary.path)
        process.arguments = arguments
        process.environment = environment(extra)
        process.currentDirectoryURL = URL(fileURLWithPath: scratch)
        let output = try handleForWriting(outputPath)
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try launch(process, blocked: blockedSignals)
        try? output.close()
        return BackgroundProcess(process: process, outputPath: outputPath, arguments: arguments)
    }

    private func handleForWriting(_ path: String) throws -> FileHandle {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw HarnessFailure(description: "cannot create \(path)")
        }
        return handle
    }

    // MARK: Looking into the spool directly

    static let states = ["pending", "processing", "failed", "completed", "dead"]

    /// The names in `SPOOL/folder`, in byte order (what `ls` shows with LC_ALL=C); [] when missing.
    func names(_ folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path + "/" + folder)) ?? []
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Where the job `id` is now: its state folder and file name, found by listing the folders.
    func location(of id: String) -> (state: String, file: String)? {
        for state in TestSpool.states {
            for name in names(state) where TestSpool.name(name, isFileOf: id) { return (state, name) }
        }
        return nil
    }

    /// True when a state folder's file name belongs to job `id` (`ID.json`, `...-ID.json`, `ID@W.json`).
    static func name(_ name: String, isFileOf id: String) -> Bool {
        name == id + ".json" || name.hasSuffix("-" + id + ".json") || name.hasPrefix(id + "@")
    }

    /// The state folder the job is in, or nil.
    func state(of id: String) -> String? { location(of: id)?.state }

    /// The job's record, read from its file (nil while it moves, or when there is none).
    func record(of id: String) -> [String: Any]? {
        guard let (state, file) = location(of: id),
              let data = FileManager.default.contents(atPath: path + "/" + state + "/" + file) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// Every record in one state folder.
    func records(in state: String) -> [[String: Any]] {
        names(state).compactMap { name in
            guard let data = FileManager.default.contents(atPath: path + "/" + state + "/" + name) else { return nil }
            return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        }
    }

    /// Waits until job `id` is in `state`, and returns its record.
    @discardableResult
    func waitForState(_ id: String, _ state: String, timeout: Double = 15,
                      sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        var found: [String: Any]?
        try await waitUntil(timeout: timeout, "job \(id) is \(state) (it is \(self.state(of: id) ?? "nowhere"))",
                            sourceLocation: sourceLocation) {
            guard self.state(of: id) == state, let record = self.record(of: id) else { return false }
            found = record
            return true
        }
        return found!
    }

    /// The lines of a scratch file (a ledger jobs append to); [] while it does not exist.
    func scratchLines(_ name: String) -> [String] {
        (readSmallFile(scratch + "/" + name) ?? "").split(separator: "\n").map(String.init)
    }

    func scratchPath(_ name: String) -> String { scratch + "/" + name }
}

// MARK: - JSON

/// Parses `text` as a JSON object, failing the test when it is not one.
func jsonObject(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    return try #require(value as? [String: Any], "not a JSON object: \(text)", sourceLocation: sourceLocation)
}

/// Parses `text` as a JSON array of objects, failing the test when it is not one.
func jsonArray(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
    let value = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    return try #require(value as? [[String: Any]], "not a JSON array of objects: \(text)", sourceLocation: sourceLocation)
}

/// A record's time field as a Timestamp.
func time(_ record: [String: Any], _ field: String) -> Timestamp? {
    (record[field] as? String).flatMap(Timestamp.init(iso8601:))
}

/// A record's integer field.
func int(_ record: [String: Any], _ field: String) -> Int? {
    (record[field] as? NSNumber)?.intValue
}

/// Quotes `text` for /bin/sh.
func shellQuoted(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

extension Array where Element: Equatable {
    func contains(subsequence: [Element]) -> Bool {
        guard !subsequence.isEmpty, subsequence.count <= count else { return subsequence.isEmpty }
        for start in 0...(count - subsequence.count) where self[start] == subsequence[0] {
            if Array(self[start..<start + subsequence.count]) == subsequence { return true }
        }
        return false
    }
}
