import ContainerRuntime
import CorralCore

/// Starts the containers a plan asks for, labelled like the generator's, and
/// removes one again if it was created but would not start.
public struct Starter: Sendable {
    public let runtime: any ContainerRuntime
    /// Extra labels (the enforcer's selector), so a started container is a
    /// candidate next cycle.
    public let labels: [String: String]

    public init(runtime: any ContainerRuntime, labels: [String: String]) {
        self.runtime = runtime
        self.labels = labels
    }

    public struct Started: Sendable, Equatable {
        public let order: StartOrder
        public let id: String
        public let name: String
    }

    public func start(_ order: StartOrder) async -> Result<Started, RuntimeError> {
        let name = "corral-\(order.containerClass.rawValue)-\(Self.randomHex())"
        var all = labels
        all[CorralLabel.managed] = CorralLabel.trueValue
        all[CorralLabel.class] = order.containerClass.rawValue
        all["corral.started-by"] = "enforcer"
        let id: String
        do {
            id = try await runtime.create(ContainerRequest(image: order.image, name: name, labels: all, network: .none))
        } catch {
            return .failure(error)
        }
        do {
            try await runtime.start(id)
        } catch {
            try? await runtime.remove(id, force: true)
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
