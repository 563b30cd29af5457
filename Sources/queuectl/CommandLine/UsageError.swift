// A usage or validation error, and its text for stderr in argument-parser's words.
// Guarantees: the text names the problem, then the command's usage and how to get its
// help; every message the parser can produce is worded here and nowhere else.

import QueueCore

/// A mistake on the command line. The caller writes ``render(root:)`` to stderr and exits 2.
struct UsageError: Error, Sendable, Equatable {
    /// What is wrong: `Unknown option '--prority'. Did you mean '--priority'?`
    var message: String
    /// The command whose usage the text shows: `["worker", "start"]`; empty for the root.
    var commandPath: [String]
    /// argument-parser's `Help:` line: the option or argument at fault and its help.
    var help: String? = nil

    /// The full text for stderr, to print followed by a newline:
    ///
    ///     Error: Unknown option '--prority'. Did you mean '--priority'?
    ///     Usage: queuectl enqueue [<options>] [<json>]
    ///       See 'queuectl enqueue --help' for more information.
    func render(root: CommandSpec) -> String {
        let command = CommandInTree(root: root, longestPrefixOf: commandPath)
        return "Error: \(message)\n"
            + (help.map { "Help:  \($0)\n" } ?? "")
            + "Usage: \(command.usage)\n"
            + "  See '\(command.fullName) \(OptionSpec.help.longName)' for more information."
    }
}

extension UsageError {
    /// `Unknown option '--prority'. Did you mean '--priority'?` (long names only get a suggestion).
    static func unknownOption(_ name: String, in command: CommandInTree) -> UsageError {
        var message = "Unknown option '\(name)'"
        if name.hasPrefix("--"),
           let suggestion = closestMatch(to: name, among: command.acceptedOptions.map(\.longName)) {
            message += ". Did you mean '\(suggestion)'?"
        }
        return UsageError(message: message, commandPath: command.path)
    }

    /// `Missing value for '--count <n>'`.
    static func missingValue(for option: OptionSpec, typedAs name: String, in command: CommandInTree) -> UsageError {
        let synopsis = option.synopsis(name: name)
        return UsageError(
            message: "Missing value for '\(synopsis)'", commandPath: command.path,
            help: "\(synopsis)  \(option.help)")
    }

    /// `The option '--json' does not take any value, but 'x' was specified.`
    static func unexpectedValue(_ value: String, forFlag name: String, in command: CommandInTree) -> UsageError {
        UsageError(
            message: "The option '\(name)' does not take any value, but '\(value)' was specified.",
            commandPath: command.path)
    }

    /// `Unexpected argument 'x'`, or `2 unexpected arguments: 'x', 'y'`; for a mistyped
    /// subcommand, `Unexpected argument 'statsu'. Did you mean 'status'?`
    static func unexpectedArguments(_ values: [String], in command: CommandInTree) -> UsageError {
        guard values.count == 1 else {
            let list = values.map { "'\($0)'" }.joined(separator: ", ")
            return UsageError(message: "\(values.count) unexpected arguments: \(list)", commandPath: command.path)
        }
        var message = "Unexpected argument '\(values[0])'"
        if let suggestion = closestMatch(to: values[0], among: command.command.subcommands.map(\.name)),
           suggestion != values[0] {
            message += ". Did you mean '\(suggestion)'?"
        }
        return UsageError(message: message, commandPath: command.path)
    }

    /// `Unexpected argument 'hi'` for a command that takes words after `--`, with the hint to
    /// put them there: `queuectl enqueue -- echo hi`.
    static func wordsBeforeTerminator(_ words: [String], argument: ArgumentSpec, in command: CommandInTree) -> UsageError {
        var error = unexpectedArguments(Array(words.dropFirst()), in: command)
        error.help = "To give \(argument.label) as words, put them after '--': \(command.fullName) -- \(words.joined(separator: " "))"
        return error
    }

    /// `Missing expected argument '<id>'`.
    static func missingArgument(_ argument: ArgumentSpec, in command: CommandInTree) -> UsageError {
        UsageError(
            message: "Missing expected argument '\(argument.label)'", commandPath: command.path,
            help: "\(argument.label)  \(argument.help)")
    }

    /// `Missing expected argument '--state <state>'`, for an option that must be given.
    static func missingOption(_ option: OptionSpec, in command: CommandInTree) -> UsageError {
        let synopsis = option.synopsis(name: option.longName)
        return UsageError(
            message: "Missing expected argument '\(synopsis)'", commandPath: command.path,
            help: "\(synopsis)  \(option.help)")
    }

    /// `The value 'abc' is invalid for '--count <n>'`, then `: <reason>` or the values allowed.
    ///
    /// - Parameters:
    ///   - label: the option's synopsis (`--count <n>`) or the argument's label (`<shell>`).
    ///   - help: the option's or argument's help text, for the `Help:` line.
    static func invalidValue(
        _ value: String, for label: String, reason: String? = nil, allowedValues: [String] = [],
        help: String?, commandPath: [String]
    ) -> UsageError {
        let explanation = reason.map { ": " + $0 } ?? describeChoices(allowedValues)
        return UsageError(
            message: "The value '\(value)' is invalid for '\(label)'\(explanation)",
            commandPath: commandPath,
            help: help.map { "\(label)  \($0)" })
    }

    /// `. Please provide one of 'a', 'b' or 'c'.`, or a bulleted list from six values on.
    private static func describeChoices(_ values: [String]) -> String {
        guard !values.isEmpty else { return "" }
        guard values.count < 6 else {
            return ". Please provide one of the following:\n" + values.map { "  - \($0)" }.joined(separator: "\n")
        }
        let quoted = values.map { "'\($0)'" }
        let list = quoted.count <= 2
            ? quoted.joined(separator: " and ")
            : quoted.dropLast().joined(separator: ", ") + " or " + quoted.last!
        return ". Please provide one of \(list)."
    }
}
