import CorralCore

/// `corral replay`'s console output: what was replayed under which policy,
/// the decisions that differ, and both runs' totals side by side.
public struct ReplayText: Sendable {
    public var policy: Policy
    public var files: [String]
    public var duplicates: Int
    public var tornLines: [String]
    /// Differences listed at most; 0 lists all.
    public var limit: Int

    public init(policy: Policy, files: [String], duplicates: Int = 0, tornLines: [String] = [], limit: Int = 50) {
        self.policy = policy
        self.files = files
        self.duplicates = duplicates
        self.tornLines = tornLines
        self.limit = limit
    }

    public func render(_ report: ReplayReport) -> String {
        var out = ""
        let span = report.first.map { first in first == report.last ? " at \(first)" : " from \(first) to \(report.last ?? first)" } ?? ""
        out +=
            "Replayed \(report.decisions) \(plural(report.decisions, "decision")) in \(report.cycles) \(plural(report.cycles, "cycle"))\(span)\n"
        out += "Read: \(files.joined(separator: ", "))\n"
        if duplicates > 0 { out += "Counted once: \(duplicates) \(plural(duplicates, "record")) found twice (spooled and delivered)\n" }
        for line in tornLines { out += "Skipped: \(line), a last line cut short\n" }
        out += "Policy: \(describe(policy))\n"
        out += "\n"
        if report.differences.isEmpty {
            out += "No decision differs: this policy makes every recorded decision again.\n"
        } else {
            out +=
                "Differences: \(report.differences.count) \(plural(report.differences.count, "decision")) in \(report.cyclesDiffering) of \(report.cycles) \(plural(report.cycles, "cycle"))\n"
            let shown = limit > 0 ? Array(report.differences.prefix(limit)) : report.differences
            let rows = shown.map { d in
                [
                    "\(d.cycle)", d.timestamp, d.container.name, d.container.image,
                    d.recordedClass == d.replayedClass
                        ? d.recordedClass.rawValue : "\(d.recordedClass.rawValue)->\(d.replayedClass.rawValue)",
                    d.recordedAction.rawValue, d.replayedAction.rawValue, d.reason,
                ]
            }
            out += TextTable(header: ["CYCLE", "TIME", "CONTAINER", "IMAGE", "CLASS", "RECORDED", "REPLAY", "WHY (REPLAY)"], rows: rows)
                .render()
            if shown.count < report.differences.count {
                out += "... and \(report.differences.count - shown.count) more (--limit 0 lists all)\n"
            }
        }
        out += "\n"
        out += TextTable(
            header: ["", "RECORDED", "REPLAY"],
            rows: [
                ["containers killed", "\(report.recorded.kills)", "\(report.replayed.kills)"],
                ["memory freed", mib(report.recorded.freedKb), mib(report.replayed.freedKb)],
            ]
        ).render()
        if report.incomplete > 0 {
            out +=
                "\nNote: \(report.incomplete) \(plural(report.incomplete, "record")) predate created_at and class_source: ties fall to the id, classes are read from the reasons and figures were rounded, so a decision on a resolution step's edge may differ.\n"
        }
        return out
    }

    /// `keep 2 high and 3 low; rank by cpu,mem,vsz,rss at cpu=1, mem=0.1, vsz=1, rss=1; thresholds cpu 50%, mem 5%`
    public func describe(_ policy: Policy) -> String {
        let keys = policy.sortKeys.map(\.rawValue).joined(separator: ",")
        let resolutions = policy.sortKeys.map { "\($0.rawValue)=\(number(policy.resolution($0)))" }.joined(separator: ", ")
        var text = "keep \(policy.desiredHigh) high and \(policy.desiredLow) low; rank by \(keys) at \(resolutions)"
        text += "; unlabelled high at cpu \(number(policy.highCPUPercent))% or mem \(number(policy.highMemPercent))%"
        if !policy.imageClasses.isEmpty {
            text += "; \(policy.imageClasses.count) image \(plural(policy.imageClasses.count, "class", "classes"))"
        }
        return text
    }

    func mib(_ kb: UInt64) -> String {
        kb >= 10 * 1_048_576 ? "\(Planner.oneDecimal(Double(kb) / 1_048_576)) GiB" : "\(Planner.oneDecimal(Double(kb) / 1024)) MiB"
    }

    func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? "\(Int(value))" : "\(value)"
    }

    func plural(_ n: Int, _ one: String, _ many: String? = nil) -> String {
        n == 1 ? one : (many ?? one + "s")
    }
}
