// SpoolBuilder: fills a spool with pending and completed jobs by writing the very files queuectl
// writes (names, records and ids/ links made by QueueCore), fast enough for a million jobs.

import QueueCore
import QueueSystem

struct SpoolBuilder {
    let spool: String
    /// Creation time of the next job: one microsecond apart, like the lines of a batch.
    private var clock: Timestamp

    /// `spool` must exist (see `Queuectl.create`).
    init(spool: String) {
        self.spool = spool
        clock = Timestamp.now().adding(seconds: -86_400)
    }

    /// Adds `count` jobs of `state` (pending or completed) running `true`; returns their ids.
    /// Files are written in place without fsync, as a spool looks after a crash-free run.
    mutating func add(_ count: Int, _ state: JobState) throws -> [String] {
        precondition(state == .pending || state == .completed)
        let folder = try Directory(spool + "/" + state.folder)
        let ids = try Directory(spool + "/ids")
        var added: [String] = []
        added.reserveCapacity(count)
        for _ in 0..<count {
            let now = clock
            clock = clock.adding(seconds: 1e-6)
            let id = JobID.generate(now: now)
            var record = JobRecord(id: id, command: "true", maxRetries: 3, now: now)
            record.cwd = "/tmp"
            let pendingName = FileName.pending(id: id, priority: 0, due: now, age: now)
            if state == .completed {
                let finished = now.adding(seconds: 0.003)
                record.state = .completed
                record.attempts = 1
                record.startedAt = now.adding(seconds: 0.001)
                record.finishedAt = finished
                record.durationSeconds = 0.002
                record.exitCode = 0
                record.worker = "bench-1-abc"
                record.updatedAt = finished
            }
            let name = state == .pending ? pendingName : FileName.final(.completed, id: id)
            try folder.create(name.text, record.fileBytes)
            // Like enqueue's reservation: the hint names the job's first (pending) file.
            try ids.link(id.rawValue, to: Spool.hint(for: pendingName))
            added.append(id.rawValue)
        }
        return added
    }
}

/// An open folder in which files are created with the *at calls.
private final class Directory {
    let path: String
    let descriptor: FileDescriptor

    init(_ path: String) throws {
        self.path = path
        descriptor = try FileDescriptor.openDirectory(path)
    }

    deinit { descriptor.close() }

    func create(_ name: String, _ bytes: [UInt8]) throws {
        do throws(SystemError) {
            try FileDescriptor.open(name, [.writeOnly, .create, .exclusive], in: descriptor).closeAfter { file throws(SystemError) in
                try file.writeAll(bytes)
            }
        } catch {
            throw BenchError("cannot create \(path)/\(name): \(error.errno)")
        }
    }

    func link(_ name: String, to target: String) throws {
        do throws(SystemError) {
            try FileSystem.symlink(target, at: name, in: descriptor)
        } catch {
            throw BenchError("cannot link \(path)/\(name): \(error.errno)")
        }
    }
}
