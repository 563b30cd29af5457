// HTTPResponse: a status, header fields and a body, and the bytes sent for it.
// Guarantees: every response carries Content-Length and `Connection: close`; header values
// never carry CR or LF (they are dropped), so a value cannot start a header of its own.

import QueueCore

/// A response to send.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: HTTPStatus, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Plain text, UTF-8, with a final newline added when missing.
    public static func text(_ text: String, status: HTTPStatus = .ok, contentType: String = "text/plain; charset=utf-8") -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", contentType)],
                     body: Array((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// A JSON document, pretty-printed as `--json` output is, with a final newline.
    public static func json(_ value: JSONValue, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "application/json")],
                     body: Array((encodeJSON(value, pretty: true) + "\n").utf8))
    }

    /// `{"error": message}` with `status`.
    public static func jsonError(_ status: HTTPStatus, _ message: String) -> HTTPResponse {
        json(.object(["error": .string(message)]), status: status)
    }

    /// The bytes on the wire: status line, headers (with Content-Length and Connection: close
    /// added), an empty line, and the body unless `includingBody` is false (a HEAD request).
    public func encoded(includingBody: Bool = true) -> [UInt8] {
        var head = "HTTP/1.1 \(status.code) \(status.reason)\r\n"
        for (name, value) in headers {
            head += name + ": " + value.filter { $0 != "\r" && $0 != "\n" } + "\r\n"
        }
        head += "Content-Length: \(body.count)\r\n"
        head += "Connection: close\r\n\r\n"
        var bytes = Array(head.utf8)
        if includingBody { bytes += body }
        return bytes
    }
}
