// The result of parsing: which command to run, its positional values, options and flags.
// Guarantees: values are kept in the order given; typed accessors refuse bad values with
// argument-parser's wording (`The value 'abc' is invalid for '--count <n>'`).

/// A command line that names a command to run, with what was given to it.
struct ParsedCommand: Sendable {
    /// The command: `["worker", "start"]`.
    let path: [String]
    /// Positional values, in order (everything after `--` included).
    let positionals: [String]
    /// The command's positional arguments, to word errors.
    let arguments: [ArgumentSpec]
    /// The options the command accepts (its own and the global ones), to word errors.
    let acceptedOptions: [OptionSpec]
    /// The long names of the flags given.
    let givenFlags: Set<String>
    /// The values given to each option, by long name, in order.
    let givenValues: [String: [String]]
    /// The words after `--`, for a command with an argument that takes them
    /// (``ArgumentSpec/isAfterTerminator``); nil when no `--` was given.
    var wordsAfterTerminator: [String]? = nil

    /// Whether the flag `--long` was given.
    func flag(_ long: String) -> Bool {
        precondition(spec(long) != nil, undeclared("--\(long)"))
        return givenFlags.contains(long)
    }

    /// Whether the command declares `--long` (commands that share code ask before reading it).
    func accepts(_ long: String) -> Bool {
        spec(long) != nil
    }

    /// The last value given to `--long`, if any.
    func value(_ long: String) -> String? {
        values(long).last
    }

    /// Every value given to `--long`, in order.
    func values(_ long: String) -> [String] {
        precondition(spec(long) != nil, undeclared("--\(long)"))
        return givenValues[long] ?? []
    }

    /// The last value of `--long` as an integer; `nil` when not given.
    func int(_ long: String) throws(UsageError) -> Int? {
        guard let text = value(long) else { return nil }
        guard let number = Int(text) else { throw invalidValue(long) }
        return number
    }

    /// The last value of `--long` as a finite number; `nil` when not given.
    func double(_ long: String) throws(UsageError) -> Double? {
        guard let text = value(long) else { return nil }
        guard let number = Double(text), number.isFinite else { throw invalidValue(long) }
        return number
    }

    /// `The value '2000' is invalid for '--priority <p>': <reason>`, for the last value given
    /// to `--long`: for checks the parser cannot make, such as a range.
    func invalidValue(_ long: String, reason: String? = nil) -> UsageError {
        guard let option = spec(long) else { preconditionFailure(undeclared("--\(long)")) }
        return .invalidValue(
            value(long) ?? "", for: option.synopsis(name: option.longName), reason: reason,
            help: option.help, commandPath: path)
    }

    /// `The value 'a/b' is invalid for '<id>': <reason>`, for the positional argument `name`.
    func invalidArgument(_ name: String, value: String, reason: String? = nil) -> UsageError {
        guard let argument = arguments.first(where: { $0.name == name }) else {
            preconditionFailure(undeclared("<\(name)>"))
        }
        return .invalidValue(value, for: argument.label, reason: reason, help: argument.help, commandPath: path)
    }

    /// An error in the caller's words, shown with this command's usage:
    /// `--run-at and --delay cannot be used together`.
    func usageError(_ message: String) -> UsageError {
        UsageError(message: message, commandPath: path)
    }

    private func spec(_ long: String) -> OptionSpec? {
        acceptedOptions.first { $0.long == long }
    }

    /// The message for a name the command does not declare: a typo in the caller's code.
    private func undeclared(_ name: String) -> String {
        "\(name) is not declared by the command '\(path.joined(separator: " "))'"
    }
}
