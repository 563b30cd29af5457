// Helpers of the control-feature tests (cancel, dependencies, hooks, pause, wait, watch): gated
// jobs, pid files, background queuectl commands, process groups, and a private tmux server.

import Foundation
import QueueCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The namespace of the control-feature suites and their helpers.
enum Control {
    // MARK: Jobs that the test controls

    /// A shell command that appends "start ID", runs `body`, then appends "end ID" to a ledger
    /// in the scratch folder: the ledger orders starts and ends causally.
    static func ledgered(_ spool: TestSpool, _ body: String = "true", ledger: String = "ledger") -> String {
        let path = shellQuoted(spool.scratchPath(ledger))
        return #"echo "start $QUEUECTL_JOB_ID" >> "# + path + "; " + body + #"; echo "end $QUEUECTL_JOB_ID" >> "# + path
    }

    /// A shell command that marks `name.started` (with its shell's pid) and then waits until the
    /// scratch file `name.release` exists: a job that ends exactly when the test says so.
    static func gated(_ spool: TestSpool, _ name: String, then tail: String = "true") -> String {
        let started = shellQuoted(spool.scratchPath(name + ".started"))
        let release = shellQuoted(spool.scratchPath(name + ".release"))
        return "echo $$ > \(started); while [ ! -e \(release) ]; do sleep 0.05; done; \(tail)"
    }

    /// Lets a `gated` job end.
    static func release(_ spool: TestSpool, _ name: String) {
        _ = FileManager.default.createFile(atPath: spool.scratchPath(name + ".release"), contents: nil)
    }

    /// Waits until the scratch file `name` holds a pid (written by a job or a hook) and returns it.
    static func pid(in spool: TestSpool, _ name: String, timeout: Double = 15,
                    sourceLocation: SourceLocation = #_sourceLocation) async throws -> Int32 {
        var pid: Int32?
        try await waitUntil(timeout: timeout, "the scratch file \(name) holds a pid", sourceLocation: sourceLocation) {
            let text = (ProcFiles.text(spool.scratchPath(name)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            pid = Int32(text)
            return pid != nil
        }
        return pid!
    }

    /// Waits until the process is gone (a zombie counts as gone: init here reaps orphans late).
    static func waitUntilGone(_ pid: Int32, _ what: String, timeout: Double = 15,
                              sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await waitUntil(timeout: timeout, "\(what) (pid \(pid)) is gone", sourceLocation: sourceLocation) {
            !ProcFiles.isAlive(pid)
        }
    }

    /// The process group of a live process, from /proc/PID/stat (field 5).
    static func processGroup(of pid: Int32) -> Int32? {
        guard let stat = ProcFiles.text("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 2 ? Int32(fields[2]) : nil
    }

    /// The voluntary context switches of a process so far: how often it went to sleep and woke up.
    static func wakeups(of pid: Int32) -> Int? {
        guard let status = ProcFiles.text("/proc/\(pid)/status") else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("voluntary_ctxt_switches:") {
            return Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// The modification time of a worker's record (its heartbeat), in seconds since the epoch.
    static func heartbeat(_ spool: TestSpool, pid: Int32) -> Double? {
        for name in spool.names("workers") where name.hasSuffix(".json") && name.contains("-\(pid)-") {
            var info = stat()
            if stat(spool.path + "/workers/" + name, &info) == 0 {
                return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
            }
        }
        return nil
    }

    /// Job files of the spool's state folders (dot files, the run backups, left out).
    static func jobFiles(_ spool: TestSpool) -> [String] {
        TestSpool.states.flatMap { state in spool.names(state).filter { !$0.hasPrefix(".") }.map { state + "/" + $0 } }
    }

    // MARK: Background commands

    /// Starts `queuectl --spool SPOOL ARGS...` in the background (tagged, so `cleanup` kills it).
    static func startQueuectl(_ spool: TestSpool, _ arguments: [String]) throws -> BackgroundProcess {
        try startProgram(spool, Binary.path, ["--spool", spool.path] + arguments, label: arguments.first ?? "queuectl")
    }

    /// Starts any program in the background with the test's environment, stdout and stderr in a
    /// file (the harness's `TestSpool.startProcess`, which the fault suite uses too).
    static func startProgram(_ spool: TestSpool, _ executable: String, _ arguments: [String],
                             environment extra: [String: String] = [:], label: String) throws -> BackgroundProcess {
        try spool.startProcess(executable, arguments, environment: extra, label: label)
    }

    /// Runs a program to its end and returns its exit status and output (stdout and stderr together).
    static func runProgram(_ spool: TestSpool, _ executable: String, _ arguments: [String],
                           environment extra: [String: String] = [:], timeout: Double = 30,
                           sourceLocation: SourceLocation = #_sourceLocation) async throws -> (status: Int32, output: String) {
        let process = try startProgram(spool, executable, arguments, environment: extra,
                                       label: URL(fileURLWithPath: executable).lastPathComponent)
        let status = try await process.waitForExit(timeout: timeout, sourceLocation: sourceLocation)
        return (status, process.output)
    }

    // MARK: A pseudo-terminal: a private tmux server

    /// A detached tmux session on a private socket inside the test's folder, with a known size.
    /// The server carries the test's tag, so `cleanup` kills it with everything it runs.
    struct Tmux {
        let spool: TestSpool
        let socket: String
        let session = "control"

        static var executable: String? {
            ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }
        }

        /// Starts a session of `width` x `height` running `/bin/sh -c script`.
        static func start(_ spool: TestSpool, script: String, width: Int = 120, height: Int = 40,
                          sourceLocation: SourceLocation = #_sourceLocation) async throws -> Tmux {
            let tmux = Tmux(spool: spool, socket: spool.root + "/tmux.sock")
            let result = try await tmux.command(["new-session", "-d", "-s", tmux.session, "-x", String(width), "-y", String(height),
                                                 "/bin/sh -c " + shellQuoted(script)], sourceLocation: sourceLocation)
            try #require(result.status == 0, "tmux new-session failed: \(result.output)", sourceLocation: sourceLocation)
            return tmux
        }

        /// Runs `tmux -S SOCKET ARGS...`.
        @discardableResult
        func command(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> (status: Int32, output: String) {
            let executable = try #require(Tmux.executable, "tmux is not installed", sourceLocation: sourceLocation)
            return try await Control.runProgram(spool, executable, ["-S", socket, "-f", "/dev/null"] + arguments,
                                                environment: ["TMUX": "", "TERM": "xterm-256color"],
                                                sourceLocation: sourceLocation)
        }

        /// The visible text of the pane.
        func screen(sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
            try await command(["capture-pane", "-p", "-t", session], sourceLocation: sourceLocation).output
        }

        /// A tmux format evaluated for the pane, e.g. `#{alternate_on}`.
        func display(_ format: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
            try await command(["display-message", "-p", "-t", session, format], sourceLocation: sourceLocation)
                .output.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// Types keys into the pane (tmux key names: `q`, `C-c`, ...).
        func send(_ keys: String..., sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let result = try await command(["send-keys", "-t", session] + keys, sourceLocation: sourceLocation)
            #expect(result.status == 0, "tmux send-keys: \(result.output)", sourceLocation: sourceLocation)
        }

        /// Waits until the pane shows `text`; returns the screen.
        @discardableResult
        func waitForScreen(containing text: String, timeout: Double = 15,
                           sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
            var last = ""
            try await waitUntil(timeout: timeout, "the pane shows \(text.debugDescription); it shows:\n\(last)",
                                sourceLocation: sourceLocation) {
                last = try await screen(sourceLocation: sourceLocation)
                return last.contains(text)
            }
            return last
        }

        func kill() async {
            _ = try? await command(["kill-server"])
        }
    }
}

// MARK: Observing over a bounded window

extension Control {
    /// Polls `condition` every 20 ms for at most `seconds`; true as soon as it holds, false when the
    /// window ends without it. For "this must not happen" checks that end early when it does.
    static func happens(within seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }

    /// Records when files whose names start with `prefix` are renamed or created into a folder:
    /// inotify read by a thread of its own, each event stamped with the monotonic clock as soon as
    /// poll(2) reports it (so a busy test runner does not bunch events together).
    final class ArrivalClock: @unchecked Sendable {
        private let descriptor: Int32
        private let prefix: String
        private let lock = NSLock()
        private var stamps: [Double] = []
        private var stopped = false
        private var thread: Thread?

        init(folder: String, prefix: String) throws {
            descriptor = inotify_init1(0o4000 | 0o2000000)  // IN_NONBLOCK | IN_CLOEXEC
            guard descriptor >= 0 else { throw HarnessFailure("inotify_init1: errno \(errno)") }
            guard inotify_add_watch(descriptor, folder, 0x80 | 0x100) >= 0 else {  // IN_MOVED_TO | IN_CREATE
                close(descriptor)
                throw HarnessFailure("inotify_add_watch \(folder): errno \(errno)")
            }
            self.prefix = prefix
            let thread = Thread { [self] in self.loop() }
            self.thread = thread
            thread.start()
        }

        /// The arrival times so far, in seconds of the monotonic clock.
        var times: [Double] {
            lock.lock()
            defer { lock.unlock() }
            return stamps
        }

        var count: Int { times.count }

        /// The shortest time between two consecutive arrivals; nil with fewer than two.
        var shortestGap: Double? {
            let all = times
            return zip(all.dropFirst(), all).map { $0 - $1 }.min()
        }

        /// Ends the reading thread and closes the descriptor.
        func stop() {
            lock.lock()
            let wasStopped = stopped
            stopped = true
            lock.unlock()
            if wasStopped { return }
            while thread?.isFinished == false { usleep(5_000) }
            close(descriptor)
        }

        deinit { stop() }

        private var isStopped: Bool {
            lock.lock()
            defer { lock.unlock() }
            return stopped
        }

        private func loop() {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while !isStopped {
                var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                guard poll(&entry, 1, 50) > 0 else { continue }
                var now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &now)
                let stamp = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
                while true {
                    let length = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                    if length <= 0 { break }
                    var offset = 0
                    while offset + 16 <= length {
                        let nameLength = Int(buffer[offset + 12]) | Int(buffer[offset + 13]) << 8
                            | Int(buffer[offset + 14]) << 16 | Int(buffer[offset + 15]) << 24
                        let nameBytes = buffer[(offset + 16)..<(offset + 16 + nameLength)].prefix { $0 != 0 }
                        if String(decoding: nameBytes, as: UTF8.self).hasPrefix(prefix) {
                            lock.lock()
                            stamps.append(stamp)
                            lock.unlock()
                        }
                        offset += 16 + nameLength
                    }
                }
            }
        }
    }
}

extension Control {
    /// JSON Lines: one job object per line, for `enqueue --file -`.
    static func batch(_ jobs: [[String: Any]]) throws -> String {
        try jobs.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self) }
            .joined(separator: "\n") + "\n"
    }
}

extension Control {
    /// Waits until a process is blocked in a sleep or poll (its wchan says so): a polling command
    /// such as `wait` has then finished starting up and taken its first look at the spool.
    static func waitUntilBlocked(_ process: BackgroundProcess, timeout: Double = 15,
                                 sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await waitUntil(timeout: timeout, "\(process.arguments.joined(separator: " ")) is blocked in a sleep or poll",
                            sourceLocation: sourceLocation) {
            let channel = ProcFiles.text("/proc/\(process.pid)/wchan") ?? ""
            return channel.contains("sleep") || channel.contains("poll") || channel.contains("select") || !process.isRunning
        }
    }
}

extension Control {
    /// The job's record, read again until it is found: a job waiting for its dependencies moves
    /// between pending/ and processing/ while workers check it, and may be missed in between.
    static func record(_ spool: TestSpool, _ id: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        var found: [String: Any]?
        try await waitUntil(timeout: 10, "the record of \(id) can be read", sourceLocation: sourceLocation) {
            found = spool.record(of: id)
            return found != nil
        }
        return found!
    }
}
