// Console: where the program's text goes. Data on stdout, errors and progress on stderr;
// colour only when stdout is a terminal and NO_COLOR is not set.

import QueueCore
import QueueSystem

/// Output for people and for scripts.
enum Console {
    static let usesColor: Bool = CurrentProcess.isTerminal(.standardOutput)
        && (CurrentProcess.environmentValue("NO_COLOR") ?? "").isEmpty
        && CurrentProcess.environmentValue("TERM") != "dumb"

    static func out(_ text: String) {
        try? FileDescriptor.standardOutput.writeAll(text + "\n")
    }

    static func error(_ text: String) {
        try? FileDescriptor.standardError.writeAll(text + "\n")
    }

    /// Prints a JSON value, pretty, as `jq` would.
    static func json(_ value: JSONValue) {
        out(encodeJSON(value, pretty: true))
    }
}

/// ANSI styles, applied only when colour is on.
enum Style {
    case bold, dim, red, green, yellow, blue, cyan

    private var code: String {
        switch self {
        case .bold: "1"
        case .dim: "2"
        case .red: "31"
        case .green: "32"
        case .yellow: "33"
        case .blue: "34"
        case .cyan: "36"
        }
    }

    func apply(_ text: String) -> String {
        Console.usesColor ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// The colour that goes with a state.
    static func of(_ state: JobState) -> Style {
        switch state {
        case .pending: .blue
        case .processing: .cyan
        case .failed: .yellow
        case .completed: .green
        case .dead: .red
        }
    }
}
