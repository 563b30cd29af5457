// Poll: poll(2) over any number of descriptors, for readiness to read or to write.
// An interrupted poll is retried (by valueOrErrno) with the same timeout; the self-pipe of
// Signals makes the signal itself show up as input, so nothing is missed.

#if canImport(Glibc)
import Glibc
#endif

/// What a descriptor is ready for, or what happened to it.
public struct PollEvents: OptionSet, Sendable, Hashable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    public static let readable = PollEvents(rawValue: Int16(POLLIN))
    public static let writable = PollEvents(rawValue: Int16(POLLOUT))
    /// Reported only: an error, a hang-up or a descriptor that is not open.
    public static let error = PollEvents(rawValue: Int16(POLLERR))
    public static let hangUp = PollEvents(rawValue: Int16(POLLHUP))
    public static let invalid = PollEvents(rawValue: Int16(POLLNVAL))
}

/// poll(2), typed.
public enum Poll {
    /// Waits until one of `entries` is ready or `timeoutMilliseconds` pass (-1: no limit), and
    /// returns what each one is ready for, in the same order (empty sets on a timeout).
    public static func wait(
        _ entries: [(descriptor: FileDescriptor, events: PollEvents)], timeoutMilliseconds: Int
    ) throws(SystemError) -> [PollEvents] {
        var fds = entries.map { pollfd(fd: $0.descriptor.rawValue, events: $0.events.rawValue, revents: 0) }
        let count = fds.count
        _ = try valueOrErrno("poll") {
            fds.withUnsafeMutableBufferPointer { Glibc.poll($0.baseAddress, nfds_t(count), CInt(clamping: timeoutMilliseconds)) }
        }
        return fds.map { PollEvents(rawValue: $0.revents) }
    }

    /// Waits until one of `descriptors` has input (or end of file, or an error) or the timeout
    /// passes; returns which ones are ready, in order. A failed poll counts as a timeout: the
    /// caller's loop looks again.
    public static func waitForInput(_ descriptors: [FileDescriptor], timeoutMilliseconds: Int) -> [Bool] {
        let ready = (try? wait(descriptors.map { ($0, .readable) }, timeoutMilliseconds: timeoutMilliseconds)) ?? []
        if ready.isEmpty { return Array(repeating: false, count: descriptors.count) }
        return ready.map { !$0.isDisjoint(with: [.readable, .hangUp, .error]) }
    }
}
