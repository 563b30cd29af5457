// Turns the words of a command line into a command to run, a help text, or the version.
// Guarantees: argument-parser's rules: global options anywhere, `--name value` and
// `--name=value`, `--` ends options, and -h/--help or --version win over any mistake.

/// What a command line asks for.
enum ParseOutcome: Sendable {
    /// Run this command.
    case run(ParsedCommand)
    /// Print this help text to stdout (followed by a newline), and exit 0.
    case help(String)
    /// Print the version to stdout, and exit 0.
    case version
}

/// Parses `arguments` (the command line without the program name) against `root`'s tree.
///
/// - No arguments, `help [<subcommand> ...]`, `-h`/`--help` anywhere, or a command that has
///   subcommands given without one: `.help` with the help of the command named.
/// - `--version` anywhere: `.version`, if the root lists ``OptionSpec/version``.
/// - A valued option takes the next word even if it starts with `-` (`--priority -5`).
/// - A word that reads as a negative number is a positional value, not an option.
func parseArguments(_ arguments: [String], root: CommandSpec, terminalWidth: Int) throws(UsageError) -> ParseOutcome {
    var parser = CommandLineParser(command: CommandInTree(root: root))
    parser.read(arguments)
    return try parser.outcome(terminalWidth: terminalWidth)
}

/// The state of one pass over the words: the command reached so far and what was given to it.
private struct CommandLineParser {
    var command: CommandInTree
    var positionals: [String] = []
    /// The words after `--`, when the command has an argument that takes them.
    var wordsAfterTerminator: [String]?
    var flags: Set<String> = []
    var values: [String: [String]] = [:]
    var isHelpRequested = false
    var isVersionRequested = false
    /// The first mistake; reported only if neither help nor the version is asked for.
    var firstError: UsageError?

    mutating func read(_ arguments: [String]) {
        var words = arguments[...]
        var areOptionsEnded = false
        while let word = words.popFirst() {
            if areOptionsEnded, wordsAfterTerminator != nil {
                wordsAfterTerminator!.append(word)
            } else if areOptionsEnded {
                take(word, mayNameSubcommand: false)
            } else if word == "--" {
                areOptionsEnded = true
                if command.command.arguments.contains(where: \.isAfterTerminator) { wordsAfterTerminator = [] }
            } else if isOption(word) {
                readOption(word, followedBy: &words)
            } else {
                take(word, mayNameSubcommand: true)
            }
        }
    }

    private func isOption(_ word: String) -> Bool {
        guard word.hasPrefix("-"), word != "-" else { return false }
        let isNegativeNumber = Double(word) != nil
        return !isNegativeNumber || command.option(named: word) != nil
    }

    private mutating func readOption(_ word: String, followedBy words: inout ArraySlice<String>) {
        var name = word
        var attachedValue: String?
        if word.hasPrefix("--"), let equals = word.firstIndex(of: "=") {
            name = String(word[..<equals])
            attachedValue = String(word[word.index(after: equals)...])
        }
        guard let option = command.option(named: name) else {
            return record(.unknownOption(name, in: command))
        }
        switch option.long {
        case OptionSpec.help.long:
            isHelpRequested = true
        case OptionSpec.version.long:
            isVersionRequested = true
        default:
            guard option.takesValue else {
                if let attachedValue { return record(.unexpectedValue(attachedValue, forFlag: name, in: command)) }
                flags.insert(option.long)
                return
            }
            guard let value = attachedValue ?? words.popFirst() else {
                return record(.missingValue(for: option, typedAs: name, in: command))
            }
            if !option.allowedValues.isEmpty, !option.allowedValues.contains(value) {
                record(.invalidValue(
                    value, for: option.synopsis(name: name), allowedValues: option.allowedValues,
                    help: option.help, commandPath: command.path))
            }
            values[option.long, default: []].append(value)
        }
    }

    /// A word that is not an option: a subcommand's name where one is expected, else a value.
    private mutating func take(_ word: String, mayNameSubcommand: Bool) {
        guard !command.command.subcommands.isEmpty else { return positionals.append(word) }
        if mayNameSubcommand, let subcommand = command.subcommand(named: word) {
            command = subcommand
        } else {
            record(.unexpectedArguments([word], in: command))
        }
    }

    private mutating func record(_ error: UsageError) {
        if firstError == nil { firstError = error }
    }

    func outcome(terminalWidth: Int) throws(UsageError) -> ParseOutcome {
        let root = command.root
        if isHelpRequested {
            return .help(renderHelp(for: command.path, root: root, terminalWidth: terminalWidth))
        }
        if isVersionRequested { return .version }
        if let firstError { throw firstError }
        if command.path == [CommandSpec.helpCommandName] {
            return .help(renderHelp(for: positionals, root: root, terminalWidth: terminalWidth))
        }
        if !command.command.subcommands.isEmpty {
            return .help(renderHelp(for: command.path, root: root, terminalWidth: terminalWidth))
        }
        try checkPositionals()
        if let missing = command.ownOptions.first(where: { $0.isRequired && !isGiven($0) }) {
            throw .missingOption(missing, in: command)
        }
        return .run(ParsedCommand(
            path: command.path, positionals: positionals, arguments: command.command.arguments,
            acceptedOptions: command.acceptedOptions, givenFlags: flags, givenValues: values,
            wordsAfterTerminator: wordsAfterTerminator))
    }

    /// Each declared argument gets its values, in order; none may be missing or left over.
    private func checkPositionals() throws(UsageError) {
        var remaining = positionals[...]
        for argument in command.command.arguments where !argument.isAfterTerminator {
            let taken = argument.isRepeating ? Array(remaining) : Array(remaining.prefix(1))
            remaining = remaining.dropFirst(taken.count)
            if taken.isEmpty, !argument.isOptional { throw .missingArgument(argument, in: command) }
            if let invalid = taken.first(where: { !argument.allowedValues.isEmpty && !argument.allowedValues.contains($0) }) {
                throw .invalidValue(
                    invalid, for: argument.label, allowedValues: argument.allowedValues,
                    help: argument.help, commandPath: command.path)
            }
        }
        if !remaining.isEmpty {
            if let tail = command.command.arguments.first(where: \.isAfterTerminator) {
                throw .wordsBeforeTerminator(positionals, argument: tail, in: command)
            }
            throw .unexpectedArguments(Array(remaining), in: command)
        }
    }

    private func isGiven(_ option: OptionSpec) -> Bool {
        flags.contains(option.long) || values[option.long] != nil
    }
}
