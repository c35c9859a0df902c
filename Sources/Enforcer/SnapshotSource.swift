import Actuation
import ContainerRuntime
import CorralCore
import Probe
import Settings

/// Where each cycle's figures come from: the kernel module's document when its
/// file exists, else the userspace twin; plus cgroup statistics and what
/// Docker says of the running containers (asked when the containers in the
/// document change, and once a minute at the default interval; see
/// ``KnownContainers``).
public struct SnapshotSource: Sendable {
    public let reader: SysinfoReader
    public let procfs: ProcfsProbe
    public let selector: [String: String]
    private var builder: SnapshotBuilder
    private var lastState: State?
    private var known = KnownContainers()

    public init(config: EnforcerConfig) {
        reader = SysinfoReader(path: config.moduleFile)
        // The files every cycle reads, kept open between cycles (one kept
        // set: a round ends with each document).
        OpenProcFiles.raiseDescriptorLimit()
        let files = OpenProcFiles()
        // A cycle ranks by figures, never by argv: the twin does not read it.
        procfs = ProcfsProbe(
            procRoot: config.procRoot, cgroupParent: config.cgroupParent, cgroupRoot: config.cgroupRoot, openFiles: files, readsArgv: false)
        selector = config.selector
        builder = SnapshotBuilder(cgroups: CgroupStats(root: config.cgroupRoot, openFiles: files), figures: .cpuTime)
    }

    public struct Taken: Sendable {
        public let snapshot: Snapshot
        /// Said once when the source changes (the module's file appeared or
        /// vanished, or its document could not be used and the twin stood in).
        public let notice: String?
    }

    public mutating func take(runtime: any ContainerRuntime) async throws -> Taken {
        let (document, state) = try readDocument()
        let seen = Set(document.containers.map(\.id))
        let metadata: [ContainerMetadata]
        if known.needsListing(seen: seen) {
            // With a selector, only containers carrying all its labels are seen at all.
            let running = try await runtime.list(labels: selector, includeStopped: false)
            metadata = known.fresh(
                running.map { ContainerMetadata(id: $0.id, name: $0.name, image: $0.image, labels: $0.labels, createdAt: $0.createdAt) },
                seen: seen)
        } else {
            metadata = known.reused()
        }
        var notice: String?
        if lastState != state {
            notice = state.notice(path: reader.path, after: lastState)
            lastState = state
        }
        return Taken(snapshot: builder.build(document: document, metadata: metadata), notice: notice)
    }

    /// The next cycle asks the runtime rather than reusing what it said.
    public mutating func listNextCycle() {
        known.expire()
    }

    /// Which document a cycle read, and why: said when it changes, not every cycle.
    enum State: Equatable {
        case kernel
        /// The module's file is not there.
        case absent
        /// The module's file is there but its document could not be used this
        /// cycle (too large, unreadable, malformed): the twin stood in.
        case fallback(String)

        func notice(path: String, after previous: State?) -> String {
            switch (previous, self) {
            case (.kernel?, .absent), (.fallback?, .absent): return "\(path) disappeared: falling back to the procfs twin"
            case (_, .kernel): return "reading the kernel module's \(path)"
            case (_, .absent): return "\(path) is absent (module not loaded): using the procfs twin"
            case (_, .fallback(let reason)):
                return "the kernel module's document cannot be used (\(reason)): using the procfs twin until it can"
            }
        }
    }

    /// The module's document when its file is there and its document can be
    /// used; the twin's otherwise. One bad document (too large for one
    /// container's thousands of processes, a kernel -ENOMEM, a torn read)
    /// costs that cycle its source, never its figures.
    func readDocument() throws(SysinfoError) -> (SysinfoDocument, State) {
        guard reader.isAvailable else { return (try procfs.document(), .absent) }
        do {
            let document = try reader.read()
            // Whole containers left out by the module's size bound would be
            // unmeasured: the twin measures every one.
            guard document.containersOmitted == 0 else {
                return (try procfs.document(), .fallback("its size bound left whole containers out"))
            }
            return (document, .kernel)
        } catch {
            if case .moduleNotLoaded = error { return (try procfs.document(), .absent) }
            return (try procfs.document(), .fallback(error.kind))
        }
    }
}
