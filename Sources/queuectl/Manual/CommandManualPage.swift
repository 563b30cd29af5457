// queuectl(1): the manual page of the command line, generated from the command tree that the
// parser, `--help` and the completions read. Guarantees: every command of the tree has a
// subsection named by its full name, with its usage line (as --help shows it), arguments, own
// options with their values and defaults, and examples; the global options come once.

import QueueCore

enum CommandManualPage {
    static func render(root: CommandSpec) -> String {
        let tree = CommandInTree(root: root)
        var page: [String] = [
            ".TH QUEUECTL 1 \"\" \"queuectl \(queuectlVersion)\" \"User Commands\"",
            ".SH NAME",
            "queuectl \\- " + Roff.text(lowercasedFirst(root.abstract.dropLastPeriod)),
            ".SH SYNOPSIS",
            Roff.bold("queuectl") + " [" + Roff.bold("--spool") + " " + Roff.italic("dir") + "] "
                + Roff.italic("command") + " [" + Roff.italic("arguments") + "] [" + Roff.italic("options") + "]",
            ".br",
            Roff.bold("queuectl manual") + " [" + Roff.bold("spool") + "]",
            ".SH DESCRIPTION",
            Roff.text(root.abstract),
            Roff.text("""
                Each job is a small JSON file that moves between the folders pending/, processing/, \
                failed/, completed/ and dead/ of the spool by one rename(2). Workers claim a job by \
                renaming it, run its command with /bin/sh -c, retry failures with exponential \
                backoff and move jobs that used up their retries to the dead letter queue (dead/). \
                Any program can add a job by writing a file into tmp/ and renaming it into pending/; \
                the spool's layout, names and record are specified in
                """),
            ".BR queuectl\\-spool (5).",
            ".PP",
            Roff.text("""
                Data goes to standard output, errors to standard error. Every command takes --help; \
                help COMMAND prints the same. Every listing takes --json. A missing spool is created \
                with mode 0700.
                """),
            ".SH OPTIONS",
            Roff.text("These options are accepted by every command, before or after its name."),
        ]
        for option in root.options + [.help] { page += item(option) }

        page.append(".SH COMMANDS")
        for command in tree.commandsBelow().dropFirst() { page += section(command) }

        page += [
            ".SH EXIT STATUS",
            ".TP", "0", Roff.text("Success. Help and --version also exit 0."),
            ".TP", "1", Roff.text("""
                Any other failure: an unknown job id, a job in the wrong state, a spool that cannot \
                be used (including one whose format is newer than this queuectl reads), a failed \
                system call. For wait: a job ended in the dead letter queue.
                """),
            ".TP", "2", Roff.text("A usage or validation error: a bad option or value, an invalid job record, a duplicate id. Nothing was written."),
            ".TP", "124", Roff.text("wait --timeout ran out before the jobs finished."),
            ".SH ENVIRONMENT",
            ".TP", Roff.bold("QUEUECTL_SPOOL"), Roff.text("The spool, when --spool is not given."),
            ".TP", Roff.bold("XDG_DATA_HOME"), Roff.text("Without --spool and QUEUECTL_SPOOL, the spool is $XDG_DATA_HOME/queuectl."),
            ".TP", Roff.bold("HOME"), Roff.text("Without any of the above, the spool is ~/.local/share/queuectl."),
            ".TP", Roff.bold("NO_COLOR"), Roff.text("When set, output has no colour (it has colour only on a terminal anyway)."),
            ".TP", Roff.bold("QUEUECTL_JOB_ID") + ", " + Roff.bold("QUEUECTL_ATTEMPT"),
            Roff.text("Set by the worker in the environment of each job's command: its id, and the number of the run (1 for the first)."),
            ".SH FILES",
            ".TP", Roff.italic("~/.local/share/queuectl"), Roff.text("The default spool."),
            ".TP", Roff.italic("SPOOL/format"),
            Roff.text("The spool's format version, one line: queuectl-spool \(SpoolFormat.current)."),
            ".TP", Roff.italic("SPOOL/tmp/, SPOOL/pending/, SPOOL/processing/, SPOOL/failed/, SPOOL/completed/, SPOOL/dead/"),
            Roff.text("The job files, one folder per state."),
            ".TP", Roff.italic("SPOOL/config.json"), Roff.text("The settings (queuectl config)."),
            ".TP", Roff.italic("SPOOL/logs/ID.log"), Roff.text("The captured output of each job."),
            ".TP", Roff.italic("SPOOL/quarantine/"), Roff.text("Bad files found in pending/, each with a .reason file."),
            ".PP",
            Roff.text("The whole layout is described in"),
            ".BR queuectl\\-spool (5).",
            ".SH EXAMPLES",
        ]
        let general = [
            ("Add a job, start a worker in the foreground, look at the queue:",
             ["queuectl enqueue --command 'make test' --timeout 600", "queuectl worker start", "queuectl list --state pending"]),
            ("Install the manual pages:",
             ["queuectl manual > /usr/local/share/man/man1/queuectl.1",
              "queuectl manual spool > /usr/local/share/man/man5/queuectl-spool.5"]),
        ]
        for (caption, lines) in general { page += exampleBlock(caption: caption, lines: lines) }
        for command in tree.commandsBelow().dropFirst() where !command.command.examples.isEmpty {
            page += exampleBlock(caption: command.fullName + ":", lines: command.command.examples)
        }
        page += [
            ".SH SEE ALSO",
            ".BR queuectl\\-spool (5),",
            ".BR sh (1),",
            ".BR rename (2),",
            ".BR fsync (2)",
        ]
        return page.joined(separator: "\n") + "\n"
    }

    /// One command: `.SS "queuectl worker start"`, its usage, its texts, its arguments and options.
    private static func section(_ command: CommandInTree) -> [String] {
        var lines = [".SS " + Roff.argument(command.fullName), Roff.bold(command.usage), ".PP", Roff.text(command.command.abstract)]
        for paragraph in (command.command.discussion ?? "").split(separator: "\n\n") {
            lines += [".PP", Roff.text(String(paragraph))]
        }
        if !command.command.subcommands.isEmpty {
            lines += [".PP", Roff.text("Subcommands: " + command.command.subcommands.map(\.name).joined(separator: ", ") + ".")]
        }
        for argument in command.command.arguments {
            lines += [".TP", Roff.italic(argument.label), Roff.text(describe(argument.help, argument.allowedValues, nil))]
        }
        for option in command.ownOptions { lines += item(option) }
        return lines
    }

    /// `.TP` with `-f, --file <file>` and its help, values and default.
    private static func item(_ option: OptionSpec) -> [String] {
        var label = option.dashedNames.map(Roff.bold).joined(separator: ", ")
        if let value = option.valueName { label += " " + Roff.italic("<" + value + ">") }
        if option.isRepeating { label += " " + Roff.text("...") }
        return [".TP", label, Roff.text(describe(option.help, option.allowedValues, option.defaultValue))]
    }

    private static func describe(_ help: String, _ values: [String], _ defaultValue: String?) -> String {
        var facts: [String] = []
        if !values.isEmpty { facts.append("values: " + values.joined(separator: ", ")) }
        if let defaultValue { facts.append("default: " + defaultValue) }
        return facts.isEmpty ? help : help + " (" + facts.joined(separator: "; ") + ")"
    }

    private static func exampleBlock(caption: String, lines: [String]) -> [String] {
        [".PP", Roff.text(caption), ".PP", ".RS 4", ".nf"] + lines.map(Roff.text) + [".fi", ".RE"]
    }

    private static func lowercasedFirst(_ text: String) -> String {
        text.prefix(1).lowercased() + text.dropFirst()
    }
}

extension String {
    /// Without its final period (a one-line abstract used as a NAME line).
    fileprivate var dropLastPeriod: String { hasSuffix(".") ? String(dropLast()) : self }
}
