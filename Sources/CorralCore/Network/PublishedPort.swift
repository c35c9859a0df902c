/// A port published on the host: connections to `hostPort` (on
/// `hostAddress`, or on every host address when nil) reach the container's
/// `containerPort`. Written `[ADDRESS:]HOSTPORT:PORT[/tcp|/udp]` on command
/// lines; an object with `host_port`, `container_port`, `protocol` and
/// `host_address` in the service's API.
public struct PublishedPort: Codable, Sendable, Equatable, Hashable, CustomStringConvertible {
    public var hostPort: Int
    public var containerPort: Int
    /// "tcp" or "udp".
    public var proto: String
    public var hostAddress: String?

    public init(hostPort: Int, containerPort: Int, proto: String = "tcp", hostAddress: String? = nil) {
        self.hostPort = hostPort
        self.containerPort = containerPort
        self.proto = proto
        self.hostAddress = hostAddress
    }

    /// `[ADDRESS:]HOSTPORT:PORT[/tcp|/udp]`; nil for anything else.
    public init?(parsing text: String) {
        var body = Substring(text)
        var proto = "tcp"
        if let slash = body.lastIndex(of: "/") {
            proto = String(body[body.index(after: slash)...])
            body = body[..<slash]
        }
        let parts = body.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3, let host = Int(parts[parts.count - 2]), let port = Int(parts[parts.count - 1]) else {
            return nil
        }
        self.init(hostPort: host, containerPort: port, proto: proto, hostAddress: parts.count == 3 ? parts[0] : nil)
        guard problem() == nil else { return nil }
    }

    /// What the command-line form looks like, for errors.
    public static let form = "[ADDRESS:]HOSTPORT:PORT, optionally /tcp or /udp after"

    /// The first thing wrong with it, in words, or nil.
    public func problem() -> String? {
        if !(1...65535).contains(hostPort) { return "host_port must be from 1 to 65535, not \(hostPort)" }
        if !(1...65535).contains(containerPort) { return "container_port must be from 1 to 65535, not \(containerPort)" }
        if proto != "tcp" && proto != "udp" { return "protocol must be tcp or udp, not '\(proto)'" }
        if let hostAddress, IPv4(hostAddress) == nil { return "host_address must be an IPv4 address, not '\(hostAddress)'" }
        return nil
    }

    public var description: String { (hostAddress.map { $0 + ":" } ?? "") + "\(hostPort):\(containerPort)/\(proto)" }

    enum CodingKeys: String, CodingKey {
        case hostPort = "host_port"
        case containerPort = "container_port"
        case proto = "protocol"
        case hostAddress = "host_address"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        hostPort = try container.decode(Int.self, forKey: .hostPort)
        containerPort = try container.decode(Int.self, forKey: .containerPort)
        proto = try container.decodeIfPresent(String.self, forKey: .proto) ?? "tcp"
        hostAddress = try container.decodeIfPresent(String.self, forKey: .hostAddress)
    }
}
