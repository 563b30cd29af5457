// The README's systemd unit works as written (issue 13, item 14): `systemd-analyze verify` accepts
// it, and its ExecStart, run as an unprivileged user against a folder made the way
// StateDirectory= makes it (owned by that user, mode 0700), starts workers that run that user's
// jobs and stop on SIGTERM. Skipped, loudly, without systemd-analyze or without root.

import Foundation
import QueueCore
import QueueSystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("README systemd unit") struct SystemdUnitTests {
    /// The ```ini block of the README that holds `[Service]`.
    static func unit() throws -> String {
        let readme = try String(contentsOfFile: Binary.packageRoot + "/README.md", encoding: .utf8)
        let blocks = readme.components(separatedBy: "```ini\n").dropFirst().map { $0.components(separatedBy: "\n```")[0] }
        return try #require(blocks.first { $0.contains("[Service]") }, "the README has a systemd unit")
    }

    static func value(_ key: String, in unit: String) -> String? {
        unit.split(separator: "\n").first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }

    @Test func systemdAnalyzeVerifiesTheUnit() async throws {
        guard let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first(where: FileManager.default.isExecutableFile) else {
            print("SKIPPED: systemd-analyze is not installed (.ci/run installs systemd)")
            return
        }
        let spool = try TestSpool()
        defer { spool.cleanup() }
        // As written, but for where the binary is (verify checks that ExecStart's program exists).
        let unit = try Self.unit().replacingOccurrences(of: "/usr/local/bin/queuectl", with: Binary.path)
        let path = spool.scratchPath("queuectl-readme.service")
        try unit.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await Control.runProgram(spool, analyze, ["verify", path])
        // Without a running systemd, verify still parses the unit; it may only complain that it
        // cannot reach the manager, and must not name a problem in the unit.
        let problems = result.output.split(separator: "\n").filter { $0.contains("queuectl-readme.service") }
        #expect(problems.isEmpty, "systemd-analyze verify: \(result.output)")
    }

    @Test func execStartRunsAsTheServiceUserAgainstItsStateDirectory() async throws {
        guard CurrentProcess.userID == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
            print("SKIPPED: running the unit's ExecStart as another user needs root and setpriv")
            return
        }
        let unit = try Self.unit()
        #expect(Self.value("StateDirectory", in: unit) == "queuectl")
        #expect(Self.value("StateDirectoryMode", in: unit) == "0700")
        #expect(Self.value("Environment", in: unit) == "QUEUECTL_SPOOL=/var/lib/queuectl")
        let execStart = try #require(Self.value("ExecStart", in: unit))
        let spool = try TestSpool()
        defer { spool.cleanup() }
        // What StateDirectory= does: the folder, owned by the service user, mode 0700.
        let (uid, gid): (UInt32, UInt32) = (65534, 65534)  // nobody:nogroup stands for `jobs`
        chmod(spool.root, 0o755)
        let state = spool.root + "/var-lib-queuectl"
        try FileSystem.makeDirectory(state)
        chown(state, uid, gid)
        // The binary where that user can run it (the build folder may not be open to it).
        let binary = spool.root + "/queuectl"
        try FileManager.default.copyItem(atPath: Binary.path, toPath: binary)
        chmod(binary, 0o755)
        let words = execStart.replacingOccurrences(of: "/usr/local/bin/queuectl", with: binary).split(separator: " ").map(String.init)
        let asUser = ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "--"]
        let environment = ["QUEUECTL_SPOOL": state, "HOME": state]
        let service = try spool.start("/usr/bin/setpriv", asUser + words, environment: environment)
        try await waitUntil("the unit's workers registered") {
            ((try? FileManager.default.contentsOfDirectory(atPath: state + "/workers")) ?? []).count == 4
        }
        // Another user enqueues as the service's user, as the README says.
        let enqueue = try await Control.runProgram(spool, "/usr/bin/setpriv",
            asUser + [binary, "enqueue", "--id", "from-alice", "--cwd", state, "--command", "id -u"], environment: environment)
        #expect(enqueue.status == 0, "\(enqueue.output)")
        try await waitUntil("the job completed") { FileSystem.exists(state + "/completed/from-alice.json") }
        let log = try String(contentsOfFile: state + "/logs/from-alice.log", encoding: .utf8)
        #expect(log.contains("\n\(uid)\n"), "ran as the service user: \(log)")
        service.signal(SIGTERM)
        #expect(try await service.waitForExit(timeout: 30) == 0, "\(service.output)")
    }
}
