// DashboardHarness: the real queuectl binary against a temporary spool: runs commands, starts
// `queuectl dashboard --port 0` and reads the port it prints, and kills every process it started
// (each carries a tag in its environment, inherited by workers and their jobs).

import Foundation
import QueueSystem
@_exported import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

typealias DashboardSpool = TestSpool

/// The folder holding Package.swift.
let packageRoot = Binary.packageRoot

/// Polls `condition` every 20 ms; throws after `timeout` seconds.
func waitUntil(timeout: Double = 15, _ what: @autoclosure () -> String, _ condition: () async throws -> Bool) async throws {
    try await TestSupport.waitUntil(timeout: timeout, what(), location: "", condition)
}

extension TestSpool {
    /// Runs `queuectl --spool SPOOL arguments...` to its end.
    @discardableResult
    func q(_ arguments: String...) async throws -> Outcome {
        try await q(arguments)
    }

    @discardableResult
    func q(_ arguments: [String]) async throws -> Outcome {
        try await run(["--spool", path] + arguments, location: "")
    }

    /// `queuectl show ID --json` as a dictionary.
    func show(_ id: String) async throws -> [String: Any] {
        let outcome = try await q("show", id, "--json")
        guard outcome.status == 0, let record = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any] else {
            throw HarnessFailure("show \(id) failed: \(outcome)")
        }
        return record
    }

    /// `queuectl status --json` as a dictionary.
    func status() async throws -> [String: Any] {
        let outcome = try await q("status", "--json")
        guard let status = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any] else {
            throw HarnessFailure("status --json: \(outcome)")
        }
        return status
    }

    /// The counts of `status --json`.
    func counts() async throws -> [String: Int] {
        (try await status()["jobs"] as? [String: Int]) ?? [:]
    }

    /// Starts `queuectl dashboard --port 0` and waits for the line that names its port.
    func startDashboard(extra: [String] = []) async throws -> DashboardProcess {
        let process = try start(Binary.path, ["--spool", path, "dashboard", "--port", "0"] + extra)
        var port: UInt16?
        try await waitUntil(timeout: 15, "the dashboard prints its address") {
            let text = process.output
            if let range = text.range(of: #"http://127\.0\.0\.1:([0-9]+)/"#, options: .regularExpression) {
                port = UInt16(text[range].dropFirst("http://127.0.0.1:".count).dropLast())
                return true
            }
            if !process.isRunning { throw HarnessFailure("the dashboard exited: \(text)") }
            return false
        }
        return DashboardProcess(process: process, port: port!)
    }
}

/// A running `queuectl dashboard`.
struct DashboardProcess: Sendable {
    let process: TestProcess
    let port: UInt16

    var origin: String { "http://127.0.0.1:\(port)" }
    var output: String { process.output }

    /// Sends `signal` and waits for the exit status.
    func stop(_ signal: Int32 = SIGTERM) async throws -> Int32 {
        process.signal(Signal(rawValue: signal))
        return try await process.waitForExit(timeout: 10, location: "the dashboard exits after signal \(signal)")
    }
}

/// A spool whose jobs sit in known states, made by the real binary: `ok` and `second` completed
/// (`ok` printed "hi"), `broken` and `hostile` dead, `flaky` failed (its retry minutes away),
/// `waiting` and `later` pending; with `keepWorker` a worker stays busy with `sleeper`.
func makeKnownSpool(keepWorker: Bool = false) async throws -> DashboardSpool {
    let spool = try DashboardSpool()
    func enqueue(_ arguments: String...) async throws {
        let outcome = try await spool.q(["enqueue"] + arguments)
        guard outcome.status == 0 else { throw HarnessFailure("\(outcome)") }
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
        worker.signal(.terminate)
        try await waitUntil(timeout: 15, "the worker stops") { !worker.isRunning }
    }
    try await enqueue("--command", "echo waiting", "--id", "waiting")
    try await enqueue("--command", "echo later", "--id", "later", "--delay", "3600")
    return spool
}

/// A command that is markup, to prove the page shows it as text.
let hostileCommand = #"echo '<img src=x onerror=alert(1)><script>window.pwned=1</script>'; exit 1"#

