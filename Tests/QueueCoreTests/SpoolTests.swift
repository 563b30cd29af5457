// Spool: ids are unique through ids/ (one symlink each), found in O(1), and a batch is all or nothing.

import Testing
@testable import QueueCore
import QueueSystem

@Suite struct SpoolTests {
    func job(_ spool: Spool, _ json: String) throws -> NewJob {
        try spool.decodeNewJob(try parseJSON(json), defaults: spool.jobDefaults(cwd: "/"))
    }

    /// A spool whose folder is a file or a symbolic link is refused when opened, as it was when
    /// every folder was made with mkdir (Spool.open now lists the root once).
    @Test func aFolderThatIsNoFolderIsRefusedAndMissingOnesAreMade() throws {
        let spool = try temporarySpool()
        try FileSystem.removeDirectory(spool.folder(.dead))
        #expect(try Spool.open(spool.root).root == spool.root)
        #expect(FileSystem.exists(spool.folder(.dead)), "a missing folder is made")
        try FileSystem.removeDirectory(spool.folder(.pending))
        try FileDescriptor.open(spool.folder(.pending), [.writeOnly, .create, .exclusive]).close()
        #expect(throws: QueueError.self) { try Spool.open(spool.root) }
        try FileSystem.unlink(spool.folder(.pending))
        try FileSystem.symlink(spool.folder(.dead), at: spool.folder(.pending))
        #expect(throws: QueueError.self) { try Spool.open(spool.root) }
    }

    @Test func secondJobWithTheSameIdIsRefused() throws {
        let spool = try temporarySpool()
        try spool.enqueue([try job(spool, #"{"id": "a", "command": "true"}"#)])
        #expect(throws: QueueError.self) { try spool.enqueue([try job(spool, #"{"id": "a", "command": "false"}"#)]) }
        #expect(try FileSystem.names(in: spool.folder(.pending)).count == 1)
    }

    @Test func hintsFitInTheInodeAndPointBackAtTheJob() throws {
        let spool = try temporarySpool()
        try spool.enqueue([try job(spool, #"{"command": "true"}"#), try job(spool, #"{"id": "named", "command": "true"}"#)])
        for text in try FileSystem.names(in: spool.ids) {
            let id = try #require(JobID(rawValue: text))
            let hint = try FileSystem.readLink(spool.ids + "/" + text)
            // ext4 keeps a symlink's text in the inode below 60 bytes; a generated id's hint is 45.
            #expect(hint.utf8.count < 60, "\(hint)")
            #expect(hint.hasPrefix("pending/") && !hint.hasSuffix(".json"), "\(hint)")
            let name = try #require(Spool.name(fromHint: hint, id: id))
            #expect(FileSystem.exists(spool.path(name)), "\(hint) → \(name.text)")
            #expect(spool.locate(id)?.name == name)
            // The older form, a relative path to the whole name, still reads.
            #expect(Spool.name(fromHint: "../pending/" + name.text, id: id) == name)
        }
        #expect(Spool.name(fromHint: "pending/garbage", id: JobID(rawValue: "named")!) == nil)
    }

    @Test func aReservationIsConfirmedByItsOwnText() throws {
        let spool = try temporarySpool()
        let id = JobID(rawValue: "raced")!
        let name = FileName.pending(id: id, priority: 0, due: .now(), age: .now())
        // Another caller's link (what a racer on another host leaves): a duplicate.
        try FileSystem.symlink(Spool.hint(for: name) + "#othercaller", at: spool.ids + "/raced")
        #expect(throws: QueueError.self) { try spool.reserve(id, for: name) }
        // No link: reserved, with this caller's nonce, and the hint still reads.
        try FileSystem.unlink(spool.ids + "/raced")
        try spool.reserve(id, for: name)
        let text = try FileSystem.readLink(spool.ids + "/raced")
        #expect(text.hasPrefix(Spool.hint(for: name) + "#") && text != Spool.hint(for: name) + "#othercaller", "\(text)")
        #expect(Spool.name(fromHint: text, id: id)?.text == name.text)
    }

    @Test func uniqueEnqueueOfAnIdReservedWithoutAJobWaitsThenSaysSo() throws {
        let spool = try temporarySpool()
        // A reservation whose enqueue never published (it died): --unique does not claim the job exists.
        try FileSystem.symlink("pending/1000-20261123T022856.950Z-0hoezsxzcjm#deadbeef", at: spool.ids + "/orphan")
        #expect(throws: QueueError.self) {
            try spool.enqueue([try job(spool, #"{"id": "orphan", "command": "true", "unique": true}"#)])
        }
    }

    @Test func uniqueEnqueueOfAnExistingIdWritesNothing() throws {
        let spool = try temporarySpool()
        try spool.enqueue([try job(spool, #"{"id": "a", "command": "true"}"#)])
        let outcomes = try spool.enqueue([try job(spool, #"{"id": "a", "command": "false", "unique": true}"#)])
        #expect(outcomes == [.alreadyExists(JobID(rawValue: "a")!)])
        #expect(try FileSystem.names(in: spool.folder(.pending)).count == 1)
    }

    @Test func batchWithATakenIdWritesNothing() throws {
        let spool = try temporarySpool()
        try spool.enqueue([try job(spool, #"{"id": "taken", "command": "true"}"#)])
        let batch = try spool.decodeBatch(Array("{\"id\":\"new\",\"command\":\"x\"}\n{\"id\":\"taken\",\"command\":\"x\"}\n".utf8),
                                          defaults: spool.jobDefaults(cwd: "/"))
        #expect(throws: QueueError.self) { try spool.enqueue(batch) }
        #expect(try FileSystem.names(in: spool.folder(.pending)).count == 1)
        #expect(!spool.isReserved(JobID(rawValue: "new")!))
    }

    @Test func locateFindsAJobWithoutAScan() throws {
        let spool = try temporarySpool()
        try spool.enqueue([try job(spool, #"{"id": "x", "command": "true", "priority": 5}"#)])
        let location = try #require(spool.locate(JobID(rawValue: "x")!))
        #expect(location.state == .pending)
        #expect(location.name.priority == 5)
        #expect(spool.locate(JobID(rawValue: "nope")!) == nil)
    }

    @Test func dependencyCyclesAndUnknownDependenciesAreRefused() throws {
        let spool = try temporarySpool()
        let defaults = spool.jobDefaults(cwd: "/")
        let cycle = try spool.decodeBatch(Array("{\"id\":\"p\",\"command\":\"x\",\"after\":[\"q\"]}\n{\"id\":\"q\",\"command\":\"x\",\"after\":[\"p\"]}\n".utf8), defaults: defaults)
        #expect(throws: QueueError.self) { try spool.enqueue(cycle) }
        #expect(throws: QueueError.self) { try spool.enqueue([try job(spool, #"{"id": "self", "command": "x", "after": ["self"]}"#)]) }
        #expect(throws: QueueError.self) { try spool.enqueue([try job(spool, #"{"command": "x", "after": ["ghost"]}"#)]) }
        #expect(try FileSystem.names(in: spool.folder(.pending)).isEmpty)
    }

    @Test func batchLinesKeepTheirOrder() throws {
        let spool = try temporarySpool()
        let lines = (0..<50).map { "{\"id\":\"j\($0)\",\"command\":\"x\"}" }.joined(separator: "\n")
        try spool.enqueue(try spool.decodeBatch(Array(lines.utf8), defaults: spool.jobDefaults(cwd: "/")))
        let order = try FileSystem.names(in: spool.folder(.pending)).sorted().compactMap { FileName(parsing: $0, in: .pending)?.id.rawValue }
        #expect(order == (0..<50).map { "j\($0)" })
    }
}
