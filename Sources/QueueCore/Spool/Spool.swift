// Spool: the directory that is the queue. It knows its folders, where a job of each state lives,
// and how to publish a file durably: write in tmp/, fsync, rename into place, fsync the folder.

import QueueSystem

/// A spool directory and the operations that every command shares.
public struct Spool: Sendable {
    public let root: String
    /// The settings, shared by every copy of this value: a worker reloads them when config.json
    /// changes (see LiveConfig), and every part of it sees the new ones at once.
    public let settings: LiveConfig
    public var config: Config { settings.current }

    init(root: String, config: Config) {
        self.root = root
        settings = LiveConfig(path: root + "/config.json", config: config, stamp: LiveConfig.stamp(of: root + "/config.json"))
    }

    /// Folders besides the five state folders.
    public var tmp: String { root + "/tmp" }
    public var ids: String { root + "/ids" }
    public var logs: String { root + "/logs" }
    public var workers: String { root + "/workers" }
    public var quarantine: String { root + "/quarantine" }
    public var configPath: String { root + "/config.json" }
    public var metricsPath: String { root + "/metrics.json" }
    /// While this file exists, workers claim nothing new.
    public var pausedPath: String { root + "/paused" }
    /// The captured output of a job's runs.
    public func logPath(of id: JobID) -> String { logs + "/" + id.rawValue + ".log" }

    public func folder(_ state: JobState) -> String { root + "/" + state.folder }
    public func path(_ name: FileName) -> String { folder(name.state) + "/" + name.text }

    /// The spool to use: `--spool`, else $QUEUECTL_SPOOL, else ~/.local/share/queuectl
    /// (or $XDG_DATA_HOME/queuectl).
    public static func defaultPath(option: String?) -> String {
        if let option, !option.isEmpty { return option }
        if let env = CurrentProcess.environmentValue("QUEUECTL_SPOOL"), !env.isEmpty { return env }
        if let data = CurrentProcess.environmentValue("XDG_DATA_HOME"), !data.isEmpty { return data + "/queuectl" }
        let home = CurrentProcess.environmentValue("HOME") ?? "/tmp"
        return home + "/.local/share/queuectl"
    }

    /// True when `root` holds a spool: its pending/ folder or its format file. A missing path, a
    /// file, or a folder without either (a typo, a home directory) is no spool.
    public static func exists(at path: String) -> Bool {
        let root = normalized(path)
        return FileSystem.exists(root + "/" + JobState.pending.folder) || FileSystem.exists(root + "/" + SpoolFormat.fileName)
    }

    private static func normalized(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    /// Opens the spool at `path` to read it, creating nothing: not the spool, not a missing
    /// folder, not the format file. A missing spool reads as an empty queue (every listing of a
    /// missing folder is empty); `exists(at:)` tells the caller so it can say it.
    /// A spool of a newer format is refused, as for writing.
    public static func openForReading(_ path: String) throws(QueueError) -> Spool {
        let root = normalized(path)
        guard exists(at: root) else { return Spool(root: root, config: Config()) }
        _ = try SpoolFormat.version(ofSpoolAt: root)
        return Spool(root: root, config: try Spool.readConfig(root + "/config.json"))
    }

    /// Opens the spool at `path` to change it, creating it and its folders (mode 0700) when missing.
    public static func open(_ path: String) throws(QueueError) -> Spool {
        let root = normalized(path)
        do {
            if !FileSystem.exists(root) {
                try makeParents(of: root)
                try FileSystem.makeDirectory(root)
            }
            let info = try FileSystem.linkStatus(root)
            guard info.isDirectory else { throw QueueError.spoolUnusable(path: root, reason: "it is a \(info.kindName), not a directory") }
            let format = try SpoolFormat.version(ofSpoolAt: root)  // a newer format is refused before anything is made
            try makeMissingFolders(in: root)
            if format == nil { try SpoolFormat.write(root: root) }
        } catch let error as SystemError {
            throw .spoolUnusable(path: root, reason: error.description)
        } catch let error as QueueError {
            throw error
        } catch {
            throw .spoolUnusable(path: root, reason: "\(error)")
        }
        let config = try Spool.readConfig(root + "/config.json")
        return Spool(root: root, config: config)
    }

    /// Creates the folders a spool needs that are not there yet (a new spool, or one written by
    /// a version that had fewer), and refuses one that is there but is no folder (a file, a
    /// symbolic link): one listing of the root, whose entries say their type, instead of a mkdir
    /// and an lstat per folder (an `enqueue` is a whole process; those twenty calls were a tenth
    /// of its work).
    private static func makeMissingFolders(in root: String) throws(SystemError) {
        var present: [String: Bool] = [:]
        try FileSystem.forEachNameAndIsDirectory(in: root) { present[$0] = $1 }
        for name in JobState.allCases.map(\.folder) + ["tmp", "ids", "logs", "workers", "quarantine"] {
            switch present[name] {
            case true?: continue
            case false?: throw SystemError("mkdir", [root + "/" + name], .notDirectory)
            case nil: try FileSystem.makeDirectory(root + "/" + name)
            }
        }
    }

    private static func makeParents(of path: String) throws(SystemError) {
        var prefix = ""
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        for (index, part) in parts.enumerated() {
            prefix += (index == 0 ? "" : "/") + part
            if prefix.isEmpty || FileSystem.exists(prefix) { continue }
            try FileSystem.makeDirectory(prefix, mode: 0o755)
        }
    }

    static func readConfig(_ path: String) throws(QueueError) -> Config {
        guard FileSystem.exists(path) else { return Config() }
        let bytes: [UInt8]
        do { bytes = try readRegularFile(path, limit: 1 << 20) } catch { throw .system(error) }
        do {
            return try Config.decode(try parseJSON(bytes))
        } catch let error as JSONSyntaxError {
            throw .invalidConfig(key: "config.json", reason: "\(path): \(error)")
        } catch let error as QueueError {
            throw error
        } catch {
            throw .invalidConfig(key: "config.json", reason: "\(error)")
        }
    }

    /// Refuses a spool that other users could fill with commands for us to run: folders owned
    /// by someone else, or writable by others (or by the group, unless `allow_group_write`).
    public func checkSafeToRun() throws(QueueError) {
        let forbidden: FileMode = config.allowsGroupWrite ? 0o002 : 0o022
        for path in [root, folder(.pending), folder(.failed), folder(.processing), tmp] {
            guard let info = try? FileSystem.linkStatus(path) else { continue }
            if info.owner != CurrentProcess.userID {
                throw .spoolUnusable(path: path, reason: "it belongs to uid \(info.owner), not to you (uid \(CurrentProcess.userID)); a worker runs only its own user's jobs")
            }
            if info.permissions & forbidden != 0 {
                throw .spoolUnusable(path: path, reason: "its mode \(String(info.permissions, radix: 8)) lets other users add jobs; run 'chmod 700 \(path)' (or 'queuectl doctor --fix'), or 'queuectl config set allow-group-write true' for a group-shared spool")
            }
        }
    }

    /// Writes the config atomically.
    public func save(_ config: Config) throws(QueueError) {
        try publish(Array((encodeJSON(.object(config.values), pretty: true) + "\n").utf8), at: configPath, replacing: true)
    }

    // MARK: Publishing

    /// The spool's publisher (see Publisher): tmp/, fsync, rename, fsync of the folder.
    public var publisher: Publisher { Publisher(temporaryFolder: tmp, isDurable: config.isDurable) }

    /// Publishes `bytes` at `path` (see `Publisher.publish`); with `replacing: false` the rename
    /// fails with EEXIST rather than replace a file.
    public func publish(_ bytes: [UInt8], at path: String, replacing: Bool = false) throws(QueueError) {
        do { try publisher.publish(bytes, at: path, replacing ? .replacing : .new) } catch { throw .system(error) }
    }

    /// Creates `path` exclusively with `bytes`, fsync'ed when `sync` (see `Publisher.createFile`).
    public func writeFile(_ bytes: [UInt8], at path: String, sync: Bool) throws(SystemError) {
        try Publisher.createFile(bytes, at: path, sync: sync)
    }

    /// Claims a job file under `claim`, a name only this worker or reaper uses (see
    /// `FileSystem.renameToOwnName`); ENOENT when someone else took it first.
    public func take(_ from: FileName, as claim: FileName) throws(SystemError) {
        try FileSystem.renameToOwnName(path(from), to: path(claim))
    }

    /// Moves a job file from one state folder to another with one rename that never replaces.
    public func move(_ from: FileName, to: FileName) throws(SystemError) {
        try FileSystem.renameNoReplace(path(from), to: path(to))
    }

    /// Makes the contents of the files named durable, when durability is on (see `FileSystem.syncFiles`).
    public func syncContents(of names: [FileName]) throws(SystemError) {
        guard config.isDurable else { return }
        try FileSystem.syncFiles(names.map(path))
    }

    /// fsync of the state folders named, when durability is on.
    public func syncFolders(_ states: some Sequence<JobState>) throws(SystemError) {
        guard config.isDurable else { return }
        for state in states { try FileSystem.syncDirectory(folder(state)) }
    }

    // MARK: Reading

    /// Reads a job file as readers show it: its folder is its state, and a claim named with its
    /// attempt (`ID@WORKER~A.json`) whose file still holds the record as it was claimed is the run
    /// that claim began: attempt A by WORKER, started when the claim's rename changed the file
    /// (its ctime). `cat` of such a claim shows the claimed record; everything queuectl prints
    /// comes through here. Refuses symlinks, FIFOs, devices, directories and oversized files.
    public func readJob(_ name: FileName) throws(QueueError) -> JobRecord {
        let (bytes, status) = try readJobFile(name)
        var record = try JobRecord.parse(bytes, defaults: .init(maxRetries: config.maxRetries, cwd: nil, now: .now()))
        if let attempt = name.attempt, !Spool.isResult(record, ofAttempt: attempt) {
            record.state = .processing
            record.beginAttempt(attempt, worker: name.worker ?? "?", now: Timestamp(microseconds: status.changedMicroseconds))
        }
        record.state = name.state  // the folder is the truth
        return record
    }

    /// The record as its file holds it, "state" included (the reaper and the result commit judge
    /// a claim by what is in it; readers use `readJob`).
    func readStoredJob(_ name: FileName) throws(QueueError) -> JobRecord {
        try JobRecord.parse(try readJobFile(name).bytes, defaults: .init(maxRetries: config.maxRetries, cwd: nil, now: .now()))
    }

    private func readJobFile(_ name: FileName) throws(QueueError) -> (bytes: [UInt8], status: FileStatus) {
        do { return try Spool.readRegularFileWithStatus(path(name), limit: config.maxJobBytes) } catch { throw .system(error) }
    }

    /// True when `record`, read from a claim named with attempt `attempt`, is that run's result
    /// rather than the record as it was claimed. The state alone cannot tell: a job claimed from
    /// failed/ says "failed" before its run too; its attempts are one fewer until the result.
    static func isResult(_ record: JobRecord, ofAttempt attempt: Int) -> Bool {
        record.attempts >= attempt && [.completed, .failed, .dead].contains(record.state)
    }

    /// Opens without following links and without blocking on a FIFO, checks it is a regular file
    /// no larger than `limit`, and reads it.
    public static func readRegularFile(_ path: String, limit: Int) throws(SystemError) -> [UInt8] {
        try readRegularFileWithStatus(path, limit: limit).bytes
    }

    /// `readRegularFile`, with what fstat(2) said about the file.
    static func readRegularFileWithStatus(_ path: String, limit: Int) throws(SystemError) -> (bytes: [UInt8], status: FileStatus) {
        let file = try FileDescriptor.open(path, .nonBlocking)
        return try file.closeAfter { file throws(SystemError) in
            let info = try file.status()
            guard info.isRegularFile else { throw SystemError("open", [path], .invalidArgument) }
            guard info.size <= limit else { throw SystemError("read", [path], .fileTooLarge) }
            return (try file.readAll(limit: limit, path: path), info)
        }
    }
}

extension Spool {
    /// Rewrites a job file durably, only if it is still there (Placement.overExisting); the
    /// caller's next step is the move, whose target folder is fsync'ed.
    public func rewrite(_ record: JobRecord, at name: FileName) throws(SystemError) {
        try publisher.publish(record.fileBytes, at: path(name), .overExisting, syncFolder: false)
    }

    /// Writes a run's result as a new file in tmp/, unsynced: the worker's group commit syncs it
    /// with the others (`syncTemporaries`) and then puts it in its claim (`placeResult`). The
    /// claim itself is never written into, so it holds the claimed record, durable since it was
    /// enqueued, until a whole synced result replaces it: a power cut tears neither. The file is
    /// `tmp/` + the claim's name (`stagingPath`), a name only this run uses, where the reaper of a
    /// worker killed before its group commit finds the result (see Reaper: no rerun for it).
    public func stageResult(_ record: JobRecord, for claim: FileName) throws(SystemError) -> String {
        let staged = stagingPath(of: claim)
        do {
            try Publisher.createFile(record.fileBytes, at: staged, sync: false)
        } catch where error.isExisting {
            // Left by an earlier try of this result that failed halfway (a full disk).
            try FileSystem.unlink(staged)
            try Publisher.createFile(record.fileBytes, at: staged, sync: false)
        }
        return staged
    }

    /// `tmp/ID@WORKER~A.json`: where the run of a claim stages its result.
    public func stagingPath(of claim: FileName) -> String { tmp + "/" + claim.text }

    /// Makes staged files durable, when durability is on (see `FileSystem.syncFiles`: one fsync
    /// for one, one syncfs for several).
    public func syncTemporaries(_ paths: [String]) throws(SystemError) {
        guard config.isDurable else { return }
        try FileSystem.syncFiles(paths)
    }

    /// Replaces the claim with the staged result `temporary`, only if the claim is still there
    /// (renameat2 EXCHANGE; ENOENT when it was taken back), and unlinks what the claim held.
    /// True when the file system exchanged the two atomically (so a claim taken back was
    /// refused by the exchange itself); false when it lacks the flag and a check came first.
    @discardableResult
    public func placeResult(_ temporary: String, in claim: FileName) throws(SystemError) -> Bool {
        try FileSystem.replaceExisting(path(claim), with: temporary)
    }

    /// `processing/.ID@W.json`: the claimed record as it was before its run began, kept by earlier
    /// versions, which wrote a start record into the claim (claims named without an attempt).
    public func backupPath(of claim: FileName) -> String {
        folder(.processing) + "/." + claim.text
    }

    public func discardBackup(of claim: FileName) {
        try? FileSystem.unlink(backupPath(of: claim))
    }

    /// The final step of a state change: the rewritten record moves to its new folder with one
    /// rename; the hint follows for pending/ and failed/. With `syncFolder: false` the caller
    /// fsyncs the target folder itself, once for a group of moves.
    public func transfer(_ record: JobRecord, from name: FileName, syncFolder: Bool = true) throws(SystemError) -> FileName {
        let target = FileName.make(for: record)
        try move(name, to: target)
        // One fsync of the target folder: ext4 and XFS journal both sides of a rename in one
        // transaction, so this also makes the departure from the source folder durable.
        if syncFolder { try syncFolders([target.state]) }
        if target.state == .pending || target.state == .failed { updateHint(record.id, to: target) }
        return target
    }
}
