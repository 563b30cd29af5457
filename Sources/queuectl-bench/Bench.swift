// Bench: what every scenario is given — the options, the binary under test, the peers, the
// scratch folders — and the progress lines it prints while it works.

import QueueSystem

struct Bench {
    let options: Options
    let queuectl: Queuectl
    let peers: Peers
    let scratch: Scratch

    /// A progress line on stderr, so that stdout holds only the table.
    func progress(_ text: String) {
        try? FileDescriptor.standardError.writeAll("  · " + text + "\n")
    }

    /// Ids `prefix-0` ... for a run's jobs.
    static func ids(_ prefix: String, _ count: Int) -> [String] {
        (0..<count).map { "\(prefix)-\($0)" }
    }
}
