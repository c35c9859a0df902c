import CorralTestSupport
import Foundation
import Settings
import Testing

/// Each setting is defined once (SettingsFile); the README's table of
/// settings is checked against that definition, so neither drifts.
@Suite("The README's settings table")
struct SettingsTableTests {
    /// The config keys the README's `| flag | config key | default |` tables
    /// (the enforcer's, the control plane's, the agent's) name, dotted.
    static func documentedKeys() throws -> Set<String> {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.split(separator: "\n", omittingEmptySubsequences: false)
        let starts = lines.indices.filter { lines[$0].hasPrefix("| flag | config key | default |") }
        try #require(!starts.isEmpty)
        var keys = Set<String>()
        for start in starts {
            for line in lines[(start + 2)...] {
                guard line.hasPrefix("|") else { break }
                let cells = line.replacingOccurrences(of: "\\|", with: "/").split(separator: "|", omittingEmptySubsequences: false)
                guard cells.count > 2 else { continue }
                var section: String?
                for span in cells[2].split(separator: "`", omittingEmptySubsequences: false).enumerated().filter({ $0.offset % 2 == 1 })
                    .map(
                        \.element)
                {
                    let words = span.split(separator: " ").map(String.init)
                    if let first = words.first, first.hasPrefix("["), first.hasSuffix("]") {
                        section = String(first.dropFirst().dropLast())
                        keys.insert(words.count > 1 ? "\(section ?? "").\(words[1])" : section ?? "")
                    } else if words.count == 1 {
                        keys.insert(section.map { "\($0).\(words[0])" } ?? words[0])
                    }
                }
            }
        }
        return keys
    }

    @Test("names every key the config file may hold, and no key it may not")
    func matchesTheDefinition() throws {
        let documented = try Self.documentedKeys()
        let defined = Set(SettingsFile.allKeys)
        let sections = Set(defined.compactMap { $0.split(separator: ".").count > 1 ? String($0.split(separator: ".")[0]) : nil })
        #expect(defined.subtracting(documented).isEmpty, "undocumented: \(defined.subtracting(documented).sorted())")
        #expect(documented.subtracting(defined).subtracting(sections).isEmpty, "not settings: \(documented.subtracting(defined).sorted())")
    }
}
