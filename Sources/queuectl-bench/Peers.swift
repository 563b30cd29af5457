// Peers: the programs queuectl is compared with — nq, task-spooler (`tsp`, or `ts` where it is
// task-spooler), xargs and /bin/true — found in PATH or installed with apt-get; a missing one is reported.

import QueueSystem
import TestSupport

struct Peers {
    var nq: String?
    var taskSpooler: String?
    let xargs: String?
    let shell = "/bin/sh"
    let trueProgram = "/bin/true"
    /// One line per peer that could not be found or installed.
    var problems: [String] = []

    /// Finds the peers; with `install`, runs `apt-get install -y nq task-spooler` for the missing ones.
    static func find(install: Bool, scratch: Scratch, log: (String) -> Void) -> Peers {
        var peers = Peers(nq: which("nq"), taskSpooler: findTaskSpooler(scratch), xargs: which("xargs"))
        var packages: [String] = []
        if peers.nq == nil { packages.append("nq") }
        if peers.taskSpooler == nil { packages.append("task-spooler") }
        if !packages.isEmpty && install {
            if CurrentProcess.userID != 0 {
                peers.problems.append("cannot install \(packages.joined(separator: " ")): not root (run 'sudo apt-get install -y \(packages.joined(separator: " "))')")
            } else if which("apt-get") == nil {
                peers.problems.append("cannot install \(packages.joined(separator: " ")): no apt-get on this machine")
            } else {
                log("installing \(packages.joined(separator: " ")) with apt-get...")
                let output = scratch.file("apt-get.log")
                let environment = ["DEBIAN_FRONTEND": "noninteractive"]
                let install = ["/usr/bin/env", "apt-get", "install", "-y", "-q"] + packages
                if (try? TestProcess.run(install, environment: environment, output: output)) == nil {
                    // An old or empty package list: refresh it once and try again.
                    _ = try? TestProcess.run(["/usr/bin/env", "apt-get", "update", "-q"], environment: environment, output: output)
                    if (try? TestProcess.run(install, environment: environment, output: output)) == nil {
                        let tail = ProcFiles.text(output).map { String($0.suffix(600)) } ?? ""
                        peers.problems.append("apt-get install \(packages.joined(separator: " ")) failed:\n\(tail)")
                    }
                }
                peers.nq = which("nq")
                peers.taskSpooler = findTaskSpooler(scratch)
            }
        }
        if peers.nq == nil { peers.problems.append("nq is not installed (Debian package nq)") }
        if peers.taskSpooler == nil { peers.problems.append("task-spooler is not installed (Debian package task-spooler, binary tsp)") }
        if peers.xargs == nil { peers.problems.append("xargs is not installed (Debian package findutils)") }
        return peers
    }

    /// Debian names task-spooler's binary `tsp` (moreutils owns `ts`); elsewhere it is `ts`,
    /// accepted only when it says it is Task Spooler.
    private static func findTaskSpooler(_ scratch: Scratch) -> String? {
        if let tsp = which("tsp") { return tsp }
        guard let ts = which("ts") else { return nil }
        let output = scratch.file("ts-version.txt")
        _ = try? TestProcess.launch([ts, "-V"], output: output).wait()
        return ProcFiles.text(output)?.contains("Task Spooler") == true ? ts : nil
    }
}
