// Groups: SPOOL/groups/NAME.json holds a group's settings (its limit of running jobs, whether it
// is paused); SPOOL/groups/NAME/slot-K (K below the limit) are its running slots: symbolic links
// created exclusively with symlink(2), as ids are reserved, whose text names the claim holding
// the slot ("ID@WORKER"). A worker takes a slot before it claims a job of a limited group and
// removes it when the run has ended; the reaper removes the slots of dead workers, as it returns
// their claims. So at most `limit` jobs of a group run at once across every worker and host,
// with no lock and no central process, and `ls -l SPOOL/groups/NAME/` shows who runs.
// The folder SPOOL/groups/NAME/ also marks that jobs of NAME may be queued (made by enqueue, by
// the adoption of a dropped file and by edit): `status` reads pending job files for their
// groups only on spools where such a mark other than `default` exists.

import QueueSystem

/// A group's settings, as `cat SPOOL/groups/NAME.json` shows them.
public struct GroupSettings: Sendable, Equatable {
    public let name: String
    /// At most this many of the group's jobs run at once; nil: no limit.
    public var limit: Int?
    public var isPaused: Bool
    public var updatedAt: Timestamp

    public init(name: String, limit: Int? = nil, isPaused: Bool = false, updatedAt: Timestamp = .now()) {
        self.name = name
        self.limit = limit
        self.isPaused = isPaused
        self.updatedAt = updatedAt
    }

    public static let limitRange = 1...100_000

    public var json: JSONValue {
        var object = JSONObject()
        object["name"] = .string(name)
        object["limit"] = limit.map { .number(JSONNumber($0)) } ?? .null
        object["paused"] = .bool(isPaused)
        object["updated_at"] = .string(updatedAt.iso8601)
        return .object(object)
    }

    static func decode(_ value: JSONValue, name: String) -> GroupSettings? {
        guard let object = value.objectValue else { return nil }
        var settings = GroupSettings(name: name)
        if let limit = object["limit"], limit != .null {
            guard let number = limit.intValue, limitRange.contains(number) else { return nil }
            settings.limit = number
        }
        settings.isPaused = object["paused"]?.boolValue ?? false
        settings.updatedAt = object["updated_at"]?.stringValue.flatMap { Timestamp(iso8601: $0) } ?? Timestamp(microseconds: 0)
        return settings
    }
}

/// A group as `group list`, `status` and the dashboard show it.
public struct GroupStatus: Sendable {
    public let name: String
    public let limit: Int?
    public let isPaused: Bool
    /// Jobs of the group in processing/ now.
    public let running: Int
    /// Jobs of the group in pending/ now (ready or scheduled; retries waiting in failed/ are not counted).
    public let pending: Int

    public var json: JSONValue {
        var object = JSONObject()
        object["name"] = .string(name)
        object["limit"] = limit.map { .number(JSONNumber($0)) } ?? .null
        object["paused"] = .bool(isPaused)
        object["running"] = .number(JSONNumber(running))
        object["pending"] = .number(JSONNumber(pending))
        return .object(object)
    }
}

extension Spool {
    public var groupsFolder: String { root + "/groups" }
    func groupPath(_ name: String) -> String { groupsFolder + "/" + name + ".json" }
    func slotsFolder(_ name: String) -> String { groupsFolder + "/" + name }

    /// Checks a group name (the rule of ids); throws a validation error naming it.
    public static func checkGroupName(_ name: String) throws(QueueError) {
        guard JobID.isValid(name), !name.hasSuffix(".json") else {
            throw .invalidJob([FieldProblem("group", "'\(name.prefix(40))' is not a valid group name: \(JobID.rule)")])
        }
    }

    /// Every group with a settings file; unreadable files are skipped (doctor's to report).
    public func groupSettings() -> [String: GroupSettings] {
        var found: [String: GroupSettings] = [:]
        try? FileSystem.forEachName(in: groupsFolder) { text in
            guard text.hasSuffix(".json") else { return }
            let name = String(text.dropLast(5))
            if JobID.isValid(name), let settings = groupSettings(name) { found[name] = settings }
        }
        return found
    }

    public func groupSettings(_ name: String) -> GroupSettings? {
        guard let bytes = try? Spool.readRegularFile(groupPath(name), limit: 1 << 16),
              let value = try? parseJSON(bytes) else { return nil }
        return GroupSettings.decode(value, name: name)
    }

    /// Writes a group's settings atomically (workers read them within about a second).
    public func saveGroup(_ settings: GroupSettings) throws(QueueError) {
        try Spool.checkGroupName(settings.name)
        do {
            try FileSystem.makeDirectory(groupsFolder)
            try FileSystem.makeDirectory(slotsFolder(settings.name))
        } catch { throw .system(error) }
        try publish(Array((encodeJSON(settings.json, pretty: true) + "\n").utf8), at: groupPath(settings.name), replacing: true)
    }

    /// Removes a group's settings: its jobs stay and run without a limit. Returns false when
    /// there were none. Slots still held are released by their workers as their runs end. The
    /// slots folder stays: it marks that jobs of the group may still be queued (see `markGroup`).
    public func removeGroup(_ name: String) throws(QueueError) -> Bool {
        do {
            try FileSystem.unlink(groupPath(name))
        } catch where error.isNotFound {
            return false
        } catch {
            throw .system(error)
        }
        return true
    }

    /// Marks that jobs of `group` may be queued, by making its folder SPOOL/groups/NAME/ (one
    /// mkdir, nothing when it exists): `status` counts pending jobs per group by reading their
    /// files only on a spool with such a mark, so a spool that never used groups pays nothing.
    /// Best effort and not synced: a lost mark costs a wrong per-group count, never a job.
    func markGroup(_ group: String) {
        guard group != JobRecord.defaultGroup else { return }
        try? FileSystem.makeDirectory(groupsFolder)
        try? FileSystem.makeDirectory(slotsFolder(group))
    }

    // MARK: Slots

    /// Takes a running slot of `group` for `claim` (before the claim's rename); nil when the
    /// group is full. Slots above a lowered limit still count until their runs end.
    public func takeSlot(in group: String, limit: Int, for claim: FileName) -> String? {
        let folder = slotsFolder(group)
        var held = 0
        do {
            try FileSystem.forEachName(in: folder) { if $0.hasPrefix("slot-") { held += 1 } }
        } catch {
            try? FileSystem.makeDirectory(groupsFolder)
            try? FileSystem.makeDirectory(folder)
        }
        guard held < limit else { return nil }
        let holder = String(claim.text.dropLast(5))
        for index in 0..<limit {
            let path = folder + "/slot-\(index)"
            do {
                try FileSystem.symlink(holder, at: path)
                return path
            } catch {
                continue  // taken (EEXIST): try the next
            }
        }
        return nil
    }

    public func releaseSlot(_ path: String) {
        try? FileSystem.unlink(path)
    }

    /// The slots of `group` held now: (slot path, "ID@WORKER").
    public func slots(of group: String) -> [(path: String, holder: String)] {
        var found: [(path: String, holder: String)] = []
        let folder = slotsFolder(group)
        try? FileSystem.forEachName(in: folder) { text in
            guard text.hasPrefix("slot-"), let holder = try? FileSystem.readLink(folder + "/" + text) else { return }
            found.append((folder + "/" + text, holder))
        }
        return found
    }

    /// Removes the slots whose worker is gone (by the same rules as claims), and slots a live
    /// worker lost track of (its claim gone for over 10 s). Returns the holders released.
    func reapSlots(alive: Set<String>, known: Set<String>, me: String, now: Timestamp) -> [String] {
        var released: [String] = []
        var groups: [String] = []
        try? FileSystem.forEachName(in: groupsFolder) { text in
            if !text.hasSuffix(".json") && JobID.isValid(text) { groups.append(text) }
        }
        for group in groups {
            for (path, holder) in slots(of: group) {
                // The holder is the claim's name, `ID@WORKER~A` (or `ID@WORKER`).
                guard let worker = FileName(parsing: holder + ".json", in: .processing)?.worker else { continue }
                guard worker != me, let info = try? FileSystem.linkStatus(path) else { continue }
                let age = now.secondsSince(max(info.modified, info.changed))
                let gone: Bool
                if alive.contains(worker) {
                    gone = age > 10 && !FileSystem.exists(folder(.processing) + "/" + holder + ".json")
                } else {
                    gone = known.contains(worker) || WorkerRecord.isGoneFromThisHost(worker) || age >= config.leaseSeconds
                }
                if gone {
                    releaseSlot(path)
                    released.append(group + ": " + holder)
                }
            }
        }
        return released
    }

    /// Every group with settings, or with jobs running or pending now, by name. `pendingTotal`
    /// is the count of pending/ when the caller has it (status has just listed the folder).
    ///
    /// The group is in the job file, not in its name, so the running counts read the claims in
    /// processing/ (one a worker), and the pending counts read every pending file once — but
    /// only when a group other than `default` is marked in SPOOL/groups/ (settings, slots, or
    /// the mark enqueue leaves) or is running. Otherwise every pending job is in `default` and
    /// the count is the folder's, so a spool that does not use groups lists names only.
    public func groupStatuses(pendingTotal: Int? = nil, cache: PendingGroupCache? = nil) -> [GroupStatus] {
        let settings = groupSettings()
        var running: [String: Int] = [:]
        try? FileSystem.forEachName(in: folder(.processing)) { text in
            if let name = FileName(parsing: text, in: .processing), let record = try? readJob(name) {
                running[record.group, default: 0] += 1
            }
        }
        var usesGroups = running.keys.contains { $0 != JobRecord.defaultGroup }
        if !usesGroups {
            try? FileSystem.forEachName(in: groupsFolder) { text in
                let name = text.hasSuffix(".json") ? String(text.dropLast(5)) : text
                if name != JobRecord.defaultGroup { usesGroups = true }
            }
        }
        var pending: [String: Int] = [:]
        if usesGroups {
            // A drop not adopted yet counts in the group it names; a bad file in none.
            let groupOf = { (text: String) -> String? in
                (FileName(parsing: text, in: .pending).flatMap { try? readJob($0) } ?? droppedRecord(text))?.group
            }
            if let cache {
                pending = cache.countByGroup(in: folder(.pending), groupOf: groupOf)
            } else {
                try? FileSystem.forEachName(in: folder(.pending)) { text in
                    if let group = groupOf(text) { pending[group, default: 0] += 1 }
                }
            }
        } else {
            let total = pendingTotal ?? (try? FileSystem.countNames(in: folder(.pending))) ?? 0
            if total > 0 { pending[JobRecord.defaultGroup] = total }
        }
        return Set(settings.keys).union(running.keys).union(pending.keys).sorted().map { name in
            GroupStatus(name: name, limit: settings[name]?.limit, isPaused: settings[name]?.isPaused ?? false,
                        running: running[name] ?? 0, pending: pending[name] ?? 0)
        }
    }
}
