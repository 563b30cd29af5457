// Power cuts and fsync failures, on powercutfs (Tests/PowerCut/powercutfs.py: a FUSE file system
// that keeps what was not made durable apart and drops it on command; its header states the
// persistence model). The Python driver (Tests/PowerCut/powercut.py) does the work; these tests
// run it against the queuectl built beside them and check its figures. Root, /dev/fuse,
// fusermount3, cc and Debian's python3-pyfuse3 are needed (.ci/run installs them); without them
// the tests skip loudly.

import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension Capability {
    /// Root, /dev/fuse, fusermount3, a C compiler (for the syncfs shim), /usr/bin/python3 with pyfuse3.
    static let powercutfs: Capability = {
        guard root.available else { return root }
        guard FileManager.default.fileExists(atPath: "/dev/fuse") else {
            return Capability(available: false, reason: "/dev/fuse does not exist (no FUSE in this kernel or container)")
        }
        for tool in ["/usr/bin/fusermount3", "/usr/bin/python3", "/usr/bin/cc"] where !FileManager.default.isExecutableFile(atPath: tool) {
            return Capability(available: false, reason: "\(tool) is missing (.ci/run installs fuse3, python3-pyfuse3 and gcc)")
        }
        let status = runQuietly("/usr/bin/python3", ["-c", "import pyfuse3, trio"])
        return status == 0 ? Capability(available: true, reason: "")
            : Capability(available: false, reason: "python3 cannot import pyfuse3 (.ci/run installs python3-pyfuse3)")
    }()
}

extension Faults {
    @Suite("Power cut (powercutfs)", .serialized) struct PowerCut {
        static let driver: String = {
            var url = URL(fileURLWithPath: #filePath)
            for _ in 0..<3 { url.deleteLastPathComponent() }  // Faults, queuectlTests, Tests
            return url.appendingPathComponent("PowerCut/powercut.py").path
        }()

        /// Runs the driver; prints its report; returns its exit status and last line (JSON).
        static func drive(_ what: String, _ extra: [String] = [], timeout: Double) async throws -> (status: Int32, summary: [String: Any]) {
            let result = try await runProgram("/usr/bin/python3", [driver, what, "--queuectl", Binary.path] + extra, timeout: timeout)
            print(result.output)
            let last = result.output.split(separator: "\n").last.map(String.init) ?? ""
            let summary = (try? JSONSerialization.jsonObject(with: Data(last.utf8))) as? [String: Any] ?? [:]
            return (result.status, summary)
        }

        /// The file system proves itself: a producer that renames into pending/ without fsync
        /// loses jobs on it, one that follows the maildir protocol loses none.
        @Test(.enabled("needs root, FUSE and python3-pyfuse3 (see the SKIPPED line)") { Capability.powercutfs.check("power cut (powercutfs)") })
        func fileSystemCatchesAProducerThatSkipsFsync() async throws {
            let (status, summary) = try await Self.drive("selftest", timeout: 300)
            let figures = summary["selftest"] as? [String: [String: Int]] ?? [:]
            #expect((figures["no_fsync"]?["lost"] ?? 0) > 0, "a producer without fsync must be caught losing jobs")
            #expect(figures["protocol"]?["lost"] == 0, "a producer following the protocol must lose none")
            #expect(status == 0)
        }

        /// 30 power cuts at random moments under producers, 2 workers, dlq retry, cancel and
        /// config set; after each reboot, workers and doctor --fix recover. Nothing accepted is
        /// lost or torn, nothing is in two folders, every acknowledged config set holds.
        @Test(.enabled("needs root, FUSE and python3-pyfuse3 (see the SKIPPED line)") { Capability.powercutfs.check("power cut (powercutfs)") })
        func thirtyPowerCutsLoseNothingAccepted() async throws {
            let (status, summary) = try await Self.drive("campaign", ["--cuts", "30"], timeout: 900)
            let figures = summary["campaign"] as? [String: Any] ?? [:]
            print("power cut campaign: \(figures)")
            #expect(figures["cuts"] as? Int == 30)
            #expect((figures["accepted"] as? Int ?? 0) > 0)
            #expect(figures["twice"] as? Int == 0, "jobs were in two folders")
            #expect(figures["config_lost"] as? Int == 0, "an acknowledged config set was lost")
            #expect(figures["lost"] as? Int == 0, "jobs accepted before a power cut were lost")
            #expect(figures["torn"] as? Int == 0, "jobs came back torn or unreadable")
            #expect(status == 0)
        }

        /// fsync and syncfs fail with EIO: enqueue exits 1 and leaves nothing half there; a
        /// worker does not take a failed group commit for done.
        @Test(.enabled("needs root, FUSE and python3-pyfuse3 (see the SKIPPED line)") { Capability.powercutfs.check("power cut (powercutfs)") })
        func fsyncFailuresAreNeverReportedAsSuccess() async throws {
            let (status, summary) = try await Self.drive("eio", timeout: 300)
            let cases = summary["eio"] as? [String: [String: Any]] ?? [:]
            #expect(!cases.isEmpty)
            // With the syncfs shim preloaded and QUEUECTL_TEST_SYNCFS set by the driver, queuectl
            // calls syncfs on this FUSE mount as it does on ext4, so the syncfs cases inject too.
            for (name, result) in cases {
                #expect(result["skipped"] == nil, "\(name) was skipped: \(result)")
                #expect(result["ok"] as? Bool == true, "\(name): \(result)")
            }
            #expect(status == 0)
        }
    }
}
