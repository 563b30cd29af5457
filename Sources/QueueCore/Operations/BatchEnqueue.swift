// BatchEnqueue: `enqueue --file` streamed, in memory that does not grow with the batch. Each line
// is validated, its id reserved (ids/ is the duplicate set) and its file written straight into a
// private staging folder, tmp/.batch-NONCE/, under its final pending/ name. All-or-nothing: on any
// problem the staged files are removed and their reservations released; on success one syncfs
// (or an fsync per file where syncfs does not reach the disk), a `.ready` mark, the renames into
// pending/ (dependencies before their dependents) and one fsync of pending/. A batch killed before
// its mark leaves no visible job; `doctor --fix` removes its folder and releases its ids, and
// finishes the renames of one killed after its mark.

import QueueSystem

/// A staging folder of a batch: tmp/.batch-NONCE/. The nonce is also the one its ids/ links end in.
struct BatchStaging {
    static let prefix = ".batch-"
    static let readyMark = ".ready"
    static let idList = ".ids"
    static let levelPrefix = ".level-"

    let path: String
    let nonce: String

    init(tmp: String, nonce: String) {
        self.nonce = nonce
        path = tmp + "/" + BatchStaging.prefix + nonce
    }

    init?(tmp: String, name: String) {
        guard name.hasPrefix(BatchStaging.prefix) else { return nil }
        self.init(tmp: tmp, nonce: String(name.dropFirst(BatchStaging.prefix.utf8.count)))
    }

    /// The folder of jobs `level` steps of in-batch dependencies deep (0: the staging folder itself).
    func folder(level: Int) -> String { level == 0 ? path : path + "/" + BatchStaging.levelPrefix + String(level) }

    /// The levels present, in order (0 first).
    func levels() -> [Int] {
        var found: [Int] = [0]
        try? FileSystem.forEachName(in: path, hidden: true) { name in
            if name.hasPrefix(BatchStaging.levelPrefix), let level = Int(name.dropFirst(BatchStaging.levelPrefix.utf8.count)) {
                found.append(level)
            }
        }
        return found.sorted()
    }

    /// True while the process staging it holds the folder's lock (flock: released by the kernel
    /// when that process dies, however it dies).
    func isInUse() -> Bool {
        guard let folder = try? FileDescriptor.openDirectory(path) else { return false }
        defer { folder.close() }
        return (try? folder.lockExclusive(wait: false)) == false
    }
}

/// Lines of a file or pipe, read in 64 KiB chunks; a line longer than `limit` is reported as such
/// and skipped without being kept.
struct LineReader {
    private let input: FileDescriptor
    private let limit: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private var isAtEnd = false
    private(set) var number = 0

    init(_ input: FileDescriptor, limit: Int) {
        self.input = input
        self.limit = limit
    }

    enum Line { case text(ArraySlice<UInt8>), tooLong }

    /// The next line without its newline, or nil at the end of the input.
    mutating func next() throws(SystemError) -> Line? {
        var skipping = false
        var searchFrom = start
        while true {
            if let newline = buffer[searchFrom...].firstIndex(of: 0x0A) {
                let line = buffer[start..<newline]
                start = newline + 1
                number += 1
                if skipping || line.count > limit { return .tooLong }
                return .text(line)
            }
            if isAtEnd {
                guard start < buffer.count else { return nil }
                let line = buffer[start...]
                start = buffer.count
                number += 1
                return skipping || line.count > limit ? .tooLong : .text(line)
            }
            // Keep only the unfinished line; drop what it has of a line already too long.
            buffer.removeSubrange(0..<start)
            start = 0
            if buffer.count > limit {
                skipping = true
                buffer.removeAll(keepingCapacity: true)
            }
            searchFrom = buffer.count
            let old = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: 64 * 1024))
            let result: Result<Int, SystemError> = buffer.withUnsafeMutableBytes { bytes in
                do throws(SystemError) {
                    return .success(try input.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[old...])))
                } catch {
                    return .failure(error)
                }
            }
            let count = try result.get()
            buffer.removeSubrange((old + count)...)
            if count == 0 { isAtEnd = true }
        }
    }
}

/// Appends lines to a file through a 64 KiB buffer (a batch's ids, printed once it succeeded).
private struct BufferedWriter {
    let file: FileDescriptor
    let path: String
    var buffer: [UInt8] = []

    mutating func append(_ text: String) throws(SystemError) {
        buffer.append(contentsOf: text.utf8)
        buffer.append(0x0A)
        if buffer.count >= 64 * 1024 { try flush() }
    }

    mutating func flush() throws(SystemError) {
        try file.writeAll(buffer, path: path)
        buffer.removeAll(keepingCapacity: true)
    }
}

extension Spool {
    /// One line of a batch: a job, or the line's problems (messages without its number).
    enum BatchLine {
        case success(NewJob)
        case failure([String])
    }

    /// Decodes one line of a batch.
    func decodeBatchLine(_ line: ArraySlice<UInt8>, defaults: JobRecord.Defaults) -> BatchLine {
        do {
            let value: JSONValue
            do { value = try parseJSON(Array(line)) } catch { throw QueueError.malformedJSON(error.description) }
            return .success(try decodeNewJob(value, defaults: defaults))
        } catch let error as QueueError {
            switch error {
            case .invalidJob(let fieldProblems, _): return .failure(fieldProblems.map(\.description))
            case .malformedJSON(let reason, _): return .failure(["invalid JSON: \(reason)"])
            default: return .failure([error.description])
            }
        } catch {
            return .failure(["\(error)"])
        }
    }

    /// Enqueues the JSON Lines read from `input` (see the file comment); once every job is
    /// published, writes their ids to `output`, one a line, in the order of the input (an id
    /// that `unique` found existing is printed too). Returns how many ids were printed.
    /// Memory: the current line, 64 KiB buffers, the groups named, and for each job with `after`
    /// its id, file name and dependencies (to check them and order the renames).
    @discardableResult
    public func enqueueBatch(from input: FileDescriptor, defaults: JobRecord.Defaults, idsTo output: FileDescriptor) throws(QueueError) -> Int {
        let staging = BatchStaging(tmp: tmp, nonce: Spool.nonce())
        let folder: FileDescriptor
        do {
            try FileSystem.makeDirectory(staging.path)
            folder = try FileDescriptor.openDirectory(staging.path)
            _ = try folder.lockExclusive(wait: true)
        } catch {
            try? FileSystem.removeDirectory(staging.path)
            throw .system(error)
        }
        defer { folder.close() }
        do throws(QueueError) {
            let count = try stageBatch(from: input, defaults: defaults, in: staging, folder: folder)
            CrashPoint.check("enqueue-after-reserve")
            if config.isDurable && FileSystem.honoursSyncfs(staging.path) {
                do { try folder.syncFileSystem() } catch { throw QueueError.system(error) }
            }
            do {
                try FileDescriptor.open(BatchStaging.readyMark, [.writeOnly, .create, .exclusive], in: folder).close()
            } catch { throw QueueError.system(error) }
            try publishStaged(staging, crashPoint: true)
            do {
                let list = try FileDescriptor.open(staging.path + "/" + BatchStaging.idList, .readOnly)
                defer { list.close() }
                var chunk = [UInt8](repeating: 0, count: 64 * 1024)
                while true {
                    let read = try list.read(into: &chunk)
                    if read == 0 { break }
                    try output.writeAll(chunk[0..<read], path: "stdout")
                }
            } catch {
                // The jobs are published: a lost output is reported, never undone.
                removeStaging(staging)
                throw QueueError.system(error)
            }
            removeStaging(staging)
            return count
        } catch {
            discardStaged(staging)
            throw error
        }
    }

    /// Streams the lines into the staging folder; throws (leaving the folder for the caller to
    /// discard) on any problem, after reading on to report every bad line (at most 100).
    private func stageBatch(from input: FileDescriptor, defaults: JobRecord.Defaults,
                            in staging: BatchStaging, folder: FileDescriptor) throws(QueueError) -> Int {
        let durable = config.isDurable
        let syncEach = durable && !FileSystem.honoursSyncfs(staging.path)
        let listPath = staging.path + "/" + BatchStaging.idList
        var list: BufferedWriter
        do {
            list = BufferedWriter(file: try FileDescriptor.open(BatchStaging.idList, [.writeOnly, .create, .exclusive], in: folder), path: listPath)
        } catch { throw .system(error) }
        defer { list.file.close() }

        var reader = LineReader(input, limit: max(config.maxJobBytes * 4, 1 << 20))
        var problems: [(line: Int, problem: String)] = []
        var conflict: JobID?
        var jobs = 0, printed = 0
        var groups: Set<String> = []
        var dependents: [(id: JobID, name: String, after: [JobID])] = []
        lines: while true {
            let next: LineReader.Line?
            do { next = try reader.next() } catch { throw .system(error) }
            guard let next else { break }
            let lineNumber = reader.number
            guard case .text(let line) = next else {
                problems.append((lineNumber, "the line is longer than \(max(config.maxJobBytes * 4, 1 << 20)) bytes; a job is at most max_job_bytes (\(config.maxJobBytes))"))
                if problems.count >= 100 { break lines } else { continue lines }
            }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            // Each line a microsecond younger than the last: the batch keeps its order.
            var lineDefaults = defaults
            lineDefaults.now = defaults.now.adding(seconds: Double(jobs) / 1_000_000)
            let job: NewJob
            switch decodeBatchLine(line, defaults: lineDefaults) {
            case .failure(let messages):
                problems += messages.map { (lineNumber, $0) }
                if problems.count >= 100 { break lines } else { continue lines }
            case .success(let decoded):
                job = decoded
            }
            // After a problem, the rest is only validated: nothing more is reserved or written.
            guard problems.isEmpty && conflict == nil else { continue }
            let record = job.record
            let name = FileName.make(for: record)
            do {
                try reserve(record.id, for: name, nonce: staging.nonce)
            } catch .duplicateID {
                if isOurs(record.id, nonce: staging.nonce) {
                    if !job.isUnique { problems.append((lineNumber, "duplicate id '\(record.id)' (an earlier line has it)")) }
                    continue
                }
                if job.isUnique, try !reserveUnlessFound(record.id, for: name, nonce: staging.nonce) {
                    do { try list.append(record.id.rawValue) } catch { throw .system(error) }
                    printed += 1
                    continue
                }
                if !job.isUnique {
                    conflict = record.id
                    continue
                }
            }
            do {
                try FileDescriptor.open(name.text, [.writeOnly, .create, .exclusive], in: folder).closeAfter { file throws(SystemError) in
                    try file.writeAll(record.fileBytes, path: staging.path + "/" + name.text)
                    if syncEach { try file.sync(path: staging.path + "/" + name.text) }
                }
                try list.append(record.id.rawValue)
            } catch {
                release(record.id)
                throw .system(error)
            }
            jobs += 1
            printed += 1
            if groups.insert(record.group).inserted { markGroup(record.group) }
            if !record.after.isEmpty { dependents.append((record.id, name.text, record.after)) }
        }
        do { try list.flush() } catch { throw .system(error) }
        if !problems.isEmpty { throw .invalidBatch(problems) }
        if let conflict { throw .duplicateID(conflict) }
        if printed == 0 { throw .invalidBatch([(max(reader.number, 1), "no jobs: the input is empty")]) }
        try orderDependents(dependents, in: staging)
        return printed
    }

    /// True when ids/ID is a reservation of the batch with this nonce.
    private func isOurs(_ id: JobID, nonce: String) -> Bool {
        (try? FileSystem.readLink(ids + "/" + id.rawValue))?.hasSuffix("#" + nonce) ?? false
    }

    /// Checks the batch's `after` ids as `checkDependencies` does (each names a job of the spool,
    /// a completed purged one, or one of the batch; no cycle within the batch), and moves each
    /// job with dependencies in the batch to the level folder one deeper than its deepest
    /// dependency, so that the renames publish every job after the jobs it waits for: a worker
    /// that finds a dependency missing counts it as dead.
    private func orderDependents(_ dependents: [(id: JobID, name: String, after: [JobID])], in staging: BatchStaging) throws(QueueError) {
        guard !dependents.isEmpty else { return }
        var index: [JobID: Int] = [:]
        for (position, job) in dependents.enumerated() { index[job.id] = position }
        var inBatch: [JobID: Bool] = [:]
        for job in dependents {
            for dependency in job.after where inBatch[dependency] == nil {
                if index[dependency] != nil || isOurs(dependency, nonce: staging.nonce) {
                    inBatch[dependency] = true
                } else if isReserved(dependency) || purgedState(of: dependency) == .completed {
                    inBatch[dependency] = false
                } else {
                    throw .unknownDependency(dependency)
                }
            }
        }
        // Levels by an iterative depth-first search (a chain may be a million jobs long); a job
        // met again while on the path closes a cycle.
        var level = [Int](repeating: -1, count: dependents.count)  // -1 unvisited, -2 on the path
        for root in dependents.indices where level[root] == -1 {
            var stack: [(node: Int, next: Int)] = [(root, 0)]
            level[root] = -2
            while let top = stack.last {
                let after = dependents[top.node].after
                if top.next < after.count {
                    stack[stack.count - 1].next += 1
                    guard let child = index[after[top.next]] else { continue }
                    if level[child] == -2 {
                        throw .invalidJob([FieldProblem("after", "job '\(dependents[child].id)' would wait for itself (a dependency cycle)")])
                    }
                    if level[child] == -1 {
                        level[child] = -2
                        stack.append((child, 0))
                    }
                } else {
                    var deepest = -1  // none in the batch: level 0, published with the rest
                    for dependency in after where inBatch[dependency] == true {
                        deepest = max(deepest, index[dependency].map { level[$0] } ?? 0)
                    }
                    level[top.node] = deepest + 1
                    stack.removeLast()
                }
            }
        }
        do {
            var made: Set<Int> = []
            for (position, job) in dependents.enumerated() where level[position] > 0 {
                let target = staging.folder(level: level[position])
                if made.insert(level[position]).inserted { try FileSystem.makeDirectory(target) }
                try FileSystem.rename(staging.path + "/" + job.name, to: target + "/" + job.name)
            }
        } catch {
            throw .system(error)
        }
    }

    /// Renames a batch's staged files into pending/, level by level, then fsyncs pending/ (which,
    /// on ext4 and XFS, also commits the ids/ reservations made before). Shared by a batch and by
    /// `doctor --fix` finishing one whose process died after its `.ready` mark.
    func publishStaged(_ staging: BatchStaging, crashPoint: Bool = false) throws(QueueError) {
        do throws(SystemError) {
            let pending = try FileDescriptor.openDirectory(folder(.pending))
            defer { pending.close() }
            var first = true
            for level in staging.levels() {
                let source = try FileDescriptor.openDirectory(staging.folder(level: level))
                defer { source.close() }
                // Listed again until empty: a rename during readdir may hide a name from it.
                var moved = 1
                while moved > 0 {
                    moved = 0
                    var failure: SystemError?
                    try FileSystem.forEachName(in: staging.folder(level: level)) { name in
                        guard failure == nil, name.hasSuffix(".json") else { return }
                        do throws(SystemError) {
                            try FileSystem.renameNoReplace(name, in: source, to: name, in: pending)
                            moved += 1
                            if first && crashPoint {
                                first = false
                                CrashPoint.check("enqueue-after-first-rename")
                            }
                        } catch {
                            failure = error
                        }
                    }
                    if let failure { throw failure }
                }
            }
            if config.isDurable { try FileSystem.syncDirectory(folder(.pending)) }
        } catch {
            throw .system(error)
        }
    }

    /// Removes a batch's staging folder once its jobs are published.
    func removeStaging(_ staging: BatchStaging) {
        for level in staging.levels().reversed() where level > 0 { try? FileSystem.removeDirectory(staging.folder(level: level)) }
        try? FileSystem.unlink(staging.path + "/" + BatchStaging.idList)
        try? FileSystem.unlink(staging.path + "/" + BatchStaging.readyMark)
        try? FileSystem.removeDirectory(staging.path)
    }

    /// Undoes a batch that will not be published: each staged file is removed and its id
    /// released (only a reservation of this batch), then the folder.
    func discardStaged(_ staging: BatchStaging) {
        for level in staging.levels() {
            let path = staging.folder(level: level)
            var names: [String] = []
            // Removed in slices of 10,000 names: memory stays bounded for a million staged files.
            repeat {
                names.removeAll(keepingCapacity: true)
                try? FileSystem.forEachName(in: path) { name in
                    if names.count < 10_000 && name.hasSuffix(".json") { names.append(name) }
                }
                for name in names {
                    if let file = FileName(parsing: name, in: .pending), isOurs(file.id, nonce: staging.nonce) { release(file.id) }
                    try? FileSystem.unlink(path + "/" + name)
                }
            } while !names.isEmpty
        }
        removeStaging(staging)
    }

    /// The staging folders in tmp/ of batches whose process is gone: (folder, whether it was marked ready).
    func abandonedBatches() -> [(staging: BatchStaging, isReady: Bool)] {
        var found: [(BatchStaging, Bool)] = []
        try? FileSystem.forEachName(in: tmp, hidden: true) { name in
            guard let staging = BatchStaging(tmp: tmp, name: name), !staging.isInUse() else { return }
            found.append((staging, FileSystem.exists(staging.path + "/" + BatchStaging.readyMark)))
        }
        return found
    }

    /// The nonces of batches still being staged by a live process: their reservations have no job yet.
    func liveBatchNonces() -> Set<String> {
        var found: Set<String> = []
        try? FileSystem.forEachName(in: tmp, hidden: true) { name in
            if let staging = BatchStaging(tmp: tmp, name: name), staging.isInUse() { found.insert(staging.nonce) }
        }
        return found
    }

    /// The nonce a reservation ends in.
    func reservationNonce(_ id: JobID) -> String? {
        guard let text = try? FileSystem.readLink(ids + "/" + id.rawValue), let hash = text.lastIndex(of: "#") else { return nil }
        return String(text[text.index(after: hash)...])
    }
}
