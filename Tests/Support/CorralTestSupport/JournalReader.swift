import Foundation
import Journal

/// Corral's entries as `journalctl -t corral -o json` returns them (through
/// the same reader `corral journal` uses), matching every `FIELD=value`
/// given, each entry its fields as strings.
public func journalEntries(_ matches: [String]) async throws -> [[String: String]] {
    try await JournalQuery().entries(matching: matches.compactMap(JournalQuery.Match.init(argument:))).map(\.fields)
}

/// Polls the journal until `count` entries match, or the deadline passes.
public func awaitJournal(_ matches: [String], count: Int, seconds: Double = 20) async throws -> [[String: String]] {
    try await poll("\(count) journal entries matching \(matches)", seconds: seconds) { () -> [[String: String]]? in
        let entries = try await journalEntries(matches)
        return entries.count >= count ? entries : nil
    }
}
