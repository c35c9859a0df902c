import CorralCore
import DockerEngine

/// Starts the containers a plan asks for, labelled like the generator's, and
/// removes one again if it was created but would not start.
public struct Starter: Sendable {
    public let docker: DockerClient
    /// Extra labels (the enforcer's selector), so a started container is a
    /// candidate next cycle.
    public let labels: [String: String]

    public init(docker: DockerClient, labels: [String: String]) {
        self.docker = docker
        self.labels = labels
    }

    public struct Started: Sendable, Equatable {
        public let order: StartOrder
        public let id: String
        public let name: String
    }

    public func start(_ order: StartOrder) async -> Result<Started, DockerError> {
        let name = "corral-\(order.containerClass.rawValue)-\(Self.randomHex())"
        var all = labels
        all[CorralLabel.managed] = CorralLabel.trueValue
        all[CorralLabel.class] = order.containerClass.rawValue
        all["corral.started-by"] = "enforcer"
        let id: String
        do {
            id = try await docker.createContainer(ContainerSpec(image: order.image, name: name, labels: all, networkMode: "none"))
        } catch {
            return .failure(error)
        }
        do {
            try await docker.startContainer(id)
        } catch {
            try? await docker.removeContainer(id, force: true)
            return .failure(error)
        }
        return .success(Started(order: order, id: id, name: name))
    }

    /// Eight hex characters from the system's random source (getrandom on
    /// Linux), as the generator's names have.
    static func randomHex() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = UInt32.random(in: 0...UInt32.max, using: &generator)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}
