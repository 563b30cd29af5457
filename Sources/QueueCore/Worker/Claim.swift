// Claim: a job this worker holds in processing/, under the name `ID@WORKER.json` that its claim
// (one rename) gave it, with the record as the worker last wrote it. The running job, the
// results waiting for their group commit and the results not yet written are all Claims.

public struct Claim: Sendable {
    public var record: JobRecord
    /// `processing/ID@WORKER.json`.
    public let name: FileName

    public init(record: JobRecord, name: FileName) {
        self.record = record
        self.name = name
    }
}
