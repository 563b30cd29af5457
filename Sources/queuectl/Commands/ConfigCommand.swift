// config list | get | set: the spool's settings, validated before anything is written.

import QueueCore

enum ConfigCommand {
    static func list(_ command: ParsedCommand, spool: Spool) -> Int32 {
        if command.flag("json") {
            var object = JSONObject()
            for key in Config.keys { object[key.name] = spool.config.value(key) }
            Console.json(.object(object))
            return 0
        }
        var table = Table("KEY", "VALUE", "DEFAULT", "MEANING")
        for key in Config.keys {
            table.add(key.name, encodeJSON(spool.config.value(key)), encodeJSON(key.defaultValue), key.help)
        }
        Console.out(table.rendered())
        return 0
    }

    static func get(_ command: ParsedCommand, spool: Spool) throws -> Int32 {
        let key = try Config.key(named: command.positionals[0])
        Console.out(encodeJSON(spool.config.value(key)))
        return 0
    }

    static func set(_ command: ParsedCommand, spool: Spool) throws -> Int32 {
        var config = spool.config
        try config.set(command.positionals[0], to: command.positionals[1])
        try spool.save(config)
        let key = try Config.key(named: command.positionals[0])
        Console.out("\(key.name) = \(encodeJSON(config.value(key)))")
        return 0
    }
}
