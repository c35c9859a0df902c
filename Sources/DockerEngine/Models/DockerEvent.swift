/// One object of the `GET /events` stream.
public struct DockerEvent: Sendable, Decodable, Equatable {
    /// `container`, `image`, `network`, ...
    public let type: String
    /// `create`, `start`, `die`, `kill`, `destroy`, ... (some carry a suffix
    /// after a colon, such as `exec_start: sh`).
    public let action: String
    /// The object's id: the container id for container events.
    public let actorID: String
    /// The container's labels plus `name`, `image`, `exitCode`, `signal`.
    public let attributes: [String: String]
    /// Nanoseconds since the epoch.
    public let timeNano: Int64

    public init(type: String, action: String, actorID: String, attributes: [String: String], timeNano: Int64) {
        self.type = type
        self.action = action
        self.actorID = actorID
        self.attributes = attributes
        self.timeNano = timeNano
    }

    enum CodingKeys: String, CodingKey {
        case type = "Type"
        case action = "Action"
        case actor = "Actor"
        case timeNano, time
    }

    struct Actor: Decodable {
        let id: String
        let attributes: [String: String]?
        enum CodingKeys: String, CodingKey {
            case id = "ID"
            case attributes = "Attributes"
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(String.self, forKey: .type)
        action = try c.decode(String.self, forKey: .action)
        let actor = try c.decode(Actor.self, forKey: .actor)
        actorID = actor.id
        attributes = actor.attributes ?? [:]
        if let nanos = try c.decodeIfPresent(Int64.self, forKey: .timeNano) {
            timeNano = nanos
        } else {
            timeNano = (try c.decodeIfPresent(Int64.self, forKey: .time) ?? 0) * 1_000_000_000
        }
    }
}
