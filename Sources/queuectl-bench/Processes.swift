// Processes: the programs under test are started through TestSupport's TestProcess (QueueSystem's
// posix_spawn, no shell in between, the same way for queuectl and its peers) and waited for.

import QueueSystem
import TestSupport

/// A failure that stops one scenario; the others still run.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension TestProcess {
    /// Starts `argv[0]` (an absolute path) with the bench's environment plus `environment`,
    /// stdin from `input` (else /dev/null), stdout into `output` (else /dev/null) and stderr
    /// into `errors` (else where stdout goes).
    static func launch(_ argv: [String], environment: [String: String] = [:], input: String? = nil,
                       output: String? = nil, errors: String? = nil) throws -> TestProcess {
        var variables = benchEnvironment.filter { entry in
            !environment.keys.contains { entry.hasPrefix($0 + "=") }
        }
        variables += environment.map { $0.key + "=" + $0.value }
        return try TestProcess.start(argv, environment: variables, input: input, output: output, errors: errors)
    }

    /// Starts and waits; throws unless it exits 0, quoting its errors when they went to a file.
    @discardableResult
    static func run(_ argv: [String], environment: [String: String] = [:], input: String? = nil,
                    output: String? = nil, errors: String? = nil) throws -> Termination {
        let end = try launch(argv, environment: environment, input: input, output: output, errors: errors).wait()
        guard end.shellStatus == 0 else {
            let log = (errors ?? output).flatMap(ProcFiles.text).map { ":\n" + String($0.suffix(2000)) } ?? ""
            throw BenchError("'\(argv.joined(separator: " "))' exited with status \(end.shellStatus)\(log)")
        }
        return end
    }

    /// The peak resident memory so far (VmHWM), in KiB. Not wait4's ru_maxrss: a child started
    /// by posix_spawn (vfork) inherits its parent's high-water mark.
    var peakKiB: Int? { ProcFiles.peakKiB(of: pid) }

    /// This process's environment and NO_COLOR=1, for every program the bench starts.
    private static let benchEnvironment = CurrentProcess.environment + ["NO_COLOR=1"]
}
