// Backoff: when a failed job may run again. `base ^ attempts` seconds after the failure,
// never more than `max`; and whether the job has retries left at all.

/// The retry policy of section 3 of the contract.
public struct Backoff: Sendable {
    public let base: Double
    public let maximum: Double

    public init(base: Double, maximum: Double) {
        self.base = base
        self.maximum = maximum
    }

    public init(config: Config) {
        self.init(base: config.backoffBase, maximum: config.backoffMax)
    }

    /// Seconds to wait after the `attempts`-th failed run.
    public func delay(afterAttempt attempts: Int) -> Double {
        var seconds = 1.0
        for _ in 0..<max(attempts, 0) {
            seconds *= base
            if seconds >= maximum { return maximum }
        }
        return min(seconds, maximum)
    }

    /// After `attempts` runs, a job with `maxRetries` retries may run again while attempts <= maxRetries.
    public static func hasRetriesLeft(attempts: Int, maxRetries: Int) -> Bool {
        attempts <= maxRetries
    }
}
