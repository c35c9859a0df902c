import CorralCore
import Journal

/// Journal entries for a cycle, with the fields of the README's "Journal"
/// section: one per decision, one per start, one for the cycle.
public enum CycleJournal {
    public static func entries(_ report: CycleReport, selector: [String: String]) -> [JournalEntry] {
        var entries: [JournalEntry] = []
        let common = commonFields(cycle: report.cycle, dryRun: report.dryRun, selector: selector)
        if let error = report.error {
            entries.append(
                JournalEntry(
                    message: "cycle \(report.cycle): \(error)", priority: .error,
                    fields: common + [.init("CORRAL_EVENT", "error"), .init("CORRAL_REASON", error)]))
            return entries
        }
        guard let plan = report.plan, let snapshot = report.snapshot else { return entries }
        for decision in plan.decisions {
            var event = decision.action.rawValue
            var priority = JournalEntry.Priority.info
            var message: String
            switch (decision.action, report.kills[decision.id]) {
            case (.keep, _):
                message = "kept \(decision.name): \(decision.reason)"
            case (.kill, .failed(let why)?):
                event = "kill_failed"
                priority = .error
                message = "could not kill \(decision.name): \(why); \(decision.reason)"
            case (.kill, .refused?):
                event = "error"
                priority = .error
                message = "refused to kill \(decision.name): it is not under the policy"
            case (.kill, _):
                priority = .notice
                message = (report.dryRun ? "would kill " : "killed ") + "\(decision.name): \(decision.reason)"
            }
            entries.append(
                JournalEntry(message: message, priority: priority, fields: common + [.init("CORRAL_EVENT", event)] + fields(decision)))
        }
        for item in plan.unmeasured {
            entries.append(
                JournalEntry(
                    message: "did not rank \(item.name): \(item.reason)", priority: .warning,
                    fields: common + [.init("CORRAL_EVENT", "unmeasured")]
                        + containerFields(
                            id: item.id, name: item.name, image: item.container.image, cls: item.containerClass, reason: item.reason)))
        }
        for gone in report.exitedStarts {
            let started = gone.started
            let why =
                "exited at once with status \(gone.exitCode) after Corral started it; "
                + (gone.removalError.map { "could not remove it: \($0)" } ?? "removed it")
            entries.append(
                JournalEntry(
                    message: "\(started.name) from \(started.order.image) \(why)", priority: .error,
                    fields: common + [.init("CORRAL_EVENT", "start_exited"), .init("CORRAL_EXIT_CODE", String(gone.exitCode))]
                        + containerFields(
                            id: started.id, name: started.name, image: started.order.image, cls: started.order.containerClass, reason: why))
            )
        }
        for started in report.started {
            entries.append(
                JournalEntry(
                    message: "started \(started.name) from \(started.order.image): \(started.order.reason)", priority: .notice,
                    fields: common + [.init("CORRAL_EVENT", "start_container")]
                        + containerFields(
                            id: started.id, name: started.name, image: started.order.image, cls: started.order.containerClass,
                            reason: started.order.reason)))
        }
        if report.dryRun {
            for order in plan.starts {
                entries.append(
                    JournalEntry(
                        message: "would start a \(order.containerClass.rawValue) container from \(order.image): \(order.reason)",
                        fields: common + [
                            .init("CORRAL_EVENT", "start_container"), .init("CONTAINER_IMAGE", order.image),
                            .init("CORRAL_CLASS", order.containerClass.rawValue),
                            .init("CORRAL_REASON", order.reason),
                        ]))
            }
        }
        for (order, why) in report.failedStarts {
            entries.append(
                JournalEntry(
                    message: "could not start a \(order.containerClass.rawValue) container from \(order.image): \(why)", priority: .error,
                    fields: common + [.init("CORRAL_EVENT", "error"), .init("CONTAINER_IMAGE", order.image), .init("CORRAL_REASON", why)]))
        }
        let summary =
            "cycle \(report.cycle): \(plan.decisions.count) managed, kept \(plan.keeps.count), "
            + (report.dryRun ? "would kill \(plan.kills.count)" : "killed \(report.killedCount)")
            + ", started \(report.dryRun ? plan.starts.count : report.started.count)"
            + (plan.unmeasured.isEmpty ? "" : ", \(plan.unmeasured.count) unmeasured")
            + " (\(snapshot.source), \(Planner.oneDecimal(report.seconds * 1000)) ms)"
        entries.append(
            JournalEntry(
                message: summary,
                fields: common + [
                    .init("CORRAL_EVENT", "cycle"), .init("CORRAL_MANAGED", String(plan.decisions.count)),
                    .init("CORRAL_KEPT", String(plan.keeps.count)),
                    .init("CORRAL_KILLED", String(report.dryRun ? 0 : report.killedCount)),
                    .init("CORRAL_PLANNED_KILLS", String(plan.kills.count)),
                    .init("CORRAL_STARTED", String(report.started.count)), .init("CORRAL_UNMEASURED", String(plan.unmeasured.count)),
                    .init("CORRAL_SOURCE", snapshot.source),
                    .init("CORRAL_MEM_USED_KB", String(snapshot.memory.usedKb)),
                    .init("CORRAL_DURATION_MS", Planner.oneDecimal(report.seconds * 1000)),
                ] + (report.notice.map { [.init("CORRAL_NOTICE", $0)] } ?? [])))
        return entries
    }

    static func commonFields(cycle: Int, dryRun: Bool, selector: [String: String]) -> [JournalEntry.Field] {
        var fields: [JournalEntry.Field] = [.init("CORRAL_CYCLE", String(cycle))]
        if dryRun { fields.append(.init("CORRAL_DRY_RUN", "1")) }
        if !selector.isEmpty {
            fields.append(.init("CORRAL_SELECTOR", selector.keys.sorted().map { "\($0)=\(selector[$0] ?? "")" }.joined(separator: ",")))
        }
        return fields
    }

    /// The fields that name a container and why it was acted on.
    static func containerFields(id: String, name: String, image: String, cls: ContainerClass, reason: String) -> [JournalEntry.Field] {
        [
            .init("CONTAINER_ID", String(id.prefix(12))), .init("CONTAINER_ID_FULL", id), .init("CONTAINER_NAME", name),
            .init("CONTAINER_IMAGE", image), .init("CORRAL_CLASS", cls.rawValue), .init("CORRAL_REASON", reason),
        ]
    }

    static func fields(_ decision: Decision) -> [JournalEntry.Field] {
        containerFields(
            id: decision.id, name: decision.name, image: decision.container.image, cls: decision.containerClass, reason: decision.reason)
            + [
                .init("CORRAL_RANK", "\(decision.rank)/\(decision.of)"),
                .init("CORRAL_CPU_PERCENT", Planner.oneDecimal(decision.cpuPercent)),
                .init("CORRAL_MEM_PERCENT", twoDecimals(decision.memPercent)),
                .init("CORRAL_RSS_KB", String(decision.rssKb)), .init("CORRAL_VSZ_KB", String(decision.vszKb)),
            ]
    }

    static func twoDecimals(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let cents = hundredths % 100
        return "\(hundredths / 100).\(cents < 10 ? "0" : "")\(cents)"
    }
}
