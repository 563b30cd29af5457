// HTTPRequestDecoder: turns the bytes received on one connection into one HTTPRequest (RFC 9112),
// fed again each time more bytes arrive. It scans each byte once (a client sending one byte at a
// time costs no more than one sending all), and rejects as soon as a limit is passed:
// a request line that is not exactly `METHOD SP /target SP HTTP/1.x` is 400, too long 414;
// header lines past the size or count limit 431; a body over the limit 413; chunked bodies 501.

/// Why a request was refused, with the status to answer.
public struct HTTPDecodingError: Error, Sendable, CustomStringConvertible {
    public let status: HTTPStatus
    public let reason: String
    public var description: String { "\(status): \(reason)" }
}

/// The state of decoding one request.
struct HTTPRequestDecoder {
    enum Outcome {
        case incomplete
        case complete(HTTPRequest)
        case invalid(HTTPDecodingError)
    }

    let limits: HTTPLimits
    /// Where scanning resumes, the start of the line being scanned, and how far the head goes.
    private var position = 0
    private var lineStart = 0
    /// The lines of the head found so far, as ranges without their line ending.
    private var lines: [Range<Int>] = []
    private var headEnd: Int?
    private var head: (method: String, target: String, version: String, headers: HTTPHeaders, bodyLength: Int)?

    init(limits: HTTPLimits) {
        self.limits = limits
    }

    /// Decodes what `buffer` (everything received so far) holds.
    mutating func decode(_ buffer: [UInt8]) -> Outcome {
        if headEnd == nil {
            if let failure = scanHead(buffer) { return .invalid(failure) }
            guard let end = headEnd else { return .incomplete }
            do {
                head = try parseHead(buffer, headEnd: end)
            } catch {
                return .invalid(error)
            }
        }
        guard let head, let headEnd else { return .incomplete }
        guard buffer.count - headEnd >= head.bodyLength else { return .incomplete }
        let (path, query) = splitTarget(head.target)
        guard let segments = decodePath(path), let parameters = PercentDecoding.decodeQuery(query ?? "") else {
            return .invalid(HTTPDecodingError(status: .badRequest, reason: "malformed percent-encoding in the request target"))
        }
        return .complete(HTTPRequest(
            method: head.method, target: head.target, version: head.version, pathSegments: segments,
            query: parameters, headers: head.headers, body: Array(buffer[headEnd..<headEnd + head.bodyLength])))
    }

    /// Finds the line ends from where the last call stopped; sets `headEnd` at the empty line.
    private mutating func scanHead(_ buffer: [UInt8]) -> HTTPDecodingError? {
        while position < buffer.count {
            let byte = buffer[position]
            position += 1
            if byte != UInt8(ascii: "\n") { continue }
            var end = position - 1
            if end > lineStart && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            if end == lineStart && !lines.isEmpty {
                if lineStart - lines[0].upperBound > limits.headerBytes { return headerBytesExceeded }
                headEnd = position
                return nil
            }
            lines.append(lineStart..<end)
            lineStart = position
            if lines.count - 1 > limits.headerCount {
                return HTTPDecodingError(status: .headerFieldsTooLarge, reason: "more than \(limits.headerCount) header fields")
            }
        }
        if lines.isEmpty {
            if buffer.count > limits.requestLineBytes {
                return HTTPDecodingError(status: .uriTooLong, reason: "request line longer than \(limits.requestLineBytes) bytes")
            }
        } else if buffer.count - lines[0].upperBound > limits.headerBytes {
            return headerBytesExceeded
        }
        return nil
    }

    private var headerBytesExceeded: HTTPDecodingError {
        HTTPDecodingError(status: .headerFieldsTooLarge, reason: "header fields longer than \(limits.headerBytes) bytes")
    }

    private func parseHead(_ buffer: [UInt8], headEnd: Int) throws(HTTPDecodingError)
        -> (method: String, target: String, version: String, headers: HTTPHeaders, bodyLength: Int)
    {
        let requestLine = buffer[lines[0]]
        guard requestLine.count <= limits.requestLineBytes else {
            throw HTTPDecodingError(status: .uriTooLong, reason: "request line longer than \(limits.requestLineBytes) bytes")
        }
        let parts = requestLine.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else {
            throw HTTPDecodingError(status: .badRequest, reason: "the request line is not 'METHOD /target HTTP/1.1'")
        }
        guard parts[0].allSatisfy(HTTPRequestDecoder.isTokenByte) else {
            throw HTTPDecodingError(status: .badRequest, reason: "malformed method")
        }
        guard parts[1].first == UInt8(ascii: "/"), parts[1].allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw HTTPDecodingError(status: .badRequest, reason: "the request target must be a path starting with '/'")
        }
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            if version.hasPrefix("HTTP/") && version.count == 8 {
                throw HTTPDecodingError(status: .versionNotSupported, reason: "only HTTP/1.0 and HTTP/1.1 are served")
            }
            throw HTTPDecodingError(status: .badRequest, reason: "malformed HTTP version")
        }
        var headers = HTTPHeaders()
        for range in lines.dropFirst() {
            let line = buffer[range]
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                  line[line.startIndex..<colon].allSatisfy(HTTPRequestDecoder.isTokenByte) else {
                throw HTTPDecodingError(status: .badRequest, reason: "malformed header field")
            }
            let value = line[(colon + 1)...].drop { $0 == 0x20 || $0 == 0x09 }
            let trimmed = value.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed()
            guard trimmed.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw HTTPDecodingError(status: .badRequest, reason: "control character in a header field")
            }
            headers.append(name: String(decoding: line[line.startIndex..<colon], as: UTF8.self),
                           value: String(decoding: trimmed, as: UTF8.self))
        }
        if version == "HTTP/1.1" && headers.values("host").count != 1 {
            throw HTTPDecodingError(status: .badRequest, reason: "an HTTP/1.1 request needs exactly one Host header")
        }
        if headers["transfer-encoding"] != nil {
            throw HTTPDecodingError(status: .notImplemented, reason: "Transfer-Encoding is not supported; send Content-Length")
        }
        let lengths = Set(headers.values("content-length"))
        guard lengths.count <= 1 else {
            throw HTTPDecodingError(status: .badRequest, reason: "conflicting Content-Length headers")
        }
        var bodyLength = 0
        if let text = lengths.first {
            guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let length = Int(text) else {
                throw HTTPDecodingError(status: .badRequest, reason: "malformed Content-Length")
            }
            guard length <= limits.bodyBytes else {
                throw HTTPDecodingError(status: .contentTooLarge, reason: "request body over \(limits.bodyBytes) bytes")
            }
            bodyLength = length
        }
        return (String(decoding: parts[0], as: UTF8.self), String(decoding: parts[1], as: UTF8.self), version, headers, bodyLength)
    }

    private func splitTarget(_ target: String) -> (path: Substring, query: Substring?) {
        guard let mark = target.firstIndex(of: "?") else { return (target[...], nil) }
        return (target[..<mark], target[target.index(after: mark)...])
    }

    private func decodePath(_ path: Substring) -> [String]? {
        var segments: [String] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            guard let decoded = PercentDecoding.decode(segment) else { return nil }
            segments.append(decoded)
        }
        return segments
    }

    /// RFC 9110 `tchar`: the bytes allowed in a method or a header name.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
