import ControlAPI

/// What became of an agent's call.
public enum AgentOutcome<Value: Sendable>: Sendable {
    case ok(Value)
    /// No node has registered with this id.
    case unknownNode(String)
    /// The node exists with another secret: another agent claims its id.
    case wrongSecret(node: String)
    /// The node was marked down; the agent must register again (and so reconcile).
    case down(node: String)
    /// The call names a job or container of another node: refused whole.
    case forbidden(String)
}
