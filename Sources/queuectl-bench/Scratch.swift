// Scratch: the benchmark's temporary folders (under /tmp, or --dir), a fresh one for each spool
// and file; all removed at the end of the run, also when a scenario failed.

import QueueSystem
import TestSupport

final class Scratch {
    let root: String
    private var serial = 0

    /// Creates `parent/queuectl-bench-PID`.
    init(parent: String) throws {
        root = parent + "/queuectl-bench-\(CurrentProcess.pid)"
        try FileSystem.makeDirectory(root)
    }

    /// A new empty folder named after `name`.
    func folder(_ name: String) throws -> String {
        serial += 1
        let path = root + "/\(serial)-" + name
        try FileSystem.makeDirectory(path)
        return path
    }

    /// A path for a new file named after `name` (not created).
    func file(_ name: String) -> String {
        serial += 1
        return root + "/\(serial)-" + name
    }

    /// Removes a folder and everything in it (rm -rf: a million files go fastest that way).
    func remove(_ path: String) {
        _ = try? TestProcess.launch(["/bin/rm", "-rf", path]).wait()
    }

    func removeAll() { remove(root) }

    /// Writes `text` to `path`, created or truncated.
    static func write(_ text: String, to path: String) throws {
        try FileDescriptor.open(path, [.writeOnly, .create, .truncate]).closeAfter { file throws(SystemError) in
            try file.writeAll(text, path: path)
        }
    }
}
