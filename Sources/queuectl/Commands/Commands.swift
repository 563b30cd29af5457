// Commands: runs the command a parsed command line names, by the action declared with it in the
// command tree (there is no second table to drift from the tree). Each action returns its exit
// status; errors are thrown and mapped to exit statuses in main.swift, through ExitCode.

import QueueCore

/// What running a command does: with the spool opened for it, or on its own (no spool).
enum CommandAction: Sendable {
    case withSpool(@Sendable (ParsedCommand, Spool) throws -> ExitCode)
    case alone(@Sendable (ParsedCommand) throws -> ExitCode)
}

enum Commands {
    static func run(_ command: ParsedCommand) throws -> ExitCode {
        var spec = queuectlCommands
        for name in command.path {
            guard let next = spec.subcommand(named: name) else { break }
            spec = next
        }
        switch spec.action {
        case .alone(let run):
            return try run(command)
        case .withSpool(let run):
            return try run(command, try Spool.open(Spool.defaultPath(option: command.value("spool"))))
        case nil:
            throw command.usageError("'\(command.path.joined(separator: " "))' is not available in this version.")
        }
    }
}

/// `queuectl completion SHELL`.
enum CompletionCommand {
    static func run(_ command: ParsedCommand) throws -> ExitCode {
        Console.out(try completionScript(shell: command.positionals.first ?? "", root: queuectlCommands))
        return .success
    }
}
