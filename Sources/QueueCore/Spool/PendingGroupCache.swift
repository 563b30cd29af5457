// PendingGroupCache: the group of each pending file, kept between the polls of a long-running
// reader (the dashboard, `status --watch`). The group is not in a pending file's name, so
// counting pending jobs by group reads every file; but a published file never changes in place
// (a new version is a new file renamed over the name), so a name whose inode and ctime (set by
// the rename) are those seen before keeps its group, and each poll reads only the files that
// arrived or were replaced since the last: an lstat per file instead of an open, a read and a
// parse. Guarantees: counts are those of a fresh read of every file, except for a file written
// in place by a producer that skipped tmp/ (not the maildir protocol), which is read again only
// while it does not parse. Files are remembered by a 64-bit hash of their name (no copy of the
// name: about 60 bytes each; a false match needs two names of one folder to collide), at most
// `capacity` of them; past that, the rest are read at every poll.

import QueueSystem
import Synchronization

public final class PendingGroupCache: Sendable {
    private struct Entry {
        let inode: UInt64
        let changed: Int64
        let group: String
    }

    private let entries = Mutex<[Int: Entry]>([:])
    static let capacity = 250_000

    public init() {}

    /// The number of files of `folder` in each group: `groupOf` is asked only for the names not
    /// seen before with the same inode and ctime (nil: no group, asked again next time). Names
    /// gone from the folder are forgotten.
    func countByGroup(in folder: String, groupOf: (String) -> String?) -> [String: Int] {
        var names: [String] = []
        try? FileSystem.forEachName(in: folder) { names.append($0) }
        let known = entries.withLock { $0 }
        var next: [Int: Entry] = [:]
        next.reserveCapacity(min(names.count, PendingGroupCache.capacity))
        var counts: [String: Int] = [:]
        for name in names {
            guard let info = try? FileSystem.linkStatus(folder + "/" + name) else { continue }  // gone meanwhile
            let key = name.hashValue
            let group: String?
            if let entry = known[key], entry.inode == info.inode, entry.changed == info.changedMicroseconds {
                group = entry.group
            } else {
                group = groupOf(name)
            }
            guard let group else { continue }
            if next.count < PendingGroupCache.capacity {
                next[key] = Entry(inode: info.inode, changed: info.changedMicroseconds, group: group)
            }
            counts[group, default: 0] += 1
        }
        entries.withLock { $0 = next }
        return counts
    }
}
