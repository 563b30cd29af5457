// ProcFiles: what tests read about processes from /proc: liveness (a zombie is not alive),
// the exit status of an unreaped zombie, peak memory, CPU time, and a process's environment.

import QueueSystem

public enum ProcFiles {
    /// A small file read whole (/proc files report size 0); nil when it cannot be read.
    public static func text(_ path: String) -> String? {
        (try? FileSystem.readFile(path)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The state letter of `/proc/PID/stat` ("R", "S", "Z", ...); nil when there is no such process.
    public static func state(of pid: Int32) -> Character? {
        guard let stat = text("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        // "PID (comm) S ...": the state follows the last ')'.
        return stat[stat.index(after: close)...].first { $0 != " " }
    }

    /// True while `pid` exists and is not a zombie (this machine's init may never reap orphans).
    public static func isAlive(_ pid: Int32) -> Bool {
        guard let state = state(of: pid) else { return false }
        return state != "Z" && state != "X"
    }

    /// The exit status (128 + signal when killed by one) of a zombie not yet reaped; nil otherwise.
    public static func zombieStatus(_ pid: Int32) -> Int32? {
        guard let stat = text("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3 of stat); exit_code is field 52, a wait(2) status.
        guard fields.first == "Z", fields.count > 49,
              let status = Int32(fields[49].filter { !$0.isWhitespace }) else { return nil }
        return Spawn.decode(status).shellStatus
    }

    /// The peak resident memory (VmHWM of /proc/PID/status), in KiB.
    public static func peakKiB(of pid: Int32) -> Int? {
        guard let text = text("/proc/\(pid)/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.dropFirst(6).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }

    /// The CPU time the process itself has used so far, user and system, all its threads (not
    /// its children): fields 14 and 15 of /proc/PID/stat, in USER_HZ ticks, which the /proc
    /// ABI fixes at 100 a second on Linux whatever the kernel's own tick.
    public static func cpuSeconds(of pid: Int32) -> Double? {
        guard let stat = text("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (the state): utime and stime are fields[11] and fields[12].
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / 100
    }

    /// Every live process whose environment holds `entry` ("NAME=value") exactly.
    public static func processes(withEnvironment entry: String) -> [Int32] {
        let needle = Array((entry + "\0").utf8)
        var found: [Int32] = []
        try? FileSystem.forEachName(in: "/proc") { name in
            guard let pid = Int32(name), pid != CurrentProcess.pid, isAlive(pid),
                  let environment = try? FileSystem.readFile("/proc/\(pid)/environ") else { return }
            if ("\0".utf8 + environment).contains(subsequence: [0] + needle) { found.append(pid) }
        }
        return found
    }

    /// The pids whose parent is `pid` (field 4 of /proc/PID/stat).
    public static func children(of pid: Int32) -> [Int32] {
        var children: [Int32] = []
        try? FileSystem.forEachName(in: "/proc") { name in
            guard let child = Int32(name), let stat = text("/proc/\(name)/stat"),
                  let close = stat.lastIndex(of: ")") else { return }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, Int32(fields[1]) == pid { children.append(child) }
        }
        return children
    }
}

extension Collection where Element: Equatable {
    /// True when `subsequence` occurs in this collection as consecutive elements.
    public func contains(subsequence: [Element]) -> Bool {
        let items = Array(self)
        guard !subsequence.isEmpty else { return true }
        guard subsequence.count <= items.count else { return false }
        for start in 0...(items.count - subsequence.count) where items[start] == subsequence[0] {
            if Array(items[start..<start + subsequence.count]) == subsequence { return true }
        }
        return false
    }
}
