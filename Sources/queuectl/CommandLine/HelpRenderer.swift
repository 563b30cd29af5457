// The text of `--help`, laid out as swift-argument-parser lays it out.
// Guarantees: sections OVERVIEW, USAGE, ARGUMENTS, OPTIONS, SUBCOMMANDS (then EXAMPLES);
// labels at column 2, descriptions at column 26, wrapped to the width.

/// The help of the command named by the longest prefix of `path` that names commands.
///
/// Print it followed by a newline, as `print(_:)` does: the output is then argument-parser's,
/// down to the blank line that ends the help of a command without subcommands.
func renderHelp(for path: [String], root: CommandSpec, terminalWidth width: Int) -> String {
    let target = CommandInTree(root: root, longestPrefixOf: path)
    let command = target.command
    let overview = ([command.abstract] + (command.discussion.map { [$0] } ?? []))
        .joined(separator: "\n\n")

    let sections = [
        HelpSection(title: "ARGUMENTS", entries: command.arguments.map(HelpEntry.init)),
        HelpSection(title: "OPTIONS", entries: target.acceptedOptions.map(HelpEntry.init)),
        HelpSection(title: "SUBCOMMANDS", entries: command.subcommands.map(HelpEntry.init)),
        HelpSection(title: "EXAMPLES", entries: command.examples.map { HelpEntry(label: $0) }),
    ]
    .filter { !$0.entries.isEmpty }
    .map { $0.rendered(width: width) }

    var seeAlso = ""
    if !command.subcommands.isEmpty {
        let helpCommand = [target.root.name, CommandSpec.helpCommandName] + target.path
        seeAlso = "\n  See '\(helpCommand.joined(separator: " ")) <subcommand>' for detailed help."
    }
    return "OVERVIEW: \(overview)".wrapped(to: width) + "\n\n"
        + "USAGE: \(target.usage)\n\n"
        + sections.joined(separator: "\n")
        + seeAlso
}

/// A titled list of entries: `OPTIONS:` and one entry per option.
private struct HelpSection {
    var title: String
    var entries: [HelpEntry]

    func rendered(width: Int) -> String {
        "\(title):\n" + entries.map { $0.rendered(width: width) }.joined()
    }
}

/// One line (or more, when wrapped) of a section: a label and its description.
private struct HelpEntry {
    static let indent = 2
    static let descriptionColumn = 26

    var label: String
    var description = ""

    /// The label at column 2; the description at column 26, on the next line when the
    /// label reaches it. Ends with a newline.
    func rendered(width: Int) -> String {
        let paddedLabel = String(repeating: " ", count: Self.indent) + label
        guard !description.isEmpty else { return paddedLabel + "\n" }
        let wrappedDescription = description.wrapped(to: width, indent: Self.descriptionColumn)
        if paddedLabel.count < Self.descriptionColumn {
            return paddedLabel + wrappedDescription.dropFirst(paddedLabel.count) + "\n"
        }
        return paddedLabel + "\n" + wrappedDescription + "\n"
    }
}

extension HelpEntry {
    init(_ argument: ArgumentSpec) {
        self.init(
            label: argument.label,
            description: Self.describe(argument.help, allowedValues: argument.allowedValues, defaultValue: nil))
    }

    init(_ option: OptionSpec) {
        self.init(
            label: option.helpLabel,
            description: Self.describe(option.help, allowedValues: option.allowedValues, defaultValue: option.defaultValue))
    }

    init(_ subcommand: CommandSpec) {
        self.init(label: subcommand.name, description: subcommand.abstract)
    }

    /// The help text followed by `(values: a, b; default: a)`, as much of it as applies.
    private static func describe(_ help: String, allowedValues: [String], defaultValue: String?) -> String {
        var facts: [String] = []
        if !allowedValues.isEmpty { facts.append("values: " + allowedValues.joined(separator: ", ")) }
        if let defaultValue { facts.append("default: " + defaultValue) }
        let annotation = facts.isEmpty ? "" : "(\(facts.joined(separator: "; ")))"
        return [help, annotation].filter { !$0.isEmpty }.joined(separator: " ")
    }
}
