import ArgumentParser
import Collector
import CorralCore
import Foundation
import Reports
import Settings

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run the recorded cycles through another policy and show where its decisions differ.",
        discussion: """
            Reads the enforcer's process log (the spool's process.jsonl and the collector's
            process-DAY.jsonl files, both by default; or the files and directories given),
            plans every recorded cycle again under the policy of the config file and the
            flags, and prints each container whose fate (or class) would differ, then both
            runs' kills and the memory they free. Touches nothing: no daemon, no journal.

            Each cycle is replayed on what was recorded: a container the recording killed
            is absent from later cycles even where the other policy would have kept it, and
            containers started by scale-up are not replayed. A container counts once in the
            totals, with its RSS at the first cycle it is killed in.

            With the policy that made the recording, nothing differs; records written
            before created_at and class_source were recorded are replayed with those
            inferred (the output says how many).

            Examples:
              corral replay                # the deployed log and policy: nothing differs
              corral replay --high 3 --low 2
              corral replay --sort-keys mem,cpu --resolution mem=0.5 /var/lib/corral/logs
              corral replay --threshold cpu=30 --json | jq .replay.kills
            """
    )

    @OptionGroup var options: PolicyOptions

    @Argument(
        help: ArgumentHelp(
            "Process log files, or directories holding them (default: the spool and the collector's store).", valueName: "path"))
    var paths: [String] = []

    @Option(help: ArgumentHelp("Differences listed at most; 0 lists all (default 50).", valueName: "n"))
    var limit = 50

    @Flag(help: "Print one JSON object: the totals and every difference.")
    var json = false

    func validate() throws {
        guard limit >= 0 else { throw ValidationError("--limit wants 0 or more, not \(limit)") }
    }

    func run() throws {
        let config: EnforcerConfig
        do {
            config = try options.resolve(dryRun: true, cycles: 1)
        } catch let error as ConfigError {
            throw report(error)
        }
        let log: ProcessLog
        do {
            log =
                paths.isEmpty
                ? try ProcessLog.read([config.spoolPath, config.collector.storePath], optional: true)
                : try ProcessLog.read(paths)
        } catch let failure as ProcessLog.Failure {
            var standardError = StandardError()
            print("corral: \(failure)", to: &standardError)
            if case .malformed = failure { throw ExitCode(65) }  // EX_DATAERR
            throw ExitCode(66)  // EX_NOINPUT
        }
        let result = Replay(policy: config.policy).run(log.cycles)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try encoder.encode(ReplayJSON(result, files: log.files)), as: UTF8.self))
        } else {
            let text = ReplayText(
                policy: config.policy, files: log.files, duplicates: log.duplicates, tornLines: log.tornLines, limit: limit)
            print(text.render(result), terminator: "")
        }
    }
}

/// `corral replay --json` (keys in snake_case).
struct ReplayJSON: Encodable {
    struct Totals: Encodable {
        let kills: Int
        let freedKb: UInt64
    }
    struct Difference: Encodable {
        let cycle: Int
        let timestamp, containerId, name, image, recordedClass, replayedClass, recordedAction, replayedAction: String
        let rssKb: UInt64
        let reason: String
    }
    let files: [String]
    let cycles, cyclesDiffering, decisions, incomplete: Int
    let recorded, replay: Totals
    let differences: [Difference]

    init(_ report: ReplayReport, files: [String]) {
        self.files = files
        cycles = report.cycles
        cyclesDiffering = report.cyclesDiffering
        decisions = report.decisions
        incomplete = report.incomplete
        recorded = Totals(kills: report.recorded.kills, freedKb: report.recorded.freedKb)
        replay = Totals(kills: report.replayed.kills, freedKb: report.replayed.freedKb)
        differences = report.differences.map {
            Difference(
                cycle: $0.cycle, timestamp: $0.timestamp, containerId: $0.container.id, name: $0.container.name, image: $0.container.image,
                recordedClass: $0.recordedClass.rawValue, replayedClass: $0.replayedClass.rawValue,
                recordedAction: $0.recordedAction.rawValue, replayedAction: $0.replayedAction.rawValue, rssKb: $0.rssKb,
                reason: $0.reason)
        }
    }
}
