// Report: the figures collected from the scenarios, printed as one table grouped by section
// (target and PASS/FAIL beside each), with the skipped comparisons and errors, and saved as JSON.

import QueueCore

/// A comparison left out because its peer is missing.
struct Skip {
    let section: String
    let what: String
    let reason: String
}

/// Everything a run produced.
final class Results {
    private(set) var figures: [Figure] = []
    private(set) var skipped: [Skip] = []
    private(set) var errors: [String] = []

    func add(_ figure: Figure) { figures.append(figure) }

    func skip(_ section: String, _ what: String, _ reason: String) {
        skipped.append(Skip(section: section, what: what, reason: reason))
    }

    func fail(_ scenario: String, _ error: Error) {
        errors.append("\(scenario): \(error)")
    }

    /// The table, sections in the order they first appeared.
    func table() -> String {
        var sections: [String] = []
        for figure in figures where !sections.contains(figure.section) { sections.append(figure.section) }
        let header = ["MEASUREMENT", "MEDIAN", "SPREAD", "N", "TARGET", "RESULT", "NOTE"]
        var lines: [String] = []
        for section in sections {
            var rows = [header]
            for figure in figures where figure.section == section {
                let spread = figure.spread.map { "\(format($0.low, figure.unit))–\(format($0.high, figure.unit)) \($0.kind.rawValue)" } ?? ""
                let verdict = figure.targets.map { $0.met ? "PASS" : "FAIL" }.joined(separator: ", ")
                rows.append([figure.label, format(figure.value, figure.unit), spread, String(figure.samples),
                             figure.targets.map(\.text).joined(separator: "; "), verdict, figure.note ?? ""])
            }
            let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
            lines.append("")
            lines.append(section)
            for row in rows {
                let cells = row.indices.map { $0 == row.count - 1 ? row[$0] : row[$0].padding(to: widths[$0]) }
                lines.append("  " + cells.joined(separator: "  ").trimmingTrailingSpaces())
            }
        }
        if !skipped.isEmpty || !errors.isEmpty { lines.append("") }
        for skip in skipped {
            lines.append("!!! SKIPPED (section \(skip.section.prefix(while: { $0 != "." }))): \(skip.what) — \(skip.reason)")
        }
        for error in errors {
            lines.append("!!! ERROR: \(error)")
        }
        let targets = figures.flatMap(\.targets)
        lines.append("")
        lines.append("Targets met: \(targets.filter(\.met).count) of \(targets.count).")
        return lines.joined(separator: "\n")
    }

    /// The figures as JSON, with what the run was and where.
    func json(context: JSONObject) -> String {
        var object = context
        object["figures"] = .array(figures.map { figure in
            var item = JSONObject()
            item["section"] = .string(figure.section)
            item["label"] = .string(figure.label)
            item["unit"] = .string(figure.unit.rawValue)
            item["median"] = .number(JSONNumber(figure.value))
            item["spread"] = figure.spread.map { spread in
                .object(["kind": .string(spread.kind.rawValue), "low": .number(JSONNumber(spread.low)),
                         "high": .number(JSONNumber(spread.high))])
            } ?? .null
            item["samples"] = .number(JSONNumber(figure.samples))
            item["targets"] = .array(figure.targets.map { .object(["target": .string($0.text), "met": .bool($0.met)]) })
            item["note"] = figure.note.map { .string($0) } ?? .null
            return .object(item)
        })
        object["skipped"] = .array(skipped.map {
            .object(["section": .string($0.section), "what": .string($0.what), "reason": .string($0.reason)])
        })
        object["errors"] = .array(errors.map { .string($0) })
        return encodeJSON(.object(object), pretty: true) + "\n"
    }
}

extension String {
    /// Pads with spaces to `width` characters.
    func padding(to width: Int) -> String {
        self + String(repeating: " ", count: max(0, width - count))
    }

    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
