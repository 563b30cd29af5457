// dashboard: serves the web page, the JSON API and /metrics of the spool until SIGINT or SIGTERM.
// Binds 127.0.0.1 unless --host says otherwise; --port 0 picks a free port, and the line printed
// names the real one, so scripts and tests can read it.

import Dashboard
import QueueCore
import QueueSystem

enum DashboardCommand {
    static func run(_ command: ParsedCommand, spool: Spool) throws -> ExitCode {
        let host = command.value("host") ?? "127.0.0.1"
        let port = try command.int("port") ?? 8080
        guard (0...65535).contains(port) else { throw command.invalidValue("port", reason: "expected 0 to 65535") }
        guard let address = SocketAddress(host: host, port: UInt16(port)) else {
            throw command.invalidValue("host", reason: "expected an IP address such as 127.0.0.1, 0.0.0.0 or ::1")
        }
        do {
            let stop = try Signals.makeSignalDescriptor([.interrupt, .terminate])
            let server = try DashboardServer(spool: spool, address: address, listenHost: host)
            if !address.isLoopback {
                Console.error("Warning: the dashboard has no login: anyone who can reach \(server.address) can read job commands and output, and retry dead jobs.")
            }
            Console.out("Serving http://\(server.address)/ (spool \(spool.root)); Ctrl-C stops.")
            try server.run(until: stop) { Console.error($0) }
        } catch {
            throw QueueError.system(error)
        }
        return .success
    }
}
