// queuectl's commands, arguments and options, with their help texts.
// Guarantees: this tree is the single source of the parser's rules, of every help text
// and of the completion scripts; abstracts are one line ending with a period.

import QueueCore

/// The version `--version` prints.
let queuectlVersion = "0.1.0"

/// The root of queuectl's command tree. Its options (`--spool`, `--version`) are global.
let queuectlCommands = CommandSpec(
    name: "queuectl",
    abstract: "A job queue for the command line, in which the queue is a directory.",
    options: [
        OptionSpec(
            long: "spool", valueName: "dir", help: "The spool directory.",
            defaultValue: "$QUEUECTL_SPOOL or ~/.local/share/queuectl", completion: .directory),
        .version,
    ],
    subcommands: [
        CommandSpec(
            name: "init",
            abstract: "Create the spool, and print its path.",
            discussion: """
                Commands that write (enqueue, worker start, config set, ...) create the spool on \
                first use too; commands that only read never do: on a path with no spool they \
                answer as an empty queue and say so on standard error.
                """, action: .alone(InitCommand.run)),
        enqueueCommand,
        workerCommand,
        CommandSpec(
            name: "status",
            abstract: "Show job counts per state, live workers and metrics.",
            options: [
                jsonFlag("Print one JSON object."),
                OptionSpec(long: "watch", help: "Show the status again every few seconds, until interrupted."),
                OptionSpec(
                    long: "interval", valueName: "seconds", help: "The seconds between two updates with --watch.",
                    defaultValue: "2"),
            ], action: .readingSpool(StatusCommand.run)),
        CommandSpec(
            name: "list",
            abstract: "List jobs.",
            discussion: "Pending jobs are listed in the order they will run.",
            options: [
                OptionSpec(
                    long: "state", valueName: "state", help: "Only jobs in this state.",
                    allowedValues: ["pending", "processing", "failed", "completed", "dead"]),
                OptionSpec(long: "group", valueName: "name", help: "Only jobs of this group."),
                limitOption,
                jsonFlag("Print a JSON array of job records."),
                OptionSpec(long: "quiet", short: "q", help: "Print only the ids, one a line."),
            ], action: .readingSpool { try ListCommand.list($0, spool: $1, state: nil) }),
        CommandSpec(
            name: "show",
            abstract: "Show a job, with its last error and output.",
            arguments: [jobID],
            options: [jsonFlag("Print the job record.")], action: .readingSpool(ListCommand.show)),
        CommandSpec(
            name: "logs",
            abstract: "Print the captured output of a job.",
            arguments: [jobID],
            options: [OptionSpec(long: "follow", short: "f", help: "Keep printing new output until the job ends.")], action: .readingSpool(ListCommand.logs)),
        CommandSpec(
            name: "wait",
            abstract: "Wait until jobs have finished.",
            discussion: "Exits with status 0 when every job completed, and 1 when one ended in the dead letter queue.",
            arguments: [
                ArgumentSpec(name: "id", help: "The ids of the jobs to wait for.", isOptional: true, isRepeating: true, completion: .jobIDs),
            ],
            options: [
                OptionSpec(long: "all", help: "Wait for every job in the queue."),
                OptionSpec(long: "timeout", valueName: "seconds", help: "Give up after this many seconds."),
                OptionSpec(long: "quiet", help: "Print nothing; only the exit status tells."),
            ], action: .readingSpool(WaitCommand.run)),
        CommandSpec(
            name: "dlq",
            abstract: "List and retry the jobs in the dead letter queue.",
            subcommands: [
                CommandSpec(
                    name: "list",
                    abstract: "List dead jobs.",
                    options: [jsonFlag("Print a JSON array of job records."), limitOption], action: .readingSpool { try ListCommand.list($0, spool: $1, state: .dead) }),
                CommandSpec(
                    name: "retry",
                    abstract: "Move dead jobs back to the queue, with their attempts reset to 0.",
                    arguments: [
                        ArgumentSpec(name: "id", help: "The ids of the jobs to retry.", isOptional: true, isRepeating: true, completion: .jobIDs),
                    ],
                    options: [OptionSpec(long: "all", help: "Retry every dead job.")], action: .withSpool(AdminCommand.retry)),
            ]),
        configCommand,
        groupCommand,
        scheduleCommand,
        CommandSpec(
            name: "reap",
            abstract: "Return the jobs of dead workers to the queue.",
            discussion: """
                Every worker does this as it runs; run it by hand when no worker is running. \
                The lost run counts as a failed attempt.
                """, action: .withSpool(AdminCommand.reap)),
        CommandSpec(
            name: "purge",
            abstract: "Delete finished jobs.",
            discussion: "Workers already keep completed/ and dead/ within 'keep_completed' and 'keep_dead' (see 'queuectl config list'); this removes more, now. Each job goes with its output and its id.",
            options: [
                OptionSpec(
                    long: "state", valueName: "state", help: "The state of the jobs to delete.",
                    allowedValues: ["completed", "dead"], isRequired: true),
                OptionSpec(
                    long: "older-than", valueName: "duration",
                    help: "Only jobs that finished longer ago than this, such as 7d, 12h or 30m."),
            ], action: .withSpool(AdminCommand.purge)),
        CommandSpec(
            name: "quarantine",
            abstract: "List and requeue files set aside as bad jobs.",
            subcommands: [
                CommandSpec(
                    name: "list",
                    abstract: "List the files set aside, with the reason for each.",
                    options: [jsonFlag("Print a JSON array.")], action: .readingSpool(AdminCommand.quarantineList)),
                CommandSpec(
                    name: "requeue",
                    abstract: "Move a file back to pending/ to be read again.",
                    arguments: [ArgumentSpec(name: "name", help: "The file's name, as 'quarantine list' shows it.")], action: .withSpool(AdminCommand.quarantineRequeue)),
            ]),
        CommandSpec(
            name: "doctor",
            abstract: "Check the spool for problems.",
            options: [
                OptionSpec(long: "fix", help: "Repair what can be repaired, and tell what was done."),
                jsonFlag("Print the findings as JSON."),
            ], action: .readingSpool(DoctorCommand.run)),
        CommandSpec(
            name: "cancel",
            abstract: "Cancel jobs: pending and failed ones go to the DLQ, running ones are stopped.",
            discussion: "A pending or failed job moves to dead/ with last_error \"cancelled\"; 'queuectl dlq retry' brings it back. A running job's process group gets SIGTERM, then SIGKILL after stop_grace_sec, and the job goes to dead/ the same way, never retried. Exits 1 for an unknown id or a job that already finished.",
            arguments: [ArgumentSpec(name: "id", help: "The ids of the jobs to cancel.", isRepeating: true, completion: .jobIDs)], action: .withSpool(CancelCommand.run)),
        CommandSpec(
            name: "requeue",
            abstract: "Run completed, dead or failed jobs again now, with their attempts reset.",
            discussion: "Each job moves back to pending/ with one rename, due now, attempts 0; its log keeps the output of the earlier runs. Exits 1 for an unknown id or a job that is pending or running.",
            arguments: [ArgumentSpec(name: "id", help: "The ids of the jobs to run again.", isRepeating: true, completion: .jobIDs)],
            action: .withSpool(JobEditCommands.requeue)),
        CommandSpec(
            name: "rm",
            abstract: "Delete jobs that are not running, with their logs and ids.",
            discussion: "A pending, failed, completed or dead job is deleted (its id may then be used again); a running job is refused: 'queuectl cancel' stops it first. Safe against a worker claiming the job at the same moment: one of the two wins. Exits 1 for an unknown id or a running job.",
            arguments: [ArgumentSpec(name: "id", help: "The ids of the jobs to delete.", isRepeating: true, completion: .jobIDs)],
            action: .withSpool(JobEditCommands.remove)),
        editCommand,
        CommandSpec(name: "pause", abstract: "Stop workers from starting new jobs.", action: .withSpool { try AdminCommand.pause(spool: $1, paused: true) }),
        CommandSpec(name: "resume", abstract: "Let workers start new jobs again.", action: .withSpool { try AdminCommand.pause(spool: $1, paused: false) }),
        CommandSpec(
            name: "demo",
            abstract: "Run a short end-to-end demonstration on a fresh spool.",
            discussion: "Enqueues a job that succeeds, one that fails and retries into the dead letter queue, one that times out and one scheduled a few seconds ahead; runs two workers; prints the status and the dead letter queue; stops the workers. Each step is a real queuectl command, shown as it runs. Uses a new spool in /tmp unless --spool names one (which must not exist yet).", action: .alone(DemoCommand.run)),
        CommandSpec(
            name: "dashboard",
            abstract: "Serve a live web page of the queue, a JSON API and Prometheus metrics.",
            discussion: """
                Serves / (the page), /api/status, /api/jobs?state=S&limit=N, /api/jobs/ID, \
                POST /api/jobs/ID/retry and /metrics until SIGINT (Ctrl-C) or SIGTERM. A POST \
                is refused (403) unless its Origin header is the dashboard's own address, as a \
                browser sends it; from curl, add -H 'Origin: http://127.0.0.1:8080'. There is no \
                login: keep the default host unless the network is trusted.
                """,
            options: [
                OptionSpec(
                    long: "host", valueName: "address",
                    help: "The IP address to listen on (0.0.0.0 for every interface).", defaultValue: "127.0.0.1"),
                OptionSpec(long: "port", valueName: "port", help: "The TCP port; 0 picks a free one.", defaultValue: "8080"),
            ],
            examples: ["queuectl dashboard", "queuectl dashboard --host 0.0.0.0 --port 9000"], action: .readingSpool(DashboardCommand.run)),
        manualCommand,
        CommandSpec(
            name: "completion",
            abstract: "Print a shell completion script (bash, zsh or fish).",
            arguments: [
                ArgumentSpec(
                    name: "shell", help: "The shell to complete for.",
                    allowedValues: CompletionShell.allCases.map(\.rawValue)),
            ],
            examples: [
                "source <(queuectl completion bash)",
                "queuectl completion zsh > \"${fpath[1]}/_queuectl\"",
                "queuectl completion fish > ~/.config/fish/completions/queuectl.fish",
            ], action: .alone(CompletionCommand.run)),
        CommandSpec(
            name: CommandSpec.helpCommandName,
            abstract: "Show subcommand help information.",
            arguments: [
                ArgumentSpec(name: "subcommand", help: "The command to show help for.", isOptional: true, isRepeating: true),
            ]),
    ])

private let enqueueCommand = CommandSpec(
    name: "enqueue",
    abstract: "Add a job to the queue.",
    discussion: """
        Give the job as a JSON record, with the fields of a job file (only "command" is \
        required), or build it with --command and the options below, or give the command's \
        words after -- (as nq, tsp and pueue take them): each word reaches the program as \
        given, spaces, quotes, $, * and ; included. With --file, each \
        line is one JSON record; the batch is all or nothing: if one line is invalid, no \
        job is added.

        Prints the id of each job added, one a line.
        """,
    arguments: [
        ArgumentSpec(name: "json", help: "The job record as JSON.", isOptional: true),
        ArgumentSpec(
            name: "command",
            help: "The command to run, as words after --; quoted for /bin/sh -c so that it receives exactly them.",
            isOptional: true, isRepeating: true, isAfterTerminator: true),
    ],
    options: [
        OptionSpec(long: "command", valueName: "command", help: "The shell command to run (with /bin/sh -c)."),
        OptionSpec(long: "id", valueName: "id", help: "The job's id, unique in the spool.", defaultValue: "generated"),
        OptionSpec(
            long: "max-retries", valueName: "n", help: "Retries after the first run.",
            defaultValue: "config max_retries, 3"),
        OptionSpec(
            long: "priority", valueName: "p", help: "From -1000 to 1000; lower runs first.", defaultValue: "0"),
        OptionSpec(
            long: "run-at", valueName: "time",
            help: "Do not start before this ISO-8601 time, such as 2026-11-22T15:30:00Z."),
        OptionSpec(long: "delay", valueName: "duration", help: "Do not start before this long from now, such as 30, 90s, 10m or 1h30m."),
        OptionSpec(
            long: "timeout", valueName: "seconds",
            help: "Kill the run after this many seconds; that counts as a failure.",
            defaultValue: "config timeout_sec, none"),
        OptionSpec(
            long: "cwd", valueName: "dir", help: "The directory to run in.",
            defaultValue: "the current directory", completion: .directory),
        OptionSpec(
            long: "env", valueName: "name=value", help: "Set a variable in the run's environment; repeatable.",
            isRepeating: true),
        OptionSpec(
            long: "after", valueName: "id", help: "Run only after this job has completed; repeatable.",
            isRepeating: true),
        OptionSpec(
            long: "group", valueName: "name", help: "The job's group, whose limit and pause apply to it.",
            defaultValue: "default"),
        OptionSpec(long: "unique", help: "If a job with this id already exists (in any state), add nothing, print its id and exit 0."),
        OptionSpec(
            long: "file", short: "f", valueName: "file",
            help: "Add the jobs of a JSON Lines file; - reads standard input.", completion: .file),
    ],
    examples: [
        #"queuectl enqueue '{"id":"job1","command":"echo hi","max_retries":2}'"#,
        "queuectl enqueue --command 'make test' --priority -10 --delay 60",
        "queuectl enqueue --delay 10m -- rsync -a ~/photos/ backup:photos/",
        "queuectl enqueue --file jobs.jsonl",
    ], action: .withSpool(EnqueueCommand.run))

private let editCommand = CommandSpec(
    name: "edit",
    abstract: "Change a pending or failed job.",
    discussion: """
        The job is claimed first, so no worker starts it half-changed, then written back with \
        the changes. With no options, its record opens in $VISUAL or $EDITOR (as crontab -e \
        does); the saved record replaces the job only if it is valid, and only if the job did \
        not change meanwhile; otherwise the job is left as it was. --env and --after add to \
        what the job has.
        """,
    arguments: [jobID],
    options: [
        OptionSpec(long: "command", valueName: "command", help: "The shell command to run (with /bin/sh -c)."),
        OptionSpec(long: "priority", valueName: "p", help: "From -1000 to 1000; lower runs first."),
        OptionSpec(long: "run-at", valueName: "time", help: "Do not start before this ISO-8601 time."),
        OptionSpec(long: "delay", valueName: "duration", help: "Do not start before this long from now, such as 30, 90s or 10m."),
        OptionSpec(long: "max-retries", valueName: "n", help: "Retries after the first run."),
        OptionSpec(long: "timeout", valueName: "seconds", help: "Kill the run after this many seconds."),
        OptionSpec(long: "env", valueName: "name=value", help: "Set a variable in the run's environment; repeatable.", isRepeating: true),
        OptionSpec(long: "cwd", valueName: "dir", help: "The directory to run in.", completion: .directory),
        OptionSpec(long: "after", valueName: "id", help: "Also wait for this job to complete; repeatable.", isRepeating: true),
    ],
    examples: ["queuectl edit job1 --priority -5 --delay 10m", "EDITOR=nano queuectl edit job1"],
    action: .withSpool(JobEditCommands.edit))

private let workerCommand = CommandSpec(
    name: "worker",
    abstract: "Start or stop the workers that run jobs.",
    subcommands: [
        CommandSpec(
            name: "start",
            abstract: "Start workers in the foreground.",
            discussion: """
                They run until SIGTERM, SIGINT (Ctrl-C) or 'queuectl worker stop', and each \
                lets its running job finish first.
                """,
            options: [
                OptionSpec(long: "count", valueName: "n", help: "The number of workers.", defaultValue: "1"),
                OptionSpec(long: "detach", help: "Start them in the background, print their process ids and return."),
                OptionSpec(
                    long: "group", valueName: "names",
                    help: "Run only jobs of these groups, separated by commas.", defaultValue: "every group"),
            ], action: .withSpool(WorkerCommand.start)),
        CommandSpec(
            name: "stop",
            abstract: "Stop the running workers, and wait until they have exited.",
            discussion: "Each worker lets its running job finish, unless the timeout passes or --now is given.",
            options: [
                OptionSpec(
                    long: "timeout", valueName: "seconds",
                    help: "How long to wait for running jobs before killing them and returning them to the queue.",
                    defaultValue: "30"),
                OptionSpec(long: "now", help: "Kill the running jobs at once and return them to the queue."),
            ], action: .withSpool(WorkerCommand.stop)),
        CommandSpec(
            name: "log",
            abstract: "Print the log of the workers started with --detach.",
            discussion: """
                The log is SPOOL/logs/worker.log. Past 4 MiB it becomes worker.log.1 (replacing the \
                older one) and a new worker.log begins; both are printed, oldest first.
                """,
            options: [
                OptionSpec(long: "follow", short: "f", help: "Keep printing new lines as the workers write them (Ctrl-C stops)."),
            ], action: .readingSpool(WorkerCommand.log)),
    ])

private let configCommand = CommandSpec(
    name: "config",
    abstract: "Show or change the settings of the spool.",
    discussion: "Keys may be written with - or _: max-retries is max_retries.",
    subcommands: [
        CommandSpec(
            name: "list", abstract: "Print every setting.",
            options: [jsonFlag("Print one JSON object.")], action: .readingSpool(ConfigCommand.list)),
        CommandSpec(
            name: "get", abstract: "Print one setting.",
            arguments: [ArgumentSpec(name: "key", help: "The setting, such as max_retries.", completion: configKeys)], action: .readingSpool(ConfigCommand.get)),
        CommandSpec(
            name: "set", abstract: "Change one setting.",
            arguments: [
                ArgumentSpec(name: "key", help: "The setting, such as max_retries.", completion: configKeys),
                ArgumentSpec(name: "value", help: "Its new value."),
            ], action: .withSpool(ConfigCommand.set)),
    ])

/// Completion offers the settings' names (either spelling is accepted; these are the canonical ones).
private let configKeys = CompletionKind.list(Config.keys.map(\.name))

private let jobID = ArgumentSpec(name: "id", help: "The job's id.", completion: .jobIDs)

private let groupName = ArgumentSpec(name: "name", help: "The group's name.")

private let groupCommand = CommandSpec(
    name: "group",
    abstract: "Limit, pause and list job groups.",
    discussion: """
        A job belongs to the group its 'group' field names ('default' when it names none). A \
        group's limit holds across every worker on every host sharing the spool; a job whose \
        group is full or paused waits without holding up other groups. Settings are files in \
        SPOOL/groups/; running workers follow them within about a second.
        """,
    subcommands: [
        CommandSpec(
            name: "set", abstract: "Set how many jobs of a group may run at once.",
            arguments: [groupName],
            options: [
                OptionSpec(long: "limit", valueName: "n", help: "At most this many of its jobs run at once."),
                OptionSpec(long: "no-limit", help: "Remove the limit."),
            ],
            examples: ["queuectl group set deploy --limit 1", "queuectl enqueue --group deploy --command ./deploy.sh"],
            action: .withSpool(GroupCommand.set)),
        CommandSpec(
            name: "list", abstract: "List the groups with settings or with jobs pending or running, with their limits and counts.",
            options: [jsonFlag("Print a JSON array.")], action: .readingSpool(GroupCommand.list)),
        CommandSpec(
            name: "rm", abstract: "Remove a group's settings; its jobs then run without a limit.",
            arguments: [groupName], action: .withSpool(GroupCommand.remove)),
        CommandSpec(
            name: "pause", abstract: "Stop workers from starting jobs of a group.",
            arguments: [groupName], action: .withSpool { try GroupCommand.pause($0, spool: $1, paused: true) }),
        CommandSpec(
            name: "resume", abstract: "Let workers start jobs of a group again.",
            arguments: [groupName], action: .withSpool { try GroupCommand.pause($0, spool: $1, paused: false) }),
    ])

private let scheduleName = ArgumentSpec(name: "name", help: "The schedule's name.")

private let scheduleCommand = CommandSpec(
    name: "schedule",
    abstract: "Add, list and remove recurring jobs.",
    discussion: """
        Workers enqueue each occurrence once, as a job with the id NAME-YYYYMMDDTHHMMSSZ \
        (its time in UTC), however many workers run on however many hosts. Schedules are \
        files in SPOOL/schedules/.
        """,
    subcommands: [
        CommandSpec(
            name: "add", abstract: "Add a recurring job.",
            discussion: """
                Give the command after '--' (the words run exactly as given, as with 'enqueue \
                --'), as a shell command line with --command, or give the whole schedule as a JSON record \
                such as {"every": "1h", "job": {"command": "make backup"}}.
                """,
            arguments: [
                scheduleName,
                ArgumentSpec(name: "command", help: "The command, or the schedule as JSON.", isOptional: true, isRepeating: true),
            ],
            options: [
                OptionSpec(long: "every", valueName: "duration", help: "Every so long, such as 30s, 5m or 1h (at multiples of it since 1970 UTC)."),
                OptionSpec(long: "cron", valueName: "expression", help: "A 5-field cron expression: 'MIN HOUR DOM MON DOW'."),
                OptionSpec(long: "local-time", help: "Read the cron expression in the system's time zone.", defaultValue: "UTC"),
                OptionSpec(
                    long: "catch-up", valueName: "policy",
                    help: "Occurrences missed while no worker ran: skip them, run the last one once, or run all.",
                    defaultValue: "last", allowedValues: ["skip", "last", "all"]),
                OptionSpec(long: "no-overlap", help: "Skip an occurrence while the previous one is pending, running or waiting for a retry."),
                OptionSpec(long: "replace", help: "Replace a schedule of the same name."),
                OptionSpec(long: "command", valueName: "command", help: "The shell command to run (with /bin/sh -c)."),
                OptionSpec(long: "group", valueName: "name", help: "The group of each occurrence's job.", defaultValue: "default"),
                OptionSpec(long: "max-retries", valueName: "n", help: "Retries after the first run.", defaultValue: "config max_retries, 3"),
                OptionSpec(long: "priority", valueName: "p", help: "From -1000 to 1000; lower runs first.", defaultValue: "0"),
                OptionSpec(long: "timeout", valueName: "seconds", help: "Kill a run after this many seconds."),
                OptionSpec(long: "cwd", valueName: "dir", help: "The directory to run in.", defaultValue: "the current directory", completion: .directory),
                OptionSpec(long: "env", valueName: "name=value", help: "Set a variable in the run's environment; repeatable.", isRepeating: true),
            ],
            examples: [
                "queuectl schedule add backup --cron '30 2 * * *' -- ./backup.sh --full",
                "queuectl schedule add ping --every 5m --no-overlap -- curl -fsS https://example.com/health",
            ],
            action: .withSpool(ScheduleCommand.add)),
        CommandSpec(
            name: "list", abstract: "List the schedules with their next run time.",
            options: [jsonFlag("Print a JSON array.")], action: .readingSpool(ScheduleCommand.list)),
        CommandSpec(
            name: "show", abstract: "Show one schedule.", arguments: [scheduleName],
            options: [jsonFlag("Print one JSON object.")], action: .readingSpool(ScheduleCommand.show)),
        CommandSpec(
            name: "rm", abstract: "Remove a schedule; occurrences already enqueued stay.", arguments: [scheduleName],
            action: .withSpool(ScheduleCommand.remove)),
        CommandSpec(
            name: "pause", abstract: "Stop enqueueing a schedule's occurrences.", arguments: [scheduleName],
            action: .withSpool { try ScheduleCommand.pause($0, spool: $1, paused: true) }),
        CommandSpec(
            name: "resume", abstract: "Enqueue a schedule's occurrences again (missed ones by its catch-up policy).",
            arguments: [scheduleName], action: .withSpool { try ScheduleCommand.pause($0, spool: $1, paused: false) }),
    ])


private let limitOption = OptionSpec(long: "limit", valueName: "n", help: "Show at most this many jobs.")

private func jsonFlag(_ help: String) -> OptionSpec {
    OptionSpec(long: "json", help: help)
}
