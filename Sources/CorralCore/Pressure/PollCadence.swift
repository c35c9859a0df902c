/// How long the pressure watcher may wait before it reads MemAvailable
/// again: the time memory would take to fall to the floor at `fillRate`,
/// within [`shortest`, `longest`]. Far from the floor it reads seldom (a
/// host at rest costs nothing); near it, often. Pure.
public struct PollCadence: Sendable, Equatable {
    /// KiB per second memory is assumed to fill at, at most.
    public var fillRateKbPerSecond: Double = 16 * 1024 * 1024
    public var shortest: Double = 0.01
    public var longest: Double = 1

    public init() {}

    /// Seconds until the next read, given what is available and the floor
    /// (nil: no floor, read at the longest).
    public func wait(availableKb: UInt64, floorKb: UInt64?) -> Double {
        guard let floorKb else { return longest }
        guard availableKb > floorKb else { return shortest }
        return min(longest, max(shortest, Double(availableKb - floorKb) / fillRateKbPerSecond))
    }
}
