// BatchStreamingTests: `enqueue --file` streams (see BatchEnqueue): the real binary's peak memory
// does not grow with the batch, a bad line at the end still leaves nothing behind (no job, no id,
// no staging folder), and a batch killed midway leaves no visible job and is cleaned by `doctor --fix`.

import Foundation
import QueueSystem
import Testing

@Suite struct BatchStreamingTests {
    /// The hidden entries of SPOOL/tmp (a batch stages in tmp/.batch-NONCE/).
    private func stagingFolders(_ spool: TestSpool) -> [String] {
        var found: [String] = []
        try? FileSystem.forEachName(in: spool.path + "/tmp", hidden: true) { if $0.hasPrefix(".batch-") { found.append($0) } }
        return found
    }

    private func writeBatch(_ spool: TestSpool, _ name: String, count: Int, badLine: Int? = nil, prefix: String = "j") throws -> String {
        var text = ""
        text.reserveCapacity(count * 40)
        for line in 1...count {
            text += line == badLine ? #"{"id":"bad","command":""}"# + "\n" : #"{"id":"\#(prefix)\#(line)","command":"true"}"# + "\n"
        }
        let path = spool.scratchPath(name)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    /// Runs `enqueue --file PATH` and samples its VmHWM until it exits; returns (exit status, peak KiB).
    private func enqueuePeak(_ spool: TestSpool, file: String, timeout: Double) async throws -> (Int32, Int) {
        let process = try spool.start(Binary.path, ["--spool", spool.path, "enqueue", "--file", file])
        var peak = 0
        try await waitUntil(timeout: timeout, "enqueue --file \(file) exits") {
            if let now = ProcFiles.peakKiB(of: process.pid) { peak = max(peak, now) }
            return !process.isRunning
        }
        return (process.exitStatus ?? -1, peak)
    }

    /// 200,000 lines (a million takes minutes with a debug build) need no more memory than 10,000:
    /// the code before kept every record, about 1 KiB a job (102 MB for 100,000 in a release build).
    @Test func peakMemoryOfALargeBatchIsThatOfASmallOne() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("init").status == 0)
        #expect(try await spool.q("config", "set", "fsync", "false").status == 0)  // memory, not the disk, is measured
        let small = try writeBatch(spool, "small.jsonl", count: 10_000)
        let (smallStatus, smallPeak) = try await enqueuePeak(spool, file: small, timeout: 120)
        #expect(smallStatus == 0 && smallPeak > 0, "small batch: \(smallStatus), \(smallPeak) KiB")
        try? FileManager.default.removeItem(atPath: small)

        let large = try writeBatch(spool, "large.jsonl", count: 200_000, prefix: "k")
        let (largeStatus, largePeak) = try await enqueuePeak(spool, file: large, timeout: 900)
        #expect(largeStatus == 0, "large batch exit \(largeStatus)")
        #expect(largePeak <= smallPeak + smallPeak / 2 + 4096,
                "peak RSS of 200,000 lines \(largePeak) KiB, of 10,000 lines \(smallPeak) KiB: memory grows with the batch")
        #expect(FileSystem.countOrZero(spool.path + "/pending") == 210_000)
        #expect(stagingFolders(spool).isEmpty)
    }

    /// A bad line near the end: reported with its number, and nothing of the 19,999 good lines
    /// before it stays: no job file, no ids/ reservation, no staging folder.
    @Test func aBadLineNearTheEndOfALargeBatchWritesNothing() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("init").status == 0)
        let file = try writeBatch(spool, "bad.jsonl", count: 20_000, badLine: 19_999)
        let result = try await spool.run(["--spool", spool.path, "enqueue", "--file", file], timeout: 300)
        #expect(result.status == 2, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(result.stderr.contains("line 19999: 'command' must not be empty"), "\(result)")
        #expect(takeCensus(spool.path).total == 0, "no job file may be published")
        #expect(spool.names("ids").isEmpty, "every reservation released: \(spool.names("ids").prefix(5))")
        #expect(stagingFolders(spool).isEmpty && spool.names("tmp").isEmpty, "\(stagingFolders(spool))")
        let doctor = try await spool.q("doctor")
        #expect(doctor.status == 0, "\(doctor)")
    }

    /// kill -9 while the batch is being staged: no job is visible, the ids it reserved block
    /// nothing once `doctor --fix` has removed its staging folder and released them, and the
    /// same batch then goes in whole.
    @Test func aBatchKilledMidwayLeavesNoJobAndDoctorCleansIt() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("init").status == 0)
        let file = try writeBatch(spool, "batch.jsonl", count: 100_000)
        let process = try spool.start(Binary.path, ["--spool", spool.path, "enqueue", "--file", file])
        var staged = 0
        try await waitUntil(timeout: 120, "the batch has staged 2,000 files") {
            guard let folder = stagingFolders(spool).first else { return false }
            staged = FileSystem.countOrZero(spool.path + "/tmp/" + folder)
            return staged >= 2_000
        }
        try await process.killHard()
        #expect(takeCensus(spool.path).total == 0, "a batch killed before its renames shows no job")
        #expect(stagingFolders(spool).count == 1)
        #expect(!spool.names("ids").isEmpty)

        // A reading doctor reports the dead batch and its reservations, and changes nothing.
        let report = try await spool.q("doctor")
        #expect(report.status == 1 && report.stdout.contains("batch enqueue killed"), "\(report.stdout.prefix(500))")
        let fix = try await spool.q("doctor", "--fix")
        #expect(fix.status == 0, "\(fix.stdout.prefix(500)) \(fix.stderr)")
        #expect(stagingFolders(spool).isEmpty)
        #expect(spool.names("ids").isEmpty, "\(spool.names("ids").prefix(5))")
        #expect(try await spool.q("doctor").status == 0)

        let small = try writeBatch(spool, "small.jsonl", count: 50)
        let again = try await spool.q("enqueue", "--file", small)
        #expect(again.status == 0 && again.lines == (1...50).map { "j\($0)" }, "\(again)")
    }

    /// Killed after the first rename into pending/ (the batch marked ready, its files durable):
    /// `doctor --fix` publishes the rest, dependencies included, and nothing is lost or doubled.
    @Test func aBatchKilledWhilePublishingIsFinishedByDoctor() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("init").status == 0)
        var lines = (1...30).map { #"{"id":"p\#($0)","command":"true"}"# }
        lines.append(#"{"id":"last","command":"true","after":["p1","p30"]}"#)
        let crashed = try await spool.run(["--spool", spool.path, "enqueue", "--file", "-"],
                                          environment: crashAt("enqueue-after-first-rename"), stdin: lines.joined(separator: "\n"))
        #expect(crashed.status == 137, "\(crashed)")
        #expect(spool.names("pending").count == 1, "\(spool.names("pending"))")
        let fix = try await spool.q("doctor", "--fix")
        #expect(fix.status == 0, "\(fix)")
        #expect(spool.names("pending").count == 31)
        #expect(stagingFolders(spool).isEmpty)
        #expect(spool.names("ids").count == 31)
        #expect(try await spool.q("doctor").status == 0)
    }

    /// A job may name one later in the batch; it is published after it (a worker that found
    /// the dependency missing would count it dead), and a cycle is refused with nothing written.
    @Test func dependenciesWithinABatchArePublishedFirstAndCyclesRefused() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let cycle = [#"{"id":"a","command":"true","after":["c"]}"#, #"{"id":"b","command":"true","after":["a"]}"#,
                     #"{"id":"c","command":"true","after":["b"]}"#]
        let refused = try await spool.q("enqueue", "--file", "-", stdin: cycle.joined(separator: "\n"))
        #expect(refused.status == 2 && refused.stderr.contains("dependency cycle"), "\(refused)")
        #expect(spool.names("ids").isEmpty && stagingFolders(spool).isEmpty && takeCensus(spool.path).total == 0)

        let chain = [#"{"id":"first","command":"echo first >> order","after":["second"]}"#,
                     #"{"id":"second","command":"echo second >> order","after":["third"]}"#,
                     #"{"id":"third","command":"echo third >> order"}"#]
        let added = try await spool.q("enqueue", "--file", "-", stdin: chain.joined(separator: "\n"))
        #expect(added.status == 0 && added.lines == ["first", "second", "third"], "\(added)")
        let worker = try spool.startWorker()
        try await spool.waitForState("first", "completed")
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit() == 0)
        #expect(spool.scratchLines("order") == ["third", "second", "first"])
    }
}

extension FileSystem {
    /// The number of names in a folder, 0 when it cannot be listed.
    static func countOrZero(_ path: String) -> Int { (try? FileSystem.countNames(in: path)) ?? 0 }
}
