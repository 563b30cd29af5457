// Claim: a job this worker holds in processing/, under the name `ID@WORKER~A.json` that its claim
// (one rename) gave it (`ID@WORKER.json` for a job that does not run), with the record as the
// worker holds it in memory: the file keeps the claimed record until the result replaces it. The running job, the
// results waiting for their group commit and the results not yet written are all Claims.

public struct Claim: Sendable {
    public var record: JobRecord
    /// `processing/ID@WORKER~A.json`.
    public let name: FileName
    /// The group slot taken for this claim (`SPOOL/groups/G/slot-K`), released when the run ends.
    public var slot: String?

    public init(record: JobRecord, name: FileName, slot: String? = nil) {
        self.record = record
        self.name = name
        self.slot = slot
    }
}
