// Scenario 3, batch enqueue: `enqueue --file` of 20,000 and 100,000 jobs against the durable floor
// of one file per job — the same number of small files written and renamed by the bench, then one
// syncfs (what the batch's durability costs at least) — measured in turns in the same run; and the
// peak memory of one batch of 1,000,000 lines beside one of 20,000 (issue 19: flat).

import QueueCore
import QueueSystem
import TestSupport

extension Bench {
    func batchEnqueue(_ results: Results) throws {
        let runs = options.fewRepeats
        for size in options.batchSizes {
            let section = "3. Batch enqueue of \(grouped(size)) jobs"
            let input = scratch.file("batch.jsonl")
            try Scratch.write(String(repeating: "{\"command\":\"true\"}\n", count: size), to: input)
            let floor = FileFloor(count: size)
            var queuectlTimes: [Double] = [], floorTimes: [Double] = []
            for run in 1...runs {
                progress("batch enqueue of \(grouped(size)): run \(run) of \(runs)")
                // Taken in turns, first one then the other, so that neither always follows the other's cleanup.
                for turn in run % 2 == 1 ? [0, 1] : [1, 0] {
                    let folder = try scratch.folder("batch")
                    if turn == 0 {
                        try queuectl.create(spool: folder)
                        settle()
                        let errors = scratch.file("enqueue-errors.log")
                        queuectlTimes.append(try timed { try TestProcess.run(queuectl.command(folder, "enqueue", "--file", input), errors: errors) })
                    } else {
                        settle()
                        floorTimes.append(try timed { try floor.write(in: folder) })
                    }
                    scratch.remove(folder)
                }
            }
            try? FileSystem.unlink(input)
            let floorSummary = Summary(floorTimes)
            let queuectlSummary = Summary(queuectlTimes)
            results.add(Figure.median(section, "write + rename \(grouped(size)) files, one syncfs (the durable floor)", .seconds, floorSummary)
                .with(note: format(floorSummary.median / Double(size), .seconds) + " per file"))
            results.add(Figure.median(section, "queuectl enqueue --file (durable)", .seconds, queuectlSummary)
                .with(Target.atMost(1.3, times: floorSummary.median, of: "the floor", value: queuectlSummary.median, unit: .seconds))
                .with(note: format(queuectlSummary.median / Double(size), .seconds) + " per job"))
        }
        try batchMemory(results)
    }

    /// The peak resident memory of `enqueue --file` with a small and a huge batch, one run each.
    private func batchMemory(_ results: Results) throws {
        let (small, large) = (options.batchSizes[0], options.largeBatch)
        let section = "3. Batch enqueue: peak memory of one `enqueue --file` (VmHWM, sampled every 20 ms)"
        var peaks: [Int: Double] = [:]
        for size in [small, large] {
            progress("batch enqueue of \(grouped(size)) lines: its peak memory")
            let input = scratch.file("batch.jsonl")
            try Scratch.write(String(repeating: "{\"command\":\"true\"}\n", count: size), to: input)
            let folder = try scratch.folder("batch")
            try queuectl.create(spool: folder)
            settle()
            var peakKiB = 0
            let time = try timed {
                let process = try TestProcess.launch(queuectl.command(folder, "enqueue", "--file", input),
                                                     errors: scratch.file("enqueue-errors.log"))
                // VmHWM only grows; read until the process is gone, the last read is within 20 ms of its end.
                while process.isRunning {
                    peakKiB = max(peakKiB, process.peakKiB ?? 0)
                    SystemClock.sleep(milliseconds: 20)
                }
                guard process.exitStatus == 0 else { throw BenchError("enqueue --file of \(size) lines exited with \(process.exitStatus ?? -1)") }
            }
            scratch.remove(folder)
            try? FileSystem.unlink(input)
            peaks[size] = Double(peakKiB) / 1024
            var figure = Figure(section, "\(grouped(size)) lines in one batch", .mebibytes, value: Double(peakKiB) / 1024, samples: 1)
                .with(note: "took " + format(time, .seconds))
            if size == large, let reference = peaks[small] {
                figure = figure.with(Target.atMost(1.25, times: reference, of: "the \(grouped(small))-line batch", value: figure.value, unit: .mebibytes))
            }
            results.add(figure)
        }
    }

    /// Flushes what earlier steps left dirty, so that a timed run does not pay for it.
    func settle() {
        FileSystem.syncAll()
        SystemClock.sleep(milliseconds: 100)
    }
}

/// The durable floor of one file per job: create in tmp/, write a job record's bytes, close, rename
/// into pending/ under a job file name, then one syncfs — raw system calls, nothing else.
private struct FileFloor {
    let record: [UInt8]
    let names: [String]

    init(count: Int) {
        let now = Timestamp.now()
        let id = JobID.generate(now: now)
        var job = JobRecord(id: id, command: "true", maxRetries: 3, now: now)
        job.cwd = "/tmp"
        record = job.fileBytes
        names = (0..<count).map { index in
            let age = now.adding(seconds: Double(index) / 1e6)
            return FileName.pending(id: JobID.generate(now: age), priority: 0, due: age, age: age).text
        }
    }

    func write(in folder: String) throws {
        try FileSystem.makeDirectory(folder + "/tmp")
        try FileSystem.makeDirectory(folder + "/pending")
        let tmp = try FileDescriptor.openDirectory(folder + "/tmp")
        defer { tmp.close() }
        let pending = try FileDescriptor.openDirectory(folder + "/pending")
        defer { pending.close() }
        do throws(SystemError) {
            for name in names {
                try FileDescriptor.open(name, [.writeOnly, .create, .exclusive], in: tmp).closeAfter { file throws(SystemError) in
                    try file.writeAll(record)
                }
                try FileSystem.rename(name, in: tmp, to: name, in: pending)
            }
            try pending.syncFileSystem()
        } catch {
            throw BenchError("floor: \(error)")
        }
    }
}
