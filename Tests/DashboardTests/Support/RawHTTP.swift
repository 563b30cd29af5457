// RawHTTP: a tiny HTTP/1.1 client on a plain socket, for sending exactly the bytes a test wants
// (malformed, oversized, half a request) and reading back the status, headers and body.

import Foundation
import QueueCore
import QueueSystem

#if canImport(Glibc)
import Glibc
#endif

/// A response as read off the wire.
struct RawResponse: CustomStringConvertible {
    let status: Int
    let headers: [(name: String, value: String)]
    let body: String

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The body parsed as JSON.
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8), options: [.fragmentsAllowed]) }

    var description: String { "\(status)\n\(headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n"))\n\n\(body)" }
}

/// One connection to the dashboard under test.
struct RawConnection {
    let socket: Socket

    init(port: UInt16) throws {
        socket = try Socket.connect(to: SocketAddress(host: "127.0.0.1", port: port)!)
    }

    /// Sends every byte (the socket is blocking).
    func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let count = try bytes.withUnsafeBytes { buffer throws(SystemError) in
                try socket.send(UnsafeRawBufferPointer(rebasing: buffer[offset...]))
            }
            offset += count ?? 0
        }
    }

    /// Reads until the server closes the connection (every response is `Connection: close`),
    /// or `timeout` seconds pass.
    func readAll(timeout: Double = 10) throws -> [UInt8] {
        var bytes: [UInt8] = []
        let deadline = SystemClock.monotonicMicroseconds + Int64(timeout * 1_000_000)
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let left = Int((deadline - SystemClock.monotonicMicroseconds) / 1000)
            guard left > 0 else { throw HarnessFailure("no end of response within \(timeout) s; got \(bytes.count) bytes") }
            let ready = try Poll.wait([(socket.descriptor, .readable)], timeoutMilliseconds: left)
            if ready[0].isEmpty { continue }
            let count: Int?
            do {
                count = try chunk.withUnsafeMutableBytes { try socket.receive(into: $0) }
            } catch let error as SystemError where error.errno == .connectionReset {
                return bytes
            }
            guard let count else { continue }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
        }
    }

    /// Reads and parses one response.
    func readResponse(timeout: Double = 10) throws -> RawResponse {
        try RawResponse(parsing: readAll(timeout: timeout))
    }

    func close() { socket.close() }
}

extension RawResponse {
    init(parsing bytes: [UInt8]) throws {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw HarnessFailure("no end of head in: \(text)") }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0] == "HTTP/1.1", let status = Int(parts[1]) else {
            throw HarnessFailure("bad status line: \(lines[0])")
        }
        self.status = status
        headers = lines.dropFirst().map { line in
            let colon = line.firstIndex(of: ":")!
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        body = String(text[split.upperBound...])
    }
}

/// Sends `raw` bytes as one request and reads the response.
func exchange(_ port: UInt16, _ raw: String, timeout: Double = 10) throws -> RawResponse {
    let connection = try RawConnection(port: port)
    defer { connection.close() }
    try connection.send(raw)
    return try connection.readResponse(timeout: timeout)
}

/// A well-formed request with `Host: 127.0.0.1:PORT` and any extra header lines.
func request(_ port: UInt16, _ method: String, _ target: String, headers: [String] = []) throws -> RawResponse {
    let head = ["\(method) \(target) HTTP/1.1", "Host: 127.0.0.1:\(port)"] + headers
    return try exchange(port, head.joined(separator: "\r\n") + "\r\n\r\n")
}
