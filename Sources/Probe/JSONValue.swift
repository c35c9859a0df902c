/// A JSON value as the strict reader found it. Objects keep no duplicate keys:
/// the reader refuses a document that has any.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's text as written, so integers stay exact and the caller
    /// decides what kind of number a field may hold.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number(let text): return "the number \(text)"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
