import ArgumentParser
import CorralCore
import DockerRuntime
import Enforcer
import Foundation
import Reports
import Settings

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Take one snapshot and print what the enforcer would do, touching nothing.",
        discussion: """
            Shows every managed container ranked within its class, whether it would be kept
            or killed and why, and the containers that would be started. Uses the same
            config and flags as `corral enforce`. Nothing is killed, started or journalled.

            Examples:
              corral plan
              corral plan --high 1 --low 1
              corral plan --json | jq 'select(.action == "kill") | .name'
            """
    )

    @OptionGroup var options: PolicyOptions

    @Flag(help: "Print one JSON object per decision instead of tables.")
    var json = false

    func run() async throws {
        let config: EnforcerConfig
        do {
            config = try options.resolve(dryRun: true, cycles: 1)
        } catch let error as ConfigError {
            throw report(error)
        }
        do {
            let report = try await DockerConnector(socketPath: config.socketPath, maxConnections: 4).withRuntime { runtime in
                var runner = CycleRunner(config: config, runtime: runtime)
                return await runner.run(cycle: 1)
            }
            if let error = report.error { throw PlanFailure(description: error) }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                encoder.keyEncodingStrategy = .convertToSnakeCase
                for d in report.plan?.decisions ?? [] {
                    let row = PlanRow(
                        id: d.id, name: d.name, image: d.container.image, class: d.containerClass.rawValue, action: d.action.rawValue,
                        rank: d.rank, of: d.of, cpuPercent: d.cpuPercent, memPercent: d.memPercent, vszKb: d.vszKb, rssKb: d.rssKb,
                        reason: d.reason)
                    print(String(decoding: try encoder.encode(row), as: UTF8.self))
                }
            } else {
                print(ConsoleReport(colour: isatty(STDOUT_FILENO) == 1).render(report), terminator: "")
            }
        } catch {
            throw report(error)
        }
    }

    struct PlanFailure: Error, CustomStringConvertible {
        let description: String
    }

    struct PlanRow: Encodable {
        let id, name, image, `class`, action: String
        let rank, of: Int
        let cpuPercent, memPercent: Double
        let vszKb, rssKb: UInt64
        let reason: String
    }
}
