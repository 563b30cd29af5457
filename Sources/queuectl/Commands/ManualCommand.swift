// manual: prints queuectl(1), generated from the command tree, or queuectl-spool(5), the
// specification of the spool, in roff. Reads no spool and creates none.

/// `queuectl manual [queuectl | spool]`, as it appears in the command tree.
let manualCommand = CommandSpec(
    name: "manual",
    abstract: "Print a manual page in roff: queuectl(1), or queuectl-spool(5), the spool's format.",
    discussion: """
        Install them where man(1) finds them: 'queuectl manual > \
        /usr/local/share/man/man1/queuectl.1' and 'queuectl manual spool > \
        /usr/local/share/man/man5/queuectl-spool.5'. To read one at once: \
        'queuectl manual spool | man -l -'.
        """,
    arguments: [
        ArgumentSpec(
            name: "page", help: "The page: queuectl for queuectl(1), spool for queuectl-spool(5).",
            isOptional: true, allowedValues: ["queuectl", "spool"]),
    ],
    examples: ["queuectl manual | man -l -", "queuectl manual spool > /usr/local/share/man/man5/queuectl-spool.5"], action: .alone(ManualCommand.run))

enum ManualCommand {
    static func run(_ command: ParsedCommand) throws -> ExitCode {
        let page = command.positionals.first == "spool"
            ? SpoolManualPage.text : CommandManualPage.render(root: queuectlCommands)
        Console.out(page.hasSuffix("\n") ? String(page.dropLast()) : page)
        return .success
    }
}
