import NIOCore

extension DockerClient {
    /// True when the daemon answers `GET /_ping` with `OK`.
    public func ping() async throws(DockerError) -> Bool {
        let reply = try await transport.send(.GET, "/_ping", timeout: .seconds(5))
        return String(buffer: reply.body) == "OK"
    }

    /// The daemon's version, asked anew.
    public func version() async throws(DockerError) -> VersionInfo {
        try transport.decode(try await send(.GET, "/version"), "/version")
    }

    /// True when an image with this reference or id exists locally.
    public func imageExists(_ reference: String) async throws(DockerError) -> Bool {
        do {
            _ = try await send(.GET, "/images/\(Transport.percentEncode(reference))/json")
            return true
        } catch .notFound {
            return false
        }
    }

    /// The labels baked into a local image (its `LABEL` lines).
    public func imageLabels(_ reference: String) async throws(DockerError) -> [String: String] {
        struct Image: Decodable {
            struct Config: Decodable {
                let labels: [String: String]?
                enum CodingKeys: String, CodingKey { case labels = "Labels" }
            }
            let config: Config?
            enum CodingKeys: String, CodingKey { case config = "Config" }
        }
        let image: Image = try transport.decode(try await send(.GET, "/images/\(Transport.percentEncode(reference))/json"), reference)
        return image.config?.labels ?? [:]
    }
}
