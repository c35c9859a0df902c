/// How a container's class is decided, and where the decision came from.
public enum ClassSource: String, Sendable, Equatable, Codable, CaseIterable {
    /// Its `corral.class` label.
    case label
    /// The policy's image map.
    case image
    /// Its consumption against the policy's thresholds.
    case threshold
}

extension Policy {
    /// The `corral.class` label; else the image map; else the thresholds.
    public func classify(_ sample: ContainerSample) -> (ContainerClass, ClassSource) {
        if let cls = ContainerClass(label: sample.labels[CorralLabel.class]) { return (cls, .label) }
        if let cls = imageClasses[sample.metadata.image] ?? imageClasses[Self.withoutTag(sample.metadata.image)] { return (cls, .image) }
        let heavy = sample.cpuPercent >= highCPUPercent || sample.memPercent >= highMemPercent
        return (heavy ? .high : .low, .threshold)
    }

    /// `corral/high-cpu` for `corral/high-cpu:latest` (a registry port's colon stays).
    static func withoutTag(_ image: String) -> String {
        guard let colon = image.lastIndex(of: ":"), !image[colon...].contains("/") else { return image }
        return String(image[..<colon])
    }
}
