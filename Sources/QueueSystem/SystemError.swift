// SystemError: a failed system call, named with its call and paths, so a user can act on it:
// `rename pending/a.json → processing/a.json: No such file or directory`.

/// A system call that failed, with the call's name, the paths it touched and the reason.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    public let call: String
    public let paths: [String]
    public let errno: Errno

    public init(_ call: String, _ paths: [String] = [], _ errno: Errno) {
        self.call = call
        self.paths = paths
        self.errno = errno
    }

    public var description: String {
        paths.isEmpty ? "\(call): \(errno)" : "\(call) \(paths.joined(separator: " → ")): \(errno)"
    }

    /// True when the call failed because a path did not exist (a lost race, usually).
    public var isNotFound: Bool { errno == .noSuchFileOrDirectory }
    /// True when the file is gone: ENOENT, or ESTALE from a network file system whose cached
    /// name still pointed at a file removed or replaced through another client.
    public var isGone: Bool { errno == .noSuchFileOrDirectory || errno == .staleFileHandle }
    /// True when the call failed because the target already existed.
    public var isExisting: Bool { errno == .fileExists }
}
