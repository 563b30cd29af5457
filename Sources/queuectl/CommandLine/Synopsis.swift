// How options, arguments and commands are written in help, usage lines and errors.
// Guarantees: argument-parser's notation: `-f, --file <file>` in help, `[--count <n>]`,
// `[<json>]` and `<id> ...` in usage, and at most 12 items before `[<options>]` stands in.

extension OptionSpec {
    /// Whether it takes a value (an option) or not (a flag).
    var takesValue: Bool { valueName != nil }

    /// `--max-retries`.
    var longName: String { "--" + long }

    /// Its names as typed: `["-f", "--file"]`.
    var dashedNames: [String] { (short.map { ["-\($0)"] } ?? []) + [longName] }

    /// One of its names with its value: `--count <n>`, `-f <file>`, or the name of a flag.
    func synopsis(name: String) -> String {
        valueName.map { "\(name) <\($0)>" } ?? name
    }

    /// The OPTIONS label: `-f, --file <file>`.
    var helpLabel: String { synopsis(name: dashedNames.joined(separator: ", ")) }

    /// The usage-line item: `[--count <n>]`, `[--env <name=value> ...]`, `--state <state>`.
    var usageItem: String {
        let item = synopsis(name: longName) + (isRepeating ? " ..." : "")
        return isRequired ? item : "[\(item)]"
    }

    /// What a shell offers for its value.
    var valueCompletion: CompletionKind {
        allowedValues.isEmpty ? completion : .list(allowedValues)
    }
}

extension ArgumentSpec {
    /// `<id>`: the ARGUMENTS label, and the name in error messages.
    var label: String { "<\(name)>" }

    /// The usage-line item: `<id>`, `[<json>]`, `<id> ...`, `[<id> ...]`.
    var usageItem: String {
        let item = (isAfterTerminator ? "-- " : "") + label + (isRepeating ? " ..." : "")
        return isOptional ? "[\(item)]" : item
    }

    /// What a shell offers for it.
    var valueCompletion: CompletionKind {
        allowedValues.isEmpty ? completion : .list(allowedValues)
    }
}

extension CommandInTree {
    /// The text after `USAGE: `: `queuectl show <id> [--json]`, `queuectl worker <subcommand>`.
    ///
    /// Global options are left out. Past 12 items, the optional options are replaced by
    /// `[<options>]`, as argument-parser does.
    var usage: String {
        if !command.subcommands.isEmpty { return "\(fullName) <subcommand>" }
        let arguments = command.arguments.map(\.usageItem)
        let options = ownOptions.map(\.usageItem)
        var items = arguments + options
        if items.count > 12 {
            items = ["[<options>]"] + arguments + ownOptions.filter(\.isRequired).map(\.usageItem)
        }
        return ([fullName] + items).joined(separator: " ")
    }
}
