import CorralCore
import DockerEngine
import Probe

/// Where each cycle's figures come from: the kernel module's document when its
/// file exists, else the userspace twin; plus cgroup statistics and what
/// Docker says of the running containers.
public struct SnapshotSource: Sendable {
    public let reader: SysinfoReader
    public let procfs: ProcfsProbe
    public let selector: [String: String]
    private var builder: SnapshotBuilder
    private var lastSource: SysinfoDocument.Source?

    public init(config: EnforcerConfig) {
        reader = SysinfoReader(path: config.moduleFile)
        procfs = ProcfsProbe(procRoot: config.procRoot)
        selector = config.selector
        builder = SnapshotBuilder(cgroups: CgroupStats(root: config.cgroupRoot))
    }

    public struct Taken: Sendable {
        public let snapshot: Snapshot
        /// Said once when the source changes (the module's file appeared or vanished).
        public let notice: String?
    }

    public mutating func take(docker: DockerClient) async throws -> Taken {
        let running = try await docker.listContainers(all: false)
        let metadata = running.filter(inScope).map {
            ContainerMetadata(id: $0.id, name: $0.name, image: $0.image, labels: $0.labels, createdAt: Double($0.created))
        }
        let document = try readDocument()
        var notice: String?
        if lastSource != document.source {
            switch (lastSource, document.source) {
            case (.kernel?, .procfs): notice = "\(reader.path) disappeared: falling back to the procfs twin"
            case (_, .kernel): notice = "reading the kernel module's \(reader.path)"
            case (_, .procfs): notice = "\(reader.path) is absent (module not loaded): using the procfs twin"
            }
            lastSource = document.source
        }
        return Taken(snapshot: builder.build(document: document, metadata: metadata), notice: notice)
    }

    /// The module's document when its file is there; the twin's otherwise,
    /// including when the file vanishes between the check and the read.
    func readDocument() throws(SysinfoError) -> SysinfoDocument {
        guard reader.isAvailable else { return try procfs.document() }
        do {
            return try reader.read()
        } catch {
            if case .moduleNotLoaded = error { return try procfs.document() }
            throw error
        }
    }

    /// With a selector, only containers carrying all its labels are seen at all.
    func inScope(_ container: ContainerSummary) -> Bool {
        selector.allSatisfy { container.labels[$0.key] == $0.value }
    }
}
