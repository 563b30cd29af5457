// Quarantine: SPOOL/quarantine/ keeps every bad file found in pending/, byte for byte, with a
// NAME.reason file beside it. Nothing bad is executed or deleted; `quarantine requeue` puts a
// repaired file back through the drop protocol.

import QueueSystem

/// A quarantined file and why it was put aside.
public struct QuarantinedFile: Sendable {
    public let name: String
    public let reason: String
    public let quarantinedAt: Timestamp?
}

extension Spool {
    /// Moves a file of the spool aside with `reason`: the one quarantine, used by drop adoption,
    /// the worker (a claim it cannot run) and `doctor --fix`. `folder` is the spool folder it is
    /// in ("pending", "processing", "tmp"). The rename never replaces: the quarantine name starts
    /// with the time, and a clash gets a counter. The reason is written beside it and the
    /// quarantine folder fsync'ed, so the file and why it is there survive a crash together.
    @discardableResult
    public func quarantineFile(named text: String, in folder: String = "pending", reason: String,
                               now: Timestamp = .now()) throws(SystemError) -> String {
        var attempt = 0
        while true {
            let target = now.compact + (attempt == 0 ? "" : "-\(attempt)") + "-" + text
            do {
                try FileSystem.renameNoReplace(root + "/" + folder + "/" + text, to: quarantine + "/" + target)
            } catch where error.isExisting {
                attempt += 1
                continue
            }
            let line = "\(now.iso8601) \(folder)/\(text): \(reason)\n"
            try? writeFile(Array(line.utf8), at: quarantine + "/" + target + ".reason", sync: config.isDurable)
            if config.isDurable { try? FileSystem.syncDirectory(quarantine) }
            return target
        }
    }

    /// The quarantined files, oldest first.
    public func quarantinedFiles() -> [QuarantinedFile] {
        let names = ((try? FileSystem.names(in: quarantine)) ?? []).filter { !$0.hasSuffix(".reason") }.sorted()
        return names.map { name in
            let reasonBytes = (try? Spool.readRegularFile(quarantine + "/" + name + ".reason", limit: 64 * 1024)) ?? []
            var reason = String(decoding: reasonBytes, as: UTF8.self).trimmingWhitespace()
            if let colon = reason.firstRange(of: ": ") { reason = String(reason[colon.upperBound...]) }
            return QuarantinedFile(name: name, reason: reason, quarantinedAt: Timestamp(compact: String(name.prefix(20))))
        }
    }

    public func quarantineCount() -> Int {
        var count = 0
        try? FileSystem.forEachName(in: quarantine) { if !$0.hasSuffix(".reason") { count += 1 } }
        return count
    }

    /// Checks a quarantined file and, when it is now a valid job, drops it back into pending/
    /// (as `requeued-NAME.json`) for a worker to adopt. Returns the name it got.
    public func requeueQuarantined(_ name: String) throws(QueueError) -> String {
        guard !name.contains("/"), !name.hasPrefix("."), FileSystem.exists(quarantine + "/" + name) else {
            throw .unknownJob(name)
        }
        let bytes: [UInt8]
        do { bytes = try Spool.readRegularFile(quarantine + "/" + name, limit: config.maxJobBytes) } catch {
            throw .invalidJob([FieldProblem("file", "cannot be requeued: \(error)")])
        }
        _ = try JobRecord.parse(bytes, defaults: jobDefaults(cwd: nil), generateID: { JobID.generate(now: .now()) })
        let stem = name.hasSuffix(".json") ? String(name.dropLast(5)) : name
        let target = "requeued-" + stem + ".json"
        do {
            try FileSystem.renameNoReplace(quarantine + "/" + name, to: folder(.pending) + "/" + target)
        } catch { throw .system(error) }
        try? FileSystem.unlink(quarantine + "/" + name + ".reason")
        return target
    }
}
