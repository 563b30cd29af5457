// A command seen from the root: its full name, and every option it accepts.
// Guarantees: the one place that decides which options a command accepts: its own,
// then the root's (global) ones, then -h/--help, in the order the help lists them.

/// A command together with its path from the root of the tree.
struct CommandInTree: Sendable {
    let root: CommandSpec
    /// The subcommand names that lead to it: `["worker", "start"]`; empty for the root.
    let path: [String]
    let command: CommandSpec

    /// The root of `root`'s tree.
    init(root: CommandSpec) {
        self.root = root
        self.path = []
        self.command = root
    }

    /// The command named by the longest prefix of `path` that names commands.
    init(root: CommandSpec, longestPrefixOf path: [String]) {
        var found = CommandInTree(root: root)
        for name in path {
            guard let next = found.subcommand(named: name) else { break }
            found = next
        }
        self = found
    }

    private init(root: CommandSpec, path: [String], command: CommandSpec) {
        self.root = root
        self.path = path
        self.command = command
    }

    /// The direct subcommand called `name`, if there is one.
    func subcommand(named name: String) -> CommandInTree? {
        command.subcommand(named: name).map {
            CommandInTree(root: root, path: path + [name], command: $0)
        }
    }

    /// Its direct subcommands, in order.
    var subcommands: [CommandInTree] {
        command.subcommands.map { CommandInTree(root: root, path: path + [$0.name], command: $0) }
    }

    /// Every command of the tree from here, this one first, each parent before its subcommands.
    func commandsBelow() -> [CommandInTree] {
        [self] + subcommands.flatMap { $0.commandsBelow() }
    }

    var isRoot: Bool { path.isEmpty }

    /// What a user types to run it: `queuectl worker start`.
    var fullName: String { ([root.name] + path).joined(separator: " ") }

    /// The options it declares itself; the root's options are all global.
    var ownOptions: [OptionSpec] { isRoot ? [] : command.options }

    /// Its own options, then the global ones, then `-h, --help`.
    var acceptedOptions: [OptionSpec] { ownOptions + root.options + [.help] }

    /// The accepted option that `name` (`--count`, `-f`) stands for.
    func option(named name: String) -> OptionSpec? {
        acceptedOptions.first { $0.dashedNames.contains(name) }
    }
}
