// Scratch: the benchmark's temporary folders (under /tmp, or --dir), a fresh one for each spool
// and file; all removed at the end of the run, also when a scenario failed.

#if canImport(Glibc)
import Glibc
#endif

final class Scratch {
    let root: String
    private var serial = 0

    /// Creates `parent/queuectl-bench-PID`.
    init(parent: String) throws {
        root = parent + "/queuectl-bench-\(getpid())"
        try Scratch.makeDirectory(root)
    }

    /// A new empty folder named after `name`.
    func folder(_ name: String) throws -> String {
        serial += 1
        let path = root + "/\(serial)-" + name
        try Scratch.makeDirectory(path)
        return path
    }

    /// A path for a new file named after `name` (not created).
    func file(_ name: String) -> String {
        serial += 1
        return root + "/\(serial)-" + name
    }

    /// Removes a folder and everything in it (rm -rf: a million files go fastest that way).
    func remove(_ path: String) {
        _ = try? Child.start(["/bin/rm", "-rf", path]).wait()
    }

    func removeAll() { remove(root) }

    static func makeDirectory(_ path: String) throws {
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
            throw BenchError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Writes `text` to a new file at `path`.
    static func write(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BenchError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            guard count > 0 else { throw BenchError("cannot write \(path): \(String(cString: strerror(errno)))") }
            offset += count
        }
    }
}

/// True when `path` exists (without following a final symlink).
func exists(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0
}
