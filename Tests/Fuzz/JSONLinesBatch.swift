// Fuzz target JSONLinesBatch: `Spool.decodeBatch` on any bytes returns jobs or throws
// `invalidBatch`, never traps; the jobs it returns are pending, have distinct ids, and re-encode.
import QueueCore
import QueueSystem

private let defaults = JobRecord.Defaults(
    maxRetries: 3, cwd: "/work", now: Timestamp(microseconds: 1_795_361_412_250_000))

/// The batch decoder is a method of Spool, so the target opens an empty spool once, in $TMPDIR
/// (run.sh points that at its own temporary folder and removes it afterwards).
private let spool: Spool = {
    let base = CurrentProcess.environmentValue("TMPDIR").flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    guard let path = try? FileSystem.makeTemporaryDirectory(prefix: base + "/queuectl-fuzz-") else {
        fatalError("mkdtemp in \(base) failed")
    }
    do { return try Spool.open(path + "/spool") } catch { fatalError("cannot open a spool in \(path): \(error)") }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONLinesBatch(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let jobs: [NewJob]
    do {
        jobs = try spool.decodeBatch(bytes, defaults: defaults)
    } catch {
        guard case .invalidBatch(let problems) = error, !problems.isEmpty else {
            fatalError("decodeBatch threw something other than a non-empty invalidBatch: \(error)")
        }
        let lines = bytes.count(where: { $0 == UInt8(ascii: "\n") }) + 1
        for problem in problems where !(1...lines).contains(problem.line) {
            fatalError("a problem names line \(problem.line) of a \(lines)-line batch: \(problem.problem)")
        }
        _ = error.description
        return 0
    }
    guard !jobs.isEmpty else { fatalError("decodeBatch returned no jobs and no error") }
    let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).count
    guard jobs.count <= lines else { fatalError("\(jobs.count) jobs from \(lines) lines") }
    guard Set(jobs.map(\.record.id)).count == jobs.count else { fatalError("two jobs of a batch share an id") }
    var previous: Timestamp?
    for job in jobs {
        let record = job.record
        // Each job of a batch is stamped a little later than the one before it, so the batch keeps its order.
        guard record.state == .pending, record.updatedAt >= defaults.now, previous.map({ $0 < record.updatedAt }) ?? true else {
            fatalError("a new job is \(record.state), updated at \(record.updatedAt) after \(String(describing: previous))")
        }
        previous = record.updatedAt
        let name = FileName.make(for: record)
        guard FileName(parsing: name.text, in: .pending)?.id == record.id else {
            fatalError("a new job is filed as '\(name.text)', which does not parse in pending/")
        }
        let file = record.fileBytes
        let again: JobRecord
        do { again = try JobRecord.parse(file, defaults: defaults) } catch {
            fatalError("a batch job does not re-parse (\(error)):\n\(String(decoding: file, as: UTF8.self))")
        }
        guard again.json == record.json else {
            fatalError("a batch job re-parses differently:\n\(encodeJSON(record.json))\n\(encodeJSON(again.json))")
        }
    }
    return 0
}
