// CandidateIndex: a worker's in-memory view of what it may claim, fed by one scan at start,
// by inotify events after that, and by rescans when events may not arrive. Jobs that are due
// wait in a heap ordered by (priority, due time, age); scheduled ones in a heap ordered by due time.
// Names that vanish are not searched for: a claim that meets ENOENT just moves on.

/// One claimable file: a pending job or a failed job waiting for its retry.
public struct Candidate: Sendable, Comparable {
    public let name: FileName
    /// The name's due time, or later for a job postponed while it waits for dependencies.
    let due: Timestamp

    init(name: FileName, due: Timestamp? = nil) {
        self.name = name
        self.due = due ?? name.due ?? Timestamp(microseconds: 0)
    }

    public static func < (a: Candidate, b: Candidate) -> Bool {
        if a.name.priority != b.name.priority { return a.name.priority < b.name.priority }
        if a.due != b.due { return a.due < b.due }
        if a.name.age != b.name.age { return (a.name.age ?? a.due) < (b.name.age ?? b.due) }
        return a.name.id < b.name.id
    }
}

/// The candidates a worker knows of, and the dropped files it has yet to adopt.
public struct CandidateIndex: Sendable {
    private var ready = Heap<Candidate>(by: <)
    private var scheduled = Heap<Candidate>(by: { $0.due < $1.due })
    private var known: Set<String> = []
    /// Names in pending/ outside queuectl's scheme: files dropped by other programs.
    public private(set) var drops: Set<String> = []

    public init() {}

    public var count: Int { known.count }

    /// Adds a name seen in pending/ or failed/.
    public mutating func add(_ text: String, in state: JobState, now: Timestamp) {
        guard let name = FileName(parsing: text, in: state) else {
            if state == .pending && !text.hasPrefix(".") { drops.insert(text) }
            return
        }
        let key = state.folder + "/" + text
        guard known.insert(key).inserted else { return }
        insert(Candidate(name: name), now: now)
    }

    /// Puts a candidate back to be tried again at `time` (a job waiting for its dependencies).
    public mutating func postpone(_ name: FileName, until time: Timestamp) {
        known.insert(name.state.folder + "/" + name.text)
        scheduled.push(Candidate(name: name, due: time))
    }

    /// Forgets a name that left the folder.
    public mutating func remove(_ text: String, in state: JobState) {
        known.remove(state.folder + "/" + text)
        drops.remove(text)
    }

    public mutating func dropHandled(_ text: String) { drops.remove(text) }

    /// The best due candidate, removed from the index; nil when none is due.
    public mutating func next(now: Timestamp) -> FileName? {
        while let top = scheduled.peek, top.due <= now {
            ready.push(scheduled.pop()!)
        }
        while let candidate = ready.pop() {
            let key = candidate.name.state.folder + "/" + candidate.name.text
            if known.remove(key) != nil { return candidate.name }
        }
        return nil
    }

    /// When the earliest scheduled candidate becomes due.
    public var nextDue: Timestamp? { scheduled.peek?.due }

    private mutating func insert(_ candidate: Candidate, now: Timestamp) {
        if candidate.due <= now { ready.push(candidate) } else { scheduled.push(candidate) }
    }
}

/// A binary heap with a caller's order.
struct Heap<Element: Sendable>: Sendable {
    private var items: [Element] = []
    private let areInOrder: @Sendable (Element, Element) -> Bool

    init(by areInOrder: @escaping @Sendable (Element, Element) -> Bool) { self.areInOrder = areInOrder }

    var peek: Element? { items.first }
    var count: Int { items.count }

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
