// Publisher: the one implementation of the spool's publishing step. A file is written whole in
// tmp/ (never read by workers), fsync'ed when durability is on, renamed into place in one of
// three ways, and its folder fsync'ed. A failed step removes the temporary file: nothing half
// written is ever visible under a real name.

import QueueSystem

/// How a published file takes its place.
public enum Placement: Sendable {
    /// Fails with EEXIST rather than replace a file: new jobs, the format file.
    case new
    /// Replaces whatever is there: a file only its writer names (config.json).
    case replacing
    /// Replaces the file only while it is still there (renameat2 EXCHANGE): a rewrite of a job
    /// that someone may have moved meanwhile fails with ENOENT instead of resurrecting it.
    case overExisting
}

public struct Publisher: Sendable {
    /// The spool's tmp/.
    public let temporaryFolder: String
    /// Whether files and folders are fsync'ed (the `fsync` setting).
    public let isDurable: Bool

    public init(temporaryFolder: String, isDurable: Bool) {
        self.temporaryFolder = temporaryFolder
        self.isDurable = isDurable
    }

    /// A name no other process can pick: pid, time and randomness.
    public static func uniqueName() -> String {
        "\(CurrentProcess.pid).\(SystemClock.monotonicMicroseconds).\(UInt32.random(in: 0...UInt32.max))"
    }

    /// A path in tmp/ that no other process can pick.
    public func temporaryPath() -> String { temporaryFolder + "/" + Publisher.uniqueName() }

    /// Creates `path` exclusively with `bytes`, fsync'ed when `sync`.
    public static func createFile(_ bytes: [UInt8], at path: String, sync: Bool) throws(SystemError) {
        let file = try FileDescriptor.open(path, [.writeOnly, .create, .exclusive], mode: 0o600)
        try file.closeAfter { file throws(SystemError) in
            try file.writeAll(bytes, path: path)
            if sync { try file.sync(path: path) }
        }
    }

    /// A new file in tmp/ holding `bytes` (fsync'ed when `sync` and durability is on); returns
    /// its path, for steps that place it themselves (a batch, the start of a run).
    public func stage(_ bytes: [UInt8], sync: Bool) throws(SystemError) -> String {
        let temporary = temporaryPath()
        do {
            try Publisher.createFile(bytes, at: temporary, sync: sync && isDurable)
        } catch {
            try? FileSystem.unlink(temporary)
            throw error
        }
        return temporary
    }

    /// Writes `bytes` in tmp/, fsyncs them, renames them to `path` as `placement` says, then
    /// fsyncs `path`'s folder (unless `syncFolder` is false: the caller syncs it once for many).
    public func publish(_ bytes: [UInt8], at path: String, _ placement: Placement, syncFolder: Bool = true) throws(SystemError) {
        let temporary = try stage(bytes, sync: true)
        do {
            switch placement {
            case .new: try FileSystem.renameNoReplace(temporary, to: path)
            case .replacing: try FileSystem.rename(temporary, to: path)
            case .overExisting: try FileSystem.replaceExisting(path, with: temporary)
            }
        } catch {
            try? FileSystem.unlink(temporary)
            throw error
        }
        if isDurable && syncFolder { try FileSystem.syncDirectory(Publisher.parent(of: path)) }
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
