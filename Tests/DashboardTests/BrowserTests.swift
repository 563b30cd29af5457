// The page in a real browser: headless Chromium, driven by chromedriver and Selenium
// (browser/check_dashboard.py), against the real dashboard over a spool of known contents.
// When Chromium, chromedriver or Selenium is missing, the test says so loudly and is skipped.

import Foundation
import QueueSystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What the browser test needs, found on PATH; `missing` names what is not there.
enum BrowserSetup {
    static let chromium = findExecutable(["chromium", "chromium-browser", "google-chrome"])
    static let chromedriver = findExecutable(["chromedriver"])
    static let python = findExecutable(["python3"])

    static let missing: String? = {
        var missing: [String] = []
        if chromium == nil { missing.append("chromium") }
        if chromedriver == nil { missing.append("chromedriver") }
        if python == nil || !pythonHasSelenium() { missing.append("python3 with selenium") }
        guard !missing.isEmpty else { return nil }
        let message = "SKIPPED: the real-browser dashboard test needs \(missing.joined(separator: ", ")). Install with: apt-get install -y chromium chromium-driver && pip install selenium"
        let banner = String(repeating: "!", count: 100)
        FileHandle.standardError.write(Data("\n\(banner)\n\(message)\n\(banner)\n\n".utf8))
        return message
    }()

    static func findExecutable(_ names: [String]) -> String? {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for name in names {
            for folder in folders where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
                return "\(folder)/\(name)"
            }
        }
        return nil
    }

    private static func pythonHasSelenium() -> Bool {
        guard let python else { return false }
        return runQuietly(python, ["-c", "import selenium"]) == 0
    }
}

@Suite struct BrowserTests {
    @Test(.enabled(if: BrowserSetup.missing == nil, Comment(rawValue: BrowserSetup.missing ?? "")))
    func thePageShowsTheQueueEscapesJobTextAndRetries() async throws {
        let spool = try await makeKnownSpool(keepWorker: true)
        defer { spool.cleanup() }
        // A paused group with a limit and a job waiting in it, beside `default` (the sleeper runs there).
        for arguments in [["group", "set", "deploy", "--limit", "2"], ["group", "pause", "deploy"],
                          ["enqueue", "--group", "deploy", "--id", "deploy-1", "--command", "echo deploy"]] {
            let outcome = try await spool.q(arguments)
            #expect(outcome.status == 0, "\(arguments): \(outcome)")
        }
        let dashboard = try await spool.startDashboard()
        let counts = try await spool.counts()
        #expect(counts == ["pending": 3, "processing": 1, "failed": 1, "completed": 2, "dead": 2])
        // The rows of the groups table as the page shows them: group, running, limit, pending, state.
        let groupRows = [["default", "1", "none", "2", "active"], ["deploy", "0", "2", "1", "paused"]]
        let groupsJSON = String(decoding: try JSONSerialization.data(withJSONObject: groupRows), as: UTF8.self)
        let screenshot = packageRoot + "/.build/dashboard-browser-test.png"
        let countsJSON = String(decoding: try JSONSerialization.data(withJSONObject: counts, options: [.sortedKeys]), as: UTF8.self)
        let script = packageRoot + "/Tests/DashboardTests/browser/check_dashboard.py"
        let process = try spool.start(BrowserSetup.python!, [
            script, "--url", dashboard.origin + "/", "--counts", countsJSON,
            "--hostile-id", "hostile", "--hostile-command", hostileCommand,
            "--hostile-output", "<img src=x onerror=alert(1)><script>window.pwned=1</script>", "--retry-id", "broken",
            "--worker-job", "sleeper", "--groups", groupsJSON, "--screenshot", screenshot,
            "--chromium", BrowserSetup.chromium!, "--chromedriver", BrowserSetup.chromedriver!,
        ])
        try await waitUntil(timeout: 180, "the browser checks finish") { !process.isRunning }
        let printed = process.output
        #expect(process.exitStatus == 0, "browser checks failed:\n\(printed)")
        #expect(printed.contains("browser checks passed"), "\(printed)")

        // What the browser did, seen by the real binary.
        let retried = try await spool.show("broken")
        #expect(retried["state"] as? String == "pending", "\(retried)")
        #expect(retried["attempts"] as? Int == 0)
        #expect(try await spool.show("hostile")["state"] as? String == "dead")
    }
}
