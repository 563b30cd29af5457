// JobID: a job's name, unique across the spool, safe as part of a file name.
// `[A-Za-z0-9][A-Za-z0-9._-]{0,127}`: no slash, no leading dot, no '@' (which separates the worker).

/// A validated job id.
public struct JobID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// Accepts only ids that match the contract's pattern.
    public init?(rawValue: String) {
        guard JobID.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    public var description: String { rawValue }
    public static func < (a: JobID, b: JobID) -> Bool { a.rawValue < b.rawValue }

    public static let rule = "1 to 128 characters from A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit"

    static func isValid(_ text: String) -> Bool {
        let bytes = text.utf8
        guard (1...128).contains(bytes.count) else { return false }
        for (index, byte) in bytes.enumerated() {
            let alphanumeric = (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            if alphanumeric { continue }
            if index > 0 && (byte == 0x2E || byte == 0x5F || byte == 0x2D) { continue }
            return false
        }
        return true
    }

    /// A new id that sorts by creation time: 10 base-36 digits of microseconds, then 4 random ones.
    /// Ids made by one process are strictly increasing, so a batch keeps its order.
    public static func generate(now: Timestamp) -> JobID {
        let micros = max(now.microseconds, IDClock.next(after: now.microseconds))
        var text = String(micros, radix: 36)
        while text.utf8.count < 10 { text = "0" + text }
        var random = ""
        for _ in 0..<4 { random.append(alphabet[Int.random(in: 0..<36)]) }
        return JobID(rawValue: text + "-" + random)!
    }

    private static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")
}

/// Keeps generated ids strictly increasing within a process, even when the clock stands still.
private enum IDClock {
    nonisolated(unsafe) static var last: Int64 = 0
    static func next(after micros: Int64) -> Int64 {
        last = max(last + 1, micros)
        return last
    }
}
