// Fuzz target FileName: `FileName(parsing:in:)` on any text, for every state, never traps; a name it
// accepts rebuilds to the same text, and names built from parts parse back to the same parts.
import QueueCore

/// The instants a job record can hold: years 0000 to 9999 (see TimestampParsing.swift).
private let earliest = Timestamp(iso8601: "0000-01-01T00:00:00Z")!.microseconds
private let latest = Timestamp(iso8601: "9999-12-31T23:59:59.999999Z")!.microseconds
/// The ages a name can tell apart: 11 base-36 digits of microseconds since 1970.
private let ageLimit: Int64 = 131_621_703_842_267_136 - 1  // 36^11 - 1

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFileName(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    checkParsing(String(decoding: bytes, as: UTF8.self))
    checkBuilding(bytes)
    return 0
}

/// Parse, then build the same name again from the parts: the text must come back unchanged.
private func checkParsing(_ text: String) {
    for state in JobState.allCases {
        guard let name = FileName(parsing: text, in: state) else { continue }
        guard name.text == text, name.state == state else {
            fatalError("parsed '\(text)' in \(state) to text '\(name.text)' state \(name.state)")
        }
        let rebuilt: FileName
        switch state {
        case .pending:
            guard let due = name.due, let age = name.age else { fatalError("pending name '\(text)' lacks a time") }
            rebuilt = .pending(id: name.id, priority: name.priority, due: due, age: age)
        case .failed:
            guard let due = name.due, let age = name.age else { fatalError("failed name '\(text)' lacks a time") }
            rebuilt = .failed(id: name.id, priority: name.priority, retryAt: due, age: age)
        case .processing:
            guard let worker = name.worker else { fatalError("processing name '\(text)' has no worker") }
            rebuilt = .processing(id: name.id, worker: worker, attempt: name.attempt)
        case .completed, .dead:
            rebuilt = .final(state, id: name.id)
        }
        guard rebuilt.text == text, rebuilt == name else {
            fatalError("'\(text)' in \(state) parsed to \(name), which rebuilds as '\(rebuilt.text)'")
        }
    }
}

/// Build names from parts taken from the input, then parse them back.
/// Layout: 2 bytes priority, 8 bytes due time, 8 bytes age, then `id` NUL `worker`.
private func checkBuilding(_ bytes: [UInt8]) {
    guard bytes.count >= 18 else { return }
    let priority = Int(UInt16(bytes[0]) << 8 | UInt16(bytes[1])) % 2001 - 1000
    let due = instant(bytes[2..<10])
    let age = instant(bytes[10..<18])
    let rest = bytes[18...]
    let separator = rest.firstIndex(of: 0) ?? rest.endIndex
    guard let id = JobID(rawValue: String(decoding: rest[..<separator], as: UTF8.self)) else { return }
    let worker = separator < rest.endIndex ? String(decoding: rest[(separator + 1)...], as: UTF8.self) : "host:1"

    // Names keep the due time to the millisecond, and the age within what 11 digits hold.
    let dueInName = Timestamp(microseconds: (due.microseconds - earliest) / 1_000 * 1_000 + earliest)
    let ageInName = Timestamp(microseconds: min(max(age.microseconds, 0), ageLimit))
    check(.pending(id: id, priority: priority, due: due, age: age),
          id: id, priority: priority, due: dueInName, age: ageInName, worker: nil)
    check(.failed(id: id, priority: priority, retryAt: due, age: age),
          id: id, priority: priority, due: dueInName, age: ageInName, worker: nil)
    check(.final(.completed, id: id), id: id, priority: 0, due: nil, age: nil, worker: nil)
    check(.final(.dead, id: id), id: id, priority: 0, due: nil, age: nil, worker: nil)
    // A worker id as workers make them: not empty, no '/', no NUL, no '@' (it ends the id) and no
    // '~' (it starts the attempt).
    if !worker.isEmpty, !worker.utf8.contains(where: { $0 == UInt8(ascii: "/") || $0 == 0 || $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: "~") }) {
        check(.processing(id: id, worker: worker), id: id, priority: 0, due: nil, age: nil, worker: worker)
        let attempt = priority + 1001  // 1 to 2001
        check(.processing(id: id, worker: worker, attempt: attempt), id: id, priority: 0, due: nil, age: nil, worker: worker,
              attempt: attempt)
    }
}

/// An instant of the years 0000 to 9999 from eight bytes.
private func instant(_ bytes: ArraySlice<UInt8>) -> Timestamp {
    let raw = bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    return Timestamp(microseconds: earliest + Int64(raw % UInt64(latest - earliest + 1)))
}

private func check(_ built: FileName, id: JobID, priority: Int, due: Timestamp?, age: Timestamp?, worker: String?,
                   attempt: Int? = nil) {
    guard let parsed = FileName(parsing: built.text, in: built.state) else {
        fatalError("built name '\(built.text)' does not parse in \(built.state)")
    }
    guard parsed.text == built.text, parsed.state == built.state, parsed.id == id, parsed.priority == priority,
          parsed.due == due, parsed.age == age, parsed.worker == worker, parsed.attempt == attempt
    else {
        fatalError("'\(built.text)' in \(built.state) parsed back to \(parsed); expected id \(id) priority \(priority) due \(String(describing: due)) age \(String(describing: age)) worker \(String(describing: worker))")
    }
}
