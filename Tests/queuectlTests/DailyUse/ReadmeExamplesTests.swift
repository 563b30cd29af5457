// The README stays true by construction (issue 13, item 15), the way trycmd and cram keep a command
// line's documentation honest: every fenced block of `$ command` lines is run, in order, by
// /bin/sh in a fresh HOME whose default spool is new, and what each command prints (stdout and
// stderr together) must equal the lines the README shows under it, once ids, times, durations,
// pids and the test's own paths are normalised (`ReadmeExamples.normalise`). Markers in the
// README source (HTML comments, invisible on the page) steer it:
//   <!-- readme-test: skip REASON -->   the next block is not run (systemd, a real webhook...)
//   <!-- readme-test: new spool -->     the next block starts again with a fresh HOME and spool
//   <!-- readme-test: run COMMAND -->   COMMAND runs before the next block, its output unchecked
// A foreground `queuectl worker start` runs in the background until the end of its block.
// QUEUECTL_README_ACTUAL=FILE writes what the commands printed there (to update the README).

import Foundation
import QueueCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

enum ReadmeExamples {
    struct Command {
        let line: Int
        let text: String
        var expected: [String] = []
    }

    struct Block {
        let line: Int
        var commands: [Command] = []
        var skip: String?
        var newSpool = false
        var setup: [String] = []
    }

    /// The README's blocks of `$ ` commands, with their markers.
    static func blocks(of readme: String) -> [Block] {
        var blocks: [Block] = []
        var pending = Block(line: 0)
        var current: Block?
        for (index, raw) in readme.components(separatedBy: "\n").enumerated() {
            let number = index + 1
            let line = raw
            if current == nil {
                if line.hasPrefix("<!-- readme-test:"), let end = line.range(of: "-->") {
                    let body = line.dropFirst("<!-- readme-test:".count)[..<end.lowerBound].trimmingCharacters(in: .whitespaces)
                    if body.hasPrefix("skip") { pending.skip = String(body.dropFirst(4)).trimmingCharacters(in: .whitespaces) }
                    else if body == "new spool" { pending.newSpool = true }
                    else if body.hasPrefix("run ") { pending.setup.append(String(body.dropFirst(4))) }
                    continue
                }
                if line == "```" || line == "```console" {
                    current = Block(line: number, skip: pending.skip, newSpool: pending.newSpool, setup: pending.setup)
                    pending = Block(line: 0)
                } else if !line.trimmingCharacters(in: .whitespaces).isEmpty && !line.hasPrefix("```") {
                    pending = Block(line: 0)  // a marker applies to the block right after it
                } else if line.hasPrefix("```") {
                    pending = Block(line: 0)
                    current = Block(line: -number)  // another language: not ours, skipped to its end
                }
                continue
            }
            if line == "```" {
                if let block = current, block.line > 0, !block.commands.isEmpty { blocks.append(block) }
                current = nil
                continue
            }
            guard current!.line > 0 else { continue }
            if line.hasPrefix("$ ") {
                current!.commands.append(Command(line: number, text: String(line.dropFirst(2))))
            } else if !current!.commands.isEmpty {
                current!.commands[current!.commands.count - 1].expected.append(line)
            }
        }
        return blocks
    }

    /// What may differ between two runs, replaced by placeholders; runs of spaces become one
    /// (columns widen with the values), trailing spaces go.
    static func normalise(_ lines: [String], home: String? = nil) -> [String] {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "vm"
        let rules: [(String, String)] = [
            (#"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"#, "<TIME>"),
            (#"\d{8}T\d{6}(\.\d+)?Z"#, "<TIME>"),
            (#"(?<=-)0[0-9a-z]{10}(?=-)"#, "<AGE>"),
            (#"\b[0-9a-z]{10}-[0-9a-z]{4}\b"#, "<ID>"),
            (#"\b"# + NSRegularExpression.escapedPattern(for: host) + #"-\d+-[0-9a-z]+\b"#, "<WORKER>"),
            (#"\bjust now\b"#, "<DUR> ago"),
            (#"\b\d+(\.\d+)?(µs|ms|s|m|h|d)(\d+(ms|s|m|h))*\b"#, "<DUR>"),
            (#"\[\d+\]"#, "[<PID>]"),
            (#"\bpid \d+(, \d+)*"#, "pid <PID>"),
            (#"^\d{2,}(?=\s|$)"#, "<PID>"),
            (#""pid": \d+"#, #""pid": <PID>"#),
            (#""(\w+_sec)": [\d.]+"#, #""$1": <N>"#),
            (#"/tmp/queuectl-readme\.[^/ ]+/home"#, "/home/me"),
        ]
        return lines.map { line in
            var text = line
            if let home { text = text.replacingOccurrences(of: home, with: "/home/me") }
            if host != "vm" { text = text.replacingOccurrences(of: host, with: "vm") }
            for (pattern, template) in rules {
                text = text.replacingOccurrences(of: pattern, with: template, options: .regularExpression)
            }
            text = text.replacingOccurrences(of: #" {2,}"#, with: " ", options: .regularExpression)
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
    }
}

@Suite("README examples", .serialized) struct ReadmeExamplesTests {
    static var readme: String {
        (try? String(contentsOfFile: Binary.packageRoot + "/README.md", encoding: .utf8)) ?? ""
    }

    @Test func everyCommandExamplePrintsWhatTheReadmeShows() async throws {
        let blocks = ReadmeExamples.blocks(of: Self.readme)
        #expect(blocks.count >= 10, "the README's example blocks were found (\(blocks.count))")
        var spool = try TestSpool(prefix: "queuectl-readme")
        defer { spool.cleanup() }
        var actualLog = ""
        for block in blocks {
            if let reason = block.skip {
                actualLog += "--- block at line \(block.line): skipped (\(reason))\n"
                continue
            }
            if block.newSpool {
                spool.cleanup()
                spool = try TestSpool(prefix: "queuectl-readme")
            }
            let home = spool.root + "/home"
            let binDir = (Binary.path as NSString).deletingLastPathComponent
            let environment = ["HOME": home, "XDG_DATA_HOME": "", "QUEUECTL_SPOOL": "", "NO_COLOR": "1",
                               "PATH": binDir + ":/usr/bin:/bin", "TZ": "UTC", "COLUMNS": "200"]
            for command in block.setup {
                let setup = try await runShell(command, spool: spool, home: home, environment: environment)
                #expect(setup.status == 0, "README line \(block.line): setup '\(command)' failed: \(setup.output)")
            }
            var background: [TestProcess] = []
            actualLog += "--- block at line \(block.line)\n"
            for command in block.commands {
                let words = command.text.split(separator: " ").map(String.init)
                if words.starts(with: ["queuectl", "worker", "start"]) && !words.contains("--detach") {
                    background.append(try spool.start("/bin/sh", ["-c", command.text], environment: environment, cwd: home))
                    try await waitUntil("the worker of README line \(command.line) registered") {
                        !((try? FileManager.default.contentsOfDirectory(atPath: home + "/.local/share/queuectl/workers")) ?? []).isEmpty
                    }
                    actualLog += "$ \(command.text)\n"
                    continue
                }
                let result = try await runShell(command.text, spool: spool, home: home, environment: environment)
                let actual = result.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                    .reversed().drop { $0.isEmpty }.reversed().map { $0 }
                actualLog += "$ \(command.text)\n" + actual.map { $0.replacingOccurrences(of: home, with: "/home/me") + "\n" }.joined()
                let expected = ReadmeExamples.normalise(command.expected)
                let got = ReadmeExamples.normalise(actual, home: home)
                if expected != got {
                    let diff = zip(0..., zip(expected + Array(repeating: "<nothing>", count: max(0, got.count - expected.count)),
                                             got + Array(repeating: "<nothing>", count: max(0, expected.count - got.count))))
                        .filter { $0.1.0 != $0.1.1 }
                        .map { "  README line \(command.line + 1 + $0.0): \($0.1.0)\n  printed:        \($0.1.1)" }
                    Issue.record("README line \(command.line): `\(command.text)` printed something else:\n\(diff.joined(separator: "\n"))")
                }
            }
            for process in background {
                process.signal(SIGTERM)
                _ = try await process.waitForExit(timeout: 60)
            }
        }
        if let path = ProcessInfo.processInfo.environment["QUEUECTL_README_ACTUAL"] {
            try actualLog.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    @Test func theNormaliserStillCatchesADriftedLine() {
        // The placeholders must not swallow what matters: a changed word, count or state fails.
        let shown = ["ID STATE TRIES", "flaky  dead   2/2    0    3s ago  exit 3", "Stopped 2 workers (pid 30647, 30648)."]
        let same = ["ID STATE TRIES", "flaky dead 2/2 0 just now exit 3", "Stopped 2 workers (pid 1201, 1202)."]
        #expect(ReadmeExamples.normalise(shown) == ReadmeExamples.normalise(same))
        for drifted in [["ID STATE TRIES", "flaky failed 2/2 0 3s ago exit 3", "Stopped 2 workers (pid 1, 2)."],
                        ["ID STATE TRIES", "flaky dead 1/2 0 3s ago exit 3", "Stopped 2 workers (pid 1, 2)."],
                        ["ID STATE TRIES", "flaky dead 2/2 0 3s ago exit 3", "Stopped 3 workers (pid 1, 2)."]] {
            #expect(ReadmeExamples.normalise(shown) != ReadmeExamples.normalise(drifted), "\(drifted)")
        }
    }

    func runShell(_ command: String, spool: TestSpool, home: String, environment: [String: String]) async throws -> (status: Int32, output: String) {
        let process = try spool.start("/bin/sh", ["-c", "exec 2>&1; " + command], environment: environment, cwd: home)
        let status = try await process.waitForExit(timeout: 60)
        return (status, process.output)
    }
}
