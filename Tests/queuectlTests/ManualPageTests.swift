// `queuectl manual` and `queuectl manual spool`: both pages render with groff (or mandoc) without
// a warning, and queuectl(1) has a section for every command and every option that `--help`
// lists, walked from the root's help as a user would, with the same defaults.

import Foundation
import QueueCore
import Testing

/// Prints a banner that cannot be missed in the test log: a check that did not run.
func reportSkipped(_ what: String) {
    let bar = String(repeating: "!", count: 100)
    print("\n\(bar)\nSKIPPED: \(what)\n\(bar)\n")
}

/// The full path of `program` on PATH, or nil.
func programPath(_ program: String) -> String? {
    for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let path = "\(folder)/\(program)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

/// One entry of a help section: `--count <n>` and its description, wrapped lines joined.
private struct HelpEntry {
    var label: String
    var description: String
}

/// The entries of the sections of a `--help` text, by section title.
private func helpSections(_ help: String) -> [String: [HelpEntry]] {
    var sections: [String: [HelpEntry]] = [:]
    var title: String?
    for line in help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
        if let first = line.first, first != " ", line.hasSuffix(":") {
            title = String(line.dropLast())
        } else if let title, line.hasPrefix("  "), !line.hasPrefix("   ") {
            // `  --count <n>             The number...`: the description starts at column 26, or
            // on the next line when the label reaches it.
            let text = Array(line.dropFirst(2))
            let fits = text.count > 24 && text[23] == " "
            let label = String(fits ? text[..<24] : text[...]).trimmingCharacters(in: .whitespaces)
            let description = fits ? String(text[24...]) : ""
            sections[title, default: []].append(HelpEntry(label: label, description: description))
        } else if let title, line.hasPrefix(String(repeating: " ", count: 26)), var last = sections[title]?.popLast() {
            last.description = (last.description + " " + line).trimmingCharacters(in: .whitespaces)
            sections[title]!.append(last)
        } else {
            title = nil  // a blank line ends a section
        }
    }
    return sections
}

/// The page's text with roff's font changes and escapes taken out, for searching.
private func plainText(_ roff: String) -> String {
    var text = roff
    for escape in ["\\fB", "\\fI", "\\fR", "\\fP", "\\&"] { text = text.replacingOccurrences(of: escape, with: "") }
    return text.replacingOccurrences(of: "\\-", with: "-").replacingOccurrences(of: "\\e", with: "\\")
}

private func collapsed(_ text: String) -> String {
    text.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
}

@Suite struct ManualPageTests {
    @Test(arguments: [["manual"], ["manual", "spool"], ["manual", "queuectl"]])
    func thePageRendersWithoutWarnings(_ arguments: [String]) async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let page = try await spool.run(arguments)
        #expect(page.status == 0 && page.stderr.isEmpty, "\(page)")
        #expect(page.stdout.hasPrefix(".TH "), "\(page)")
        #expect(!FileManager.default.fileExists(atPath: spool.path), "manual reads no spool and makes none")
        let file = spool.scratchPath("page")
        try Data(page.stdout.utf8).write(to: URL(fileURLWithPath: file))
        if programPath("groff") != nil {
            let groff = try runProgram(["groff", "-man", "-ww", "-z", file])
            #expect(groff.status == 0 && groff.stderr.isEmpty, "groff -man -ww -z warns:\n\(groff.stderr)")
        } else if programPath("mandoc") != nil {
            let lint = try runProgram(["mandoc", "-T", "lint", "-W", "warning", file])
            #expect(lint.status == 0, "mandoc -T lint:\n\(lint.stdout)\(lint.stderr)")
        } else {
            reportSkipped("rendering `queuectl \(arguments.joined(separator: " "))` needs groff or mandoc. Install with: apt-get install -y groff-base")
        }
    }

    @Test func everyCommandAndOptionOfTheHelpIsInTheManualPage() async throws {
        let spool = try TestSpool()
        defer { spool.cleanup() }
        let page = plainText(try await spool.run(["manual"]).stdout)
        // The page's parts: before the first .SS (global options), then one part per command.
        var parts: [String: String] = [:]
        var current = "", key = ""
        for line in page.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(".SS ") || line.hasPrefix(".SH ") {
                parts[key] = current
                key = line.hasPrefix(".SS ") ? line.dropFirst(4).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) : String(line)
                current = ""
            } else {
                current += line + "\n"
            }
        }
        parts[key] = current
        let globalOptions = parts[".SH OPTIONS"] ?? ""

        let rootHelp = helpSections(try await spool.run(["--help"]).stdout)
        let globalLabels = Set((rootHelp["OPTIONS"] ?? []).map(\.label))
        for entry in rootHelp["OPTIONS"] ?? [] {
            for name in entry.label.split(separator: " ").map({ $0.trimmingCharacters(in: CharacterSet(charactersIn: ",")) }) where name.hasPrefix("-") {
                #expect(globalOptions.contains(name), "global option \(name) is missing from OPTIONS")
            }
        }

        var queue: [[String]] = (rootHelp["SUBCOMMANDS"] ?? []).map { [$0.label] }
        var seen = 0
        while let path = queue.first {
            queue.removeFirst()
            seen += 1
            let help = try await spool.run(path + ["--help"])
            #expect(help.status == 0, "\(help)")
            let sections = helpSections(help.stdout)
            let name = (["queuectl"] + path).joined(separator: " ")
            let part = try #require(parts[name], "no section for '\(name)' in queuectl(1)")
            for entry in sections["OPTIONS"] ?? [] where !globalLabels.contains(entry.label) {
                // An item of its own (not only the usage line), with the help's whole description:
                // its text, allowed values and default.
                #expect(part.split(separator: "\n").contains { $0 == entry.label || $0 == entry.label + " ..." },
                        "\(name): no item for option \(entry.label)")
                #expect(collapsed(part).contains(collapsed(entry.description)),
                        "\(name) \(entry.label): '\(entry.description)' is missing")
            }
            for entry in sections["ARGUMENTS"] ?? [] {
                #expect(part.split(separator: "\n").contains { $0 == entry.label }, "\(name): no item for argument \(entry.label)")
                #expect(collapsed(part).contains(collapsed(entry.description)), "\(name) \(entry.label): '\(entry.description)' is missing")
            }
            queue += (sections["SUBCOMMANDS"] ?? []).map { path + [$0.label] }
        }
        #expect(seen > 20, "walked \(seen) commands")
        for section in [".SH SYNOPSIS", ".SH OPTIONS", ".SH COMMANDS", ".SH EXIT STATUS", ".SH ENVIRONMENT", ".SH FILES", ".SH EXAMPLES"] {
            #expect(parts[section] != nil, "queuectl(1) has no \(section)")
        }
        #expect(parts[".SH EXIT STATUS"]?.contains("124") == true)
        #expect(parts[".SH ENVIRONMENT"]?.contains("QUEUECTL_SPOOL") == true)

        let spoolPage = plainText(try await spool.run(["manual", "spool"]).stdout)
        for section in ["FORMAT VERSION", "LAYOUT", "FILE NAMES", "THE JOB RECORD", "DROPPING A JOB", "READING THE SPOOL", "PRIVATE TO QUEUECTL"] {
            #expect(spoolPage.contains(".SH " + section), "queuectl-spool(5) has no \(section)")
        }
        #expect(spoolPage.contains("queuectl-spool \(SpoolFormat.current)"))
        #expect(parts["queuectl manual"] != nil)
    }
}
