// config list | get | set: the spool's settings, validated before anything is written.

import QueueCore

enum ConfigCommand {
    static func list(_ command: ParsedCommand, spool: Spool) -> ExitCode {
        if command.flag("json") {
            var object = JSONObject()
            for key in Config.keys { object[key.name] = spool.config.value(key) }
            Console.json(.object(object))
            return .success
        }
        var table = Table("KEY", "VALUE", "DEFAULT", "MEANING")
        for key in Config.keys {
            table.add(key.name, encodeJSON(spool.config.value(key)), encodeJSON(key.defaultValue), key.help)
        }
        Console.out(table.rendered())
        return .success
    }

    static func get(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        let key = try Config.key(named: command.positionals[0])
        // A string prints as it is (`$(queuectl config get on-dead)` in a script); numbers,
        // lists and booleans as JSON, which is how they are written to `config set`.
        let value = spool.config.value(key)
        Console.out(value.stringValue ?? encodeJSON(value))
        return .success
    }

    static func set(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        var config = spool.config
        try config.set(command.positionals[0], to: command.positionals[1])
        try spool.save(config)
        let key = try Config.key(named: command.positionals[0])
        Console.out("\(key.name) = \(encodeJSON(config.value(key)))")
        return .success
    }
}
