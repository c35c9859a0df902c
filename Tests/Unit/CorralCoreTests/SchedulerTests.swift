import CorralTestSupport
import Testing

@testable import CorralCore

/// A node with room for `containers`, 4 cores and 8 GiB unless told.
func node(
    _ id: String, containers: Int64 = 100, millicpus: Int64 = 4000, memory: Int64 = 8 << 30, runtime: String = "docker",
    labels: [String: String] = [:], accepting: Bool = true, placed: Int64 = 0
) -> SchedulableNode {
    SchedulableNode(
        id: id, runtime: runtime, labels: labels, accepting: accepting,
        capacity: Resources(millicpus: millicpus, memoryBytes: memory, containers: containers),
        allocated: Resources(millicpus: 0, memoryBytes: 0, containers: placed))
}

@Suite("The scheduler")
struct SchedulerTests {
    @Test("spread places 20 containers 10 and 10 on two equal nodes")
    func spreadEvenly() {
        let placements = Scheduler.placeAll(Array(repeating: PlacementRequest(), count: 20), on: [node("a"), node("b")])
        #expect(placements.count(where: { $0.nodeID == "a" }) == 10)
        #expect(placements.count(where: { $0.nodeID == "b" }) == 10)
    }

    @Test("binpack fills one node before the next")
    func binpackFills() {
        let placements = Scheduler.placeAll(
            Array(repeating: PlacementRequest(strategy: .binpack), count: 20), on: [node("b", containers: 15), node("a", containers: 15)])
        #expect(placements.prefix(15).allSatisfy { $0.nodeID == "a" }, "the lowest id first, whatever the order given")
        #expect(placements.suffix(5).allSatisfy { $0.nodeID == "b" })
    }

    @Test("spread takes the emptier node; binpack the fuller one that still fits")
    func strategiesDisagree() {
        let nodes = [node("a", containers: 10, placed: 7), node("b", containers: 10, placed: 2)]
        #expect(Scheduler.place(PlacementRequest(strategy: .spread), on: nodes) == .node("b"))
        #expect(Scheduler.place(PlacementRequest(strategy: .binpack), on: nodes) == .node("a"))
    }

    @Test("down or drained nodes, other runtimes and missing labels take nothing, and the answer says why")
    func constraints() {
        let nodes = [
            node("down", accepting: false), node("native", runtime: "native", labels: ["zone": "eu"]), node("us", labels: ["zone": "us"]),
            node("full", containers: 1, placed: 1), node("small", memory: 1 << 20, labels: ["zone": "eu"]),
        ]
        let request = PlacementRequest(memoryBytes: 64 << 20, nodeLabels: ["zone": "eu"], runtime: "docker")
        guard case .none(let why) = Scheduler.place(request, on: nodes) else {
            Issue.record("placed where nothing fits")
            return
        }
        #expect(why.reasons.map(\.node) == ["down", "full", "native", "small", "us"])
        #expect(why.description.contains("down: down or drained"))
        #expect(why.description.contains("native: runtime native, not docker"))
        #expect(why.description.contains("us: label zone=us, not eu"))
        #expect(why.description.contains("full: no label zone"))
        #expect(why.description.contains("small: 1048576 bytes of memory free"))
        #expect(Scheduler.place(request, on: nodes + [node("eu", labels: ["zone": "eu"])]) == .node("eu"))
    }

    @Test("no nodes at all is no placement, said so")
    func noNodes() {
        #expect(Scheduler.place(PlacementRequest(), on: []) == .none(NoPlacement(reasons: [])))
        #expect(NoPlacement(reasons: []).description == "no nodes are registered")
    }

    @Test("properties over 500 random clusters: never a node that cannot take it, always one when any can, order of nodes irrelevant")
    func properties() {
        var random = SeededRandom(state: 0xC0FF_EE11)
        for round in 0..<500 {
            let count = Int.random(in: 0...12, using: &random)
            let nodes = (0..<count).map { index in
                node(
                    "n\(index)", containers: Int64.random(in: 1...8, using: &random),
                    millicpus: Int64.random(in: 0...4, using: &random) * 1000,
                    memory: Int64.random(in: 0...4, using: &random) << 30, runtime: Bool.random(using: &random) ? "docker" : "native",
                    labels: Bool.random(using: &random) ? ["zone": "eu"] : [:], accepting: Int.random(in: 0..<5, using: &random) > 0,
                    placed: Int64.random(in: 0...8, using: &random))
            }
            let request = PlacementRequest(
                millicpus: Int64.random(in: 0...2, using: &random) * 500, memoryBytes: Int64.random(in: 0...2, using: &random) << 29,
                nodeLabels: Bool.random(using: &random) ? ["zone": "eu"] : [:], runtime: Bool.random(using: &random) ? "docker" : nil,
                strategy: Bool.random(using: &random) ? .spread : .binpack)
            let placement = Scheduler.place(request, on: nodes)
            let fitting = nodes.filter { Scheduler.rejection(of: $0, for: request) == nil }
            switch placement {
            case .node(let id):
                #expect(fitting.contains { $0.id == id }, "round \(round): placed on \(id), which cannot take it")
                let chosen = Scheduler.usage(of: nodes.first { $0.id == id } ?? nodes[0], after: request.resources)
                for other in fitting {
                    let score = Scheduler.usage(of: other, after: request.resources)
                    if request.strategy == .spread {
                        #expect(chosen <= score, "round \(round): spread chose a fuller node")
                    } else {
                        #expect(chosen >= score, "round \(round): binpack chose an emptier node")
                    }
                }
            case .none(let why):
                #expect(fitting.isEmpty, "round \(round): nothing placed though \(fitting.map(\.id)) fit")
                #expect(why.reasons.count == nodes.count)
            }
            #expect(Scheduler.place(request, on: nodes.reversed()) == placement, "round \(round): the order of nodes changed the answer")
            #expect(Scheduler.place(request, on: nodes.shuffled(using: &random)) == placement)
        }
    }

    @Test("spread over equal nodes never lets two counts differ by more than one")
    func spreadBalance() {
        var random = SeededRandom(state: 7)
        for _ in 0..<50 {
            let nodes = (0..<Int.random(in: 1...9, using: &random)).map { node("n\($0)") }
            let burst = Int.random(in: 0...90, using: &random)
            let placements = Scheduler.placeAll(Array(repeating: PlacementRequest(), count: burst), on: nodes)
            let counts = nodes.map { node in placements.count(where: { $0.nodeID == node.id }) }
            #expect((counts.max() ?? 0) - (counts.min() ?? 0) <= 1)
            #expect(counts.reduce(0, +) == burst)
        }
    }
}
