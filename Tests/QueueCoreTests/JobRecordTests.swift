// JobRecord: every field is validated with a message naming it; unknown fields are kept.

import Testing
@testable import QueueCore

@Suite struct JobRecordTests {
    let defaults = JobRecord.Defaults(maxRetries: 3, cwd: "/work", now: Timestamp(iso8601: "2026-11-22T00:00:00Z")!)

    func decode(_ text: String) throws -> JobRecord {
        try JobRecord.decode(try parseJSON(text), defaults: defaults, generateID: { JobID(rawValue: "generated")! })
    }

    func problems(_ text: String) -> [String] {
        do {
            _ = try decode(text)
            return []
        } catch let error as QueueError {
            if case .invalidJob(let problems, _) = error { return problems.map(\.field) }
            return ["other: \(error)"]
        } catch {
            return ["other: \(error)"]
        }
    }

    @Test func smallestJobTakesEveryDefault() throws {
        let record = try decode(#"{"command": "echo hi"}"#)
        #expect(record.id.rawValue == "generated")
        #expect(record.state == .pending)
        #expect(record.attempts == 0)
        #expect(record.maxRetries == 3)
        #expect(record.priority == 0)
        #expect(record.runAt == defaults.now)
        #expect(record.cwd == "/work")
        #expect(record.after.isEmpty)
    }

    @Test(arguments: [
        (#"{}"#, "command"),
        (#"{"command": ""}"#, "command"),
        (#"{"command": " \r\n"}"#, "command"),
        (#"{"command": 5}"#, "command"),
        (#"{"command": "x", "id": "../etc"}"#, "id"),
        (#"{"command": "x", "id": "-x"}"#, "id"),
        (#"{"command": "x", "id": 7}"#, "id"),
        (#"{"command": "x", "priority": 1001}"#, "priority"),
        (#"{"command": "x", "priority": 1.5}"#, "priority"),
        (#"{"command": "x", "max_retries": -1}"#, "max_retries"),
        (#"{"command": "x", "run_at": "tomorrow"}"#, "run_at"),
        (#"{"command": "x", "timeout_sec": 0}"#, "timeout_sec"),
        (#"{"command": "x", "env": {"A": 1}}"#, "env"),
        (#"{"command": "x", "env": {"A=B": "c"}}"#, "env"),
        (#"{"command": "x", "after": "a"}"#, "after"),
        (#"{"command": "x", "after": ["../a"]}"#, "after"),
        (#"{"command": "x", "permanent_exit_codes": [256]}"#, "permanent_exit_codes"),
        (#"{"command": "x", "state": "done"}"#, "state"),
        (#"{"command": "x", "cwd": ""}"#, "cwd"),
        (#"{"command": "x", "unique": "yes"}"#, "unique"),
    ])
    func invalidFieldIsNamed(json: String, field: String) {
        #expect(problems(json) == [field])
    }

    @Test func everyProblemIsReportedAtOnce() {
        #expect(problems(#"{"command": 1, "priority": "high", "max_retries": -2}"#) == ["command", "max_retries", "priority"])
    }

    @Test func unknownFieldsAreKeptAndWrittenBack() throws {
        let record = try decode(#"{"command": "x", "team": "ops", "labels": ["a", {"b": null}]}"#)
        #expect(record.extra["team"] == .string("ops"))
        let written = String(decoding: record.fileBytes, as: UTF8.self)
        #expect(written.contains("\"team\": \"ops\""))
        let again = try JobRecord.parse(record.fileBytes, defaults: defaults)
        #expect(again.extra == record.extra)
    }

    @Test func recordRoundTripsThroughItsFile() throws {
        var record = try decode(#"{"id": "r", "command": "make", "priority": -7, "env": {"A": "1"}, "after": ["q"], "timeout_sec": 2.5}"#)
        record.exitCode = 3
        record.lastError = "exit status 3"
        let again = try JobRecord.parse(record.fileBytes, defaults: defaults)
        #expect(again.json == record.json)
    }
}
