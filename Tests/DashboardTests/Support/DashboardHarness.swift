// DashboardHarness: the real queuectl binary against a temporary spool: runs commands, starts
// `queuectl dashboard --port 0` and reads the port it prints, and kills every process it started
// (each carries a tag in its environment, inherited by workers and their jobs).

import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A condition that did not come true in time, or a process that misbehaved.
struct HarnessFailure: Error, CustomStringConvertible {
    let description: String
}

/// `queuectl` beside the test runner (`/proc/self/exe` lives in `.build/<triple>/debug/`), else
/// `.build/debug/queuectl` under the package root.
let queuectlPath: String = {
    let files = FileManager.default
    if let runner = try? files.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        let candidate = URL(fileURLWithPath: runner).deletingLastPathComponent().appendingPathComponent("queuectl").path
        if files.isExecutableFile(atPath: candidate) { return candidate }
    }
    return packageRoot + "/.build/debug/queuectl"
}()

/// The folder holding Package.swift, found by walking up from this file.
let packageRoot: String = {
    var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while folder.path != "/" {
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) { return folder.path }
        folder = folder.deletingLastPathComponent()
    }
    return "."
}()

/// Polls `condition` every 20 ms; throws after `timeout` seconds.
func waitUntil(timeout: Double = 15, _ what: @autoclosure () -> String, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    while true {
        if try await condition() { return }
        if ContinuousClock.now >= deadline { throw HarnessFailure(description: "Timed out after \(timeout) s waiting until \(what())") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// What one queuectl run printed and how it ended.
struct Outcome: CustomStringConvertible {
    let arguments: [String]
    let status: Int32
    let stdout: String
    let stderr: String
    var description: String { "queuectl \(arguments.joined(separator: " ")) → exit \(status)\n\(stdout)\n\(stderr)" }
}

/// A temporary folder with a spool inside, and the processes started on it.
final class DashboardSpool: @unchecked Sendable {
    let root: String
    let path: String
    private let tag: String
    private let lock = NSLock()
    private var counter = 0

    init() throws {
        var template = Array("/tmp/queuectl-dashboard-test.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw HarnessFailure(description: "mkdtemp failed: errno \(errno)") }
        root = String(cString: made)
        path = root + "/spool"
        tag = root
        try FileManager.default.createDirectory(atPath: root + "/home", withIntermediateDirectories: true)
    }

    /// Kills every process this spool's tests started, then removes the folder.
    func cleanup() {
        let needle = Array("QUEUECTL_TEST_TAG=\(tag)\0".utf8)
        for _ in 0..<100 {
            var found: [Int32] = []
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
                guard let pid = Int32(entry), pid != getpid(),
                      let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { continue }
                if Array(environment).firstRange(of: needle) != nil, isRunning(pid) { found.append(pid) }
            }
            if found.isEmpty { break }
            for pid in found { kill(pid, SIGKILL) }
            usleep(20_000)
        }
        try? FileManager.default.removeItem(atPath: root)
    }

    private func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)...].first
        return state != "Z" && state != "X"
    }

    private func nextNumber() -> Int {
        lock.lock()
        defer { lock.unlock() }
        counter += 1
        return counter
    }

    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("QUEUECTL_") }
        environment["HOME"] = root + "/home"
        environment["XDG_DATA_HOME"] = root + "/home/.local/share"
        environment["QUEUECTL_TEST_TAG"] = tag
        return environment
    }

    /// Starts `executable arguments` with its output in files; stdin is /dev/null.
    func launch(_ executable: String, _ arguments: [String]) throws -> (process: Process, output: String, errors: String) {
        let number = nextNumber()
        let output = root + "/\(number).out", errors = root + "/\(number).err"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: output)
        process.standardError = FileHandle(forWritingAtPath: errors)
        // posix_spawn passes on the calling thread's signal mask; the test runner's threads block
        // signals, and a dashboard must see SIGTERM and SIGINT as a shell would start it.
        var empty = sigset_t()
        sigemptyset(&empty)
        var saved = sigset_t()
        pthread_sigmask(SIG_SETMASK, &empty, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        try process.run()
        return (process, output, errors)
    }

    /// Runs `queuectl --spool SPOOL arguments...` to its end.
    @discardableResult
    func q(_ arguments: String...) async throws -> Outcome {
        try await q(arguments)
    }

    @discardableResult
    func q(_ arguments: [String]) async throws -> Outcome {
        let all = ["--spool", path] + arguments
        let (process, output, errors) = try launch(queuectlPath, all)
        try await waitUntil(timeout: 30, "queuectl \(all.joined(separator: " ")) exits") { !process.isRunning }
        return Outcome(arguments: all, status: process.terminationStatus,
                       stdout: (try? String(contentsOfFile: output, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")
    }

    /// `queuectl show ID --json` as a dictionary.
    func show(_ id: String) async throws -> [String: Any] {
        let outcome = try await q("show", id, "--json")
        guard outcome.status == 0, let record = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any] else {
            throw HarnessFailure(description: "show \(id) failed: \(outcome)")
        }
        return record
    }

    /// `queuectl status --json` as a dictionary.
    func status() async throws -> [String: Any] {
        let outcome = try await q("status", "--json")
        guard let status = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any] else {
            throw HarnessFailure(description: "status --json: \(outcome)")
        }
        return status
    }

    /// The counts of `status --json`.
    func counts() async throws -> [String: Int] {
        (try await status()["jobs"] as? [String: Int]) ?? [:]
    }

    /// Starts one worker in the background.
    func startWorker() throws -> Process {
        try launch(queuectlPath, ["--spool", path, "worker", "start"]).process
    }

    /// Starts `queuectl dashboard --port 0` and waits for the line that names its port.
    func startDashboard(extra: [String] = []) async throws -> DashboardProcess {
        let (process, output, errors) = try launch(queuectlPath, ["--spool", path, "dashboard", "--port", "0"] + extra)
        var port: UInt16?
        try await waitUntil(timeout: 15, "the dashboard prints its address") {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"http://127\.0\.0\.1:([0-9]+)/"#, options: .regularExpression) {
                port = UInt16(text[range].dropFirst("http://127.0.0.1:".count).dropLast())
                return true
            }
            if !process.isRunning {
                throw HarnessFailure(description: "the dashboard exited: \((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")")
            }
            return false
        }
        return DashboardProcess(process: process, port: port!, outputPath: output)
    }
}

/// A running `queuectl dashboard`.
struct DashboardProcess: @unchecked Sendable {
    let process: Process
    let port: UInt16
    let outputPath: String

    var origin: String { "http://127.0.0.1:\(port)" }
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// Sends `signal` and waits for the exit status.
    func stop(_ signal: Int32 = SIGTERM) async throws -> Int32 {
        kill(process.processIdentifier, signal)
        try await waitUntil(timeout: 10, "the dashboard exits after signal \(signal)") { !process.isRunning }
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }
}

/// A spool whose jobs sit in known states, made by the real binary: `ok` and `second` completed
/// (`ok` printed "hi"), `broken` and `hostile` dead, `flaky` failed (its retry minutes away),
/// `waiting` and `later` pending; with `keepWorker` a worker stays busy with `sleeper`.
func makeKnownSpool(keepWorker: Bool = false) async throws -> DashboardSpool {
    let spool = try DashboardSpool()
    func enqueue(_ arguments: String...) async throws {
        let outcome = try await spool.q(["enqueue"] + arguments)
        guard outcome.status == 0 else { throw HarnessFailure(description: "\(outcome)") }
    }
    try await spool.q("config", "set", "backoff-base", "300")
    try await enqueue("--command", "echo hi", "--id", "ok")
    try await enqueue("--command", "echo second", "--id", "second")
    try await enqueue("--command", "echo broken >&2; exit 3", "--id", "broken", "--max-retries", "0")
    try await enqueue("--command", hostileCommand, "--id", "hostile", "--max-retries", "0")
    try await enqueue("--command", "exit 1", "--id", "flaky", "--max-retries", "3")
    if keepWorker { try await enqueue("--command", "sleep 300", "--id", "sleeper", "--priority", "100") }
    let worker = try spool.startWorker()
    try await waitUntil(timeout: 30, "the worker has run the first jobs") {
        let counts = try await spool.counts()
        return counts["completed"] == 2 && counts["dead"] == 2 && counts["failed"] == 1
            && (!keepWorker || counts["processing"] == 1)
    }
    if !keepWorker {
        kill(worker.processIdentifier, SIGTERM)
        try await waitUntil(timeout: 15, "the worker stops") { !worker.isRunning }
    }
    try await enqueue("--command", "echo waiting", "--id", "waiting")
    try await enqueue("--command", "echo later", "--id", "later", "--delay", "3600")
    return spool
}

/// A command that is markup, to prove the page shows it as text.
let hostileCommand = #"echo '<img src=x onerror=alert(1)><script>window.pwned=1</script>'; exit 1"#

