import CorralTestSupport
import Foundation
import Journal
import Testing

extension EndToEnd {
    /// `corral journal` reading what the Journal module wrote to the real journald.
    @Suite("corral journal")
    struct JournalCommandTests {
        let corral = ".build/debug/corral"

        @Test("a kill written to journald is found by time window and by container, as a table and as JSON")
        func answers() async throws {
            let name = "corral-high-t\(UUID().uuidString.prefix(8).lowercased())"
            let id = String(repeating: "ab", count: 32)
            let journal = SystemdJournal()
            try #require(journal.usesJournal, "journald must run (make test starts it: scripts/journald.sh)")
            journal.write(
                JournalEntry(
                    message: "killed \(name)",
                    fields: [
                        .init(.event, "kill"), .init(.cycle, "7"), .init(.containerID, String(id.prefix(12))),
                        .init(.containerIDFull, id), .init(.containerName, name), .init(.containerClass, "high"),
                        .init(.rank, "3/4"),
                        .init(.cpuPercent, "97.5"), .init(.memPercent, "1.06"), .init(.rssKb, "262144"),
                        .init(.reason, "surplus high: rank 3 of 4"),
                    ]))
            journal.write(
                JournalEntry(
                    message: "kept \(name)",
                    fields: [.init(.event, "keep"), .init(.containerName, name), .init(.cycle, "6")]))

            let history = try await poll("both entries in the journal", seconds: 20) { () -> [[String: Any]]? in
                let result = try runCommand(corral, ["journal", "container", name, "--json"])
                let rows = result.lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                return rows.count >= 2 ? rows : nil
            }
            #expect(
                history.map { $0["event"] as? String } == ["kill", "keep"] || history.map { $0["event"] as? String } == ["keep", "kill"])
            let kill = try #require(history.first { $0["event"] as? String == "kill" })
            #expect(kill["cycle"] as? Int == 7)
            #expect(kill["cpu_percent"] as? Double == 97.5)
            #expect(kill["rss_kb"] as? Int == 262144)
            #expect(kill["container_id"] as? String == id)

            // By id, short or full, the same history.
            for key in [String(id.prefix(12)), id] {
                let byID = try runCommand(corral, ["journal", "container", key, "--json"])
                #expect(byID.lines.count >= 1, "by \(key): \(byID.stderr)")
            }
            // Kills in the last minute, as the table an operator reads.
            let table = try runCommand(corral, ["journal", "kills", "--since", "1 min ago"])
            #expect(table.status == 0, "\(table.stderr)")
            let row = try #require(table.lines.first { $0.contains(name) })
            #expect(row.contains("surplus high: rank 3 of 4") && row.contains("97.5"))
            #expect(table.lines.first?.hasPrefix("TIME") == true)
            // Nothing in a window before it happened.
            let none = try runCommand(corral, ["journal", "kills", "--until", "2000-01-01", "--json"])
            #expect(none.status == 0 && !none.stdout.contains(name))
        }

        @Test("a time journalctl cannot read is an error that names it")
        func badTime() throws {
            let result = try runCommand(corral, ["journal", "kills", "--since", "the day after never"])
            #expect(result.status != 0)
            #expect(result.stderr.contains("journalctl") && result.stderr.contains("the day after never"), "\(result.stderr)")
        }
    }
}
