/// Why a request to the log collector failed, carrying its URL and what the
/// collector (or the connection) said.
public enum CollectorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No answer: refused, reset, timed out. The records wait in the spool.
    case unreachable(url: String, reason: String)
    /// 422: a record is invalid. `record` is its index in the batch when the
    /// collector named it; nothing of the batch was stored.
    case rejected(url: String, record: Int?, field: String?, message: String)
    /// Any other status (503 when the collector's store fails).
    case failed(url: String, status: Int, message: String)
    /// An answer that is not what the API promises.
    case invalidAnswer(url: String, detail: String)

    public var description: String {
        switch self {
        case .unreachable(let url, let reason): return "the log collector at \(url) does not answer: \(reason)"
        case .rejected(let url, let record, let field, let message):
            let which = [record.map { "record \($0)" }, field.map { "field \($0)" }].compactMap { $0 }.joined(separator: ", ")
            return "the log collector at \(url) refused the batch\(which.isEmpty ? "" : " (\(which))"): \(message)"
        case .failed(let url, let status, let message): return "the log collector at \(url) answered \(status): \(message)"
        case .invalidAnswer(let url, let detail): return "the log collector at \(url) gave an unexpected answer: \(detail)"
        }
    }

    /// Worth trying again later (the collector is down or its store failed),
    /// as opposed to a batch it will never take.
    public var isTransient: Bool {
        switch self {
        case .unreachable, .failed, .invalidAnswer: return true
        case .rejected: return false
        }
    }
}
