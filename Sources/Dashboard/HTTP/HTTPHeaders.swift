// HTTPHeaders: a request's header fields in the order sent, looked up by name without regard to case.

/// Header fields; names are kept lowercased, as HTTP names are case-insensitive.
public struct HTTPHeaders: Sendable {
    public private(set) var fields: [(name: String, value: String)] = []

    public init() {}

    public mutating func append(name: String, value: String) {
        fields.append((name.lowercased(), value))
    }

    /// The first value of the field `name`, if it was sent.
    public subscript(name: String) -> String? {
        let name = name.lowercased()
        return fields.first { $0.name == name }?.value
    }

    /// Every value of the field `name`, in order.
    public func values(_ name: String) -> [String] {
        let name = name.lowercased()
        return fields.filter { $0.name == name }.map(\.value)
    }
}
