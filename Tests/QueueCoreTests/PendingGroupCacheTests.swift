// PendingGroupCache: a poll reads only the pending files that arrived since the last one, and its
// counts are still those of a fresh read after arrivals, a file replaced under its name (a new
// inode) and removals — checked against `groupStatuses` without a cache, on a real spool.

import Testing
@testable import QueueCore
import QueueSystem

@Suite struct PendingGroupCacheTests {
    func enqueue(_ spool: Spool, _ groups: [String]) throws {
        let jobs = try groups.map { group in
            try spool.decodeNewJob(try parseJSON(#"{"command": "true", "group": "\#(group)"}"#), defaults: spool.jobDefaults(cwd: "/"))
        }
        try spool.enqueue(jobs)
    }

    func pending(_ statuses: [GroupStatus]) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: statuses.filter { $0.pending > 0 }.map { ($0.name, $0.pending) })
    }

    @Test func aPollReadsOnlyNewFilesAndCountsAsAFreshRead() throws {
        let spool = try temporarySpool()
        defer { try? FileSystem.removeTree(String(spool.root.dropLast("/spool".count))) }
        try enqueue(spool, ["a", "a", "b", "default"])
        let cache = PendingGroupCache()
        var reads = 0
        let groupOf = { (text: String) -> String? in
            reads += 1
            return FileName(parsing: text, in: .pending).flatMap { try? spool.readJob($0) }?.group
        }
        #expect(cache.countByGroup(in: spool.folder(.pending), groupOf: groupOf) == ["a": 2, "b": 1, "default": 1])
        #expect(reads == 4)
        #expect(cache.countByGroup(in: spool.folder(.pending), groupOf: groupOf) == ["a": 2, "b": 1, "default": 1])
        #expect(reads == 4, "nothing new: nothing read")

        try enqueue(spool, ["b"])
        #expect(cache.countByGroup(in: spool.folder(.pending), groupOf: groupOf) == ["a": 2, "b": 2, "default": 1])
        #expect(reads == 5, "one arrival: one read")

        // A file replaced under its own name (as `edit` republishes: a new file renamed over it).
        let names = try FileSystem.names(in: spool.folder(.pending)).sorted()
        let replaced = try #require(names.first { text in
            FileName(parsing: text, in: .pending).flatMap { try? spool.readJob($0) }?.group == "a"
        })
        let name = try #require(FileName(parsing: replaced, in: .pending))
        var record = try spool.readJob(name)
        record.group = "c"
        try spool.rewrite(record, at: name)
        // And one removed.
        let removed = try #require(names.first { $0 != replaced })
        try FileSystem.unlink(spool.folder(.pending) + "/" + removed)

        let cached = cache.countByGroup(in: spool.folder(.pending), groupOf: groupOf)
        #expect(reads == 6, "only the replaced file is read again")
        #expect(cached == pending(spool.groupStatuses()), "the same counts as a fresh read of every file")
        #expect(cached["c"] == 1 && cached.values.reduce(0, +) == 4, "\(cached)")
        #expect(pending(spool.groupStatuses(cache: cache)) == cached)
    }
}
