// Scenario 5: two hosts sharing one spool, emulated with `unshare --uts --pid --fork
// --mount-proc` and different host names (root only; a loud skip otherwise). Across hosts
// flock proves nothing, so a claim is judged by its worker's lease (the heartbeat, every
// lease_sec / 3). A live lease is never stolen; a dead host's job is recovered after it expires.
// On two sshfs mounts of one folder (NetworkFileSystemTests.swift sets them up), a group's limit
// of 1 holds across both hosts while another group keeps flowing.

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

        /// Two hosts on two sshfs mounts, two workers each: a group limited to 1 never has two jobs
        /// running at once (from the start and end times the jobs record, on the one clock both
        /// emulated hosts share), while the jobs of an unlimited group queued behind it flow on the
        /// other workers. The slots are symlinks created on the server, so the exclusive create
        /// holds across mounts whatever each client caches.
        ///
        /// With sshfs's default caches (names and attributes for up to 20 s, as NFS clients cache),
        /// the host that did not release a slot keeps seeing it taken for that long, so the limited
        /// group's jobs tend to stay on one host: the limit holds, the contention across hosts is
        /// slight. With the client caches off, every look reaches the server and both hosts take
        /// the group's slot in turn: there the test also requires that both ran its jobs.
        @Test(.enabled("needs root, FUSE, sshd and sshfs (see the SKIPPED line)") { Capability.sshfs.check("network file system (sshfs)") },
              arguments: [false, true])
        func aGroupLimitOfOneHoldsAcrossTwoHostsWhileOtherGroupsFlow(clientCachesOff: Bool) async throws {
            let spool = try TestSpool()
            let uncached = "dir_cache=no,entry_timeout=0,attr_timeout=0,negative_timeout=0"
            guard let net = try await NetworkFileSystem.mounts(spool, options: clientCachesOff ? uncached : nil) else { return }
            defer { net.tearDown() }
            let (m1, m2) = (net.mounts[0] + "/spool", net.mounts[1] + "/spool")
            let truth = net.export + "/spool"
            #expect(try await spool.run(["--spool", m1, "config", "set", "poll-interval", "0.2"]).status == 0)
            #expect(try await spool.run(["--spool", m1, "group", "set", "solo", "--limit", "1"]).status == 0)
            /// "ID START END HOST" (ns since the epoch) in the group's ledger, after `seconds` of work.
            func timed(_ ledger: String, _ seconds: Double) -> String {
                #"s=$(date +%s%N); sleep \#(seconds); e=$(date +%s%N); echo "$QUEUECTL_JOB_ID $s $e $(hostname)" >> "#
                    + shellQuoted(spool.scratchPath(ledger))
            }
            // In run order each solo job comes before three of the other group: a worker that ends
            // a solo job goes on to other jobs, so the next solo job is open to every worker of
            // both hosts (queued back to back, the worker that released the slot would take the
            // next one at once, before a worker of the other host looks again). A full group must
            // not hold up the jobs behind it.
            let soloIDs = (1...12).map { String(format: "solo-%02d", $0) }
            let otherIDs = (1...40).map { String(format: "other-%02d", $0) }
            var jobs: [[String: Any]] = []
            for (index, id) in soloIDs.enumerated() {
                jobs.append(["id": id, "group": "solo", "command": timed("solo", 0.4)])
                for other in otherIDs[(index * 3)..<(index * 3 + 3)] { jobs.append(["id": other, "group": "other", "command": timed("other", 0.2)]) }
            }
            for other in otherIDs[36...] { jobs.append(["id": other, "group": "other", "command": timed("other", 0.2)]) }
            let enqueued = try await spool.run(["--spool", m1, "enqueue", "--file", "-"], stdin: try jsonLines(jobs))
            try #require(enqueued.status == 0, "\(enqueued)")

            let hostB = try EmulatedHost.start(spool, name: "hostB", spoolPath: m2, count: 2)
            try await waitUntil("both workers of host B started") { hostB.unshare.output.components(separatedBy: "started (pid").count == 3 }
            let hostA = try EmulatedHost.start(spool, name: "hostA", spoolPath: m1, count: 2)
            try await waitUntil(timeout: 180, "every job is finished (\(takeCensus(truth)))") { finishedCount(truth) == jobs.count }
            try await hostA.powerOff()
            try await hostB.powerOff()

            struct Run { let id: String; let start: Double; let end: Double; let host: String }
            func runs(_ ledger: String) -> [Run] {
                spool.scratchLines(ledger).compactMap { line in
                    let parts = line.split(separator: " ").map(String.init)
                    guard parts.count == 4, let start = Double(parts[1]), let end = Double(parts[2]) else { return nil }
                    return Run(id: parts[0], start: start / 1e9, end: end / 1e9, host: parts[3])
                }
            }
            let solo = runs("solo"), other = runs("other")
            #expect(solo.map(\.id).sorted() == soloIDs, "each job of the limited group ran once: \(solo.map(\.id))")
            #expect(other.map(\.id).sorted() == otherIDs, "each job of the other group ran once: \(other.map(\.id))")
            let soloOverlap = GroupTests.maxOverlap(solo.map { ($0.start, $0.end) })
            let otherOverlap = GroupTests.maxOverlap(other.map { ($0.start, $0.end) })
            let soloStart = solo.map(\.start).min() ?? 0, soloEnd = solo.map(\.end).max() ?? 0
            let otherStart = other.map(\.start).min() ?? 0, otherEnd = other.map(\.end).max() ?? 0
            let otherBeside = other.filter { $0.start < soloEnd }.count
            let soloHosts = Dictionary(grouping: solo, by: \.host).mapValues(\.count)
            let otherHosts = Dictionary(grouping: other, by: \.host).mapValues(\.count)
            print("""
                figure: sshfs (\(clientCachesOff ? "client caches off" : "default caches")), 2 hosts x 2 workers, group solo limit 1: \(solo.count) solo jobs \(soloHosts.sorted { $0.key < $1.key }), \
                at most \(soloOverlap) at once over \(String(format: "%.2f", soloEnd - soloStart)) s; \
                group other: \(other.count) jobs \(otherHosts.sorted { $0.key < $1.key }), up to \(otherOverlap) at once, \
                \(String(format: "%.1f", Double(other.count) / max(0.001, otherEnd - otherStart))) jobs/s, \
                \(otherBeside) started before the last solo job ended
                """)
            // Both hosts claimed work throughout, so both competed for the limited group's slot.
            // Which host wins it is not fair-shared (the worker that frees a slot usually takes it
            // again; seen with the caches off too), so it is printed, not asserted.
            #expect(otherHosts.count == 2, "both hosts were claiming jobs: \(otherHosts)")
            #expect(soloOverlap == 1, "two jobs of the group limited to 1 ran at the same time: \(solo.map { ($0.id, $0.start, $0.end, $0.host) })")
            #expect(otherOverlap >= 2, "the other group ran in parallel beside the limited one")
            #expect(otherBeside >= other.count / 2, "the other group kept flowing while the limited one worked through its queue")
            #expect(((try? FileSystem.names(in: truth + "/groups/solo")) ?? ["?"]).isEmpty, "every slot was released")
            try await expectConverged(spool, root: truth, expected: Dictionary(uniqueKeysWithValues: (soloIDs + otherIDs).map { ($0, .completed) }))
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
