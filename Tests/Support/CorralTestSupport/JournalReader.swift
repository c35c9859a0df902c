import Foundation
import Journal

/// Corral's entries as `journalctl -t corral -o json` returns them (through
/// the same reader `corral journal` uses), matching every `FIELD=value`
/// given, each entry its fields as strings; with `since`, only entries from
/// then on (a match on `_PID` needs it: pids are reused, and the journal
/// keeps earlier runs' entries).
public func journalEntries(_ matches: [String], since: Date? = nil) async throws -> [[String: String]] {
    let query = JournalQuery(since: since.map { "@\(Int($0.timeIntervalSince1970) - 1)" })
    return try await query.entries(matching: matches.compactMap(JournalQuery.Match.init(argument:))).map(\.fields)
}

/// Polls the journal until `count` entries match, or the deadline passes.
public func awaitJournal(_ matches: [String], count: Int, seconds: Double = 20, since: Date? = nil) async throws -> [[String: String]] {
    try await poll("\(count) journal entries matching \(matches)", seconds: seconds) { () -> [[String: String]]? in
        let entries = try await journalEntries(matches, since: since)
        return entries.count >= count ? entries : nil
    }
}
