// The declarative description of a command line: commands, positional arguments, options.
// Guarantees: plain Sendable values. The parser, the help renderer and the completion
// generators all read the same tree, so they cannot disagree about it.

/// One command in the tree: the root (`queuectl`) or a subcommand.
///
/// The root's options are global: every command accepts them and lists them in its help.
/// The root's subcommand named ``helpCommandName`` shows the help of the commands named after it.
struct CommandSpec: Sendable {
    /// The word that selects this command (`enqueue`); the root's is the program name.
    var name: String
    /// One line, ending with a period: the OVERVIEW, and the entry in the parent's SUBCOMMANDS.
    var abstract: String
    /// Paragraphs shown after the abstract, separated by blank lines.
    var discussion: String? = nil
    /// Positional arguments, in order. Only the last may repeat.
    var arguments: [ArgumentSpec] = []
    /// Options and flags, in the order the help lists them.
    var options: [OptionSpec] = []
    /// A command with subcommands runs none of its own: given alone, it shows its help.
    var subcommands: [CommandSpec] = []
    /// Command lines shown, unwrapped, in an EXAMPLES section at the end of the help.
    var examples: [String] = []
    /// What running this command does; nil for a command that only groups subcommands.
    var action: CommandAction? = nil

    /// The name of the root's subcommand that shows help: `queuectl help worker start`.
    static let helpCommandName = "help"

    /// The direct subcommand called `name`, if there is one.
    func subcommand(named name: String) -> CommandSpec? {
        subcommands.first { $0.name == name }
    }
}

/// A positional argument, shown as `<name>`.
struct ArgumentSpec: Sendable {
    /// The value's name, without angle brackets (`id` is shown as `<id>`).
    var name: String
    var help: String
    /// May be left out: shown as `[<name>]`.
    var isOptional = false
    /// Takes every remaining positional value: shown as `<name> ...`.
    var isRepeating = false
    /// When not empty, the only values accepted; the help lists them and completion offers them.
    var allowedValues: [String] = []
    /// Takes the words after `--`, and only those (`enqueue -- echo hi`): shown as
    /// `[-- <name> ...]`. Words before `--` never fill it.
    var isAfterTerminator = false
    /// How a shell completes it, when `allowedValues` is empty.
    var completion: CompletionKind = .none
}

/// An option that takes a value (`--count <n>`) or a flag that takes none (`--json`).
struct OptionSpec: Sendable {
    /// The long name, without dashes: `max-retries` for `--max-retries`.
    var long: String
    /// The short name: `f` for `-f`.
    var short: Character? = nil
    /// The value's name, without angle brackets; `nil` makes this a flag.
    var valueName: String? = nil
    var help: String
    /// Shown as `(default: …)`: what applies when the option is not given.
    var defaultValue: String? = nil
    /// When not empty, the only values accepted; the help lists them and completion offers them.
    var allowedValues: [String] = []
    /// Must be given: shown without brackets in the usage line.
    var isRequired = false
    /// May be given more than once, each value kept (`--after A --after B`).
    /// A non-repeating option given twice keeps the last value.
    var isRepeating = false
    /// How a shell completes the value.
    var completion: CompletionKind = .none

    /// `-h, --help`: every command accepts it and answers with its help.
    static let help = OptionSpec(long: "help", short: "h", help: "Show help information.")
    /// `--version`: list it among the root's options and every command answers with the version.
    static let version = OptionSpec(long: "version", help: "Show the version.")
}

/// How a shell completes a value.
enum CompletionKind: Sendable, Equatable {
    /// Nothing to offer.
    case none
    /// Names of files (and directories, to descend into).
    case file
    /// Names of directories.
    case directory
    /// These words.
    case list([String])
    /// The ids of the spool's jobs, as `queuectl list --quiet` prints them when the shell asks.
    case jobIDs
}
