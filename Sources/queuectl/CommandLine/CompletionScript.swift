// `queuectl completion <shell>`: a completion script for bash, zsh or fish.
// Guarantees: every script is generated from the tree the parser reads: the subcommands
// at each level, each command's options, values completed as files, directories or words.

/// The shells a completion script can be written for.
enum CompletionShell: String, CaseIterable, Sendable {
    case bash, zsh, fish
}

/// The completion script for `shell` (`bash`, `zsh` or `fish`), to print followed by a newline.
///
/// An unknown shell is refused with argument-parser's wording, as a mistake in the
/// `completion <shell>` command line.
func completionScript(shell: String, root: CommandSpec) throws(UsageError) -> String {
    guard let known = CompletionShell(rawValue: shell) else {
        throw .invalidValue(
            shell, for: "<shell>", allowedValues: CompletionShell.allCases.map(\.rawValue),
            help: nil, commandPath: ["completion"])
    }
    let tree = CommandInTree(root: root)
    switch known {
    case .bash: return bashCompletionScript(tree)
    case .zsh: return zshCompletionScript(tree)
    case .fish: return fishCompletionScript(tree)
    }
}

extension String {
    /// This text as one word for bash or zsh: `it's` becomes `'it'\''s'`.
    var shellQuoted: String {
        "'" + replacing("'", with: #"'\''"#) + "'"
    }
}

extension CommandInTree {
    /// The path as the scripts name it: `worker start`; empty for the root.
    var pathKey: String { path.joined(separator: " ") }

    /// Whether this is the root's `help` command, whose arguments name commands.
    var isHelpCommand: Bool { path == [CommandSpec.helpCommandName] }
}
