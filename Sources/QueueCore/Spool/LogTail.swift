// LogTail: the last lines of a job's captured output (SPOOL/logs/ID.log), for `show` and the
// dashboard. Reads at most the file's last 64 KiB, never follows a link, never blocks on a FIFO.

import QueueSystem

extension Spool {
    /// The bytes of a log tail read at most.
    static let logTailBytes = 64 * 1024

    /// The last `lines` lines of a job's captured output; [] when it has none.
    public func logTail(_ id: JobID, lines: Int) -> [String] {
        let path = logPath(of: id)
        guard let file = try? FileDescriptor.open(path, .nonBlocking) else { return [] }
        let bytes: [UInt8]? = file.closeAfter { file in
            guard let info = try? file.status(), info.isRegularFile else { return nil }
            let start = max(0, info.size - Spool.logTailBytes)
            guard (try? file.seek(to: start)) != nil else { return nil }
            return try? file.readAll(limit: Spool.logTailBytes, path: path)
        }
        guard let bytes else { return [] }
        let text = String(decoding: bytes, as: UTF8.self)
        var all = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if text.hasSuffix("\n") { all.removeLast() }
        return Array(all.suffix(lines))
    }
}
