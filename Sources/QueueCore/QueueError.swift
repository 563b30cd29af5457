// QueueError: every failure a user can see, with what they need to fix it.
// Exit codes are decided here and nowhere else: 2 for bad input (nothing written), 1 otherwise.

import QueueSystem

/// One problem with one field of a job record or a setting.
public struct FieldProblem: Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let message: String
    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }
    /// A problem with the record as a whole, or one worded in full: `message` alone.
    public init(wholeMessage: String) {
        self.field = ""
        self.message = wholeMessage
    }
    public var description: String { field.isEmpty ? message : "'\(field)' \(message)" }
}

/// The errors of queuectl's library.
public enum QueueError: Error, Sendable, CustomStringConvertible {
    /// The input is not a valid job: nothing was written.
    case invalidJob([FieldProblem], line: Int? = nil)
    /// A batch with problems on several lines: nothing was written.
    case invalidBatch([(line: Int, problem: String)])
    /// Input that is not JSON at all.
    case malformedJSON(String, line: Int? = nil)
    case duplicateID(JobID)
    case unknownJob(String)
    case unknownSchedule(String)
    case unknownGroup(String)
    case unknownDependency(JobID)
    case invalidConfig(key: String, reason: String)
    case unknownConfigKey(String, suggestion: String?)
    case wrongState(JobID, JobState, expected: String)
    /// The job has already finished; there is nothing left to cancel.
    case alreadyFinished(JobID, JobState)
    case spoolUnusable(path: String, reason: String)
    /// SPOOL/format names a version this build cannot read (a newer queuectl made the spool).
    case unsupportedSpoolFormat(path: String, found: String, readable: ClosedRange<Int>)
    case timedOut(String)
    /// `worker start --detach`: a worker did not come up (the reason names which and why).
    case workersNotStarted(String)
    case system(SystemError)

    /// The process exit status for this error.
    public var exitCode: Int32 {
        switch self {
        case .invalidJob, .invalidBatch, .malformedJSON, .duplicateID, .unknownDependency,
             .invalidConfig, .unknownConfigKey:
            2
        case .timedOut:
            124
        case .unknownJob, .unknownSchedule, .unknownGroup, .wrongState, .alreadyFinished, .spoolUnusable, .unsupportedSpoolFormat,
             .workersNotStarted, .system:
            1
        }
    }

    public var description: String {
        switch self {
        case .invalidJob(let problems, let line):
            let prefix = line.map { "line \($0): " } ?? ""
            return problems.map { "\(prefix)\($0)" }.joined(separator: "\n")
        case .invalidBatch(let problems):
            return problems.map { "line \($0.line): \($0.problem)" }.joined(separator: "\n")
        case .malformedJSON(let reason, let line):
            return (line.map { "line \($0): " } ?? "") + "invalid JSON: \(reason)"
        case .duplicateID(let id):
            return "A job with id '\(id)' already exists."
        case .unknownJob(let id):
            return "No job with id '\(id)'."
        case .unknownSchedule(let name):
            return "No schedule named '\(name)'. See 'queuectl schedule list'."
        case .unknownGroup(let name):
            return "No settings for group '\(name)'. See 'queuectl group list'."
        case .unknownDependency(let id):
            return "'after' names '\(id)', which is not a job in this spool."
        case .invalidConfig(let key, let reason):
            return "The value for '\(key)' is invalid: \(reason)"
        case .unknownConfigKey(let key, let suggestion):
            return "Unknown config key '\(key)'." + (suggestion.map { " Did you mean '\($0)'?" } ?? "")
                + " See 'queuectl config list'."
        case .wrongState(let id, let state, let expected):
            return "Job '\(id)' is \(state.rawValue), not \(expected)."
        case .alreadyFinished(let id, let state):
            return state == .completed ? "Job '\(id)' already completed." : "Job '\(id)' is already dead (in the DLQ)."
        case .spoolUnusable(let path, let reason):
            return "Cannot use the spool '\(path)': \(reason)"
        case .unsupportedSpoolFormat(let path, let found, let readable):
            let versions = "queuectl-spool \(readable.lowerBound)" + (readable.count > 1 ? " to \(readable.upperBound)" : "")
            return found.hasPrefix(SpoolFormat.magic + " ")
                ? "\(path) says '\(found)', but this queuectl reads only \(versions): the spool was made by a newer queuectl. Use that version (or newer); nothing was changed."
                : "\(path) says '\(found)', which is not a spool format this queuectl knows (it reads \(versions)); nothing was changed."
        case .timedOut(let what):
            return "Timed out \(what)."
        case .workersNotStarted(let reason):
            return reason
        case .system(let error):
            return error.description
        }
    }
}

extension SystemError {
    /// Lifts a system error into the library's error type.
    public var queueError: QueueError { .system(self) }
}

extension QueueError {
    /// The system call's error, when this is one.
    public var systemError: SystemError? {
        if case .system(let error) = self { error } else { nil }
    }
}
