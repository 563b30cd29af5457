// Idempotent enqueue: `--unique` (or "unique": true) prints the existing id, writes nothing and
// exits 0, even when 4 processes race for one id; without it a duplicate id exits 2.

import Foundation
import QueueCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension Control {
    @Suite("enqueue --unique") struct UniqueEnqueue {
        @Test func fourConcurrentUniqueEnqueuesOfOneIdWriteExactlyOneJob() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("init").status == 0)  // the spool exists before the race
            // Several rounds, each with its own id: every round is a fresh race of four processes.
            let ids = ["nightly-1", "nightly-2", "nightly-3", "nightly-4", "nightly-5"]
            for id in ids {
                let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
                    for racer in 0..<4 {
                        group.addTask {
                            try await spool.q("enqueue", "--unique", "--id", id, "--command", "echo racer-\(racer)")
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                for outcome in outcomes {
                    #expect(outcome.status == 0, "\(outcome)")
                    #expect(outcome.trimmed == id, "every racer prints the id: \(outcome)")
                }
                let files = Control.jobFiles(spool).filter { TestSpool.name(URL(fileURLWithPath: $0).lastPathComponent, isFileOf: id) }
                #expect(files.count == 1, "exactly one job file for \(id): \(files)")
                #expect(spool.names("ids").filter { $0 == id }.count == 1, "\(spool.names("ids"))")
            }
            #expect(spool.names("ids").filter { !$0.hasPrefix(".") } == ids, "ids/ has one entry per id and nothing else")
            #expect(spool.names("pending").count == ids.count, "\(spool.names("pending"))")
            #expect(spool.names("tmp").filter { !$0.hasPrefix(".") }.isEmpty, "\(spool.names("tmp"))")

            // The one job that exists runs once.
            let worker = try spool.startWorker()
            for id in ids { try await spool.waitForState(id, "completed") }
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        }

        @Test func uniqueLeavesAnExistingJobUntouchedInAnyState() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "done").status == 0)
            let worker = try spool.startWorker()
            try await spool.waitForState("done", "completed")
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0)
            let before = try #require(ProcFiles.text(spool.path + "/completed/done.json"))

            let again = try await spool.q("enqueue", "--unique", "--id", "done", "--command", "echo other")
            #expect(again.status == 0, "\(again)")
            #expect(again.trimmed == "done", "\(again)")
            #expect(spool.state(of: "done") == "completed", "nothing written: the job stays completed")
            #expect(ProcFiles.text(spool.path + "/completed/done.json") == before, "its record is untouched")
            #expect(spool.names("pending").isEmpty)

            // The field in a record, and in a JSON Lines batch (a new id beside an existing one).
            let record = try await spool.q("enqueue", #"{"id": "done", "command": "echo x", "unique": true}"#)
            #expect(record.status == 0 && record.trimmed == "done", "\(record)")
            let batch = try Control.batch([["id": "done", "command": "echo y", "unique": true],
                                           ["id": "fresh", "command": "echo z"]])
            let lines = try await spool.q("enqueue", "--file", "-", stdin: batch)
            #expect(lines.status == 0, "\(lines)")
            #expect(lines.lines == ["done", "fresh"], "\(lines)")
            #expect(spool.state(of: "done") == "completed")
            #expect(spool.state(of: "fresh") == "pending")
        }

        @Test func withoutUniqueADuplicateIdExitsTwo() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("enqueue", "--command", "echo first", "--id", "once").status == 0)
            let before = Control.jobFiles(spool)
            let duplicate = try await spool.q("enqueue", "--command", "echo second", "--id", "once")
            #expect(duplicate.status == 2, "\(duplicate)")
            #expect(duplicate.stderr.contains("once"), "\(duplicate)")
            #expect(duplicate.stdout.isEmpty, "\(duplicate)")
            #expect(Control.jobFiles(spool) == before, "nothing written")
            #expect((spool.record(of: "once")?["command"] as? String) == "echo first")
        }
    }
}
