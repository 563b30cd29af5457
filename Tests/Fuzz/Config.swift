// Fuzz target Config: `parseJSON`, `Config.decode` and `Config.set` on any bytes never trap;
// JSON re-encodes to an equal value, and a config that was accepted decodes again as it was.
import QueueCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))

    // The input as the text of config.json.
    var config = Config()
    if let value = try? parseJSON(bytes) {
        checkRoundTrip(value)
        if let decoded = try? Config.decode(value) {
            config = decoded
            checkAccepted(config)
        }
    }

    // The input as `config set NAME VALUE`, written NAME=VALUE (split at the first '=').
    let text = String(decoding: bytes, as: UTF8.self)
    let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
    if parts.count == 2 {
        do {
            try config.set(String(parts[0]), to: String(parts[1]))
            checkAccepted(config)
        } catch {
            _ = error.description
        }
    }
    return 0
}

/// Compact and pretty text both parse back to an equal value, and encoding is stable.
private func checkRoundTrip(_ value: JSONValue) {
    for pretty in [false, true] {
        let text = encodeJSON(value, pretty: pretty)
        let again: JSONValue
        do { again = try parseJSON(text) } catch {
            fatalError("encodeJSON(pretty: \(pretty)) wrote text that does not parse (\(error)):\n\(text)")
        }
        guard again == value, encodeJSON(again, pretty: pretty) == text else {
            fatalError("encodeJSON(pretty: \(pretty)) does not round-trip:\n\(text)\n\(encodeJSON(again, pretty: pretty))")
        }
    }
}

/// A config that was accepted reads through every accessor, and its file decodes to the same values.
private func checkAccepted(_ config: Config) {
    _ = (config.maxRetries, config.backoffBase, config.backoffMax, config.timeoutSeconds, config.leaseSeconds,
         config.pollInterval, config.maxLogBytes, config.maxJobBytes, config.isDurable, config.permanentExitCodes,
         config.stopGraceSeconds)
    for key in Config.keys { _ = config.value(key) }
    let file = encodeJSON(.object(config.values), pretty: true)
    do {
        let reread = try Config.decode(try parseJSON(file))
        guard reread.values == config.values else { fatalError("config.json decodes to other values:\n\(file)") }
    } catch {
        fatalError("an accepted config does not decode again (\(error)):\n\(file)")
    }
}
