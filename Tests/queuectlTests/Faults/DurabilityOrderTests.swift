// Scenario 9: the order of the durability system calls, read with strace (skipped loudly when
// strace is missing; .ci/run installs it). A file is fsync'ed before it is renamed into place,
// and the folder it lands in is fsync'ed after — on enqueue (required by the issue), and on the
// other paths that publish a record: a batch enqueue, `config set`, `dlq retry` and a worker
// recording a result (completed, failed for a retry, dead).

import Foundation
import QueueCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// One system call from an strace log.
struct TracedCall: CustomStringConvertible {
    let index: Int
    let name: String
    /// The quoted path arguments, in order.
    let paths: [String]
    /// The first argument when it is a number (a descriptor), else nil.
    let descriptor: Int32?
    let flags: String
    /// The return value (a new descriptor for openat), nil on failure.
    let result: Int?
    let line: String
    var description: String { "#\(index) \(line)" }
}

/// A strace log (`strace -f -s 4096 -o FILE`), parsed, with the questions the tests ask of it.
struct SyscallTrace: CustomStringConvertible {
    let calls: [TracedCall]

    init(_ text: String) {
        var calls: [TracedCall] = []
        var folders: [Int32: String] = [:]  // descriptors of folders opened, by the path opened
        let quoted = try! NSRegularExpression(pattern: #""((?:[^"\\]|\\.)*)""#)
        for raw in text.split(separator: "\n") {
            var line = String(raw)
            // "PID name(args) = result": drop the pid; skip signals, exits and split calls.
            // (strace pads the pid: "830   symlink(...)".)
            if let pid = line.range(of: #"^\d+\s+"#, options: .regularExpression) { line = String(line[pid.upperBound...]) }
            guard let open = line.firstIndex(of: "("), !line.hasPrefix("+++"), !line.hasPrefix("---"),
                  !line.contains("<unfinished"), !line.contains("resumed>") else { continue }
            let name = String(line[..<open])
            // strace pads short calls: "fsync(3)          = 0".
            guard let equals = line.range(of: #"\)\s+= "#, options: [.regularExpression, .backwards]) else { continue }
            let arguments = String(line[line.index(after: open)..<equals.lowerBound])
            let resultText = line[equals.upperBound...].prefix { $0 != " " }
            var paths = quoted.matches(in: arguments, range: NSRange(arguments.startIndex..., in: arguments)).map {
                String(arguments[Range($0.range(at: 1), in: arguments)!])
            }
            // A name relative to an open folder (openat(4, "x"), renameat2(4, "x", 5, "x")) is
            // given as its full path, so that checks read the same as for path calls.
            if SyscallTrace.folderRelative.contains(name) {
                let parts = SyscallTrace.topLevelArguments(arguments)
                var quotedIndex = 0
                for (position, part) in parts.enumerated() where part.hasPrefix("\"") {
                    defer { quotedIndex += 1 }
                    guard position > 0, quotedIndex < paths.count, !paths[quotedIndex].hasPrefix("/"),
                          let fd = Int32(parts[position - 1]), let folder = folders[fd] else { continue }
                    paths[quotedIndex] = folder + "/" + paths[quotedIndex]
                }
            }
            let first = arguments.prefix { $0 != "," && $0 != ")" }
            if name == "openat", let fd = Int32(resultText), fd >= 0 {
                folders[fd] = arguments.contains("O_DIRECTORY") ? paths.first : nil
            }
            calls.append(TracedCall(index: calls.count, name: name, paths: paths, descriptor: Int32(first),
                                    flags: arguments, result: Int(resultText), line: line))
        }
        self.calls = calls
    }

    /// Calls whose quoted names may be relative to a folder descriptor given just before them.
    static let folderRelative: Set<String> = ["openat", "renameat", "renameat2", "symlinkat"]

    /// The arguments of a call split at the commas outside quotes, trimmed.
    static func topLevelArguments(_ text: String) -> [String] {
        var parts: [String] = [], current = "", inQuotes = false, escaped = false
        for character in text {
            if escaped { escaped = false; current.append(character); continue }
            if character == "\\" && inQuotes { escaped = true; current.append(character); continue }
            if character == "\"" { inQuotes.toggle() }
            if character == "," && !inQuotes {
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current.trimmingCharacters(in: .whitespaces))
        return parts
    }

    /// The calls on the spool (not the loader's and runtime's), for failure messages.
    var description: String {
        calls.filter { call in
            !["/opt/", "/lib", "/usr/", "/etc/", "/proc/", "/sys/", "/dev/", "/work/"].contains { call.paths.first?.hasPrefix($0) == true }
        }.map(\.description).joined(separator: "\n")
    }

    static let renames: Set<String> = ["rename", "renameat", "renameat2"]

    /// Successful renames whose target satisfies `target`.
    func renames(to target: (String) -> Bool) -> [TracedCall] {
        calls.filter { Self.renames.contains($0.name) && $0.result == 0 && $0.paths.count == 2 && target($0.paths[1]) }
    }

    /// The last successful openat of `path` before `index`, and whether its descriptor stayed
    /// that file until `end` (no other openat returned the same number in between).
    func opening(_ path: String, before index: Int, matching flag: String? = nil) -> TracedCall? {
        calls[..<index].last { call in
            call.name == "openat" && call.paths.first == path && (call.result ?? -1) >= 0
                && (flag.map { call.flags.contains($0) } ?? true)
        }
    }

    func isReopened(_ descriptor: Int, after start: Int, before end: Int) -> Bool {
        calls[(start + 1)..<end].contains { $0.name == "openat" && $0.result == descriptor }
    }

    /// An fsync/fdatasync of the file opened by `open`, after it and before `end`.
    func sync(of open: TracedCall, before end: Int) -> TracedCall? {
        guard let fd = open.result else { return nil }
        return calls[(open.index + 1)..<end].first { call in
            (call.name == "fsync" || call.name == "fdatasync") && call.descriptor == Int32(fd) && call.result == 0
                && !isReopened(fd, after: open.index, before: call.index)
        }
    }

    /// The fsync of folder `folder` after `index` (opened with O_DIRECTORY after it).
    func folderSync(_ folder: String, after index: Int) -> TracedCall? {
        for open in calls[(index + 1)...] where open.name == "openat" && open.paths.first == folder && open.flags.contains("O_DIRECTORY") {
            guard let fd = open.result, fd >= 0 else { continue }
            if let sync = sync(of: open, before: calls.count) { return sync }
        }
        return nil
    }

    /// Problems with one publish: the file renamed onto a path matching `target` must have been
    /// written and fsync'ed (or covered by a syncfs) before the rename, and the folder it lands
    /// in fsync'ed after. Returns the rename, or nil and the problems.
    func checkPublish(_ what: String, into folder: String, before end: Int? = nil, target: (String) -> Bool,
                      folderSyncRequired: Bool = true) -> (rename: TracedCall?, problems: [String]) {
        guard let rename = renames(to: target).last(where: { $0.index < (end ?? calls.count) }) else {
            return (nil, ["\(what): no rename into \(folder)"])
        }
        let source = rename.paths[0]
        guard let open = opening(source, before: rename.index, matching: "O_CREAT") else {
            return (rename, ["\(what): the renamed file \(source) was not created in this trace"])
        }
        var problems: [String] = []
        let fd = Int32(open.result!)
        let writes = calls[open.index..<rename.index].filter { $0.name == "write" && $0.descriptor == fd }
        if writes.isEmpty { problems.append("\(what): nothing written to \(source) before the rename") }
        let fileSync = sync(of: open, before: rename.index)
            ?? calls[open.index..<rename.index].last { $0.name == "syncfs" && $0.result == 0 }
        if let fileSync {
            if let lastWrite = writes.last, lastWrite.index > fileSync.index {
                problems.append("\(what): a write (\(lastWrite)) after the fsync (\(fileSync))")
            }
        } else {
            problems.append("\(what): \(source) is renamed (\(rename)) without an fsync before")
        }
        if folderSyncRequired, folderSync(folder, after: rename.index) == nil {
            problems.append("\(what): no fsync of \(folder) after \(rename)")
        }
        return (rename, problems)
    }
}

extension Faults {
    @Suite("Durability order (strace)") struct DurabilityOrder {
        static let strace = "/usr/bin/strace"

        static let traceFlags = ["-f", "-qq", "-s", "4096",
                                 "-e", "trace=openat,write,fsync,fdatasync,rename,renameat,renameat2,symlink,symlinkat,syncfs"]

        /// Runs `queuectl --spool SPOOL ARGS` under strace; its exit status, output and trace.
        static func traced(_ spool: TestSpool, _ arguments: [String]) async throws -> (status: Int32, output: String, trace: SyscallTrace) {
            let log = spool.root + "/strace-\(UInt32.random(in: 0...UInt32.max)).log"
            let process = try spool.startProcess(strace, traceFlags + ["-o", log, Binary.path, "--spool", spool.path] + arguments,
                                                 label: "strace")
            let status = try await process.waitForExit(timeout: 30)
            return (status, process.output, SyscallTrace(ProcFiles.text(log) ?? ""))
        }

        @Test(.enabled("needs strace (see the SKIPPED line)") { Capability.strace.check("durability order (strace)") })
        func enqueueSyncsTheFileBeforeTheRenameAndTheFolderAfter() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("init").status == 0)
            let (status, output, trace) = try await Self.traced(spool, ["enqueue", "--command", "echo hi", "--id", "straced"])
            #expect(status == 0 && output.trimmingCharacters(in: .whitespacesAndNewlines) == "straced", "\(output)")
            let pending = spool.path + "/pending"
            let (rename, problems) = trace.checkPublish("enqueue", into: pending) {
                $0.hasPrefix(pending + "/") && $0.hasSuffix("-straced.json")
            }
            #expect(problems.isEmpty, "\(problems)\n\(trace)")
            // The id is reserved (ids/straced) before the job becomes visible.
            let reservation = trace.calls.first { $0.name.hasPrefix("symlink") && $0.paths.last == spool.path + "/ids/straced" }
            #expect(reservation != nil && reservation!.index < (rename?.index ?? -1), "the reservation must come first:\n\(trace)")
        }

        /// The checker is not vacuous: with `fsync false` the same enqueue has no fsync to find.
        @Test(.enabled("needs strace (see the SKIPPED line)") { Capability.strace.check("durability order (strace)") })
        func withFsyncOffTheCheckerFindsTheSyncsMissing() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("config", "set", "fsync", "false").status == 0)
            let (status, output, trace) = try await Self.traced(spool, ["enqueue", "--command", "echo hi", "--id", "unsynced"])
            #expect(status == 0, "\(output)")
            let pending = spool.path + "/pending"
            let (rename, problems) = trace.checkPublish("enqueue", into: pending) { $0.hasPrefix(pending + "/") && $0.hasSuffix("-unsynced.json") }
            #expect(rename != nil && problems.count == 2, "expected a missing file fsync and a missing folder fsync: \(problems)\n\(trace)")
        }

        /// The parser and checker on a hand-written trace: the right order passes, each fault is named.
        @Test func checkerJudgesAHandWrittenTrace() {
            let good = """
                123   openat(AT_FDCWD, "/s/tmp/x", O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, 0600) = 3
                7 write(3, "{}", 2)                   = 2
                7 fsync(3)                          = 0
                7 renameat2(AT_FDCWD, "/s/tmp/x", AT_FDCWD, "/s/pending/a.json", RENAME_NOREPLACE) = 0
                7 openat(AT_FDCWD, "/s/pending", O_RDONLY|O_NOFOLLOW|O_CLOEXEC|O_DIRECTORY) = 3
                7 fsync(3)                          = 0
                """
            #expect(SyscallTrace(good).checkPublish("good", into: "/s/pending") { $0 == "/s/pending/a.json" }.problems.isEmpty)
            let late = good.replacingOccurrences(of: "7 fsync(3)                          = 0\n7 renameat2", with: "7 renameat2")
                + "\n7 fsync(4) = 0"
            #expect(SyscallTrace(late).checkPublish("late", into: "/s/pending") { $0 == "/s/pending/a.json" }.problems.count == 1)
            let reused = """
                7 openat(AT_FDCWD, "/s/tmp/x", O_WRONLY|O_CREAT|O_EXCL, 0600) = 3
                7 write(3, "{}", 2) = 2
                7 openat(AT_FDCWD, "/s/other", O_RDONLY) = 3
                7 fsync(3) = 0
                7 renameat2(AT_FDCWD, "/s/tmp/x", AT_FDCWD, "/s/pending/a.json", RENAME_NOREPLACE) = 0
                """
            // fsync(3) there syncs another file; and pending/ is never synced.
            #expect(SyscallTrace(reused).checkPublish("reused", into: "/s/pending") { $0 == "/s/pending/a.json" }.problems.count == 2)
        }

        @Test(.enabled("needs strace (see the SKIPPED line)") { Capability.strace.check("durability order (strace)") })
        func batchEnqueueSyncsEveryFileBeforeAnyRename() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("init").status == 0)
            let ids = (1...5).map { "batch-\($0)" }
            let batch = spool.scratchPath("batch.jsonl")
            try jsonLines(ids.map { ["id": $0, "command": "true"] }).write(toFile: batch, atomically: true, encoding: .utf8)
            let (status, output, trace) = try await Self.traced(spool, ["enqueue", "--file", batch])
            #expect(status == 0, "\(output)")
            let pending = spool.path + "/pending"
            var problems: [String] = []
            var renames: [TracedCall] = []
            for id in ids {
                let (rename, found) = trace.checkPublish(id, into: pending) { $0.hasPrefix(pending + "/") && $0.hasSuffix("-\(id).json") }
                problems += found
                if let rename { renames.append(rename) }
            }
            #expect(problems.isEmpty, "\(problems)\n\(trace)")
            // Durable together: every file is written and synced before the first becomes visible.
            let writes = trace.calls.filter { $0.name == "write" && $0.descriptor != 1 && $0.descriptor != 2 }
            if let first = renames.map(\.index).min(), let lastWrite = writes.last(where: { $0.index < first }) {
                let synced = trace.calls[lastWrite.index..<first].contains { ["fsync", "fdatasync", "syncfs"].contains($0.name) }
                #expect(synced, "no sync between the last write and the first rename:\n\(trace)")
            }
        }

        @Test(.enabled("needs strace (see the SKIPPED line)") { Capability.strace.check("durability order (strace)") })
        func configSetSyncsTheFileBeforeTheRenameAndTheFolderAfter() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("init").status == 0)
            let (status, output, trace) = try await Self.traced(spool, ["config", "set", "max-retries", "7"])
            #expect(status == 0, "\(output)")
            let (_, problems) = trace.checkPublish("config set", into: spool.path) { $0 == spool.path + "/config.json" }
            #expect(problems.isEmpty, "\(problems)\n\(trace)")
        }

        @Test(.enabled("needs strace (see the SKIPPED line)") { Capability.strace.check("durability order (strace)") })
        func dlqRetrySyncsTheRewriteBeforeTheMoveAndTheFolderAfter() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("enqueue", "--command", "exit 3", "--id", "redo", "--max-retries", "0").status == 0)
            let worker = try spool.startWorker()
            try await spool.waitForState("redo", "dead")
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0)
            let (status, output, trace) = try await Self.traced(spool, ["dlq", "retry", "redo"])
            #expect(status == 0, "\(output)")
            let dead = spool.path + "/dead/redo.json", pending = spool.path + "/pending"
            // The rewrite: a synced new record takes the dead file's place (no folder sync needed
            // yet: the move below is the state change, and its folder is synced).
            let (rewrite, rewriteProblems) = trace.checkPublish("dlq retry rewrite", into: spool.path + "/dead",
                                                                target: { $0 == dead }, folderSyncRequired: false)
            let (move, moveProblems) = (trace.renames { $0.hasPrefix(pending + "/") && $0.hasSuffix("-redo.json") }.last,
                                        trace.renames { $0.hasPrefix(pending + "/") && $0.hasSuffix("-redo.json") }.isEmpty ? ["no move into pending/"] : [])
            #expect(rewriteProblems.isEmpty && moveProblems.isEmpty, "\(rewriteProblems + moveProblems)\n\(trace)")
            if let rewrite, let move {
                #expect(rewrite.index < move.index, "the record must be rewritten before it moves")
                #expect(move.paths.first == dead, "\(move)")
                #expect(trace.folderSync(pending, after: move.index) != nil, "no fsync of pending/ after \(move)\n\(trace)")
            }
        }

        /// A worker recording results: each record is written in tmp/, synced, exchanged with its
        /// claim, moved to its folder, and that folder synced — for completed/, failed/ (a retry)
        /// and dead/.
        @Test(.enabled("needs strace (see the SKIPPED line)") { Capability.strace.check("durability order (strace)") })
        func workerSyncsEachResultBeforeItsMoveAndTheFolderAfter() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("config", "set", "backoff-base", "1").status == 0)
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "good").status == 0)
            #expect(try await spool.q("enqueue", "--command", "exit 5", "--id", "flaky", "--max-retries", "1").status == 0)
            let log = spool.root + "/strace-worker.log"
            let worker = try spool.startProcess(Self.strace, Self.traceFlags + ["-o", log, Binary.path, "--spool", spool.path, "worker", "start"],
                                                label: "strace-worker")
            try await spool.waitForState("good", "completed", timeout: 30)
            try await spool.waitForState("flaky", "dead", timeout: 30)
            let stop = try await spool.q("worker", "stop")
            #expect(stop.status == 0, "\(stop)")
            _ = try await worker.waitForExit(timeout: 30)
            let trace = SyscallTrace(ProcFiles.text(log) ?? "")
            let processing = spool.path + "/processing/"
            var problems: [String] = []
            for (what, folder, target) in [
                ("completed", "completed", { (path: String) in path == spool.path + "/completed/good.json" }),
                ("failed (retry scheduled)", "failed", { (path: String) in path.hasPrefix(spool.path + "/failed/") && path.hasSuffix("-flaky.json") }),
                ("dead", "dead", { (path: String) in path == spool.path + "/dead/flaky.json" }),
            ] as [(String, String, (String) -> Bool)] {
                guard let move = trace.renames(to: target).last, let claim = move.paths.first, claim.hasPrefix(processing) else {
                    problems.append("\(what): no move from processing/ into \(folder)/")
                    continue
                }
                // The result was written as a new file in tmp/ (unsynced: results are committed
                // in groups), made durable — an fsync of it or a syncfs, after the write — and
                // only then exchanged with the claim (never written into it), before the move.
                guard let exchange = trace.calls[..<move.index].last(where: {
                          $0.name == "renameat2" && $0.result == 0 && $0.paths.count == 2 && $0.paths[1] == claim
                              && $0.flags.contains("RENAME_EXCHANGE") }),
                      let staged = exchange.paths.first, staged.hasPrefix(spool.path + "/tmp/") else {
                    problems.append("\(what): the result was not exchanged into \(claim) from tmp/ before \(move)")
                    continue
                }
                guard let open = trace.calls[..<exchange.index].last(where: { $0.name == "openat" && $0.paths.first == staged && $0.flags.contains("O_CREAT") }),
                      let fd = open.result,
                      let write = trace.calls[open.index..<exchange.index].last(where: { $0.name == "write" && $0.descriptor == Int32(fd) }) else {
                    problems.append("\(what): the result was not written into \(staged) before \(exchange)")
                    continue
                }
                if trace.calls[open.index..<move.index].contains(where: { $0.name == "openat" && $0.paths.first == claim && $0.flags.contains("O_WRONLY") }) {
                    problems.append("\(what): \(claim) was opened for writing")
                }
                let synced = trace.calls[write.index..<exchange.index].contains { call in
                    (call.name == "syncfs" && call.result == 0)
                        || (call.name == "openat" && call.paths.first == staged && trace.sync(of: call, before: exchange.index) != nil)
                }
                if !synced { problems.append("\(what): \(staged) is exchanged with \(claim) (\(exchange)) without an fsync or syncfs after \(write)") }
                if trace.folderSync(spool.path + "/" + folder, after: move.index) == nil {
                    problems.append("\(what): no fsync of \(folder)/ after \(move)")
                }
            }
            #expect(problems.isEmpty, "\(problems)\n\(trace)")
        }
    }
}
