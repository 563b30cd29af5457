// enqueue: one job from JSON or flags, or a JSON Lines batch from a file or stdin.
// Flags given with a JSON record override its fields; everything is validated before any write.

import QueueCore
import QueueSystem

enum EnqueueCommand {
    static func run(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        let defaults = spool.jobDefaults(cwd: CurrentProcess.workingDirectory)
        let jobs: [NewJob]
        if let words = command.wordsAfterTerminator {
            guard !words.isEmpty else { throw command.usageError("Missing the command's words after '--'.") }
            if !command.positionals.isEmpty { throw command.usageError("Give the job either as <json> or as words after '--', not both.") }
            for flag in ["command", "file"] where command.value(flag) != nil {
                throw command.usageError("Give the command either with '--\(flag)' or as words after '--', not both.")
            }
            var object = JSONObject()
            object["command"] = .string(shellCommand(words))
            try applyFlags(command, to: &object, now: defaults.now)
            jobs = [try spool.decodeNewJob(.object(object), defaults: defaults)]
        } else if let file = command.value("file") {
            if !command.positionals.isEmpty { throw command.usageError("Give jobs either as a <json> argument or with --file, not both.") }
            for flag in ["command", "id", "run-at", "delay"] where command.value(flag) != nil {
                throw command.usageError("'--\(flag)' cannot be used with '--file'; put the field in each line instead.")
            }
            return try enqueueBatch(file, spool: spool, defaults: defaults)
        } else {
            var object: JSONObject
            if let text = command.positionals.first {
                if command.value("command") != nil {
                    throw command.usageError("Give the job either as <json> or with --command, not both.")
                }
                let value: JSONValue
                do {
                    value = try parseJSON(text)
                } catch {
                    // `queuectl enqueue make`: a command, not a record; show the form that runs it.
                    if !text.drop(while: \.isWhitespace).hasPrefix("{") {
                        throw command.usageError(
                            "'\(text)' is not a JSON job record. To run a command, put its words after '--': queuectl enqueue -- \(text)")
                    }
                    throw QueueError.malformedJSON(error.description)
                }
                guard let parsed = value.objectValue else {
                    throw QueueError.invalidJob([FieldProblem("job", "must be a JSON object such as {\"command\": \"echo hi\"}, got \(value.typeName)")])
                }
                object = parsed
            } else if let shellCommand = command.value("command") {
                object = JSONObject()
                object["command"] = .string(shellCommand)
            } else {
                throw command.usageError("Missing expected argument '<json>' (or give '--command <command>').")
            }
            try applyFlags(command, to: &object, now: defaults.now)
            jobs = [try spool.decodeNewJob(.object(object), defaults: defaults)]
        }
        for outcome in try spool.enqueue(jobs) { Console.out(outcome.id.rawValue) }
        return .success
    }

    /// Writes the flags into the record's fields, so one validation covers both forms. Serves
    /// every command that takes a job's flags (enqueue, edit, schedule add): a flag the command
    /// does not have is skipped.
    static func applyFlags(_ command: ParsedCommand, to object: inout JSONObject, now: Timestamp) throws {
        if command.accepts("id"), let id = command.value("id") { object["id"] = .string(id) }
        if let retries = try command.int("max-retries") { object["max_retries"] = .number(JSONNumber(retries)) }
        if let priority = try command.int("priority") { object["priority"] = .number(JSONNumber(priority)) }
        if let timeout = command.value("timeout") {
            guard let seconds = parseDuration(timeout), seconds > 0 else {
                throw command.invalidValue("timeout", reason: "expected seconds greater than 0, such as 30 or 5m")
            }
            object["timeout_sec"] = .number(JSONNumber(seconds))
        }
        if command.accepts("run-at"), command.value("run-at") != nil && command.value("delay") != nil {
            throw command.usageError("Give either '--run-at' or '--delay', not both.")
        }
        if command.accepts("run-at"), let runAt = command.value("run-at") {
            guard let time = Timestamp(iso8601: runAt) else {
                throw command.invalidValue("run-at", reason: "expected an ISO-8601 time such as 2026-11-22T15:30:00Z")
            }
            object["run_at"] = .string(time.iso8601)
        }
        if command.accepts("delay"), let delay = command.value("delay") {
            guard let seconds = parseDuration(delay) else {
                throw command.invalidValue("delay", reason: "expected seconds such as 30, 90s, 5m or 1h")
            }
            object["run_at"] = .string(now.adding(seconds: seconds).iso8601)
        }
        if let cwd = command.value("cwd") { object["cwd"] = .string(cwd) }
        let env = command.values("env")
        if !env.isEmpty {
            var variables = object["env"]?.objectValue ?? JSONObject()
            for pair in env {
                guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                    throw command.invalidValue("env", reason: "expected NAME=value")
                }
                variables[String(pair[..<equals])] = .string(String(pair[pair.index(after: equals)...]))
            }
            object["env"] = .object(variables)
        }
        let after = command.accepts("after") ? command.values("after") : []
        if !after.isEmpty {
            object["after"] = .array((object["after"]?.arrayValue ?? []) + after.map { .string($0) })
        }
        if command.accepts("group"), let group = command.value("group") { object["group"] = .string(group) }
        if command.accepts("unique"), command.flag("unique") { object["unique"] = .bool(true) }
    }

    /// The words of a command line as one /bin/sh -c command that gives the program exactly
    /// these words: a word of plain characters stays as it is, any other is single-quoted
    /// (inside which sh gives every character literally, and a ' is written '\\''). The first
    /// word is quoted too when sh would read it as an assignment (`A=1`) or a reserved word (`if`).
    static func shellCommand(_ words: [String]) -> String {
        words.enumerated().map { index, word in
            var plain = !word.isEmpty && word.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                    || ("0"..."9").contains(scalar) || "_-./:=,+@%".unicodeScalars.contains(scalar))
            }
            if index == 0 && (word.contains("=") || shellReservedWords.contains(word)) { plain = false }
            return plain ? word : "'" + word.replacing("'", with: #"'\''"#) + "'"
        }.joined(separator: " ")
    }

    private static let shellReservedWords: Set<String> = [
        "if", "then", "else", "elif", "fi", "case", "esac", "for", "while", "until", "do", "done", "in", "function", "select", "time",
    ]

    /// A batch from a file, or from stdin for "-", streamed (see Spool.enqueueBatch).
    static func enqueueBatch(_ path: String, spool: Spool, defaults: JobRecord.Defaults) throws -> ExitCode {
        if path == "-" {
            try spool.enqueueBatch(from: .standardInput, defaults: defaults, idsTo: .standardOutput)
            return .success
        }
        let input: FileDescriptor
        do { input = try FileDescriptor.open(path, .readOnly) } catch { throw QueueError.system(error) }
        defer { input.close() }
        try spool.enqueueBatch(from: input, defaults: defaults, idsTo: .standardOutput)
        return .success
    }
}

