import CorralCore
import Testing

/// What `surplus_action` makes of a plan: values in, values out.
@Suite("The surplus action")
struct SurplusPlanTests {
    static func decision(_ id: String, _ action: Action) -> Decision {
        Decision(
            container: ContainerMetadata(id: id, name: id, image: "corral/high-cpu", labels: [:], createdAt: 0), containerClass: .high,
            classSource: .label, action: action, rank: 1, of: 1, cpuPercent: 0, memPercent: 0, vszKb: 0, rssKb: 0, reason: "")
    }

    static let plan = Plan(
        decisions: [decision("kept", .keep), decision("was-capped-kept", .keep), decision("new", .kill), decision("capped", .kill)],
        starts: [], untouched: [])

    static func ids(_ decisions: [Decision]) -> [String] { decisions.map(\.id) }

    @Test("kill removes every surplus container, and uncaps one a throttle policy had capped and now keeps")
    func kill() {
        let surplus = SurplusPlan(Self.plan, action: .kill, throttled: ["was-capped-kept": 0, "capped": 0], now: 100, killAfter: nil)
        #expect(Self.ids(surplus.kills) == ["new", "capped"])
        #expect(Self.ids(surplus.unthrottles) == ["was-capped-kept"])
        #expect(surplus.throttles.isEmpty && surplus.stillThrottled.isEmpty)
    }

    @Test("throttle caps the newly surplus, leaves the capped capped, uncaps the kept again, and kills none without a deadline")
    func throttle() {
        let surplus = SurplusPlan(Self.plan, action: .throttle, throttled: ["was-capped-kept": 0, "capped": 0], now: 1e9, killAfter: nil)
        #expect(Self.ids(surplus.throttles) == ["new"])
        #expect(Self.ids(surplus.stillThrottled) == ["capped"])
        #expect(Self.ids(surplus.unthrottles) == ["was-capped-kept"])
        #expect(surplus.kills.isEmpty)
    }

    @Test("with throttle_then_kill_seconds, a container surplus that long after its cap is killed, and not a moment before")
    func deadline() {
        let early = SurplusPlan(Self.plan, action: .throttle, throttled: ["capped": 100], now: 129.9, killAfter: 30)
        #expect(Self.ids(early.stillThrottled) == ["capped"] && early.kills.isEmpty)
        let due = SurplusPlan(Self.plan, action: .throttle, throttled: ["capped": 100], now: 130, killAfter: 30)
        #expect(Self.ids(due.kills) == ["capped"] && due.stillThrottled.isEmpty)
        #expect(Self.ids(due.throttles) == ["new"])
    }
}
