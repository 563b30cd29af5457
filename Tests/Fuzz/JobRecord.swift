// Fuzz target JobRecord: `JobRecord.parse` on any bytes throws or returns, never traps; a record that
// parses re-encodes (`fileBytes`) to JSON that parses to an equal record, and its file name parses back.
import QueueCore

/// Fixed defaults, so that a run is reproducible: no clock, no random ids.
private let defaults = JobRecord.Defaults(
    maxRetries: 3, cwd: nil, now: Timestamp(microseconds: 1_795_361_412_250_000))
private let generatedID = JobID(rawValue: "fuzz-generated")!

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJobRecord(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))

    // A file read from the spool: the id is required.
    _ = try? JobRecord.parse(bytes, defaults: defaults)

    // A job given by a user: a missing id is generated.
    let record: JobRecord
    do {
        record = try JobRecord.parse(bytes, defaults: defaults, generateID: { generatedID })
    } catch {
        _ = error.description  // every message renders
        return 0
    }
    let json = record.json
    let file = record.fileBytes
    guard file.last == UInt8(ascii: "\n") else { fatalError("fileBytes does not end with a newline") }

    let reread: JSONValue
    do { reread = try parseJSON(file) } catch {
        fatalError("fileBytes is not valid JSON (\(error)):\n\(String(decoding: file, as: UTF8.self))")
    }
    guard reread == json else {
        fatalError("fileBytes parses to a different value:\n\(encodeJSON(json))\n\(encodeJSON(reread))")
    }
    let again: JobRecord
    do { again = try JobRecord.parse(file, defaults: defaults) } catch {
        fatalError("a re-encoded record does not parse (\(error)):\n\(String(decoding: file, as: UTF8.self))")
    }
    guard again.json == json else {
        fatalError("a re-encoded record parses to a different record:\n\(encodeJSON(json))\n\(encodeJSON(again.json))")
    }
    guard again.fileBytes == file else {
        fatalError("re-encoding is not stable:\n\(String(decoding: file, as: UTF8.self))\n\(String(decoding: again.fileBytes, as: UTF8.self))")
    }
    checkFileName(of: record)
    return 0
}

/// The name a record is filed under parses back in its folder, or a worker could never find it.
/// (Processing names carry a worker's name, not the record's; they are fuzzed in FileName.)
private func checkFileName(of record: JobRecord) {
    guard record.state != .processing else { return }
    let name = FileName.make(for: record)
    guard let parsed = FileName(parsing: name.text, in: record.state) else {
        fatalError("a \(record.state) job is filed as '\(name.text)', which does not parse in \(record.state)/")
    }
    guard parsed.id == record.id, parsed.priority == name.priority, parsed.due?.compact == name.due?.compact else {
        fatalError("'\(name.text)' parses back to id \(parsed.id), priority \(parsed.priority), due \(String(describing: parsed.due))")
    }
}
