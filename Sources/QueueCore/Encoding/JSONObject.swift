// JSONObject: the members of a JSON object, in insertion order.
// Guarantees: keys are unique, compared byte for byte as RFC 8259 says (not by Unicode
// canonical equivalence as Swift's String == does); iteration and encoding follow insertion
// order; replacing a value keeps its position; large objects get a hash index.

/// An insertion-ordered map from keys to JSON values.
///
/// Equality ignores order (JSON objects are unordered); encoding and iteration keep it.
/// Keys match when their UTF-8 bytes are equal: "é" (U+00E9) and "e\u{301}" are two keys.
public struct JSONObject: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: JSONValue)

    /// Objects with more members than this get a hash index; smaller ones are scanned.
    static let indexThreshold = 32

    private var entries: [Element]
    /// Key → position in `entries`; nil while the object is small.
    private var positions: [JSONKey: Int]?

    /// An empty object.
    public init() {
        entries = []
        positions = nil
    }

    /// An object with the given members in order; a repeated key keeps its first position
    /// and its last value.
    public init(_ members: some Sequence<(String, JSONValue)>) {
        self.init()
        for (key, value) in members { self[key] = value }
    }

    /// An empty object with room for `capacity` members before it reallocates.
    init(minimumCapacity capacity: Int) {
        self.init()
        entries.reserveCapacity(capacity)
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }

    /// The number of members.
    public var count: Int { entries.count }

    public var isEmpty: Bool { entries.isEmpty }

    /// The keys, in order.
    public var keys: [String] { entries.map(\.key) }

    /// The values, in key order.
    public var values: [JSONValue] { entries.map(\.value) }

    /// Whether the object has a member named `key`.
    public func contains(key: String) -> Bool {
        position(of: key) != nil
    }

    /// The value for `key`. Setting a new key appends it; setting an existing key replaces the
    /// value in place; setting nil removes the member.
    public subscript(key: String) -> JSONValue? {
        get {
            guard let position = position(of: key) else { return nil }
            return entries[position].value
        }
        set {
            if let position = position(of: key) {
                if let newValue {
                    entries[position].value = newValue
                } else {
                    remove(at: position)
                }
            } else if let newValue {
                appendNewMember(key, newValue)
            }
        }
    }

    /// Removes the member named `key` and returns its value, if it was there.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let position = position(of: key) else { return nil }
        let value = entries[position].value
        remove(at: position)
        return value
    }

    public func makeIterator() -> IndexingIterator<[Element]> {
        entries.makeIterator()
    }

    public var underestimatedCount: Int { entries.count }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (key, value) in lhs.entries {
            guard rhs[key] == value else { return false }
        }
        return true
    }

    /// Appends a member whose key the caller knows is absent (the parser checks first).
    mutating func appendNewMember(_ key: String, _ value: JSONValue) {
        entries.append((key: key, value: value))
        if positions != nil {
            positions![JSONKey(key)] = entries.count - 1
        } else if entries.count > Self.indexThreshold {
            var index = [JSONKey: Int](minimumCapacity: entries.count * 2)
            for (position, entry) in entries.enumerated() { index[JSONKey(entry.key)] = position }
            positions = index
        }
    }

    private func position(of key: String) -> Int? {
        if let positions { return positions[JSONKey(key)] }
        for position in entries.indices where JSONKey.areEqual(entries[position].key, key) {
            return position
        }
        return nil
    }

    private mutating func remove(at position: Int) {
        let removed = entries.remove(at: position)
        guard positions != nil else { return }
        positions!.removeValue(forKey: JSONKey(removed.key))
        for later in position..<entries.count {
            positions![JSONKey(entries[later].key)] = later
        }
    }
}

/// An object key that hashes and compares by its UTF-8 bytes.
struct JSONKey: Hashable {
    let string: String

    init(_ string: String) {
        self.string = string
    }

    static func == (lhs: JSONKey, rhs: JSONKey) -> Bool {
        areEqual(lhs.string, rhs.string)
    }

    func hash(into hasher: inout Hasher) {
        var string = string
        string.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Byte-wise equality, with the length compared first (it is stored, so that is cheap).
    static func areEqual(_ lhs: String, _ rhs: String) -> Bool {
        let left = lhs.utf8
        let right = rhs.utf8
        guard left.count == right.count else { return false }
        let result = left.withContiguousStorageIfAvailable { leftBytes in
            right.withContiguousStorageIfAvailable { rightBytes in
                leftBytes.elementsEqual(rightBytes)
            }
        }
        return (result ?? nil) ?? left.elementsEqual(right)
    }
}
