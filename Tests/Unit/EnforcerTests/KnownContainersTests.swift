import CorralCore
import Testing

@testable import Enforcer

/// A cycle at rest does not ask the runtime what it already said: the
/// document says which containers still run, and the runtime is asked when
/// the document shows one it has not described.
@Suite("The containers the runtime described, kept between cycles")
struct KnownContainersTests {
    static func described(_ ids: [String]) -> [ContainerMetadata] {
        ids.map { ContainerMetadata(id: $0, name: "n-\($0)", image: "corral/low-idle", labels: [:], createdAt: 1) }
    }

    @Test("the first cycle lists; the same containers next cycle are taken from the listing")
    func reusedAtRest() {
        var known = KnownContainers()
        #expect(known.needsListing(seen: ["a", "b"]))
        #expect(known.fresh(Self.described(["a", "b"]), seen: ["a", "b"]).map(\.id) == ["a", "b"])
        #expect(!known.needsListing(seen: ["a", "b"]))
        #expect(known.reused(seen: ["a", "b"]).map(\.id) == ["a", "b"])
    }

    @Test("a container the document shows that the listing did not describe makes the next cycle list; one it did not select does not")
    func newContainerLists() {
        var known = KnownContainers()
        _ = known.fresh(Self.described(["a"]), seen: ["a", "unselected"])
        #expect(!known.needsListing(seen: ["a", "unselected"]), "a container the selector leaves out is not asked about again")
        #expect(known.needsListing(seen: ["a", "unselected", "new"]))
    }

    @Test("a container that leaves the document has stopped and is forgotten, and comes back through a listing")
    func stoppedIsForgotten() {
        var known = KnownContainers()
        _ = known.fresh(Self.described(["a", "b"]), seen: ["a", "b"])
        #expect(known.reused(seen: ["a"]).map(\.id) == ["a"])
        #expect(known.needsListing(seen: ["a", "b"]), "b running again is described again")
    }

    @Test("a running container the document lacks stays described (unmeasured) until the next listing")
    func unmeasuredStays() {
        var known = KnownContainers()
        #expect(known.fresh(Self.described(["a", "ghost"]), seen: ["a"]).map(\.id) == ["a", "ghost"], "the first listing is as listed")
        #expect(known.reused(seen: ["a"]).map(\.id) == ["a", "ghost"])
    }

    @Test("a container listed but not yet in the document, new since the last listing, waits a cycle rather than being called unmeasured")
    func startedBetweenReads() {
        var known = KnownContainers()
        _ = known.fresh(Self.described(["a"]), seen: ["a"])
        #expect(known.fresh(Self.described(["a", "b", "late"]), seen: ["a", "b"]).map(\.id) == ["a", "b"])
        #expect(known.reused(seen: ["a", "b"]).map(\.id) == ["a", "b", "late"], "described next cycle, measured or not")
    }

    @Test("the listing is asked again every few cycles, and at once after the enforcer started or removed something")
    func expiry() {
        var known = KnownContainers()
        _ = known.fresh(Self.described(["a"]), seen: ["a"])
        for _ in 1..<KnownContainers.relistCycles {
            #expect(!known.needsListing(seen: ["a"]))
            _ = known.reused(seen: ["a"])
        }
        #expect(known.needsListing(seen: ["a"]))
        _ = known.fresh(Self.described(["a"]), seen: ["a"])
        known.expire()
        #expect(known.needsListing(seen: ["a"]))
    }
}
