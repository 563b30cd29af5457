// CandidateIndex: a worker's in-memory view of what it may claim, fed by one scan at start,
// by inotify events after that, and by rescans when events may not arrive. Jobs that are due
// wait in a heap ordered by (priority, due time, age); scheduled ones in a heap ordered by due time.
// Names that vanish are not searched for: a claim that meets ENOENT just moves on.
// Memory is bounded: past twice `limit` candidates in a heap, the worst are forgotten (and
// anything ranking after them), and the worker lists the folders again when the kept ones run out. A backlog of a
// million jobs costs a few rescans, not a few hundred megabytes in every worker.

/// One claimable file, kept small (a worker may index a hundred thousand): the name's text,
/// the three fields that order it, and when it may be tried.
struct Candidate: Sendable {
    let text: String
    let isRetry: Bool
    let priority: Int16
    /// The name's due time.
    let due: Int64
    let age: Int64
    /// Not tried before this: the due time, or later for a job postponed (waiting for its
    /// dependencies, or for a slot of its group). A postponed job keeps its rank.
    let wakeAt: Int64
    /// The job's group, once a claim attempt has read it (nil: not read yet).
    let group: String?

    init(_ name: FileName, wakeAt: Timestamp? = nil, group: String? = nil) {
        text = name.text
        isRetry = name.state == .failed
        priority = Int16(name.priority)
        due = (name.due ?? Timestamp(microseconds: 0)).microseconds
        age = name.age?.microseconds ?? due
        self.wakeAt = max(due, wakeAt?.microseconds ?? due)
        self.group = group
    }

    var state: JobState { isRetry ? .failed : .pending }

    /// Run order: priority, then due time, then age, then the name itself.
    static func runsBefore(_ a: Candidate, _ b: Candidate) -> Bool {
        if a.priority != b.priority { return a.priority < b.priority }
        if a.due != b.due { return a.due < b.due }
        if a.age != b.age { return a.age < b.age }
        return a.text < b.text
    }
}

/// The candidates a worker knows of, and the dropped files it has yet to adopt.
public struct CandidateIndex: Sendable {
    private var ready = Heap<Candidate>(by: Candidate.runsBefore)
    private var scheduled = Heap<Candidate>(by: { $0.wakeAt < $1.wakeAt })
    /// Names indexed and not yet handed out, per folder (sharing the candidates' string storage).
    private var known: [JobState: Set<String>] = [.pending: [], .failed: []]
    /// Names in pending/ outside queuectl's scheme: files dropped by other programs.
    public private(set) var drops: Set<String> = []
    /// Candidates kept per heap; a heap that grows to twice this keeps its best `limit`.
    public let limit: Int
    /// The best candidate each heap has forgotten. Everything it keeps ranks before it: a new
    /// candidate that does not is forgotten too, so nothing is handed out ahead of a better job
    /// the index let go of.
    private var readyFloor: Candidate?, scheduledFloor: Candidate?

    /// The folders hold candidates the index forgot, and it has run out of the ones it kept:
    /// time to list them again.
    public var needsRescan: Bool { (readyFloor != nil && ready.count == 0) || (scheduledFloor != nil && scheduled.count == 0) }

    public init(limit: Int = 4096) { self.limit = limit }

    public var count: Int { known.values.reduce(0) { $0 + $1.count } }

    /// Adds a name seen in pending/ or failed/.
    public mutating func add(_ text: String, in state: JobState, now: Timestamp) {
        guard let name = FileName(parsing: text, in: state) else {
            if state == .pending && !text.hasPrefix(".") { drops.insert(text) }
            return
        }
        guard !known[state, default: []].contains(text) else { return }
        let candidate = Candidate(name)
        if candidate.wakeAt <= now.microseconds { pushReady(candidate) } else { pushScheduled(candidate) }
    }

    private mutating func pushReady(_ candidate: Candidate) {
        if let floor = readyFloor, !Candidate.runsBefore(candidate, floor) {
            known[candidate.state]?.remove(candidate.text)
            return
        }
        known[candidate.state, default: []].insert(candidate.text)
        ready.push(candidate)
        if ready.count > 2 * limit { readyFloor = forget(ready.keepFirst(limit), floor: readyFloor, by: Candidate.runsBefore) }
    }

    private mutating func pushScheduled(_ candidate: Candidate) {
        if let floor = scheduledFloor, candidate.wakeAt >= floor.wakeAt {
            known[candidate.state]?.remove(candidate.text)
            return
        }
        known[candidate.state, default: []].insert(candidate.text)
        scheduled.push(candidate)
        if scheduled.count > 2 * limit { scheduledFloor = forget(scheduled.keepFirst(limit), floor: scheduledFloor) { $0.wakeAt < $1.wakeAt } }
    }

    /// Forgets `candidates` (sorted, best first); returns the new floor.
    private mutating func forget(_ candidates: [Candidate], floor: Candidate?,
                                 by runsBefore: (Candidate, Candidate) -> Bool) -> Candidate? {
        for candidate in candidates { known[candidate.state]?.remove(candidate.text) }
        guard let best = candidates.first else { return floor }
        guard let floor else { return best }
        return runsBefore(best, floor) ? best : floor
    }

    /// The folders are about to be listed again in full: what was forgotten will be seen.
    public mutating func beginRescan() {
        readyFloor = nil
        scheduledFloor = nil
    }

    /// Puts a candidate back to be tried again at `time` (a job waiting for its dependencies,
    /// or for a slot of its group), remembering its group when known.
    public mutating func postpone(_ name: FileName, until time: Timestamp, group: String? = nil) {
        pushScheduled(Candidate(name, wakeAt: time, group: group))
    }

    /// Forgets a name that left the folder.
    public mutating func remove(_ text: String, in state: JobState) {
        known[state]?.remove(text)
        drops.remove(text)
    }

    public mutating func dropHandled(_ text: String) { drops.remove(text) }

    /// The best due candidate, removed from the index; nil when none is due.
    public mutating func next(now: Timestamp) -> FileName? {
        nextCandidate(now: now)?.name
    }

    /// The best due candidate with its group when known, removed from the index.
    public mutating func nextCandidate(now: Timestamp) -> (name: FileName, group: String?)? {
        while let top = scheduled.peek, top.wakeAt <= now.microseconds {
            _ = scheduled.pop()
            if known[top.state]?.contains(top.text) == true { pushReady(top) }
        }
        while let candidate = ready.pop() {
            if known[candidate.state]?.remove(candidate.text) != nil,
               let name = FileName(parsing: candidate.text, in: candidate.state) {
                return (name, candidate.group)
            }
        }
        return nil
    }

    /// When the earliest scheduled candidate becomes due.
    public var nextDue: Timestamp? { scheduled.peek.map { Timestamp(microseconds: $0.wakeAt) } }
}

/// A binary heap with a caller's order.
struct Heap<Element: Sendable>: Sendable {
    private var items: [Element] = []
    private let areInOrder: @Sendable (Element, Element) -> Bool

    init(by areInOrder: @escaping @Sendable (Element, Element) -> Bool) { self.areInOrder = areInOrder }

    var peek: Element? { items.first }
    var count: Int { items.count }

    /// Keeps the first `count` elements in order and returns the others. (A sorted array is a heap.)
    mutating func keepFirst(_ count: Int) -> [Element] {
        items.sort(by: areInOrder)
        let kept = min(count, items.count)
        defer { items.removeSubrange(kept...) }
        return Array(items[kept...])
    }

    mutating func push(_ element: Element) {
        items.append(element)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard areInOrder(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var best = parent
            if left < items.count && areInOrder(items[left], items[best]) { best = left }
            if right < items.count && areInOrder(items[right], items[best]) { best = right }
            if best == parent { break }
            items.swapAt(parent, best)
            parent = best
        }
        return top
    }
}
