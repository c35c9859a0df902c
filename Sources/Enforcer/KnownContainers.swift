import CorralCore

/// What the runtime said of the running containers, kept between cycles so
/// that a cycle at rest does not ask again: a container's id, labels, image
/// and creation time never change while it runs, and the document says which
/// are still running. The runtime is asked again when the set of containers
/// in the document changes (one started, stopped or was removed), after a
/// cycle that started or removed some (``expire()``), and every
/// ``relistCycles`` cycles (a rename; a running container the document lacks).
struct KnownContainers: Sendable {
    /// Cycles a listing is reused for before the runtime is asked again.
    static let relistCycles = 6

    /// The last listing, in its order.
    private var listed: [ContainerMetadata] = []
    /// Containers the document had at the last cycle.
    private var lastSeen: Set<String> = []
    /// Cycles since the last listing; nil before the first.
    private var sinceListing: Int?

    /// Whether this cycle must ask the runtime, given the containers its
    /// document has.
    func needsListing(seen: Set<String>) -> Bool {
        guard let sinceListing, sinceListing + 1 < Self.relistCycles else { return true }
        return seen != lastSeen
    }

    /// The next cycle lists, keeping this listing to compare with.
    mutating func expire() {
        if sinceListing != nil { sinceListing = Self.relistCycles }
    }

    /// This cycle's containers from a fresh listing, kept for the cycles
    /// after. (Listed after the document is read, a container that started
    /// in between is unmeasured for a cycle, as one that stopped in between
    /// was when the list came first; a box the document does not show is
    /// unmeasured every cycle, and counted as running.)
    mutating func fresh(_ metadata: [ContainerMetadata], seen: Set<String>) -> [ContainerMetadata] {
        listed = metadata
        lastSeen = seen
        sinceListing = 0
        return metadata
    }

    /// This cycle's containers from the kept listing (the document shows
    /// the same containers as at the last cycle).
    mutating func reused() -> [ContainerMetadata] {
        sinceListing = (sinceListing ?? 0) + 1
        return listed
    }
}
