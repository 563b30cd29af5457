// Files dropped into pending/ by other programs (the maildir protocol): valid ones run; bad ones
// (bad JSON, wrong types, empty, FIFO, symlink, directory) go to quarantine/ with a reason, never run.

import Foundation
import QueueCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Writes `contents` into SPOOL/tmp/, then renames it to SPOOL/pending/NAME: the maildir protocol.
func dropJob(_ spool: TestSpool, name: String, contents: String) throws {
    let temporary = spool.path + "/tmp/.drop-" + UUID().uuidString
    try Data(contents.utf8).write(to: URL(fileURLWithPath: temporary))
    guard rename(temporary, spool.path + "/pending/" + name) == 0 else {
        throw HarnessFailure("rename into pending/\(name): errno \(errno)")
    }
}

/// Sets a file's modification time `seconds` in the past (without following a symlink).
func age(_ path: String, by seconds: Double) throws {
    let past = Date().addingTimeInterval(-seconds)
    let time = timespec(tv_sec: Int(past.timeIntervalSince1970), tv_nsec: 0)
    var times = [time, time]
    guard utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW) == 0 else {
        throw HarnessFailure("utimensat \(path): errno \(errno)")
    }
}

/// The files in quarantine/ (without the .reason files beside them).
func quarantined(_ spool: TestSpool) -> [String] {
    spool.names("quarantine").filter { !$0.hasSuffix(".reason") }
}

@Suite struct DropTests {
    @Test func droppedFilesRunWhetherAWorkerIsRunningOrNot() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("init").status == 0)  // creates the spool
        let before = shellQuoted(spool.scratchPath("before.out"))
        let after = shellQuoted(spool.scratchPath("after.out"))
        try dropJob(spool, name: "dropped-before.json", contents: #"{"command": "pwd > \#(before)"}"#)
        let worker = try spool.startWorker()
        try await waitUntil("the job dropped before the worker started has run") {
            FileManager.default.fileExists(atPath: spool.scratchPath("before.out"))
        }
        // A worker that is already waiting picks a drop up too.
        try dropJob(spool, name: "dropped-after.json", contents: #"{"command": "echo ran > \#(after)"}"#)
        try await waitUntil("the job dropped while the worker runs has run") {
            spool.scratchLines("after.out") == ["ran"]
        }
        try await waitUntil("both dropped jobs are recorded as completed") {
            spool.records(in: "completed").count == 2
        }
        let commands = Set(spool.records(in: "completed").compactMap { $0["command"] as? String })
        #expect(commands == ["pwd > \(before)", "echo ran > \(after)"])
        #expect(spool.names("pending").isEmpty, "the dropped files must not stay in pending/: \(spool.names("pending"))")
        #expect(quarantined(spool).isEmpty)
        // A dropped job without "cwd" runs in the worker's directory.
        let ranIn = try #require(spool.scratchLines("before.out").first)
        #expect(URL(fileURLWithPath: ranIn).resolvingSymlinksInPath().path
                == URL(fileURLWithPath: spool.scratch).resolvingSymlinksInPath().path)
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit() == 0)
    }

    @Test func badFilesAreQuarantinedWithAReasonAndNeverRun() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("init").status == 0)
        let pending = spool.path + "/pending/"
        let symlinkMarker = spool.scratchPath("symlink-target-ran")

        try dropJob(spool, name: "bad-json.json", contents: #"{"command": "touch /nonexistent/x", "#)
        try dropJob(spool, name: "wrong-type.json", contents: #"{"command": 42}"#)
        try dropJob(spool, name: "empty.json", contents: "")
        try dropJob(spool, name: "binary.json", contents: "\u{0}\u{1}\u{2}\u{FF}garbage")
        for name in ["bad-json.json", "wrong-type.json", "empty.json", "binary.json"] { try age(pending + name, by: 60) }
        #expect(mkfifo(pending + "fifo.json", 0o600) == 0)
        let outside = spool.scratchPath("outside.json")
        try #"{"command": "touch \#(shellQuoted(symlinkMarker))"}"#.write(toFile: outside, atomically: true, encoding: .utf8)
        #expect(symlink(outside, pending + "link.json") == 0)
        #expect(mkdir(pending + "directory.json", 0o700) == 0)
        try age(pending + "fifo.json", by: 60)
        try age(pending + "link.json", by: 60)
        try age(pending + "directory.json", by: 60)
        let badCount = 7

        // A valid job, queued behind the bad files.
        #expect(try await spool.q("enqueue", "--command", "echo valid", "--id", "valid", "--priority", "1000").status == 0)
        let worker = try spool.startWorker()
        try await spool.waitForState("valid", "completed")
        try await waitUntil("all \(badCount) bad files are in quarantine/ (now: \(quarantined(spool)))") {
            quarantined(spool).count == badCount
        }
        #expect(spool.names("pending").isEmpty, "left in pending/: \(spool.names("pending"))")
        for name in quarantined(spool) {
            let reason = ProcFiles.text(spool.path + "/quarantine/" + name + ".reason") ?? ""
            #expect(!reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(name) has no reason file")
        }
        #expect(!FileManager.default.fileExists(atPath: symlinkMarker), "the symlinked job must never run")
        #expect(FileManager.default.fileExists(atPath: outside), "the symlink's target must not be touched")
        #expect(worker.isRunning, "bad files must not crash the worker:\n\(worker.output)")
        #expect(spool.records(in: "completed").count == 1)
        #expect(spool.names("dead").isEmpty && spool.names("failed").isEmpty)

        let status = try jsonObject(try await spool.q("status", "--json").stdout)
        #expect(int(status, "quarantined") == badCount, "\(status)")
        let list = try await spool.q("quarantine", "list", "--json")
        #expect(list.status == 0, "\(list)")
        let entries = try jsonArray(list.stdout)
        #expect(entries.count == badCount)
        #expect(entries.allSatisfy { !(($0["reason"] as? String) ?? "").isEmpty }, "\(entries)")
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit() == 0)
    }

    @Test func halfWrittenFileGetsAGracePeriodAndRunsOnceComplete() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("init").status == 0)
        let marker = spool.scratchPath("slow-producer.out")
        let path = spool.path + "/pending/slow-producer.json"
        // A producer that ignores the protocol: it writes straight into pending/, in two steps.
        let full = #"{"command": "echo done > \#(shellQuoted(marker))"}"#
        let half = String(full.prefix(14))
        let worker = try spool.startWorker()
        #expect(try await spool.q("enqueue", "--command", "true", "--id", "probe-1").status == 0)
        try await spool.waitForState("probe-1", "completed")
        let written = ContinuousClock.now
        try Data(half.utf8).write(to: URL(fileURLWithPath: path))
        // The worker sees the half-written file (and a job queued after it) but must not put it aside yet.
        #expect(try await spool.q("enqueue", "--command", "true", "--id", "probe-2").status == 0)
        try await spool.waitForState("probe-2", "completed")
        guard ContinuousClock.now - written < .seconds(4) else {
            // Too slow a machine to finish the write within the grace period: then the file must
            // at least end up in quarantine, not run and not stay in pending/.
            try await waitUntil("the half-written file is quarantined") { quarantined(spool).count == 1 }
            #expect(!FileManager.default.fileExists(atPath: marker))
            return
        }
        #expect(FileManager.default.fileExists(atPath: path), "a freshly written bad file must get a grace period")
        #expect(quarantined(spool).isEmpty)
        // The producer finishes its write (in place, so the worker sees a modification).
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(full.dropFirst(14).utf8))
        try handle.close()
        try await waitUntil("the completed file has run") { spool.scratchLines("slow-producer.out") == ["done"] }
        #expect(quarantined(spool).isEmpty, "\(quarantined(spool))")
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit() == 0)
    }
}
