// Measure: the clock and the statistics of the benchmark. Every figure is a median over samples
// with its spread: min–max over a few repeated runs, the interquartile range over many samples.

import QueueSystem

/// Seconds between two readings of `SystemClock.monotonicNanoseconds` (CLOCK_MONOTONIC, the
/// clock of every interval measured here).
func seconds(from start: Int64, to end: Int64) -> Double {
    Double(end - start) / 1e9
}

/// The seconds `body` takes.
func timed(_ body: () throws -> Void) rethrows -> Double {
    let start = SystemClock.monotonicNanoseconds
    try body()
    return seconds(from: start, to: SystemClock.monotonicNanoseconds)
}

/// A set of samples, sorted, and the statistics read from them.
struct Summary: Sendable {
    let samples: [Double]

    init(_ samples: [Double]) {
        precondition(!samples.isEmpty, "a summary needs at least one sample")
        self.samples = samples.sorted()
    }

    var count: Int { samples.count }
    var median: Double { percentile(50) }
    var minimum: Double { samples[0] }
    var maximum: Double { samples[samples.count - 1] }

    /// The p-th percentile, interpolated linearly between the two nearest samples.
    func percentile(_ p: Double) -> Double {
        let position = p / 100 * Double(samples.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, samples.count - 1)
        let fraction = position - Double(lower)
        return samples[lower] + (samples[upper] - samples[lower]) * fraction
    }

    /// Min–max for up to 10 samples (repeated runs), the interquartile range beyond.
    var spread: Spread {
        count <= 10
            ? Spread(low: minimum, high: maximum, kind: .range)
            : Spread(low: percentile(25), high: percentile(75), kind: .interquartile)
    }
}

/// How far the samples of a figure spread around its median.
struct Spread: Sendable {
    enum Kind: String, Sendable {
        case range = "min-max"
        case interquartile = "IQR"
    }
    let low: Double
    let high: Double
    let kind: Kind
}
