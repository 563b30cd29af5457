// StartSignal: a FIFO into which a job's command writes a token (`echo TOKEN > FIFO`, a shell
// builtin: no extra process), and the moment the bench, blocked on it, sees each token arrive.

#if canImport(Glibc)
import Glibc
#endif

final class StartSignal {
    let path: String
    private let fd: CInt
    private var pending: [UInt8] = []

    init(path: String) throws {
        self.path = path
        guard mkfifo(path, 0o600) == 0 else { throw BenchError("mkfifo \(path): \(String(cString: strerror(errno)))") }
        // Read and write: the FIFO never reports end of file between writers, and writers never block.
        fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw BenchError("open \(path): \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    /// The shell command that signals `token`.
    func command(_ token: String) -> String { "echo \(token) > \(path)" }

    /// The monotonic time at which the line `token` arrived; earlier lines are dropped.
    func wait(for token: String, timeout: Double) throws -> Int64 {
        let deadline = monotonicNanoseconds() + Int64(timeout * 1e9)
        while true {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let remaining = Int32(max(0, (deadline - monotonicNanoseconds()) / 1_000_000))
            let ready = poll(&descriptor, 1, remaining)
            let now = monotonicNanoseconds()
            if ready > 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count > 0 { pending += buffer[0..<count] }
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeSubrange(...newline)
                    if line == token { return now }
                }
            } else if ready == 0 || now >= deadline {
                throw BenchError("no start signal '\(token)' within \(Int(timeout)) s")
            }
        }
    }
}
