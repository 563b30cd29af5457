// The spool's format version (SPOOL/format) honoured both ways, and the fixture of a format 1
// spool written by an earlier queuectl (Tests/Fixtures/spool-v1/, made by make-spool-v1.sh)
// that every later queuectl must list, show, drain and retry. A format change adds a fixture.

import Foundation
import QueueCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Tests/Fixtures/NAME, found from this file's path.
func fixturePath(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent(name).path
}

/// Runs a program to its end and returns its exit status and output.
@discardableResult
func runProgram(_ arguments: [String], environment: [String: String]? = nil, cwd: String? = nil,
                stdin: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = stdin == nil ? FileHandle.nullDevice : input
    try process.run()
    if let stdin {
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try? input.fileHandleForWriting.close()
    }
    // Read both pipes to their ends before waiting, so a large output cannot fill a pipe and block.
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

@Suite struct SpoolFormatTests {
    @Test func aNewSpoolStatesItsFormatInAFileAPersonCanRead() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("enqueue", "--command", "true").status == 0)
        #expect(ProcFiles.text(spool.path + "/format") == "queuectl-spool 1\n")
        #expect(spool.names("tmp").isEmpty, "the format file's temporary file is gone")
    }

    @Test func aSpoolWithoutTheFileIsFormat1AndGetsTheFile() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("enqueue", "--id", "a", "--command", "true").status == 0)
        try FileManager.default.removeItem(atPath: spool.path + "/format")
        #expect(try await spool.q("show", "a").status == 0)
        #expect(!FileManager.default.fileExists(atPath: spool.path + "/format"), "a reading command creates nothing")
        #expect(try await spool.q("enqueue", "--command", "true").status == 0)
        #expect(ProcFiles.text(spool.path + "/format") == "queuectl-spool 1\n", "written at the first write")
    }

    @Test func aNewerFormatIsRefusedAndNothingIsChanged() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("enqueue", "--id", "a", "--command", "true").status == 0)
        try Data("queuectl-spool 2\n".utf8).write(to: URL(fileURLWithPath: spool.path + "/format"))
        let before = spool.names("pending")
        for arguments in [["enqueue", "--command", "true"], ["list"], ["show", "a"], ["status", "--json"], ["dlq", "retry", "--all"]] {
            let outcome = try await spool.run(["--spool", spool.path] + arguments)
            #expect(outcome.status == 1, "\(outcome)")
            #expect(outcome.stdout.isEmpty, "\(outcome)")
            #expect(outcome.stderr.contains("says 'queuectl-spool 2'"), "\(outcome)")
            #expect(outcome.stderr.contains("made by a newer queuectl"), "\(outcome)")
        }
        let worker = try spool.startWorker()
        #expect(try await worker.waitForExit() == 1, "\(worker.output)")
        #expect(worker.output.contains("queuectl-spool 2"), "\(worker.output)")
        #expect(spool.names("pending") == before)
        #expect(ProcFiles.text(spool.path + "/format") == "queuectl-spool 2\n", "the newer file is left as it was")

        // A spool of a newer format that this version would lay out differently: nothing is made in it.
        let bare = spool.root + "/bare"
        try FileManager.default.createDirectory(atPath: bare, withIntermediateDirectories: false)
        try Data("queuectl-spool 2\n".utf8).write(to: URL(fileURLWithPath: bare + "/format"))
        #expect(try await spool.run(["--spool", bare, "enqueue", "--command", "true"]).status == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: bare) == ["format"])
    }

    @Test func aFormatFileThatIsNotUnderstoodIsRefused() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("init").status == 0)
        try Data("maildir++\n".utf8).write(to: URL(fileURLWithPath: spool.path + "/format"))
        let outcome = try await spool.q("list")
        #expect(outcome.status == 1, "\(outcome)")
        #expect(outcome.stderr.contains("not a spool format this queuectl knows"), "\(outcome)")
    }

    /// The format 1 fixture: a job in every state, as an earlier queuectl left it.
    @Test func theFormat1FixtureIsListedShownDrainedAndRetried() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let fixture = fixturePath("spool-v1")
        #expect(FileManager.default.fileExists(atPath: fixture + "/pending"), "missing fixture \(fixture)")
        #expect(try runProgram(["cp", "-a", fixture, spool.path]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: spool.path + "/format"), "format 1 spools predate the file")
        // Its worker died long ago: on another host only an expired lease tells (git checks the
        // files out with new mtimes), so the claim and the worker record are aged past it.
        for folder in ["workers", "processing"] {
            for name in try FileManager.default.contentsOfDirectory(atPath: spool.path + "/" + folder) {
                try age(spool.path + "/" + folder + "/" + name, by: 3600)
            }
        }

        let listed = try jsonArray(try await spool.q("list", "--json").stdout)
        let states = Dictionary(uniqueKeysWithValues: listed.map { ($0["id"] as? String ?? "?", $0["state"] as? String ?? "?") })
        #expect(states == [
            "report": "pending", "later": "pending", "cleanup": "pending", "dropped": "pending",
            "interrupted": "processing", "flaky": "failed", "hello": "completed", "broken": "dead",
        ])
        #expect(!FileManager.default.fileExists(atPath: spool.path + "/format"), "a reading command creates nothing")
        let pending = try await spool.q("list", "--state", "pending")
        #expect(pending.status == 0)
        #expect(pending.lines.dropFirst().first?.contains("report") == true, "priority -5 runs first:\n\(pending)")

        let flaky = try jsonObject(try await spool.q("show", "flaky", "--json").stdout)
        #expect(flaky["state"] as? String == "failed" && int(flaky, "attempts") == 1)
        let broken = try jsonObject(try await spool.q("show", "broken", "--json").stdout)
        #expect(broken["state"] as? String == "dead" && int(broken, "exit_code") == 3)
        #expect((broken["env"] as? [String: String]) == ["REPORT": "weekly"])
        #expect(try await spool.q("show", "interrupted").stdout.contains("processing"))
        #expect(try await spool.q("show", "hello").stdout.contains("hello"), "its captured output")
        #expect(try await spool.q("status", "--json").status == 0)

        let worker = try spool.startWorker(environment: ["FIXTURE_FIXED": "1"])
        try await waitUntil("the worker writes the format file at first use") {
            ProcFiles.text(spool.path + "/format") == "queuectl-spool 1\n"
        }
        for id in ["hello", "report", "later", "cleanup", "dropped", "flaky", "interrupted"] {
            try await spool.waitForState(id, "completed", timeout: 30)
        }
        #expect(spool.state(of: "broken") == "dead")
        #expect(int(spool.record(of: "interrupted") ?? [:], "attempts") == 2, "the lost run was charged")
        #expect(spool.names("quarantine").count == 2, "the bad file stays aside with its reason")

        #expect(try await spool.q("dlq", "retry", "broken").status == 0)
        let retried = try await spool.waitForState("broken", "completed", timeout: 30)
        #expect(int(retried, "attempts") == 1)
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit() == 0)
        #expect(spool.names("processing").isEmpty)
    }
}
