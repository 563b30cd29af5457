// Groups with the real binary: a limit of 1 holds across 4 workers (from the times the jobs
// themselves record) while another group keeps flowing; a worker killed with -9 while holding a
// slot has it released by the reaper; pause, --group workers and status show the groups, with
// each group's limit, pause, running and pending jobs.

import Foundation
import QueueCore
import Testing

@Suite("groups") struct GroupTests {
    /// A job that records "START END" (ns, from date +%s%N) in `ledger` after sleeping `seconds`.
    static func timed(_ spool: TestSpool, _ ledger: String, _ seconds: Double) -> String {
        "s=$(date +%s%N); sleep \(seconds); e=$(date +%s%N); echo \"$s $e\" >> \(shellQuoted(spool.scratchPath(ledger)))"
    }

    static func intervals(_ spool: TestSpool, _ ledger: String) -> [(start: Double, end: Double)] {
        spool.scratchLines(ledger).compactMap { line in
            let parts = line.split(separator: " ").compactMap { Double($0) }
            return parts.count == 2 ? (parts[0] / 1e9, parts[1] / 1e9) : nil
        }.sorted { $0.start < $1.start }
    }

    /// The most intervals open at once.
    static func maxOverlap(_ intervals: [(start: Double, end: Double)]) -> Int {
        var events: [(time: Double, delta: Int)] = []
        for interval in intervals {
            events.append((interval.start, 1))
            events.append((interval.end, -1))
        }
        // At the same instant an end comes before a start: touching intervals do not overlap.
        events.sort { a, b in a.time != b.time ? a.time < b.time : a.delta < b.delta }
        var open = 0, most = 0
        for (_, delta) in events { open += delta; most = max(most, open) }
        return most
    }

    @Test func aLimitOfOneHoldsAcrossFourWorkersWhileOtherGroupsFlow() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("group", "set", "serial", "--limit", "1").status == 0)
        // The serial jobs are queued first: a full group must not hold up the others behind it.
        for index in 0..<8 {
            let added = try await spool.q("enqueue", "--group", "serial", "--id", "s\(index)", "--command", Self.timed(spool, "serial", 0.3))
            #expect(added.status == 0, "\(added)")
        }
        for index in 0..<12 {
            #expect(try await spool.q("enqueue", "--group", "other", "--id", "o\(index)", "--command", Self.timed(spool, "other", 0.3)).status == 0)
        }
        let record = try #require(spool.record(of: "s0"))
        #expect(record["group"] as? String == "serial", "cat shows the group")
        let worker = try spool.startWorker(count: 4)
        var sawFull = false
        try await waitUntil(timeout: 60, "every job completed") {
            if !sawFull, let status = try? jsonObject(try await spool.q("status", "--json").stdout),
               let groups = status["groups"] as? [[String: Any]],
               groups.contains(where: { $0["name"] as? String == "serial" && int($0, "running") == 1 && int($0, "limit") == 1 }) {
                sawFull = true
            }
            return spool.names("completed").count == 20
        }
        worker.signal(.terminate)
        _ = try await worker.waitForExit()
        let serial = Self.intervals(spool, "serial"), other = Self.intervals(spool, "other")
        #expect(serial.count == 8 && other.count == 12)
        let serialOverlap = Self.maxOverlap(serial), otherOverlap = Self.maxOverlap(other)
        let serialSpan = (serial.last?.end ?? 0) - (serial.first?.start ?? 0)
        let otherDone = (other.map(\.end).max() ?? 0) - (serial.first?.start ?? 0)
        print("figure: limit 1, 4 workers: at most \(serialOverlap) serial job(s) at once over \(String(format: "%.2f", serialSpan)) s; other group up to \(otherOverlap) at once, all 12 done \(String(format: "%.2f", otherDone)) s after the first serial start")
        #expect(serialOverlap == 1, "no two jobs of the limited group ran at the same time: \(serial)")
        #expect(otherOverlap >= 2, "the other group ran in parallel beside it")
        #expect(otherDone < serialSpan, "the other group finished while the limited one was still working through its queue")
        #expect(sawFull, "status --json showed serial running 1 of limit 1")
        #expect(spool.names("../groups/serial").isEmpty, "every slot was released")
        let list = try jsonArray(try await spool.q("list", "--group", "serial", "--json").stdout)
        #expect(list.count == 8 && list.allSatisfy { $0["group"] as? String == "serial" })
    }

    @Test func aWorkerKilledWhileHoldingASlotReleasesItWithinTheReapTime() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("config", "set", "max-retries", "0").status == 0)
        #expect(try await spool.q("group", "set", "g", "--limit", "1").status == 0)
        let marker = spool.scratchPath("started")
        #expect(try await spool.q("enqueue", "--group", "g", "--id", "long", "--command", "touch \(shellQuoted(marker)); exec sleep 60").status == 0)
        let first = try spool.startWorker()
        try await waitUntil(timeout: 20, "the long job started") { FileManager.default.fileExists(atPath: marker) }
        let slots = spool.path + "/groups/g"
        let held = try FileManager.default.contentsOfDirectory(atPath: slots)
        #expect(held == ["slot-0"], "the running job holds the group's one slot: \(held)")
        #expect(try await spool.q("enqueue", "--group", "g", "--id", "next", "--command", "true").status == 0)
        try await first.killHard()
        let killedAt = Timestamp.now()
        let second = try spool.startWorker()
        defer { second.signal(.terminate) }
        try await spool.waitForState("next", "completed", timeout: 30)
        let released = Timestamp.now().secondsSince(killedAt)
        print("figure: slot of a SIGKILLed worker released and the group's next job completed \(String(format: "%.2f", released)) s after the kill")
        #expect(released < 10, "released within the reap time (every 2 s, by process liveness on this host)")
        #expect(spool.state(of: "long") == "dead", "the lost run counted (max_retries 0)")
    }

    /// `status --json`'s groups by name: [name: (limit, paused, running, pending)].
    static func groups(_ spool: TestSpool) async throws -> [String: String] {
        let status = try jsonObject(try await spool.q("status", "--json").stdout)
        var found: [String: String] = [:]
        for group in status["groups"] as? [[String: Any]] ?? [] {
            let limit = group["limit"].flatMap { $0 as? Int }.map(String.init) ?? "-"
            found[group["name"] as? String ?? "?"] = "limit \(limit), paused \(group["paused"] as? Bool ?? false), running \(int(group, "running") ?? -1), pending \(int(group, "pending") ?? -1)"
        }
        return found
    }

    @Test func statusShowsEachGroupsLimitPauseRunningAndPendingJobs() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        for index in 0..<2 { #expect(try await spool.q("enqueue", "--id", "d\(index)", "--command", "true").status == 0) }
        // Without groups, the pending count comes from the folder listing alone.
        #expect(try await Self.groups(spool) == ["default": "limit -, paused false, running 0, pending 2"])
        #expect(!FileManager.default.fileExists(atPath: spool.path + "/groups"), "jobs of default mark no group")
        // A group without settings is counted too: enqueue marks it (SPOOL/groups/misc/).
        for index in 0..<3 { #expect(try await spool.q("enqueue", "--group", "misc", "--id", "m\(index)", "--command", "true").status == 0) }
        #expect(FileManager.default.fileExists(atPath: spool.path + "/groups/misc"))
        #expect(try await Self.groups(spool) == ["default": "limit -, paused false, running 0, pending 2",
                                                 "misc": "limit -, paused false, running 0, pending 3"])
        #expect(try await spool.q("group", "set", "deploy", "--limit", "1").status == 0)
        #expect(try await spool.q("group", "pause", "build").status == 0)
        #expect(try await spool.q("enqueue", "--group", "deploy", "--id", "long", "--command", "exec sleep 60").status == 0)
        #expect(try await spool.q("enqueue", "--group", "deploy", "--id", "next", "--command", "true").status == 0)
        #expect(try await spool.q("enqueue", "--group", "build", "--id", "b0", "--command", "true").status == 0)
        // A file dropped by another program counts in the group it names before it is adopted.
        try dropJob(spool, name: "from-elsewhere.json", contents: #"{"command": "true", "group": "dropped"}"#)
        let worker = try spool.start(Binary.path, ["--spool", spool.path, "worker", "start", "--group", "deploy"])
        defer { worker.signal(.terminate) }
        try await waitUntil(timeout: 20, "the long deploy job runs") { spool.state(of: "long") == "processing" }
        let expected = [
            "build": "limit -, paused true, running 0, pending 1",
            "default": "limit -, paused false, running 0, pending 2",
            "deploy": "limit 1, paused false, running 1, pending 1",
            "dropped": "limit -, paused false, running 0, pending 1",
            "misc": "limit -, paused false, running 0, pending 3",
        ]
        #expect(try await Self.groups(spool) == expected)

        // The text of status and group list: one row a group.
        let rows = ["GROUP RUNNING LIMIT PENDING STATE", "build 0 - 1 paused", "default 0 - 2 active",
                    "deploy 1 1 1 active", "dropped 0 - 1 active", "misc 0 - 3 active"]
        let status = try await spool.q("status")
        let list = try await spool.q("group", "list")
        for output in [status.stdout, list.stdout] {
            let lines = output.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
            let table = lines.drop { !$0.hasPrefix("GROUP ") }.prefix(rows.count)
            #expect(Array(table) == rows, "\(output)")
        }
        let listed = try jsonArray(try await spool.q("group", "list", "--json").stdout)
        #expect(listed.map { $0["name"] as? String } == ["build", "default", "deploy", "dropped", "misc"])
        #expect(listed.map { int($0, "pending") } == [1, 2, 1, 1, 3], "\(listed)")
    }

    @Test func pausedGroupsAndGroupWorkersHoldOnlyTheirJobs() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("group", "pause", "held").status == 0)
        #expect(try await spool.q("enqueue", "--group", "held", "--id", "h", "--command", "true").status == 0)
        #expect(try await spool.q("enqueue", "--group", "b", "--id", "b1", "--command", "true").status == 0)
        #expect(try await spool.q("enqueue", "--id", "d1", "--command", "true").status == 0)
        let worker = try spool.startWorker()
        defer { worker.signal(.terminate) }
        try await spool.waitForState("b1", "completed")
        try await spool.waitForState("d1", "completed")
        #expect(spool.state(of: "h") == "pending", "a paused group's job waits")
        let list = try jsonArray(try await spool.q("group", "list", "--json").stdout)
        #expect(list.contains { $0["name"] as? String == "held" && $0["paused"] as? Bool == true }, "\(list)")
        #expect(try await spool.q("group", "resume", "held").status == 0)
        try await spool.waitForState("h", "completed")

        // A worker that serves only group a leaves group b's job alone.
        let only = try spool.start(Binary.path, ["--spool", spool.path, "worker", "start", "--group", "a"])
        defer { only.signal(.terminate) }
        worker.signal(.terminate)
        _ = try await worker.waitForExit()
        #expect(try await spool.q("enqueue", "--group", "b", "--id", "b2", "--command", "true").status == 0)
        #expect(try await spool.q("enqueue", "--group", "a", "--id", "a1", "--command", "true").status == 0)
        try await spool.waitForState("a1", "completed")
        #expect(spool.state(of: "b2") == "pending")
        let bad = try await spool.q("enqueue", "--group", "no/slash", "--command", "true")
        #expect(bad.status == 2, "\(bad)")
        let zero = try await spool.q("group", "set", "a", "--limit", "0")
        #expect(zero.status == 2, "\(zero)")
    }
}
