// Regression tests for inputs that libFuzzer found (Tests/Fuzz): each feeds the crashing input
// through the same check that its harness makes, so the bug cannot come back unnoticed.

import Testing
@testable import QueueCore

private let defaults = JobRecord.Defaults(maxRetries: 3, cwd: nil, now: Timestamp(microseconds: 1_795_361_412_250_000))

/// What the JobRecord harness checks of every record that parses: it re-encodes to an equal
/// record, and the name it is filed under parses back in its folder.
private func checkRoundTrip(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let record = try JobRecord.parse(Array(text.utf8), defaults: defaults)
    let again = try JobRecord.parse(record.fileBytes, defaults: defaults)
    #expect(again.json == record.json, sourceLocation: sourceLocation)
    let name = FileName.make(for: record)
    let parsed = FileName(parsing: name.text, in: record.state)
    #expect(parsed?.id == record.id, "'\(name.text)' does not parse in \(record.state)/", sourceLocation: sourceLocation)
}

@Suite struct FuzzRegressionTests {
    /// Found by JobRecord and FileName: an age past 36^11 µs (the year 6140) took 12 base-36 digits,
    /// so a job created "9999-12-31" was filed under a name that pending/ could not parse.
    @Test func farFutureCreationTimeGivesAParsableName() throws {
        try checkRoundTrip(#"{"id":"aaaa","command":"x","priority":1000,"created_at":"9999-12-31T23:59:59.999999Z"}"#)
        let id = JobID(rawValue: "4-ghx.json")!
        let due = Timestamp(iso8601: "2095-11-12T15:01:13.158Z")!
        let age = Timestamp(iso8601: "7000-01-01T00:00:00Z")!
        for name in [FileName.pending(id: id, priority: 746, due: due, age: age),
                     FileName.failed(id: id, priority: 746, retryAt: due, age: age)] {
            let parsed = FileName(parsing: name.text, in: name.state)
            #expect(parsed?.id == id && parsed?.priority == 746 && parsed?.due == due, "\(name.text)")
        }
    }

    /// Found by JobRecord: an offset moved a year-0000 or year-9999 time out of four-digit years,
    /// so the record was written as "-000001-12-31T23:00:00.000Z", which no reader accepts:
    /// the job was quarantined instead of run. Such times are now rejected up front.
    @Test func offsetThatLeavesFourDigitYearsIsRejected() throws {
        #expect(Timestamp(iso8601: "0000-01-01T00:00:00+01:00") == nil)
        #expect(Timestamp(iso8601: "9999-12-31T23:59:59-01:00") == nil)
        #expect(Timestamp(iso8601: "0000-01-01T00:00:00-01:00")?.iso8601 == "0000-01-01T01:00:00.000Z")
        #expect(Timestamp(iso8601: "9999-12-31T23:59:59.999999Z")?.iso8601 == "9999-12-31T23:59:59.999Z")
        let input = #"{"id":"nightly.backup_2","command":"tar czf /tmp/b.tgz ~/docs","run_at":"0000-01-01T00:00:00+01:00"}"#
        #expect(throws: QueueError.self) { try JobRecord.parse(Array(input.utf8), defaults: defaults) }
        try checkRoundTrip(#"{"id":"edge","command":"x","run_at":"0000-01-01T00:00:00Z","created_at":"9999-12-31T23:59:59+00:00"}"#)
    }

    /// Found by FileName: a claim name whose attempt had a leading zero ("~05") parsed as attempt
    /// 5, which is the name "~5": two texts for one claim, so a reader could take one file for
    /// another's. Such a name is no claim name now.
    @Test func claimAttemptWithALeadingZeroIsNoClaimName() throws {
        #expect(FileName(parsing: "l@g00g-\u{FFFD}\u{FFFD}~05.json", in: .processing) == nil)
        #expect(FileName(parsing: "job@host-1-abc~0.json", in: .processing) == nil)
        let claim = try #require(FileName(parsing: "job@host-1-abc~10.json", in: .processing))
        #expect(claim.attempt == 10 && claim.worker == "host-1-abc")
        #expect(FileName.processing(id: claim.id, worker: "host-1-abc", attempt: 10).text == "job@host-1-abc~10.json")
    }

    /// Found by review of the JobRecord harness, confirmed by it: `duration_sec` 1e306 is finite,
    /// but rounding it to milliseconds scaled it to infinity, and `JSONNumber(Double)` traps on
    /// that: reading such a file or enqueuing such a job crashed the process.
    @Test func hugeDurationReencodes() throws {
        try checkRoundTrip(#"{"id":"a","command":"x","duration_sec":1e306}"#)
        try checkRoundTrip(#"{"id":"b","command":"x","duration_sec":-1.7976931348623157e308}"#)
        try checkRoundTrip(#"{"id":"c","command":"x","duration_sec":4503599627370.4965}"#)
        // Durations are kept to the microsecond (a sub-millisecond run must not read as 0).
        let record = try JobRecord.parse(Array(#"{"id":"d","command":"x","duration_sec":1.2345678}"#.utf8), defaults: defaults)
        #expect(record.json["duration_sec"] == .number(JSONNumber(1.234568)))
    }
}
