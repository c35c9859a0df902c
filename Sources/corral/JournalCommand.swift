import ArgumentParser
import CorralCore
import Foundation
import Journal
import Reports

/// `corral journal`: the operator's questions about Corral's decisions,
/// answered from the journal.
struct JournalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Review Corral's decisions from the journal: kills, one container's history, cycles.",
        discussion: """
            Reads the entries corral enforce wrote to journald (SYSLOG_IDENTIFIER=corral)
            through journalctl. Times take any form journalctl does: "1 hour ago",
            "2026-11-21 21:00", "today", "yesterday".

            Examples:
              corral journal kills --since "1 hour ago"       what was killed, and why
              corral journal container corral-high-9d1e2b77   everything done to one container
              corral journal cycles --last 10                 the last ten cycles
              corral journal kills --json | jq .name          for scripts

            The same with journalctl:
              journalctl -t corral CORRAL_EVENT=kill --since "1 hour ago"
              journalctl -t corral CONTAINER_NAME=corral-high-9d1e2b77 -o json-pretty
            """,
        subcommands: [Kills.self, Container.self, Cycles.self]
    )

    struct Window: ParsableArguments {
        @Option(help: ArgumentHelp("Entries at or after this time (journalctl --since).", valueName: "time"))
        var since: String?

        @Option(help: ArgumentHelp("Entries before this time (journalctl --until).", valueName: "time"))
        var until: String?

        @Option(help: ArgumentHelp("Read this journal directory instead of the system's (journalctl -D).", valueName: "path"))
        var directory: String?

        @Flag(help: "One JSON object per line instead of a table.")
        var json = false

        var query: JournalQuery { JournalQuery(since: since, until: until, directory: directory) }
    }

    struct Kills: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Containers killed in a time window, with their figures and reason (failed kills too).")

        @OptionGroup var window: Window

        func run() async throws {
            // Two matches on one field: journalctl shows entries matching either, in time order.
            let rows = try await fetch(window.query, [.event(.kill), .event(.killFailed)]).map(DecisionRow.init)
            DecisionRow.print(rows, json: window.json, empty: "no kills in that window")
        }
    }

    struct Container: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every decision about one container: kept, killed, started.",
            discussion: "Name it by name, by its 12-character id, or by its full id.")

        @Argument(help: ArgumentHelp("The container's name or id.", valueName: "name-or-id"))
        var container: String

        @OptionGroup var window: Window

        func run() async throws {
            let hex = container.allSatisfy(\.isHexDigit)
            let field: JournalField =
                hex && container.count == 64 ? .containerIDFull : hex && container.count == 12 ? .containerID : .containerName
            let rows = try await fetch(window.query, [.init(field, container)]).map(DecisionRow.init)
            DecisionRow.print(rows, json: window.json, empty: "no entries about \(container) (by \(field.rawValue))")
        }
    }

    struct Cycles: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One line per enforcer cycle: managed, kept, killed, started, source, duration.")

        @OptionGroup var window: Window

        @Option(help: ArgumentHelp("Only the last n cycles.", valueName: "n"))
        var last: Int?

        func validate() throws {
            if let last, last < 1 { throw ValidationError("--last must be at least 1, not \(last)") }
        }

        func run() async throws {
            var entries = try await fetch(window.query, [.event(.cycle)])
            if let last { entries = Array(entries.suffix(last)) }
            let rows = entries.map(CycleRow.init)
            if window.json {
                for row in rows { Swift.print(row.json) }
            } else if rows.isEmpty {
                Swift.print("no cycles in that window")
            } else {
                Swift.print(TextTable(header: CycleRow.header, rows: rows.map(\.cells)).render(), terminator: "")
            }
        }
    }
}

/// The journal's entries, or a one-line error that says what failed.
private func fetch(_ query: JournalQuery, _ matches: [JournalQuery.Match]) async throws -> [JournalQuery.Entry] {
    do {
        return try await query.entries(matching: matches)
    } catch {
        var standardError = StandardError()
        Swift.print("corral journal: \(error)", to: &standardError)
        throw ExitCode.failure
    }
}

/// One decision (keep, kill, kill_failed, start_container) as a row.
struct DecisionRow {
    let entry: JournalQuery.Entry

    init(_ entry: JournalQuery.Entry) { self.entry = entry }

    static let header = ["TIME", "EVENT", "CYCLE", "CONTAINER", "CLASS", "RANK", "CPU%", "MEM%", "RSS KiB", "REASON"]

    var cells: [String] {
        [
            JournalText.time(entry.date), entry[.event] ?? "", entry[.cycle] ?? "",
            entry[.containerName] ?? entry[.containerImage] ?? "",
            entry[.containerClass] ?? "", entry[.rank] ?? "", entry[.cpuPercent] ?? "", entry[.memPercent] ?? "",
            entry[.rssKb] ?? "", entry[.reason] ?? entry.message ?? "",
        ]
    }

    var json: String {
        JournalText.json([
            "time": Timestamp.rfc3339(entry.date), "event": entry[.event], "cycle": entry[.cycle].flatMap { Int($0) },
            "container_id": entry[.containerIDFull], "name": entry[.containerName], "image": entry[.containerImage],
            "class": entry[.containerClass], "rank": entry[.rank], "cpu_percent": entry[.cpuPercent].flatMap { Double($0) },
            "mem_percent": entry[.memPercent].flatMap { Double($0) }, "rss_kb": entry[.rssKb].flatMap { Int($0) },
            "vsz_kb": entry[.vszKb].flatMap { Int($0) }, "reason": entry[.reason], "message": entry.message,
        ])
    }

    static func print(_ rows: [DecisionRow], json: Bool, empty: String) {
        if json {
            for row in rows { Swift.print(row.json) }
        } else if rows.isEmpty {
            Swift.print(empty)
        } else {
            Swift.print(TextTable(header: header, rows: rows.map(\.cells)).render(), terminator: "")
        }
    }
}

/// One cycle's summary entry as a row.
struct CycleRow {
    let entry: JournalQuery.Entry

    init(_ entry: JournalQuery.Entry) { self.entry = entry }

    static let header = ["TIME", "CYCLE", "MANAGED", "KEPT", "KILLED", "STARTED", "SOURCE", "MS"]

    var cells: [String] {
        [
            JournalText.time(entry.date), entry[.cycle] ?? "", entry[.managed] ?? "", entry[.kept] ?? "",
            entry[.killed] ?? "", entry[.started] ?? "", entry[.source] ?? "", entry[.durationMs] ?? "",
        ]
    }

    var json: String {
        func int(_ name: JournalField) -> Int? { entry[name].flatMap { Int($0) } }
        return JournalText.json([
            "time": Timestamp.rfc3339(entry.date), "cycle": int(.cycle), "managed": int(.managed),
            "kept": int(.kept),
            "killed": int(.killed), "started": int(.started), "source": entry[.source],
            "duration_ms": entry[.durationMs].flatMap { Double($0) }, "dry_run": entry[.dryRun] != nil ? true : nil,
        ])
    }
}

/// The small formatting helpers of `corral journal`.
enum JournalText {
    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }

    /// A JSON object of the non-nil values, keys sorted.
    static func json(_ values: [String: Any?]) -> String {
        let present = values.compactMapValues { $0 }
        guard let data = try? JSONSerialization.data(withJSONObject: present, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }
}
