// Claimer: a claim is one rename into processing/; a job waiting for a dependency is left where
// it is; one whose dependency ended dead is settled dead without running; a bad file is put aside.

import QueueSystem
import Testing
@testable import QueueCore

@Suite struct ClaimerTests {
    let spool: Spool
    let claimer: Claimer

    init() throws {
        let root = try FileSystem.makeTemporaryDirectory(prefix: "/tmp/queuecore-claimer.")
        spool = try Spool.open(root + "/spool")
        claimer = Claimer(spool: spool, worker: "w1", environment: Run.inheritedEnvironment(),
                          groups: GroupGate(spool: spool, served: nil),
                          fence: LeaseFence(spool: spool, now: SystemClock.monotonicMicroseconds), log: { _ in })
    }

    func enqueue(_ json: String) throws {
        try spool.enqueue([try spool.decodeNewJob(try parseJSON(json), defaults: spool.jobDefaults(cwd: "/"))])
    }

    func index() throws -> CandidateIndex {
        var index = CandidateIndex()
        for state in [JobState.pending, .failed] {
            for name in try FileSystem.names(in: spool.folder(state)) { index.add(name, in: state, now: .now()) }
        }
        return index
    }

    @Test func theBestCandidateIsClaimedByOneRenameAndStarted() throws {
        try enqueue(#"{"id": "later", "command": "true", "priority": 5}"#)
        try enqueue(#"{"id": "first", "command": "true", "priority": -5}"#)
        var candidates = try index()
        guard case .started(let claim, let run) = try #require(claimer.claimNext(from: &candidates, now: .now())) else {
            Issue.record("the job did not start")
            return
        }
        defer { _ = try? Spawn.wait(run.child) }
        #expect(claim.record.id.rawValue == "first")
        #expect(claim.name.text == "first@w1~1.json", "the claim's name says which attempt its run is")
        #expect(claim.record.state == .processing && claim.record.attempts == 1 && claim.record.worker == "w1")
        // Nothing is written at the start of a run: the file is the record as it was claimed,
        // and readers see the running job through the name.
        let stored = try spool.readStoredJob(claim.name)
        #expect(stored.attempts == 0 && stored.state == .pending && stored.worker == nil, "\(stored)")
        let shown = try spool.readJob(claim.name)
        #expect(shown.state == .processing && shown.attempts == 1 && shown.worker == "w1" && shown.startedAt != nil, "\(shown)")
        #expect(!FileSystem.exists(spool.backupPath(of: claim.name)), "no backup for a claim named with its attempt")
        #expect(try FileSystem.names(in: spool.tmp).isEmpty, "nothing staged at the start of a run")
        #expect(try FileSystem.names(in: spool.folder(.pending)).count == 1, "the other job stays pending")
    }

    @Test func aJobWaitingForItsDependencyIsNotClaimed() throws {
        try enqueue(#"{"id": "build", "command": "true", "run_at": "2099-01-01T00:00:00Z"}"#)
        try enqueue(#"{"id": "test", "command": "true", "after": ["build"]}"#)
        var candidates = try index()
        #expect(claimer.claimNext(from: &candidates, now: .now()) == nil)
        #expect(try FileSystem.names(in: spool.folder(.processing)).isEmpty)
        #expect(try FileSystem.names(in: spool.folder(.pending)).count == 2)
    }

    @Test func aJobWhoseDependencyIsDeadIsSettledDeadWithoutRunning() throws {
        // "build" was never enqueued (or has been purged): the claimer treats it as ended dead.
        try enqueue(#"{"id": "test", "command": "true"}"#)
        let pending = try #require(try FileSystem.names(in: spool.folder(.pending)).first)
        let name = try #require(FileName(parsing: pending, in: .pending))
        var record = try spool.readJob(name)
        record.after = [JobID(rawValue: "build")!]
        try spool.rewrite(record, at: name)
        var candidates = try index()
        guard case .settled(let claim) = try #require(claimer.claimNext(from: &candidates, now: .now())) else {
            Issue.record("expected a settled claim")
            return
        }
        #expect(claim.record.state == .dead && claim.record.attempts == 0)
        #expect(claim.record.lastError == "dependency 'build' ended dead")
    }

    @Test func aBadFileInPendingIsPutAsideNeverRun() throws {
        // A file with our naming scheme whose content is not a job.
        let name = FileName.pending(id: JobID(rawValue: "broken")!, priority: 0, due: .now(), age: .now())
        try spool.writeFile(Array("not json".utf8), at: spool.path(name), sync: false)
        var candidates = try index()
        #expect(claimer.claimNext(from: &candidates, now: .now()) == nil)
        let aside = try FileSystem.names(in: spool.quarantine)
        #expect(aside.contains { $0.hasSuffix("broken@w1.json") }, "\(aside)")
        #expect(aside.contains { $0.hasSuffix(".reason") })
    }

    /// A job whose first run failed, claimed from failed/ for its second by a worker that then
    /// died: its claim holds the record as claimed, which already says "failed". The attempt in
    /// the claim's name (2, the record's attempts 1) tells the reaper it is a lost run, not a
    /// result to move: charged, back to failed/ with attempts 2. And the same claim holding the
    /// second run's result (attempts 2) is moved as it is.
    @Test(arguments: [false, true])
    func aClaimTakenFromFailedIsJudgedByItsAttemptsNotItsState(resultPlaced: Bool) throws {
        try enqueue(#"{"id": "flaky", "command": "exit 1"}"#)
        let pending = try #require(try FileSystem.names(in: spool.folder(.pending)).first.flatMap { FileName(parsing: $0, in: .pending) })
        var record = try spool.readJob(pending)
        let now = Timestamp.now()
        record.beginAttempt(worker: "w0", now: now)
        record.fail("exit status 1", exitCode: 1, policy: spool.failurePolicy, now: now)
        let first = FileName.processing(id: record.id, worker: "w0", attempt: 1)
        try spool.take(pending, as: first)
        try spool.rewrite(record, at: first)
        let failed = try spool.transfer(record, from: first)
        #expect(failed.state == .failed)

        // A worker of this host whose process is gone (no worker record) claims it for run 2.
        let dead = WorkerRecord.makeID(host: CurrentProcess.hostName, pid: Int32.max)
        let claim = FileName.processing(id: record.id, worker: dead, attempt: 2)
        try spool.take(failed, as: claim)
        #expect(try spool.readStoredJob(claim).state == .failed, "the claimed record says failed")
        let shown = try spool.readJob(claim)
        #expect(shown.state == .processing && shown.attempts == 2 && shown.worker == dead && shown.finishedAt == nil, "\(shown)")
        if resultPlaced {
            var result = record
            result.beginAttempt(worker: dead, now: now)
            result.complete(now: now)
            try spool.placeResult(try spool.stageResult(result, for: claim), in: claim)
        }

        let report = spool.reap(as: "reaper-test")
        let location = try #require(spool.locate(record.id))
        let final = try spool.readJob(location.name)
        #expect(try FileSystem.names(in: spool.folder(.processing)).isEmpty)
        #expect(try FileSystem.names(in: spool.tmp).isEmpty, "nothing left in tmp/")
        if resultPlaced {
            #expect(report.finished == [record.id] && report.retried.isEmpty, "\(report)")
            #expect(location.state == .completed && final.attempts == 2, "\(final)")
        } else {
            #expect(report.retried == [record.id] && report.finished.isEmpty, "\(report)")
            #expect(location.state == .failed && final.attempts == 2 && final.worker == "reaper-test", "\(final)")
            #expect(final.lastError?.hasPrefix("lost") == true, "\(final)")
        }
    }
}
