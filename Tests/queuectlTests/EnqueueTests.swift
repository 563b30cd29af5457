// Adding jobs and reading them back without workers: both enqueue forms, every validation error
// (exit 2, nothing written), JSON Lines batches, run-order file names, list/show/status, config, purge.

import Foundation
import QueueCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The folder listings a failed command must leave alone.
private func snapshot(_ spool: TestSpool) -> [String: [String]] {
    var listing: [String: [String]] = [:]
    for folder in TestSpool.states + ["ids", "tmp", "quarantine"] { listing[folder] = spool.names(folder) }
    return listing
}

@Suite struct EnqueueTests {
    @Test func jsonFormPrintsTheIdAndWritesAPendingFile() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let result = try await spool.q("enqueue", #"{"id":"job1","command":"echo hi","max_retries":2}"#)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "job1\n", "\(result)")
        #expect(result.stderr.isEmpty)
        let record = try #require(spool.record(of: "job1"))
        #expect(spool.state(of: "job1") == "pending")
        #expect(record["state"] as? String == "pending")
        #expect(record["command"] as? String == "echo hi")
        #expect(int(record, "max_retries") == 2)
        #expect(int(record, "attempts") == 0)
        #expect(int(record, "priority") == 0)
    }

    @Test func generatedIdsAreValidAndUnique() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        var ids: [String] = []
        for _ in 0..<3 {
            let result = try await spool.q("enqueue", #"{"command":"true"}"#)
            #expect(result.status == 0, "\(result)")
            ids.append(result.trimmed)
        }
        #expect(Set(ids).count == 3, "\(ids)")
        for id in ids {
            #expect(id.range(of: #"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"#, options: .regularExpression) != nil, "\(id)")
            #expect(spool.state(of: id) == "pending")
        }
    }

    @Test func flagsFormSetsEveryField() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let workDirectory = spool.scratchPath("work")
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        let result = try await spool.q(
            "enqueue", "--command", "echo flags", "--id", "flags-1", "--max-retries", "7", "--priority", "-12",
            "--run-at", "2030-01-02T03:04:05Z", "--timeout", "90", "--env", "ALPHA=one", "--env", "BETA=two=2",
            "--cwd", workDirectory)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "flags-1\n")
        let record = try #require(spool.record(of: "flags-1"))
        #expect(record["command"] as? String == "echo flags")
        #expect(int(record, "max_retries") == 7)
        #expect(int(record, "priority") == -12)
        #expect(time(record, "run_at") == Timestamp(iso8601: "2030-01-02T03:04:05Z"))
        #expect((record["timeout_sec"] as? NSNumber)?.doubleValue == 90)
        #expect(record["env"] as? [String: String] == ["ALPHA": "one", "BETA": "two=2"])
        #expect(record["cwd"] as? String == workDirectory)

        let before = Timestamp.now()
        let delayed = try await spool.q("enqueue", "--command", "true", "--id", "delayed", "--delay", "120")
        #expect(delayed.status == 0, "\(delayed)")
        let delayedRecord = try #require(spool.record(of: "delayed"))
        let runAt = try #require(time(delayedRecord, "run_at"))
        #expect(runAt.secondsSince(before) >= 119 && runAt.secondsSince(before) <= 180, "run_at \(runAt) for --delay 120")

        let both = try await spool.q("enqueue", "--command", "true", "--run-at", "2030-01-01T00:00:00Z", "--delay", "5")
        #expect(both.status == 2, "--run-at with --delay must be refused: \(both)")
    }

    @Test func duplicateIdIsRefusedAndNothingIsWritten() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("enqueue", #"{"id":"dup","command":"echo first"}"#).status == 0)
        let (state, file) = try #require(spool.location(of: "dup"))
        let original = try String(contentsOfFile: spool.path + "/" + state + "/" + file, encoding: .utf8)
        let before = snapshot(spool)

        let again = try await spool.q("enqueue", #"{"id":"dup","command":"echo second"}"#)
        #expect(again.status == 2, "\(again)")
        #expect(again.stdout.isEmpty, "\(again)")
        #expect(again.stderr.contains("dup"), "\(again)")
        let viaFlags = try await spool.q("enqueue", "--command", "echo third", "--id", "dup", "--priority", "5")
        #expect(viaFlags.status == 2, "\(viaFlags)")

        #expect(snapshot(spool) == before)
        let now = try String(contentsOfFile: spool.path + "/" + state + "/" + file, encoding: .utf8)
        #expect(now == original)
    }

    /// Each invalid job, and the field the error message must name.
    static let invalidJobs: [(String, String)] = [
        (#"{"id":"no-command"}"#, "command"),
        (#"{"command":""}"#, "command"),
        (#"{"command":"   "}"#, "command"),
        (#"{"command":42}"#, "command"),
        (#"{"command":["echo","hi"]}"#, "command"),
        (#"{"command":"true","id":"-starts-with-dash"}"#, "id"),
        (#"{"command":"true","id":"has/slash"}"#, "id"),
        (#"{"command":"true","id":"has space"}"#, "id"),
        (#"{"command":"true","id":""}"#, "id"),
        (#"{"command":"true","id":7}"#, "id"),
        ("{\"command\":\"true\",\"id\":\"" + String(repeating: "x", count: 129) + "\"}", "id"),
        (#"{"command":"true","priority":1001}"#, "priority"),
        (#"{"command":"true","priority":-1001}"#, "priority"),
        (#"{"command":"true","priority":1.5}"#, "priority"),
        (#"{"command":"true","priority":"high"}"#, "priority"),
        (#"{"command":"true","max_retries":-1}"#, "max_retries"),
        (#"{"command":"true","max_retries":"3"}"#, "max_retries"),
        (#"{"command":"true","run_at":"tomorrow"}"#, "run_at"),
        (#"{"command":"true","run_at":12345}"#, "run_at"),
        (#"{"command":"true","run_at":"2026-13-45T99:00:00Z"}"#, "run_at"),
        (#"{"command":"true","timeout_sec":0}"#, "timeout_sec"),
        (#"{"command":"true","timeout_sec":-5}"#, "timeout_sec"),
        (#"{"command":"true","timeout_sec":"10"}"#, "timeout_sec"),
        (#"{"command":"true","env":"A=1"}"#, "env"),
        (#"{"command":"true","env":["A=1"]}"#, "env"),
        (#"{"command":"true","env":{"A":1}}"#, "env"),
        (#"{"command":"true","env":{"A":null}}"#, "env"),
        (#"{"command":"true","after":"other"}"#, "after"),
        (#"{"command":"true","after":{"id":"other"}}"#, "after"),
        (#"{"command":"true","after":[1]}"#, "after"),
        (#"{"command":"true","state":"completed"}"#, "state"),
        (#"{"command":"true","state":"dead"}"#, "state"),
        (#"{"command":"true","state":"sleeping"}"#, "state"),
        (#"{"command":"#, "JSON"),
        (#"{"command":"true",}"#, "JSON"),
        (#"{"command":"true"} trailing"#, "JSON"),
        ("not json at all", "JSON"),
        (#"["command","true"]"#, "object"),
        (#""echo hi""#, "object"),
        ("42", "object"),
    ]

    @Test(arguments: EnqueueTests.invalidJobs)
    func invalidJobIsRefusedNamingTheFieldAndWritesNothing(_ json: String, _ field: String) async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        // One valid job first, so that the folders are not trivially empty.
        #expect(try await spool.q("enqueue", #"{"id":"existing","command":"true"}"#).status == 0)
        let before = snapshot(spool)
        let result = try await spool.q("enqueue", json)
        #expect(result.status == 2, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(result.stderr.hasPrefix("Error:"), "\(result)")
        #expect(result.stderr.contains(field), "stderr should name '\(field)': \(result)")
        #expect(snapshot(spool) == before, "a refused job must leave pending/ and ids/ unchanged")
    }

    /// Bad values given as flags: refused with exit 2, nothing written.
    static let invalidFlags: [([String], String)] = [
        (["--command", ""], "command"),
        (["--command", "true", "--id", "bad/id"], "id"),
        (["--command", "true", "--priority", "5000"], "priority"),
        (["--command", "true", "--priority", "abc"], "priority"),
        (["--command", "true", "--max-retries=-1"], "max_retries"),
        (["--command", "true", "--run-at", "next tuesday"], "run-at"),
        (["--command", "true", "--timeout", "0"], "timeout"),
        (["--command", "true", "--timeout", "-3"], "timeout"),
        (["--command", "true", "--env", "NOEQUALS"], "env"),
        (["--command", "true", "--delay", "soon"], "delay"),
        ([], "json"),
    ]

    @Test(arguments: EnqueueTests.invalidFlags)
    func invalidFlagIsRefusedAndWritesNothing(_ arguments: [String], _ field: String) async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("enqueue", #"{"id":"existing","command":"true"}"#).status == 0)
        let before = snapshot(spool)
        let result = try await spool.run(["--spool", spool.path, "enqueue"] + arguments)
        #expect(result.status == 2, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(result.stderr.contains(field), "stderr should name '\(field)': \(result)")
        #expect(snapshot(spool) == before)
    }

    @Test func unknownFieldsAreKeptInTheJobFile() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let json = #"{"id":"extra","command":"true","owner":"team-a","meta":{"tags":["x","y"],"level":3},"flag":false}"#
        #expect(try await spool.q("enqueue", json).status == 0)
        let (state, file) = try #require(spool.location(of: "extra"))
        let text = try String(contentsOfFile: spool.path + "/" + state + "/" + file, encoding: .utf8)
        let record = try jsonObject(text)
        #expect(record["owner"] as? String == "team-a")
        let meta = try #require(record["meta"] as? [String: Any])
        #expect(meta["tags"] as? [String] == ["x", "y"])
        #expect(int(meta, "level") == 3)
        #expect((record["flag"] as? NSNumber)?.boolValue == false)
        // `show --json` keeps them too.
        let shown = try jsonObject(try await spool.q("show", "extra", "--json").stdout)
        #expect(shown["owner"] as? String == "team-a")
    }

    @Test func cwdIsTheCallersDirectory() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let caller = spool.scratchPath("caller dir")
        try FileManager.default.createDirectory(atPath: caller, withIntermediateDirectories: true)
        let result = try await spool.q("enqueue", "--command", "pwd", "--id", "where", cwd: caller)
        #expect(result.status == 0, "\(result)")
        let cwd = try #require(spool.record(of: "where")?["cwd"] as? String)
        #expect(URL(fileURLWithPath: cwd).resolvingSymlinksInPath().path
                == URL(fileURLWithPath: caller).resolvingSymlinksInPath().path)
    }

    @Test func fileOfJSONLinesAddsEveryJobInOrder() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let lines = [
            #"{"id":"batch-1","command":"echo 1"}"#,
            "",
            #"{"id":"batch-2","command":"echo 2","priority":3}"#,
            #"{"command":"echo 3"}"#,
        ]
        let file = spool.scratchPath("jobs.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let result = try await spool.q("enqueue", "--file", file)
        #expect(result.status == 0, "\(result)")
        #expect(result.lines.count == 3, "\(result)")
        #expect(Array(result.lines.prefix(2)) == ["batch-1", "batch-2"])
        #expect(spool.names("pending").count == 3)
        for id in result.lines { #expect(spool.state(of: id) == "pending", "\(id)") }
    }

    @Test func fileWithErrorsReportsEveryBadLineAndWritesNothing() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("enqueue", #"{"id":"existing","command":"true"}"#).status == 0)
        let before = snapshot(spool)
        let lines = [
            #"{"id":"good-1","command":"echo 1"}"#,
            #"{"id":"bad-2","command":""}"#,
            #"{"id":"good-3","command":"echo 3"}"#,
            #"{"id":"bad-4","command":"true","priority":99999}"#,
            #"{"id":"good-5","command":"echo 5"}"#,
        ]
        let file = spool.scratchPath("bad.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let result = try await spool.q("enqueue", "--file", file)
        #expect(result.status == 2, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(result.stderr.contains("line 2"), "\(result)")
        #expect(result.stderr.contains("line 4"), "\(result)")
        #expect(!result.stderr.contains("line 1") && !result.stderr.contains("line 3") && !result.stderr.contains("line 5"),
                "\(result)")
        #expect(snapshot(spool) == before, "an invalid batch must write nothing")
        for id in ["good-1", "good-3", "good-5"] { #expect(spool.state(of: id) == nil) }
    }

    @Test func fileBatchWithATakenIdWritesNothing() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("enqueue", #"{"id":"taken","command":"true"}"#).status == 0)
        let before = snapshot(spool)
        let input = #"{"id":"fresh-1","command":"true"}"# + "\n" + #"{"id":"taken","command":"true"}"# + "\n"
        let result = try await spool.q("enqueue", "--file", "-", stdin: input)
        #expect(result.status == 2, "\(result)")
        #expect(snapshot(spool) == before)
    }

    @Test func fileDashReadsStandardInput() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let input = (1...5).map { #"{"id":"stdin-\#($0)","command":"echo \#($0)"}"# }.joined(separator: "\n")
        let result = try await spool.q("enqueue", "--file", "-", stdin: input)
        #expect(result.status == 0, "\(result)")
        #expect(result.lines == (1...5).map { "stdin-\($0)" })
        #expect(spool.names("pending").count == 5)
    }

    @Test func pendingFileNamesSortInRunOrder() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        // (id, priority, run_at) in enqueue order (so the age order is this order).
        let jobs: [(String, Int, String?)] = [
            ("a-now-p0", 0, nil),
            ("b-now-m5", -5, nil),
            ("c-2020-p0", 0, "2020-01-01T00:00:00Z"),
            ("d-now-p10", 10, nil),
            ("e-2020-m5", -5, "2020-01-01T00:00:00Z"),
            ("f-now-p0", 0, nil),
            ("g-now-min", -1000, nil),
            ("h-now-max", 1000, nil),
            ("i-2019-p0", 0, "2019-06-01T12:00:00.500Z"),
        ]
        for (id, priority, runAt) in jobs {
            var arguments = ["enqueue", "--command", "true", "--id", id, "--priority", String(priority)]
            if let runAt { arguments += ["--run-at", runAt] }
            let result = try await spool.run(["--spool", spool.path] + arguments)
            #expect(result.status == 0, "\(result)")
        }
        let expected = ["g-now-min", "e-2020-m5", "b-now-m5", "i-2019-p0", "c-2020-p0", "a-now-p0", "f-now-p0",
                        "d-now-p10", "h-now-max"]
        let listed = spool.names("pending").map { name in jobs.map(\.0).first { TestSpool.name(name, isFileOf: $0) } ?? name }
        #expect(listed == expected)

        let list = try await spool.q("list", "--state", "pending", "--json")
        #expect(try jsonArray(list.stdout).compactMap { $0["id"] as? String } == expected)
    }

    @Test func jobsDueAtTheSameTimeSortOldestFirstWhateverTheirIds() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        // Same priority, same due time: the contract says age decides, so "zzz" (older) comes first.
        for id in ["zzz-older", "mmm-middle", "aaa-newest"] {
            let result = try await spool.q("enqueue", "--command", "true", "--id", id, "--run-at", "2020-01-01T00:00:00Z")
            #expect(result.status == 0, "\(result)")
        }
        let listed = spool.names("pending").map { name in
            ["zzz-older", "mmm-middle", "aaa-newest"].first { TestSpool.name(name, isFileOf: $0) } ?? name
        }
        #expect(listed == ["zzz-older", "mmm-middle", "aaa-newest"],
                "ls pending/ must list equal-priority, equal-due jobs oldest first")
    }

    @Test func listJSONPrintsOnlyAnArray() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        for id in ["l1", "l2", "l3"] {
            #expect(try await spool.q("enqueue", "--command", "echo \(id)", "--id", id).status == 0)
        }
        let list = try await spool.q("list", "--state", "pending", "--json")
        #expect(list.status == 0, "\(list)")
        #expect(list.stderr.isEmpty, "\(list)")
        #expect(list.trimmed.hasPrefix("[") && list.trimmed.hasSuffix("]"), "\(list)")
        let records = try jsonArray(list.stdout)
        #expect(Set(records.compactMap { $0["id"] as? String }) == ["l1", "l2", "l3"])
        #expect(records.allSatisfy { $0["state"] as? String == "pending" })

        let empty = try await spool.q("list", "--state", "dead", "--json")
        #expect(empty.status == 0)
        #expect(try jsonArray(empty.stdout).isEmpty)
        let limited = try await spool.q("list", "--limit", "2", "--json")
        #expect(try jsonArray(limited.stdout).count == 2)
    }

    @Test func showPrintsOneRecordAndUnknownIdsExitOne() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("enqueue", "--command", "echo shown", "--id", "shown").status == 0)
        let shown = try await spool.q("show", "shown", "--json")
        #expect(shown.status == 0, "\(shown)")
        let record = try jsonObject(shown.stdout)
        #expect(record["id"] as? String == "shown")
        #expect(record["command"] as? String == "echo shown")
        #expect(record["state"] as? String == "pending")
        let text = try await spool.q("show", "shown")
        #expect(text.status == 0)
        #expect(text.stdout.contains("echo shown"))

        for unknown in ["no-such-job", "bad/id"] {
            let missing = try await spool.q("show", unknown)
            #expect(missing.status == 1, "\(missing)")
            #expect(missing.stdout.isEmpty, "\(missing)")
            #expect(missing.stderr.contains(unknown), "\(missing)")
        }
    }

    @Test func statusJSONCountsEveryState() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        for id in ["s1", "s2"] { #expect(try await spool.q("enqueue", "--command", "true", "--id", id).status == 0) }
        let status = try await spool.q("status", "--json")
        #expect(status.status == 0, "\(status)")
        let object = try jsonObject(status.stdout)
        let jobs = try #require(object["jobs"] as? [String: Any])
        #expect(Set(jobs.keys).isSuperset(of: ["pending", "processing", "failed", "completed", "dead"]), "\(jobs)")
        #expect(int(jobs, "pending") == 2)
        for state in ["processing", "failed", "completed", "dead"] { #expect(int(jobs, state) == 0, "\(state)") }
        let workers = try #require(object["workers"] as? [Any])
        #expect(workers.isEmpty)
    }

    @Test func configSetAndGetAcceptDashesAndUnderscores() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let set = try await spool.q("config", "set", "max-retries", "5")
        #expect(set.status == 0, "\(set)")
        let get = try await spool.q("config", "get", "max_retries")
        #expect(get.status == 0, "\(get)")
        #expect(get.trimmed == "5")
        #expect(try await spool.q("config", "get", "max-retries").trimmed == "5")
        #expect(try await spool.q("config", "set", "backoff_base", "1.5").status == 0)
        #expect(try await spool.q("config", "get", "backoff-base").trimmed == "1.5")
        // New jobs take the configured default.
        #expect(try await spool.q("enqueue", "--command", "true", "--id", "configured").status == 0)
        let configured = try #require(spool.record(of: "configured"))
        #expect(int(configured, "max_retries") == 5)
        let list = try await spool.q("config", "list")
        #expect(list.status == 0)
        #expect(list.stdout.contains("max_retries"))
    }

    @Test(arguments: [
        ["backoff-base", "abc"], ["backoff_base", "0.5"], ["max-retries", "-1"], ["max_retries", "many"],
        ["max_log_bytes", "10"], ["fsync", "maybe"], ["timeout_sec", "-1"],
    ])
    func configSetWithABadValueChangesNothing(_ arguments: [String]) async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        #expect(try await spool.q("config", "set", "backoff-base", "3").status == 0)
        let configPath = spool.path + "/config.json"
        let before = try Data(contentsOf: URL(fileURLWithPath: configPath))
        let result = try await spool.run(["--spool", spool.path, "config", "set"] + arguments)
        #expect(result.status == 2, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(result.stderr.contains("Error"), "\(result)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: configPath)) == before)
        #expect(try await spool.q("config", "get", "backoff_base").trimmed == "3")
    }

    @Test func configUnknownKeyIsRefused() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let set = try await spool.q("config", "set", "max-retrys", "4")
        #expect(set.status == 2, "\(set)")
        #expect(set.stderr.contains("max-retrys"), "\(set)")
        #expect(!FileManager.default.fileExists(atPath: spool.path + "/config.json"))
        let get = try await spool.q("config", "get", "colour")
        #expect(get.status == 2, "\(get)")
        #expect(get.stdout.isEmpty)
    }

    @Test func purgeDeletesCompletedJobsAndFreesTheirIds() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        for id in ["p1", "p2"] { #expect(try await spool.q("enqueue", "--command", "echo \(id)", "--id", id).status == 0) }
        #expect(try await spool.q("enqueue", "--command", "exit 1", "--id", "p-dead", "--max-retries", "0").status == 0)
        let worker = try spool.startWorker()
        for id in ["p1", "p2"] { try await spool.waitForState(id, "completed") }
        try await spool.waitForState("p-dead", "dead")
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit() == 0)

        let purge = try await spool.q("purge", "--state", "completed")
        #expect(purge.status == 0, "\(purge)")
        #expect(spool.names("completed").isEmpty)
        #expect(spool.state(of: "p-dead") == "dead", "purge --state completed must not touch dead jobs")
        #expect(try await spool.q("show", "p1").status == 1)
        // The id is free again.
        #expect(try await spool.q("enqueue", "--command", "true", "--id", "p1").status == 0)

        let bad = try await spool.q("purge", "--state", "pending")
        #expect(bad.status == 2, "\(bad)")
        #expect(spool.state(of: "p1") == "pending")
    }
}
