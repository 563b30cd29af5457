// The command line itself: help, version, usage errors, which spool is used (--spool anywhere,
// QUEUECTL_SPOOL, the default), the spool's creation mode, and the shell completion scripts.

import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct CLITests {
    @Test func helpPrintsUsageOnStdoutAndExitsZero() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let help = try await spool.run(["--help"])
        #expect(help.status == 0, "\(help)")
        #expect(help.stdout.contains("USAGE: queuectl"), "\(help)")
        #expect(help.stdout.contains("SUBCOMMANDS:"), "\(help)")
        #expect(help.stdout.contains("enqueue"), "\(help)")
        #expect(help.stderr.isEmpty, "\(help)")
        // `--help` never creates a spool.
        #expect(!FileManager.default.fileExists(atPath: spool.root + "/home/.local/share/queuectl"))
    }

    @Test func bareQueuectlPrintsTheRootHelp() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let bare = try await spool.run([])
        let help = try await spool.run(["--help"])
        #expect(bare.status == 0, "\(bare)")
        #expect(bare.stdout == help.stdout)
        #expect(bare.stdout.contains("OVERVIEW:"))
    }

    @Test(arguments: ["enqueue", "worker", "status", "list", "config"])
    func helpSubcommandEqualsSubcommandDashDashHelp(_ command: String) async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let viaHelp = try await spool.run(["help", command])
        let viaFlag = try await spool.run([command, "--help"])
        #expect(viaHelp.status == 0, "\(viaHelp)")
        #expect(viaFlag.status == 0, "\(viaFlag)")
        #expect(viaHelp.stdout == viaFlag.stdout)
        #expect(viaFlag.stdout.contains("USAGE: queuectl \(command)"), "\(viaFlag)")
        #expect(viaFlag.stderr.isEmpty)
    }

    @Test func enqueueHelpDescribesItsOptions() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let help = try await spool.run(["enqueue", "--help"])
        #expect(help.stdout.contains("OVERVIEW: Add a job to the queue."), "\(help)")
        for option in ["--command", "--id", "--max-retries", "--priority", "--run-at", "--delay", "--timeout", "--file"] {
            #expect(help.stdout.contains(option), "enqueue --help does not mention \(option)")
        }
    }

    @Test func versionPrintsAVersionNumber() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let version = try await spool.run(["--version"])
        #expect(version.status == 0, "\(version)")
        #expect(version.trimmed.range(of: #"^\d+\.\d+\.\d+"#, options: .regularExpression) != nil, "\(version)")
        #expect(version.stderr.isEmpty)
    }

    @Test func unknownOptionIsAUsageErrorOnStderr() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let root = try await spool.run(["--bogus"])
        #expect(root.status == 2, "\(root)")
        #expect(root.stdout.isEmpty, "\(root)")
        #expect(root.stderr.hasPrefix("Error: Unknown option '--bogus'"), "\(root)")
        #expect(root.stderr.contains("Usage: queuectl"), "\(root)")
        #expect(root.stderr.contains("--help"), "\(root)")

        let sub = try await spool.q("enqueue", "--command", "true", "--prority", "3")
        #expect(sub.status == 2, "\(sub)")
        #expect(sub.stdout.isEmpty, "\(sub)")
        #expect(sub.stderr.contains("Error: Unknown option '--prority'"), "\(sub)")
        #expect(sub.stderr.contains("Did you mean '--priority'?"), "\(sub)")
        #expect(sub.stderr.contains("Usage: queuectl enqueue"), "\(sub)")
        #expect(sub.stderr.contains("See 'queuectl enqueue --help'"), "\(sub)")
        #expect(spool.names("pending").isEmpty, "a usage error must write nothing")
    }

    @Test func spoolOptionWorksBeforeAndAfterTheSubcommand() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let first = spool.root + "/first", second = spool.root + "/second"
        let before = try await spool.run(["--spool", first, "enqueue", "--command", "true", "--id", "before"])
        let after = try await spool.run(["enqueue", "--command", "true", "--id", "after", "--spool", second])
        #expect(before.status == 0, "\(before)")
        #expect(after.status == 0, "\(after)")
        let firstPending = try FileManager.default.contentsOfDirectory(atPath: first + "/pending")
        let secondPending = try FileManager.default.contentsOfDirectory(atPath: second + "/pending")
        #expect(firstPending.count == 1 && firstPending[0].hasSuffix("-before.json"), "\(firstPending)")
        #expect(secondPending.count == 1 && secondPending[0].hasSuffix("-after.json"), "\(secondPending)")
    }

    @Test func environmentVariableChoosesTheSpoolAndTheOptionOverridesIt() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let fromEnvironment = spool.root + "/env-spool"
        let env = ["QUEUECTL_SPOOL": fromEnvironment]
        let viaEnv = try await spool.run(["enqueue", "--command", "true", "--id", "via-env"], environment: env)
        #expect(viaEnv.status == 0, "\(viaEnv)")
        let envPending = try FileManager.default.contentsOfDirectory(atPath: fromEnvironment + "/pending")
        #expect(envPending.count == 1 && envPending[0].hasSuffix("-via-env.json"), "\(envPending)")

        let viaOption = try await spool.run(["--spool", spool.path, "enqueue", "--command", "true", "--id", "via-option"],
                                            environment: env)
        #expect(viaOption.status == 0, "\(viaOption)")
        #expect(spool.state(of: "via-option") == "pending")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fromEnvironment + "/pending").count == 1)

        let list = try await spool.run(["list", "--json"], environment: env)
        let ids = try jsonArray(list.stdout).compactMap { $0["id"] as? String }
        #expect(ids == ["via-env"])
    }

    @Test func withoutOptionOrVariableTheDefaultSpoolIsUnderXDGDataHome() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let result = try await spool.run(["enqueue", "--command", "true", "--id", "default-spool"])
        #expect(result.status == 0, "\(result)")
        let defaultPending = spool.root + "/home/.local/share/queuectl/pending"
        let names = try FileManager.default.contentsOfDirectory(atPath: defaultPending)
        #expect(names.count == 1 && names[0].hasSuffix("-default-spool.json"), "\(names)")
    }

    @Test func missingSpoolIsCreatedWithMode0700() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let nested = spool.root + "/deep/er/spool"
        let result = try await spool.run(["--spool", nested, "init"])
        #expect(result.status == 0, "\(result)")
        for folder in [nested] + TestSpool.states.map({ nested + "/" + $0 }) + [nested + "/tmp"] {
            var info = stat()
            #expect(lstat(folder, &info) == 0, "\(folder) was not created")
            #expect(info.st_mode & S_IFMT == S_IFDIR, "\(folder) is not a directory")
            #expect(info.st_mode & 0o777 == 0o700, "\(folder) has mode \(String(info.st_mode & 0o777, radix: 8))")
        }
    }

    @Test func bashCompletionIsValidBash() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let script = try await spool.run(["completion", "bash"])
        #expect(script.status == 0, "\(script)")
        #expect(script.stdout.contains("complete"), "\(script)")
        #expect(script.stdout.contains("enqueue"), "\(script)")
        let file = spool.scratchPath("queuectl.bash")
        try script.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        let check = try await runProgram("/bin/bash", ["-n", file])
        #expect(check.status == 0, "bash -n rejects the script: \(check.output)")
    }

    @Test func zshAndFishCompletionsAreScriptsForTheirShells() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let zsh = try await spool.run(["completion", "zsh"])
        #expect(zsh.status == 0, "\(zsh)")
        #expect(zsh.stdout.hasPrefix("#compdef queuectl"), "\(zsh.stdout.prefix(200))")
        let fish = try await spool.run(["completion", "fish"])
        #expect(fish.status == 0, "\(fish)")
        #expect(fish.stdout.contains("complete -c queuectl"), "\(fish.stdout.prefix(200))")
        // Syntax checks where the shells are installed.
        for (shell, text) in [("zsh", zsh.stdout), ("fish", fish.stdout)] {
            guard let binary = ["/usr/bin/" + shell, "/bin/" + shell].first(where: FileManager.default.isExecutableFile)
            else { continue }
            let file = spool.scratchPath("queuectl." + shell)
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            let check = try await runProgram(binary, ["-n", file])
            #expect(check.status == 0, "\(shell) -n rejects the script: \(check.output)")
        }
        let unknown = try await spool.run(["completion", "tcsh"])
        #expect(unknown.status == 2, "\(unknown)")
        #expect(unknown.stdout.isEmpty)
    }
}
