// WorkerRecord: SPOOL/workers/W.json, one per live worker, published before its first claim.
// The worker holds an flock(2) on it for its whole life (the kernel drops it the instant the
// process dies: no PID-reuse confusion), and touches its mtime as the heartbeat other hosts read.

import QueueSystem
import Synchronization

/// What a worker says about itself.
public struct WorkerRecord: Sendable {
    public let id: String
    public let pid: Int32
    public let host: String
    public let startedAt: Timestamp
    /// The record file's mtime: the last heartbeat.
    public var heartbeat: Timestamp

    public var json: JSONValue {
        var object = JSONObject()
        object["id"] = .string(id)
        object["pid"] = .number(JSONNumber(Int(pid)))
        object["host"] = .string(host)
        object["started_at"] = .string(startedAt.iso8601)
        object["heartbeat"] = .string(heartbeat.iso8601)
        return .object(object)
    }

    /// A worker id safe in file names: host, pid and a random suffix (pids are reused).
    public static func makeID(host: String, pid: Int32) -> String {
        let suffix = String(UInt32.random(in: 0...UInt32.max) % 46656, radix: 36)
        return "\(safeHost(host))-\(pid)-\(suffix)"
    }

    static func safeHost(_ host: String) -> String {
        let safe = String(host.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }.prefix(40))
        return safe.isEmpty ? "host" : safe
    }

    /// True when `id` (of a worker, or of a `reap`, `cancel` or `doctor` run, which publish no
    /// record) names a process of this host that no longer exists.
    static func isGoneFromThisHost(_ id: String) -> Bool {
        let parts = id.split(separator: "-")
        guard parts.count >= 3, let pid = Int32(parts[parts.count - 2]) else { return false }
        let prefix = safeHost(CurrentProcess.hostName) + "-"
        let host = id.hasPrefix(prefix) || ["reaper-", "cancel-", "doctor-", "edit-", "requeue-"].contains { id.hasPrefix($0 + prefix) }
        return host && !Signals.isAlive(pid)
    }
}

/// A live worker's hold on its record: the open, locked descriptor.
public struct WorkerRegistration: Sendable {
    public let record: WorkerRecord
    private let hold: Hold
    let path: String
    var descriptor: FileDescriptor { hold.descriptor }

    init(record: WorkerRecord, descriptor: FileDescriptor, path: String) {
        self.record = record
        hold = Hold(descriptor: descriptor)
        self.path = path
    }

    /// The open, locked record, closed at most once: a republish that fails is retried with
    /// the same registration, and a second close could hit a descriptor number reused since.
    private final class Hold: Sendable {
        let descriptor: FileDescriptor
        private let isClosed = Atomic<Bool>(false)
        init(descriptor: FileDescriptor) { self.descriptor = descriptor }
        func close() {
            if !isClosed.exchange(true, ordering: .relaxed) { descriptor.close() }
        }
    }

    /// Drops the hold on a record another host removed (see `Spool.registerWorker(again:)`).
    func release() { hold.close() }

    /// Heartbeat: sets the record's mtime to now. True when the record is still published under
    /// its name (another host's reaper removes the record of a worker whose lease expired).
    /// nil when it is; otherwise what showed that it is not, for the worker's log.
    @discardableResult
    public func heartbeat() -> String? {
        do {
            try descriptor.touch()
            let held = try descriptor.status()
            let named = try FileSystem.linkStatus(path)
            return held.inode == named.inode ? nil : "\(path) is inode \(named.inode), the record held is \(held.inode)"
        } catch {
            return "\(error)"
        }
    }

    /// Removes the record and drops the lock (a clean exit).
    public func end() {
        try? FileSystem.unlink(path)
        hold.close()
    }
}

extension Spool {
    /// Publishes this process's worker record with its lock already held: the record is
    /// created and locked in tmp/, then renamed into workers/, so no reaper ever sees it unlocked.
    /// With `again`, the same worker publishes its record anew (another host removed it after
    /// its lease had lapsed) and the old registration's lock is dropped.
    public func registerWorker(again old: WorkerRegistration? = nil) throws(QueueError) -> WorkerRegistration {
        let host = CurrentProcess.hostName
        let pid = CurrentProcess.pid
        let now = Timestamp.now()
        let record = WorkerRecord(id: old?.record.id ?? WorkerRecord.makeID(host: host, pid: pid), pid: pid, host: host,
                                  startedAt: old?.record.startedAt ?? now, heartbeat: now)
        let temporary = publisher.temporaryPath()
        let path = workers + "/" + record.id + ".json"
        do {
            let file = try FileDescriptor.open(temporary, [.readWrite, .create, .exclusive], mode: 0o600)
            _ = try file.lockExclusive(wait: true)
            try file.writeAll(encodeJSON(record.json, pretty: true) + "\n", path: temporary)
            if config.isDurable { try file.sync(path: temporary) }
            // The old record (removed by another host) is closed first: sshfs refuses, with
            // ENOENT, a rename onto a name it still holds open, so the record was never published
            // again and the worker stayed unable to claim.
            old?.release()
            // A plain rename: the name is this process's own, and the file is open (its lock is
            // held): a no-replace fallback of link + unlink would leave the descriptor on an
            // unlinked name, which FUSE file systems (sshfs) hide, so heartbeats vanished.
            try FileSystem.rename(temporary, to: path)
            if config.isDurable { try FileSystem.syncDirectory(workers) }
            return WorkerRegistration(record: record, descriptor: file, path: path)
        } catch {
            try? FileSystem.unlink(temporary)
            throw .system(error)
        }
    }

    /// Every worker record in the spool, with its heartbeat and whether it is alive.
    public func workerRecords() -> [(record: WorkerRecord, isAlive: Bool)] {
        var result: [(WorkerRecord, Bool)] = []
        let now = Timestamp.now()
        let names = (try? FileSystem.names(in: workers)) ?? []
        for name in names where name.hasSuffix(".json") {
            let path = workers + "/" + name
            // open + fstat, not lstat: on network file systems an open revalidates the cached
            // attributes, so the heartbeat read is the one the other host wrote.
            guard let file = try? FileDescriptor.open(path, .nonBlocking) else { continue }
            let contents = try? file.closeAfter { file throws(SystemError) in
                (try file.status(), try file.readAll(limit: 64 * 1024, path: path))
            }
            guard let (info, bytes) = contents, info.isRegularFile,
                  let value = try? parseJSON(bytes), let object = value.objectValue,
                  let id = object["id"]?.stringValue, let pid = object["pid"]?.intValue,
                  let host = object["host"]?.stringValue,
                  let started = object["started_at"]?.stringValue.flatMap(Timestamp.init(iso8601:))
            else { continue }
            let record = WorkerRecord(id: id, pid: Int32(pid), host: host, startedAt: started, heartbeat: info.modified)
            result.append((record, isWorkerAlive(record, path: path, now: now)))
        }
        return result.sorted { ($0.0.host, $0.0.pid) < ($1.0.host, $1.0.pid) }
    }

    /// Same host: alive while someone holds the record's flock. Other hosts: alive while the
    /// heartbeat is younger than `lease_sec`.
    func isWorkerAlive(_ record: WorkerRecord, path: String, now: Timestamp) -> Bool {
        if record.host == CurrentProcess.hostName {
            guard let file = try? FileDescriptor.open(path, .nonBlocking) else { return false }
            defer { file.close() }
            // Taking the lock means nobody holds it; closing the descriptor releases it again.
            return (try? file.lockExclusive(wait: false)) == false
        }
        return now.secondsSince(record.heartbeat) <= config.leaseSeconds
    }
}

