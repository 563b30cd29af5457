// Path operations: rename (with and without replacing), link, unlink, mkdir, lstat, listing.
// Nothing here follows a symbolic link; a lost race surfaces as ENOENT or EEXIST for the caller to judge.

#if canImport(Glibc)
import Glibc
#endif

/// The path-level system calls the spool needs.
public enum FileSystem {
    /// rename(2): atomically replaces `target` if it exists. Use only for a path owned by the caller.
    public static func rename(_ source: String, to target: String) throws(SystemError) {
        _ = try valueOrErrno("rename", [source, target]) { Glibc.rename(source, target) }
    }

    /// renameat2(RENAME_NOREPLACE): fails with EEXIST instead of replacing `target`.
    /// File systems without the flag (FUSE mounts such as sshfs and GlusterFS) fall back to a
    /// check, then a rename: not exclusive against a racing rename to the same name (measured on
    /// GlusterFS: both of two renames to one target can return 0). The callers' target names are
    /// unique to their job, so only two movers of one job can meet there. link(2) + unlink(2),
    /// tried instead, left 4 of 300 claims of finished jobs behind on sshfs (the unlinked name
    /// came back), so it is not used. For a target only the caller uses, see `renameToOwnName`.
    public static func renameNoReplace(_ source: String, to target: String) throws(SystemError) {
        try renameWithoutReplacing(AT_FDCWD, source, AT_FDCWD, target) { () throws(SystemError) in
            if exists(target) { throw SystemError("rename", [source, target], .fileExists) }
            try rename(source, to: target)
        }
    }

    /// renameat2(RENAME_NOREPLACE), or `fallback` where the file system does not take the flag.
    private static func renameWithoutReplacing(_ sourceDirectory: CInt, _ source: String, _ targetDirectory: CInt,
                                               _ target: String, fallback: () throws(SystemError) -> Void) throws(SystemError) {
        do {
            _ = try valueOrErrno("rename", [source, target]) {
                system_renameat2(sourceDirectory, source, targetDirectory, target, 1 /* RENAME_NOREPLACE */)
            }
        } catch where error.errno == .invalidArgument || error.errno == .functionNotImplemented
            || error.errno == .notSupported
        {
            try fallback()
        }
    }

    /// Moves `source` to `target`, a name only the caller uses (a claim, a reaper's takeover):
    /// renameat2(RENAME_NOREPLACE), else a plain rename(2), never link + unlink. Of several
    /// callers moving one source, exactly one succeeds. On GlusterFS link(2) reaches a file
    /// through the caller's cached name even after another client renamed it away (the file's
    /// id is resolved, not its name), so a link + unlink claim could take a job already claimed.
    public static func renameToOwnName(_ source: String, to target: String) throws(SystemError) {
        try renameWithoutReplacing(AT_FDCWD, source, AT_FDCWD, target) { () throws(SystemError) in
            try rename(source, to: target)
        }
    }

    /// link(2): a second name for `existing`; fails with EEXIST when `path` exists.
    public static func link(_ existing: String, at path: String) throws(SystemError) {
        _ = try valueOrErrno("link", [existing, path]) { Glibc.link(existing, path) }
    }

    /// Replaces `target` with `source` only if `target` still exists (renameat2 RENAME_EXCHANGE,
    /// then unlink of the old content). A worker that lost its claim gets ENOENT instead of
    /// resurrecting the file. File systems without the flag fall back to a check, then rename.
    /// With `keepingOld`, the old content stays at `source` (a hard link in the fallback).
    /// Returns true when the exchange was atomic, false when the fallback ran.
    @discardableResult
    public static func replaceExisting(_ target: String, with source: String, keepingOld: Bool = false) throws(SystemError) -> Bool {
        do {
            _ = try valueOrErrno("rename", [source, target]) {
                system_renameat2(AT_FDCWD, source, AT_FDCWD, target, 2 /* RENAME_EXCHANGE */)
            }
            if !keepingOld { try unlink(source) }
            return true
        } catch where error.errno == .invalidArgument || error.errno == .functionNotImplemented
            || error.errno == .notSupported
        {
            guard exists(target) else { throw SystemError("rename", [source, target], .noSuchFileOrDirectory) }
            if keepingOld {
                let new = source + ".new"
                try rename(source, to: new)
                try link(target, at: source)
                try rename(new, to: target)
            } else {
                try rename(source, to: target)
            }
            return false
        }
    }

    /// renameat(2) between two open folders: `source` in `sourceDirectory` replaces `target` in
    /// `targetDirectory` (no path walk per call: for loops over many files in the same folders).
    public static func rename(_ source: String, in sourceDirectory: FileDescriptor,
                              to target: String, in targetDirectory: FileDescriptor) throws(SystemError) {
        _ = try valueOrErrno("rename", [source, target]) {
            renameat(sourceDirectory.rawValue, source, targetDirectory.rawValue, target)
        }
    }

    /// renameat2(RENAME_NOREPLACE) between two open folders (a batch's many files): EEXIST
    /// rather than replace; where the flag is missing, the same check-then-rename fallback as
    /// `renameNoReplace(_:to:)`.
    public static func renameNoReplace(_ source: String, in sourceDirectory: FileDescriptor,
                                       to target: String, in targetDirectory: FileDescriptor) throws(SystemError) {
        try renameWithoutReplacing(sourceDirectory.rawValue, source, targetDirectory.rawValue, target) { () throws(SystemError) in
            var info = stat()
            if fstatat(targetDirectory.rawValue, target, &info, AT_SYMLINK_NOFOLLOW) == 0 {
                throw SystemError("rename", [source, target], .fileExists)
            }
            try rename(source, in: sourceDirectory, to: target, in: targetDirectory)
        }
    }

    public static func unlink(_ path: String) throws(SystemError) {
        _ = try valueOrErrno("unlink", [path]) { Glibc.unlink(path) }
    }

    /// Creates a directory; an existing one is fine.
    public static func makeDirectory(_ path: String, mode: mode_t = 0o700) throws(SystemError) {
        do {
            _ = try valueOrErrno("mkdir", [path]) { mkdir(path, mode) }
        } catch where error.errno == .fileExists {
            let info = try linkStatus(path)
            if !info.isDirectory { throw SystemError("mkdir", [path], .notDirectory) }
        }
    }

    public static func removeDirectory(_ path: String) throws(SystemError) {
        _ = try valueOrErrno("rmdir", [path]) { rmdir(path) }
    }

    /// Creates a symbolic link exclusively: EEXIST when `path` exists. Used as an O(1) reservation.
    /// With `directory`, `path` is relative to that open folder (symlinkat).
    public static func symlink(_ target: String, at path: String, in directory: FileDescriptor? = nil) throws(SystemError) {
        _ = try valueOrErrno("symlink", [path]) { symlinkat(target, directory?.rawValue ?? AT_FDCWD, path) }
    }

    /// mkfifo(3): a new named pipe; EEXIST when `path` exists.
    public static func makeFIFO(_ path: String, mode: mode_t = 0o600) throws(SystemError) {
        _ = try valueOrErrno("mkfifo", [path]) { mkfifo(path, mode) }
    }

    /// The text of a symbolic link, never followed.
    public static func readLink(_ path: String) throws(SystemError) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = try valueOrErrno("readlink", [path]) { readlink(path, &buffer, buffer.count - 1) }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// lstat(2): the file itself, never what a symlink points to.
    public static func linkStatus(_ path: String) throws(SystemError) -> FileStatus {
        var info = stat()
        _ = try valueOrErrno("lstat", [path]) { lstat(path, &info) }
        return FileStatus(info)
    }

    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// True when `path` is on a network or user-space file system (NFS, SMB, FUSE such as sshfs,
    /// 9p, Ceph...), where inotify does not see other hosts' changes and folders must be polled.
    public static func isRemote(_ path: String) -> Bool {
        // struct statfs is not exported by the Glibc module; its first field is f_type (a long)
        // on every Linux ABI we build for. 256 bytes covers the whole struct.
        var buffer = [UInt64](repeating: 0, count: 32)
        guard buffer.withUnsafeMutableBytes({ system_statfs(path, $0.baseAddress!) }) == 0 else { return true }
        let type = Int(truncatingIfNeeded: buffer[0])
        let remoteTypes: Set<Int> = [
            0x6969,       // NFS
            0x65735546,   // FUSE
            0xFF534D42,   // CIFS
            0xFE534D42,   // SMB2
            0x517B,       // SMB
            0x01021997,   // 9P
            0x00C36400,   // Ceph
            0x47504653,   // GPFS
            0x0BD00BD0,   // Lustre
            0x6B414653,   // AFS
        ]
        return remoteTypes.contains(type)
    }

    public static func setPermissions(_ path: String, _ mode: mode_t) throws(SystemError) {
        _ = try valueOrErrno("chmod", [path]) { chmod(path, mode) }
    }

    /// fsync(2) of a directory: makes the renames and unlinks inside it durable.
    public static func syncDirectory(_ path: String) throws(SystemError) {
        try FileDescriptor.openDirectory(path).closeAfter { directory throws(SystemError) in
            try directory.sync(path: path)
        }
    }

    /// fsync(2) of a file by its path.
    public static func syncFile(_ path: String) throws(SystemError) {
        try FileDescriptor.open(path, .readOnly).closeAfter { file throws(SystemError) in
            try file.sync(path: path)
        }
    }

    /// sync(2): flushes every dirty buffer of every file system (a benchmark settling between runs).
    public static func syncAll() {
        sync()
    }

    /// syncfs(2) of the file system holding `path`: every file written there is made durable
    /// with one journal commit (a batch's worth of fsyncs in one call).
    public static func syncFileSystem(containing path: String) throws(SystemError) {
        try FileDescriptor.open(path, .readOnly).closeAfter { file throws(SystemError) in
            try file.syncFileSystem()
        }
    }

    /// Test-only: QUEUECTL_TEST_SYNCFS=1 makes queuectl use syncfs on any file system, so the
    /// power-cut file system (FUSE, where a preloaded shim passes syncfs on) sees the group
    /// commits that ext4 sees, failures included.
    private static let isSyncfsForced = CurrentProcess.environmentValue("QUEUECTL_TEST_SYNCFS") == "1"

    /// Whether one syncfs makes the files written under `path` durable; where not, each file
    /// must be fsync'ed: the kernel does not pass syncfs on to FUSE or network file systems
    /// (measured: it returns 0 and the file system is never asked).
    public static func honoursSyncfs(_ path: String) -> Bool {
        isSyncfsForced || !isRemote(path)
    }

    /// Makes the data of every file in `paths` durable: one fsync for one file; for several,
    /// one syncfs(2) (a single journal commit) where the file system honours it, and an fsync
    /// of each where it does not.
    public static func syncFiles(_ paths: [String]) throws(SystemError) {
        guard let first = paths.first else { return }
        if paths.count > 1 && honoursSyncfs(first) {
            try syncFileSystem(containing: first)
        } else {
            for path in paths { try syncFile(path) }
        }
    }

    /// The names in a directory, without `.`, `..` and other dot-files, in no particular order.
    /// Reads with readdir(3) only: no stat per entry, so a million names cost one pass.
    public static func names(in path: String) throws(SystemError) -> [String] {
        var result: [String] = []
        try forEachName(in: path) { result.append($0) }
        return result
    }

    /// Calls `body` for each name that does not start with a dot (or, with `hidden`, for each
    /// name that does, except `.` and `..`).
    public static func forEachName(in path: String, hidden: Bool = false, _ body: (String) -> Void) throws(SystemError) {
        try forEachEntry(in: path, hidden: hidden) { name, _ in body(String(cString: name)) }
    }

    /// Calls `body` with each name that does not start with a dot and whether it is a folder
    /// (not a symbolic link to one): from the entry's d_type, or an lstat where the file system
    /// does not fill it in (DT_UNKNOWN).
    public static func forEachNameAndIsDirectory(in path: String, _ body: (String, Bool) -> Void) throws(SystemError) {
        try forEachEntry(in: path, hidden: false) { name, type in
            let text = String(cString: name)
            switch Int32(type) {
            case Int32(DT_DIR): body(text, true)
            case Int32(DT_UNKNOWN): body(text, (try? linkStatus(path + "/" + text))?.isDirectory ?? false)
            default: body(text, false)
            }
        }
    }

    /// The one readdir(3) loop: `body` gets each entry's NUL-terminated name, read in place, and
    /// its d_type; names starting with a dot are skipped (with `hidden`, only they are given,
    /// except `.` and `..`).
    private static func forEachEntry(in path: String, hidden: Bool,
                                     _ body: (UnsafePointer<CChar>, UInt8) -> Void) throws(SystemError) {
        guard let directory = opendir(path) else { throw SystemError("opendir", [path], .current) }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = nameOf(entry)
            let isHidden = name[0] == 0x2E /* . */
            if isHidden != hidden { continue }
            if hidden && (name[1] == 0 || (name[1] == 0x2E && name[2] == 0)) { continue }
            body(name, entry.pointee.d_type)
        }
    }

    /// The NUL-terminated name of a directory entry, read in place. Never copy `d_name` itself:
    /// it is declared as 256 bytes, but an entry is only as long as its name, so a copy reads
    /// past the end of the last entry in readdir's buffer — and crashes when that is the end of
    /// a page (it did, in a statically linked build).
    private static func nameOf(_ entry: UnsafeMutablePointer<dirent>) -> UnsafePointer<CChar> {
        (UnsafeRawPointer(entry) + MemoryLayout<dirent>.offset(of: \.d_name)!).assumingMemoryBound(to: CChar.self)
    }

    /// Counts the names that do not start with a dot, without building strings.
    public static func countNames(in path: String) throws(SystemError) -> Int {
        var count = 0
        try forEachRawName(in: path) { _ in count += 1 }
        return count
    }

    /// Calls `body` with the bytes of each name that does not start with a dot, without building
    /// a String: for passes over folders of a million entries.
    public static func forEachRawName(in path: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) throws(SystemError) {
        try forEachEntry(in: path, hidden: false) { name, _ in
            body(UnsafeBufferPointer(start: UnsafeRawPointer(name).assumingMemoryBound(to: UInt8.self), count: strlen(name)))
        }
    }

    /// mkdtemp(3): a new directory `prefix` + six random characters, mode 0700.
    public static func makeTemporaryDirectory(prefix: String) throws(SystemError) -> String {
        var template = Array((prefix + "XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw SystemError("mkdtemp", [prefix], .current) }
        return String(cString: made)
    }

    /// Removes `path` and, when it is a directory, everything under it (symlinks are removed,
    /// never followed). A name that vanishes meanwhile is not an error.
    public static func removeTree(_ path: String) throws(SystemError) {
        let info: FileStatus
        do { info = try linkStatus(path) } catch where error.isNotFound { return }
        if info.isDirectory {
            // Unreadable folders (a test's chmod 000) are opened up first.
            if info.permissions & 0o700 != 0o700 { try? setPermissions(path, info.permissions | 0o700) }
            var children = try names(in: path)
            try forEachName(in: path, hidden: true) { children.append($0) }
            for name in children { try removeTree(path + "/" + name) }
            do { try removeDirectory(path) } catch where error.isNotFound {}
        } else {
            do { try unlink(path) } catch where error.isNotFound {}
        }
    }

    /// True when `path` names a file this process may execute (access(2) with X_OK).
    public static func isExecutable(_ path: String) -> Bool {
        access(path, X_OK) == 0
    }

    /// A whole file of at most `limit` bytes, read to its end (so /proc files, which report
    /// size 0, read whole too).
    public static func readFile(_ path: String, limit: Int = 16 << 20) throws(SystemError) -> [UInt8] {
        try FileDescriptor.open(path, .readOnly).closeAfter { file throws(SystemError) in
            try file.readAll(limit: limit, path: path)
        }
    }
}
