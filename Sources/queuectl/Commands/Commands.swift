// Commands: runs the command a parsed command line names, by the action declared with it in the
// command tree (there is no second table to drift from the tree). Each action returns its exit
// status; errors are thrown and mapped to exit statuses in main.swift, through ExitCode.

import QueueCore
import QueueSystem

/// What running a command does: with the spool opened to change it (created on first use), with
/// the spool opened only to read it (nothing is ever created), or on its own (no spool).
enum CommandAction: Sendable {
    case withSpool(@Sendable (ParsedCommand, Spool) throws -> ExitCode)
    case readingSpool(@Sendable (ParsedCommand, Spool) throws -> ExitCode)
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
        case .readingSpool(let run):
            // A typo in --spool must not pass for an empty queue, nor leave an empty spool behind:
            // stdout stays what an empty queue gives (scripts keep working), stderr says why.
            let path = Spool.defaultPath(option: command.value("spool"))
            if !Spool.exists(at: path) {
                Console.error("queuectl: no spool at \(path) (nothing was created; 'queuectl init' creates one)")
            }
            return try run(command, try Spool.openForReading(path))
        case nil:
            throw command.usageError("'\(command.path.joined(separator: " "))' is not available in this version.")
        }
    }
}

/// `queuectl init`: creates the spool (reading commands never do) and prints its path.
enum InitCommand {
    static func run(_ command: ParsedCommand) throws -> ExitCode {
        var path = Spool.defaultPath(option: command.value("spool"))
        if !path.hasPrefix("/"), let here = CurrentProcess.workingDirectory { path = here + "/" + path }
        let spool = try Spool.open(path)
        Console.out(spool.root)
        return .success
    }
}

/// `queuectl completion SHELL`.
enum CompletionCommand {
    static func run(_ command: ParsedCommand) throws -> ExitCode {
        Console.out(try completionScript(shell: command.positionals.first ?? "", root: queuectlCommands))
        return .success
    }
}
