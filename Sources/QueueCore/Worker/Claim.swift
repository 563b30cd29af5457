// Claim: a job this worker holds in processing/, under the name `ID@WORKER.json` that its claim
// (one rename) gave it, with the record as the worker last wrote it. The running job, the
// results waiting for their group commit and the results not yet written are all Claims.

public struct Claim: Sendable {
    public var record: JobRecord
    /// `processing/ID@WORKER.json`.
    public let name: FileName
    /// The group slot taken for this claim (`SPOOL/groups/G/slot-K`), released when the run ends.
    public var slot: String?

    public init(record: JobRecord, name: FileName, slot: String? = nil) {
        self.record = record
        self.name = name
        self.slot = slot
    }
}
