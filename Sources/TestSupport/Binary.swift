// Binary: where the queuectl under test is, for every test target and the benchmark.
// Guarantees: the binary built beside the running program when there is one (the test runner
// and the benchmark live in the same .build/<configuration>/ folder), else .build/debug/queuectl.

import QueueSystem

public enum Binary {
    /// `queuectl` beside this program, else `.build/debug/queuectl` under the package root.
    public static let path: String = {
        if let program = try? FileSystem.readLink("/proc/self/exe") {
            let candidate = parent(of: program) + "/queuectl"
            if FileSystem.isExecutable(candidate) { return candidate }
        }
        return packageRoot + "/.build/debug/queuectl"
    }()

    /// The folder holding Package.swift, found by walking up from this source file.
    public static let packageRoot: String = {
        var folder = parent(of: #filePath)
        while folder != "/" && !folder.isEmpty {
            if FileSystem.exists(folder + "/Package.swift") { return folder }
            folder = parent(of: folder)
        }
        return "."
    }()

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
