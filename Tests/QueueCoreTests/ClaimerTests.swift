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
}
