// Commands: the table from a parsed command line to the function that runs it.
// Each command returns its exit status; errors are thrown and mapped in main.swift.

import QueueCore

enum Commands {
    static func run(_ command: ParsedCommand) throws -> ExitCode {
        if command.path == ["completion"] {
            Console.out(try completionScript(shell: command.positionals.first ?? "", root: queuectlCommands))
            return .success
        }
        if command.path == ["demo"] { return try DemoCommand.run(command) }
        if command.path == ["manual"] { return try ManualCommand.run(command) }
        let spool = try Spool.open(Spool.defaultPath(option: command.value("spool")))
        switch command.path {
        case ["enqueue"]: return try EnqueueCommand.run(command, spool: spool)
        case ["worker", "start"]: return try WorkerCommand.start(command, spool: spool)
        case ["worker", "stop"]: return try WorkerCommand.stop(command, spool: spool)
        case ["status"]: return try StatusCommand.run(command, spool: spool)
        case ["list"]: return try ListCommand.list(command, spool: spool, state: nil)
        case ["show"]: return try ListCommand.show(command, spool: spool)
        case ["logs"]: return try ListCommand.logs(command, spool: spool)
        case ["wait"]: return try WaitCommand.run(command, spool: spool)
        case ["dlq", "list"]: return try ListCommand.list(command, spool: spool, state: .dead)
        case ["dlq", "retry"]: return try AdminCommand.retry(command, spool: spool)
        case ["config", "list"]: return ConfigCommand.list(command, spool: spool)
        case ["config", "get"]: return try ConfigCommand.get(command, spool: spool)
        case ["config", "set"]: return try ConfigCommand.set(command, spool: spool)
        case ["reap"]: return AdminCommand.reap(command, spool: spool)
        case ["purge"]: return try AdminCommand.purge(command, spool: spool)
        case ["quarantine", "list"]: return AdminCommand.quarantineList(command, spool: spool)
        case ["quarantine", "requeue"]: return try AdminCommand.quarantineRequeue(command, spool: spool)
        case ["cancel"]: return try CancelCommand.run(command, spool: spool)
        case ["doctor"]: return DoctorCommand.run(command, spool: spool)
        case ["dashboard"]: return try DashboardCommand.run(command, spool: spool)
        case ["pause"]: return try AdminCommand.pause(spool: spool, paused: true)
        case ["resume"]: return try AdminCommand.pause(spool: spool, paused: false)
        default:
            throw command.usageError("'\(command.path.joined(separator: " "))' is not available in this version.")
        }
    }
}
