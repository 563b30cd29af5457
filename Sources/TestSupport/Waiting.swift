// Waiting: tests and the benchmark wait for conditions with deadlines, never a blind sleep.
// Guarantees: `waitUntil` returns as soon as the condition holds (polled every 20 ms) and
// throws a HarnessFailure naming the condition once the deadline has passed.

import QueueSystem

/// A condition that did not come true before its deadline, or a process that misbehaved.
public struct HarnessFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Polls `condition` every 20 ms until it is true; throws after `timeout` seconds. `location`
/// ("File.swift:12") goes into the failure message.
public func waitUntil(
    timeout: Double = 15, _ what: @autoclosure () -> String = "the condition holds", location: String,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = SystemClock.monotonicMicroseconds + Int64(timeout * 1_000_000)
    while true {
        if try await condition() { return }
        if SystemClock.monotonicMicroseconds >= deadline {
            let place = location.isEmpty ? "" : " (\(location))"
            throw HarnessFailure("Timed out after \(timeout) s waiting until \(what())\(place)")
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}
