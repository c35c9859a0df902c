/// One of the four figures containers are ranked by.
public enum SortKey: String, Sendable, Hashable, CaseIterable, Codable {
    /// CPU% (100 = one core).
    case cpu
    /// Memory% of the host (RAM).
    case mem
    /// Virtual size, KiB.
    case vsz
    /// Resident set, KiB.
    case rss

    /// The default order: CPU, then memory, then VSZ, then RSS.
    public static let defaultOrder: [SortKey] = [.cpu, .mem, .vsz, .rss]

    /// The defaults: CPU 1 point, memory 0.1 point, VSZ and RSS 1 MiB.
    public static let defaultResolutions: [SortKey: Double] = [.cpu: 1, .mem: 0.1, .vsz: 1, .rss: 1]

    /// The figure in the unit its resolution is given in.
    func value(of sample: ContainerSample) -> Double {
        switch self {
        case .cpu: return sample.cpuPercent
        case .mem: return sample.memPercent
        case .vsz: return Double(sample.vszKb) / 1024
        case .rss: return Double(sample.rssKb) / 1024
        }
    }
}

extension SortKey {
    /// The figure as the ranking compares it: the number of whole resolution
    /// steps, so two figures closer than the resolution (noise) usually tie and
    /// the next key decides. A resolution of 0 compares exactly. Not-a-number
    /// and negative figures (a broken sample) rank as the lightest possible,
    /// so the comparison stays a strict weak ordering whatever it is given.
    func bucket(of sample: ContainerSample, resolution: Double) -> Double {
        let raw = value(of: sample)
        guard raw.isFinite else { return raw == .infinity ? .infinity : -.infinity }
        guard raw > 0 else { return raw == 0 ? 0 : -.infinity }
        guard resolution > 0, resolution.isFinite else { return raw }
        return (raw / resolution).rounded(.down)
    }
}
