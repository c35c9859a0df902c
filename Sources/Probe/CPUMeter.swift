/// Instantaneous CPU% per container from two samples: the CPU time it used
/// between them over the wall time between them, x 100 (100 = one core). A
/// container seen for the first time gets its lifetime average instead.
public struct CPUMeter: Sendable {
    struct Sample: Sendable {
        let cpuNs: UInt64
        let atNs: UInt64
    }

    private var last: [String: Sample] = [:]

    public init() {}

    /// CPU% of `id` now, given its cumulative CPU time and a monotonic
    /// timestamp (both ns); `lifetime` when there is no usable earlier sample.
    public mutating func percent(id: String, cpuNs: UInt64, atNs: UInt64, lifetime: Double) -> Double {
        defer { last[id] = Sample(cpuNs: cpuNs, atNs: atNs) }
        guard let previous = last[id], atNs > previous.atNs, cpuNs >= previous.cpuNs else { return lifetime }
        return Double(cpuNs - previous.cpuNs) * 100 / Double(atNs - previous.atNs)
    }

    /// Drops containers no longer present, so the meter does not grow forever.
    public mutating func retain(only ids: Set<String>) {
        last = last.filter { ids.contains($0.key) }
    }

    public var tracked: Int { last.count }
}
