// StartSignal: a FIFO into which a job's command writes a token (`echo TOKEN > FIFO`, a shell
// builtin: no extra process), and the moment the bench, blocked on it, sees each token arrive.

import QueueSystem

final class StartSignal {
    let path: String
    private let descriptor: FileDescriptor
    private var pending: [UInt8] = []

    init(path: String) throws {
        self.path = path
        try FileSystem.makeFIFO(path)
        // Read and write: the FIFO never reports end of file between writers, and writers never block.
        descriptor = try FileDescriptor.open(path, [.readWrite, .nonBlocking])
    }

    deinit { descriptor.close() }

    /// The shell command that signals `token`.
    func command(_ token: String) -> String { "echo \(token) > \(path)" }

    /// The monotonic time at which the line `token` arrived; earlier lines are dropped.
    func wait(for token: String, timeout: Double) throws -> Int64 {
        let deadline = SystemClock.monotonicNanoseconds + Int64(timeout * 1e9)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let remaining = Int(max(0, (deadline - SystemClock.monotonicNanoseconds) / 1_000_000))
            let ready = Poll.waitForInput([descriptor], timeoutMilliseconds: remaining)[0]
            let now = SystemClock.monotonicNanoseconds
            if ready {
                // Non-blocking: a read that finds nothing (EAGAIN, thrown) adds nothing.
                if let count = try? descriptor.read(into: &buffer), count > 0 { pending += buffer[0..<count] }
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeSubrange(...newline)
                    if line == token { return now }
                }
            } else if now >= deadline {
                throw BenchError("no start signal '\(token)' within \(Int(timeout)) s")
            }
        }
    }
}
