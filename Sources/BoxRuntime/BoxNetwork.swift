import CorralCore

/// A box's place on a host bridge, fixed at create and kept in its
/// config.json: the bridge, its subnet, the box's address (the same at every
/// start; freed when the box is removed), outbound NAT, published ports.
public struct BoxNetwork: Codable, Sendable, Equatable {
    public static let defaultBridge = "corral0"
    public static let defaultSubnet = "10.88.0.0/16"

    public var bridge: String
    /// CIDR, e.g. 10.88.0.0/16; the bridge holds its first address.
    public var subnet: String
    public var address: String
    /// Outbound traffic leaves masqueraded behind the host's address.
    public var nat: Bool
    public var publish: [PortMapping]

    public init(bridge: String, subnet: String, address: String, nat: Bool = false, publish: [PortMapping] = []) {
        self.bridge = bridge
        self.subnet = subnet
        self.address = address
        self.nat = nat
        self.publish = publish
    }

    /// The host end of the box's veth pair, on the bridge: "cb" and 12 digits of the id.
    public static func hostLink(of id: String) -> String { "cb" + id.prefix(12) }
    /// The other end until the helper moves it into the box and names it eth0.
    public static func peerLink(of id: String) -> String { "cp" + id.prefix(12) }

    /// Bridge names: what the kernel takes for an interface, and what an iptables chain name can carry.
    public static func validate(bridge: String) throws(BoxError) {
        let allowed = bridge.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x61...0x7a).contains(byte) || (0x41...0x5a).contains(byte) || byte == 0x2d || byte == 0x5f
        }
        guard !bridge.isEmpty, bridge.utf8.count <= 15, allowed else {
            throw .invalid("--bridge '\(bridge)': use 1 to 15 letters, digits, '-' or '_'")
        }
    }

    /// The box's place on its bridge: the subnet the bridge's other boxes
    /// use, the lowest address none of them holds, host ports no other box publishes.
    public static func place(_ request: BoxNetworkRequest, among others: [BoxConfig]) throws(BoxError) -> BoxNetwork {
        try BoxNetwork.validate(bridge: request.bridge)
        let subnet = try IPv4Subnet(request.subnet)
        let neighbours = others.compactMap(\.network).filter { $0.bridge == request.bridge }
        if let other = neighbours.first, other.subnet != subnet.description {
            throw .invalid("bridge \(request.bridge) holds subnet \(other.subnet) (its boxes have addresses there), not \(subnet)")
        }
        var seen = Set<String>()
        for port in request.publish {
            let key = "\(port.hostPort)/\(port.proto)"
            guard seen.insert(key).inserted else { throw .invalid("--publish: host port \(key) is given twice") }
            for other in others {
                if let taken = other.network?.publish.first(where: { $0.hostPort == port.hostPort && $0.proto == port.proto }) {
                    throw .invalid("--publish \(port): host port \(taken.hostPort)/\(taken.proto) is published by box \(other.name)")
                }
            }
        }
        let address = try allocate(in: subnet, taken: Set(neighbours.compactMap { IPv4($0.address) }))
        return BoxNetwork(
            bridge: request.bridge, subnet: subnet.description, address: address.description, nat: request.nat, publish: request.publish)
    }

    /// The lowest address of `subnet` that no box in `taken` holds (the bridge holds the first).
    public static func allocate(in subnet: IPv4Subnet, taken: Set<IPv4>) throws(BoxError) -> IPv4 {
        var candidate = subnet.gateway.value + 1
        while candidate < subnet.broadcast.value {
            if !taken.contains(IPv4(value: candidate)) { return IPv4(value: candidate) }
            candidate += 1
        }
        throw .invalid("subnet \(subnet) is full: every address is held by a box (remove some, or give a larger --subnet)")
    }
}

/// What `create` is asked for; the address is chosen there.
public struct BoxNetworkRequest: Sendable, Equatable {
    public var bridge: String
    public var subnet: String
    public var nat: Bool
    public var publish: [PortMapping]

    public init(
        bridge: String = BoxNetwork.defaultBridge, subnet: String = BoxNetwork.defaultSubnet, nat: Bool = false, publish: [PortMapping] = []
    ) {
        self.bridge = bridge
        self.subnet = subnet
        self.nat = nat
        self.publish = publish
    }
}

/// `[HOSTADDRESS:]HOSTPORT:BOXPORT[/tcp|/udp]`: the host's port forwarded to the box's.
public struct PortMapping: Codable, Sendable, Equatable, Hashable, CustomStringConvertible {
    public var hostPort: Int
    public var boxPort: Int
    /// "tcp" or "udp".
    public var proto: String
    /// Only traffic to this host address is forwarded; nil: any of the host's addresses, loopback too.
    public var hostAddress: String?

    public init(hostPort: Int, boxPort: Int, proto: String = "tcp", hostAddress: String? = nil) {
        self.hostPort = hostPort
        self.boxPort = boxPort
        self.proto = proto
        self.hostAddress = hostAddress
    }

    public init(parsing text: String) throws(BoxError) {
        guard let port = PublishedPort(parsing: text) else { throw .invalid("--publish '\(text)': write \(PublishedPort.form)") }
        self.init(port)
    }

    public init(_ port: PublishedPort) {
        self.init(hostPort: port.hostPort, boxPort: port.containerPort, proto: port.proto, hostAddress: port.hostAddress)
    }

    public var description: String { (hostAddress.map { $0 + ":" } ?? "") + "\(hostPort):\(boxPort)/\(proto)" }
}

/// A subnet in CIDR form: its base address and prefix length (8 to 30).
public struct IPv4Subnet: Hashable, Sendable, CustomStringConvertible {
    public var base: IPv4
    public var prefix: Int

    public init(_ text: String) throws(BoxError) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let base = IPv4(String(parts[0])), let prefix = Int(parts[1]), (8...30).contains(prefix) else {
            throw .invalid("--subnet '\(text)': write A.B.C.D/PREFIX with a prefix from 8 to 30, e.g. \(BoxNetwork.defaultSubnet)")
        }
        let mask = UInt32.max << (32 - prefix)
        guard base.value & mask == base.value else {
            throw .invalid(
                "--subnet '\(text)': the address has bits set beyond the prefix; did you mean \(IPv4(value: base.value & mask))/\(prefix)?")
        }
        self.base = base
        self.prefix = prefix
    }

    public var mask: UInt32 { UInt32.max << (32 - prefix) }
    /// The bridge's address: the first of the subnet.
    public var gateway: IPv4 { IPv4(value: base.value + 1) }
    public var broadcast: IPv4 { IPv4(value: base.value | ~mask) }

    public func contains(_ address: IPv4) -> Bool { address.value & mask == base.value }

    public var description: String { "\(base)/\(prefix)" }
}
