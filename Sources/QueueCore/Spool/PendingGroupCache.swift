// PendingGroupCache: the group of each pending file, kept between the polls of a long-running
// reader (the dashboard, `status --watch`). The group is not in a pending file's name, so
// counting pending jobs by group reads every file; but a published file never changes (a new
// version is a new file renamed over the name, with a new inode), so a name seen before with the
// same inode keeps its group, and each poll reads only the files that arrived since the last.
// Guarantees: counts are those of a fresh read of every file, except for a file written in place
// by a producer that skipped tmp/ (not the maildir protocol), which is read again only while it
// does not parse.

import QueueSystem
import Synchronization

public final class PendingGroupCache: Sendable {
    private struct Entry {
        let inode: UInt64
        let group: String
    }

    private let entries = Mutex<[String: Entry]>([:])

    public init() {}

    /// The number of files of `folder` in each group: `groupOf` is asked only for the names not
    /// seen before with the same inode (nil: no group, asked again next time). Names gone from
    /// the folder are forgotten.
    func countByGroup(in folder: String, groupOf: (String) -> String?) -> [String: Int] {
        var listed: [(name: String, inode: UInt64)] = []
        try? FileSystem.forEachNameAndInode(in: folder) { listed.append(($0, $1)) }
        let known = entries.withLock { $0 }
        var next: [String: Entry] = [:]
        next.reserveCapacity(listed.count)
        var counts: [String: Int] = [:]
        for (name, inode) in listed {
            let group: String?
            if let entry = known[name], entry.inode == inode { group = entry.group } else { group = groupOf(name) }
            guard let group else { continue }
            next[name] = Entry(inode: inode, group: group)
            counts[group, default: 0] += 1
        }
        entries.withLock { $0 = next }
        return counts
    }
}
