// Reports: one cycle's outcome written out for each reader: the console's
// tables, journal entries, the collector's records, Prometheus metrics and
// their endpoint. Reports read decisions; they never change them.

import Actuation
import CorralCore

/// The tables each cycle prints: host memory, the high and low containers,
/// the killed and the started. Colour only when `colour` (a terminal).
public struct ConsoleReport: Sendable {
    public let colour: Bool

    public init(colour: Bool) {
        self.colour = colour
    }

    public func render(_ report: CycleReport) -> String {
        var out = heading("cycle \(report.cycle)" + (report.dryRun ? " (dry run: nothing is killed or started)" : ""))
        if let notice = report.notice { out += "  \(notice)\n" }
        if let pressure = report.pressure {
            out += paint("  woken by memory pressure: \(pressure.signal.description)\n", red)
        }
        if let error = report.error {
            return out + paint("  \(error)\n", red)
        }
        guard let snapshot = report.snapshot, let plan = report.plan else { return out }
        let mem = snapshot.memory
        out += "Host memory: \(mib(mem.usedKb)) used of \(mib(mem.totalKb)) (\(Planner.oneDecimal(mem.usedPercent))%), "
        out += "\(mib(mem.availableKb)) available, \(mib(mem.freeKb)) free  [source: \(snapshot.source.rawValue)]\n"
        for cls in ContainerClass.allCases {
            let decisions = plan.decisions(of: cls)
            out +=
                "\n"
                + subheading(
                    "\(cls == .high ? "High" : "Low") consumption: \(decisions.count), keeping \(decisions.filter { $0.action == .keep }.count)"
                )
            out += table(
                ["NAME", "IMAGE", "CPU%", "MEM%", "VSZ", "RSS", "RANK", "ACTION"],
                decisions.map { d in
                    [
                        d.name, d.container.image, Planner.oneDecimal(d.cpuPercent), CycleJournal.twoDecimals(d.memPercent), kib(d.vszKb),
                        kib(d.rssKb),
                        "\(d.rank)/\(d.of)", actionWord(d, report),
                    ]
                }, highlight: { row in row.last != Fate.kept.words })
        }
        if !plan.unmeasured.isEmpty {
            out +=
                "\n"
                + subheading("Unmeasured: \(plan.unmeasured.count) (running, but not in the document: not ranked, not kept, not killed)")
            out += table(
                ["NAME", "CLASS", "IMAGE"], plan.unmeasured.map { [$0.name, $0.containerClass.rawValue, $0.container.image] },
                highlight: { _ in false })
        }
        let killed = plan.kills
        out += "\n" + subheading(report.dryRun ? "Would kill: \(killed.count)" : "Killed: \(report.killedCount) of \(killed.count)")
        out += table(
            ["NAME", "CLASS", "CPU%", "MEM%", "VSZ", "RSS", "REASON"],
            killed.map { d in
                [
                    d.name, d.containerClass.rawValue, Planner.oneDecimal(d.cpuPercent), CycleJournal.twoDecimals(d.memPercent),
                    kib(d.vszKb), kib(d.rssKb),
                    d.reason,
                ]
            }, highlight: { _ in false })
        if !plan.starts.isEmpty {
            out +=
                "\n"
                + subheading(
                    report.dryRun ? "Would start: \(plan.starts.count)" : "Started: \(report.started.count) of \(plan.starts.count)")
            for s in report.started { out += "  \(s.name)  \(s.order.image)  \(s.order.reason)\n" }
            for (order, why) in report.failedStarts { out += paint("  failed: \(order.image): \(why)\n", red) }
            if report.dryRun { for order in plan.starts { out += "  \(order.containerClass.rawValue)  \(order.image)  \(order.reason)\n" } }
        }
        for gone in report.exitedStarts {
            out += paint(
                "  \(gone.started.name) (\(gone.started.order.image)) exited at once with status \(gone.exitCode) after it was started; removed\n",
                red)
        }
        out += "  (\(Planner.oneDecimal(report.seconds * 1000)) ms)\n"
        return out
    }

    /// The decision's fate, in the one name every report uses.
    func actionWord(_ d: Decision, _ report: CycleReport) -> String {
        report.fate(of: d).words
    }

    func table(_ header: [String], _ rows: [[String]], highlight: ([String]) -> Bool) -> String {
        guard !rows.isEmpty else { return "  (none)\n" }
        let lines = TextTable(header: header, rows: rows).lines(indent: "  ")
        var out = paint(lines[0] + "\n", bold)
        for (row, line) in zip(rows, lines.dropFirst()) { out += highlight(row) ? paint(line + "\n", red) : line + "\n" }
        return out
    }

    func heading(_ text: String) -> String { paint("== \(text) ==\n", bold) }
    func subheading(_ text: String) -> String { paint("\(text)\n", bold) }

    let bold = "\u{1B}[1m"
    let red = "\u{1B}[31m"

    func paint(_ text: String, _ code: String) -> String {
        guard colour else { return text }
        // Keep the newline outside the colour so the terminal resets first.
        if text.hasSuffix("\n") { return code + text.dropLast() + "\u{1B}[0m\n" }
        return code + text + "\u{1B}[0m"
    }

    func kib(_ value: UInt64) -> String {
        value >= 10 * 1024 ? "\(value / 1024) MiB" : "\(value) KiB"
    }

    func mib(_ kb: UInt64) -> String {
        kb >= 10 * 1024 * 1024 ? "\(Planner.oneDecimal(Double(kb) / 1_048_576)) GiB" : "\(kb / 1024) MiB"
    }
}
