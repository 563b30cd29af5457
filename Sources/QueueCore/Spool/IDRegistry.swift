// IDRegistry: SPOOL/ids/ holds one symbolic link per job id. Creating it with symlink(2) is the
// O(1), race-free reservation that makes ids unique across the spool; its text is a hint of where
// the job was last published: the folder and the file name without its "-ID.json" tail
// ("pending/1000-20261123T022856.950Z-0hoezsxzcjm"). The hint is never followed, only read, and
// kept under 60 bytes so that ext4 stores it in the inode: a longer one costs a 4 KiB block per job.
// A reservation is confirmed by reading the link back (its text ends in "#" and a nonce of the
// caller): on a network file system symlink(2) raced from two clients can fail for both and leave
// no link (GlusterFS: 0.25-3.5% of races), so neither EEXIST nor 0 is trusted on its own.

import QueueSystem

/// Where a job is now: its state folder and file name.
public struct JobLocation: Sendable {
    public let name: FileName
    public var state: JobState { name.state }
}

extension Spool {
    /// Reserves `id` for a job to be published at `name`; throws `.duplicateID` only once a link
    /// with another caller's text has been seen. After the call (0 or EEXIST) the link is read
    /// back: our text means ours; no link means both racers were refused (or the name is not
    /// visible yet), so the symlink is tried again, a few times over about 2.5 s. A batch passes
    /// one `nonce` for all its ids, so that its own links can be told from others' (see BatchEnqueue).
    public func reserve(_ id: JobID, for name: FileName, nonce: String = Spool.nonce()) throws(QueueError) {
        let link = ids + "/" + id.rawValue
        let text = Spool.hint(for: name) + "#" + nonce
        var pause = 5
        for _ in 0..<10 {
            do {
                try FileSystem.symlink(text, at: link)
            } catch where error.isExisting {
                // Someone's link, or a report of one that is not there: the read decides.
            } catch {
                throw .system(error)
            }
            let seen: String?
            do {
                seen = try FileSystem.readLink(link)
            } catch where error.isGone {
                seen = nil  // no link (or our cached name of one replaced): try again
            } catch {
                throw .system(error)
            }
            if let seen {
                if seen == text { return }
                throw .duplicateID(id)
            }
            SystemClock.sleep(milliseconds: pause)
            pause = min(pause * 2, 640)
        }
        throw .system(SystemError("symlink", [link], .fileExists))
    }

    /// Eight base-36 digits that tell this caller's reservation from a racer's.
    public static func nonce() -> String {
        let digits = String(UInt64.random(in: 0..<2_821_109_907_456), radix: 36)  // 36^8
        return String(repeating: "0", count: 8 - digits.utf8.count) + digits
    }

    /// Releases a reservation (a failed enqueue, or a purged job).
    public func release(_ id: JobID) {
        try? FileSystem.unlink(ids + "/" + id.rawValue)
    }

    public func isReserved(_ id: JobID) -> Bool {
        FileSystem.exists(ids + "/" + id.rawValue)
    }

    /// Points the hint of `id` at `name` (after a move into pending/ or failed/). Best effort:
    /// a stale hint costs a slower lookup, never a wrong answer.
    public func updateHint(_ id: JobID, to name: FileName) {
        let temporary = ids + "/." + id.rawValue + "." + Publisher.uniqueName()
        do {
            try FileSystem.symlink(Spool.hint(for: name), at: temporary)
            try FileSystem.rename(temporary, to: ids + "/" + id.rawValue)
        } catch {
            try? FileSystem.unlink(temporary)
        }
    }

    /// The text of the hint for a job published as `name`.
    public static func hint(for name: FileName) -> String {
        let tail = "-" + name.id.rawValue + ".json"
        let text = name.text.hasSuffix(tail) ? String(name.text.dropLast(tail.utf8.count)) : name.text
        return name.state.folder + "/" + text
    }

    /// The file name a hint points at. Also reads the older form, "../pending/FULL-NAME.json".
    static func name(fromHint link: String, id: JobID) -> FileName? {
        let hint = link.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? link
        guard let slash = hint.lastIndex(of: "/") else { return nil }
        let folder = hint[..<slash].split(separator: "/").last.map(String.init) ?? ""
        var text = String(hint[hint.index(after: slash)...])
        if !text.hasSuffix(".json") { text += "-" + id.rawValue + ".json" }
        guard let state = JobState(rawValue: folder), let name = FileName(parsing: text, in: state),
              name.id == id else { return nil }
        return name
    }

    /// Finds the job with `id` without reading any job file:
    /// the hint, then the fixed names of completed/ and dead/, then the claims in processing/;
    /// only when the hint is stale (a crash between a move and its hint) are pending/ and failed/ scanned.
    public func locate(_ id: JobID) -> JobLocation? {
        let hint = try? FileSystem.readLink(ids + "/" + id.rawValue)
        if let hint, let name = Spool.name(fromHint: hint, id: id), FileSystem.exists(path(name)) {
            return JobLocation(name: name)
        }
        for state in [JobState.completed, .dead] {
            let name = FileName.final(state, id: id)
            if FileSystem.exists(path(name)) { return JobLocation(name: name) }
        }
        let claimPrefix = id.rawValue + "@"
        if let claim = firstName(in: .processing, where: { $0.hasPrefix(claimPrefix) }) { return claim }
        let drop = FileName.dropped(id: id)
        if FileSystem.exists(path(drop)) { return JobLocation(name: drop) }
        guard hint != nil else { return nil }
        let suffix = "-" + id.rawValue + ".json"
        for state in [JobState.pending, .failed, .processing] {
            if let found = firstName(in: state, where: { $0.hasSuffix(suffix) || $0.hasPrefix(claimPrefix) }),
               found.name.id == id {
                if state != .processing { updateHint(id, to: found.name) }
                return found
            }
        }
        // Moved while we looked: one more try of the fixed names.
        for state in [JobState.completed, .dead] {
            let name = FileName.final(state, id: id)
            if FileSystem.exists(path(name)) { return JobLocation(name: name) }
        }
        return nil
    }

    private func firstName(in state: JobState, where matches: (String) -> Bool) -> JobLocation? {
        var found: JobLocation?
        try? FileSystem.forEachName(in: folder(state)) { text in
            if found == nil, matches(text), let name = FileName(parsing: text, in: state) {
                found = JobLocation(name: name)
            }
        }
        return found
    }

    /// Finds and reads a job; throws `.unknownJob` when there is none.
    public func job(_ idText: String) throws(QueueError) -> (JobLocation, JobRecord) {
        guard let id = JobID(rawValue: idText) else { throw .unknownJob(idText) }
        for attempt in 0..<3 {  // the job may move between locating and reading it
            guard let location = locate(id) else { break }
            if location.name.isDrop {
                if let record = droppedRecord(location.name.text) { return (location, record) }
                continue
            }
            do {
                return (location, try readJob(location.name))
            } catch .system(let error) where error.isNotFound {
                continue
            } catch where location.state == .processing && attempt < 2 {
                continue  // read while its worker was writing the result over it in place
            }
        }
        throw .unknownJob(idText)
    }
}
