// Retention values (`keep_completed`, `keep_dead`): every accepted form, its one canonical text,
// and the forms refused.

@testable import QueueCore
import Testing

@Suite struct RetentionValueTests {
    @Test(arguments: [
        ("10000", "10000"), ("7d", "7d"), ("7d,10000", "7d,10000"), ("10000,7d", "7d,10000"),
        (" 36h , 5 ", "36h,5"), ("2w", "14d"), ("90m", "90m"), ("1h30m", "90m"), ("0", "0"),
        ("all", "all"), ("ALL", "all"), ("45s", "45s"),
    ])
    func acceptedFormsReadBackToTheSameValue(_ text: String, _ canonical: String) throws {
        let retention = try #require(Retention(parsing: text))
        #expect(retention.text == canonical)
        #expect(Retention(parsing: retention.text) == retention)
        #expect(Retention(retention.jsonValue) == retention)
    }

    @Test(arguments: ["", "-1", "1.5", "7x", "7d,8d", "5,6", "all,5", "7d,10000,1", ",", "7d,", "0s"])
    func refusedForms(_ text: String) {
        #expect(Retention(parsing: text) == nil, "'\(text)'")
    }

    @Test func configKeysValidateAndDefault() throws {
        var config = Config()
        #expect(config.retention(of: .completed) == Retention(count: 10000, age: 7 * 86_400))
        #expect(config.retention(of: .dead) == Retention(count: 10000, age: 180 * 86_400))
        #expect(config.retention(of: .pending) == .all)
        try config.set("keep-completed", to: "all")
        #expect(config.retention(of: .completed).keepsAll)
        #expect(throws: QueueError.self) { try config.set("keep_dead", to: "soon") }
        // A count stored as a JSON number (hand-edited config.json) is read too.
        let decoded = try Config.decode(.object(["keep_dead": .number(JSONNumber(5))]))
        #expect(decoded.retention(of: .dead) == Retention(count: 5))
        #expect(throws: QueueError.self) { try Config.decode(.object(["keep_dead": .string("soon")])) }
    }
}
