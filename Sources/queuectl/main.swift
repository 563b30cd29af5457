// queuectl: parses the command line, runs one command, maps its error to an exit status.
// Everything about the queue itself lives in QueueCore.

import QueueCore
import QueueSystem

Signals.ignoreBrokenPipe()
let width = terminalWidth()
let arguments = Array(CommandLine.arguments.dropFirst())
do {
    // A job's command, fields and flags reach the spool as UTF-8 text (JSON); bytes that are
    // not would be replaced by U+FFFD, and the command run would not be the one given.
    if let index = CurrentProcess.argumentsNotUTF8.first {
        Console.error("Error: argument \(index) ('\(arguments[index - 1])', � marks the bytes) is not valid UTF-8 text; nothing was written. Give commands and fields as UTF-8 (a job's command can produce other bytes itself, e.g. with printf '\\377').")
        CurrentProcess.exit(ExitCode.usage.rawValue)
    }
    switch try parseArguments(arguments, root: queuectlCommands, terminalWidth: width) {
    case .help(let text):
        Console.out(text)
    case .version:
        Console.out(queuectlVersion)
    case .run(let command):
        CurrentProcess.exit(try Commands.run(command).rawValue)
    }
} catch let error as UsageError {
    Console.error(error.render(root: queuectlCommands))
    CurrentProcess.exit(ExitCode.usage.rawValue)
} catch let error as QueueError {
    Console.error("Error: " + error.description.replacing("\n", with: "\n       "))
    CurrentProcess.exit(ExitCode(error).rawValue)
} catch {
    Console.error("Error: \(error)")
    CurrentProcess.exit(ExitCode.failure.rawValue)
}
CurrentProcess.exit(ExitCode.success.rawValue)
