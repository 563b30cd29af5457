// Config: keys accept '-' or '_', values are checked, unknown keys get a suggestion.

import Testing
@testable import QueueCore

@Suite struct ConfigTests {
    @Test func defaultsMatchTheContract() {
        let config = Config()
        #expect(config.maxRetries == 3)
        #expect(config.backoffBase == 2)
        #expect(config.timeoutSeconds == nil)
        #expect(config.leaseSeconds == 30)
        #expect(config.isDurable)
    }

    @Test func dashesAndUnderscoresNameTheSameKey() throws {
        var config = Config()
        try config.set("max-retries", to: "5")
        try config.set("backoff_base", to: "1.5")
        #expect(config.maxRetries == 5)
        #expect(config.backoffBase == 1.5)
    }

    @Test(arguments: [("max_retries", "-1"), ("max_retries", "two"), ("backoff_base", "0.5"), ("backoff_base", "nan"),
                      ("fsync", "maybe"), ("timeout_sec", "0"), ("permanent_exit_codes", "300"), ("lease_sec", "0")])
    func badValuesAreRefusedAndChangeNothing(key: String, value: String) {
        var config = Config()
        #expect(throws: QueueError.self) { try config.set(key, to: value) }
        #expect(config.values.count == 0)
    }

    @Test func unknownKeyGetsASuggestion() {
        do {
            _ = try Config.key(named: "max-retry")
            Issue.record("an unknown key was accepted")
        } catch {
            guard case .unknownConfigKey(_, let suggestion) = error else { Issue.record("wrong error \(error)"); return }
            #expect(suggestion == "max_retries")
        }
    }

    @Test func decodingRefusesABadStoredValue() throws {
        #expect(throws: QueueError.self) { try Config.decode(try parseJSON(#"{"max_retries": "x"}"#)) }
        let kept = try Config.decode(try parseJSON(#"{"max_retries": 4, "future_key": true}"#))
        #expect(kept.maxRetries == 4)
        #expect(kept.values["future_key"] == .bool(true))
    }
}
