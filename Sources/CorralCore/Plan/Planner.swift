/// The policy applied to a snapshot: values in, a ``Plan`` out. No I/O, no
/// clock, no randomness: the same snapshot always gives the same plan.
public struct Planner: Sendable {
    public let policy: Policy

    public init(policy: Policy) {
        self.policy = policy
    }

    /// `comingUp` counts, per class, the containers started by earlier
    /// cycles that are not measured yet: while any of a class is coming up,
    /// nothing more of it is started.
    public func plan(_ snapshot: Snapshot, comingUp: [ContainerClass: Int] = [:]) -> Plan {
        var untouched: [Untouched] = []
        var unmeasured: [Unmeasured] = []
        var byClass: [ContainerClass: [(ContainerSample, ClassSource)]] = [.high: [], .low: []]
        for sample in snapshot.containers {
            // The safety property: only containers labelled managed, and
            // neither protected nor the collector, are ever candidates.
            guard CorralLabel.isUnderPolicy(sample.labels) else {
                untouched.append(Untouched(id: sample.id, reason: Untouched.reason(sample.labels) ?? .unmanaged))
                continue
            }
            let (cls, source) = policy.classify(sample)
            // Zeros from a container the document lacks would rank it the
            // lightest and keep it in place of a measured one.
            guard sample.measured else {
                unmeasured.append(
                    Unmeasured(
                        container: sample.metadata, containerClass: cls,
                        reason:
                            "unmeasured \(cls.rawValue): running, but the \(snapshot.source.rawValue) document has none of its processes; not ranked this cycle"
                    ))
                continue
            }
            byClass[cls, default: []].append((sample, source))
        }

        var decisions: [Decision] = []
        var starts: [StartOrder] = []
        for cls in ContainerClass.allCases {
            // Each container's figures are bucketed once, not at every comparison.
            let ranked = (byClass[cls] ?? []).map { (rankKey($0.0), $0) }.sorted { $0.0.isHeavier(than: $1.0) }.map(\.1)
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
            starts += startOrders(
                cls, measured: count, unmeasured: unmeasured.count(where: { $0.containerClass == cls }), comingUp: comingUp[cls] ?? 0,
                desired: desired)
        }
        return Plan(decisions: decisions, starts: starts, untouched: untouched.sorted { $0.id < $1.id }, unmeasured: unmeasured)
    }

    /// At most the shortfall, counting the unmeasured as present (they are
    /// running), and nothing while earlier starts of the class are coming up:
    /// scale-up cannot outrun what the snapshot can see.
    func startOrders(_ cls: ContainerClass, measured: Int, unmeasured: Int, comingUp: Int, desired: Int) -> [StartOrder] {
        let present = measured + unmeasured
        guard policy.scaleUp, comingUp == 0, present < desired else { return [] }
        let images = policy.scaleUpImages[cls] ?? []
        guard !images.isEmpty else { return [] }
        let shortfall = desired - present
        return (0..<shortfall).map { i in
            StartOrder(
                containerClass: cls, image: images[(present + i) % images.count],
                reason: "short of \(cls.rawValue): \(present) of \(desired) wanted, starting \(shortfall)")
        }
    }

    /// The ranking: each sort key in turn at its resolution, heavier first;
    /// then older first; then by id. A strict weak ordering (a total one on
    /// distinct ids): each key compares whole resolution steps, never a
    /// "close enough" that would not be transitive.
    func heavier(_ a: ContainerSample, than b: ContainerSample) -> Bool {
        rankKey(a).isHeavier(than: rankKey(b))
    }

    /// What the ranking compares of one container: its figures in whole
    /// resolution steps, in the policy's key order; its age; its id.
    struct RankKey {
        let buckets: [Double]
        let createdAt: Double
        let id: String

        func isHeavier(than other: RankKey) -> Bool {
            for (x, y) in zip(buckets, other.buckets) where x != y { return x > y }
            if createdAt != other.createdAt { return createdAt < other.createdAt }
            return id < other.id
        }
    }

    func rankKey(_ sample: ContainerSample) -> RankKey {
        RankKey(
            buckets: policy.sortKeys.map { $0.bucket(of: sample, resolution: policy.resolution($0)) }, createdAt: sample.metadata.createdAt,
            id: sample.id)
    }

    func reason(keep: Bool, cls: ContainerClass, rank: Int, of count: Int, desired: Int, sample: ContainerSample, source: ClassSource)
        -> String
    {
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
