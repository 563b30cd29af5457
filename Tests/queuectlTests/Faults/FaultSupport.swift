// Support for the fault-injection suites: the serialized root suite, ledgers, a census of the
// spool's state folders, convergence checks, background processes other than workers (unshare'd
// "hosts", sshd, strace), probes for what this machine allows, and loud skips.

import Foundation
import QueueCore
import QueueSystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Every fault-injection scenario lives in a suite nested in this one. `.serialized` applies to
/// the nested suites too, so the heavy scenarios (thousands of jobs, kill storms, namespaces,
/// FUSE) never run at the same time as each other: their deadlines assume they have the machine.
@Suite("Fault injection", .serialized) struct Faults {}

// MARK: - Ledgers

/// `echo "$QUEUECTL_JOB_ID" >> LEDGER`: the job itself proves that (and how often) it ran.
func faultLedger(_ spool: TestSpool, _ ledger: String = "ledger") -> String {
    #"echo "$QUEUECTL_JOB_ID" >> "# + shellQuoted(spool.scratchPath(ledger))
}

/// How many times each id appears in a ledger.
func ledgerCounts(_ lines: [String]) -> [String: Int] {
    var counts: [String: Int] = [:]
    for line in lines { counts[line, default: 0] += 1 }
    return counts
}

/// A JSON Lines batch of jobs, for `enqueue --file -`.
func jsonLines(_ jobs: [[String: Any]]) throws -> String {
    try jobs.map { job in
        String(decoding: try JSONSerialization.data(withJSONObject: job, options: [.sortedKeys]), as: UTF8.self)
    }.joined(separator: "\n") + "\n"
}

// MARK: - Census of the state folders

/// Where every job file of a spool is, read straight from the five state folders.
struct Census: Equatable, CustomStringConvertible {
    /// id → the files that carry it ("pending/NAME", ...). More than one is a bug.
    var locations: [String: [String]] = [:]
    /// Names in a state folder that are not job file names (drops in pending/, foreign files).
    var foreign: [String] = []
    /// Dot-files in the state folders (e.g. a claimed record's backup `processing/.ID@W.json`).
    var hidden: [String] = []

    var total: Int { locations.values.reduce(0) { $0 + $1.count } }
    var duplicates: [String: [String]] { locations.filter { $0.value.count > 1 } }
    func ids(in state: JobState) -> [String] {
        locations.filter { $0.value.contains { $0.hasPrefix(state.folder + "/") } }.keys.sorted()
    }
    func count(_ state: JobState) -> Int { ids(in: state).count }
    func state(of id: String) -> String? {
        locations[id]?.first.map { String($0.prefix { $0 != "/" }) }
    }

    var description: String {
        var lines = JobState.allCases.map { "\($0.folder): \(count($0))" }
        if !duplicates.isEmpty { lines.append("in two places: \(duplicates)") }
        if !foreign.isEmpty { lines.append("foreign: \(foreign.prefix(20))") }
        if !hidden.isEmpty { lines.append("hidden: \(hidden.prefix(20))") }
        let unfinished = locations.filter { !($0.value.first?.hasPrefix("completed/") ?? false) && !($0.value.first?.hasPrefix("dead/") ?? false) }
        if !unfinished.isEmpty { lines.append("not finished: \(unfinished.values.flatMap { $0 }.sorted().prefix(20))") }
        return lines.joined(separator: "; ")
    }
}

/// Lists the five state folders of the spool at `root` once (not atomic: see `stableCensus`).
func takeCensus(_ root: String) -> Census {
    var census = Census()
    for state in JobState.allCases {
        let folder = root + "/" + state.folder
        try? FileSystem.forEachName(in: folder) { text in
            if let name = FileName(parsing: text, in: state), !name.isDrop {
                census.locations[name.id.rawValue, default: []].append(state.folder + "/" + text)
            } else {
                census.foreign.append(state.folder + "/" + text)
            }
        }
        try? FileSystem.forEachName(in: folder, hidden: true) { census.hidden.append(state.folder + "/" + $0) }
    }
    return census
}

/// Two identical censuses in a row: a listing of five folders is not atomic, and a job that
/// moves between two of them while they are listed would look lost or doubled.
func stableCensus(_ root: String, attempts: Int = 50) async -> Census {
    var previous = takeCensus(root)
    for _ in 0..<attempts {
        try? await Task.sleep(for: .milliseconds(30))
        let next = takeCensus(root)
        if next == previous { return next }
        previous = next
    }
    return previous
}

/// Checks a spool that should be at rest: every id of `expected` in exactly one state folder,
/// in the state given (or in completed/ or dead/ when nil), no other job files, nothing in
/// processing/, no leftover backups or foreign files, every record whole and saying its state.
/// `doctor --json` must find nothing.
func expectConverged(_ spool: TestSpool, root: String? = nil, expected: [String: JobState?],
                     sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let root = root ?? spool.path
    let census = await stableCensus(root)
    #expect(census.total == expected.count,
            "files across the five folders: \(census.total), jobs: \(expected.count) — \(census)", sourceLocation: sourceLocation)
    #expect(census.duplicates.isEmpty, "a job in two places: \(census.duplicates)", sourceLocation: sourceLocation)
    #expect(census.count(.processing) == 0, "left in processing/: \(census.ids(in: .processing))", sourceLocation: sourceLocation)
    #expect(census.foreign.isEmpty, "foreign files: \(census.foreign)", sourceLocation: sourceLocation)
    #expect(census.hidden.isEmpty, "leftover dot-files: \(census.hidden)", sourceLocation: sourceLocation)
    let unknown = Set(census.locations.keys).subtracting(expected.keys)
    #expect(unknown.isEmpty, "jobs nobody enqueued: \(unknown.sorted().prefix(20))", sourceLocation: sourceLocation)
    var wrong: [String] = []
    for (id, state) in expected {
        guard let files = census.locations[id] else {
            wrong.append("\(id): lost")
            continue
        }
        let file = files[0]
        let folder = String(file.prefix { $0 != "/" })
        if let state, folder != state.folder { wrong.append("\(id): in \(folder)/, expected \(state.folder)/") }
        if state == nil, folder != "completed", folder != "dead" { wrong.append("\(id): in \(folder)/, not finished") }
        guard let data = FileManager.default.contents(atPath: root + "/" + file),
              let record = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            wrong.append("\(id): \(file) is not a whole JSON record")
            continue
        }
        if record["id"] as? String != id { wrong.append("\(id): \(file) says id \(record["id"] ?? "nil")") }
        if record["state"] as? String != folder { wrong.append("\(id): \(file) says state \(record["state"] ?? "nil")") }
    }
    #expect(wrong.isEmpty, "\(wrong.count) jobs wrong: \(wrong.sorted().prefix(30))", sourceLocation: sourceLocation)
    let doctor = try await spool.run(["--spool", root, "doctor", "--json"], sourceLocation: sourceLocation)
    let findings = (try? jsonArray(doctor.stdout)) ?? [["unparsable": doctor.stdout]]
    #expect(doctor.status == 0 && findings.isEmpty, "doctor must find nothing once converged: \(doctor)", sourceLocation: sourceLocation)
}

/// The state folder and record of job `id` in the spool at `root` (nil while it moves, or when none).
func jobRecord(_ root: String, _ id: String) -> (state: String, record: [String: Any])? {
    guard let file = takeCensus(root).locations[id]?.first,
          let data = FileManager.default.contents(atPath: root + "/" + file),
          let record = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return nil }
    return (String(file.prefix { $0 != "/" }), record)
}

/// Waits until job `id` of the spool at `root` is in `state`; returns its record.
@discardableResult
func waitForJob(_ root: String, _ id: String, _ state: JobState, timeout: Double = 15,
                sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
    var found: [String: Any]?
    try await waitUntil(timeout: timeout, "job \(id) is \(state.rawValue) (it is \(jobRecord(root, id)?.state ?? "nowhere"))",
                        sourceLocation: sourceLocation) {
        guard let (folder, record) = jobRecord(root, id), folder == state.folder else { return false }
        found = record
        return true
    }
    return found!
}

/// Every id in completed/ or dead/ (counted without opening files).
func finishedCount(_ root: String) -> Int {
    ((try? FileSystem.countNames(in: root + "/completed")) ?? 0) + ((try? FileSystem.countNames(in: root + "/dead")) ?? 0)
}

// MARK: - Processes

/// An emulated host: `unshare --uts --pid --fork --mount-proc`, its own host name, a queuectl
/// worker as its pid 1. Killing that pid 1 takes the whole namespace down at once (every job
/// too), as a host that loses power.
struct EmulatedHost {
    let name: String
    let unshare: BackgroundProcess

    static func start(_ spool: TestSpool, name: String, spoolPath: String? = nil, count: Int = 1,
                      environment: [String: String] = [:]) throws -> EmulatedHost {
        let script = "hostname \(name) && exec \(shellQuoted(Binary.path)) --spool \(shellQuoted(spoolPath ?? spool.path)) worker start --count \(count)"
        let process = try spool.startProcess("/usr/bin/unshare", ["--uts", "--pid", "--fork", "--mount-proc", "sh", "-c", script],
                                             environment: environment, label: "host-\(name)")
        return EmulatedHost(name: name, unshare: process)
    }

    /// The namespace's pid 1 (the worker), as the outer namespace numbers it.
    var initPID: Int32? { ProcFiles.children(of: unshare.pid).first }

    /// kill -9 of the namespace's pid 1: the kernel kills everything in the namespace.
    func powerOff() async throws {
        try await waitUntil(timeout: 10, "host \(name) has a pid 1") { initPID != nil || !unshare.isRunning }
        if let pid = initPID { kill(pid, SIGKILL) }
        _ = try await unshare.waitForExit(timeout: 10)
    }
}

// MARK: - What this machine allows

/// A capability some scenarios need, probed once; a missing one is a loud skip, never a pass.
struct Capability: Sendable {
    let available: Bool
    let reason: String

    /// For `.enabled(if:)`: prints `SKIPPED: WHAT: REASON` on stderr when unavailable.
    func check(_ what: String) -> Bool {
        if !available { loudSkip(what, reason) }
        return available
    }

    static let root: Capability = getuid() == 0
        ? Capability(available: true, reason: "")
        : Capability(available: false, reason: "not running as root (uid \(getuid())): mount(2) and unshare(2) need it")

    /// tmpfs can be mounted (root, and a kernel and container that allow it).
    static let tmpfs: Capability = {
        guard root.available else { return root }
        var template = Array("/tmp/queuectl-tmpfs-probe.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { return Capability(available: false, reason: "mkdtemp failed") }
        let path = String(cString: made)
        defer { rmdir(path) }
        guard mount("tmpfs", path, "tmpfs", 0, "size=64k") == 0 else {
            return Capability(available: false, reason: "mount -t tmpfs failed: \(String(cString: strerror(errno)))")
        }
        umount2(path, Int32(MNT_DETACH))
        return Capability(available: true, reason: "")
    }()

    /// `unshare --uts --pid --fork --mount-proc` works.
    static let namespaces: Capability = {
        guard root.available else { return root }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else {
            return Capability(available: false, reason: "/usr/bin/unshare is missing (util-linux)")
        }
        let status = runQuietly("/usr/bin/unshare", ["--uts", "--pid", "--fork", "--mount-proc", "sh", "-c", "hostname probe-host"])
        return status == 0 ? Capability(available: true, reason: "")
            : Capability(available: false, reason: "unshare --uts --pid --fork --mount-proc exited \(status)")
    }()

    static let strace: Capability = {
        for path in ["/usr/bin/strace", "/bin/strace"] where FileManager.default.isExecutableFile(atPath: path) {
            return Capability(available: true, reason: path)
        }
        return Capability(available: false, reason: "strace is not installed (.ci/run installs it: apt-get install strace)")
    }()

    /// sshd, ssh-keygen, sshfs, fusermount and /dev/fuse, plus namespaces for the two hosts.
    static let sshfs: Capability = {
        guard namespaces.available else { return namespaces }
        for tool in ["/usr/sbin/sshd", "/usr/bin/ssh-keygen", "/usr/bin/sshfs"] where !FileManager.default.isExecutableFile(atPath: tool) {
            return Capability(available: false, reason: "\(tool) is missing (.ci/run installs openssh-server and sshfs)")
        }
        guard FileManager.default.fileExists(atPath: "/dev/fuse") else {
            return Capability(available: false, reason: "/dev/fuse does not exist (no FUSE in this kernel or container)")
        }
        return Capability(available: true, reason: "")
    }()
}

private let skipLock = NSLock()
nonisolated(unsafe) private var skipsPrinted: Set<String> = []

/// Prints a skip so that it cannot be missed in the test output (once per line).
func loudSkip(_ what: String, _ reason: String) {
    let line = "SKIPPED: \(what): \(reason)"
    let isNew = skipLock.withLock { skipsPrinted.insert(line).inserted }
    guard isNew else { return }
    FileHandle.standardError.write(Data(("\n" + String(repeating: "!", count: 78) + "\n" + line + "\n"
        + String(repeating: "!", count: 78) + "\n").utf8))
    print(line)
}

// MARK: - Files

/// Sets a path's access and modification times `seconds` into the past, without following a symlink.
func backdate(_ path: String, by seconds: Int) throws {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    var times = [timespec(tv_sec: now.tv_sec - seconds, tv_nsec: 0), timespec(tv_sec: now.tv_sec - seconds, tv_nsec: 0)]
    guard utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW) == 0 else {
        throw HarnessFailure("utimensat \(path): \(String(cString: strerror(errno)))")
    }
}

/// Free blocks of the file system holding `path`, and its block size.
func freeSpace(_ path: String) -> (blocks: UInt64, inodes: UInt64) {
    var info = statvfs()
    guard statvfs(path, &info) == 0 else { return (0, 0) }
    return (UInt64(info.f_bavail), UInt64(info.f_favail))
}
