// The real server against bad clients: malformed request lines (400), oversized heads (414, 431)
// and bodies (413), unknown routes (404) and methods (405), a client that stalls halfway while
// another is served, a port already in use, bad options, and a clean stop on SIGTERM and SIGINT.

import Foundation
import QueueCore
import QueueSystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct HTTPRobustnessTests {
    @Test func malformedAndOversizedRequestsAreRefused() async throws {
        let spool = try DashboardSpool()
        defer { spool.cleanup() }
        let dashboard = try await spool.startDashboard()
        let port = dashboard.port
        let host = "Host: 127.0.0.1:\(port)\r\n"
        let cases: [(String, Int)] = [
            ("GARBAGE\r\n\r\n", 400),
            ("GET /\r\n\r\n", 400),
            ("GET  / HTTP/1.1\r\n\(host)\r\n", 400),
            ("GET / HTTP/1.1 extra\r\n\(host)\r\n", 400),
            ("GET api/status HTTP/1.1\r\n\(host)\r\n", 400),
            ("GET / HTTP/1.1\r\n\r\n", 400),                                   // no Host
            ("GET / HTTP/1.1\r\n\(host) folded\r\n\r\n", 400),                 // obs-fold
            ("GET / HTTP/1.1\r\n\(host)Bad Name: x\r\n\r\n", 400),
            ("GET /%zz HTTP/1.1\r\n\(host)\r\n", 400),
            ("GET / HTTP/2.0\r\n\(host)\r\n", 505),
            ("GET /\(String(repeating: "a", count: 10_000)) HTTP/1.1\r\n\(host)\r\n", 414),
            ("GET / HTTP/1.1\r\n\(host)X-Big: \(String(repeating: "b", count: 100_000))\r\n\r\n", 431),
            ("GET / HTTP/1.1\r\n\(host)" + (0..<100).map { "X-\($0): y\r\n" }.joined() + "\r\n", 431),
            ("POST /api/jobs/x/retry HTTP/1.1\r\n\(host)Content-Length: 10000000\r\n\r\n", 413),
            ("POST /api/jobs/x/retry HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501),
            ("GET /nowhere HTTP/1.1\r\n\(host)\r\n", 404),
            ("GET /api/nowhere HTTP/1.1\r\n\(host)\r\n", 404),
            ("DELETE /api/status HTTP/1.1\r\n\(host)\r\n", 405),
            ("GET /api/jobs/ok/retry HTTP/1.1\r\n\(host)\r\n", 405),
            ("POST /metrics HTTP/1.1\r\n\(host)Content-Length: 0\r\n\r\n", 405),
            ("GET /api/status HTTP/1.1\r\nHost: attacker.example\r\n\r\n", 403),
            ("GET /api/status HTTP/1.0\r\n\r\n", 403),                          // HTTP/1.0 without Host
            ("GET /api/status HTTP/1.1\r\nHost: localhost:\(port)\r\n\r\n", 200),
            ("GET /api/status HTTP/1.1\nHost: 127.0.0.1\n\n", 200),              // bare LF line ends
        ]
        for (raw, expected) in cases {
            let response = try exchange(port, raw)
            #expect(response.status == expected, "\(raw.prefix(80).debugDescription) → \(response.status) \(response.body.prefix(200))")
            #expect(response.header("Content-Length") == String(response.body.utf8.count))
            #expect(response.header("Connection") == "close")
        }
        #expect(try exchange(port, "DELETE /api/status HTTP/1.1\r\n\(host)\r\n").header("Allow") == "GET, HEAD")
        // Still serving after all that.
        #expect(try request(port, "GET", "/api/status").status == 200)
    }

    @Test func aStalledClientDoesNotBlockAnother() async throws {
        let spool = try DashboardSpool()
        defer { spool.cleanup() }
        let dashboard = try await spool.startDashboard()
        let port = dashboard.port
        var stalled: [RawConnection] = []
        defer { stalled.forEach { $0.close() } }
        for _ in 0..<10 {
            let connection = try RawConnection(port: port)
            try connection.send("GET /api/sta")   // half a request line, then nothing
            stalled.append(connection)
        }
        let idle = try RawConnection(port: port)  // connected, never sends a byte
        stalled.append(idle)
        let started = ContinuousClock.now
        let response = try request(port, "GET", "/api/status")
        #expect(response.status == 200)
        // Held up, it would wait for the stalled ones' 10 s request timeout; half of that tells
        // the two apart on a loaded machine.
        #expect(ContinuousClock.now - started < .seconds(5), "a stalled client held up another")
        // Byte by byte is slow but fine: the request completes.
        let trickle = try RawConnection(port: port)
        defer { trickle.close() }
        for byte in "GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8 { try trickle.send([byte]) }
        #expect(try trickle.readResponse().status == 200)
    }

    @Test func stopsCleanlyOnSigtermAndSigint() async throws {
        let spool = try DashboardSpool()
        defer { spool.cleanup() }
        for signal in [SIGTERM, SIGINT] {
            let dashboard = try await spool.startDashboard()
            let open = try RawConnection(port: dashboard.port)
            try open.send("GET / HTT")
            #expect(try await dashboard.stop(signal) == 0)
            open.close()
            #expect(throws: SystemError.self) { try RawConnection(port: dashboard.port) }
        }
    }

    @Test func aPortInUseOrABadOptionIsReported() async throws {
        let spool = try DashboardSpool()
        defer { spool.cleanup() }
        let first = try await spool.startDashboard()
        let taken = try await spool.q("dashboard", "--port", String(first.port))
        #expect(taken.status == 1)
        #expect(taken.stderr.contains("bind 127.0.0.1:\(first.port): Address already in use"), "\(taken)")
        let badHost = try await spool.q("dashboard", "--host", "example.com")
        #expect(badHost.status == 2)
        #expect(badHost.stderr.contains("--host"), "\(badHost)")
        let badPort = try await spool.q("dashboard", "--port", "70000")
        #expect(badPort.status == 2)
    }
}
