/// What the plan does with one container under the policy.
public enum Action: String, Sendable, Equatable, Codable {
    case keep
    case kill
}

/// One container's fate with the figures it was ranked on and why, in words.
public struct Decision: Sendable, Equatable {
    public var container: ContainerMetadata
    public var containerClass: ContainerClass
    public var classSource: ClassSource
    public var action: Action
    /// 1 is the heaviest of its class.
    public var rank: Int
    /// How many containers of its class were ranked.
    public var of: Int
    public var cpuPercent: Double
    public var memPercent: Double
    public var vszKb: UInt64
    public var rssKb: UInt64
    public var reason: String

    public init(
        container: ContainerMetadata, containerClass: ContainerClass, classSource: ClassSource, action: Action, rank: Int, of: Int,
        cpuPercent: Double, memPercent: Double, vszKb: UInt64, rssKb: UInt64, reason: String
    ) {
        self.container = container
        self.containerClass = containerClass
        self.classSource = classSource
        self.action = action
        self.rank = rank
        self.of = of
        self.cpuPercent = cpuPercent
        self.memPercent = memPercent
        self.vszKb = vszKb
        self.rssKb = rssKb
        self.reason = reason
    }

    public var id: String { container.id }
    public var name: String { container.name }
}

/// A container the plan starts to reach the mix.
public struct StartOrder: Sendable, Equatable {
    public var containerClass: ContainerClass
    public var image: String
    public var reason: String

    public init(containerClass: ContainerClass, image: String, reason: String) {
        self.containerClass = containerClass
        self.image = image
        self.reason = reason
    }
}

/// A container under the policy that this cycle could not measure.
public struct Unmeasured: Sendable, Equatable {
    public var container: ContainerMetadata
    public var containerClass: ContainerClass
    public var reason: String

    public init(container: ContainerMetadata, containerClass: ContainerClass, reason: String) {
        self.container = container
        self.containerClass = containerClass
        self.reason = reason
    }

    public var id: String { container.id }
    public var name: String { container.name }
}
