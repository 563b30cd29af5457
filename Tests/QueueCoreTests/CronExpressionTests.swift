// Tests of the cron parser and of the next-time computation: crontab(5)'s syntax, errors that
// name their field, the day-of-month/day-of-week rule, leap days, every-N schedules, and the
// daylight-saving days of a real zone (America/New_York) read through libc.

import QueueSystem
import Testing
@testable import QueueCore

@Suite(.serialized) struct CronExpressionTests {
    /// Seconds since the epoch of a UTC time written `2026-03-08T07:00:00Z`.
    func at(_ text: String) -> Int64 { Timestamp(iso8601: text)!.microseconds / 1_000_000 }
    func iso(_ seconds: Int64?) -> String? { seconds.map { Timestamp(microseconds: $0 * 1_000_000).iso8601 } }

    func next(_ expression: String, after: String, zone: ScheduleZone = .utc) throws -> String? {
        iso(try CronExpression(parsing: expression).next(after: at(after), in: zone))
    }

    @Test(arguments: [
        // expression, after, next (UTC)
        ("* * * * *", "2026-12-02T10:30:15Z", "2026-12-02T10:31:00.000Z"),
        ("* * * * *", "2026-12-02T10:30:00Z", "2026-12-02T10:31:00.000Z"),
        ("30 2 * * *", "2026-12-02T10:30:00Z", "2026-12-03T02:30:00.000Z"),
        ("*/15 * * * *", "2026-12-02T10:31:00Z", "2026-12-02T10:45:00.000Z"),
        ("5/20 * * * *", "2026-12-02T10:26:00Z", "2026-12-02T10:45:00.000Z"),
        ("0 9-17/4 * * *", "2026-12-02T10:00:00Z", "2026-12-02T13:00:00.000Z"),
        ("0 0 1,15 * *", "2026-12-02T00:00:00Z", "2026-12-15T00:00:00.000Z"),
        ("0 12 * jan-mar mon", "2026-12-02T00:00:00Z", "2027-01-04T12:00:00.000Z"),
        ("0 0 * * sun", "2026-12-02T00:00:00Z", "2026-12-06T00:00:00.000Z"),
        ("0 0 * * 7", "2026-12-02T00:00:00Z", "2026-12-06T00:00:00.000Z"),
        ("0 0 * * MON-FRI", "2026-12-04T12:00:00Z", "2026-12-07T00:00:00.000Z"),
        // Both day fields restricted: either matches (the 13th, or any Friday).
        ("0 0 13 * fri", "2026-12-02T00:00:00Z", "2026-12-04T00:00:00.000Z"),
        ("0 0 13 * fri", "2026-12-12T00:00:00Z", "2026-12-13T00:00:00.000Z"),
        // Only one restricted: both must match (the 13th that is a Friday... with '*': the 13th).
        ("0 0 13 * *", "2026-12-02T00:00:00Z", "2026-12-13T00:00:00.000Z"),
        ("0 0 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00.000Z"),
        ("@daily", "2026-12-02T10:00:00Z", "2026-12-03T00:00:00.000Z"),
        ("@hourly", "2026-12-02T10:00:00Z", "2026-12-02T11:00:00.000Z"),
        ("59 23 31 12 *", "2026-12-31T23:59:00Z", "2027-12-31T23:59:00.000Z"),
    ])
    func nextTimeInUTC(_ expression: String, _ after: String, _ expected: String) throws {
        #expect(try next(expression, after: after) == expected)
    }

    @Test(arguments: [
        ("0 25 * * *", "hour"), ("60 * * * *", "minute"), ("* * 0 * *", "day of month"), ("* * 32 * *", "day of month"),
        ("* * * 13 *", "month"), ("* * * foo *", "month"), ("* * * * 8", "day of week"), ("* * * * funday", "day of week"),
        ("*/0 * * * *", "minute"), ("5-1 * * * *", "minute"), ("1,,2 * * * *", "minute"), ("* * * *", "expression"),
        ("* * * * * *", "expression"), ("", "expression"), ("a * * * *", "minute"), ("* -1 * * *", "hour"),
    ])
    func badExpressionsNameTheirField(_ expression: String, _ field: String) {
        do {
            _ = try CronExpression(parsing: expression)
            Issue.record("'\(expression)' was accepted")
        } catch {
            #expect(error.field == field, "\(error)")
        }
    }

    @Test func impossibleDatesNeverMatch() throws {
        #expect(try next("0 0 31 2 *", after: "2026-01-01T00:00:00Z") == nil)
        #expect(try next("0 0 30 feb *", after: "2026-01-01T00:00:00Z") == nil)
    }

    @Test func everyCountsFromTheEpoch() {
        #expect(iso(ScheduleRule.every(seconds: 1).next(after: at("2026-12-02T10:30:15Z"), in: .utc)) == "2026-12-02T10:30:16.000Z")
        #expect(iso(ScheduleRule.every(seconds: 3600).next(after: at("2026-12-02T10:30:15Z"), in: .utc)) == "2026-12-02T11:00:00.000Z")
        #expect(iso(ScheduleRule.every(seconds: 3600).next(after: at("2026-12-02T11:00:00Z"), in: .utc)) == "2026-12-02T12:00:00.000Z")
        #expect(iso(ScheduleRule.every(seconds: 90).next(after: at("1970-01-01T00:00:00Z"), in: .utc)) == "1970-01-01T00:01:30.000Z")
    }

    @Test func utcWallTimeAgreesWithLibc() {
        LocalTime.useZone("UTC")
        defer { LocalTime.useZone(nil) }
        for seconds in stride(from: Int64(-86_400 * 400), to: 86_400 * 40_000, by: 86_400 * 37 + 3_671) {
            #expect(ScheduleZone.utc.wallTime(seconds) == ScheduleZone.local.wallTime(seconds), "at \(seconds)")
        }
    }

    /// New York: on 2026-03-08 the clock jumps from 02:00 EST to 03:00 EDT; on 2026-11-01 it goes
    /// back from 02:00 EDT to 01:00 EST. As cron does: a fixed-time job in the skipped hour runs
    /// once right after the jump, one in the repeated hour runs once; wildcard jobs follow the clock.
    @Test func daylightSavingDaysAsCronHandlesThem() throws {
        LocalTime.useZone("America/New_York")
        defer { LocalTime.useZone(nil) }
        // Local 02:30 does not exist on March 8: the job runs at 03:00 EDT = 07:00Z.
        #expect(try next("30 2 * * *", after: "2026-03-07T12:00:00Z", zone: .local) == "2026-03-08T07:00:00.000Z")
        // The day after, 02:30 EDT = 06:30Z again.
        #expect(try next("30 2 * * *", after: "2026-03-08T12:00:00Z", zone: .local) == "2026-03-09T06:30:00.000Z")
        // Normal days: 02:30 EST = 07:30Z.
        #expect(try next("30 2 * * *", after: "2026-03-06T12:00:00Z", zone: .local) == "2026-03-07T07:30:00.000Z")
        // A job at 03:15 is not moved on the jump day.
        #expect(try next("15 3 * * *", after: "2026-03-08T06:00:00Z", zone: .local) == "2026-03-08T07:15:00.000Z")
        // A wildcard-hour job simply never sees 02:xx that day.
        #expect(try next("30 * * * *", after: "2026-03-08T06:45:00Z", zone: .local) == "2026-03-08T07:30:00.000Z")

        // 01:30 occurs twice on November 1 (05:30Z EDT, then 06:30Z EST): a fixed-time job runs once.
        #expect(try next("30 1 * * *", after: "2026-11-01T00:00:00Z", zone: .local) == "2026-11-01T05:30:00.000Z")
        #expect(try next("30 1 * * *", after: "2026-11-01T05:30:00Z", zone: .local) == "2026-11-02T06:30:00.000Z")
        // A wildcard job runs in both passes.
        #expect(try next("30 * * * *", after: "2026-11-01T05:30:00Z", zone: .local) == "2026-11-01T06:30:00.000Z")
        // Midnight in New York in winter is 05:00Z.
        #expect(try next("0 0 * * *", after: "2026-12-02T00:00:00Z", zone: .local) == "2026-12-02T05:00:00.000Z")
    }
}
