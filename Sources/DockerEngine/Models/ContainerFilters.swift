import Foundation

/// The `filters` query parameter of list and events calls: a map from a
/// filter name to the values any of which may match.
public struct ContainerFilters: Sendable, Equatable {
    public private(set) var values: [String: [String]] = [:]

    public init() {}

    /// Containers (or events) carrying `key=value`, or just `key` when value is nil.
    public static func label(_ key: String, _ value: String? = nil) -> ContainerFilters {
        ContainerFilters().label(key, value)
    }

    public func label(_ key: String, _ value: String? = nil) -> ContainerFilters {
        adding("label", value.map { "\(key)=\($0)" } ?? key)
    }

    /// Events only: the object type (`container`, `image`, ...).
    public func type(_ type: String) -> ContainerFilters { adding("type", type) }
    public func container(_ idOrName: String) -> ContainerFilters { adding("container", idOrName) }

    public func adding(_ key: String, _ value: String) -> ContainerFilters {
        var copy = self
        copy.values[key, default: []].append(value)
        return copy
    }

    public var isEmpty: Bool { values.isEmpty }

    /// The JSON object the daemon expects, keys sorted so a query is stable.
    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a dictionary of string lists cannot fail.
        let data = (try? encoder.encode(values)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
