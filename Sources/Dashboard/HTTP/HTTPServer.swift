// HTTPServer: a small HTTP/1.1 server on one thread: one poll(2) loop over the listening socket,
// a stop descriptor and every connection, all non-blocking. One request per connection
// (`Connection: close`). A slow or malformed client only ever costs its own connection: each has a
// deadline, the number open is bounded, and a handler's error becomes a 500, never a crash.

import QueueCore
import QueueSystem

/// Answers one request. A thrown error becomes a 500 whose body names it.
public typealias HTTPHandler = @Sendable (HTTPRequest) throws -> HTTPResponse

/// A listening server. Create it with `bind`, then `serve` until the stop descriptor is readable.
public struct HTTPServer: Sendable {
    /// The address it listens on, with the real port when port 0 was asked for.
    public let address: SocketAddress
    public let limits: HTTPLimits
    private let listener: Socket

    /// Listens on `address`; throws `bind 127.0.0.1:8080: Address already in use` and the like.
    public static func bind(_ address: SocketAddress, limits: HTTPLimits = HTTPLimits()) throws(SystemError) -> HTTPServer {
        let listener = try Socket.listen(on: address)
        do {
            return HTTPServer(address: try listener.localAddress(), limits: limits, listener: listener)
        } catch {
            listener.close()
            throw error
        }
    }

    /// Serves requests with `handler` until `stop` becomes readable (a signal's self-pipe),
    /// then closes every connection and the listening socket. `log` receives one line per
    /// handler error or failed accept.
    public func serve(until stop: FileDescriptor, log: (String) -> Void, handler: HTTPHandler) throws(SystemError) {
        var connections: [HTTPConnection] = []
        var acceptPausedUntil: Int64 = 0
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 1)
        defer {
            chunk.deallocate()
            for index in connections.indices { connections[index].close() }
            listener.close()
        }
        while true {
            var now = SystemClock.monotonicMicroseconds
            let isAccepting = now >= acceptPausedUntil
            var entries: [(descriptor: FileDescriptor, events: PollEvents)] = [(stop, .readable)]
            if isAccepting { entries.append((listener.descriptor, .readable)) }
            for connection in connections { entries.append((connection.socket.descriptor, connection.interest)) }
            let nextDeadline = connections.map(\.deadline).min() ?? (now + 1_000_000)
            let wake = isAccepting ? nextDeadline : min(nextDeadline, acceptPausedUntil)
            let timeout = Int(max(0, min(wake - now, 1_000_000)) / 1000) + 1
            let ready = try Poll.wait(entries, timeoutMilliseconds: timeout)
            if !ready[0].isEmpty { return }
            now = SystemClock.monotonicMicroseconds

            let offset = isAccepting ? 2 : 1
            for index in connections.indices where !ready[index + offset].isEmpty {
                switch connections[index].phase {
                case .reading:
                    if let request = connections[index].readRequest(into: chunk, now: now) {
                        let response = answer(request, handler: handler, log: log)
                        connections[index].respond(response, includingBody: request.method != "HEAD", now: now)
                        connections[index].writeResponse(now: now)
                    }
                case .writing:
                    connections[index].writeResponse(now: now)
                case .draining:
                    connections[index].drain(into: chunk)
                case .closed:
                    break
                }
            }
            for index in connections.indices where connections[index].phase != .closed && connections[index].deadline <= now {
                connections[index].expire(now: now)
                if connections[index].phase == .writing { connections[index].writeResponse(now: now) }
            }
            connections.removeAll { $0.phase == .closed }

            if isAccepting && ready[1].contains(.readable) {
                acceptPausedUntil = acceptConnections(into: &connections, now: now, log: log)
            }
        }
    }

    /// Accepts every waiting connection. Past the limit, the connection that has waited longest
    /// for its request is dropped to make room. Returns when accepting may resume (later than
    /// now when the process is out of descriptors).
    private func acceptConnections(into connections: inout [HTTPConnection], now: Int64, log: (String) -> Void) -> Int64 {
        for _ in 0..<limits.maxConnections {
            let socket: Socket
            do {
                guard let accepted = try listener.accept() else { return now }
                socket = accepted
            } catch where error.errno == .connectionAborted {
                continue
            } catch {
                log("dashboard: \(error); pausing new connections for 100 ms")
                return now + 100_000
            }
            if connections.count >= limits.maxConnections {
                let waiting = connections.indices.filter { connections[$0].isWaitingForRequest }
                let victim = waiting.min { connections[$0].acceptedAt < connections[$1].acceptedAt } ?? 0
                connections[victim].close()
                connections.remove(at: victim)
            }
            connections.append(HTTPConnection(socket: socket, limits: limits, now: now))
        }
        return now
    }

    private func answer(_ request: HTTPRequest, handler: HTTPHandler, log: (String) -> Void) -> HTTPResponse {
        do {
            return try handler(request)
        } catch {
            log("dashboard: \(request.method) \(request.target): \(error)")
            return .text("Internal error: \(error)", status: .internalServerError)
        }
    }
}
