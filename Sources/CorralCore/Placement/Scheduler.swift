/// Chooses a node for a container: a pure function of the request and the
/// nodes, so the same inputs always give the same placement. No I/O, no clock,
/// no randomness; ties go to the lowest node id.
public enum Scheduler {
    /// Places one request on one of `nodes`.
    ///
    /// A node is a candidate when it accepts work, has the runtime and every
    /// label asked for, and has room for the request in CPU, memory and
    /// container count. Among candidates, `spread` takes the one least used
    /// after the placement and `binpack` the one most used, where "used" is
    /// the fullest of the node's dimensions (containers, CPU, memory).
    public static func place(_ request: PlacementRequest, on nodes: [SchedulableNode]) -> Placement {
        var best: (index: Int, score: Double)?
        let labels = request.nodeLabels.sorted { $0.key < $1.key }
        for index in nodes.indices where rejection(of: nodes[index], for: request, labels: labels) == nil {
            let score = usage(of: nodes[index], after: request.resources)
            guard let current = best else {
                best = (index, score)
                continue
            }
            let better: Bool
            switch request.strategy {
            case .spread: better = score < current.score
            case .binpack: better = score > current.score
            }
            if better || (score == current.score && nodes[index].id < nodes[current.index].id) {
                best = (index, score)
            }
        }
        if let best { return .node(nodes[best.index].id) }
        let reasons = nodes.compactMap { node in rejection(of: node, for: request).map { NoPlacement.Rejection(node: node.id, reason: $0) }
        }
        return .none(NoPlacement(reasons: reasons.sorted { $0.node < $1.node }))
    }

    /// Places each request in turn, each seeing the ones before it: what a
    /// burst of creates would get, in order.
    public static func placeAll(_ requests: [PlacementRequest], on nodes: [SchedulableNode]) -> [Placement] {
        var nodes = nodes
        var index: [String: Int] = [:]
        for (position, node) in nodes.enumerated() { index[node.id] = position }
        return requests.map { request in
            let placement = place(request, on: nodes)
            if let id = placement.nodeID, let position = index[id] {
                nodes[position].allocated = nodes[position].allocated.plus(request.resources)
            }
            return placement
        }
    }

    /// Why `node` cannot take `request`, or nil when it can.
    public static func rejection(of node: SchedulableNode, for request: PlacementRequest) -> NoPlacement.Reason? {
        rejection(of: node, for: request, labels: request.nodeLabels.sorted { $0.key < $1.key })
    }

    /// `labels` are the request's node labels sorted by key, sorted once per
    /// placement rather than once per node.
    static func rejection(of node: SchedulableNode, for request: PlacementRequest, labels: [(key: String, value: String)]) -> NoPlacement
        .Reason?
    {
        guard node.accepting else { return .notAccepting }
        if let runtime = request.runtime, runtime != node.runtime { return .runtime(wanted: runtime, has: node.runtime) }
        for (key, wanted) in labels where node.labels[key] != wanted {
            return .label(key: key, wanted: wanted, has: node.labels[key])
        }
        let free = node.free
        if request.resources.containers > free.containers { return .containers(capacity: node.capacity.containers) }
        if request.resources.millicpus > free.millicpus { return .cpu(wanted: request.resources.millicpus, free: free.millicpus) }
        if request.resources.memoryBytes > free.memoryBytes {
            return .memory(wanted: request.resources.memoryBytes, free: free.memoryBytes)
        }
        return nil
    }

    /// The fullest dimension of `node` once `request` is added, from 0 to 1.
    /// A dimension the node reports no capacity in counts as unused.
    static func usage(of node: SchedulableNode, after request: Resources) -> Double {
        let after = node.allocated.plus(request)
        var fullest = fraction(after.containers, of: node.capacity.containers)
        fullest = max(fullest, fraction(after.millicpus, of: node.capacity.millicpus))
        fullest = max(fullest, fraction(after.memoryBytes, of: node.capacity.memoryBytes))
        return fullest
    }

    private static func fraction(_ used: Int64, of capacity: Int64) -> Double {
        capacity > 0 ? Double(used) / Double(capacity) : 0
    }
}
