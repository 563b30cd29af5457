// DashboardServer: `queuectl dashboard` as a library: the HTTP server bound to an address, serving
// the page, the JSON API and /metrics for one spool until a stop descriptor becomes readable.
// Every response is marked no-store and nosniff; nothing is cached, nothing is guessed.

import QueueCore
import QueueSystem

/// The web dashboard of one spool.
public struct DashboardServer: Sendable {
    private let server: HTTPServer
    private let routes: DashboardRoutes

    /// The address it listens on, with the real port when port 0 was asked for.
    public var address: SocketAddress { server.address }

    /// Binds to `address`. `listenHost` is the host as the user gave it (`--host`): requests
    /// whose Host header names it are accepted besides localhost and IP addresses.
    public init(spool: Spool, address: SocketAddress, listenHost: String, limits: HTTPLimits = HTTPLimits()) throws(SystemError) {
        server = try HTTPServer.bind(address, limits: limits)
        routes = DashboardRoutes(spool: spool, policy: OriginPolicy(listenHost: listenHost),
                                 page: DashboardPage(spoolPath: spool.root))
    }

    /// Serves until `stop` is readable; handler errors go to `log`.
    public func run(until stop: FileDescriptor, log: (String) -> Void) throws(SystemError) {
        let routes = routes
        try server.serve(until: stop, log: log) { request in
            var response = try routes.respond(to: request)
            response.headers += [("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"),
                                 ("Referrer-Policy", "same-origin")]
            return response
        }
    }
}
