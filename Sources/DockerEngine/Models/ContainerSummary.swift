/// One row of `GET /containers/json`.
public struct ContainerSummary: Sendable, Decodable, Equatable, Identifiable {
    public let id: String
    /// Names as the daemon reports them, without the leading slash.
    public let names: [String]
    /// The image reference the container was created from (`corral/high-cpu`).
    public let image: String
    public let imageID: String?
    public let command: String?
    /// Seconds since the epoch.
    public let created: Int64
    /// `created`, `running`, `paused`, `restarting`, `removing`, `exited`, `dead`.
    public let state: String
    /// The daemon's words: `Up 3 minutes`, `Exited (137) 2 seconds ago`.
    public let status: String
    public let labels: [String: String]

    /// The container's name, or its short id when it has none.
    public var name: String { names.first ?? String(id.prefix(12)) }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case names = "Names"
        case image = "Image"
        case imageID = "ImageID"
        case command = "Command"
        case created = "Created"
        case state = "State"
        case status = "Status"
        case labels = "Labels"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        names = (try c.decodeIfPresent([String].self, forKey: .names) ?? []).map(Self.trimSlash)
        image = try c.decode(String.self, forKey: .image)
        imageID = try c.decodeIfPresent(String.self, forKey: .imageID)
        command = try c.decodeIfPresent(String.self, forKey: .command)
        created = try c.decode(Int64.self, forKey: .created)
        state = try c.decode(String.self, forKey: .state)
        status = try c.decodeIfPresent(String.self, forKey: .status) ?? ""
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
    }

    static func trimSlash(_ name: String) -> String {
        name.hasPrefix("/") ? String(name.dropFirst()) : name
    }
}
