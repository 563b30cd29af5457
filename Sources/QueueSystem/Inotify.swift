// inotify(7) as a doorbell: which names arrived in or left a watched folder.
// The folder stays the truth; an overflow tells the caller to rescan.

#if canImport(Glibc)
import Glibc
#endif

/// One inotify event reduced to what the spool needs.
public struct FolderEvent: Sendable {
    public let watch: CInt
    public let name: String
    public let isArrival: Bool   // created or moved in
    public let isOverflow: Bool
}

/// An inotify instance watching folders for names that arrive or leave.
public struct Inotify: Sendable {
    public let descriptor: FileDescriptor

    public init() throws(SystemError) {
        let fd = try valueOrErrno("inotify_init1") { inotify_init1(CInt(IN_NONBLOCK | IN_CLOEXEC)) }
        descriptor = FileDescriptor(rawValue: fd)
    }

    /// Watches `path` for arrivals (create, moved in, written and closed) and departures.
    public func watch(_ path: String) throws(SystemError) -> CInt {
        let mask = UInt32(IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_DELETE)
        return try valueOrErrno("inotify_add_watch", [path]) {
            inotify_add_watch(descriptor.rawValue, path, mask)
        }
    }

    /// Reads every queued event without blocking.
    public func readEvents() -> [FolderEvent] {
        var events: [FolderEvent] = []
        // On the stack: a worker reads events at every wake, and zeroing 64 KiB each time showed.
        withUnsafeTemporaryAllocation(byteCount: 64 * 1024, alignment: 8) { buffer in
            while true {
                // Non-blocking: EAGAIN (thrown) means every queued event has been read.
                guard let count = try? descriptor.read(into: buffer), count > 0 else { return }
                let raw = UnsafeRawBufferPointer(buffer)
                var offset = 0
                let header = MemoryLayout<inotify_event>.size
                while offset + header <= count {
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    let nameLength = Int(event.len)
                    var name = ""
                    if nameLength > 0 {
                        let start = raw.baseAddress! + offset + header
                        name = String(cString: start.assumingMemoryBound(to: CChar.self))
                    }
                    let mask = event.mask
                    events.append(FolderEvent(
                        watch: event.wd, name: name,
                        isArrival: mask & UInt32(IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE) != 0,
                        isOverflow: mask & UInt32(IN_Q_OVERFLOW) != 0))
                    offset += header + nameLength
                }
            }
        }
        return events
    }
}

