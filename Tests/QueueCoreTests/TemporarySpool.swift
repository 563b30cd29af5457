// A new spool under a fresh /tmp folder for the library's unit tests (the real binary's tests use
// TestSupport's TestSpool).

@testable import QueueCore
import QueueSystem

/// Opens a spool in a new temporary folder; `SPOOL/..` is that folder.
func temporarySpool() throws -> Spool {
    try Spool.open(try FileSystem.makeTemporaryDirectory(prefix: "/tmp/queuecore-test.") + "/spool")
}
