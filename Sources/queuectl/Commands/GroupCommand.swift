// group set | list | rm | pause | resume: the settings of job groups, one file each under
// SPOOL/groups/ (see Groups.swift); running workers follow a change within about a second.

import QueueCore

enum GroupCommand {
    static func set(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        let name = command.positionals.first ?? ""
        try checkName(command, name)
        var settings = spool.groupSettings(name) ?? GroupSettings(name: name)
        if command.flag("no-limit") {
            if command.value("limit") != nil { throw command.usageError("Give either '--limit' or '--no-limit', not both.") }
            settings.limit = nil
        } else if let limit = try command.int("limit") {
            guard GroupSettings.limitRange.contains(limit) else {
                throw command.invalidValue("limit", reason: "expected \(GroupSettings.limitRange.lowerBound) to \(GroupSettings.limitRange.upperBound)")
            }
            settings.limit = limit
        } else {
            throw command.usageError("Missing expected argument '--limit <n>' (or give '--no-limit').")
        }
        settings.updatedAt = .now()
        try spool.saveGroup(settings)
        Console.out("Group '\(name)': " + (settings.limit.map { "at most \($0) running at once" } ?? "no limit") + ".")
        return .success
    }

    static func pause(_ command: ParsedCommand, spool: Spool, paused: Bool) throws -> ExitCode {
        let name = command.positionals.first ?? ""
        try checkName(command, name)
        var settings = spool.groupSettings(name) ?? GroupSettings(name: name)
        settings.isPaused = paused
        settings.updatedAt = .now()
        try spool.saveGroup(settings)
        Console.out(paused ? "Group '\(name)' paused: workers start none of its jobs until 'queuectl group resume \(name)'."
                           : "Group '\(name)' resumed.")
        return .success
    }

    static func remove(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        let name = command.positionals.first ?? ""
        try checkName(command, name)
        guard try spool.removeGroup(name) else { throw QueueError.unknownGroup(name) }
        Console.out("Removed the settings of group '\(name)'; its jobs run without a limit.")
        return .success
    }

    static func list(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        let groups = spool.groupStatuses()
        if command.flag("json") {
            Console.out(encodeJSON(.array(groups.map(\.json)), pretty: true))
            return .success
        }
        if groups.isEmpty {
            Console.out("No groups set and no jobs queued or running. Set one with 'queuectl group set NAME --limit N'.")
            return .success
        }
        Console.out(table(groups).rendered())
        return .success
    }

    static func table(_ groups: [GroupStatus]) -> Table {
        var table = Table("GROUP", "RUNNING", "LIMIT", "PENDING", "STATE")
        for group in groups {
            table.add(group.name, String(group.running), group.limit.map(String.init) ?? "-", String(group.pending),
                      group.isPaused ? Style.yellow.apply("paused") : "active")
        }
        return table
    }

    private static func checkName(_ command: ParsedCommand, _ name: String) throws {
        do { try Spool.checkGroupName(name) } catch {
            throw command.invalidArgument("name", value: name, reason: JobID.rule + ", not ending in .json")
        }
    }
}
