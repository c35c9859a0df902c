import ArgumentParser
import CorralCore
import DockerEngine
import Foundation
import Reports

struct PsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ps",
        abstract: "List the containers Corral manages.",
        discussion: """
            Shows every container labelled corral.managed=true with its class, image,
            status and age. Protected containers and the log collector are marked:
            Corral never kills them.

            Examples:
              corral ps            running managed containers
              corral ps --all      include stopped ones
              corral ps --json     one JSON object per container, for scripts
            """
    )

    @OptionGroup var engine: EngineOptions

    @Flag(name: .shortAndLong, help: "Include containers that are not running.")
    var all = false

    @Flag(help: "Print JSON lines instead of a table.")
    var json = false

    func run() async throws {
        do {
            let containers = try await DockerClient.withClient(socketPath: engine.socketPath, maxConnections: 2) { docker in
                try await docker.listContainers(all: all, filters: .label(CorralLabel.managed, CorralLabel.trueValue))
            }
            let now = Date().timeIntervalSince1970
            let rows = containers.map { PsRow($0, now: now) }.sorted()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                for row in rows {
                    print(String(decoding: try encoder.encode(row), as: UTF8.self))
                }
            } else {
                print(PsRow.table(rows), terminator: "")
            }
        } catch {
            throw report(error)
        }
    }
}

/// One managed container as `corral ps` shows it.
struct PsRow: Encodable, Comparable {
    let id: String
    let name: String
    let `class`: String
    let image: String
    let state: String
    let status: String
    let ageSeconds: Int
    let note: String

    init(_ c: ContainerSummary, now: Double) {
        id = String(c.id.prefix(12))
        name = c.name
        `class` = ContainerClass(label: c.labels[CorralLabel.class])?.rawValue ?? "-"
        image = c.image
        state = c.state
        status = c.status
        ageSeconds = max(0, Int(now) - Int(c.created))
        if c.labels[CorralLabel.role] == "collector" {
            note = "collector"
        } else if c.labels[CorralLabel.protected] == CorralLabel.trueValue {
            note = "protected"
        } else {
            note = ""
        }
    }

    static func < (a: PsRow, b: PsRow) -> Bool {
        (a.class, a.ageSeconds, a.name) < (b.class, b.ageSeconds, b.name)
    }

    static func table(_ rows: [PsRow]) -> String {
        let header = ["NAME", "CLASS", "IMAGE", "STATUS", "AGE", "ID", "NOTE"]
        let body = rows.map { [$0.name, $0.class, $0.image, $0.status, age($0.ageSeconds), $0.id, $0.note] }
        var out = TextTable(header: header, rows: body).render()
        let high = rows.filter { $0.class == "high" }.count
        let low = rows.filter { $0.class == "low" }.count
        out += "\(rows.count) managed container\(rows.count == 1 ? "" : "s"): \(high) high, \(low) low\n"
        return out
    }

    /// `45s`, `12m`, `3h`, `2d`: the coarsest unit that says something.
    static func age(_ seconds: Int) -> String {
        switch seconds {
        case ..<60: return "\(seconds)s"
        case ..<3600: return "\(seconds / 60)m"
        case ..<86_400: return "\(seconds / 3600)h"
        default: return "\(seconds / 86_400)d"
        }
    }
}
