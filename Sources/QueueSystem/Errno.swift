// Errno: the error number of a failed system call, with readable names.
// Its description comes from strerror(3), so messages match what `ls` and `mv` print.

#if canImport(Glibc)
import Glibc
#endif

/// An error number returned by a system call.
public struct Errno: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: CInt
    public init(rawValue: CInt) { self.rawValue = rawValue }

    /// The error number the last failed call left in `errno`.
    static var current: Errno { Errno(rawValue: errno) }

    public var description: String { String(cString: strerror(rawValue)) }

    public static let noSuchFileOrDirectory = Errno(rawValue: ENOENT)
    public static let fileExists = Errno(rawValue: EEXIST)
    public static let interrupted = Errno(rawValue: EINTR)
    public static let resourceTemporarilyUnavailable = Errno(rawValue: EAGAIN)
    public static let wouldBlock = Errno(rawValue: EWOULDBLOCK)
    public static let notPermitted = Errno(rawValue: EPERM)
    public static let permissionDenied = Errno(rawValue: EACCES)
    public static let invalidArgument = Errno(rawValue: EINVAL)
    public static let fileTooLarge = Errno(rawValue: EFBIG)
    public static let ioError = Errno(rawValue: EIO)
    public static let readOnlyFileSystem = Errno(rawValue: EROFS)
    public static let notSupported = Errno(rawValue: ENOTSUP)
    public static let noSpace = Errno(rawValue: ENOSPC)
    public static let tooManySymbolicLinks = Errno(rawValue: ELOOP)
    public static let isDirectory = Errno(rawValue: EISDIR)
    public static let notDirectory = Errno(rawValue: ENOTDIR)
    public static let noSuchProcess = Errno(rawValue: ESRCH)
    public static let noChild = Errno(rawValue: ECHILD)
    public static let directoryNotEmpty = Errno(rawValue: ENOTEMPTY)
    public static let crossDevice = Errno(rawValue: EXDEV)
    public static let functionNotImplemented = Errno(rawValue: ENOSYS)
    public static let addressInUse = Errno(rawValue: EADDRINUSE)
    public static let addressNotAvailable = Errno(rawValue: EADDRNOTAVAIL)
    public static let connectionAborted = Errno(rawValue: ECONNABORTED)
    public static let connectionReset = Errno(rawValue: ECONNRESET)
    public static let brokenPipe = Errno(rawValue: EPIPE)
    public static let tooManyOpenFiles = Errno(rawValue: EMFILE)
    public static let tooManyOpenFilesInSystem = Errno(rawValue: ENFILE)
    /// A name or descriptor whose file was removed on the server of a network file system.
    public static let staleFileHandle = Errno(rawValue: ESTALE)
    /// Opening a FIFO for writing without blocking while no reader has it open.
    public static let noSuchDeviceOrAddress = Errno(rawValue: ENXIO)
}
