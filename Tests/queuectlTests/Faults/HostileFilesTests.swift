// Scenario 3: hostile files in pending/. Every one of them carries a command that would leave a
// marker if it ran; none may run, none may crash or block a worker, none may lose a byte (each
// is in quarantine/ exactly as it was, with a .reason beside it), dot-files stay where they are,
// and valid jobs enqueued before and after keep flowing.

import Foundation
import QueueCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The UTF-8 bytes of a string.
func utf8Bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

extension Faults {
    @Suite("Hostile files in pending/") struct HostileFiles {
        /// What a hostile entry is, so it can be created and compared once quarantined.
        enum Entry {
            case file([UInt8])
            case fifo
            case directory(inner: [UInt8])
            case symlink(String)
        }

        /// Creates `entry` at `path` (which must not exist).
        static func create(_ entry: Entry, at path: String) throws {
            switch entry {
            case .file(let bytes):
                try Data(bytes).write(to: URL(fileURLWithPath: path))
            case .fifo:
                guard mkfifo(path, 0o600) == 0 else { throw HarnessFailure("mkfifo \(path): errno \(errno)") }
            case .directory(let inner):
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
                try Data(inner).write(to: URL(fileURLWithPath: path + "/inner.json"))
            case .symlink(let target):
                guard symlink(target, path) == 0 else { throw HarnessFailure("symlink \(path): errno \(errno)") }
            }
        }

        /// True when `path` is exactly `entry`: same kind, same bytes (or link text, or contents).
        static func matches(_ entry: Entry, at path: String) -> String? {
            var info = stat()
            guard lstat(path, &info) == 0 else { return "missing" }
            let kind = info.st_mode & S_IFMT
            switch entry {
            case .file(let bytes):
                guard kind == S_IFREG else { return "not a regular file any more" }
                guard let data = FileManager.default.contents(atPath: path) else { return "unreadable" }
                return Array(data) == bytes ? nil : "its bytes changed (\(bytes.count) → \(data.count) bytes)"
            case .fifo:
                return kind == S_IFIFO ? nil : "not a FIFO any more"
            case .directory(let inner):
                guard kind == S_IFDIR else { return "not a directory any more" }
                return FileManager.default.contents(atPath: path + "/inner.json").map(Array.init) == inner ? nil : "its contents changed"
            case .symlink(let target):
                guard kind == S_IFLNK else { return "not a symlink any more" }
                return (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) == target ? nil : "its target changed"
            }
        }

        @Test func hostileFilesAreNeverRunNeverLostAndNeverStopTheWorker() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("init").status == 0)  // creates the spool
            let pending = spool.path + "/pending/"
            func touch(_ tag: String) -> String { "touch " + shellQuoted(spool.scratchPath("ran-" + tag)) }
            func job(_ tag: String, _ extra: String = "") -> [UInt8] { utf8Bytes(#"{"command": "\#(touch(tag))"\#(extra)}"#) }

            // A valid job OUTSIDE the spool, reachable only through a symlink: it must never run.
            let outside = spool.scratchPath("outside-job.json")
            let outsideBytes = job("symlink-target")
            try Data(outsideBytes).write(to: URL(fileURLWithPath: outside))

            var garbage = [UInt8](repeating: 0, count: 4096)
            for index in garbage.indices { garbage[index] = UInt8.random(in: 0...255) }
            garbage[0] = 0xFF
            garbage[1] = 0x00
            // 20 MiB of an otherwise valid job: only the size cap keeps it from running.
            let huge = utf8Bytes(#"{"command": "\#(touch("huge"))", "pad": ""#) + [UInt8](repeating: 0x78, count: 20 << 20) + utf8Bytes(#""}"#)

            // Dropped by name into pending/ (the maildir protocol, abused).
            let dropped: [(String, Entry)] = [
                ("invalid-json.json", .file(utf8Bytes(#"{"command": "\#(touch("invalid-json"))", "#))),
                ("empty.json", .file([])),
                ("binary.json", .file(garbage)),
                ("command-not-a-string.json", .file(utf8Bytes(#"{"command": 42}"#))),
                ("priority-not-a-number.json", .file(job("priority", #", "priority": "high""#))),
                ("env-not-strings.json", .file(job("env", #", "env": {"A": 1}"#))),
                ("negative-retries.json", .file(job("retries", #", "max_retries": -1"#))),
                ("missing-command.json", .file(utf8Bytes(#"{"id": "no-command", "priority": 3}"#))),
                ("empty-command.json", .file(utf8Bytes(#"{"command": ""}"#))),
                ("array-not-object.json", .file(utf8Bytes(#"[{"command": "\#(touch("array"))"}]"#))),
                ("bad-id-dots.json", .file(job("bad-id-dots", #", "id": "../../escape""#))),
                ("bad-id-slash.json", .file(job("bad-id-slash", #", "id": "a/b""#))),
                ("bad-id-long.json", .file(job("bad-id-long", #", "id": "\#(String(repeating: "x", count: 300))""#))),
                ("not-pending.json", .file(job("not-pending", #", "state": "completed""#))),
                ("huge.json", .file(huge)),
                ("fifo.json", .fifo),
                ("directory.json", .directory(inner: job("directory"))),
                ("symlink.json", .symlink(outside)),
                ("valid-but-not-json-suffix.txt", .file(job("suffix"))),
            ]
            // Dot-files: never read, never moved.
            let dotFiles: [(String, [UInt8])] = [
                (".hidden.json", job("dot-hidden")),
                (".partial", utf8Bytes(#"{"comm"#)),
                (".x.json.swp", garbage),
            ]

            // Valid jobs before anything hostile, with a worker running.
            for index in 1...5 {
                #expect(try await spool.q("enqueue", "--command", faultLedger(spool), "--id", "before-\(index)").status == 0)
            }
            // Hostile files disguised under real job names: enqueue real jobs, then replace their files.
            let disguises: [(String, Entry)] = [
                ("disguised-garbage", .file(garbage)),
                ("disguised-symlink", .symlink(outside)),
                ("disguised-fifo", .fifo),
                ("disguised-json", .file(job("disguised", #", "priority": "urgent""#))),
            ]
            for (id, entry) in disguises {
                #expect(try await spool.q("enqueue", "--command", touch(id), "--id", id).status == 0)
                let file = try #require(spool.location(of: id)?.file)
                unlink(pending + file)
                try Self.create(entry, at: pending + file)
                try backdate(pending + file, by: 60)
            }
            // Half of the drops are there before the worker starts (its first scan finds them),
            // half arrive while it runs (its change events report them).
            let (early, late) = (Array(dropped.prefix(dropped.count / 2)), Array(dropped.suffix(from: dropped.count / 2)))
            func drop(_ name: String, _ entry: Entry) throws {
                // Made in tmp/ and aged there, so it arrives old: no grace period to wait out.
                let staged = spool.path + "/tmp/.staged-" + name
                try Self.create(entry, at: staged)
                try backdate(staged, by: 60)
                guard rename(staged, pending + name) == 0 else { throw HarnessFailure("rename \(name): errno \(errno)") }
            }
            for (name, entry) in early { try drop(name, entry) }
            for (name, contents) in dotFiles { try Self.create(.file(contents), at: pending + name) }
            // A valid drop among them still runs.
            try drop("good-drop.json", .file(utf8Bytes(#"{"command": \#(String(decoding: try JSONSerialization.data(withJSONObject: faultLedger(spool), options: .fragmentsAllowed), as: UTF8.self))}"#)))

            let worker = try spool.startWorker()
            for index in 1...5 { try await spool.waitForState("before-\(index)", "completed") }
            for (name, entry) in late { try drop(name, entry) }
            for index in 1...5 {
                #expect(try await spool.q("enqueue", "--command", faultLedger(spool), "--id", "after-\(index)").status == 0)
            }
            for index in 1...5 { try await spool.waitForState("after-\(index)", "completed") }
            try await spool.waitForState("good-drop", "completed")

            let expectedCount = dropped.count + disguises.count
            func quarantinedNames() -> [String] { spool.names("quarantine").filter { !$0.hasSuffix(".reason") } }
            try await waitUntil(timeout: 20, "all \(expectedCount) hostile entries are in quarantine/ (now \(quarantinedNames().count): \(quarantinedNames()))") {
                quarantinedNames().count == expectedCount
            }
            #expect(worker.isRunning, "hostile files must not crash the worker:\n\(worker.output)")

            // Nothing hostile ran; the valid jobs each ran once.
            let markers = ((try? FileManager.default.contentsOfDirectory(atPath: spool.scratch)) ?? []).filter { $0.hasPrefix("ran-") }
            #expect(markers.isEmpty, "hostile commands ran: \(markers)")
            let valid = (1...5).flatMap { ["before-\($0)", "after-\($0)"] } + ["good-drop"]
            #expect(spool.scratchLines("ledger").sorted() == valid.sorted(), "\(spool.scratchLines("ledger"))")
            #expect(Self.matches(.file(outsideBytes), at: outside) == nil, "the symlink's target was touched")

            // Nothing lost: each hostile entry is in quarantine/, unchanged, with a reason beside it.
            let quarantine = spool.path + "/quarantine/"
            let names = quarantinedNames()
            var problems: [String] = []
            let everything = dropped.map { (suffix: "-" + $0.0, label: $0.0, entry: $0.1) }
                + disguises.map { (suffix: "-" + $0.0 + "@", label: $0.0, entry: $0.1) }
            for (suffix, label, entry) in everything {
                let found = names.filter { $0.contains(suffix) && ($0.hasSuffix(suffix) || suffix.hasSuffix("@")) }
                guard found.count == 1, let name = found.first else {
                    problems.append("\(label): \(found.count) entries in quarantine/ (\(found))")
                    continue
                }
                if let difference = Self.matches(entry, at: quarantine + name) { problems.append("\(label): \(difference)") }
                let reason = ProcFiles.text(quarantine + name + ".reason") ?? ""
                if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { problems.append("\(label): no .reason") }
            }
            #expect(problems.isEmpty, "\(problems)")

            // Dot-files are ignored: still in pending/, byte for byte; nothing else is left there.
            for (name, contents) in dotFiles {
                #expect(Self.matches(.file(contents), at: pending + name) == nil, "dot-file \(name) was touched")
            }
            #expect(spool.names("pending").filter { !$0.hasPrefix(".") }.isEmpty, "left in pending/: \(spool.names("pending"))")

            let status = try jsonObject(try await spool.q("status", "--json").stdout)
            #expect(int(status, "quarantined") == expectedCount, "\(status)")
            let listed = try jsonArray(try await spool.q("quarantine", "list", "--json").stdout)
            #expect(listed.count == expectedCount)

            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        }
    }
}
