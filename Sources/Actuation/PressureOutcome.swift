import CorralCore

/// What a cycle woken by memory pressure saw and did beyond its plan.
public struct PressureOutcome: Sendable, Equatable {
    public var signal: PressureSignal
    /// Seconds from the watcher's signal to the cycle's start.
    public var wokenAfter: Double
    /// MemAvailable once the cycle's kills were done (nil: unreadable).
    public var availableAfterKb: UInt64?
    /// Containers removed beyond the plan to get back over the floor, by id, in order.
    public var removed: [String]

    public init(signal: PressureSignal, wokenAfter: Double, availableAfterKb: UInt64? = nil, removed: [String] = []) {
        self.signal = signal
        self.wokenAfter = wokenAfter
        self.availableAfterKb = availableAfterKb
        self.removed = removed
    }
}
