// The HTTP layer in-process, with limits small enough to test: a partial request gets 408 at its
// deadline, an idle connection is dropped, the connection bound evicts the longest-waiting
// client, a handler's error is a 500, and a client that never reads its response blocks no one.

import Foundation
import QueueCore
import QueueSystem
import Testing
@testable import Dashboard

/// An HTTPServer serving on its own thread until `stop()`.
final class ServerThread: @unchecked Sendable {
    let server: HTTPServer
    private let stopPipe: (read: FileDescriptor, write: FileDescriptor)
    private let finished = DispatchSemaphore(value: 0)

    init(limits: HTTPLimits, handler: @escaping HTTPHandler) throws {
        server = try HTTPServer.bind(SocketAddress(host: "127.0.0.1", port: 0)!, limits: limits)
        stopPipe = try FileDescriptor.pipe()
        let server = server, stop = stopPipe.read, finished = finished
        Thread {
            try? server.serve(until: stop, log: { _ in }, handler: handler)
            finished.signal()
        }.start()
    }

    var port: UInt16 { server.address.port }

    func stop() {
        try? stopPipe.write.writeAll([1])
        finished.wait()
        stopPipe.read.close()
        stopPipe.write.close()
    }
}

struct Boom: Error, CustomStringConvertible {
    var description: String { "boom" }
}

let echoHandler: HTTPHandler = { request in
    if request.pathSegments == ["boom"] { throw Boom() }
    if request.pathSegments == ["big"] { return HTTPResponse(status: .ok, body: [UInt8](repeating: 0x61, count: 32 << 20)) }
    return .text("hello /" + request.pathSegments.joined(separator: "/"))
}

@Suite struct HTTPServerTests {
    @Test func aPartialRequestTimesOutWith408AndAnIdleOneIsDropped() throws {
        var limits = HTTPLimits()
        limits.requestTimeoutSeconds = 0.5
        let thread = try ServerThread(limits: limits, handler: echoHandler)
        defer { thread.stop() }
        let partial = try RawConnection(port: thread.port)
        defer { partial.close() }
        let idle = try RawConnection(port: thread.port)
        defer { idle.close() }
        try partial.send("GET /slow HT")
        let started = ContinuousClock.now
        let response = try partial.readResponse(timeout: 5)
        #expect(response.status == 408)
        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(try idle.readAll(timeout: 5).isEmpty, "an idle connection is closed without a response")
    }

    @Test func theConnectionBoundEvictsTheLongestWaiting() throws {
        var limits = HTTPLimits()
        limits.maxConnections = 4
        let thread = try ServerThread(limits: limits, handler: echoHandler)
        defer { thread.stop() }
        var stalled: [RawConnection] = []
        defer { stalled.forEach { $0.close() } }
        for _ in 0..<4 {
            let connection = try RawConnection(port: thread.port)
            try connection.send("GET /")
            stalled.append(connection)
            Thread.sleep(forTimeInterval: 0.05)
        }
        let response = try exchange(thread.port, "GET /fresh HTTP/1.1\r\nHost: x\r\n\r\n", timeout: 5)
        #expect(response.status == 200)
        #expect(response.body == "hello /fresh\n")
        #expect(try stalled[0].readAll(timeout: 5).isEmpty, "the oldest waiting connection made room")
    }

    @Test func aHandlerErrorIsA500AndTheServerGoesOn() throws {
        let thread = try ServerThread(limits: HTTPLimits(), handler: echoHandler)
        defer { thread.stop() }
        let response = try exchange(thread.port, "GET /boom HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(response.status == 500)
        #expect(response.body.contains("boom"))
        #expect(try exchange(thread.port, "GET /after HTTP/1.1\r\nHost: x\r\n\r\n").body == "hello /after\n")
    }

    @Test func aClientThatNeverReadsItsResponseBlocksNoOne() throws {
        var limits = HTTPLimits()
        limits.responseTimeoutSeconds = 1
        let thread = try ServerThread(limits: limits, handler: echoHandler)
        defer { thread.stop() }
        let sluggish = try RawConnection(port: thread.port)
        defer { sluggish.close() }
        try sluggish.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.2)
        let started = ContinuousClock.now
        #expect(try exchange(thread.port, "GET /other HTTP/1.1\r\nHost: x\r\n\r\n").status == 200)
        #expect(ContinuousClock.now - started < .seconds(1))
        // Past the response deadline the server gives up on it: far less than the 32 MiB arrives.
        Thread.sleep(forTimeInterval: 1.5)
        #expect(try sluggish.readAll(timeout: 5).count < 32 << 20)
    }
}
