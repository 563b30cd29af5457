// `status --watch` under a pseudo-terminal (a private tmux server): the full-screen view shows the
// counts, the groups and running jobs, `q` or Ctrl-C leaves with exit 0 and the terminal restored.

import Foundation
import QueueCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension Control {
    @Suite("status --watch") struct Watch {
        /// The script run in the pane: the terminal settings before and after, then the exit status.
        /// `set -m` gives the shell job control, as an interactive shell has: queuectl runs as the
        /// terminal's foreground process group, so Ctrl-C reaches it and not the shell.
        private func script(_ spool: TestSpool, _ arguments: String) -> String {
            let q = shellQuoted(Binary.path) + " --spool " + shellQuoted(spool.path)
            let before = shellQuoted(spool.scratchPath("stty.before")), after = shellQuoted(spool.scratchPath("stty.after"))
            return "set -m; stty -g > \(before); \(q) \(arguments); status=$?; stty -g > \(after); echo EXITED:$status; exec sleep 300"
        }

        @Test
        func showsTheCountsAndQRestoresTheTerminal() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "one", "--delay", "1h").status == 0)
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "two", "--delay", "1h").status == 0)
            #expect(try await spool.q("enqueue", "--command", "exit 1", "--id", "broken", "--max-retries", "0").status == 0)
            #expect(try await spool.q("enqueue", "--command", Control.gated(spool, "busy"), "--id", "busy").status == 0)
            let worker = try spool.startWorker()
            try await spool.waitForState("broken", "dead")
            _ = try await Control.pid(in: spool, "busy.started")

            let tmux = try await Control.Tmux.start(spool, script: script(spool, "status --watch --interval 0.3"), width: 120, height: 40)
            let screen = try await tmux.waitForScreen(containing: "pending 2")
            #expect(screen.contains("processing 1"), "\(screen)")
            #expect(screen.contains("dead 1"), "\(screen)")
            #expect(screen.contains("completed 0"), "\(screen)")
            #expect(screen.contains("busy"), "the running job is listed: \(screen)")
            #expect(screen.contains("broken"), "the newest dead job is listed: \(screen)")
            #expect(try await tmux.display("#{alternate_on}") == "1", "the view uses the alternate screen")
            #expect(try await tmux.display("#{cursor_flag}") == "0", "the cursor is hidden while watching")

            // Refreshed in place: a change shows up without a keypress.
            Control.release(spool, "busy")
            try await tmux.waitForScreen(containing: "completed 1")

            try await tmux.send("q")
            let after = try await tmux.waitForScreen(containing: "EXITED:0")
            #expect(!after.contains("q quits") && !after.contains("pending 2"), "the normal screen is back: \(after)")
            #expect(try await tmux.display("#{alternate_on}") == "0", "the alternate screen is left")
            #expect(try await tmux.display("#{cursor_flag}") == "1", "the cursor is shown again")
            let before = ProcFiles.text(spool.scratchPath("stty.before")), restored = ProcFiles.text(spool.scratchPath("stty.after"))
            #expect(before != nil && before == restored, "the terminal modes are restored: \(before ?? "-") vs \(restored ?? "-")")
            await tmux.kill()
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit() == 0, "\(worker.output)")
        }

        @Test
        func ctrlCLeavesWithExitZeroAndRestoresTheTerminal() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            #expect(try await spool.q("pause").status == 0)
            #expect(try await spool.q("enqueue", "--command", "true", "--id", "held").status == 0)
            #expect(try await spool.q("group", "set", "deploy", "--limit", "1").status == 0)
            #expect(try await spool.q("enqueue", "--group", "deploy", "--command", "true", "--id", "d1").status == 0)
            let tmux = try await Control.Tmux.start(spool, script: script(spool, "status --watch --interval 0.3"), width: 100, height: 30)
            let screen = try await tmux.waitForScreen(containing: "pending 2")
            #expect(screen.contains("PAUSED"), "the view says the queue is paused: \(screen)")
            #expect(screen.contains("groups  default 0/- running, 1 pending   deploy 0/1 running, 1 pending"),
                    "each group with running/limit and its pending jobs: \(screen)")
            try await tmux.send("C-c")
            try await tmux.waitForScreen(containing: "EXITED:0")
            #expect(try await tmux.display("#{alternate_on}") == "0")
            #expect(try await tmux.display("#{cursor_flag}") == "1")
            let before = ProcFiles.text(spool.scratchPath("stty.before")), restored = ProcFiles.text(spool.scratchPath("stty.after"))
            #expect(before != nil && before == restored, "the terminal modes are restored: \(before ?? "-") vs \(restored ?? "-")")
            await tmux.kill()
        }

        @Test func watchWithoutATerminalIsAUsageError() async throws {
            let spool = try TestSpool()
            defer { spool.cleanup() }
            let watch = try await spool.q("status", "--watch", "--interval", "0.3")
            #expect(watch.status == 2, "\(watch)")
            #expect(watch.stderr.contains("terminal"), "\(watch)")
            #expect(watch.stdout.isEmpty, "no escape sequences into a pipe: \(watch)")
        }
    }
}
