// Harness: Swift Testing's view of TestSupport. The runner, the temporary spool and the waiting
// live in Sources/TestSupport (shared with the dashboard tests and the benchmark); this file adds
// source locations to failures and reads job records as Foundation dictionaries.

import Foundation
import QueueCore
import QueueSystem
@_exported import TestSupport
import Testing

typealias BackgroundProcess = TestProcess

func describe(_ sourceLocation: SourceLocation) -> String { "\(sourceLocation.fileName):\(sourceLocation.line)" }

/// Polls `condition` every 20 ms until it is true; throws (failing the test) after `timeout` seconds.
func waitUntil(
    timeout: Double = 15, _ what: @autoclosure () -> String = "the condition holds",
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    try await TestSupport.waitUntil(timeout: timeout, what(), location: describe(sourceLocation), condition)
}

extension TestProcess {
    /// Sends a signal given by its number (the tests use Glibc's names).
    func signal(_ number: Int32) { signal(Signal(rawValue: number)) }

    func waitForExit(timeout: Double = 15, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Int32 {
        try await waitForExit(timeout: timeout, location: describe(sourceLocation))
    }

    /// kill -9, then waits until the process is gone.
    func killHard(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        signal(.kill)
        _ = try await waitForExit(timeout: 10, sourceLocation: sourceLocation)
    }
}

extension TestSpool {
    /// Runs `queuectl --spool SPOOL ARGS...` to its end.
    @discardableResult
    func q(_ arguments: String..., stdin: String? = nil, cwd: String? = nil,
           sourceLocation: SourceLocation = #_sourceLocation) async throws -> Outcome {
        try await run(["--spool", path] + arguments, stdin: stdin, cwd: cwd, location: describe(sourceLocation))
    }

    /// Runs queuectl with exactly `arguments` (no `--spool` added) and waits for its end.
    func run(_ arguments: [String], environment extra: [String: String] = [:], stdin: String? = nil,
             cwd: String? = nil, timeout: Double = 30,
             sourceLocation: SourceLocation = #_sourceLocation) async throws -> Outcome {
        try await run(arguments, environment: extra, stdin: stdin, cwd: cwd, timeout: timeout,
                      location: describe(sourceLocation))
    }

    /// Starts a worker with some signals blocked, as a parent that blocks them would.
    func startWorker(count: Int? = nil, environment extra: [String: String] = [:], blockedSignals: [Int32]) throws -> TestProcess {
        try startWorker(count: count, environment: extra, blockedSignals: blockedSignals.map(Signal.init(rawValue:)))
    }

    /// Starts any program in the background with this test's tagged environment.
    func startProcess(_ executable: String, _ arguments: [String], environment extra: [String: String] = [:],
                      tagged: Bool = true, label: String) throws -> TestProcess {
        try start(executable, arguments, environment: extra, tagged: tagged)
    }

    /// The job's record, read from its file (nil while it moves, or when there is none).
    func record(of id: String) -> [String: Any]? {
        recordText(of: id).flatMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
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
