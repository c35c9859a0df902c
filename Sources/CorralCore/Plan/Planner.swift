/// The policy applied to a snapshot: values in, a ``Plan`` out. No I/O, no
/// clock, no randomness: the same snapshot always gives the same plan.
public struct Planner: Sendable {
    public let policy: Policy

    public init(policy: Policy) {
        self.policy = policy
    }

    public func plan(_ snapshot: Snapshot) -> Plan {
        var untouched: [String] = []
        var byClass: [ContainerClass: [(ContainerSample, ClassSource)]] = [.high: [], .low: []]
        for sample in snapshot.containers {
            // The safety property: only containers labelled managed, and
            // neither protected nor the collector, are ever candidates.
            guard CorralLabel.isUnderPolicy(sample.labels) else {
                untouched.append(sample.id)
                continue
            }
            let (cls, source) = policy.classify(sample)
            byClass[cls, default: []].append((sample, source))
        }

        var decisions: [Decision] = []
        var starts: [StartOrder] = []
        for cls in ContainerClass.allCases {
            let ranked = (byClass[cls] ?? []).sorted { heavier($0.0, than: $1.0) }
            let desired = max(0, policy.desired(cls))
            let count = ranked.count
            for (index, (sample, source)) in ranked.enumerated() {
                let rank = index + 1
                // High keeps the heaviest `desired`; low keeps the lightest `desired`.
                let keep = cls == .high ? rank <= desired : rank > count - desired
                decisions.append(
                    Decision(
                        container: sample.metadata, containerClass: cls, classSource: source, action: keep ? .keep : .kill, rank: rank,
                        of: count, cpuPercent: sample.cpuPercent, memPercent: sample.memPercent, vszKb: sample.vszKb, rssKb: sample.rssKb,
                        reason: reason(keep: keep, cls: cls, rank: rank, of: count, desired: desired, sample: sample, source: source)))
            }
            if policy.scaleUp, count < desired {
                let images = policy.scaleUpImages[cls] ?? []
                if !images.isEmpty {
                    for i in 0..<(desired - count) {
                        starts.append(
                            StartOrder(
                                containerClass: cls, image: images[(count + i) % images.count],
                                reason: "short of \(cls.rawValue): \(count) of \(desired) wanted, starting \(desired - count)"))
                    }
                }
            }
        }
        return Plan(decisions: decisions, starts: starts, untouched: untouched.sorted())
    }

    /// The ranking: each sort key in turn, heavier first; then older first; then by id.
    func heavier(_ a: ContainerSample, than b: ContainerSample) -> Bool {
        for key in policy.sortKeys {
            let x = key.value(of: a)
            let y = key.value(of: b)
            if x != y { return x > y }
        }
        if a.metadata.createdAt != b.metadata.createdAt { return a.metadata.createdAt < b.metadata.createdAt }
        return a.id < b.id
    }

    func reason(keep: Bool, cls: ContainerClass, rank: Int, of count: Int, desired: Int, sample: ContainerSample, source: ClassSource) -> String {
        let figures = "cpu \(Self.oneDecimal(sample.cpuPercent))%, mem \(Self.oneDecimal(sample.memPercent))%, rss \(sample.rssKb) KiB"
        let classNote = source == .label ? "" : " (class by \(source.rawValue))"
        let which = cls == .high ? "heaviest" : "lightest"
        if keep {
            return "kept \(cls.rawValue): rank \(rank) of \(count), among the \(desired) \(which); \(figures)\(classNote)"
        }
        return "surplus \(cls.rawValue): rank \(rank) of \(count), outside the \(desired) \(which) kept; \(figures)\(classNote)"
    }

    /// `97.1` without Foundation's formatting.
    public static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        return "\(sign)\(abs(tenths) / 10).\(abs(tenths) % 10)"
    }
}
