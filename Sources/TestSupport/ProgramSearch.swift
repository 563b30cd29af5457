// ProgramSearch: finding a program by name the way a shell does, for tests and the benchmark.
// Guarantees: a path is returned only when access(2) says this process may execute it; nothing is run.

import QueueSystem

/// The path of the executable `name` in the directories of PATH (/usr/bin:/bin when PATH is
/// unset), the first one that has it; a name containing a slash is taken as is. Nil when none.
public func which(_ name: String) -> String? {
    if name.contains("/") { return FileSystem.isExecutable(name) ? name : nil }
    let path = CurrentProcess.environmentValue("PATH") ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = directory + "/" + name
        if FileSystem.isExecutable(candidate) { return candidate }
    }
    return nil
}
