/// The two streams of the collector contract, each one JSON Lines file in the
/// spool and one endpoint on the collector (`POST /v1/logs/<name>`).
public enum SpoolStream: String, Sendable, CaseIterable, Codable {
    case memory
    case process

    /// The spool file's name.
    public var fileName: String { "\(rawValue).jsonl" }
}
