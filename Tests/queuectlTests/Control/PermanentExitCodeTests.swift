// permanent_exit_codes: an exit status in the job's list (or the config default) sends the job to
// dead/ at once with one attempt, while any other failure is retried as usual.

import Foundation
import QueueCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension Control {
    @Suite("permanent exit codes") struct PermanentExitCodes {
        @Test func configDefaultSendsExit100StraightToTheDLQWhileExit1IsRetried() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            let set = try await spool.q("config", "set", "permanent-exit-codes", "100")
            #expect(set.status == 0, "\(set)")
            #expect(try await spool.q("config", "get", "permanent_exit_codes").trimmed.contains("100"))
            // The retry of a failure waits 1000 s: a retried job stays visibly in failed/.
            #expect(try await spool.q("config", "set", "backoff-base", "1000").status == 0)
            #expect(try await spool.q("enqueue", "--command", "exit 100", "--id", "permanent", "--max-retries", "3").status == 0)
            #expect(try await spool.q("enqueue", "--command", "exit 1", "--id", "transient", "--max-retries", "3").status == 0)
            let worker = try spool.startWorker()

            let dead = try await spool.waitForState("permanent", "dead")
            #expect(int(dead, "attempts") == 1, "no retry after a permanent exit status: \(dead)")
            #expect(int(dead, "exit_code") == 100, "\(dead)")
            #expect((dead["last_error"] as? String)?.contains("100") == true, "\(dead)")

            let failed = try await spool.waitForState("transient", "failed")
            #expect(int(failed, "attempts") == 1, "\(failed)")
            #expect(failed["next_run_at"] != nil, "exit 1 is retried: \(failed)")
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        }

        @Test func perJobFieldSendsItsCodesStraightToTheDLQ() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("config", "set", "backoff-base", "1000").status == 0)
            #expect(try await spool.q("enqueue", #"{"id": "mail", "command": "exit 42", "max_retries": 3, "permanent_exit_codes": [42, 43]}"#).status == 0)
            #expect(try await spool.q("enqueue", #"{"id": "mail-retry", "command": "exit 1", "max_retries": 3, "permanent_exit_codes": [42, 43]}"#).status == 0)
            // The job's own list replaces the config default: [] means every failure is retried.
            #expect(try await spool.q("config", "set", "permanent-exit-codes", "100").status == 0)
            #expect(try await spool.q("enqueue", #"{"id": "own-list", "command": "exit 100", "max_retries": 3, "permanent_exit_codes": []}"#).status == 0)
            let worker = try spool.startWorker()

            let dead = try await spool.waitForState("mail", "dead")
            #expect(int(dead, "attempts") == 1, "\(dead)")
            #expect(int(dead, "exit_code") == 42, "\(dead)")
            let retried = try await spool.waitForState("mail-retry", "failed")
            #expect(int(retried, "attempts") == 1, "\(retried)")
            let own = try await spool.waitForState("own-list", "failed")
            #expect(int(own, "attempts") == 1, "the job's empty list overrides the config's 100: \(own)")
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        }

        @Test func invalidCodesAreRefused() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            let field = try await spool.q("enqueue", #"{"command": "true", "permanent_exit_codes": ["x"]}"#)
            #expect(field.status == 2, "\(field)")
            #expect(field.stderr.contains("permanent_exit_codes"), "the error names the field: \(field)")
            let setting = try await spool.q("config", "set", "permanent-exit-codes", "abc")
            #expect(setting.status == 2, "\(setting)")
            #expect(Control.jobFiles(spool).isEmpty)
        }
    }
}
