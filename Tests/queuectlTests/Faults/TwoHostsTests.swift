// Scenario 5: two hosts sharing one spool, emulated with `unshare --uts --pid --fork
// --mount-proc` and different host names (root only; a loud skip otherwise). Across hosts
// flock proves nothing, so a claim is judged by its worker's lease (the heartbeat, every
// lease_sec / 3). A live lease is never stolen; a dead host's job is recovered after it expires.

import Foundation
import QueueCore
import QueueSystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `echo "ID ATTEMPT HOST" >> LEDGER`: which host ran which attempt.
func hostLedger(_ ledger: String) -> String {
    #"echo "$QUEUECTL_JOB_ID $QUEUECTL_ATTEMPT $(hostname)" >> "# + shellQuoted(ledger)
}

/// Waits until a live worker of `host` is listed by `status --json` (run from this host).
func waitForWorker(_ spool: TestSpool, spoolPath: String? = nil, host: String, timeout: Double = 15) async throws {
    try await waitUntil(timeout: timeout, "a worker of \(host) is registered") {
        let status = try await spool.run(["--spool", spoolPath ?? spool.path, "status", "--json"])
        let workers = (try? jsonObject(status.stdout))?["workers"] as? [[String: Any]] ?? []
        return workers.contains { $0["host"] as? String == host }
    }
}

/// The claim file of job `id` in processing/ (nil when it is not claimed).
func claimName(_ root: String, _ id: String) -> String? {
    ((try? FileSystem.names(in: root + "/processing")) ?? []).first { $0.hasPrefix(id + "@") }
}

extension Faults {
    @Suite("Two hosts, one spool") struct TwoHosts {
        /// The rule behind "never steal a live lease", without namespaces: a claim by a worker of
        /// another host whose record this host cannot see (a network file system's cached listing
        /// of workers/, a record not yet visible) is not proof of death. Only after lease_sec with
        /// no sign of life may it be taken. Here the claim is a moment old: `reap` must leave it.
        @Test func aFreshClaimOfAWorkerOfAnotherHostWithoutAVisibleRecordIsNotReaped() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("config", "set", "lease-sec", "2").status == 0)
            #expect(try await spool.q("enqueue", "--command", "sleep 60", "--id", "elsewhere").status == 0)
            // What a worker of "otherhost" leaves while it runs the job: its claim, its record
            // saying the run began. Its workers/ record is not visible from here.
            let pending = try #require(spool.location(of: "elsewhere")?.file)
            var record = try #require(spool.record(of: "elsewhere"))
            let worker = "otherhost-4242-zz9"
            record["state"] = "processing"
            record["attempts"] = 1
            record["worker"] = worker
            record["started_at"] = Timestamp.now().iso8601
            let claim = spool.path + "/processing/elsewhere@\(worker).json"
            try JSONSerialization.data(withJSONObject: record).write(to: URL(fileURLWithPath: claim))
            unlink(spool.path + "/pending/" + pending)

            let reap = try await spool.q("reap")
            #expect(reap.status == 0, "\(reap)")
            #expect(FileManager.default.fileExists(atPath: claim),
                    "a claim a moment old, of a worker on another host, was reaped (its run charged and scheduled again): \(reap.stdout)")
            // Once it is older than the lease with no heartbeat anywhere, it is a dead host's job.
            try await Task.sleep(for: .seconds(2.5))
            let later = try await spool.q("reap")
            #expect(!FileManager.default.fileExists(atPath: claim), "after the lease, the claim must be reaped: \(later)")
        }

        @Test(.enabled("needs root and unshare (see the SKIPPED line)") { Capability.namespaces.check("two hosts (unshare)") })
        func liveLeaseIsNeverStolenAndADeadHostsJobIsRecovered() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            let lease = 2.0
            #expect(try await spool.q("config", "set", "lease-sec", "2").status == 0)
            #expect(try await spool.q("config", "set", "backoff-base", "1").status == 0)
            let ledger = spool.scratchPath("ledger")

            // 1. A job four times longer than the lease runs once on host A, with host B watching.
            let hostA = try EmulatedHost.start(spool, name: "hostA")
            try await waitForWorker(spool, host: "hostA")
            #expect(try await spool.q("enqueue", "--command", hostLedger(ledger) + "; sleep 8", "--id", "long").status == 0)
            try await waitUntil("host A claims the long job") { claimName(spool.path, "long")?.contains("@hostA-") == true }
            let claim = try #require(claimName(spool.path, "long"))
            let hostB = try EmulatedHost.start(spool, name: "hostB")
            try await waitForWorker(spool, host: "hostB")
            // Every look during the run: the claim is still host A's, and host A's heartbeat (its
            // record's mtime) moves at least every lease_sec / 3.
            let recordName = try #require(spool.names("workers").first { $0.hasPrefix("hostA-") })
            let record = spool.path + "/workers/" + recordName
            var lastBeat = try FileSystem.linkStatus(record).modified, lastChange = ContinuousClock.now
            var longestSilence = Duration.zero
            while spool.state(of: "long") == "processing" {
                let now = claimName(spool.path, "long")
                #expect(now == nil || now == claim, "host B must not take a live lease: \(claim) became \(now ?? "nil")")
                if let beat = try? FileSystem.linkStatus(record).modified, beat != lastBeat {
                    (lastBeat, lastChange) = (beat, ContinuousClock.now)
                }
                longestSilence = max(longestSilence, ContinuousClock.now - lastChange)
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(longestSilence < .milliseconds(Int(lease / 3 * 1000) + 400), "host A's heartbeat paused for \(longestSilence)")
            let long = try await spool.waitForState("long", "completed", timeout: 15)
            #expect(int(long, "attempts") == 1, "\(long)")
            #expect((long["worker"] as? String)?.hasPrefix("hostA-") == true, "\(long)")
            #expect(spool.scratchLines("ledger") == ["long 1 hostA"], "a live lease was stolen")
            #expect(!hostB.unshare.output.contains("reaped"), "host B reaped a live claim:\n\(hostB.unshare.output)")
            try await hostB.powerOff()

            // 2. Host A dies with its whole namespace during a job: a new host B recovers it once
            //    the lease has expired, not before.
            #expect(try await spool.q("enqueue", "--command", hostLedger(ledger) + #"; if [ "$QUEUECTL_ATTEMPT" = 1 ]; then sleep 60; fi"#,
                                      "--id", "doomed").status == 0)
            try await waitUntil("host A runs the doomed job") { spool.scratchLines("ledger").contains("doomed 1 hostA") }
            let rescuer = try EmulatedHost.start(spool, name: "hostB")
            try await waitForWorker(spool, host: "hostB")
            let killedAt = Timestamp.now()
            try await hostA.powerOff()
            let done = try await spool.waitForState("doomed", "completed", timeout: 20)
            let rerun = try #require(time(done, "started_at"), "\(done)")
            // The last heartbeat came at most lease/3 before the kill; the claim may be taken only after lease_sec.
            #expect(rerun.secondsSince(killedAt) >= lease - lease / 3 - 0.1,
                    "host B took the job \(rerun.secondsSince(killedAt)) s after host A died: before the lease expired")
            #expect(rerun.secondsSince(killedAt) < lease + 2 + 1 + 3, "recovery took \(rerun.secondsSince(killedAt)) s")
            #expect(int(done, "attempts") == 2, "the lost run is counted: \(done)")
            #expect((done["worker"] as? String)?.hasPrefix("hostB-") == true, "\(done)")
            #expect(spool.scratchLines("ledger") == ["long 1 hostA", "doomed 1 hostA", "doomed 2 hostB"])
            #expect(rescuer.unshare.output.contains("reaped doomed"), "\(rescuer.unshare.output)")
            try await rescuer.powerOff()
            try await expectConverged(spool, expected: ["long": .completed, "doomed": .completed])
        }
    }
}
