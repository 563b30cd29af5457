// Drop: adopts job files that other programs renamed into pending/ under their own names
// (the maildir protocol). The file is checked, given a canonical name and id, and published;
// then the original is removed. Ids come from the content, else the file name, so two workers
// adopting the same drop compute the same id and the O(1) reservation lets only one publish.
// Bad files go to quarantine; a recently modified bad file gets a grace period first.

import QueueSystem

/// What became of a dropped file.
public enum DropOutcome: Sendable {
    case adopted(FileName)
    case notReady          // bad but recently modified: maybe still being written
    case quarantined(String)
    case gone              // someone else took it
}

extension Spool {
    /// Seconds a bad file may stay in pending/ after its last change before it is put aside.
    public static let dropGraceSeconds = 5.0
    /// Seconds another adopter's reservation of a drop's id is left to it (see `adoptDroppedFile`).
    static let adoptionGraceSeconds = 5.0

    public func adoptDroppedFile(_ text: String, now: Timestamp = .now()) -> DropOutcome {
        let path = folder(.pending) + "/" + text
        guard let info = try? FileSystem.linkStatus(path) else { return .gone }
        func putAside(_ reason: String) -> DropOutcome {
            do {
                try quarantineFile(named: text, reason: reason, now: now)
                return .quarantined(reason)
            } catch {
                return error.isNotFound ? .gone : .notReady
            }
        }
        guard info.isRegularFile else { return putAside("not a regular file (a \(info.kindName))") }
        guard text.hasSuffix(".json") else { return putAside("the name does not end in .json") }
        let recent = now.secondsSince(info.modified) < Spool.dropGraceSeconds
        let bytes: [UInt8]
        do {
            bytes = try Spool.readRegularFile(path, limit: config.maxJobBytes)
        } catch {
            if error.isNotFound { return .gone }
            if error.errno == .fileTooLarge { return putAside("larger than max_job_bytes (\(config.maxJobBytes) bytes)") }
            return recent ? .notReady : putAside("unreadable: \(error.errno)")
        }
        var record: JobRecord
        do {
            record = try JobRecord.parse(bytes, defaults: jobDefaults(cwd: nil, now: info.modified),
                                         generateID: { JobID(rawValue: "pending-id")! })
            if record.state != .pending {
                throw QueueError.invalidJob([FieldProblem("state", "a dropped job must be pending, got \(record.state.rawValue)")])
            }
        } catch {
            return recent ? .notReady : putAside("\(error)".replacing("\n", with: "; "))
        }
        let explicitID = (try? parseJSON(bytes))?.objectValue?["id"]?.stringValue.flatMap(JobID.init(rawValue:))
        var candidates: [JobID] = []
        if let explicitID {
            candidates = [explicitID]
        } else {
            let stem = String(text.dropLast(5))
            if let id = JobID(rawValue: stem) { candidates.append(id) }
            let suffix = String(info.modified.microseconds, radix: 36)
            if let id = JobID(rawValue: String(stem.prefix(100)) + "-" + suffix) ?? JobID(rawValue: "drop-" + suffix) {
                candidates.append(id)
            }
        }
        record.updatedAt = now
        markGroup(record.group)
        for id in candidates {
            record.id = id
            let name = FileName.make(for: record)
            do {
                try reserve(id, for: name)
            } catch QueueError.duplicateID {
                let hint = try? FileSystem.readLink(ids + "/" + id.rawValue)
                guard hint.flatMap({ Spool.name(fromHint: $0, id: id) })?.text == name.text else { continue }
                // Our own reservation: another adopter, or an adoption cut short by a crash.
                // (`locate` may find the drop itself, `pending/ID.json`: that is no copy of it.)
                let elsewhere = locate(id).map { self.path($0.name) != path } ?? false
                if self.path(name) != path, FileSystem.exists(self.path(name)) || elsewhere {
                    try? FileSystem.unlink(path)
                    return .adopted(name)
                }
                // Nothing under the name yet: another adopter (a worker and `cancel` adopt the
                // same drop) may be between its reservation and its publish. Publishing too could
                // bring the job back after that one had it cancelled (seen in the power-cut
                // campaign: one job in completed/ and dead/). Only a reservation older than the
                // grace is an adoption cut short by a crash, to be completed here.
                if let reserved = try? FileSystem.linkStatus(ids + "/" + id.rawValue),
                   now.secondsSince(reserved.modified) < Spool.adoptionGraceSeconds {
                    return .notReady
                }
            } catch {
                return .notReady
            }
            do {
                try publish(record.fileBytes, at: self.path(name))
            } catch QueueError.system(let error) where error.isExisting {
                // A racing adopter published the same job first.
            } catch {
                return .notReady
            }
            CrashPoint.check("adopt-before-unlink")
            if self.path(name) != path { try? FileSystem.unlink(path) }  // never the job itself
            return .adopted(name)
        }
        return putAside("id '\(candidates.first?.rawValue ?? "")' is already used by another job")
    }
}

