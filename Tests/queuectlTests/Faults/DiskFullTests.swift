// Scenario 4: a full disk. The spool is a small tmpfs (root only; a loud skip otherwise).
// `enqueue` must fail with exit 1 and an error naming ENOSPC, leave no partial file in tmp/ or
// pending/ and no reservation in ids/, and leave every job accepted before intact. A worker that
// meets the full disk (its jobs' output cannot be logged, its results cannot be written) must keep
// every job in exactly one folder, lose none, and finish them all once space comes back.

import Foundation
import QueueCore
import QueueSystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A spool on its own tmpfs, mounted at the test's spool path, unmounted by `tearDown`.
struct TmpfsSpool {
    let spool: TestSpool

    /// Mounts a tmpfs with `options` (mode 0700 is added) at `spool.path`.
    static func mount(_ spool: TestSpool, options: String) throws -> TmpfsSpool {
        try FileManager.default.createDirectory(atPath: spool.path, withIntermediateDirectories: true)
        guard Glibc.mount("tmpfs", spool.path, "tmpfs", 0, options + ",mode=0700") == 0 else {
            throw HarnessFailure("mount -t tmpfs -o \(options) \(spool.path): \(String(cString: strerror(errno)))")
        }
        return TmpfsSpool(spool: spool)
    }

    /// Kills every process of the test (they hold files open in the spool), unmounts, removes all.
    func tearDown() {
        spool.killEverything()
        if umount2(spool.path, 0) != 0 { umount2(spool.path, Int32(MNT_DETACH)) }
        spool.cleanup()
    }

    /// Writes a file at `path` until the file system has no block left (or `leaving` bytes).
    func fill(_ path: String, leaving: Int = 0) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw HarnessFailure("open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = statvfs()
        statvfs(spool.path, &info)
        let block = Int(info.f_frsize)
        var budget = leaving > 0 ? max(0, Int(info.f_bavail) * block - leaving) : Int.max
        let chunk = [UInt8](repeating: 0x46, count: 64 * 1024)
        while budget > 0 {
            let count = chunk.withUnsafeBytes { write(fd, $0.baseAddress, min($0.count, budget)) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == ENOSPC { return }
                throw HarnessFailure("write \(path): \(String(cString: strerror(errno)))")
            }
            budget -= count
        }
    }

    /// Creates empty files named PREFIX-N until no inode is left; returns how many it made.
    func exhaustInodes(prefix: String) throws -> Int {
        var made = 0
        while true {
            let fd = open("\(prefix)-\(made)", O_WRONLY | O_CREAT | O_EXCL, 0o600)
            if fd < 0 {
                if errno == ENOSPC { return made }
                throw HarnessFailure("open \(prefix)-\(made): \(String(cString: strerror(errno)))")
            }
            close(fd)
            made += 1
        }
    }
}

extension Faults {
    @Suite("Disk full") struct DiskFull {
        /// The ids in ids/ (reservations), the files in tmp/ and the job files in pending/.
        static func leftovers(_ spool: TestSpool) -> (ids: [String], tmp: [String], pending: [String]) {
            (spool.names("ids"), spool.names("tmp"), spool.names("pending"))
        }

        /// Every accepted job is whole: its file parses, says its id and is pending.
        static func expectIntact(_ spool: TestSpool, _ ids: [String], sourceLocation: SourceLocation = #_sourceLocation) {
            for id in ids {
                let record = spool.record(of: id)
                #expect(record?["id"] as? String == id && record?["state"] as? String == "pending",
                        "accepted job \(id) must be intact: \(String(describing: record))", sourceLocation: sourceLocation)
            }
        }

        @Test(.enabled("needs root and tmpfs (see the SKIPPED line)") { Capability.tmpfs.check("disk full: enqueue on a full tmpfs") })
        func enqueueOnAFullDiskFailsCleanlyAndKeepsAcceptedJobs() async throws {
            let spool = try TestSpool()
            let disk = try TmpfsSpool.mount(spool, options: "size=2m")
            defer { disk.tearDown() }
            let accepted = (1...20).map { "accepted-\($0)" }
            let batch = try jsonLines(accepted.map { ["id": $0, "command": "true"] })
            #expect(try await spool.q("enqueue", "--file", "-", stdin: batch).status == 0)
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "accepted-single").status == 0)
            let all = accepted + ["accepted-single"]
            let before = Self.leftovers(spool)

            try disk.fill(spool.path + "/zz-filler")
            #expect(freeSpace(spool.path).blocks == 0, "the disk must be full")

            let attempts: [(String, Outcome)] = [
                ("flags", try await spool.q("enqueue", "--command", "echo hi", "--id", "refused-1")),
                ("json", try await spool.q("enqueue", #"{"id": "refused-2", "command": "echo hi"}"#)),
                ("batch", try await spool.q("enqueue", "--file", "-",
                                            stdin: try jsonLines((3...5).map { ["id": "refused-\($0)", "command": "true"] }))),
                ("generated id", try await spool.q("enqueue", "--command", "echo hi")),
            ]
            for (form, outcome) in attempts {
                #expect(outcome.status == 1, "\(form): a full disk is a failure (exit 1): \(outcome)")
                #expect(outcome.stderr.contains("No space left on device"), "\(form): the error must name ENOSPC: \(outcome)")
                #expect(outcome.stdout.isEmpty, "\(form): no id may be printed for a job that was not added: \(outcome)")
            }
            let after = Self.leftovers(spool)
            #expect(after.ids == before.ids, "no reservation may stay behind: \(Set(after.ids).subtracting(before.ids))")
            #expect(after.tmp.isEmpty, "no partial file may stay in tmp/: \(after.tmp)")
            #expect(after.pending == before.pending, "nothing may be added to pending/: \(Set(after.pending).subtracting(before.pending))")
            Self.expectIntact(spool, all)
            let doctor = try await spool.q("doctor", "--json")
            #expect(doctor.status == 0 && (try? jsonArray(doctor.stdout))?.isEmpty == true, "\(doctor)")

            // Space back: the refused ids were never taken.
            unlink(spool.path + "/zz-filler")
            let retried = try await spool.q("enqueue", "--command", "echo hi", "--id", "refused-1")
            #expect(retried.status == 0, "\(retried)")
        }

        /// ENOSPC also means "no inode left". With none left, the id reservation (a symlink) fails
        /// first. With exactly one left, the reservation takes it and the job file cannot be created.
        @Test(.enabled("needs root and tmpfs (see the SKIPPED line)") { Capability.tmpfs.check("disk full: enqueue with no inode left") })
        func enqueueWithoutInodesFailsCleanly() async throws {
            let spool = try TestSpool()
            let disk = try TmpfsSpool.mount(spool, options: "size=2m,nr_inodes=64")
            defer { disk.tearDown() }
            let accepted = (1...5).map { "accepted-\($0)" }
            #expect(try await spool.q("enqueue", "--file", "-", stdin: try jsonLines(accepted.map { ["id": $0, "command": "true"] })).status == 0)
            let before = Self.leftovers(spool)
            let made = try disk.exhaustInodes(prefix: spool.path + "/zz-inode")
            #expect(made > 0 && freeSpace(spool.path).inodes == 0)

            for free in [0, 1] {
                if free == 1 { unlink(spool.path + "/zz-inode-0") }
                let outcome = try await spool.q("enqueue", "--command", "echo hi", "--id", "no-inode-\(free)")
                #expect(outcome.status == 1, "\(free) inode(s) free: \(outcome)")
                #expect(outcome.stderr.contains("No space left on device"), "\(free) inode(s) free: \(outcome)")
                let after = Self.leftovers(spool)
                #expect(after.ids == before.ids,
                        "\(free) inode(s) free: a failed enqueue must release its id reservation: \(Set(after.ids).subtracting(before.ids))")
                #expect(after.tmp.isEmpty && after.pending == before.pending, "\(free) inode(s) free: \(after)")
            }
            Self.expectIntact(spool, accepted)
        }

        /// How the disk becomes full under a worker.
        enum Filling: String, Sendable, CaseIterable, CustomStringConvertible {
            /// The jobs' own output fills it: a run's log, then its result, cannot be written.
            case byTheJobsOutput
            /// Full while the worker waits for the jobs to be due: not even a claimed run can begin.
            case beforeTheClaims
            var description: String { rawValue }
        }

        /// A worker meets a full disk. No job may be lost or be in two folders meanwhile; once
        /// space is back, every job must finish, without restarting the worker.
        @Test(.enabled("needs root and tmpfs (see the SKIPPED line)") { Capability.tmpfs.check("disk full: a worker on a full tmpfs") },
              arguments: Filling.allCases)
        func workerOnAFullDiskKeepsEveryJobAndFinishesWhenSpaceReturns(_ filling: Filling) async throws {
            let spool = try TestSpool()
            let disk = try TmpfsSpool.mount(spool, options: "size=4m")
            defer { disk.tearDown() }
            #expect(try await spool.q("config", "set", "backoff-base", "1").status == 0)
            let total = 12
            let ids = (1...total).map { String(format: "noisy-%02d", $0) }
            // 300 kB of output each: the logs fill the disk after a few jobs.
            let command = faultLedger(spool) + #"; head -c 300000 /dev/zero | tr '\0' x"#
            // Scheduled a few seconds ahead when the disk must fill before the first claim.
            let due = Timestamp.now().adding(seconds: filling == .beforeTheClaims ? 4 : 0)
            let jobs = ids.map { ["id": $0, "command": command, "max_retries": 10, "run_at": due.iso8601] as [String: Any] }
            #expect(try await spool.q("enqueue", "--file", "-", stdin: try jsonLines(jobs)).status == 0)
            let worker: BackgroundProcess
            switch filling {
            case .byTheJobsOutput:
                try disk.fill(spool.path + "/zz-filler", leaving: 700 * 1024)
                worker = try spool.startWorker()
            case .beforeTheClaims:
                worker = try spool.startWorker()
                try await waitForWorker(spool, host: CurrentProcess.hostName)
                try disk.fill(spool.path + "/zz-filler")
                #expect(Timestamp.now() < due, "the disk must be full before the jobs are due")
                try await waitUntil(timeout: 10, "the jobs are due") { Timestamp.now() > due.adding(seconds: 0.5) }
            }
            try await waitUntil(timeout: 20, "the disk is full (\(freeSpace(spool.path).blocks) blocks free)") {
                freeSpace(spool.path).blocks == 0 && (filling == .beforeTheClaims || !spool.scratchLines("ledger").isEmpty)
            }
            // Two seconds of a full disk: at every look, every job is in exactly one folder.
            let fullSince = ContinuousClock.now
            var looks = 0
            while ContinuousClock.now - fullSince < .seconds(2) {
                let census = await stableCensus(spool.path)
                #expect(census.total == total && census.duplicates.isEmpty && census.locations.count == total,
                        "with the disk full: \(census)")
                looks += 1
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(worker.isRunning, "a full disk must not kill the worker:\n\(worker.output)")
            let stuck = await stableCensus(spool.path)

            // Space comes back.
            unlink(spool.path + "/zz-filler")
            var converged = true
            do {
                try await waitUntil(timeout: 10, "every job finished after space came back, without a restart (\(takeCensus(spool.path)))") {
                    finishedCount(spool.path) == total
                }
            } catch {
                converged = false
                Issue.record("""
                    BUG: with space back, the running worker does not finish its jobs: \(error)
                    census while the disk was full: \(stuck)
                    worker log:
                    \(worker.output.split(separator: "\n").suffix(15).joined(separator: "\n"))
                    """)
            }
            if !converged {
                // What a restart does: the stranded claims belong to a dead worker now.
                try await worker.killHard()
                let replacement = try spool.startWorker()
                try await waitUntil(timeout: 30, "every job finished after a worker restart (\(takeCensus(spool.path)))") {
                    finishedCount(spool.path) == total
                }
                replacement.signal(SIGTERM)
                _ = try await replacement.waitForExit()
            } else {
                worker.signal(SIGTERM)
                #expect(try await worker.waitForExit() == 0, "\(worker.output)")
            }
            try await expectConverged(spool, expected: Dictionary(uniqueKeysWithValues: ids.map { ($0, .completed) }))
            let counts = ledgerCounts(spool.scratchLines("ledger"))
            #expect(Set(counts.keys) == Set(ids), "never ran: \(Set(ids).subtracting(counts.keys))")
        }
    }
}
