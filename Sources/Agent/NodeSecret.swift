import Foundation
import SystemPackage

/// The node's secret: made at the agent's first start and kept in its state
/// directory (0600), so the control plane can tell this agent from another
/// that claims the same node id.
enum NodeSecret {
    static func ensure(directory: String) throws(AgentError) -> String {
        let path = directory + "/node.secret"
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .state(path: directory, message: "\(error)")
        }
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if secret.utf8.count >= 16 { return secret }
        }
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        do {
            let fd = try FileDescriptor.open(
                FilePath(path), .writeOnly, options: [.create, .truncate], permissions: [.ownerReadWrite])
            try fd.closeAfter { _ = try fd.writeAll(Array((secret + "\n").utf8)) }
        } catch {
            throw .state(path: path, message: "\(error)")
        }
        return secret
    }
}

/// What stops an agent, with the path or the control plane's words.
public enum AgentError: Error, Sendable, CustomStringConvertible {
    case state(path: String, message: String)
    /// The control plane refuses this node's id: another agent holds it.
    case identityTaken(node: String, message: String)
    case runtime(String)

    public var description: String {
        switch self {
        case .state(let path, let message): return "cannot keep the agent's state in \(path): \(message)"
        case .identityTaken(let node, let message):
            return
                "the control plane refuses node id \(node): \(message) (another agent uses it; give --node-id, or remove its node.secret)"
        case .runtime(let message): return "the container runtime failed: \(message)"
        }
    }
}
