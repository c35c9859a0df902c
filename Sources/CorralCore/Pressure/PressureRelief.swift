/// Who a pressure cycle removes beyond the plan's kills while MemAvailable
/// stays under the floor, in the order it removes them: high-class
/// containers beyond the kept ones that the plan does not remove this cycle
/// (capped by `surplus_action = "throttle"`), heaviest first; then, with
/// `pressure_policy = "kept"`, the kept high-class containers, heaviest first.
/// Heaviest by the memory each holds now (`holdingKb`, read from its cgroup
/// as the cycle relieves), else by the snapshot's RSS: a container that
/// allocates and frees in a loop is weighed as it is, not as it was. Low-class
/// containers are never taken: they are light by definition, and the policy's
/// low mix is not what fills memory. Pure.
public enum PressureRelief {
    public static func candidates(
        _ plan: Plan, killing: Set<String>, policy: PressurePolicy, holdingKb: [String: UInt64] = [:]
    ) -> [Decision] {
        let high = plan.decisions(of: .high).filter { !killing.contains($0.id) }
        let weight = { (d: Decision) in holdingKb[d.id] ?? d.rssKb }
        let heaviest = { (a: Decision, b: Decision) in weight(a) != weight(b) ? weight(a) > weight(b) : a.id < b.id }
        let surplus = high.filter { $0.action == .kill }.sorted(by: heaviest)
        guard policy == .kept else { return surplus }
        return surplus + high.filter { $0.action == .keep }.sorted(by: heaviest)
    }

    /// The decision as the pressure cycle acts on it: a kill, saying why.
    public static func removal(
        _ decision: Decision, signal: PressureSignal, availableKb: UInt64, floorKb: UInt64, holdingKb: UInt64? = nil
    ) -> Decision {
        var d = decision
        let was = decision.action == .keep ? "kept high, rank \(decision.rank) of \(decision.of)" : "surplus high"
        let kb = holdingKb ?? decision.rssKb
        d.action = .kill
        d.reason =
            "memory pressure: MemAvailable \(availableKb / 1024) MiB under the floor \(floorKb / 1024) MiB; the heaviest \(was), holding \(kb >= 10240 ? "\(kb / 1024) MiB" : "\(kb) KiB")"
        return d
    }
}
