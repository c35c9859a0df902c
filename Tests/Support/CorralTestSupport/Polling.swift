import Foundation

public struct DeadlineExceeded: Error, CustomStringConvertible {
    let what: String
    let seconds: Double
    public var description: String { "\(what): not true within \(seconds) s" }

    public init(what: String, seconds: Double) {
        self.what = what
        self.seconds = seconds
    }
}

/// Polls `condition` until it holds or `seconds` pass; the deadline is a
/// failure, never a silent pass.
public func poll<T>(_ what: String, seconds: Double = 20, every interval: Double = 0.1, _ condition: () async throws -> T?) async throws
    -> T
{
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        if let value = try await condition() { return value }
        if Date() > deadline { throw DeadlineExceeded(what: what, seconds: seconds) }
        try await Task.sleep(for: .seconds(interval))
    }
}
