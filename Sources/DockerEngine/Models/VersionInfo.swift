/// What `GET /version` says of the daemon.
public struct VersionInfo: Sendable, Decodable, Equatable {
    public let version: String
    public let apiVersion: String
    public let minAPIVersion: String?
    public let os: String?
    public let arch: String?
    public let kernelVersion: String?

    enum CodingKeys: String, CodingKey {
        case version = "Version"
        case apiVersion = "ApiVersion"
        case minAPIVersion = "MinAPIVersion"
        case os = "Os"
        case arch = "Arch"
        case kernelVersion = "KernelVersion"
    }
}
