// Tests of duration text: parsing what people type, formatting short forms, relative times.

import Testing
@testable import QueueCore

@Suite struct DurationParsingTests {
    @Test(arguments: [
        ("30", 30.0), ("0", 0), ("1.5", 1.5), ("30s", 30), ("1.5s", 1.5), ("250ms", 0.25), ("5m", 300),
        ("2h", 7_200), ("7d", 604_800), ("1w", 604_800), ("1h30m", 5_400), ("1h 30m", 5_400),
        ("2d12h", 216_000), ("1m30s500ms", 90.5), ("0.5h", 1_800), ("  45s  ", 45), ("10 min", 600),
        ("3 hours", 10_800), ("1 day", 86_400), ("2weeks", 1_209_600), ("90sec", 90), ("0s", 0),
        ("100msec", 0.1), ("1.25 seconds", 1.25), ("30m1h", 5_400),
    ])
    func parsesDurations(_ text: String, _ seconds: Double) {
        #expect(parseDuration(text) == seconds)
    }

    @Test(arguments: [
        "", "   ", "-5", "-5s", "+5s", "5x", "s", "ms", "5 5", "1h30", "30 5m", "1.5.5s", ".5s", "5.s", "1e3",
        "1e3s", "5S", "5M", "1h1h", "5m 5m", "1h-30m", "inf", "nan", "5s,", "1,5s", "½h", "5 s s",
    ])
    func rejectsInvalidText(_ text: String) {
        #expect(parseDuration(text) == nil)
    }

    @Test func rejectsOverflow() {
        #expect(parseDuration(String(repeating: "9", count: 400) + "w") == nil)
    }
}

@Suite struct DurationFormattingTests {
    @Test(arguments: [
        (0.0, "0s"), (0.0004, "0.4ms"), (0.00001, "0.1ms"), (0.001, "1ms"), (0.25, "250ms"), (0.9994, "999ms"), (0.9996, "1s"),
        (1, "1s"), (1.2, "1.2s"), (1.25, "1.2s"), (9.96, "9.9s"), (10, "10s"), (45, "45s"), (59.4, "59s"),
        (60, "1m"), (185, "3m5s"), (3_599, "59m59s"), (3_600, "1h"), (7_380, "2h3m"), (7_399, "2h3m"),
        (86_399, "23h59m"), (86_400, "1d"), (352_800, "4d2h"), (1_209_600, "14d"), (-5, "-5s"),
        (-0.25, "-250ms"), (.infinity, "forever"), (.nan, "?"),
    ])
    func formatsShortForms(_ seconds: Double, _ text: String) {
        #expect(formatDuration(seconds) == text)
    }

    @Test func neverTrapsOnHugeValues() {
        #expect(formatDuration(1e300).hasSuffix("h") || formatDuration(1e300).hasSuffix("d"))
        #expect(formatDuration(-1e300).hasPrefix("-"))
    }

    @Test func formattedTextParsesBackWithinItsPrecision() throws {
        for seconds in [0.003, 0.25, 1.2, 4.5, 45, 185, 3_600, 7_380, 352_800, 1_000_000] {
            let text = formatDuration(seconds)
            let parsed = try #require(parseDuration(text), "\(text)")
            #expect(parsed <= seconds + 0.0005, "\(text)")
            #expect(seconds - parsed < max(0.1, seconds / 60), "\(text)")
        }
    }
}

@Suite struct RelativeTimeTests {
    let now = Timestamp(microseconds: 1_795_361_412_250_000)

    @Test(arguments: [
        (0.0, "just now"), (0.999, "just now"), (-0.5, "just now"), (1, "in 1s"), (8.7, "in 8s"),
        (-8, "8s ago"), (59.9, "in 59s"), (60, "in 1m"), (-180, "3m ago"), (-239, "3m59s ago"),
        (5_400, "in 1h30m"), (7_200, "in 2h"), (-86_399, "23h59m ago"), (86_400, "in 1d"), (-432_000, "5d ago"),
        (-1e300, "106772770d19h ago"),
    ])
    func describesTheDistance(_ offset: Double, _ text: String) {
        #expect(formatRelative(now.adding(seconds: offset), now: now) == text)
    }
}
