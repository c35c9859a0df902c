import Foundation

/// What `create` fixed for a box, kept in its config.json: never changed afterwards.
public struct BoxConfig: Codable, Sendable, Equatable {
    /// 64 hex digits: also the name of its directory and its cgroup.
    public var id: String
    public var name: String
    /// The image's name as given, and the digest it resolved to at create.
    public var image: String
    public var imageDigest: String
    /// The command and its arguments; the box's init runs it.
    public var command: [String]
    /// K=V entries.
    public var environment: [String]
    public var labels: [String: String]
    public var limits: BoxLimits
    /// Its place on a bridge; nil: loopback only.
    public var network: BoxNetwork?
    /// Seconds since the epoch.
    public var createdAt: Double

    public init(
        id: String, name: String, image: String, imageDigest: String, command: [String], environment: [String], labels: [String: String],
        limits: BoxLimits, network: BoxNetwork? = nil, createdAt: Double
    ) {
        self.network = network
        self.id = id
        self.name = name
        self.image = image
        self.imageDigest = imageDigest
        self.command = command
        self.environment = environment
        self.labels = labels
        self.limits = limits
        self.createdAt = createdAt
    }

    /// The command boxes run when none is given: a shell that waits for a signal.
    public static let defaultCommand = ["/bin/sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"]

    /// Box names: what a hostname may be, so the name can be the box's hostname.
    public static func validate(name: String) throws(BoxError) {
        let allowed = name.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x61...0x7a).contains(byte) || (0x41...0x5a).contains(byte) || byte == 0x2d || byte == 0x2e
                || byte == 0x5f
        }
        guard !name.isEmpty, name.utf8.count <= 63, allowed, name.first != "-", name.first != "." else {
            throw .invalid(
                "box name '\(name)': use 1 to 63 letters, digits, '-', '_' or '.', not starting with '-' or '.' (it is also the box's hostname)"
            )
        }
    }

    /// The hostname inside: the name, with '_' (which hostnames lack) as '-'.
    public var hostname: String { name.replacingOccurrences(of: "_", with: "-") }
}

/// A box's limits: what its cgroups and its disk hold it to.
public struct BoxLimits: Codable, Sendable, Equatable {
    /// Memory (bytes); nil: unlimited.
    public var memory: Int64?
    /// Memory plus swap (bytes), where the kernel accounts swap; nil: as memory
    /// (no swap beyond it) when memory is limited.
    public var memorySwap: Int64?
    /// CPU cores' worth of time (0.5: half a core); nil: unlimited.
    public var cpus: Double?
    /// Processes and threads; nil: unlimited.
    public var pids: Int?
    /// The writable layer's file system (bytes).
    public var disk: Int64

    public static let defaultDisk: Int64 = 1 << 30

    public init(memory: Int64? = nil, memorySwap: Int64? = nil, cpus: Double? = nil, pids: Int? = nil, disk: Int64 = BoxLimits.defaultDisk)
    {
        self.memory = memory
        self.memorySwap = memorySwap
        self.cpus = cpus
        self.pids = pids
        self.disk = disk
    }

    /// Refuses values no kernel takes, naming the setting.
    public func validated() throws(BoxError) -> BoxLimits {
        if let memory, memory < 4 << 20 { throw .invalid("--memory: at least 4M, not \(ByteSize.words(memory))") }
        if let memorySwap, let memory, memorySwap < memory {
            throw .invalid("--memory-swap: at least --memory (\(ByteSize.words(memory))), not \(ByteSize.words(memorySwap))")
        }
        if let cpus, !(0.01...1024).contains(cpus) { throw .invalid("--cpus: from 0.01 to 1024, not \(cpus)") }
        if let pids, pids < 1 { throw .invalid("--pids: at least 1, not \(pids)") }
        guard disk >= 8 << 20 else { throw .invalid("--disk: at least 8M (an ext4 file system), not \(ByteSize.words(disk))") }
        return self
    }

    /// "mem 256M cpu 0.5 pids 100 disk 1G"
    public var words: String {
        var parts: [String] = []
        if let memory { parts.append("mem \(ByteSize.words(memory))") }
        if let cpus { parts.append("cpu \(cpus.formatted())") }
        if let pids { parts.append("pids \(pids)") }
        parts.append("disk \(ByteSize.words(disk))")
        return parts.joined(separator: " ")
    }
}
