// CandidateIndex: hands out names in run order, and stays bounded — past its limit it forgets
// the worst candidates and asks for a rescan only once it has run out of the ones it kept.

import Testing
@testable import QueueCore

@Suite struct CandidateIndexTests {
    let now = Timestamp(iso8601: "2026-11-23T03:00:00.000Z")!

    func pending(_ number: Int, priority: Int = 0, dueIn seconds: Double = -10) -> String {
        let due = now.adding(seconds: seconds)
        return FileName.pending(id: JobID(rawValue: "job\(number)")!, priority: priority, due: due,
                                age: now.adding(seconds: Double(number) / 1000 - 100)).text
    }

    /// Drains a folder of `names` the way a worker does: every name is added at the start, each
    /// handed-out name leaves the folder, and the folder is listed again when the index asks.
    /// Returns the names in the order they were handed out and the number of rescans.
    func drain(_ names: [String], limit: Int, at time: (Int) -> Timestamp) -> (order: [String], rescans: Int) {
        var index = CandidateIndex(limit: limit)
        var folder = Set(names)
        var order: [String] = []
        var rescans = 0
        for name in names { index.add(name, in: .pending, now: time(0)) }
        while !folder.isEmpty {
            guard let name = index.next(now: time(order.count)) else {
                guard index.needsRescan, rescans < 1000 else { break }
                rescans += 1
                index.beginRescan()
                for name in folder.sorted(by: { $0.hashValue < $1.hashValue }) { index.add(name, in: .pending, now: time(order.count)) }
                continue
            }
            #expect(index.count <= 2 * limit * 2, "each heap holds at most twice its limit")
            order.append(name.id.rawValue)
            folder.remove(name.text)
        }
        return (order, rescans)
    }

    @Test func handsOutInRunOrderWhileForgettingAndRescanning() {
        // 200 due jobs whose rank has nothing to do with the order they are listed in.
        let numbers = (0..<200).map { ($0 * 73) % 200 }
        let names = numbers.map { pending($0, priority: 500 - $0) }  // job199 runs first
        let (order, rescans) = drain(names, limit: 8, at: { _ in now })
        #expect(order == (0..<200).reversed().map { "job\($0)" }, "\(order)")
        #expect(rescans > 0 && rescans < 200, "\(rescans) rescans")
    }

    @Test func scheduledJobsComeDueInOrderWhileForgettingAndRescanning() {
        // Job n is due n minutes from now; the clock moves a minute per job handed out.
        let names = (0..<100).map { ($0 * 37) % 100 }.map { pending($0, dueIn: Double($0) * 60) }
        let (order, rescans) = drain(names, limit: 4, at: { now.adding(seconds: Double($0) * 60 + 1) })
        #expect(order == (0..<100).map { "job\($0)" }, "\(order)")
        #expect(rescans > 0, "\(rescans) rescans")
    }

    @Test func forgottenScheduledJobsAskForARescanOnlyWhenTheKeptOnesAreGone() {
        var index = CandidateIndex(limit: 2)
        for number in 0..<10 { index.add(pending(number, dueIn: Double(number + 1) * 60), in: .pending, now: now) }
        #expect(index.next(now: now) == nil, "nothing is due yet")
        #expect(!index.needsRescan, "the earliest scheduled jobs are still kept")
        #expect(index.nextDue == now.adding(seconds: 60))
    }

    @Test func aSmallQueueIsNeverForgotten() {
        var index = CandidateIndex(limit: 100)
        for number in 0..<150 { index.add(pending(number), in: .pending, now: now) }
        var count = 0
        while index.next(now: now) != nil { count += 1 }
        #expect(count == 150)
        #expect(!index.needsRescan)
    }
}
