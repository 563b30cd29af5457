// HTTPConnection: one client's connection, as a small state machine the server's poll loop drives:
// reading the request, writing the response, then draining what the client still sends until it
// closes (so the response is not lost to a reset). Each phase has a deadline; nothing here blocks.

import QueueCore
import QueueSystem

/// One accepted connection and where it is in its single request/response exchange.
struct HTTPConnection {
    enum Phase: Equatable {
        /// Waiting for the request; `input` holds what arrived.
        case reading
        /// Sending `output` from `sent` on.
        case writing
        /// The response is out and our side shut: reading and dropping until the client closes.
        case draining
        case closed
    }

    let socket: Socket
    let acceptedAt: Int64
    private(set) var phase = Phase.reading
    private(set) var deadline: Int64
    private var input: [UInt8] = []
    private var decoder: HTTPRequestDecoder
    private var output: [UInt8] = []
    private var sent = 0
    private let limits: HTTPLimits

    /// How long a drained connection may linger after its response.
    static let drainMicroseconds: Int64 = 2_000_000

    init(socket: Socket, limits: HTTPLimits, now: Int64) {
        self.socket = socket
        self.limits = limits
        acceptedAt = now
        deadline = now + Int64(limits.requestTimeoutSeconds * 1_000_000)
        decoder = HTTPRequestDecoder(limits: limits)
    }

    /// What to wait for in poll(2).
    var interest: PollEvents { phase == .writing ? .writable : .readable }

    /// True while the request has not fully arrived (the connection may be evicted for a new one).
    var isWaitingForRequest: Bool { phase == .reading }

    /// Reads what arrived; returns the request once it is complete. A malformed or oversized
    /// request queues its error response here.
    mutating func readRequest(into chunk: UnsafeMutableRawBufferPointer, now: Int64) -> HTTPRequest? {
        guard let count = receive(into: chunk) else { return nil }
        input.append(contentsOf: chunk.prefix(count))
        switch decoder.decode(input) {
        case .incomplete:
            return nil
        case .complete(let request):
            return request
        case .invalid(let error):
            respond(.text(error.reason, status: error.status), includingBody: true, now: now)
            return nil
        }
    }

    /// Receives into `chunk`; closes on end of file or error; nil when nothing was read.
    private mutating func receive(into chunk: UnsafeMutableRawBufferPointer) -> Int? {
        do {
            guard let count = try socket.receive(into: chunk) else { return nil }
            if count == 0 { close() }
            return count == 0 ? nil : count
        } catch {
            close()
            return nil
        }
    }

    /// Queues `response` and switches to writing, with the response deadline.
    mutating func respond(_ response: HTTPResponse, includingBody: Bool, now: Int64) {
        output = response.encoded(includingBody: includingBody)
        sent = 0
        input = []
        phase = .writing
        deadline = now + Int64(limits.responseTimeoutSeconds * 1_000_000)
    }

    /// Sends what the socket takes; after the last byte, shuts our side and starts draining.
    mutating func writeResponse(now: Int64) {
        do {
            while sent < output.count {
                let count = try output.withUnsafeBytes { bytes throws(SystemError) in
                    try socket.send(UnsafeRawBufferPointer(rebasing: bytes[sent...]))
                }
                guard let count else { return }
                sent += count
            }
        } catch {
            close()
            return
        }
        socket.shutdownSending()
        output = []
        phase = .draining
        deadline = now + HTTPConnection.drainMicroseconds
    }

    /// Drops what the client still sends; closes at its end of file.
    mutating func drain(into chunk: UnsafeMutableRawBufferPointer) {
        while receive(into: chunk) != nil {}
    }

    /// The deadline passed: a partial request gets 408, an idle connection or a stalled
    /// response is dropped.
    mutating func expire(now: Int64) {
        if phase == .reading && !input.isEmpty {
            respond(.text("The request took longer than \(limits.requestTimeoutSeconds) seconds.", status: .requestTimeout),
                    includingBody: true, now: now)
            deadline = now + HTTPConnection.drainMicroseconds
        } else {
            close()
        }
    }

    mutating func close() {
        guard phase != .closed else { return }
        socket.close()
        phase = .closed
    }
}
