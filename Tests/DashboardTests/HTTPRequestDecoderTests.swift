// The request decoder on its own: exactly three parts in the request line, headers up to the
// empty line, the limits and their status codes, bodies by Content-Length, percent-decoding,
// and the same result whether the bytes come at once or one at a time.

import QueueSystem
import Testing
@testable import Dashboard

private func decode(_ text: String, limits: HTTPLimits = HTTPLimits(), byteByByte: Bool = false) -> HTTPRequestDecoder.Outcome {
    var decoder = HTTPRequestDecoder(limits: limits)
    let bytes = Array(text.utf8)
    guard byteByByte else { return decoder.decode(bytes) }
    var outcome = HTTPRequestDecoder.Outcome.incomplete
    for end in 1...bytes.count {
        outcome = decoder.decode(Array(bytes[0..<end]))
        if case .incomplete = outcome { continue }
        return outcome
    }
    return outcome
}

private func status(_ text: String, limits: HTTPLimits = HTTPLimits()) -> Int? {
    switch decode(text, limits: limits) {
    case .incomplete: nil
    case .complete: 200
    case .invalid(let error): error.status.code
    }
}

@Suite struct HTTPRequestDecoderTests {
    @Test(arguments: [false, true]) func decodesARequest(byteByByte: Bool) throws {
        let outcome = decode("POST /api/jobs/a%2Eb/retry?state=dead&limit=5&q=a+b%21 HTTP/1.1\r\nHost: h:1\r\nOrigin:  http://h:1 \r\nContent-Length: 3\r\n\r\nabcEXTRA",
                             byteByByte: byteByByte)
        guard case .complete(let request) = outcome else {
            Issue.record("not complete: \(outcome)")
            return
        }
        #expect(request.method == "POST")
        #expect(request.version == "HTTP/1.1")
        #expect(request.pathSegments == ["api", "jobs", "a.b", "retry"])
        #expect(request.query == ["state": "dead", "limit": "5", "q": "a b!"])
        #expect(request.headers["ORIGIN"] == "http://h:1")
        #expect(request.body == Array("abc".utf8))
    }

    @Test func waitsForTheEmptyLineAndTheBody() {
        #expect(status("GET / HTTP/1.1\r\nHost: h\r\n") == nil)
        #expect(status("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nabc") == nil)
        #expect(status("GET / HTTP/1.1\r\nHost: h\r\n\r\n") == 200)
    }

    @Test(arguments: [
        "GET / HTTP/1.1 x\r\nHost: h\r\n\r\n", "GET /\r\nHost: h\r\n\r\n", " GET / HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", "G(T / HTTP/1.1\r\nHost: h\r\n\r\n", "GET * HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n", "GET / HTTX/1.1\r\nHost: h\r\n\r\n", "\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", "GET / HTTP/1.1\r\nHost: h\r\n: empty\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nA : spaced\r\n\r\n", "GET / HTTP/1.1\r\nHost: h\r\nA: b\u{1}c\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\n",
        "GET /%C3%28 HTTP/1.1\r\nHost: h\r\n\r\n", "GET /a?b=%4 HTTP/1.1\r\nHost: h\r\n\r\n",
    ])
    func malformedIs400(_ text: String) {
        #expect(status(text) == 400, "\(text.debugDescription)")
    }

    @Test func limitsHaveTheirStatusCodes() {
        var limits = HTTPLimits()
        limits.requestLineBytes = 64
        limits.headerBytes = 128
        limits.headerCount = 3
        limits.bodyBytes = 10
        #expect(status("GET /" + String(repeating: "a", count: 100), limits: limits) == 414)
        #expect(status("GET /" + String(repeating: "a", count: 100) + " HTTP/1.1\r\nHost: h\r\n\r\n", limits: limits) == 414)
        #expect(status("GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "b", count: 200), limits: limits) == 431)
        #expect(status("GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "b", count: 200) + "\r\n\r\n", limits: limits) == 431)
        #expect(status("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", limits: limits) == 431)
        #expect(status("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n", limits: limits) == 200)
        #expect(status("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", limits: limits) == 413)
        #expect(status("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n", limits: limits) == 400)
        #expect(status("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", limits: limits) == 501)
        #expect(status("GET / HTTP/2.0\r\nHost: h\r\n\r\n", limits: limits) == 505)
        #expect(status("GET / HTTP/1.0\r\n\r\n", limits: limits) == 200)
    }
}
