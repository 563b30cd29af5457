// FileName: names sort in run order (priority, due time, age) and parse back to their parts.

import Testing
@testable import QueueCore

@Suite struct FileNameTests {
    let t0 = Timestamp(iso8601: "2026-11-22T15:30:12.250Z")!
    func id(_ text: String) -> JobID { JobID(rawValue: text)! }

    @Test func pendingNameHasPriorityDueAgeAndId() {
        let name = FileName.pending(id: id("job1"), priority: 0, due: t0, age: t0)
        #expect(name.text.hasPrefix("1000-20261122T153012.250Z-"))
        #expect(name.text.hasSuffix("-job1.json"))
        let parsed = FileName(parsing: name.text, in: .pending)
        #expect(parsed?.id == id("job1"))
        #expect(parsed?.priority == 0)
        #expect(parsed?.due == t0)
        #expect(parsed?.age == t0)
    }

    @Test func statusReadsTheTimesOutOfNamesAsBytes() {
        let later = t0.adding(seconds: 90)
        let pending = FileName.pending(id: id("job1"), priority: -5, due: later, age: t0)
        let failed = FileName.failed(id: id("job2"), priority: 7, retryAt: later, age: t0)
        func field(_ text: String, _ read: (UnsafeBufferPointer<UInt8>) -> Slice<UnsafeBufferPointer<UInt8>>?) -> String? {
            Array(text.utf8).withUnsafeBufferPointer { read($0).map { String(decoding: $0, as: UTF8.self) } }
        }
        #expect(field(pending.text, FileName.dueBytes(ofPending:)) == later.compact)
        #expect(field(failed.text, FileName.retryBytes(ofFailed:)) == later.compact)
        #expect(field("job3.json", FileName.dueBytes(ofPending:)) == nil, "a dropped file has no due time")
    }

    @Test func namesSortInRunOrder() {
        let later = t0.adding(seconds: 5)
        let expected = [
            FileName.pending(id: id("urgent"), priority: -1000, due: later, age: later),
            FileName.pending(id: id("zz-old"), priority: 0, due: t0, age: t0),
            FileName.pending(id: id("aa-new"), priority: 0, due: t0, age: t0.adding(seconds: 0.000001)),
            FileName.pending(id: id("due-later"), priority: 0, due: later, age: t0),
            FileName.pending(id: id("lazy"), priority: 1000, due: t0, age: t0),
        ]
        #expect(expected.map(\.text).sorted() == expected.map(\.text))
        #expect(expected.shuffled().sorted().map(\.text) == expected.map(\.text))
    }

    @Test func failedNamesStartWithTheRetryTime() {
        let name = FileName.failed(id: id("flaky"), priority: -5, retryAt: t0, age: t0)
        #expect(name.text.hasPrefix("20261122T153012.250Z-0995-"))
        let parsed = FileName(parsing: name.text, in: .failed)
        #expect(parsed?.priority == -5)
        #expect(parsed?.due == t0)
        #expect(parsed?.id == id("flaky"))
    }

    @Test func processingNameCarriesTheWorker() {
        let name = FileName.processing(id: id("a.b-c"), worker: "host-12-x7")
        #expect(name.text == "a.b-c@host-12-x7.json")
        #expect(FileName(parsing: name.text, in: .processing)?.worker == "host-12-x7")
        #expect(FileName(parsing: name.text, in: .processing)?.id == id("a.b-c"))
        #expect(FileName(parsing: name.text, in: .processing)?.attempt == nil, "a name of an earlier version: no attempt")
    }

    @Test func processingNameCarriesTheAttemptItsRunIs() {
        let name = FileName.processing(id: id("a.b-c"), worker: "host-12-x7", attempt: 3)
        #expect(name.text == "a.b-c@host-12-x7~3.json")
        let parsed = FileName(parsing: name.text, in: .processing)
        #expect(parsed?.worker == "host-12-x7" && parsed?.id == id("a.b-c") && parsed?.attempt == 3)
        #expect(parsed == name)
        #expect(name.unnumbered.text == "a.b-c@host-12-x7.json")
    }

    @Test(arguments: [
        ("job.json", JobState.pending), ("1000-x-job.json", .pending), ("9999-20261122T153012.250Z-00000000000-a.json", .pending),
        ("1000-20261122T153012.250Z-00000000000-.json", .pending), ("x@.json", .processing), ("@w.json", .processing),
        ("x@w~.json", .processing), ("x@w~0.json", .processing), ("x@w~1a.json", .processing), ("x@~1.json", .processing),
        ("x@w~1234567890.json", .processing),
        ("../x.json", .completed), (".hidden.json", .dead), ("20261122T153012.250Z-job.json", .failed), ("a.txt", .completed),
    ])
    func foreignNamesDoNotParse(text: String, state: JobState) {
        #expect(FileName(parsing: text, in: state) == nil)
    }

    @Test func finalNamesAreTheId() {
        #expect(FileName.final(.completed, id: id("x")).text == "x.json")
        #expect(FileName(parsing: "x.json", in: .dead)?.id == id("x"))
    }
}
