import Actuation
import Collector
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
                    fields: common + [.event(.error), .init(.reason, error)]))
            return entries
        }
        if let pressure = report.pressure { entries.append(pressureEntry(pressure, cycle: report.cycle, common: common)) }
        guard let plan = report.plan, let snapshot = report.snapshot else { return entries }
        for decision in plan.decisions {
            let fate = report.fate(of: decision)
            let priority: JournalEntry.Priority
            let message: String
            switch fate {
            case .kept:
                priority = .info
                message = "kept \(decision.name): \(decision.reason)"
            case .killed, .vanished, .wouldKill:
                priority = .notice
                message = "\(fate.words) \(decision.name): \(decision.reason)"
            case .refused:
                priority = .error
                message = "refused to kill \(decision.name): it is not under the policy"
            case .failed:
                priority = .error
                if case .failed(let words)? = report.throttles[decision.id] {
                    message = "could not throttle \(decision.name): \(words); \(decision.reason)"
                } else {
                    let why = if case .failed(let words)? = report.kills[decision.id] { words } else { "no answer from the kill pool" }
                    message = "could not kill \(decision.name): \(why); \(decision.reason)"
                }
            case .throttled:
                priority = .notice
                let when = report.throttles[decision.id] == .capped ? "capped" : "still capped"
                message = "throttled \(decision.name) (\(when)): \(decision.reason)"
            }
            entries.append(
                JournalEntry(
                    message: message, priority: priority,
                    fields: common + [.event(fate.journalEvent), .init(.fate, fate.rawValue)] + fields(decision)
                        + directFields(report.direct[decision.id], fate: fate)))
            if report.throttles[decision.id] == .uncapped {
                entries.append(
                    JournalEntry(
                        message: "unthrottled \(decision.name): kept again, its cap lifted; \(decision.reason)", priority: .notice,
                        fields: common + [.event(.unthrottle)] + fields(decision)))
            }
        }
        for item in plan.unmeasured {
            entries.append(
                JournalEntry(
                    message: "did not rank \(item.name): \(item.reason)", priority: .warning,
                    fields: common + [.event(.unmeasured)]
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
                    fields: common + [.event(.startExited), .init(.exitCode, String(gone.exitCode))] + fields(started, reason: why)))
        }
        for started in report.started {
            entries.append(
                JournalEntry(
                    message: "started \(started.name) from \(started.order.image): \(started.order.reason)", priority: .notice,
                    fields: common + [.event(.startContainer)] + fields(started, reason: started.order.reason)))
        }
        if report.dryRun {
            for order in plan.starts {
                entries.append(
                    JournalEntry(
                        message: "would start a \(order.containerClass.rawValue) container from \(order.image): \(order.reason)",
                        fields: common + [
                            .event(.startContainer), .init(.containerImage, order.image),
                            .init(.containerClass, order.containerClass.rawValue),
                            .init(.reason, order.reason),
                        ]))
            }
        }
        for (order, why) in report.failedStarts {
            entries.append(
                JournalEntry(
                    message: "could not start a \(order.containerClass.rawValue) container from \(order.image): \(why)", priority: .error,
                    fields: common + [.event(.error), .init(.containerImage, order.image), .init(.reason, why)]))
        }
        let summary =
            "cycle \(report.cycle): \(plan.decisions.count) managed, kept \(plan.keeps.count), "
            + (report.dryRun ? "would kill \(plan.kills.count)" : "killed \(report.killedCount)")
            + ", started \(report.dryRun ? plan.starts.count : report.started.count)"
            + (plan.unmeasured.isEmpty ? "" : ", \(plan.unmeasured.count) unmeasured")
            + " (\(snapshot.source.rawValue), \(Planner.oneDecimal(report.seconds * 1000)) ms)"
        entries.append(
            JournalEntry(
                message: summary,
                fields: common + [
                    .event(.cycle), .init(.managed, String(plan.decisions.count)),
                    .init(.kept, String(plan.keeps.count)),
                    .init(.killed, String(report.dryRun ? 0 : report.killedCount)),
                    .init(.plannedKills, String(plan.kills.count)),
                    .init(.started, String(report.started.count)), .init(.unmeasured, String(plan.unmeasured.count)),
                    .init(.source, snapshot.source.rawValue),
                    .init(.memUsedKb, String(snapshot.memory.usedKb)),
                    .init(.durationMs, Planner.oneDecimal(report.seconds * 1000)),
                ] + (report.notice.map { [.init(.notice, $0)] } ?? [])))
        return entries
    }

    /// The pressure that woke a cycle, in words and figures.
    static func pressureEntry(_ pressure: PressureOutcome, cycle: Int, common: [JournalEntry.Field]) -> JournalEntry {
        let signal = pressure.signal
        var message = "cycle \(cycle) woken by memory pressure: \(signal.description)"
        if let after = pressure.availableAfterKb {
            message +=
                pressure.removed.isEmpty
                ? "; MemAvailable \(after / 1024) MiB after the plan"
                : "; removed \(pressure.removed.count) beyond the plan, MemAvailable now \(after / 1024) MiB"
        }
        var fields: [JournalEntry.Field] =
            common + [
                .event(.pressure), .init(.memAvailableKb, String(signal.availableKb)),
                .init(.wakeMs, Planner.oneDecimal(pressure.wokenAfter * 1000)),
            ]
        switch signal.trigger {
        case .floor: fields.append(.init(.pressureTrigger, "floor"))
        case .stall(let file): fields += [.init(.pressureTrigger, "stall"), .init(.psiFile, file)]
        }
        if let floor = signal.floorKb { fields.append(.init(.memFloorKb, String(floor))) }
        if let some = signal.someAvg10 { fields.append(.init(.psiSomeAvg10, String(some))) }
        if let full = signal.fullAvg10 { fields.append(.init(.psiFullAvg10, String(full))) }
        if let after = pressure.availableAfterKb { fields.append(.init(.memAvailableAfterKb, String(after))) }
        if !pressure.removed.isEmpty { fields.append(.init(.killed, String(pressure.removed.count))) }
        return JournalEntry(message: message, priority: signal.underFloor ? .warning : .notice, fields: fields)
    }

    public static func commonFields(cycle: Int, dryRun: Bool, selector: [String: String]) -> [JournalEntry.Field] {
        var fields: [JournalEntry.Field] = [.init(.cycle, String(cycle))]
        if dryRun { fields.append(.init(.dryRun, "1")) }
        if !selector.isEmpty {
            fields.append(.init(.selector, selector.keys.sorted().map { "\($0)=\(selector[$0] ?? "")" }.joined(separator: ",")))
        }
        return fields
    }

    /// The fields that name a container and why it was acted on.
    static func containerFields(id: String, name: String, image: String, cls: ContainerClass, reason: String) -> [JournalEntry.Field] {
        [
            .init(.containerID, String(id.prefix(12))), .init(.containerIDFull, id), .init(.containerName, name),
            .init(.containerImage, image), .init(.containerClass, cls.rawValue), .init(.reason, reason),
        ]
    }

    /// The fields that name a container Corral started.
    static func fields(_ started: Starter.Started, reason: String) -> [JournalEntry.Field] {
        containerFields(id: started.id, name: started.name, image: started.order.image, cls: started.order.containerClass, reason: reason)
    }

    /// How a kill reached the container's processes.
    static func directFields(_ direct: KillPool.Direct?, fate: Fate) -> [JournalEntry.Field] {
        guard fate == .killed else { return [] }
        switch direct {
        case .emptied(let kill)?:
            return [.init(.killVia, kill.via.rawValue), .init(.emptiedMs, Planner.oneDecimal(kill.seconds * 1000))]
        case .failed(let why)?: return [.init(.killVia, "runtime"), .init(.cgroupError, why)]
        case nil: return [.init(.killVia, "runtime")]
        }
    }

    static func fields(_ decision: Decision) -> [JournalEntry.Field] {
        containerFields(
            id: decision.id, name: decision.name, image: decision.container.image, cls: decision.containerClass, reason: decision.reason)
            + [
                .init(.rank, "\(decision.rank)/\(decision.of)"),
                .init(.cpuPercent, Planner.oneDecimal(decision.cpuPercent)),
                .init(.memPercent, twoDecimals(decision.memPercent)),
                .init(.rssKb, String(decision.rssKb)), .init(.vszKb, String(decision.vszKb)),
            ]
    }

    static func twoDecimals(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let cents = hundredths % 100
        return "\(hundredths / 100).\(cents < 10 ? "0" : "")\(cents)"
    }
}
