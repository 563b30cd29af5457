// CandidateFeed: how a worker learns what it may claim. inotify on pending/ and failed/ is only
// a doorbell; the folders are the truth: they are listed at start, after an event overflow,
// when the index has forgotten candidates, and on a timer (often where events cannot see other
// hosts' files: no inotify, or a network file system). Files dropped by other programs are
// adopted (or quarantined) from here. The same inotify descriptor watches the spool root, so that
// a new config.json rings the worker too (`configChanged`).

import QueueSystem

final class CandidateFeed {
    private let spool: Spool
    private let log: (String) -> Void
    private let inotify: Inotify?
    private var watches: [CInt: JobState] = [:]
    private var rootWatch: CInt?
    /// config.json was replaced or written since the worker last looked (set by events).
    var configChanged = false
    private(set) var index = CandidateIndex()
    private var lastScan: [JobState: Timestamp] = [:]
    /// Change events may miss other hosts' files: no inotify, or a network file system.
    private let isPolling: Bool
    /// Seconds between rescans: `poll_interval` (as set now) where change events may miss other
    /// hosts' files; otherwise a slow safety net.
    var rescanInterval: Double { isPolling ? spool.config.pollInterval : 30 }

    init(spool: Spool, log: @escaping (String) -> Void) {
        self.spool = spool
        self.log = log
        // No inotify (exotic file systems, exhausted watches): polling alone still works.
        if let inotify = try? Inotify() {
            for state in [JobState.pending, .failed] {
                if let watch = try? inotify.watch(spool.folder(state)) { watches[watch] = state }
            }
            rootWatch = try? inotify.watch(spool.root)
            self.inotify = inotify
        } else {
            inotify = nil
        }
        isPolling = inotify == nil || FileSystem.isRemote(spool.root)
    }

    /// The descriptor to poll for events, when there is one.
    var descriptor: FileDescriptor? { inotify?.descriptor }

    var hasDrops: Bool { !index.drops.isEmpty }

    /// When the earliest scheduled candidate becomes due.
    var nextDue: Timestamp? { index.nextDue }

    /// Reads the queued events into the index.
    func handleEvents() {
        guard let inotify else { return }
        let now = Timestamp.now()
        for event in inotify.readEvents() {
            if event.isOverflow {
                configChanged = true  // perhaps among the events lost
                rescan(force: true)
                continue
            }
            if event.watch == rootWatch {
                if event.name == "config.json" && event.isArrival { configChanged = true }
                continue
            }
            guard let state = watches[event.watch], !event.name.hasPrefix(".") else { continue }
            if event.isArrival { index.add(event.name, in: state, now: now) } else { index.remove(event.name, in: state) }
        }
    }

    /// A job this worker itself moved back into pending/ or failed/.
    func add(_ name: FileName) {
        index.add(name.text, in: name.state, now: .now())
    }

    /// Claims through `claimer`; when the index has forgotten candidates (to bound its memory)
    /// and runs dry, lists the folders again and tries once more (once: the rest may all be
    /// waiting for their dependencies).
    func claimNext(with claimer: Claimer, now: Timestamp) -> ClaimOutcome? {
        if let outcome = claimer.claimNext(from: &index, now: now) { return outcome }
        guard index.needsRescan else { return nil }
        rescan(force: true)
        return claimer.claimNext(from: &index, now: now)
    }

    /// Lists pending/ and failed/ again when their mtime says something changed (or when
    /// `force`d). Events make this redundant on local disks; on network file systems it is the
    /// only way to see other hosts' files.
    func rescan(force: Bool) {
        let now = Timestamp.now()
        if force { index.beginRescan() }
        for state in [JobState.pending, .failed] {
            let folder = spool.folder(state)
            guard let info = try? FileSystem.linkStatus(folder) else { continue }
            let modified = max(info.modified, info.changed)
            if !force, let last = lastScan[state], last == modified, now.secondsSince(modified) > 2 { continue }
            lastScan[state] = modified
            try? FileSystem.forEachName(in: folder) { index.add($0, in: state, now: now) }
        }
        adoptDrops()
    }

    /// Renames files dropped into pending/ by other programs to our naming scheme, or puts them aside.
    func adoptDrops() {
        for text in index.drops {
            switch spool.adoptDroppedFile(text) {
            case .adopted(let name):
                index.dropHandled(text)
                index.add(name.text, in: .pending, now: .now())
                log("adopted dropped file pending/\(text) as job \(name.id)")
            case .quarantined(let reason):
                index.dropHandled(text)
                log("quarantined pending/\(text): \(reason)")
            case .gone:
                index.dropHandled(text)
            case .notReady:
                continue
            }
        }
    }
}
