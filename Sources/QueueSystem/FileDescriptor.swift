// FileDescriptor: an open file as a plain value, and the calls made on one.
// Opens never follow a symlink in the last component; reads are bounded; writes loop over short writes.

#if canImport(Glibc)
import Glibc
#endif

/// A file descriptor. The owner closes it, usually with `closeAfter`.
public struct FileDescriptor: Sendable, Hashable {
    public let rawValue: CInt
    public init(rawValue: CInt) { self.rawValue = rawValue }

    public static let standardInput = FileDescriptor(rawValue: 0)
    public static let standardOutput = FileDescriptor(rawValue: 1)
    public static let standardError = FileDescriptor(rawValue: 2)

    /// How to open a file: the access mode (`.readOnly` is the empty set) and flags.
    public struct OpenOptions: OptionSet, Sendable {
        public let rawValue: CInt
        public init(rawValue: CInt) { self.rawValue = rawValue }

        public static let readOnly: OpenOptions = []
        public static let writeOnly = OpenOptions(rawValue: O_WRONLY)
        public static let readWrite = OpenOptions(rawValue: O_RDWR)
        public static let create = OpenOptions(rawValue: O_CREAT)
        /// With `.create`: fail with EEXIST rather than open an existing file.
        public static let exclusive = OpenOptions(rawValue: O_EXCL)
        public static let append = OpenOptions(rawValue: O_APPEND)
        public static let truncate = OpenOptions(rawValue: O_TRUNC)
        /// Never block on a FIFO or a device; reads of an empty pipe fail with EAGAIN.
        public static let nonBlocking = OpenOptions(rawValue: O_NONBLOCK)
        public static let directory = OpenOptions(rawValue: O_DIRECTORY)
    }

    /// Opens `path` (relative to `directory` when given) with O_NOFOLLOW and O_CLOEXEC added.
    public static func open(_ path: String, _ options: OpenOptions, mode: FileMode = 0o600,
                            in directory: FileDescriptor? = nil) throws(SystemError) -> FileDescriptor {
        let dirfd = directory?.rawValue ?? AT_FDCWD
        let fd = try valueOrErrno("open", [path]) {
            openat(dirfd, path, options.rawValue | O_NOFOLLOW | O_CLOEXEC, mode)
        }
        return FileDescriptor(rawValue: fd)
    }

    /// Opens a directory for use with the *at calls and fsync.
    public static func openDirectory(_ path: String) throws(SystemError) -> FileDescriptor {
        try open(path, .directory)
    }

    public func close() {
        _ = Glibc.close(rawValue)  // never retried: the descriptor is gone either way on Linux
    }

    /// Runs `body` and closes the descriptor afterwards, whatever happens.
    public func closeAfter<R, E: Error>(_ body: (FileDescriptor) throws(E) -> R) throws(E) -> R {
        defer { close() }
        return try body(self)
    }

    /// Writes every byte, looping over short writes.
    public func writeAll(_ bytes: some Collection<UInt8>, path: String = "") throws(SystemError) {
        let array = Array(bytes)
        var offset = 0
        while offset < array.count {
            offset += try valueOrErrno("write", path.isEmpty ? [] : [path]) {
                array.withUnsafeBytes { buffer in Glibc.write(rawValue, buffer.baseAddress! + offset, buffer.count - offset) }
            }
        }
    }

    public func writeAll(_ text: String, path: String = "") throws(SystemError) {
        try writeAll(Array(text.utf8), path: path)
    }

    /// Reads up to `buffer.count` bytes; returns 0 at end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        try valueOrErrno("read") { Glibc.read(rawValue, buffer.baseAddress, buffer.count) }
    }

    /// Reads up to `buffer.count` bytes into the start of `buffer`; returns 0 at end of file.
    public func read(into buffer: inout [UInt8]) throws(SystemError) -> Int {
        let count = buffer.count
        return try valueOrErrno("read") { buffer.withUnsafeMutableBytes { Glibc.read(rawValue, $0.baseAddress, count) } }
    }

    /// Reads the whole file from the current offset; throws EFBIG past `limit` bytes.
    public func readAll(limit: Int, path: String = "") throws(SystemError) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = try valueOrErrno("read", path.isEmpty ? [] : [path]) {
                chunk.withUnsafeMutableBytes { Glibc.read(rawValue, $0.baseAddress, $0.count) }
            }
            if count == 0 { return result }
            if result.count + count > limit { throw SystemError("read", [path], .fileTooLarge) }
            result.append(contentsOf: chunk[0..<count])
        }
    }

    public func sync(path: String = "") throws(SystemError) {
        _ = try valueOrErrno("fsync", path.isEmpty ? [] : [path]) { fsync(rawValue) }
    }

    /// Flushes every file system buffer of the file system holding this descriptor (one call for a batch).
    public func syncFileSystem() throws(SystemError) {
        _ = try valueOrErrno("syncfs") { system_syncfs(rawValue) }
    }

    public func status() throws(SystemError) -> FileStatus {
        var info = stat()
        _ = try valueOrErrno("fstat") { fstat(rawValue, &info) }
        return FileStatus(info)
    }

    /// Takes an exclusive flock(2); with `wait: false` returns false when another holder has it.
    public func lockExclusive(wait: Bool) throws(SystemError) -> Bool {
        do {
            _ = try valueOrErrno("flock") { flock(rawValue, LOCK_EX | (wait ? 0 : LOCK_NB)) }
            return true
        } catch where error.errno == .wouldBlock {
            return false
        }
    }

    /// Sets the access and modification times to now (a heartbeat).
    public func touch() throws(SystemError) {
        _ = try valueOrErrno("futimens") { futimens(rawValue, nil) }
    }

    public func truncate(to size: Int) throws(SystemError) {
        _ = try valueOrErrno("ftruncate") { ftruncate(rawValue, off_t(size)) }
    }

    public func seek(to offset: Int) throws(SystemError) {
        _ = try valueOrErrno("lseek") { lseek(rawValue, off_t(offset), SEEK_SET) }
    }

    /// Makes `target` (standard output, say) refer to this descriptor's open file, as dup2(2).
    public func duplicate(onto target: FileDescriptor) throws(SystemError) {
        _ = try valueOrErrno("dup2") { dup2(rawValue, target.rawValue) }
    }

    /// Makes reads return EAGAIN instead of blocking (pipes).
    public func setNonBlocking() throws(SystemError) {
        let flags = try valueOrErrno("fcntl") { fcntl(rawValue, F_GETFL) }
        _ = try valueOrErrno("fcntl") { fcntl(rawValue, F_SETFL, flags | O_NONBLOCK) }
    }

    /// A pipe whose ends close on exec.
    public static func pipe() throws(SystemError) -> (read: FileDescriptor, write: FileDescriptor) {
        var fds: [CInt] = [0, 0]
        _ = try valueOrErrno("pipe2") { system_pipe2(&fds, O_CLOEXEC) }
        return (FileDescriptor(rawValue: fds[0]), FileDescriptor(rawValue: fds[1]))
    }
}

/// Permission bits and file type, as stat(2) reports them.
public typealias FileMode = mode_t

/// What lstat(2)/fstat(2) says about a file.
public struct FileStatus: Sendable {
    public let mode: mode_t
    public let size: Int
    public let owner: uid_t
    public let inode: UInt64
    /// Last modification and last status change, in microseconds since the epoch (QueueCore
    /// reads them as `Timestamp`s).
    public let modifiedMicroseconds: Int64
    public let changedMicroseconds: Int64

    init(_ info: stat) {
        mode = info.st_mode
        size = Int(info.st_size)
        owner = info.st_uid
        inode = UInt64(info.st_ino)
        modifiedMicroseconds = Int64(info.st_mtim.tv_sec) * 1_000_000 + Int64(info.st_mtim.tv_nsec) / 1000
        changedMicroseconds = Int64(info.st_ctim.tv_sec) * 1_000_000 + Int64(info.st_ctim.tv_nsec) / 1000
    }

    public var isRegularFile: Bool { mode & S_IFMT == S_IFREG }
    public var isDirectory: Bool { mode & S_IFMT == S_IFDIR }
    public var isSymbolicLink: Bool { mode & S_IFMT == S_IFLNK }
    /// A short name of the file's kind for error messages ("FIFO", "symbolic link", ...).
    public var kindName: String {
        switch mode & S_IFMT {
        case S_IFREG: "regular file"
        case S_IFDIR: "directory"
        case S_IFLNK: "symbolic link"
        case S_IFIFO: "FIFO"
        case S_IFSOCK: "socket"
        case S_IFCHR: "character device"
        case S_IFBLK: "block device"
        default: "special file"
        }
    }
    /// Permission bits only.
    public var permissions: mode_t { mode & 0o7777 }
}
