import NIOCore

extension DockerClient {
    /// Containers, running ones only unless `all`, narrowed by `filters`.
    public func listContainers(all: Bool = false, filters: ContainerFilters = ContainerFilters()) async throws(DockerError)
        -> [ContainerSummary]
    {
        var query = [("all", all ? "true" : "false")]
        if !filters.isEmpty { query.append(("filters", filters.json)) }
        return try transport.decode(try await send(.GET, "/containers/json", query: query), "list")
    }

    /// Everything the daemon knows of one container, by id or name.
    public func inspectContainer(_ idOrName: String) async throws(DockerError) -> ContainerDetails {
        try transport.decode(try await send(.GET, "/containers/\(Transport.percentEncode(idOrName))/json"), idOrName)
    }

    /// Creates a container (not started) and returns its id.
    public func createContainer(_ spec: ContainerSpec) async throws(DockerError) -> String {
        struct Created: Decodable {
            let id: String
            enum CodingKeys: String, CodingKey { case id = "Id" }
        }
        let query = spec.name.map { [("name", $0)] } ?? []
        let created: Created = try transport.decode(try await send(.POST, "/containers/create", query: query, body: spec), "create")
        return created.id
    }

    /// Starts a container; starting a running one is not an error.
    public func startContainer(_ idOrName: String) async throws(DockerError) {
        _ = try await send(.POST, "/containers/\(Transport.percentEncode(idOrName))/start")
    }

    /// Sends a signal (`SIGKILL`, `SIGTERM`, ...). A container that is not
    /// running answers `conflict`.
    public func killContainer(_ idOrName: String, signal: String = "SIGKILL") async throws(DockerError) {
        _ = try await send(.POST, "/containers/\(Transport.percentEncode(idOrName))/kill", query: [("signal", signal)])
    }

    /// SIGTERM (or the image's stop signal), then SIGKILL after `graceSeconds`.
    /// Stopping a stopped container is not an error.
    public func stopContainer(_ idOrName: String, graceSeconds: Int = 10) async throws(DockerError) {
        _ = try await send(
            .POST, "/containers/\(Transport.percentEncode(idOrName))/stop", query: [("t", String(graceSeconds))],
            timeout: requestTimeout + .seconds(Int64(graceSeconds)))
    }

    /// Removes a container; with `force`, a running one is killed first.
    public func removeContainer(_ idOrName: String, force: Bool = false, removeVolumes: Bool = true) async throws(DockerError) {
        _ = try await send(
            .DELETE, "/containers/\(Transport.percentEncode(idOrName))",
            query: [("force", force ? "true" : "false"), ("v", removeVolumes ? "true" : "false")])
    }

    /// Blocks until the container is no longer running and returns its exit status.
    public func waitContainer(_ idOrName: String, timeout: TimeAmount = .seconds(300)) async throws(DockerError) -> WaitResult {
        try transport.decode(
            try await send(
                .POST, "/containers/\(Transport.percentEncode(idOrName))/wait", query: [("condition", "not-running")],
                timeout: timeout), "wait")
    }
}
