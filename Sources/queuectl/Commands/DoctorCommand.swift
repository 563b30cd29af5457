// doctor [--fix]: check the spool and repair what is safe to repair; counters of what it found.

import QueueCore

enum DoctorCommand {
    static func run(_ command: ParsedCommand, spool: Spool) -> ExitCode {
        let fix = command.flag("fix")
        let findings = spool.examine(fix: fix)
        if command.flag("json") {
            Console.json(.array(findings.map { finding in
                var object = JSONObject()
                object["problem"] = .string(finding.problem)
                object["path"] = .string(finding.path)
                object["repair"] = finding.repair.map { .string($0) } ?? .null
                return .object(object)
            }))
            return findings.allSatisfy { $0.repair != nil } ? .success : .failure
        }
        if findings.isEmpty {
            Console.out("No problems found in \(spool.root).")
            return .success
        }
        for finding in findings {
            let repair = finding.repair.map { Style.green.apply(" → " + $0) } ?? ""
            Console.out("\(finding.path): \(finding.problem)\(repair)")
        }
        let repaired = findings.filter { $0.repair != nil }.count
        Console.out("\(findings.count) problem\(findings.count == 1 ? "" : "s") found, \(repaired) repaired." + (fix ? "" : " Run 'queuectl doctor --fix' to repair."))
        return repaired == findings.count ? .success : .failure
    }
}
