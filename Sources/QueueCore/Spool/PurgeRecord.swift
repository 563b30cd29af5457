// PurgeRecord: SPOOL/purged/ remembers the ids of purged jobs and how they ended, so that a job
// waiting for a dependency that completed and was purged since still runs. Append-only text files
// of lines "completed ID" / "dead ID", 1 MiB each, the newest 8 kept (about 300,000 purges): the
// memory is bounded, like everything a long-running spool keeps. Any number of writers may append.

import QueueSystem

extension Spool {
    public var purgedFolder: String { root + "/purged" }

    /// The size at which a new segment is started, and how many segments are kept.
    static let purgeSegmentBytes = 1 << 20
    static let purgeSegmentsKept = 8

    /// Appends one line per job, with one write(2) (O_APPEND: lines of concurrent writers never
    /// interleave on a local file system), fsync'ed when the spool is durable: the record is
    /// on disk before any of the jobs' files is removed.
    func recordPurges(_ jobs: [(id: JobID, state: JobState)]) throws(SystemError) {
        guard !jobs.isEmpty else { return }
        try FileSystem.makeDirectory(purgedFolder)
        var segments = purgeSegments()
        var current = segments.last ?? 0
        let path = { (number: Int) in self.purgedFolder + "/" + Spool.segmentName(number) }
        if current == 0 || ((try? FileSystem.linkStatus(path(current)).size) ?? 0) >= Spool.purgeSegmentBytes {
            current += 1
            do {
                try FileDescriptor.open(path(current), [.writeOnly, .create, .exclusive]).close()
            } catch where error.isExisting {
                // Another writer started it first: append to it.
            }
            segments.append(current)
        }
        let text = jobs.map { $0.state.rawValue + " " + $0.id.rawValue + "\n" }.joined()
        let file = try FileDescriptor.open(path(current), [.writeOnly, .append])
        try file.closeAfter { file throws(SystemError) in
            try file.writeAll(text, path: path(current))
            if config.isDurable { try file.sync(path: path(current)) }
        }
        for old in segments.dropLast(Spool.purgeSegmentsKept) { try? FileSystem.unlink(path(old)) }
    }

    /// How the purged job `id` had ended (its latest purge), if it is still remembered.
    public func purgedState(of id: JobID) -> JobState? {
        let completed = Array(("completed " + id.rawValue).utf8), dead = Array(("dead " + id.rawValue).utf8)
        for number in purgeSegments().reversed() {
            let path = purgedFolder + "/" + Spool.segmentName(number)
            guard let bytes = try? Spool.readRegularFile(path, limit: 4 * Spool.purgeSegmentBytes) else { continue }
            // The latest line for the id wins: read the lines from the end.
            var end = bytes.count
            while end > 0 {
                var start = end - 1
                while start > 0 && bytes[start - 1] != 0x0A { start -= 1 }
                let line = bytes[start..<end].last == 0x0A ? bytes[start..<(end - 1)] : bytes[start..<end]
                if line.elementsEqual(completed) { return .completed }
                if line.elementsEqual(dead) { return .dead }
                end = start
            }
        }
        return nil
    }

    /// The segment numbers present, oldest first.
    func purgeSegments() -> [Int] {
        ((try? FileSystem.names(in: purgedFolder)) ?? []).compactMap { name in
            name.hasSuffix(".txt") ? Int(name.dropLast(4)) : nil
        }.sorted()
    }

    static func segmentName(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 10 - digits.count)) + digits + ".txt"
    }
}
