import Foundation
import Subprocess
import SystemPackage

/// Reads Corral's entries back from the journal, through `journalctl -o json`
/// (the same reader operators use, so what `corral journal` shows is what
/// `journalctl` shows).
public struct JournalQuery: Sendable {
    /// One entry as journalctl returns it: its fields as text and its time.
    public struct Entry: Sendable, Equatable {
        public let fields: [String: String]
        /// Microseconds since the epoch (`__REALTIME_TIMESTAMP`).
        public let realtimeMicroseconds: UInt64

        public subscript(_ name: JournalField) -> String? { fields[name.rawValue] }

        /// journald's own `MESSAGE`.
        public var message: String? { fields["MESSAGE"] }

        public var date: Date { Date(timeIntervalSince1970: Double(realtimeMicroseconds) / 1e6) }
    }

    public enum Failure: Error, Sendable, CustomStringConvertible {
        case journalctlMissing
        case journalctlFailed(arguments: [String], status: Int32, message: String)

        public var description: String {
            switch self {
            case .journalctlMissing: return "journalctl is not installed (Debian's systemd package has it)"
            case .journalctlFailed(let arguments, let status, let message):
                return "journalctl \(arguments.joined(separator: " ")) failed (exit \(status)): \(message)"
            }
        }
    }

    /// `--since` and `--until`, in any form journalctl takes ("1 hour ago", "2026-11-21 21:00", "today").
    public var since: String?
    public var until: String?
    /// A journal directory to read instead of the system's (`journalctl -D`).
    public var directory: String?
    public var identifier = SystemdJournal.identifier

    public init(since: String? = nil, until: String? = nil, directory: String? = nil) {
        self.since = since
        self.until = until
        self.directory = directory
    }

    /// One `FIELD=value` match: one of Corral's fields, or journald's own
    /// (`_PID`, `SYSLOG_IDENTIFIER`).
    public struct Match: Sendable, Equatable {
        public let name: String
        public let value: String

        public init(_ field: JournalField, _ value: String) {
            self.init(journald: field.rawValue, value)
        }

        public init(journald name: String, _ value: String) {
            self.name = name
            self.value = value
        }

        /// `FIELD=value`, as journalctl takes it; nil without a `=`.
        public init?(argument: String) {
            guard let equals = argument.firstIndex(of: "=") else { return nil }
            self.init(journald: String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
        }

        public static func event(_ event: JournalEvent) -> Match { Match(.event, event.rawValue) }

        var argument: String { "\(name)=\(value)" }
    }

    /// Corral's entries matching `matches`, oldest first. Matches on
    /// different fields must all hold; matches on one field, any of them.
    public func entries(matching matches: [Match]) async throws(Failure) -> [Entry] {
        var arguments = ["-t", identifier, "-o", "json", "--no-pager"]
        if let since { arguments += ["--since", since] }
        if let until { arguments += ["--until", until] }
        if let directory { arguments += ["-D", directory] }
        arguments += matches.map(\.argument)
        guard let journalctl = Self.locate() else { throw .journalctlMissing }
        let (status, output, errors) = await Self.run(journalctl, arguments)
        guard status == 0 else {
            throw .journalctlFailed(arguments: arguments, status: status, message: errors.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return output.split(separator: 0x0A).compactMap(Self.parse)
    }

    /// One line of `journalctl -o json`; fields journald stored as bytes
    /// (arrays of numbers) are decoded as UTF-8.
    static func parse(_ line: Data.SubSequence) -> Entry? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { return nil }
        var fields: [String: String] = [:]
        for (key, value) in object {
            if let text = value as? String {
                fields[key] = text
            } else if let bytes = value as? [Int] {
                fields[key] = String(decoding: bytes.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
            }
        }
        let micros = fields["__REALTIME_TIMESTAMP"].flatMap { UInt64($0) } ?? 0
        return Entry(fields: fields, realtimeMicroseconds: micros)
    }

    static func locate() -> String? {
        for candidate in ["/usr/bin/journalctl", "/bin/journalctl"] where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return nil
    }

    /// Runs journalctl to completion (Subprocess: no thread blocks while
    /// it runs); its output, and its error text.
    static func run(_ executable: String, _ arguments: [String]) async -> (Int32, Data, String) {
        do {
            let result = try await Subprocess.run(
                .path(FilePath(executable)), arguments: Arguments(arguments), output: .data(limit: 1 << 30), error: .string(limit: 1 << 20))
            let status: Int32
            switch result.terminationStatus {
            case .exited(let code): status = code
            case .signaled(let signal): status = 128 + signal
            }
            return (status, result.standardOutput, result.standardError)
        } catch {
            return (127, Data(), "\(error)")
        }
    }
}
