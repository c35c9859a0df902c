import CorralCore
import Testing

@testable import Enforcer

/// A cycle at rest does not ask the runtime what it already said: the
/// document says which containers still run, and the runtime is asked when
/// they change.
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
        #expect(known.reused().map(\.id) == ["a", "b"])
    }

    @Test("a container that comes into the document or leaves it makes the cycle list; one the selector left out stays unasked")
    func changesList() {
        var known = KnownContainers()
        _ = known.fresh(Self.described(["a", "b"]), seen: ["a", "b", "unselected"])
        #expect(!known.needsListing(seen: ["a", "b", "unselected"]), "a container the selector leaves out is not asked about again")
        #expect(known.needsListing(seen: ["a", "b", "unselected", "new"]))
        #expect(known.needsListing(seen: ["a", "unselected"]), "b stopped")
        #expect(known.fresh(Self.described(["a"]), seen: ["a", "unselected"]).map(\.id) == ["a"])
    }

    @Test("a running container the document lacks stays described (unmeasured) until the next listing")
    func unmeasuredStays() {
        var known = KnownContainers()
        #expect(known.fresh(Self.described(["a", "ghost"]), seen: ["a"]).map(\.id) == ["a", "ghost"])
        #expect(known.reused().map(\.id) == ["a", "ghost"])
    }

    @Test("the listing is asked again every few cycles, and at once after the enforcer started or removed something")
    func expiry() {
        var known = KnownContainers()
        _ = known.fresh(Self.described(["a"]), seen: ["a"])
        for _ in 1..<KnownContainers.relistCycles {
            #expect(!known.needsListing(seen: ["a"]))
            _ = known.reused()
        }
        #expect(known.needsListing(seen: ["a"]))
        _ = known.fresh(Self.described(["a"]), seen: ["a"])
        known.expire()
        #expect(known.needsListing(seen: ["a"]))
    }
}
