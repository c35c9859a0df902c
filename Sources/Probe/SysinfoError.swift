/// Why a sysinfo document could not be had or read. Each case names the file
/// (or `-` for text given directly) and what was wrong, so the message alone is
/// enough to act on.
public enum SysinfoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The module's file does not exist: the module is not loaded (use the procfs source).
    case moduleNotLoaded(path: String)
    /// The file exists but could not be read.
    case unreadable(path: String, reason: String)
    /// Larger than the reader accepts.
    case tooLarge(path: String, limit: Int)
    /// Not JSON; `offset` is the byte where it stopped being JSON.
    case malformedJSON(path: String, offset: Int, reason: String)
    /// JSON, but of a schema this reader does not speak.
    case unsupportedSchema(path: String, schema: String)
    /// JSON of the right schema with a field that breaks it; `field` is its
    /// path in the document (`containers[2].processes[0].rss_kb`).
    case invalidField(path: String, field: String, reason: String)

    public var description: String {
        switch self {
        case .moduleNotLoaded(let path):
            return "\(path) does not exist: the corral_sysinfo module is not loaded (use --source procfs)"
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .tooLarge(let path, let limit):
            return "\(path) is larger than \(limit) bytes"
        case .malformedJSON(let path, let offset, let reason):
            return "\(path) is not valid JSON: \(reason) at byte \(offset)"
        case .unsupportedSchema(let path, let schema):
            return "\(path) has schema \"\(schema)\"; this reader speaks \(SysinfoDocument.schemaV1)"
        case .invalidField(let path, let field, let reason):
            return "\(path): \(field) \(reason)"
        }
    }

    /// The failure without the file's path or offsets: the same kind twice is
    /// the same state (so a fallback is said once, not every cycle).
    public var kind: String {
        switch self {
        case .moduleNotLoaded: return "module not loaded"
        case .unreadable(_, let reason): return "unreadable: \(reason)"
        case .tooLarge(_, let limit): return "larger than \(limit) bytes"
        case .malformedJSON: return "not valid JSON"
        case .unsupportedSchema(_, let schema): return "schema \"\(schema)\""
        case .invalidField: return "a field breaks the schema"
        }
    }
}
