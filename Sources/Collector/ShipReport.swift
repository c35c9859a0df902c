/// What one delivery round did.
public struct ShipReport: Sendable, Equatable {
    /// Records the collector stored, per stream.
    public var delivered: [SpoolStream: Int] = [:]
    /// Records it already had (a resend after a crash or a lost answer).
    public var duplicates = 0
    /// Records it refused as invalid, set aside in `<stream>.rejected.jsonl`.
    public var rejected = 0
    /// Things worth saying that did not stop delivery (a record set aside).
    public var notices: [String] = []
    /// Why delivery stopped early, when it did; the rest waits in the spool.
    public var failure: String?
    /// True when the round was skipped to back off after failures.
    public var deferred = false
    /// Records still waiting in the spool after the round.
    public var pending = 0

    public init() {}

    public var deliveredTotal: Int { delivered.values.reduce(0, +) }
}
