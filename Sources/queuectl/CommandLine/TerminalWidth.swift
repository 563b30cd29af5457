// The width that help text is wrapped to.
// Guarantees: $COLUMNS when set (it overrides the terminal, as environ(7) and
// argument-parser say), else the width of the terminal on stdout, else 80; never below 40.

import QueueSystem

/// The number of columns to wrap help text to.
func terminalWidth() -> Int {
    let width = columnsFromEnvironment() ?? columnsOfStandardOutput() ?? 80
    return max(width, 40)
}

private func columnsFromEnvironment() -> Int? {
    guard let value = CurrentProcess.environmentValue("COLUMNS"), let columns = Int(value), columns > 0 else {
        return nil
    }
    return columns
}

private func columnsOfStandardOutput() -> Int? {
    CurrentProcess.terminalColumns(.standardOutput)
}
