/// One of the four figures the original brief ranks containers by.
public enum SortKey: String, Sendable, Hashable, CaseIterable, Codable {
    /// CPU% (100 = one core).
    case cpu
    /// Memory% of the host (RAM).
    case mem
    /// Virtual size, KiB.
    case vsz
    /// Resident set, KiB.
    case rss

    /// The brief's order: CPU, RAM, VSZ, RSS.
    public static let briefOrder: [SortKey] = [.cpu, .mem, .vsz, .rss]

    func value(of sample: ContainerSample) -> Double {
        switch self {
        case .cpu: return sample.cpuPercent
        case .mem: return sample.memPercent
        case .vsz: return Double(sample.vszKb)
        case .rss: return Double(sample.rssKb)
        }
    }
}
