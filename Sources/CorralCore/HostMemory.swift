/// The host's memory, in KiB, as /proc/meminfo or the kernel module reports it.
public struct HostMemory: Sendable, Equatable, Codable {
    public var totalKb: UInt64
    public var freeKb: UInt64
    public var availableKb: UInt64
    /// total - available: what a person means by "in use".
    public var usedKb: UInt64

    public init(totalKb: UInt64, freeKb: UInt64, availableKb: UInt64, usedKb: UInt64) {
        self.totalKb = totalKb
        self.freeKb = freeKb
        self.availableKb = availableKb
        self.usedKb = usedKb
    }

    /// used / total x 100; 0 for a host that reports no memory.
    public var usedPercent: Double {
        totalKb == 0 ? 0 : Double(usedKb) * 100 / Double(totalKb)
    }
}
