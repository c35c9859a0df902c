/// What Corral keeps: how many of each class, how it ranks, how it decides a
/// class for containers without a label, and whether it starts containers to
/// reach the mix. Values only: read from the config file and flags.
public struct Policy: Sendable, Equatable {
    /// How many high-consumption containers to keep: the heaviest ones.
    public var desiredHigh: Int
    /// How many low-consumption containers to keep: the lightest ones.
    public var desiredLow: Int
    /// The ranking's keys, most significant first; ties fall to creation time, then id.
    public var sortKeys: [SortKey]
    /// How far apart two figures must be for a key to decide, per key (CPU and
    /// memory in percentage points, VSZ and RSS in MiB; 0 compares exactly).
    /// Keys left out use ``SortKey/defaultResolutions``.
    public var resolutions: [SortKey: Double]
    /// Classes by image reference, for containers without a `corral.class` label.
    public var imageClasses: [String: ContainerClass]
    /// For containers neither labelled nor mapped: at or above either threshold is high.
    public var highCPUPercent: Double
    public var highMemPercent: Double
    /// Start containers when a class has fewer than desired.
    public var scaleUp: Bool
    /// The images scale-up starts, per class, used in turn.
    public var scaleUpImages: [ContainerClass: [String]]

    public init(
        desiredHigh: Int = 2, desiredLow: Int = 3, sortKeys: [SortKey] = SortKey.defaultOrder,
        resolutions: [SortKey: Double] = SortKey.defaultResolutions, imageClasses: [String: ContainerClass] = [:],
        highCPUPercent: Double = 50, highMemPercent: Double = 5, scaleUp: Bool = true,
        scaleUpImages: [ContainerClass: [String]] = [
            .high: ["corral/high-cpu", "corral/high-ram"], .low: ["corral/low-idle", "corral/low-tick"],
        ]
    ) {
        self.desiredHigh = desiredHigh
        self.desiredLow = desiredLow
        self.sortKeys = sortKeys
        self.resolutions = resolutions
        self.imageClasses = imageClasses
        self.highCPUPercent = highCPUPercent
        self.highMemPercent = highMemPercent
        self.scaleUp = scaleUp
        self.scaleUpImages = scaleUpImages
    }

    /// The resolution a key is compared at.
    public func resolution(_ key: SortKey) -> Double {
        resolutions[key] ?? SortKey.defaultResolutions[key] ?? 0
    }

    public func desired(_ cls: ContainerClass) -> Int {
        cls == .high ? desiredHigh : desiredLow
    }
}
