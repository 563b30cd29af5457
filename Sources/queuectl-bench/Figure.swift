// Figure: one line of the result table: what was measured, its median and spread, and the
// issue's target for it with a verdict. Scenarios make figures; Report prints and saves them.

/// The unit of a figure's value, which decides how it is printed.
enum Unit: String, Sendable {
    case seconds = "s"
    case jobsPerSecond = "jobs/s"
    case mebibytes = "MiB"
}

/// A target of issue 6 or 19 and whether the measurement met it.
struct Target: Sendable {
    let text: String
    let met: Bool

    /// `value` at most `factor` times `reference`; the text names the reference.
    static func atMost(_ factor: Double, times reference: Double, of name: String, value: Double, unit: Unit) -> Target {
        Target(text: "≤ \(formatFactor(factor))× \(name) (\(format(factor * reference, unit)))", met: value <= factor * reference)
    }

    /// `value` at most `limit`.
    static func atMost(_ limit: Double, value: Double, unit: Unit) -> Target {
        Target(text: "≤ \(format(limit, unit))", met: value <= limit)
    }
}

/// One measured (or derived) quantity.
struct Figure: Sendable {
    let section: String
    let label: String
    let unit: Unit
    let value: Double
    let spread: Spread?
    let samples: Int
    var targets: [Target] = []
    var note: String?

    init(_ section: String, _ label: String, _ unit: Unit, value: Double, spread: Spread? = nil, samples: Int) {
        self.section = section
        self.label = label
        self.unit = unit
        self.value = value
        self.spread = spread
        self.samples = samples
    }

    /// The median of `summary`, with its spread.
    static func median(_ section: String, _ label: String, _ unit: Unit, _ summary: Summary) -> Figure {
        Figure(section, label, unit, value: summary.median, spread: summary.spread, samples: summary.count)
    }

    /// A high percentile of `summary` (p95, p99): a single value, no spread.
    static func percentile(_ section: String, _ label: String, _ summary: Summary, _ p: Double) -> Figure {
        Figure(section, label, .seconds, value: summary.percentile(p), samples: summary.count)
    }

    /// This figure with one more target to meet.
    func with(_ target: Target) -> Figure {
        var copy = self
        copy.targets.append(target)
        return copy
    }

    func with(note: String) -> Figure {
        var copy = self
        copy.note = note
        return copy
    }
}

/// A value in its unit, with a sensible number of digits: 0.183 ms, 12.4 ms, 1.23 s, 5,120 jobs/s.
func format(_ value: Double, _ unit: Unit) -> String {
    switch unit {
    case .seconds:
        if value < 1e-3 { return fixed(value * 1e6, value < 1e-4 ? 1 : 0) + " µs" }
        if value < 1 { return fixed(value * 1e3, value < 1e-2 ? 2 : value < 0.1 ? 1 : 0) + " ms" }
        return fixed(value, value < 10 ? 2 : 1) + " s"
    case .jobsPerSecond:
        return grouped(Int(value.rounded())) + " jobs/s"
    case .mebibytes:
        return fixed(value, 1) + " MiB"
    }
}

/// 2 as "2", 1.5 as "1.5", 1.25 as "1.25".
func formatFactor(_ factor: Double) -> String {
    if factor == factor.rounded() { return String(Int(factor)) }
    return (factor * 10).rounded() == factor * 10 ? fixed(factor, 1) : fixed(factor, 2)
}

/// `value` with `digits` decimals.
func fixed(_ value: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int((value * scale).rounded())
    guard digits > 0 else { return String(scaled) }
    let sign = scaled < 0 ? "-" : ""
    let magnitude = abs(scaled)
    let fraction = String(magnitude % Int(scale))
    return sign + String(magnitude / Int(scale)) + "." + String(repeating: "0", count: digits - fraction.count) + fraction
}

/// 1234567 as "1,234,567".
func grouped(_ number: Int) -> String {
    let digits = Array(String(abs(number)))
    var text = ""
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { text.append(",") }
        text.append(digit)
    }
    return (number < 0 ? "-" : "") + text
}
