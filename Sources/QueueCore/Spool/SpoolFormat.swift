// SpoolFormat: SPOOL/format, one line a person can `cat` ("queuectl-spool 1") that names the
// version of the spool's layout, names and record. A spool without it is version 1 (every spool
// written before the file existed); queuectl writes the file for it atomically (tmp/, fsync,
// rename that never replaces, fsync of the spool). A version newer than this build knows is
// refused before anything in the spool is created or changed.

import QueueSystem

/// The version of a spool's on-disk format, as SPOOL/format states it.
public enum SpoolFormat {
    /// The version this build writes, and the newest it reads.
    public static let current = 1
    /// Every version this build reads (a newer queuectl reads every older version).
    public static let readable = 1...current
    /// The file's name in the spool's root.
    public static let fileName = "format"
    /// The first word of the file; the version follows after one space.
    public static let magic = "queuectl-spool"

    /// The file's content for `version`: `queuectl-spool 1` and a newline.
    public static func text(version: Int) -> String { "\(magic) \(version)\n" }

    /// The version stated by the format file of the spool at `root`; nil when there is none
    /// (a spool made before the file existed, or not made yet), which is version 1.
    /// Throws `.unsupportedSpoolFormat` for a version this build cannot read, or a file it
    /// cannot understand: it must not guess at a layout it does not know.
    public static func version(ofSpoolAt root: String) throws(QueueError) -> Int? {
        let path = root + "/" + fileName
        let bytes: [UInt8]
        do {
            bytes = try Spool.readRegularFile(path, limit: 4096)
        } catch where error.isNotFound {
            return nil
        } catch {
            throw .spoolUnusable(path: root, reason: "its format file cannot be read: \(error)")
        }
        let line = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count == 2, words[0] == magic, let version = Int(words[1]), version >= 1 else {
            throw .unsupportedSpoolFormat(path: path, found: String(line.prefix(80)), readable: readable)
        }
        guard readable.contains(version) else {
            throw .unsupportedSpoolFormat(path: path, found: line, readable: readable)
        }
        return version
    }

    /// Writes SPOOL/format for the current version: into tmp/, fsync'ed, renamed into place
    /// without replacing (a racing process that wrote it first wrote the same line), then the
    /// spool folder is fsync'ed. Always durable, whatever the `fsync` setting: it happens once.
    /// A spool this user may only read (a monitoring account, a read-only mount) stays without
    /// the file: it is version 1 all the same, and the next user who can write adds it.
    static func write(root: String) throws(QueueError) {
        let publisher = Publisher(temporaryFolder: root + "/tmp", isDurable: true)
        do {
            try publisher.publish(Array(text(version: current).utf8), at: root + "/" + fileName, .new)
        } catch where error.isExisting {
            return  // a racing process wrote it first: the same line
        } catch {
            let readOnly: Set<Errno> = [.permissionDenied, .notPermitted, .readOnlyFileSystem]
            if readOnly.contains(error.errno) { return }
            throw .spoolUnusable(path: root, reason: "cannot write its format file: \(error)")
        }
    }
}
