// Tests of Timestamp: formatting, parsing (forms, offsets, range checks, leap years), the
// calendar algorithm against every day of a long span, sorting of compact names, arithmetic.

import Testing
@testable import QueueCore

@Suite struct TimestampFormattingTests {
    /// 2026-11-22T15:30:12.250Z
    let sample = Timestamp(microseconds: 1_795_361_412_250_000)

    @Test func formatsISO8601AndCompact() {
        #expect(sample.iso8601 == "2026-11-22T15:30:12.250Z")
        #expect(sample.compact == "20261122T153012.250Z")
        #expect(sample.description == sample.iso8601)
        #expect(Timestamp(microseconds: 0).iso8601 == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(microseconds: 951_782_400_000_000).iso8601 == "2000-02-29T00:00:00.000Z")
    }

    @Test func truncatesToMilliseconds() {
        #expect(Timestamp(microseconds: 1_795_361_412_250_999).iso8601 == "2026-11-22T15:30:12.250Z")
        #expect(Timestamp(microseconds: 999).iso8601 == "1970-01-01T00:00:00.000Z")
    }

    @Test func formatsInstantsBefore1970() {
        #expect(Timestamp(microseconds: -500_000).iso8601 == "1969-12-31T23:59:59.500Z")
        #expect(Timestamp(microseconds: -1).iso8601 == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp(microseconds: -2_203_891_200_000_000).iso8601 == "1900-03-01T00:00:00.000Z")
        #expect(Timestamp(microseconds: -62_135_596_800_000_000).compact == "00010101T000000.000Z")
    }

    @Test func formatsTheEndsOfTheRange() {
        #expect(Timestamp(microseconds: 253_402_300_799_999_000).iso8601 == "9999-12-31T23:59:59.999Z")
        #expect(Timestamp(microseconds: 253_402_300_800_000_000).iso8601 == "+010000-01-01T00:00:00.000Z")
        // Must not trap at the extremes.
        #expect(Timestamp(microseconds: .max).iso8601.hasPrefix("+294247-01-10T04:00:54.775"))
        #expect(Timestamp(microseconds: .min).iso8601.hasPrefix("-290308-12-21T19:59:05.224"))
    }

    @Test func compactFormsSortInTimeOrder() {
        var generator = TestRandom(seed: 7)
        // Whole milliseconds from 1970 to 9999, plus a few hand-picked neighbours.
        var instants = (0..<2_000).map { _ in
            Timestamp(microseconds: Int64(generator.next() % 253_402_300_799_999) * 1_000)
        }
        instants += [0, 1_000, 999_000, 86_400_000_000, 946_684_799_999_000, 946_684_800_000_000].map {
            Timestamp(microseconds: $0)
        }
        let byText = instants.sorted { $0.compact < $1.compact }
        let byTime = instants.sorted()
        #expect(byText == byTime)
        #expect(Set(instants.map(\.compact.utf8.count)) == [20])
    }

    @Test func nowIsTheCurrentTime() {
        let first = Timestamp.now()
        let second = Timestamp.now()
        #expect(first.microseconds > 1_735_689_600_000_000)  // after 2025-01-01
        #expect(second >= first)
        #expect(second.secondsSince(first) < 1)
    }
}

@Suite struct TimestampParsingTests {
    let sample = Timestamp(microseconds: 1_795_361_412_250_000)

    @Test(arguments: [
        "2026-11-22T15:30:12.250Z",
        "2026-11-22T15:30:12.25Z",
        "2026-11-22T15:30:12.250000Z",
        "2026-11-22T15:30:12.250000999Z",   // digits past microseconds are truncated
        "2026-11-22T15:30:12,25Z",
        "2026-11-22t15:30:12.250z",
        "2026-11-22 15:30:12.250Z",
        "2026-11-22T17:30:12.250+02:00",
        "2026-11-22T17:30:12.250+0200",
        "2026-11-22T17:30:12.250+02",
        "2026-11-22T10:00:12.250-05:30",
        "2026-11-23T01:00:12.250+09:30",
        "2026-11-22T15:30:12.250-00:00",
    ])
    func parsesEquivalentForms(_ text: String) {
        #expect(Timestamp(iso8601: text) == sample)
    }

    @Test func parsesCoarserForms() {
        #expect(Timestamp(iso8601: "2026-11-22T15:30:12Z")?.iso8601 == "2026-11-22T15:30:12.000Z")
        #expect(Timestamp(iso8601: "2026-11-22T15:30Z")?.iso8601 == "2026-11-22T15:30:00.000Z")
        #expect(Timestamp(iso8601: "2026-11-22")?.iso8601 == "2026-11-22T00:00:00.000Z")
        #expect(Timestamp(iso8601: "1970-01-01") == Timestamp(microseconds: 0))
    }

    @Test func keepsMicroseconds() {
        #expect(Timestamp(iso8601: "1970-01-01T00:00:00.000001Z")?.microseconds == 1)
        #expect(Timestamp(iso8601: "1970-01-01T00:00:00.1Z")?.microseconds == 100_000)
        #expect(Timestamp(iso8601: "1970-01-01T00:00:00.9999999Z")?.microseconds == 999_999)
        #expect(Timestamp(iso8601: "1969-12-31T23:59:59.5Z")?.microseconds == -500_000)
    }

    @Test func offsetsCanCrossDayAndYearBoundaries() {
        #expect(Timestamp(iso8601: "2026-01-01T01:00:00+02:00")?.iso8601 == "2025-12-31T23:00:00.000Z")
        #expect(Timestamp(iso8601: "2024-02-28T22:00:00-03:00")?.iso8601 == "2024-02-29T01:00:00.000Z")
        #expect(Timestamp(iso8601: "2023-02-28T22:00:00-03:00")?.iso8601 == "2023-03-01T01:00:00.000Z")
    }

    @Test(arguments: [
        ("2000-02-29", true), ("2024-02-29", true), ("2400-02-29", true), ("0000-02-29", true),
        ("1900-02-29", false), ("2100-02-29", false), ("2023-02-29", false), ("2024-02-30", false),
    ])
    func checksLeapYears(_ text: String, _ isValid: Bool) {
        #expect((Timestamp(iso8601: text) != nil) == isValid)
    }

    @Test(arguments: [
        "", "2026", "2026-11", "2026-13-01", "2026-00-10", "2026-11-00", "2026-11-31", "2026-04-31",
        "2026-11-32", "2026-1-22", "26-11-22", "2026/11/22", "2026-11-22T", "2026-11-22T15Z",
        "2026-11-22T24:00:00Z", "2026-11-22T15:60:00Z", "2026-11-22T15:30:60Z", "2026-11-22T15:30:61Z",
        "2026-11-22T15:30:12", "2026-11-22T15:30:12.250", "2026-11-22T15:30:12.Z", "2026-11-22T15:30:12.250ZZ",
        "2026-11-22T15:30:12Z ", " 2026-11-22T15:30:12Z", "2026-11-22T15:30:12+24:00", "2026-11-22T15:30:12+02:60",
        "2026-11-22T15:30:12+2:00", "2026-11-22T15:30:12+02:0", "2026-11-22T15:30:12+020", "2026-11-22Z",
        "2026-11-22T15:30:12UTC", "+2026-11-22", "2026-11-22T1:30:12Z", "２０２６-11-22",
        "20261122T153012.250Z",
    ])
    func rejectsInvalidText(_ text: String) {
        #expect(Timestamp(iso8601: text) == nil)
    }

    @Test func parsesCompactExactly() {
        #expect(Timestamp(compact: "20261122T153012.250Z") == sample)
        #expect(Timestamp(compact: "19700101T000000.000Z") == Timestamp(microseconds: 0))
        for invalid in ["20261122T153012Z", "20261122T153012.25Z", "20261122T153012.250z", "20261122t153012.250Z",
                        "2026-11-22T15:30:12.250Z", "20261122T153012.250", "20261122T153012.250Z1",
                        "20261131T153012.250Z", "20261122T253012.250Z", "20261122T153060.250Z", ""] {
            #expect(Timestamp(compact: invalid) == nil, "accepted \(invalid)")
        }
    }

    @Test func roundTripsThroughText() {
        var generator = TestRandom(seed: 99)
        for _ in 0..<5_000 {
            // Any whole millisecond from year 0000 to 9999.
            let milliseconds = Int64(generator.next() % 315_569_520_000_000) - 62_167_219_200_000
            let instant = Timestamp(microseconds: milliseconds * 1_000)
            #expect(Timestamp(iso8601: instant.iso8601) == instant, "\(instant.iso8601)")
            #expect(Timestamp(compact: instant.compact) == instant, "\(instant.compact)")
        }
    }
}

@Suite struct CivilDateTests {
    @Test func daysAndDatesAreInverse() {
        // Every day from 1600-01-01 to 2400-12-31: consecutive, valid, and inverse.
        var previous = CivilDate(daysSinceEpoch: -135_140)
        #expect(previous == CivilDate(year: 1600, month: 1, day: 1))
        for days in Int64(-135_139)...Int64(157_419) {
            let date = CivilDate(daysSinceEpoch: days)
            if date.daysSinceEpoch != days {
                Issue.record("day \(days) gives \(date), which gives \(date.daysSinceEpoch)")
                return
            }
            let isNextDay = date.day == previous.day + 1 && date.month == previous.month && date.year == previous.year
            let isNextMonth = date.day == 1 && previous.day == CivilDate.daysInMonth(previous.month, year: previous.year)
                && (date.month == previous.month + 1 && date.year == previous.year
                    || date.month == 1 && previous.month == 12 && date.year == previous.year + 1)
            if !(isNextDay || isNextMonth) {
                Issue.record("day \(days): \(previous) is not followed by \(date)")
                return
            }
            previous = date
        }
        #expect(previous == CivilDate(year: 2400, month: 12, day: 31))
    }

    @Test func knowsTheEpoch() {
        #expect(CivilDate(year: 1970, month: 1, day: 1).daysSinceEpoch == 0)
        #expect(CivilDate(year: 1969, month: 12, day: 31).daysSinceEpoch == -1)
        #expect(CivilDate(year: 2000, month: 3, day: 1).daysSinceEpoch == 11_017)
        #expect(CivilDate(daysSinceEpoch: 20_513) == CivilDate(year: 2026, month: 3, day: 1))
    }
}

@Suite struct TimestampArithmeticTests {
    let start = Timestamp(microseconds: 1_795_361_412_250_000)

    @Test func addsAndMeasuresSeconds() {
        #expect(start.adding(seconds: 1.5).microseconds == start.microseconds + 1_500_000)
        #expect(start.adding(seconds: -86_400).iso8601 == "2026-11-21T15:30:12.250Z")
        #expect(start.adding(seconds: 0.000_000_4) == start)  // rounds to the microsecond
        #expect(start.adding(seconds: 2.5).secondsSince(start) == 2.5)
        #expect(start.secondsSince(start.adding(seconds: 60)) == -60)
        #expect(start.adding(seconds: .nan) == start)
    }

    @Test func clampsInsteadOfOverflowing() {
        #expect(start.adding(seconds: 1e300).microseconds == .max)
        #expect(start.adding(seconds: -.infinity).microseconds == .min)
        #expect(Timestamp(microseconds: .max - 10).adding(seconds: 1).microseconds == .max)
        #expect(Timestamp(microseconds: .max).secondsSince(Timestamp(microseconds: .min)) > 1.8e13)
    }

    @Test func convertsSecondsSinceEpoch() {
        #expect(Timestamp(secondsSinceEpoch: 1.25).microseconds == 1_250_000)
        #expect(Timestamp(secondsSinceEpoch: -0.5).iso8601 == "1969-12-31T23:59:59.500Z")
        #expect(start.secondsSinceEpoch == 1_795_361_412.25)
    }

    @Test func comparesAndHashes() {
        let later = start.adding(seconds: 0.001)
        #expect(start < later)
        #expect(!(later < start))
        #expect([later, start].sorted() == [start, later])
        #expect(Set([start, Timestamp(microseconds: start.microseconds), later]).count == 2)
    }
}
