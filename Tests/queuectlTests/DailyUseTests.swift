// The first hour of a user coming from nq, task-spooler or pueue (issue 13): reading commands on a
// path with no spool create nothing, `init`, typos and bad input refused at enqueue,
// `enqueue -- CMD ARG...`, `requeue`, `rm`, `edit`, what `list` and `dlq list` show, and the small
// things (durations, `config get`, completion). Every test drives the real binary.

import Foundation
import QueueSystem
import Testing

@Suite struct DailyUseTests {
    // MARK: 3. No spool: reading creates nothing

    @Test func readingCommandsOnAPathWithNoSpoolCreateNothingAndSaySo() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let typo = spool.root + "/spoll"
        let notice = "queuectl: no spool at \(typo) (nothing was created; 'queuectl init' creates one)"
        let readers: [[String]] = [
            ["status"], ["status", "--json"], ["list"], ["list", "--state", "pending", "--json"], ["dlq", "list", "--json"],
            ["config", "get", "max_retries"], ["config", "list"], ["doctor"], ["quarantine", "list"],
            ["wait", "--all"], ["show", "x"], ["logs", "x"],
        ]
        for arguments in readers {
            let outcome = try await spool.run(["--spool", typo] + arguments)
            #expect(outcome.stderr.contains(notice), "\(outcome)")
            #expect(!FileManager.default.fileExists(atPath: typo), "\(arguments) created \(typo)")
        }
        // stdout is what an empty queue gives, so scripts written for other queuectls keep working.
        #expect(try await spool.run(["--spool", typo, "list", "--state", "pending", "--json"]).trimmed == "[]")
        let status = try jsonObject(try await spool.run(["--spool", typo, "status", "--json"]).stdout)
        #expect((status["jobs"] as? [String: Int]) == ["pending": 0, "processing": 0, "failed": 0, "completed": 0, "dead": 0])
        #expect(try await spool.run(["--spool", typo, "config", "get", "max_retries"]).trimmed == "3")
        // An existing folder that is not a spool (a home directory, say) is left as it was, too.
        let folder = spool.root + "/home"
        #expect(try await spool.run(["--spool", folder, "list"]).stderr.contains("no spool at \(folder)"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)

        // `init` creates it (0700) and prints its path; then the notice is gone.
        let created = try await spool.run(["--spool", typo, "init"])
        #expect(created.status == 0 && created.trimmed == typo, "\(created)")
        #expect(FileManager.default.fileExists(atPath: typo + "/pending"))
        let mode = try FileManager.default.attributesOfItem(atPath: typo)[.posixPermissions] as? Int
        #expect(mode == 0o700)
        let quiet = try await spool.run(["--spool", typo, "status"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet)")
        // Writing commands still create the spool on first use.
        let other = spool.root + "/fresh"
        #expect(try await spool.run(["--spool", other, "enqueue", "--", "true"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: other + "/pending"))
    }

    /// The README's sh snippet, as written, on a machine where queuectl never ran.
    @Test func theReadmeDropSnippetWorksOnAFreshMachine() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let readme = try String(contentsOfFile: Binary.packageRoot + "/README.md", encoding: .utf8)
        let start = try #require(readme.range(of: "```sh\nspool=$(queuectl init)"))
        let end = try #require(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
        let snippet = String(readme[readme.index(start.lowerBound, offsetBy: 6)..<end.lowerBound])
        let bin = (Binary.path as NSString).deletingLastPathComponent
        let environment = ["PATH=\(bin):/usr/bin:/bin", "HOME=\(spool.root)/home", "QUEUECTL_SPOOL=\(spool.path)"]
        let ran = try await runProgram("/bin/sh", ["-ec", snippet], environment: environment)
        #expect(ran.status == 0, "\(ran.output)")
        #expect(spool.names("pending").count == 1, "the dropped job is in pending/")
        let worker = try spool.startWorker()
        try await waitUntil("the dropped job completed") { spool.names("completed").count == 1 }
        worker.signal(.terminate)
        _ = try await worker.waitForExit()
    }

    // MARK: 4 and 5. Refused at enqueue, nothing written

    @Test func aMisspeltFieldIsRefusedAndOtherUnknownFieldsAreKeptAndShown() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let typo = try await spool.q("enqueue", #"{"command":"true","priorty":3}"#)
        #expect(typo.status == 2, "\(typo)")
        #expect(typo.stderr.contains("unknown field 'priorty'; did you mean 'priority'?"), "\(typo)")
        let batch = try await spool.q("enqueue", "--file", "-", stdin: "{\"command\":\"true\"}\n{\"command\":\"true\",\"max_retires\":1}\n")
        #expect(batch.status == 2 && batch.stderr.contains("line 2: unknown field 'max_retires'; did you mean 'max_retries'?"), "\(batch)")
        #expect(spool.names("pending").isEmpty, "nothing written")

        let kept = try await spool.q("enqueue", "--id", "k", #"{"command":"true","team":"web"}"#)
        #expect(kept.status == 0, "\(kept)")
        #expect(spool.record(of: "k")?["team"] as? String == "web")
        #expect(try await spool.q("show", "k").stdout.contains(#"unknown field:  team = "web""#))
        // A dropped file stays lenient: its misspelt field is kept, and shown.
        try FileManager.default.createDirectory(atPath: spool.path + "/tmp", withIntermediateDirectories: true)
        try Data(#"{"command":"true","priorty":3}"#.utf8).write(to: URL(fileURLWithPath: spool.path + "/tmp/d"))
        try FileManager.default.moveItem(atPath: spool.path + "/tmp/d", toPath: spool.path + "/pending/dropped.json")
        let shown = try await spool.q("show", "dropped")
        #expect(shown.status == 0 && shown.stdout.contains("unknown field:  priorty = 3"), "\(shown)")
    }

    @Test func whatNoWorkerWouldRunIsRefusedAtEnqueue() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("config", "set", "max_job_bytes", "1024").status == 0)
        let big = try await spool.q("enqueue", "--", "echo", String(repeating: "a", count: 2000))
        #expect(big.status == 2 && big.stderr.contains("more than max_job_bytes (1024)"), "\(big)")
        let bigLine = try await spool.q("enqueue", "--file", "-", stdin: "{\"command\":\"echo \(String(repeating: "b", count: 2000))\"}\n")
        #expect(bigLine.status == 2 && bigLine.stderr.contains("max_job_bytes"), "\(bigLine)")
        // Bytes that are not UTF-8, in the JSON argument, in a flag, in the words after --, in a --file line.
        let script = """
            q() { "$0" --spool "$1" "$@"; }
            bad=$(printf 'echo \\377')
            "$0" --spool "$1" enqueue "{\\"command\\":\\"$bad\\"}"; echo "json=$?"
            "$0" --spool "$1" enqueue --command "$bad"; echo "flag=$?"
            "$0" --spool "$1" enqueue --env "A=$bad" -- true; echo "env=$?"
            "$0" --spool "$1" enqueue -- $bad; echo "words=$?"
            printf '{"command":"%s"}\\n' "$bad" | "$0" --spool "$1" enqueue --file -; echo "file=$?"
            """
        let ran = try await runProgram("/bin/sh", ["-c", script, Binary.path, spool.path])
        for label in ["json", "flag", "env", "words", "file"] {
            #expect(ran.output.contains("\(label)=2"), "\(label): \(ran.output)")
        }
        #expect(ran.output.contains("is not valid UTF-8 text; nothing was written"), "\(ran.output)")
        #expect(ran.output.contains("invalid UTF-8 byte 0xFF"), "\(ran.output)")
        #expect(spool.names("pending").isEmpty, "nothing written")
    }

    // MARK: 8. enqueue -- CMD ARG...

    @Test func wordsAfterDashDashReachTheProgramExactly() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let words = ["a b", "it's", "\"quoted\"", "$HOME", "*", ";", "`id`", "a\\b", "", "x=1", "-n", "ünï"]
        let out = spool.scratch + "/words"
        let added = try await spool.run(["--spool", spool.path, "enqueue", "--id", "w", "--", "/bin/sh", "-c",
                                          #"for w in "$@"; do printf '[%s]\n' "$w"; done > "$0""#, out] + words)
        #expect(added.status == 0, "\(added)")
        let shown = try await spool.q("show", "w")
        #expect(shown.stdout.contains(#"command:   /bin/sh -c 'for w in "$@"; do printf '\''[%s]\n'\'' "$w"; done > "$0"'"#), "\(shown)")
        let worker = try spool.startWorker()
        try await spool.waitForState("w", "completed")
        worker.signal(.terminate)
        _ = try await worker.waitForExit()
        #expect(ProcFiles.text(out) == words.map { "[\($0)]\n" }.joined())

        let bare = try await spool.q("enqueue", "echo", "hi")
        #expect(bare.status == 2, "\(bare)")
        #expect(bare.stderr.contains("queuectl enqueue -- echo hi"), "\(bare)")
        let single = try await spool.q("enqueue", "make")
        #expect(single.status == 2 && single.stderr.contains("queuectl enqueue -- make"), "\(single)")
        #expect(try await spool.q("enqueue", "--command", "x", "--", "y").status == 2)
        #expect(try await spool.q("enqueue", "--").status == 2)
        #expect(spool.names("pending").isEmpty)
    }

    // MARK: 9, 10, 11. requeue, rm, edit

    @Test func requeueRunsAFinishedJobAgainAndTheLogKeepsEarlierRuns() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("enqueue", "--id", "ok", "--", "echo", "ran").status == 0)
        #expect(try await spool.q("enqueue", "--id", "bad", "--max-retries", "0", "--", "sh", "-c", "echo failing; exit 3").status == 0)
        #expect(try await spool.q("enqueue", "--id", "later", "--delay", "1h", "--", "true").status == 0)
        let worker = try spool.startWorker()
        try await spool.waitForState("ok", "completed")
        try await spool.waitForState("bad", "dead")
        let pending = try await spool.q("requeue", "later")
        #expect(pending.status == 1 && pending.stderr.contains("is pending"), "\(pending)")
        let requeued = try await spool.q("requeue", "ok", "bad")
        #expect(requeued.status == 0 && requeued.lines == ["ok", "bad"], "\(requeued)")
        try await waitUntil("ok ran twice") { (ProcFiles.text(spool.path + "/logs/ok.log") ?? "").components(separatedBy: "ran\n").count == 3 }
        let again = try await spool.waitForState("ok", "completed")
        #expect(int(again, "attempts") == 1, "attempts were reset")
        try await waitUntil("bad ran twice") { (ProcFiles.text(spool.path + "/logs/bad.log") ?? "").components(separatedBy: "failing\n").count == 3 }
        try await spool.waitForState("bad", "dead")
        worker.signal(.terminate)
        _ = try await worker.waitForExit()
        #expect(try await spool.q("requeue", "nope").status == 1)
    }

    @Test func rmDeletesAJobWithItsLogAndIdButNotARunningOne() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("enqueue", "--id", "done", "--", "echo", "out").status == 0)
        #expect(try await spool.q("enqueue", "--id", "long", "--", "sleep", "30").status == 0)
        let worker = try spool.startWorker()
        try await spool.waitForState("done", "completed")
        try await spool.waitForState("long", "processing")
        let running = try await spool.q("rm", "long")
        #expect(running.status == 1 && running.stderr.contains("queuectl cancel long"), "\(running)")
        #expect(spool.state(of: "long") == "processing")
        let removed = try await spool.q("rm", "done")
        #expect(removed.status == 0 && removed.trimmed == "done", "\(removed)")
        #expect(spool.state(of: "done") == nil)
        #expect(!FileManager.default.fileExists(atPath: spool.path + "/logs/done.log"))
        #expect(try await spool.q("enqueue", "--id", "done", "--", "true").status == 0, "the id is free again")
        #expect(try await spool.q("rm", "nope").status == 1)
        worker.signal(.kill)
        _ = try await worker.waitForExit()
    }

    /// rm against workers claiming the same jobs: each job either ran once or was removed before
    /// it ran; none is left half-way, none runs twice.
    @Test func rmRacingWorkersLosesNothingAndRunsNothingTwice() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let ledger = spool.scratch + "/ledger"
        let lines = (0..<60).map { #"{"id":"j\#($0)","command":"echo j\#($0) >> \#(ledger)"}"# }.joined(separator: "\n")
        #expect(try await spool.q("enqueue", "--file", "-", stdin: lines + "\n").status == 0)
        let worker = try spool.startWorker(count: 2)
        let removal = try await spool.run(["--spool", spool.path, "rm"] + (0..<60).map { "j\($0)" })
        try await waitUntil("the queue is empty") { spool.names("pending").isEmpty && spool.names("processing").isEmpty }
        worker.signal(.terminate)
        _ = try await worker.waitForExit()
        let ran = (ProcFiles.text(ledger) ?? "").split(separator: "\n").map(String.init)
        #expect(Set(ran).count == ran.count, "no job ran twice")
        let removedIDs = Set(removal.lines)
        for index in 0..<60 {
            let id = "j\(index)"
            let state = spool.state(of: id)
            // Removed (gone) or finished; a job that ran and was removed afterwards is gone too.
            #expect(state == nil || state == "completed", "\(id) is \(state ?? "gone")")
            if state == nil { #expect(removedIDs.contains(id), "\(id) vanished without rm") }
        }
        #expect(spool.names("tmp").filter { !$0.hasPrefix("format") }.isEmpty, "rm leaves nothing in tmp/")
    }

    @Test func editChangesAPendingJobWithFlagsOrInAnEditor() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("enqueue", "--id", "e", "--delay", "1h", "--", "echo", "one").status == 0)
        let edited = try await spool.q("edit", "e", "--priority", "-7", "--env", "A=1", "--command", "echo two", "--timeout", "5m")
        #expect(edited.status == 0 && edited.trimmed == "e: changed", "\(edited)")
        var record = try #require(spool.record(of: "e"))
        #expect(int(record, "priority") == -7 && record["command"] as? String == "echo two")
        #expect((record["env"] as? [String: String]) == ["A": "1"] && int(record, "timeout_sec") == 300)
        #expect(spool.names("pending").first?.contains("993-") == true, "renamed for its new priority: \(spool.names("pending"))")
        // Invalid: refused, exit 2, the job as it was.
        #expect(try await spool.q("edit", "e", "--priority", "5000").status == 2)
        #expect(try await spool.q("edit", "e", "--after", "nope").status != 0)
        #expect(int(spool.record(of: "e") ?? [:], "priority") == -7)
        // In an editor: the saved record replaces the job; an invalid one changes nothing.
        let good = try await spool.run(["--spool", spool.path, "edit", "e"], environment: ["EDITOR": "sed -i s/two/three/"])
        #expect(good.status == 0, "\(good)")
        #expect(spool.record(of: "e")?["command"] as? String == "echo three")
        let bad = try await spool.run(["--spool", spool.path, "edit", "e"], environment: ["VISUAL": "sed -i s/priority/priorty/"])
        #expect(bad.status == 2 && bad.stderr.contains("did you mean 'priority'?") && bad.stderr.contains("The job is unchanged"), "\(bad)")
        let broken = try await spool.run(["--spool", spool.path, "edit", "e"], environment: ["EDITOR": "sed -i s/{/[/"])
        #expect(broken.status == 2, "\(broken)")
        record = try #require(spool.record(of: "e"))
        #expect(record["command"] as? String == "echo three" && int(record, "priority") == -7)
        #expect(spool.names("processing").isEmpty, "the claim was given back")
        // Delayed to now, it runs with the edited fields.
        #expect(try await spool.q("edit", "e", "--delay", "0").status == 0)
        let worker = try spool.startWorker()
        try await spool.waitForState("e", "completed")
        worker.signal(.terminate)
        _ = try await worker.waitForExit()
        #expect(ProcFiles.text(spool.path + "/logs/e.log")?.contains("three") == true)
        let done = try await spool.q("edit", "e", "--priority", "1")
        #expect(done.status == 1 && done.stderr.contains("is completed"), "\(done)")
    }

    // MARK: 13 and 16. What list shows; small things

    @Test func listShowsHowFinishedJobsEndedAndDlqListWhy() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("enqueue", "--id", "ok", "--", "true").status == 0)
        #expect(try await spool.q("enqueue", "--id", "bad", "--max-retries", "0", "--", "sh", "-c", "exit 3").status == 0)
        #expect(try await spool.q("enqueue", "--id", "later", "--delay", "1h30m", "--", "true").status == 0)
        let worker = try spool.startWorker()
        try await spool.waitForState("ok", "completed")
        try await spool.waitForState("bad", "dead")
        worker.signal(.terminate)
        _ = try await worker.waitForExit()
        let list = try await spool.q("list")
        #expect(list.lines.first?.contains("EXIT  RAN") == true, "\(list)")
        let ok = try #require(list.lines.first { $0.hasPrefix("ok ") })
        #expect(ok.contains(" 0 ") && ok.range(of: #" [0-9.]+m?s "#, options: .regularExpression) != nil, "\(list)")
        #expect(!ok.contains(" 0s "), "a run that took any time is not 0s: \(list)")
        #expect(list.lines.contains { $0.hasPrefix("later ") && $0.contains("runs in 1h29m") }, "\(list)")
        let dlq = try await spool.q("dlq", "list")
        #expect(dlq.lines.first?.contains("LAST ERROR") == true && dlq.stdout.contains("exit status 3"), "\(dlq)")
        #expect(try await spool.q("list", "--quiet").lines == ["later", "ok", "bad"])
    }

    @Test func smallThings() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("config", "set", "on-dead", "notify-send dead").status == 0)
        #expect(try await spool.q("config", "get", "on-dead").trimmed == "notify-send dead")
        #expect(try await spool.q("config", "get", "max-retries").trimmed == "3")
        let help = try await spool.q("enqueue", "--help")
        #expect(help.stdout.contains("--delay <duration>"), "\(help)")
        #expect(help.stdout.contains("[-- <command> ...]"), "\(help)")
        // Completion: job ids (from the spool named on the line) and config keys.
        #expect(try await spool.q("enqueue", "--id", "job-a", "--", "true").status == 0)
        let script = spool.scratch + "/completion.bash"
        try Data(try await spool.q("completion", "bash").stdout.utf8).write(to: URL(fileURLWithPath: script))
        let bin = (Binary.path as NSString).deletingLastPathComponent
        let probe = """
            source "$1"
            COMP_WORDS=(queuectl --spool "$2" show ""); COMP_CWORD=4; _queuectl; echo "ids: ${COMPREPLY[*]}"
            COMP_WORDS=(queuectl config get max_r); COMP_CWORD=3; _queuectl; echo "keys: ${COMPREPLY[*]}"
            """
        let ran = try await runProgram("/bin/bash", ["-c", probe, "bash", script, spool.path], environment: ["PATH=\(bin):/usr/bin:/bin"])
        #expect(ran.output.contains("ids: job-a"), "\(ran.output)")
        #expect(ran.output.contains("keys: max_retries"), "\(ran.output)")
        let zsh = try await spool.q("completion", "zsh")
        #expect(zsh.stdout.contains("list --quiet"))
    }
}
