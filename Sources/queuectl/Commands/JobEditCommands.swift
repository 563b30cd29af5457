// requeue, rm, edit: a person's changes to single jobs. The spool does each change safely
// (JobEdits); here are the flags, the editor session and the messages.
// Guarantees: an edit that is invalid changes nothing (exit 2) and says what to fix.

import QueueCore
import QueueSystem

enum JobEditCommands {
    /// `queuectl requeue ID...`: completed, dead or failed jobs run again now, attempts reset.
    static func requeue(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        try forEachID(command) { id in
            Console.out(try spool.requeue(id).rawValue)
        }
    }

    /// `queuectl rm ID...`: deletes jobs that are not running, with their logs and ids.
    static func remove(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        try forEachID(command) { id in
            Console.out(try spool.remove(id).rawValue)
        }
    }

    /// Runs `body` for each id given; reports each failure and goes on; exits 1 if one failed.
    private static func forEachID(_ command: ParsedCommand, _ body: (String) throws -> Void) throws -> ExitCode {
        var failures = 0
        for id in command.positionals {
            do {
                try body(id)
            } catch {
                Console.error("Error: \(error)")
                failures += 1
            }
        }
        return failures == 0 ? .success : .failure
    }

    /// The flags of `edit` that change a field.
    static let fieldFlags = ["command", "priority", "run-at", "delay", "max-retries", "timeout", "env", "cwd", "after"]

    /// `queuectl edit ID [FLAGS]`, or with no flags, the record in $VISUAL / $EDITOR.
    static func edit(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        let id = command.positionals[0]
        let outcome: EditOutcome
        if fieldFlags.contains(where: { !command.values($0).isEmpty }) {
            let now = Timestamp.now()
            outcome = try spool.edit(id, now: now) { record in
                var object = record.json.objectValue ?? JSONObject()
                if let shellCommand = command.value("command") { object["command"] = .string(shellCommand) }
                try EnqueueCommand.applyFlags(command, to: &object, now: now)
                if command.value("run-at") != nil || command.value("delay") != nil, record.state == .failed {
                    object["next_run_at"] = object["run_at"]  // a failed job waits for its retry time
                }
                return try decodeEdited(.object(object), spool: spool, base: record)
            }
        } else {
            outcome = try editInEditor(id, spool: spool)
        }
        Console.out(outcome == .changed ? "\(id): changed" : "\(id): unchanged")
        return .success
    }

    /// Decodes an edited record: a likely misspelt field is refused, as at enqueue.
    static func decodeEdited(_ value: JSONValue, spool: Spool, base: JobRecord) throws(QueueError) -> JobRecord {
        if let object = value.objectValue {
            let typos = object.keys.compactMap { key in JobRecord.likelyTypo(key).map { (key, $0) } }
            if !typos.isEmpty {
                throw .invalidJob(typos.map { FieldProblem(wholeMessage: "unknown field '\($0.0)'; did you mean '\($0.1)'?") })
            }
        }
        return try JobRecord.decode(value, defaults: spool.jobDefaults(cwd: base.cwd, now: base.createdAt))
    }

    /// Like `crontab -e`: the record goes to a temporary file, the editor opens it, and the saved
    /// text replaces the job if it is valid (the job is claimed only then, and only if no one
    /// changed it meanwhile). An invalid edit changes nothing; the text is kept to fix and retry.
    private static func editInEditor(_ id: String, spool: Spool) throws -> EditOutcome {
        let (location, record) = try spool.job(id)
        guard location.state == .pending || location.state == .failed else {
            throw QueueError.wrongState(record.id, location.state, expected: "pending or failed (only a job that has not run or waits for a retry can be edited)")
        }
        let editor = [CurrentProcess.environmentValue("VISUAL"), CurrentProcess.environmentValue("EDITOR")]
            .compactMap { $0 }.first { !$0.isEmpty } ?? "vi"
        let folder = try FileSystem.makeTemporaryDirectory(prefix: "/tmp/queuectl-edit.")
        let file = folder + "/" + record.id.rawValue + ".json"
        try FileDescriptor.open(file, [.writeOnly, .create, .exclusive], mode: 0o600).closeAfter { descriptor throws(SystemError) in
            try descriptor.writeAll(record.fileBytes, path: file)
        }
        // The editor gets the terminal: our stdin, stdout and stderr, in our process group.
        let child = try Spawn.start(
            ["/bin/sh", "-c", editor + " \"$1\"", "sh", file], environment: CurrentProcess.environment,
            directory: nil, output: .standardOutput, errors: .standardError, newProcessGroup: false,
            inheritsInput: true)
        let ending = try Spawn.wait(child)
        guard ending == .exited(0) else {
            try? FileSystem.removeTree(folder)
            throw QueueError.invalidJob([FieldProblem(wholeMessage: "the editor (\(editor)) ended with \(ending); the job is unchanged")])
        }
        let bytes = try Spool.readRegularFile(file, limit: 64 << 20)
        do {
            let value: JSONValue
            do { value = try parseJSON(bytes) } catch { throw QueueError.malformedJSON(error.description) }
            let outcome = try spool.edit(id, expected: record) { current in
                try decodeEdited(value, spool: spool, base: current)
            }
            try? FileSystem.removeTree(folder)
            return outcome
        } catch let error as QueueError where error.exitCode == 2 {
            throw QueueError.invalidJob([FieldProblem(wholeMessage: "\(error)\nThe job is unchanged; your edit is kept in \(file).")])
        }
    }
}
