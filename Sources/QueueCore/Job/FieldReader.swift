// FieldReader: reads the typed fields of a job record out of its JSON object, collecting one
// problem per bad field, so a user sees every mistake of a record at once, not one per try.

/// Reads typed fields out of a JSON object, collecting one problem per bad field.
struct FieldReader {
    let object: JSONObject
    var problems: [FieldProblem] = []

    mutating func problem(_ field: String, _ message: String) {
        problems.append(FieldProblem(field, message))
    }

    mutating func id(_ generate: (() -> JobID)?) -> JobID? {
        guard let value = object["id"], value != .null else {
            if let generate { return generate() }
            problem("id", "is required")
            return nil
        }
        guard let text = value.stringValue else {
            problem("id", "must be a string (\(JobID.rule)), got \(value.typeName)")
            return nil
        }
        guard let id = JobID(rawValue: text) else {
            problem("id", "'\(text.prefix(40))' is not a valid id: \(JobID.rule)")
            return nil
        }
        return id
    }

    mutating func command() -> String? {
        guard let value = object["command"] else {
            problem("command", "is required: the shell command to run, e.g. {\"command\": \"echo hi\"}")
            return nil
        }
        guard let text = value.stringValue else {
            problem("command", "must be a string, got \(value.typeName)")
            return nil
        }
        if text.trimmingWhitespace().isEmpty {
            problem("command", "must not be empty")
            return nil
        }
        if text.utf8.contains(0) {
            problem("command", "must not contain a NUL character")
            return nil
        }
        return text
    }

    /// A group name follows the rule of ids.
    mutating func group() -> String? {
        guard let value = object["group"], value != .null else { return nil }
        guard let text = value.stringValue, JobID.isValid(text) else {
            problem("group", "must be a group name: \(JobID.rule); got \(encodeJSON(value).prefix(40))")
            return nil
        }
        return text
    }

    mutating func state() -> JobState? {
        guard let value = object["state"], value != .null else { return nil }
        guard let text = value.stringValue, let state = JobState(rawValue: text) else {
            problem("state", "must be one of pending, processing, failed, completed, dead; got \(encodeJSON(value).prefix(40))")
            return nil
        }
        return state
    }

    mutating func integer(_ field: String, range: ClosedRange<Int>) -> Int? {
        guard let value = object[field], value != .null else { return nil }
        guard let number = value.intValue, range.contains(number) else {
            problem(field, "must be an integer from \(range.lowerBound) to \(range.upperBound), got \(encodeJSON(value).prefix(40))")
            return nil
        }
        return number
    }

    mutating func number(_ field: String) -> Double? {
        guard let value = object[field], value != .null else { return nil }
        guard let number = value.doubleValue, number.isFinite else {
            problem(field, "must be a number, got \(encodeJSON(value).prefix(40))")
            return nil
        }
        return number
    }

    mutating func positiveNumber(_ field: String) -> Double? {
        guard let value = object[field], value != .null else { return nil }
        guard let number = value.doubleValue, number.isFinite, number > 0, number <= 31_536_000 else {
            problem(field, "must be a number of seconds greater than 0 (at most a year), got \(encodeJSON(value).prefix(40))")
            return nil
        }
        return number
    }

    mutating func string(_ field: String, nonEmpty: Bool = false) -> String? {
        guard let value = object[field], value != .null else { return nil }
        guard let text = value.stringValue, !(nonEmpty && text.isEmpty), !text.utf8.contains(0) else {
            problem(field, "must be a\(nonEmpty ? " non-empty" : "") string, got \(encodeJSON(value).prefix(40))")
            return nil
        }
        return text
    }

    mutating func boolean(_ field: String) -> Bool? {
        guard let value = object[field], value != .null else { return nil }
        guard let flag = value.boolValue else {
            problem(field, "must be true or false, got \(encodeJSON(value).prefix(40))")
            return nil
        }
        return flag
    }

    mutating func timestamp(_ field: String) -> Timestamp? {
        guard let value = object[field], value != .null else { return nil }
        guard let text = value.stringValue, let time = Timestamp(iso8601: text) else {
            problem(field, "must be an ISO-8601 time such as \"2026-11-22T15:30:00Z\", got \(encodeJSON(value).prefix(40))")
            return nil
        }
        return time
    }

    mutating func environment() -> [(name: String, value: String)] {
        guard let value = object["env"], value != .null else { return [] }
        guard let env = value.objectValue else {
            problem("env", "must be an object of strings, e.g. {\"NAME\": \"value\"}, got \(value.typeName)")
            return []
        }
        var result: [(name: String, value: String)] = []
        for (name, item) in env {
            let validName = !name.isEmpty && !name.contains("=") && !name.utf8.contains(0)
            guard validName, let text = item.stringValue, !text.utf8.contains(0) else {
                problem("env", "'\(name.prefix(40))' must be a variable name (no '=') with a string value")
                continue
            }
            result.append((name, text))
        }
        return result
    }

    mutating func ids(_ field: String) -> [JobID] {
        guard let value = object[field], value != .null else { return [] }
        guard let items = value.arrayValue else {
            problem(field, "must be an array of job ids, got \(value.typeName)")
            return []
        }
        var result: [JobID] = []
        for item in items {
            guard let text = item.stringValue, let id = JobID(rawValue: text) else {
                problem(field, "\(encodeJSON(item).prefix(40)) is not a valid job id: \(JobID.rule)")
                continue
            }
            result.append(id)
        }
        return result
    }

    mutating func exitCodes(_ field: String) -> [Int]? {
        guard let value = object[field], value != .null else { return nil }
        guard let items = value.arrayValue,
              items.allSatisfy({ $0.intValue.map { (0...255).contains($0) } ?? false })
        else {
            problem(field, "must be an array of exit statuses from 0 to 255, got \(encodeJSON(value).prefix(40))")
            return nil
        }
        return items.compactMap(\.intValue)
    }
}
