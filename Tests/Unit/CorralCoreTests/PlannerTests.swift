import CorralTestSupport
import Testing

@testable import CorralCore

/// A container as the planner sees it, built in one line.
func sample(
    _ name: String, _ cls: ContainerClass? = nil, cpu: Double = 0, mem: Double = 0, vsz: UInt64 = 0, rss: UInt64 = 0, created: Double = 0,
    image: String = "corral/any", labels extra: [String: String] = [:], managed: Bool = true
) -> ContainerSample {
    var labels = extra
    if managed { labels[CorralLabel.managed] = "true" }
    if let cls { labels[CorralLabel.class] = cls.rawValue }
    let id = String(repeating: "0", count: max(0, 64 - name.utf8.count)) + name
    return ContainerSample(
        metadata: ContainerMetadata(id: id, name: name, image: image, labels: labels, createdAt: created), processCount: 1, cpuPercent: cpu,
        memPercent: mem, vszKb: vsz, rssKb: rss, cgroup: nil)
}

func snapshot(_ containers: [ContainerSample]) -> Snapshot {
    Snapshot(takenAtNs: 0, source: .procfs, memory: HostMemory(totalKb: 1, freeKb: 0, availableKb: 0, usedKb: 1), containers: containers)
}

@Suite("The planner")
struct PlannerTests {
    let planner = Planner(policy: Policy())

    @Test("keeps the 2 heaviest high and the 3 lightest low containers, and kills the rest")
    func defaultMix() {
        let plan = planner.plan(
            snapshot([
                sample("h1", .high, cpu: 90), sample("h2", .high, cpu: 150), sample("h3", .high, cpu: 10), sample("h4", .high, cpu: 95),
                sample("l1", .low, cpu: 0.5), sample("l2", .low, cpu: 0.1), sample("l3", .low, cpu: 2), sample("l4", .low, cpu: 0.3),
                sample("l5", .low, cpu: 1),
            ]))
        #expect(Set(plan.keeps.map(\.name)) == ["h2", "h4", "l2", "l4", "l1"])
        #expect(Set(plan.kills.map(\.name)) == ["h1", "h3", "l3", "l5"])
        #expect(plan.decisions(of: .high).map(\.name) == ["h2", "h4", "h1", "h3"], "ranked heaviest first")
        #expect(plan.starts.isEmpty)
    }

    @Test("each decision says why in words, with its rank and figures")
    func reasons() throws {
        let plan = planner.plan(
            snapshot([
                sample("h1", .high, cpu: 97.14, rss: 262_144), sample("h2", .high, cpu: 98.5), sample("h3", .high, cpu: 99.5),
                sample("h4", .high, cpu: 98),
            ]))
        let killed = try #require(plan.kills.first { $0.name == "h1" })
        #expect(killed.reason.hasPrefix("surplus high: rank 4 of 4"))
        #expect(killed.reason.contains("cpu 97.1%"))
        #expect(killed.reason.contains("rss 262144 KiB"))
        let kept = try #require(plan.keeps.first { $0.name == "h3" })
        #expect(kept.reason.hasPrefix("kept high: rank 1 of 4, among the 2 heaviest"))
    }

    @Test("the four keys rank in the configured order: CPU, then memory, then VSZ, then RSS")
    func keyOrder() {
        let containers = [
            sample("a", .high, cpu: 50, mem: 1, vsz: 10 << 10, rss: 9 << 10),
            sample("b", .high, cpu: 50, mem: 2, vsz: 1 << 10, rss: 1 << 10),
            sample("c", .high, cpu: 10, mem: 9, vsz: 99 << 10, rss: 99 << 10),
        ]
        let byDefault = Planner(policy: Policy(desiredHigh: 1)).plan(snapshot(containers))
        #expect(byDefault.keeps.map(\.name) == ["b"], "CPU ties; memory decides")
        let byRSS = Planner(policy: Policy(desiredHigh: 1, sortKeys: [.rss, .cpu])).plan(snapshot(containers))
        #expect(byRSS.keeps.map(\.name) == ["c"])
    }

    @Test(
        "figures closer than their resolution tie, so the later keys decide: more RSS ranks heavier when CPU differs by less than a point")
    func resolution() {
        let containers = [
            sample("noisy", .high, cpu: 99.9, mem: 1.0, vsz: 100 << 10, rss: 50 << 10),
            sample("fat", .high, cpu: 99.2, mem: 1.04, vsz: 100 << 10, rss: 300 << 10),
        ]
        let plan = Planner(policy: Policy(desiredHigh: 1)).plan(snapshot(containers))
        #expect(plan.keeps.map(\.name) == ["fat"], "CPU 99.9 and 99.2 are one bucket; memory 1.0 and 1.04 another; VSZ ties; RSS decides")
        let exact = Planner(policy: Policy(desiredHigh: 1, resolutions: [.cpu: 0, .mem: 0, .vsz: 0, .rss: 0])).plan(snapshot(containers))
        #expect(exact.keeps.map(\.name) == ["noisy"], "at resolution 0 the first key decides on any difference")
        let coarse = Planner(policy: Policy(desiredHigh: 1, resolutions: [.cpu: 1, .mem: 0.1, .vsz: 1, .rss: 1024])).plan(
            snapshot(containers))
        #expect(coarse.keeps.map(\.name) == ["fat"], "every key ties: creation time ties too, and the id decides")
    }

    @Test("a running container the snapshot could not measure is neither ranked, kept nor killed, and never keeps out a measured one")
    func unmeasured() throws {
        var ghost = sample("ghost", .low)
        ghost.measured = false
        let plan = Planner(policy: Policy(desiredHigh: 0, desiredLow: 2)).plan(
            snapshot([ghost, sample("l1", .low, mem: 1), sample("l2", .low, mem: 2), sample("l3", .low, mem: 3)]))
        #expect(plan.unmeasured.map(\.name) == ["ghost"])
        #expect(
            try #require(plan.unmeasured.first).reason.hasPrefix(
                "unmeasured low: running, but the procfs document has none of its processes"))
        #expect(!plan.decisions.contains { $0.name == "ghost" })
        #expect(plan.keeps.map(\.name).sorted() == ["l1", "l2"], "the two lightest measured ones, not the zeros of the unmeasured")
        #expect(plan.kills.map(\.name) == ["l3"])
    }

    @Test("scale-up starts at most the shortfall, counts the unmeasured as present, and waits while earlier starts come up")
    func scaleUpCannotRunAway() {
        var arriving = sample("arriving", .low)
        arriving.measured = false
        let host = snapshot([sample("h1", .high), arriving])
        let plan = planner.plan(host)
        #expect(plan.starts.map(\.containerClass) == [.high, .low, .low], "1 high short; 3 low wanted, 1 arriving: 2 started, not 3")
        let waiting = planner.plan(host, comingUp: [.low: 1])
        #expect(waiting.starts.map(\.containerClass) == [.high], "no low start while one started earlier is still coming up")
    }

    @Test("ties fall to creation time (older first), then to the id")
    func ties() {
        let plan = Planner(policy: Policy(desiredHigh: 1)).plan(
            snapshot([sample("b", .high, created: 5), sample("a", .high, created: 5), sample("c", .high, created: 1)]))
        #expect(plan.decisions(of: .high).map(\.name) == ["c", "a", "b"])
    }

    @Test("a class comes from the label, else the image map, else the thresholds")
    func classification() {
        let policy = Policy(imageClasses: ["corral/heavy": .high], highCPUPercent: 50, highMemPercent: 5)
        let planner = Planner(policy: policy)
        let plan = planner.plan(
            snapshot([
                sample("labelled", .low, cpu: 400, image: "corral/heavy"), sample("mapped", image: "corral/heavy:latest"),
                sample("busy", cpu: 60), sample("fat", mem: 6), sample("quiet", cpu: 1, mem: 1),
            ]))
        func cls(_ name: String) -> (ContainerClass, ClassSource)? {
            plan.decisions.first { $0.name == name }.map { ($0.containerClass, $0.classSource) }
        }
        #expect(cls("labelled")! == (.low, .label))
        #expect(cls("mapped")! == (.high, .image))
        #expect(cls("busy")! == (.high, .threshold))
        #expect(cls("fat")! == (.high, .threshold))
        #expect(cls("quiet")! == (.low, .threshold))
    }

    @Test("unmanaged, protected and collector containers are never planned, whatever they consume")
    func untouchable() {
        let plan = planner.plan(
            snapshot([
                sample("unmanaged", .high, cpu: 999, managed: false),
                sample("protected", .high, cpu: 999, labels: [CorralLabel.protected: "true"]),
                sample("collector", .low, labels: [CorralLabel.role: "collector"]), sample("h1", .high), sample("h2", .high),
                sample("h3", .high),
            ]))
        #expect(plan.decisions.map(\.name).sorted() == ["h1", "h2", "h3"])
        #expect(plan.untouched.count == 3)
        #expect(Set(plan.untouched.map(\.reason)) == [.unmanaged, .protected, .role], "each says why it was left alone")
    }

    @Test("short of a class, it starts what is missing from that class's images, in turn")
    func scaleUp() {
        let plan = planner.plan(snapshot([sample("h1", .high), sample("l1", .low)]))
        #expect(plan.starts.map(\.containerClass) == [.high, .low, .low])
        #expect(plan.starts.map(\.image) == ["corral/high-ram", "corral/low-tick", "corral/low-idle"])
        #expect(plan.starts[0].reason == "short of high: 1 of 2 wanted, starting 1")
        #expect(plan.kills.isEmpty)
        let off = Planner(policy: Policy(scaleUp: false)).plan(snapshot([sample("h1", .high), sample("l1", .low)]))
        #expect(off.starts.isEmpty)
    }

    @Test("zero wanted of a class kills all of it")
    func zeroWanted() {
        let plan = Planner(policy: Policy(desiredHigh: 0, desiredLow: 0)).plan(snapshot([sample("h", .high), sample("l", .low)]))
        #expect(plan.kills.count == 2)
        #expect(plan.starts.isEmpty)
    }
}

@Suite("Planner properties over 2,000 random hosts")
struct PlannerPropertyTests {
    static let classes: [ContainerClass?] = [.high, .low, nil]

    func randomHost(_ rng: inout SeededRandom) -> (Policy, Snapshot) {
        let policy = Policy(
            desiredHigh: Int.random(in: 0...4, using: &rng), desiredLow: Int.random(in: 0...4, using: &rng),
            sortKeys: SortKey.allCases.shuffled(using: &rng), imageClasses: ["corral/mapped": .high], scaleUp: Bool.random(using: &rng))
        let containers = (0..<Int.random(in: 0...14, using: &rng)).map { i -> ContainerSample in
            var labels: [String: String] = [:]
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: labels[CorralLabel.protected] = "true"
            case 1: labels[CorralLabel.role] = "collector"
            default: break
            }
            return sample(
                "c\(i)", Self.classes.randomElement(using: &rng) ?? nil, cpu: Double(Int.random(in: 0...3, using: &rng) * 25),
                mem: Double(Int.random(in: 0...2, using: &rng)), vsz: UInt64.random(in: 0...3, using: &rng),
                rss: UInt64.random(in: 0...3, using: &rng),
                created: Double(Int.random(in: 0...3, using: &rng)), image: Bool.random(using: &rng) ? "corral/mapped" : "corral/other",
                labels: labels,
                managed: Int.random(in: 0..<6, using: &rng) != 0)
        }
        return (policy, snapshot(containers))
    }

    @Test("never plans a protected, collector or unmanaged container")
    func safety() {
        var rng = SeededRandom(state: 1)
        for _ in 0..<2_000 {
            let (policy, host) = randomHost(&rng)
            let plan = Planner(policy: policy).plan(host)
            for decision in plan.decisions {
                #expect(CorralLabel.isUnderPolicy(decision.container.labels))
            }
            let outside = host.containers.filter { !CorralLabel.isUnderPolicy($0.labels) }.map(\.id)
            #expect(Set(plan.untouched.map(\.id)) == Set(outside))
        }
    }

    @Test("keeps min(desired, present) of each class")
    func keepsTheMix() {
        var rng = SeededRandom(state: 2)
        for _ in 0..<2_000 {
            let (policy, host) = randomHost(&rng)
            let plan = Planner(policy: policy).plan(host)
            for cls in ContainerClass.allCases {
                let present = plan.decisions(of: cls).count
                #expect(plan.keeps.filter { $0.containerClass == cls }.count == min(policy.desired(cls), present))
            }
        }
    }

    @Test("is deterministic: the same host in any order gives the same plan")
    func deterministic() {
        var rng = SeededRandom(state: 3)
        for _ in 0..<2_000 {
            let (policy, host) = randomHost(&rng)
            var shuffled = host
            shuffled.containers.shuffle(using: &rng)
            #expect(Planner(policy: policy).plan(host) == Planner(policy: policy).plan(shuffled))
        }
    }

    @Test("the ranking is a strict weak ordering at any resolution: irreflexive, asymmetric, transitive, ties transitive")
    func strictWeakOrdering() {
        var rng = SeededRandom(state: 5)
        let figures: [Double] = [0, 0.04, 0.05, 0.5, 0.95, 1, 1.01, 2, 99.9, 100, .nan, .infinity, -1]
        for _ in 0..<300 {
            let steps: [Double] = [0, 0.1, 1, 3]
            let resolutions = Dictionary(uniqueKeysWithValues: SortKey.allCases.map { ($0, steps.randomElement(using: &rng) ?? 1) })
            let planner = Planner(policy: Policy(sortKeys: SortKey.allCases.shuffled(using: &rng), resolutions: resolutions))
            let xs = (0..<6).map { i in
                sample(
                    "s\(i)", .high, cpu: figures.randomElement(using: &rng) ?? 0, mem: figures.randomElement(using: &rng) ?? 0,
                    vsz: UInt64.random(in: 0...3, using: &rng) << 9, rss: UInt64.random(in: 0...3, using: &rng) << 9,
                    created: Double(Int.random(in: 0...1, using: &rng)))
            }
            // Without the final tie-breakers (creation, id), equivalence must be transitive too.
            func tied(_ a: ContainerSample, _ b: ContainerSample) -> Bool {
                var x = a
                var y = b
                x.metadata.createdAt = 0
                y.metadata.createdAt = 0
                y.metadata.id = x.metadata.id
                return !planner.heavier(x, than: y) && !planner.heavier(y, than: x)
            }
            for a in xs {
                #expect(!planner.heavier(a, than: a))
                for b in xs {
                    if planner.heavier(a, than: b) { #expect(!planner.heavier(b, than: a)) }
                    for c in xs {
                        if planner.heavier(a, than: b), planner.heavier(b, than: c) { #expect(planner.heavier(a, than: c)) }
                        if tied(a, b), tied(b, c) { #expect(tied(a, c)) }
                    }
                }
            }
        }
    }

    @Test("applied to its own result, a plan plans nothing more")
    func idempotent() {
        var rng = SeededRandom(state: 4)
        for round in 0..<2_000 {
            let (policy, host) = randomHost(&rng)
            let planner = Planner(policy: policy)
            let plan = planner.plan(host)
            var after = host
            let killed = Set(plan.kills.map(\.id))
            after.containers.removeAll { killed.contains($0.id) }
            for (i, start) in plan.starts.enumerated() {
                after.containers.append(sample("new\(round)x\(i)", start.containerClass, image: start.image))
            }
            let again = planner.plan(after)
            #expect(again.isQuiet, "round \(round): \(again.kills.map(\.reason)) \(again.starts.map(\.reason))")
        }
    }
}
