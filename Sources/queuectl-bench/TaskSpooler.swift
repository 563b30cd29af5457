// TaskSpooler: a private task-spooler server (its own TS_SOCKET and TMPDIR) for the comparisons,
// and a gate job that holds every slot so that a queue can be filled before the clock starts.

import QueueSystem
import TestSupport

final class TaskSpooler {
    let program: String
    let environment: [String: String]
    let slots: Int
    private let gate: String

    /// Starts a server with `slots` slots.
    init(program: String, slots: Int, scratch: Scratch) throws {
        self.program = program
        self.slots = slots
        let folder = try scratch.folder("task-spooler")
        environment = ["TS_SOCKET": folder + "/socket", "TMPDIR": folder, "TS_SLOTS": String(slots)]
        gate = folder + "/gate"
        try FileSystem.makeFIFO(gate)
        try TestProcess.run([program, "-S", String(slots)], environment: environment)
    }

    /// The argv of `tsp -n COMMAND...` (output not stored), as the scenarios time it.
    func addArguments(_ command: [String], slots needed: Int = 1) -> [String] {
        [program, "-n"] + (needed == 1 ? [] : ["-N", String(needed)]) + command
    }

    func add(_ command: [String], slots needed: Int = 1) throws {
        try TestProcess.run(addArguments(command, slots: needed), environment: environment)
    }

    /// Blocks until the last job added has ended (`tsp -w`).
    func waitForLast() throws {
        try TestProcess.run([program, "-w"], environment: environment)
    }

    /// Adds a job that takes every slot until `openGate`: the jobs added after it wait.
    func closeGate() throws {
        try add(["/bin/sh", "-c", "read x < " + gate], slots: slots)
    }

    /// Lets the gate job end (it may take a moment to have started and opened the FIFO).
    func openGate() throws {
        let deadline = SystemClock.monotonicNanoseconds + 10_000_000_000
        while true {
            do throws(SystemError) {
                try releaseGate()
                return
            } catch where error.errno == .noSuchDeviceOrAddress && SystemClock.monotonicNanoseconds < deadline {
                SystemClock.sleep(milliseconds: 1)
            } catch {
                throw BenchError("task-spooler's gate job did not start: \(error.errno)")
            }
        }
    }

    /// One try at waking the gate job; fails with ENXIO while it has not opened the FIFO yet.
    private func releaseGate() throws(SystemError) {
        try FileDescriptor.open(gate, [.writeOnly, .nonBlocking]).closeAfter { file in
            _ = try? file.writeAll("x\n")
        }
    }

    /// Forgets finished jobs, so that the list stays short between runs.
    func clearFinished() {
        _ = try? TestProcess.run([program, "-C"], environment: environment)
    }

    /// Stops the server (and a gate job left waiting); queued clients end with it.
    func shutdown() {
        try? releaseGate()
        _ = try? TestProcess.run([program, "-K"], environment: environment)
    }
}
