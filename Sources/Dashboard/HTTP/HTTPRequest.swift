// HTTPRequest: one decoded request: method, target split into decoded path segments and query
// values, headers and body. Only the decoder makes one, so every request here passed its checks.

/// A request as the handler sees it.
public struct HTTPRequest: Sendable {
    /// The method as sent, such as `GET` (methods are case-sensitive).
    public let method: String
    /// The request target as sent, still percent-encoded: `/api/jobs?state=dead`.
    public let target: String
    /// `HTTP/1.1` or `HTTP/1.0`.
    public let version: String
    /// The path's segments, percent-decoded, without empty ones: `/api/jobs/a%2Eb` is `["api", "jobs", "a.b"]`.
    public let pathSegments: [String]
    /// The query's parameters, decoded (`+` is a space); a repeated name keeps its last value.
    public let query: [String: String]
    public let headers: HTTPHeaders
    public let body: [UInt8]
}
