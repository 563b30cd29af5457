// JobState: the five states of a job, each a folder of the spool, and the moves between them.

/// Where a job is in its life. Each state is a folder of the spool; the folder is the truth.
public enum JobState: String, CaseIterable, Sendable, Comparable {
    case pending, processing, failed, completed, dead

    /// The folder name inside the spool.
    public var folder: String { rawValue }

    /// True for the states a job never leaves by itself.
    public var isFinal: Bool { self == .completed || self == .dead }

    /// The moves a worker or a command may make; anything else is a bug.
    public func canMove(to next: JobState) -> Bool {
        switch (self, next) {
        case (.pending, .processing), (.failed, .processing): true    // claim
        case (.processing, .completed), (.processing, .failed), (.processing, .dead): true  // result
        case (.processing, .pending): true                             // forced stop, no attempt charged
        case (.dead, .pending): true                                   // dlq retry, requeue
        case (.completed, .pending), (.failed, .pending): true         // requeue
        case (.pending, .dead), (.failed, .dead): true                 // cancel, failed dependency
        default: false
        }
    }

    public static func < (a: JobState, b: JobState) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Parses a user's `--state` value.
    public init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }
}
