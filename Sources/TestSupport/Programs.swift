// Programs: running a tool other than queuectl to its end (a shell's syntax check, mount,
// ssh-keygen), with its output captured in a temporary file that is removed afterwards.

import QueueSystem

/// Runs `executable arguments` to its end with the given environment (this process's when nil);
/// returns its status (128 + signal when killed) and its stdout and stderr together.
public func runProgram(_ executable: String, _ arguments: [String], environment: [String]? = nil,
                       timeout: Double = 30) async throws -> (status: Int32, output: String) {
    let folder = try FileSystem.makeTemporaryDirectory(prefix: "/tmp/queuectl-program.")
    defer { try? FileSystem.removeTree(folder) }
    let process = try TestProcess.start([executable] + arguments, environment: environment ?? CurrentProcess.environment,
                                        output: folder + "/output")
    let status = try await process.waitForExit(timeout: timeout, location: "")
    return (status, process.output)
}

/// Runs `executable arguments` to its end with output discarded; its status (-1 when it cannot start).
@discardableResult
public func runQuietly(_ executable: String, _ arguments: [String], environment: [String]? = nil) -> Int32 {
    guard let process = try? TestProcess.start([executable] + arguments,
                                               environment: environment ?? CurrentProcess.environment) else { return -1 }
    return process.wait().shellStatus
}
