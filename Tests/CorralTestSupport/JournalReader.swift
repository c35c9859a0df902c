import Foundation

/// Corral's entries as `journalctl -t corral -o json` returns them, matching
/// every `FIELD=value` given, each entry its fields as strings.
public func journalEntries(_ matches: [String]) throws -> [[String: String]] {
    let result = try runCommand("/usr/bin/journalctl", ["-t", "corral", "-o", "json", "--no-pager"] + matches)
    return result.lines.compactMap { line in
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
        var fields: [String: String] = [:]
        for (key, value) in object {
            if let text = value as? String {
                fields[key] = text
            } else if let bytes = value as? [Int] {
                fields[key] = String(decoding: bytes.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
            }
        }
        return fields
    }
}

/// Polls the journal until `count` entries match, or the deadline passes.
public func awaitJournal(_ matches: [String], count: Int, seconds: Double = 20) async throws -> [[String: String]] {
    try await poll("\(count) journal entries matching \(matches)", seconds: seconds) { () -> [[String: String]]? in
        let entries = try journalEntries(matches)
        return entries.count >= count ? entries : nil
    }
}
