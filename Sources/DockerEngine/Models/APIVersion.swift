/// An Engine API version such as `1.41`, ordered so a client can pick the
/// highest version both sides speak.
public struct APIVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let major: Int
    public let minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `"1.41"`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]),
            major >= 0, minor >= 0
        else { return nil }
        self.init(major: major, minor: minor)
    }

    public var description: String { "\(major).\(minor)" }

    public static func < (lhs: APIVersion, rhs: APIVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    /// The oldest API this client's calls are written against (Docker 20.10).
    public static let minimumSupported = APIVersion(major: 1, minor: 41)
    /// The newest API this client knows; newer daemons are spoken to at this level.
    public static let maximumSupported = APIVersion(major: 1, minor: 45)

    /// The version to use with a daemon that speaks up to `daemon`.
    public static func negotiate(daemon: APIVersion) throws(DockerError) -> APIVersion {
        guard daemon >= minimumSupported else {
            throw .unsupportedAPIVersion(daemon: daemon.description, minimum: minimumSupported.description)
        }
        return min(daemon, maximumSupported)
    }
}
