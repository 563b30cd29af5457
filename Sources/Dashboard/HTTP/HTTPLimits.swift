// HTTPLimits: how much a client may send and how long it may take, and how many may be connected.
// Past a limit the client gets 414, 431, 413 or 408 and is disconnected; the server never waits on it.

/// The bounds the server enforces on every connection.
public struct HTTPLimits: Sendable {
    /// The longest request line ("GET /path HTTP/1.1"), in bytes: longer gets 414.
    public var requestLineBytes = 8 * 1024
    /// The header lines together, in bytes: more gets 431.
    public var headerBytes = 16 * 1024
    /// The number of header lines: more gets 431.
    public var headerCount = 64
    /// The request body, in bytes: a larger Content-Length gets 413.
    public var bodyBytes = 64 * 1024
    /// From the accept to the last byte of the request: later gets 408.
    public var requestTimeoutSeconds = 10.0
    /// To send the whole response to a client that reads slowly; then the connection is dropped.
    public var responseTimeoutSeconds = 30.0
    /// Open connections at once; a new one past this evicts the one waiting longest for its request.
    public var maxConnections = 64

    public init() {}
}
