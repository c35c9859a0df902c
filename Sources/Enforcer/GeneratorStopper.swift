import Actuation
import Foundation
import Settings
import Subprocess
import SystemPackage

/// Turns the generator off when the enforcer stops: its crontab lines
/// (tagged `# corral-generator` by generator.sh) and/or its systemd timer.
/// Every outcome is a sentence for the console and journal.
public struct GeneratorStopper: Sendable {
    public typealias Mode = GeneratorMode

    public let mode: Mode
    public let cronTag: String
    public let timerUnit: String

    public init(mode: Mode, cronTag: String = "# corral-generator", timerUnit: String = "corral-generator.timer") {
        self.mode = mode
        self.cronTag = cronTag
        self.timerUnit = timerUnit
    }

    /// Stops the generator; returns what was done or why not.
    public func stop() async -> [String] {
        var said: [String] = []
        if mode == .cron || mode == .auto {
            if let line = await removeCronLines() { said.append(line) }
        }
        // Under systemd (INVOCATION_ID is set for a unit's processes) the
        // timer is BindsTo= the enforcer: systemd stops it with the enforcer
        // and starts it again on a restart. Stopping it here would race that
        // restart and leave the generator off for good.
        let underSystemd = ProcessInfo.processInfo.environment["INVOCATION_ID"] != nil
        if mode == .timer || (mode == .auto && !underSystemd && FileManager.default.fileExists(atPath: "/run/systemd/system")) {
            if let line = await stopTimer() { said.append(line) }
        }
        return said
    }

    func removeCronLines() async -> String? {
        guard let crontab = Self.which("crontab") else {
            return mode == .cron ? "generator: crontab is not installed; no cron lines to remove" : nil
        }
        let listed = await Self.run(crontab, ["-l"])
        guard listed.status == 0 else { return mode == .cron ? "generator: root has no crontab; nothing to remove" : nil }
        let lines = listed.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let kept = lines.filter { !isGeneratorLine($0) }
        let removed = lines.count - kept.count
        guard removed > 0 else { return mode == .cron ? "generator: no crontab lines tagged '\(cronTag)'" : nil }
        var table = kept.joined(separator: "\n")
        if !table.hasSuffix("\n") { table += "\n" }
        let written = await Self.run(crontab, ["-"], input: table)
        guard written.status == 0 else { return "generator: crontab refused the table without its lines: \(written.output)" }
        return "generator: removed its \(removed) crontab line\(removed == 1 ? "" : "s")"
    }

    /// Exactly the lines `generator.sh --install-cron` writes: every minute,
    /// ending in the tag. A line that merely mentions the tag is someone else's.
    func isGeneratorLine(_ line: String) -> Bool {
        line.hasPrefix("* * * * * ") && line.hasSuffix(" " + cronTag)
    }

    func stopTimer() async -> String? {
        guard let systemctl = Self.which("systemctl") else { return "generator: systemctl is not installed; cannot stop \(timerUnit)" }
        let active = await Self.run(systemctl, ["is-active", "--quiet", timerUnit])
        guard active.status == 0 else { return mode == .timer ? "generator: \(timerUnit) is not active" : nil }
        let stopped = await Self.run(systemctl, ["stop", timerUnit])
        guard stopped.status == 0 else { return "generator: systemctl stop \(timerUnit) failed: \(stopped.output)" }
        return "generator: stopped \(timerUnit)"
    }

    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        for directory in path.split(separator: ":") + ["/usr/bin", "/usr/sbin", "/bin"] {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs a program to completion (Subprocess: no thread blocks while it
    /// runs); its stdout and stderr together, trimmed.
    static func run(_ executable: String, _ arguments: [String], input: String = "") async -> (status: Int32, output: String) {
        do {
            let result = try await Subprocess.run(
                .path(FilePath(executable)), arguments: Arguments(arguments), input: .array(Array(input.utf8)),
                output: .string(limit: 4 << 20), error: .combinedWithOutput)
            let status: Int32
            switch result.terminationStatus {
            case .exited(let code): status = code
            case .signaled(let signal): status = 128 + signal
            }
            return (status, result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            return (127, "\(error)")
        }
    }
}
