/// A work order: one job for one node, with the container it is about.
/// Delivering an order twice is harmless; the agent acts on a container by
/// its service id, which its runtime's container carries as a label.
public struct Order: Sendable, Codable, Equatable {
    public var jobID: String
    public var kind: JobKind
    public var container: ContainerRecord

    public init(jobID: String, kind: JobKind, container: ContainerRecord) {
        self.jobID = jobID
        self.kind = kind
        self.container = container
    }

    enum CodingKeys: String, CodingKey {
        case kind, container
        case jobID = "job_id"
    }
}

/// The orders waiting for a node.
public struct OrderBatch: Sendable, Codable, Equatable {
    public var orders: [Order]

    public init(orders: [Order]) {
        self.orders = orders
    }
}

/// The agent taking orders: "received", before it acts.
public struct Acknowledgement: Sendable, Codable, Equatable {
    public var jobIDs: [String]

    public init(jobIDs: [String]) {
        self.jobIDs = jobIDs
    }

    enum CodingKeys: String, CodingKey {
        case jobIDs = "job_ids"
    }
}
