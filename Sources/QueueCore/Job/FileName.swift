// FileName: the names of job files, chosen so that `ls` shows the queue in run order.
//   pending/    PPPP-DUE-AGE-ID.json    PPPP = priority + 1000 (0000 runs first; 1000 is priority 0)
//   failed/     RETRY-PPPP-AGE-ID.json  the UTC retry time first, so `ls` is the retry schedule
//   processing/ ID@WORKER~A.json        the claim names its worker and the attempt its run is
//                                       (ID@WORKER.json: a claim with no run in it, or one taken
//                                       by an earlier version of queuectl)
//   completed/, dead/   ID.json
// DUE and RETRY are `20261122T153012.250Z`; AGE is the creation time in microseconds, 11 base-36
// digits. Every field is fixed width, so byte order is run order: priority, due time, age.

/// A job file's name in one state folder, parsed back into its parts.
public struct FileName: Sendable, Hashable, Comparable {
    public let state: JobState
    public let id: JobID
    /// Pending: the priority. Other states: 0.
    public let priority: Int
    /// Pending: the due time. Failed: the retry time. Other states: nil.
    public let due: Timestamp?
    /// Pending and failed: the job's creation time, which breaks ties (oldest first).
    public let age: Timestamp?
    /// Processing: the claiming worker.
    public let worker: String?
    /// Processing: the attempt the claim's run is (`~A`). The claim's rename is the record that
    /// the run began: the file keeps the record as it was claimed (its `attempts` is A - 1) until
    /// the run's result replaces it, so `attempts` tells the two apart (see `Spool.readJob`).
    /// Nil for a claim whose job does not run (a cancel, an edit, a settled dependency, a forced
    /// stop) and for claims of earlier versions, which wrote a start record instead.
    public let attempt: Int?

    public let text: String

    public static func pending(id: JobID, priority: Int, due: Timestamp, age: Timestamp) -> FileName {
        FileName(state: .pending, id: id, priority: priority, due: due, age: age, worker: nil, attempt: nil,
                 text: "\(priorityCode(priority))-\(due.compact)-\(ageCode(age))-\(id).json")
    }

    public static func failed(id: JobID, priority: Int, retryAt: Timestamp, age: Timestamp) -> FileName {
        FileName(state: .failed, id: id, priority: priority, due: retryAt, age: age, worker: nil, attempt: nil,
                 text: "\(retryAt.compact)-\(priorityCode(priority))-\(ageCode(age))-\(id).json")
    }

    /// The bytes of the due time in a pending/ name (`PPPP-DUE-…`), compared as they are: the
    /// fields are fixed width, so `status` reads a million names without parsing one. Nil for a
    /// name that is not ours (a dropped file).
    public static func dueBytes(ofPending name: UnsafeBufferPointer<UInt8>) -> Slice<UnsafeBufferPointer<UInt8>>? {
        let range = 5..<25
        guard name.count > range.upperBound, name[4] == UInt8(ascii: "-") else { return nil }
        return name[range]
    }

    /// The bytes of the retry time in a failed/ name (`RETRY-PPPP-…`).
    public static func retryBytes(ofFailed name: UnsafeBufferPointer<UInt8>) -> Slice<UnsafeBufferPointer<UInt8>>? {
        guard name.count > 20 else { return nil }
        return name[0..<20]
    }

    static let ageWidth = 11
    /// The largest age 11 base-36 digits hold: 36^11 - 1 µs, in the year 6140.
    static let maximumAge: Int64 = 131_621_703_842_267_135

    /// Microseconds since the epoch in base 36, zero-padded: sorts by time until the year 6000.
    /// Ages outside 1970...6140 are clamped (they only break ties), so the width never changes.
    static func ageCode(_ age: Timestamp) -> String {
        let code = String(min(max(0, age.microseconds), maximumAge), radix: 36)
        return String(repeating: "0", count: max(0, ageWidth - code.utf8.count)) + code
    }

    static func parseAge(_ digits: ArraySlice<UInt8>) -> Timestamp? {
        guard digits.count == ageWidth,
              digits.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) }),
              let micros = Int64(String(decoding: digits, as: UTF8.self), radix: 36) else { return nil }
        return Timestamp(microseconds: micros)
    }

    /// Priority + 1000 in four digits, so that byte order is run order.
    static func priorityCode(_ priority: Int) -> String {
        let code = String(priority + 1000)
        return String(repeating: "0", count: 4 - code.utf8.count) + code
    }

    /// `~` separates the attempt: it occurs in no job id (JobID) and no worker id (WorkerRecord.makeID).
    static let attemptSeparator = UInt8(ascii: "~")

    public static func processing(id: JobID, worker: String, attempt: Int? = nil) -> FileName {
        let suffix = attempt.map { "~\($0)" } ?? ""
        return FileName(state: .processing, id: id, priority: 0, due: nil, age: nil, worker: worker, attempt: attempt,
                        text: "\(id)@\(worker)\(suffix).json")
    }

    /// The same claim without the attempt: its job will not run (see `attempt`).
    public var unnumbered: FileName {
        precondition(state == .processing)
        return FileName.processing(id: id, worker: worker ?? "unknown")
    }

    public static func final(_ state: JobState, id: JobID) -> FileName {
        precondition(state.isFinal)
        return FileName(state: state, id: id, priority: 0, due: nil, age: nil, worker: nil, attempt: nil, text: "\(id).json")
    }

    /// A file dropped into pending/ by another program as `ID.json`, not yet adopted.
    public static func dropped(id: JobID) -> FileName {
        FileName(state: .pending, id: id, priority: 0, due: nil, age: nil, worker: nil, attempt: nil, text: "\(id).json")
    }

    /// True for a dropped file's name (see `dropped(id:)`): it is not claimable until adopted.
    public var isDrop: Bool { state == .pending && due == nil }

    /// The name a record gets in its state's folder.
    public static func make(for record: JobRecord, worker: String? = nil) -> FileName {
        switch record.state {
        case .pending: pending(id: record.id, priority: record.priority, due: record.runAt, age: record.createdAt)
        case .failed: failed(id: record.id, priority: record.priority, retryAt: record.nextRunAt ?? record.runAt, age: record.createdAt)
        case .processing: processing(id: record.id, worker: worker ?? record.worker ?? "unknown")
        case .completed, .dead: final(record.state, id: record.id)
        }
    }

    /// Parses a name found in a state folder; nil for a name not in queuectl's scheme
    /// (a file dropped by another program, or something foreign).
    public init?(parsing text: String, in state: JobState) {
        let bytes = Array(text.utf8)
        guard bytes.count > 5, bytes.suffix(5).elementsEqual(".json".utf8) else { return nil }
        let stem = bytes.dropLast(5)
        let timeWidth = 20  // 20261122T153012.250Z
        let ageWidth = FileName.ageWidth
        switch state {
        case .pending:
            // PPPP-DUE-AGE-ID
            let ageStart = 5 + timeWidth + 1
            guard stem.count > ageStart + ageWidth + 1,
                  let priority = FileName.parsePriority(stem.prefix(4)),
                  stem[stem.startIndex + 4] == 0x2D, stem[stem.startIndex + 5 + timeWidth] == 0x2D,
                  stem[stem.startIndex + ageStart + ageWidth] == 0x2D,
                  let due = Timestamp(compact: String(decoding: stem.dropFirst(5).prefix(timeWidth), as: UTF8.self)),
                  let age = FileName.parseAge(stem.dropFirst(ageStart).prefix(ageWidth)),
                  let id = JobID(rawValue: String(decoding: stem.dropFirst(ageStart + ageWidth + 1), as: UTF8.self))
            else { return nil }
            self.init(state: state, id: id, priority: priority, due: due, age: age, worker: nil, attempt: nil, text: text)
        case .failed:
            // RETRY-PPPP-AGE-ID
            let ageStart = timeWidth + 6
            guard stem.count > ageStart + ageWidth + 1, stem[stem.startIndex + timeWidth] == 0x2D,
                  stem[stem.startIndex + timeWidth + 5] == 0x2D, stem[stem.startIndex + ageStart + ageWidth] == 0x2D,
                  let due = Timestamp(compact: String(decoding: stem.prefix(timeWidth), as: UTF8.self)),
                  let priority = FileName.parsePriority(stem.dropFirst(timeWidth + 1).prefix(4)),
                  let age = FileName.parseAge(stem.dropFirst(ageStart).prefix(ageWidth)),
                  let id = JobID(rawValue: String(decoding: stem.dropFirst(ageStart + ageWidth + 1), as: UTF8.self))
            else { return nil }
            self.init(state: state, id: id, priority: priority, due: due, age: age, worker: nil, attempt: nil, text: text)
        case .processing:
            guard let at = stem.lastIndex(of: 0x40 /* @ */),
                  let id = JobID(rawValue: String(decoding: stem[..<at], as: UTF8.self))
            else { return nil }
            var tail = stem[(at + 1)...]
            var attempt: Int?
            if let tilde = tail.lastIndex(of: FileName.attemptSeparator) {
                let digits = tail[(tilde + 1)...]
                // Written as `processing(id:worker:attempt:)` writes it, or not a claim name: no
                // leading zero ("~05" would name the file of "~5").
                guard (1...9).contains(digits.count), digits.first != 0x30, digits.allSatisfy({ (0x30...0x39).contains($0) }),
                      let number = Int(String(decoding: digits, as: UTF8.self)) else { return nil }
                attempt = number
                tail = tail[..<tilde]
            }
            let worker = String(decoding: tail, as: UTF8.self)
            guard !worker.isEmpty else { return nil }
            self.init(state: state, id: id, priority: 0, due: nil, age: nil, worker: worker, attempt: attempt, text: text)
        case .completed, .dead:
            guard let id = JobID(rawValue: String(decoding: stem, as: UTF8.self)) else { return nil }
            self.init(state: state, id: id, priority: 0, due: nil, age: nil, worker: nil, attempt: nil, text: text)
        }
    }

    private static func parsePriority(_ digits: ArraySlice<UInt8>) -> Int? {
        guard digits.count == 4, digits.allSatisfy({ (0x30...0x39).contains($0) }),
              let code = Int(String(decoding: digits, as: UTF8.self)),
              JobRecord.priorityRange.contains(code - 1000) else { return nil }
        return code - 1000
    }

    private init(state: JobState, id: JobID, priority: Int, due: Timestamp?, age: Timestamp?, worker: String?, attempt: Int?,
                 text: String) {
        self.state = state
        self.id = id
        self.priority = priority
        self.due = due
        self.age = age
        self.worker = worker
        self.attempt = attempt
        self.text = text
    }

    /// Run order: the byte order of the names, which is priority, then due time, then age.
    public static func < (a: FileName, b: FileName) -> Bool {
        a.text.utf8.lexicographicallyPrecedes(b.text.utf8)
    }
}
