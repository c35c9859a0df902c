/// Memory a pressure cycle freed that MemAvailable may not show yet: on a
/// virtual machine that returns free pages to its host, half of a killed
/// process's memory can take a minute to come back. Until it has (at most
/// `settleSeconds`), the freed memory counts as available, so the enforcer
/// does not kill again for memory already freed; unless MemAvailable has
/// fallen `worseKb` under what was read just after the kill, which is a
/// new demand, not the old one draining. Pure.
public struct FreedMemory: Sendable, Equatable {
    /// MemAvailable once the freed memory is back: what was available before
    /// the kills plus what the killed containers held.
    public var expectedKb: UInt64
    /// What MemAvailable said right after the kills.
    public var readKb: UInt64
    /// When (seconds, the runner's clock).
    public var at: Double

    public static let settleSeconds = 60.0
    public static let worseKb: UInt64 = 64 * 1024

    public init(expectedKb: UInt64, readKb: UInt64, at: Double) {
        self.expectedKb = expectedKb
        self.readKb = readKb
        self.at = at
    }

    /// What counts as available at `now` when MemAvailable reads `readKb`.
    public func effective(readKb read: UInt64, now: Double) -> UInt64 {
        guard now - at < Self.settleSeconds, read + Self.worseKb > readKb else { return read }
        return max(read, expectedKb)
    }
}
